//! The schedule of background refreshes, one row per active API key.

use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

/// A key whose refresh is due, leased to the caller.
#[derive(Debug, Clone)]
pub struct DueKey {
    /// The key.
    pub api_key_id: Uuid,
    /// Its team.
    pub team_id: Uuid,
    /// Consecutive failed refreshes.
    pub failures: i32,
}

/// Enrols new active keys, then claims the due ones for `lease_secs`.
pub async fn claim_due(db: &PgPool, lease_secs: f64) -> sqlx::Result<Vec<DueKey>> {
    sqlx::query!(
        "INSERT INTO key_refresh (api_key_id, team_id)
         SELECT id, team_id FROM api_keys WHERE revoked_at IS NULL
         ON CONFLICT (api_key_id) DO NOTHING"
    )
    .execute(db)
    .await?;
    sqlx::query_as!(
        DueKey,
        "WITH due AS (
             SELECT kr.api_key_id FROM key_refresh kr
             JOIN api_keys k ON k.id = kr.api_key_id AND k.revoked_at IS NULL
             WHERE kr.next_at <= now() AND (kr.lease_until IS NULL OR kr.lease_until < now())
             ORDER BY kr.next_at
             LIMIT 4
             FOR UPDATE OF kr SKIP LOCKED
         )
         UPDATE key_refresh kr SET lease_until = now() + make_interval(secs => $1)
         FROM due WHERE kr.api_key_id = due.api_key_id
         RETURNING kr.api_key_id, kr.team_id, kr.failures",
        lease_secs,
    )
    .fetch_all(db)
    .await
}

/// Records a refresh outcome and when the next one is due.
pub async fn finish(
    db: impl PgExecutor<'_>,
    api_key_id: Uuid,
    next_in_secs: f64,
    error: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE key_refresh SET
             next_at = now() + make_interval(secs => $2), lease_until = NULL, last_error = $3,
             failures = CASE WHEN $3::text IS NULL THEN 0 ELSE failures + 1 END,
             last_ok_at = CASE WHEN $3::text IS NULL THEN now() ELSE last_ok_at END
         WHERE api_key_id = $1",
        api_key_id,
        next_in_secs,
        error,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Makes every key of the team due now (the "refresh" button, a newly added key).
pub async fn due_now(db: impl PgExecutor<'_>, team_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE key_refresh SET next_at = now() WHERE team_id = $1",
        team_id
    )
    .execute(db)
    .await?;
    Ok(())
}
