//! Sign-in throttling: a growing delay after repeated failures, per account and address pair,
//! per account and per address, kept in Postgres so every replica sees the same counts.
//!
//! An attempt is reserved (recorded as a failure) atomically before the password is checked,
//! under advisory locks on the account and on the address, so a burst of parallel attempts
//! cannot all pass the check before any is recorded. A successful sign-in clears the account.
//! A delay instead of a lockout: an attacker elsewhere slows an account down but cannot shut
//! its owner out for long, since the pair scope (the owner's own address) starts clean.

use sqlx::PgPool;

/// The window over which failures count.
pub const THROTTLE_WINDOW: time::Duration = time::Duration::minutes(15);

/// Failures of one account from one address before each further attempt must wait.
pub const FREE_FAILURES_PER_PAIR: i64 = 5;

/// Failures of one account from any address before each further attempt must wait (higher:
/// failures from elsewhere should not slow the owner down too early).
pub const FREE_FAILURES_PER_ACCOUNT: i64 = 20;

/// Failures from one address on any account before each further attempt must wait (higher:
/// an office behind one NAT shares an address).
pub const FREE_FAILURES_PER_ADDRESS: i64 = 30;

/// The first delay once a scope's free failures are used; it doubles with each failure after.
pub const FIRST_DELAY: time::Duration = time::Duration::seconds(1);

/// The longest delay.
pub const MAX_DELAY: time::Duration = time::Duration::minutes(15);

/// How many failures a scope has in the window, and when the last one was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scope {
    /// Failures within the window.
    pub failures: i64,
    /// The latest of them.
    pub last: Option<time::OffsetDateTime>,
}

/// How long an attempt must still wait, given a scope's failures and its free allowance.
pub fn wait_for(scope: Scope, free: i64, now: time::OffsetDateTime) -> time::Duration {
    let (Some(last), true) = (scope.last, scope.failures >= free) else {
        return time::Duration::ZERO;
    };
    let doublings = u32::try_from(scope.failures - free)
        .unwrap_or(u32::MAX)
        .min(20);
    let delay = (FIRST_DELAY * 2_i32.pow(doublings)).min(MAX_DELAY);
    (last + delay - now).max(time::Duration::ZERO)
}

/// The outcome of [`reserve`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The attempt is recorded as a failure until a success clears it: check the password.
    Granted,
    /// Too many recent failures: try again after this long. Nothing was recorded.
    Wait(time::Duration),
}

/// Reserves a sign-in attempt for `account` from `address`, or says how long to wait.
pub async fn reserve(db: &PgPool, account: &str, address: &str) -> sqlx::Result<Reservation> {
    let mut tx = db.begin().await?;
    for key in [
        format!("login-account:{account}"),
        format!("login-address:{address}"),
    ] {
        sqlx::query!("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key)
            .execute(&mut *tx)
            .await?;
    }
    let since = time::OffsetDateTime::now_utc() - THROTTLE_WINDOW;
    let row = sqlx::query!(
        r#"SELECT now() AS "now!",
             count(*) FILTER (WHERE account = $1 AND address = $2) AS "pair!",
             max(at) FILTER (WHERE account = $1 AND address = $2) AS pair_last,
             count(*) FILTER (WHERE account = $1) AS "account!",
             max(at) FILTER (WHERE account = $1) AS account_last,
             count(*) FILTER (WHERE address = $2) AS "address!",
             max(at) FILTER (WHERE address = $2) AS address_last
           FROM login_failures WHERE (account = $1 OR address = $2) AND at > $3"#,
        account,
        address,
        since
    )
    .fetch_one(&mut *tx)
    .await?;
    let scope = |failures, last| Scope { failures, last };
    let wait = [
        wait_for(
            scope(row.pair, row.pair_last),
            FREE_FAILURES_PER_PAIR,
            row.now,
        ),
        wait_for(
            scope(row.account, row.account_last),
            FREE_FAILURES_PER_ACCOUNT,
            row.now,
        ),
        wait_for(
            scope(row.address, row.address_last),
            FREE_FAILURES_PER_ADDRESS,
            row.now,
        ),
    ]
    .into_iter()
    .max()
    .unwrap_or(time::Duration::ZERO);
    if wait > time::Duration::ZERO {
        tx.rollback().await?;
        return Ok(Reservation::Wait(wait));
    }
    sqlx::query!("DELETE FROM login_failures WHERE at <= $1", since)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "INSERT INTO login_failures (account, address) VALUES ($1, $2)",
        account,
        address
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Reservation::Granted)
}

/// Forgets the account's failures after a successful sign-in (its reservation included).
pub async fn clear_account(db: &PgPool, account: &str) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM login_failures WHERE account = $1", account)
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn the_delay_starts_after_the_free_failures_and_doubles_up_to_the_cap() {
        let now = datetime!(2026-11-30 12:00 UTC);
        let at = |failures, secs_ago| Scope {
            failures,
            last: Some(now - time::Duration::seconds(secs_ago)),
        };
        assert_eq!(wait_for(at(4, 0), 5, now), time::Duration::ZERO);
        assert_eq!(wait_for(at(5, 0), 5, now), time::Duration::seconds(1));
        assert_eq!(wait_for(at(7, 1), 5, now), time::Duration::seconds(3));
        assert_eq!(wait_for(at(7, 10), 5, now), time::Duration::ZERO);
        assert_eq!(wait_for(at(60, 0), 5, now), MAX_DELAY);
        let none = Scope {
            failures: 0,
            last: None,
        };
        assert_eq!(wait_for(none, 0, now), time::Duration::ZERO);
    }
}
