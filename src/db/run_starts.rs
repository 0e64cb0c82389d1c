//! One-time start-run form tokens: a token starts at most one run.

use sqlx::{PgExecutor, PgPool};
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

/// Takes the token for this submission. False when the token was already used (a double click,
/// a second tab, a re-sent POST): the caller must not start another run.
pub async fn claim(
    db: impl PgExecutor<'_>,
    token: Uuid,
    team_id: Uuid,
    suite_id: Uuid,
    user_id: Option<Uuid>,
    name: Option<&str>,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query!(
        "INSERT INTO run_starts (token, team_id, suite_id, user_id, name)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (token) DO NOTHING",
        token,
        team_id,
        suite_id,
        user_id,
        name,
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

/// Records the run a token started.
pub async fn mark_started(db: impl PgExecutor<'_>, token: Uuid, run_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE run_starts SET state = 'started', run_id = $2, updated_at = now() WHERE token = $1",
        token,
        run_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records why a token started nothing.
pub async fn mark_failed(db: impl PgExecutor<'_>, token: Uuid, error: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE run_starts SET state = 'failed', error = $2, updated_at = now() WHERE token = $1",
        token,
        error
    )
    .execute(db)
    .await?;
    Ok(())
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
