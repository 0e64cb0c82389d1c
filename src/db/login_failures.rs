//! Login throttling: failed attempts counted per account and per client address over a window.
//! Kept in Postgres so every replica sees the same counts.

use sqlx::PgExecutor;

/// The window over which failures count.
pub const THROTTLE_WINDOW: time::Duration = time::Duration::minutes(15);

/// Failed attempts on one account (known or not) within the window before it is refused.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;

/// Failed attempts from one address within the window before it is refused (higher: an office
/// behind one NAT shares an address).
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;

/// Recent failures for this account and for this address.
pub async fn recent(
    db: impl PgExecutor<'_>,
    account: &str,
    address: &str,
) -> sqlx::Result<(i64, i64)> {
    let since = time::OffsetDateTime::now_utc() - THROTTLE_WINDOW;
    let row = sqlx::query!(
        r#"SELECT
             (SELECT count(*) FROM login_failures WHERE account = $1 AND at > $3) AS "account!",
             (SELECT count(*) FROM login_failures WHERE address = $2 AND at > $3) AS "address!""#,
        account,
        address,
        since
    )
    .fetch_one(db)
    .await?;
    Ok((row.account, row.address))
}

/// True when either count has reached its limit.
pub fn is_throttled((account, address): (i64, i64)) -> bool {
    account >= MAX_FAILURES_PER_ACCOUNT || address >= MAX_FAILURES_PER_ADDRESS
}

/// Records a failure, dropping failures too old to count.
pub async fn record(db: &mut sqlx::PgConnection, account: &str, address: &str) -> sqlx::Result<()> {
    let since = time::OffsetDateTime::now_utc() - THROTTLE_WINDOW;
    sqlx::query!("DELETE FROM login_failures WHERE at <= $1", since)
        .execute(&mut *db)
        .await?;
    sqlx::query!(
        "INSERT INTO login_failures (account, address) VALUES ($1, $2)",
        account,
        address
    )
    .execute(&mut *db)
    .await?;
    Ok(())
}

/// Forgets the account's failures after a successful sign-in.
pub async fn clear_account(db: impl PgExecutor<'_>, account: &str) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM login_failures WHERE account = $1", account)
        .execute(db)
        .await?;
    Ok(())
}
