//! Run labels and the run lists that filter by them (the runs page, the API): by suite, status,
//! labels and creation time, newest first, paged by cursor or offset. Always scoped by team.

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::revring::{AttemptResult, RunStatus};

/// What a run list is narrowed to.
#[derive(Debug, Clone, Default)]
pub struct RunFilter {
    /// One suite.
    pub suite_id: Option<Uuid>,
    /// One status, in RevRing's spelling (`completed`, …).
    pub status: Option<String>,
    /// Labels the run must carry (a JSON object of strings; `{}` or null for any).
    pub labels: serde_json::Value,
    /// Created at or after.
    pub since: Option<OffsetDateTime>,
    /// Created strictly before this (time, id) in list order: where the previous page ended.
    pub before: Option<(OffsetDateTime, Uuid)>,
}

/// A run in a filtered list, with its labels.
#[derive(Debug, Clone)]
pub struct LabelledRun {
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
    /// Who started it from Ringside (none when imported or started by a token).
    pub started_by_name: Option<String>,
    /// The schedule that started it, by the name it had then.
    pub schedule_name: Option<String>,
    /// Whether the worker still polls it.
    pub polling: bool,
    /// The last sync problem, if the last poll failed.
    pub last_error: Option<String>,
    /// Its labels (a JSON object of strings).
    pub labels: serde_json::Value,
}

impl From<LabelledRun> for super::runs::RunRow {
    fn from(run: LabelledRun) -> Self {
        Self {
            id: run.id,
            suite_id: run.suite_id,
            suite_name: run.suite_name,
            revring_id: run.revring_id,
            name: run.name,
            status: run.status,
            attempts_total: run.attempts_total,
            attempts_done: run.attempts_done,
            attempts_passed: run.attempts_passed,
            attempts_failed: run.attempts_failed,
            review_pass_delta: run.review_pass_delta,
            created_at: run.created_at,
            started_at: run.started_at,
            completed_at: run.completed_at,
            started_by_name: run.started_by_name,
            schedule_name: run.schedule_name,
            polling: run.polling,
            last_error: run.last_error,
        }
    }
}

/// The team's runs matching `filter`, newest first: `limit` of them after skipping `offset`.
pub async fn list(
    db: &PgPool,
    team_id: Uuid,
    filter: &RunFilter,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<LabelledRun>> {
    let (before_at, before_id) = filter.before.unzip();
    let labels = match &filter.labels {
        serde_json::Value::Object(_) => filter.labels.clone(),
        _ => serde_json::json!({}),
    };
    sqlx::query_as!(
        LabelledRun,
        r#"SELECT r.id, r.suite_id, s.name AS suite_name, r.revring_id, r.name,
                  r.status AS "status: RunStatus",
                  r.attempts_total, r.attempts_done, r.attempts_passed, r.attempts_failed,
                  r.review_pass_delta, r.created_at, r.started_at, r.completed_at,
                  u.display_name AS "started_by_name?", r.schedule_name, r.next_poll_at IS NOT NULL AS "polling!",
                  r.last_error, r.labels
           FROM runs r
           JOIN suites s ON s.id = r.suite_id
           LEFT JOIN users u ON u.id = r.started_by
           WHERE r.team_id = $1
             AND ($2::uuid IS NULL OR r.suite_id = $2)
             AND ($3::text IS NULL OR r.status = $3)
             AND r.labels @> $4
             AND ($5::timestamptz IS NULL OR r.created_at >= $5)
             AND ($6::timestamptz IS NULL OR (r.created_at, r.id) < ($6, $7::uuid))
           ORDER BY r.created_at DESC, r.id DESC
           LIMIT $8 OFFSET $9"#,
        team_id,
        filter.suite_id,
        filter.status,
        labels,
        filter.since,
        before_at,
        before_id,
        limit,
        offset,
    )
    .fetch_all(db)
    .await
}

/// One run of the team with its labels; `None` for another team's run.
pub async fn get(db: &PgPool, team_id: Uuid, run_id: Uuid) -> sqlx::Result<Option<LabelledRun>> {
    sqlx::query_as!(
        LabelledRun,
        r#"SELECT r.id, r.suite_id, s.name AS suite_name, r.revring_id, r.name,
                  r.status AS "status: RunStatus",
                  r.attempts_total, r.attempts_done, r.attempts_passed, r.attempts_failed,
                  r.review_pass_delta, r.created_at, r.started_at, r.completed_at,
                  u.display_name AS "started_by_name?", r.schedule_name, r.next_poll_at IS NOT NULL AS "polling!",
                  r.last_error, r.labels
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

/// The labels of the team's run (`{}` when none or no such run).
pub async fn labels_of(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
) -> sqlx::Result<serde_json::Value> {
    let labels = sqlx::query_scalar!(
        "SELECT labels FROM runs WHERE team_id = $1 AND id = $2",
        team_id,
        run_id
    )
    .fetch_optional(db)
    .await?;
    Ok(labels.unwrap_or_else(|| serde_json::json!({})))
}

/// Sets the labels of the team's run.
pub async fn set_labels(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    run_id: Uuid,
    labels: &serde_json::Value,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE runs SET labels = $3 WHERE team_id = $1 AND id = $2",
        team_id,
        run_id,
        labels
    )
    .execute(db)
    .await?;
    Ok(())
}

/// One attempt of the team, by its own id (the API addresses attempts without their run).
#[derive(Debug, Clone)]
pub struct AttemptById {
    /// Ringside's id.
    pub id: Uuid,
    /// Its run.
    pub run_id: Uuid,
    /// The test case's RevRing id.
    pub test_case_revring_id: String,
    /// The test case's name.
    pub test_case_name: String,
    /// 1-based attempt number within the case.
    pub attempt_number: i32,
    /// RevRing's verdict, `None` while pending.
    pub result: Option<AttemptResult>,
    /// The judge's reasoning.
    pub reasoning: Option<String>,
    /// The conversation as RevRing sent it.
    pub transcript: serde_json::Value,
    /// When the call began.
    pub started_at: Option<OffsetDateTime>,
    /// When the attempt finished.
    pub completed_at: Option<OffsetDateTime>,
}

/// The team's attempt `attempt_id`; `None` for another team's.
pub async fn attempt(
    db: &PgPool,
    team_id: Uuid,
    attempt_id: Uuid,
) -> sqlx::Result<Option<AttemptById>> {
    sqlx::query_as!(
        AttemptById,
        r#"SELECT id, run_id, test_case_revring_id, test_case_name, attempt_number,
                  result AS "result: AttemptResult", reasoning, transcript, started_at, completed_at
           FROM attempts WHERE team_id = $1 AND id = $2"#,
        team_id,
        attempt_id
    )
    .fetch_optional(db)
    .await
}

/// [`super::trends::finished_runs_since`] narrowed to runs carrying `labels` (a JSON object).
pub async fn finished_runs_since_labelled(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    since: OffsetDateTime,
    labels: &serde_json::Value,
    limit: i64,
    judged_only: bool,
) -> sqlx::Result<Vec<super::trends::TrendRun>> {
    sqlx::query_as!(
        super::trends::TrendRun,
        r#"SELECT id, name, revring_id, status AS "status: RunStatus", created_at, started_at, completed_at,
                attempts_total,
                attempts_passed + CASE WHEN $6 THEN 0 ELSE review_pass_delta END AS "attempts_passed!",
                attempts_failed - CASE WHEN $6 THEN 0 ELSE review_pass_delta END AS "attempts_failed!",
                review_pass_delta
         FROM runs
         WHERE team_id = $1 AND suite_id = $2 AND created_at >= $3 AND labels @> $4
           AND status IN ('completed', 'failed', 'cancelled')
           AND attempts_passed + attempts_failed > 0
         ORDER BY created_at DESC, id DESC
         LIMIT $5"#,
        team_id,
        suite_id,
        since,
        labels,
        limit,
        judged_only,
    )
    .fetch_all(db)
    .await
}

/// [`super::trends::dashboard`] counting only runs that carry `labels` (a JSON object).
pub async fn dashboard_labelled(
    db: &PgPool,
    team_id: Uuid,
    recent: i64,
    days: i32,
    labels: &serde_json::Value,
    judged_only: bool,
) -> sqlx::Result<Vec<super::trends::DashboardRow>> {
    sqlx::query_as!(
        super::trends::DashboardRow,
        r#"SELECT s.id AS suite_id, s.name AS suite_name,
                  last.id AS "last_run_id?", last.status AS "last_status?: RunStatus",
                  last.created_at AS "last_created_at?",
                  spark.passed AS "recent_passed!", spark.judged AS "recent_judged!",
                  past.passed AS "past_passed?", past.judged AS "past_judged?",
                  past.created_at AS "past_created_at?"
           FROM suites s
           LEFT JOIN LATERAL (
               SELECT r.id, r.status, r.created_at FROM runs r
               WHERE r.suite_id = s.id AND r.team_id = $1 AND r.labels @> $4
               ORDER BY r.created_at DESC LIMIT 1
           ) last ON true
           CROSS JOIN LATERAL (
               SELECT coalesce(array_agg(t.passed ORDER BY t.created_at), '{}') AS passed,
                      coalesce(array_agg(t.judged ORDER BY t.created_at), '{}') AS judged
               FROM (
                   SELECT r.created_at,
                          r.attempts_passed + CASE WHEN $5 THEN 0 ELSE r.review_pass_delta END
                              AS passed,
                          r.attempts_passed + r.attempts_failed AS judged
                   FROM runs r
                   WHERE r.suite_id = s.id AND r.team_id = $1 AND r.labels @> $4
                     AND r.status IN ('completed', 'failed', 'cancelled')
                     AND r.attempts_passed + r.attempts_failed > 0
                   ORDER BY r.created_at DESC LIMIT $2
               ) t
           ) spark
           LEFT JOIN LATERAL (
               SELECT r.attempts_passed + CASE WHEN $5 THEN 0 ELSE r.review_pass_delta END AS passed,
                      r.attempts_passed + r.attempts_failed AS judged, r.created_at
               FROM runs r
               WHERE r.suite_id = s.id AND r.team_id = $1 AND r.labels @> $4
                 AND r.status IN ('completed', 'failed', 'cancelled')
                 AND r.attempts_passed + r.attempts_failed > 0
                 AND r.created_at <= now() - make_interval(days => $3)
               ORDER BY r.created_at DESC LIMIT 1
           ) past ON true
           WHERE s.team_id = $1 AND s.removed_at IS NULL
           ORDER BY lower(s.name), s.id"#,
        team_id,
        recent,
        days,
        labels,
        judged_only,
    )
    .fetch_all(db)
    .await
}
