//! One-time start-run form tokens: a token starts at most one run.

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

/// Where a start request stands (`run_starts.state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "text", rename_all = "lowercase")]
pub enum StartState {
    /// The first submission is still talking to RevRing.
    Pending,
    /// The run exists.
    Started,
    /// Nothing was started.
    Failed,
}

/// Where a start request stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunStart {
    /// Its state.
    pub state: StartState,
    /// The run, once started.
    pub run_id: Option<Uuid>,
    /// Why it failed.
    pub error: Option<String>,
}

/// A pending start whose process stopped renewing its lease (it crashed mid-start).
#[derive(Debug, Clone)]
pub struct OrphanedStart {
    /// The form token.
    pub token: Uuid,
    /// The team.
    pub team_id: Uuid,
    /// The suite it starts.
    pub suite_id: Uuid,
    /// Who submitted the form.
    pub user_id: Option<Uuid>,
    /// The requested run name.
    pub name: Option<String>,
    /// When the start was requested (about when RevRing was asked).
    pub created_at: OffsetDateTime,
}

/// Takes the token for this submission, leased to the caller for `lease_secs` (renew it with
/// [`renew`] while talking to RevRing). False when the token was already used (a double click,
/// a second tab, a re-sent POST): the caller must not start another run.
pub async fn claim(
    db: impl PgExecutor<'_>,
    token: Uuid,
    team_id: Uuid,
    suite_id: Uuid,
    user_id: Option<Uuid>,
    name: Option<&str>,
    lease_secs: f64,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query!(
        "INSERT INTO run_starts (token, team_id, suite_id, user_id, name, lease_until)
         VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
         ON CONFLICT (token) DO NOTHING",
        token,
        team_id,
        suite_id,
        user_id,
        name,
        lease_secs,
    )
    .execute(db)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The state of a token used by this team.
pub async fn get(db: &PgPool, team_id: Uuid, token: Uuid) -> sqlx::Result<Option<RunStart>> {
    sqlx::query_as!(
        RunStart,
        r#"SELECT state AS "state: StartState", run_id, error FROM run_starts WHERE token = $1 AND team_id = $2"#,
        token,
        team_id
    )
    .fetch_optional(db)
    .await
}

/// Records the run a token started (a token ends once: a settled token is left as it is).
pub async fn mark_started(db: impl PgExecutor<'_>, token: Uuid, run_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE run_starts SET state = 'started', run_id = $2, updated_at = now()
         WHERE token = $1 AND state = 'pending'",
        token,
        run_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records why a token started nothing (a settled token is left as it is).
pub async fn mark_failed(db: impl PgExecutor<'_>, token: Uuid, error: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE run_starts SET state = 'failed', error = $2, updated_at = now()
         WHERE token = $1 AND state = 'pending'",
        token,
        error
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Extends the lease of a pending start the caller is still working on.
pub async fn renew(db: &PgPool, token: Uuid, lease_secs: f64) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE run_starts SET lease_until = now() + make_interval(secs => $2)
         WHERE token = $1 AND state = 'pending'",
        token,
        lease_secs
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Claims up to `limit` pending starts whose lease lapsed (their process died), leasing them to
/// the caller for `lease_secs`. Rows from before leases existed lapse two minutes after their
/// last update.
pub async fn claim_orphaned(
    db: &PgPool,
    lease_secs: f64,
    limit: i64,
) -> sqlx::Result<Vec<OrphanedStart>> {
    sqlx::query_as!(
        OrphanedStart,
        r#"WITH lapsed AS (
               SELECT token FROM run_starts
               WHERE state = 'pending'
                 AND coalesce(lease_until, updated_at + interval '2 minutes') < now()
               ORDER BY created_at
               LIMIT $2
               FOR UPDATE SKIP LOCKED
           )
           UPDATE run_starts s SET lease_until = now() + make_interval(secs => $1)
           FROM lapsed WHERE s.token = lapsed.token
           RETURNING s.token, s.team_id, s.suite_id, s.user_id, s.name, s.created_at"#,
        lease_secs,
        limit
    )
    .fetch_all(db)
    .await
}

/// RevRing ids of the suite's runs that a start request already accounts for.
pub async fn started_revring_ids(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "SELECT r.revring_id FROM run_starts s JOIN runs r ON r.id = s.run_id
         WHERE s.team_id = $1 AND s.suite_id = $2 AND r.team_id = $1",
        team_id,
        suite_id
    )
    .fetch_all(db)
    .await
}

/// Frees the team's `token` for a new start when its earlier start failed (nothing was started)
/// or is older than `window_secs` (an API idempotency key's window).
pub async fn release_stale(
    db: &PgPool,
    team_id: Uuid,
    token: Uuid,
    window_secs: f64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "DELETE FROM run_starts
         WHERE token = $1 AND team_id = $2
           AND (state = 'failed' OR created_at < now() - make_interval(secs => $3))",
        token,
        team_id,
        window_secs
    )
    .execute(db)
    .await?;
    Ok(())
}
