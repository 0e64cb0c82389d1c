//! Runs: stored when started or discovered, kept equal to RevRing by the sync worker.

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::revring::{RunStatus, TestRun};

/// A run as the pages show it.
#[derive(Debug, Clone)]
pub struct RunRow {
    /// Ringside's id.
    pub id: Uuid,
    /// Its suite.
    pub suite_id: Uuid,
    /// The suite's name.
    pub suite_name: String,
    /// RevRing's id.
    pub revring_id: String,
    /// The run's name, if any.
    pub name: Option<String>,
    /// RevRing's status.
    pub status: RunStatus,
    /// Attempts in the run.
    pub attempts_total: i32,
    /// Attempts finished (judged).
    pub attempts_done: i32,
    /// Attempts passed.
    pub attempts_passed: i32,
    /// Attempts failed (fail or error).
    pub attempts_failed: i32,
    /// How reviews shift the passed count (and the failed count the other way).
    pub review_pass_delta: i32,
    /// When RevRing created it.
    pub created_at: OffsetDateTime,
    /// When calls began.
    pub started_at: Option<OffsetDateTime>,
    /// When it ended.
    pub completed_at: Option<OffsetDateTime>,
    /// Who started it from Ringside (none when imported or scheduled).
    pub started_by_name: Option<String>,
    /// The schedule that started it, by the name it had then.
    pub schedule_name: Option<String>,
    /// Whether the worker still polls it.
    pub polling: bool,
    /// The last sync problem, if the last poll failed.
    pub last_error: Option<String>,
}

/// What the worker needs to poll a claimed run.
#[derive(Debug, Clone)]
pub struct ClaimedRun {
    /// Ringside's id.
    pub id: Uuid,
    /// Owning team.
    pub team_id: Uuid,
    /// The key to poll with.
    pub api_key_id: Uuid,
    /// RevRing's suite id.
    pub suite_revring_id: String,
    /// RevRing's run id.
    pub revring_id: String,
    /// Consecutive failed polls.
    pub sync_failures: i32,
    /// The status stored at the last poll.
    pub status: RunStatus,
    /// Finished attempts stored at the last poll.
    pub attempts_done: i32,
    /// Seconds since the run last changed (status or finished attempts).
    pub unchanged_secs: f64,
}

/// Stores a run RevRing returned (started here, or discovered in a list). An existing row keeps
/// its sync state; a new one is due for polling at once. Returns the run's id.
pub async fn upsert_discovered(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    suite_id: Uuid,
    api_key_id: Uuid,
    run: &TestRun,
    started_by: Option<Uuid>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"INSERT INTO runs (team_id, suite_id, api_key_id, revring_id, name, status, total_tests,
                             passed_tests, failed_tests, created_at, started_at, completed_at,
                             started_by, next_poll_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, coalesce($10, now()), $11, $12, $13, now())
           ON CONFLICT (team_id, revring_id) DO UPDATE
               SET started_by = coalesce(runs.started_by, EXCLUDED.started_by)
           RETURNING id"#,
        team_id,
        suite_id,
        api_key_id,
        run.id,
        run.name,
        run.status.as_str(),
        run.total_tests as i32,
        run.passed_tests as i32,
        run.failed_tests as i32,
        run.created_at,
        run.started_at,
        run.completed_at,
        started_by,
    )
    .fetch_one(db)
    .await
}

/// RevRing ids of the suite's runs already stored for this team.
pub async fn known_revring_ids(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar!(
        "SELECT revring_id FROM runs WHERE team_id = $1 AND suite_id = $2",
        team_id,
        suite_id
    )
    .fetch_all(db)
    .await
}

/// How many runs (of every team) are still polled: in flight upstream. For operators' metrics.
pub async fn count_polled(db: &PgPool) -> sqlx::Result<i64> {
    sqlx::query_scalar!(r#"SELECT count(*) AS "n!" FROM runs WHERE next_poll_at IS NOT NULL"#)
        .fetch_one(db)
        .await
}

/// Claims up to `limit` runs due for a poll, leasing them to `owner` for `lease_secs`. Rows
/// another worker is claiming at the same moment are skipped, never waited for.
pub async fn claim_due(
    db: &PgPool,
    owner: &str,
    limit: i64,
    lease_secs: f64,
) -> sqlx::Result<Vec<ClaimedRun>> {
    sqlx::query_as!(
        ClaimedRun,
        r#"WITH due AS (
               SELECT id FROM runs
               WHERE next_poll_at <= now() AND (lease_until IS NULL OR lease_until < now())
               ORDER BY next_poll_at
               LIMIT $2
               FOR UPDATE SKIP LOCKED
           )
           UPDATE runs r
           SET lease_owner = $1, lease_until = now() + make_interval(secs => $3)
           FROM due, suites s
           WHERE r.id = due.id AND s.id = r.suite_id
           RETURNING r.id, r.team_id, r.api_key_id, s.revring_id AS suite_revring_id,
                     r.revring_id, r.sync_failures, r.status AS "status: RunStatus",
                     r.attempts_done,
                     extract(epoch FROM now() - coalesce(r.changed_at, r.synced_at, r.created_at))
                         ::float8 AS "unchanged_secs!""#,
        owner,
        limit,
        lease_secs,
    )
    .fetch_all(db)
    .await
}

/// Extends `owner`'s leases on `run_ids` while it is still polling them (a worker that dies
/// stops renewing, and its runs are claimable again once the short lease lapses).
pub async fn renew_leases(
    db: &PgPool,
    owner: &str,
    run_ids: &[Uuid],
    lease_secs: f64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE runs SET lease_until = now() + make_interval(secs => $3)
         WHERE id = ANY($2) AND lease_owner = $1",
        owner,
        run_ids,
        lease_secs,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Frees every lease `owner` holds (a worker stopping cleanly), so other workers resume its
/// runs at once.
pub async fn release_leases(db: &PgPool, owner: &str) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE runs SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1",
        owner
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

/// After a failed poll: keeps the error, counts the failure, schedules the next try and frees
/// the lease (only if `owner` still holds it).
pub async fn record_poll_failure(
    db: &PgPool,
    run_id: Uuid,
    owner: &str,
    error: &str,
    retry_in_secs: f64,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE runs SET sync_failures = sync_failures + 1, last_error = $3,
                next_poll_at = now() + make_interval(secs => $4),
                lease_owner = NULL, lease_until = NULL
         WHERE id = $1 AND lease_owner = $2",
        run_id,
        owner,
        error,
        retry_in_secs,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Stops polling a run RevRing no longer knows, keeping what was cached.
pub async fn stop_polling(db: &PgPool, run_id: Uuid, owner: &str, why: &str) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE runs SET next_poll_at = NULL, last_error = $3, lease_owner = NULL, lease_until = NULL
         WHERE id = $1 AND lease_owner = $2",
        run_id,
        owner,
        why,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Makes a run due for polling now (after a start or a cancel).
pub async fn poll_soon(db: impl PgExecutor<'_>, run_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE runs SET next_poll_at = now() WHERE id = $1 AND next_poll_at IS DISTINCT FROM now()",
        run_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// One run of the team; `None` for another team's run or an unknown id.
pub async fn get(db: &PgPool, team_id: Uuid, run_id: Uuid) -> sqlx::Result<Option<RunRow>> {
    sqlx::query_as!(
        RunRow,
        r#"SELECT r.id, r.suite_id, s.name AS suite_name, r.revring_id, r.name, r.status AS "status: RunStatus",
                  r.attempts_total, r.attempts_done, r.attempts_passed, r.attempts_failed, r.review_pass_delta,
                  r.created_at, r.started_at, r.completed_at,
                  u.display_name AS "started_by_name?", r.schedule_name,
                  r.next_poll_at IS NOT NULL AS "polling!", r.last_error
           FROM runs r
           JOIN suites s ON s.id = r.suite_id
           LEFT JOIN users u ON u.id = r.started_by
           WHERE r.team_id = $1 AND r.id = $2"#,
        team_id,
        run_id,
    )
    .fetch_optional(db)
    .await
}

/// A page of the suite's runs, newest first.
pub async fn page_for_suite(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<RunRow>> {
    sqlx::query_as!(
        RunRow,
        r#"SELECT r.id, r.suite_id, s.name AS suite_name, r.revring_id, r.name, r.status AS "status: RunStatus",
                  r.attempts_total, r.attempts_done, r.attempts_passed, r.attempts_failed, r.review_pass_delta,
                  r.created_at, r.started_at, r.completed_at,
                  u.display_name AS "started_by_name?", r.schedule_name,
                  r.next_poll_at IS NOT NULL AS "polling!", r.last_error
           FROM runs r
           JOIN suites s ON s.id = r.suite_id
           LEFT JOIN users u ON u.id = r.started_by
           WHERE r.team_id = $1 AND r.suite_id = $2
           ORDER BY r.created_at DESC, r.id
           LIMIT $3 OFFSET $4"#,
        team_id,
        suite_id,
        limit,
        offset,
    )
    .fetch_all(db)
    .await
}

/// A page of all the team's runs, newest first.
pub async fn page_for_team(
    db: &PgPool,
    team_id: Uuid,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<RunRow>> {
    sqlx::query_as!(
        RunRow,
        r#"SELECT r.id, r.suite_id, s.name AS suite_name, r.revring_id, r.name, r.status AS "status: RunStatus",
                  r.attempts_total, r.attempts_done, r.attempts_passed, r.attempts_failed, r.review_pass_delta,
                  r.created_at, r.started_at, r.completed_at,
                  u.display_name AS "started_by_name?", r.schedule_name,
                  r.next_poll_at IS NOT NULL AS "polling!", r.last_error
           FROM runs r
           JOIN suites s ON s.id = r.suite_id
           LEFT JOIN users u ON u.id = r.started_by
           WHERE r.team_id = $1
           ORDER BY r.created_at DESC, r.id
           LIMIT $2 OFFSET $3"#,
        team_id,
        limit,
        offset,
    )
    .fetch_all(db)
    .await
}

/// What cancelling a run needs.
#[derive(Debug, Clone)]
pub struct CancelTarget {
    /// The key it runs under.
    pub api_key_id: Uuid,
    /// RevRing's suite id.
    pub suite_revring_id: String,
    /// RevRing's run id.
    pub revring_id: String,
}

/// The RevRing ids of the team's run, for a cancel.
pub async fn cancel_target(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
) -> sqlx::Result<Option<CancelTarget>> {
    sqlx::query_as!(
        CancelTarget,
        "SELECT r.api_key_id, s.revring_id AS suite_revring_id, r.revring_id
         FROM runs r JOIN suites s ON s.id = r.suite_id
         WHERE r.team_id = $1 AND r.id = $2",
        team_id,
        run_id
    )
    .fetch_optional(db)
    .await
}

/// The suite's run before `run` (by creation time) that has at least one verdict and is no
/// longer active: the baseline the run page compares with. `None` for the suite's first run.
pub async fn previous_judged(
    db: &PgPool,
    team_id: Uuid,
    run: &RunRow,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "SELECT id FROM runs
         WHERE team_id = $1 AND suite_id = $2 AND id <> $3
           AND (created_at, id) < ($4, $3)
           AND attempts_done > 0 AND status NOT IN ('queued', 'running')
         ORDER BY created_at DESC, id DESC
         LIMIT 1",
        team_id,
        run.suite_id,
        run.id,
        run.created_at,
    )
    .fetch_optional(db)
    .await
}

/// The API key the team's run was started or imported with (for call details and recordings).
pub async fn api_key_of(db: &PgPool, team_id: Uuid, run_id: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "SELECT api_key_id FROM runs WHERE team_id = $1 AND id = $2",
        team_id,
        run_id
    )
    .fetch_optional(db)
    .await
}
