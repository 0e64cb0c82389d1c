//! Queries of the trend pages. They read run counters and `run_case_results` through the
//! `(suite_id, created_at)` indexes, so their cost follows what a page shows, not how long
//! the history is. A run counts in trends once it has finished (completed, failed or cancelled)
//! with at least one judged attempt.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::revring::RunStatus;

/// A suite on the dashboard with its recent pass rates.
#[derive(Debug, Clone)]
pub struct DashboardRow {
    /// The suite.
    pub suite_id: Uuid,
    /// Its name.
    pub suite_name: String,
    /// Its newest run, whatever its status.
    pub last_run_id: Option<Uuid>,
    /// That run's status.
    pub last_status: Option<RunStatus>,
    /// When that run was created.
    pub last_created_at: Option<OffsetDateTime>,
    /// Attempts passed in its latest finished runs, oldest first.
    pub recent_passed: Vec<i32>,
    /// Attempts judged in the same runs.
    pub recent_judged: Vec<i32>,
    /// Attempts passed in the finished run closest to `days` ago (see [`dashboard`]).
    pub past_passed: Option<i32>,
    /// Attempts judged in that run.
    pub past_judged: Option<i32>,
    /// When that run was created.
    pub past_created_at: Option<OffsetDateTime>,
}

/// The team's runs and attempts in the last 7 days and the 7 days before.
#[derive(Debug, Clone, Copy, Default)]
pub struct WeekTotals {
    /// Runs created in the last 7 days.
    pub runs_this_week: i64,
    /// Runs created 7 to 14 days ago.
    pub runs_last_week: i64,
    /// Attempts passed in this week's runs.
    pub passed_this_week: i64,
    /// Attempts judged (passed or failed) in this week's runs.
    pub judged_this_week: i64,
    /// Attempts passed in last week's runs.
    pub passed_last_week: i64,
    /// Attempts judged in last week's runs.
    pub judged_last_week: i64,
}

/// The team's headline numbers: runs and attempts of the last 7 days and the 7 before.
pub async fn week_totals(db: &PgPool, team_id: Uuid) -> sqlx::Result<WeekTotals> {
    sqlx::query_as!(
        WeekTotals,
        r#"SELECT this.runs AS "runs_this_week!", prior.runs AS "runs_last_week!",
                  this.passed AS "passed_this_week!", this.judged AS "judged_this_week!",
                  prior.passed AS "passed_last_week!", prior.judged AS "judged_last_week!"
           FROM (SELECT count(*) AS runs,
                        coalesce(sum(r.attempts_passed), 0)::int8 AS passed,
                        coalesce(sum(r.attempts_passed + r.attempts_failed), 0)::int8 AS judged
                 FROM runs r
                 WHERE r.team_id = $1 AND r.created_at > now() - interval '7 days') this,
                (SELECT count(*) AS runs,
                        coalesce(sum(r.attempts_passed), 0)::int8 AS passed,
                        coalesce(sum(r.attempts_passed + r.attempts_failed), 0)::int8 AS judged
                 FROM runs r
                 WHERE r.team_id = $1 AND r.created_at > now() - interval '14 days'
                   AND r.created_at <= now() - interval '7 days') prior"#,
        team_id,
    )
    .fetch_one(db)
    .await
}

/// Every current suite of the team with its last run, the pass counts of its `recent` latest
/// finished runs and of the finished run closest to `days` ago: the latest at least `days` old
/// or the earliest of the quarter-window after it, whichever is nearer (a history that began
/// 28 days ago still compares with about a month ago). Counts are effective, or
/// the judge's when `judged_only`.
pub async fn dashboard(
    db: &PgPool,
    team_id: Uuid,
    recent: i64,
    days: i32,
    judged_only: bool,
) -> sqlx::Result<Vec<DashboardRow>> {
    sqlx::query_as!(
        DashboardRow,
        r#"SELECT s.id AS suite_id, s.name AS suite_name,
                  last.id AS "last_run_id?", last.status AS "last_status?: RunStatus",
                  last.created_at AS "last_created_at?",
                  spark.passed AS "recent_passed!", spark.judged AS "recent_judged!",
                  past.passed AS "past_passed?", past.judged AS "past_judged?",
                  past.created_at AS "past_created_at?"
           FROM suites s
           LEFT JOIN LATERAL (
               SELECT r.id, r.status, r.created_at FROM runs r
               WHERE r.suite_id = s.id AND r.team_id = $1
               ORDER BY r.created_at DESC LIMIT 1
           ) last ON true
           CROSS JOIN LATERAL (
               SELECT coalesce(array_agg(t.passed ORDER BY t.created_at), '{}') AS passed,
                      coalesce(array_agg(t.judged ORDER BY t.created_at), '{}') AS judged
               FROM (
                   SELECT r.created_at,
                          r.attempts_passed + CASE WHEN $4 THEN 0 ELSE r.review_pass_delta END
                              AS passed,
                          r.attempts_passed + r.attempts_failed AS judged
                   FROM runs r
                   WHERE r.suite_id = s.id AND r.team_id = $1
                     AND r.status IN ('completed', 'failed', 'cancelled')
                     AND r.attempts_passed + r.attempts_failed > 0
                   ORDER BY r.created_at DESC LIMIT $2
               ) t
           ) spark
           LEFT JOIN LATERAL (
               SELECT c.passed, c.judged, c.created_at FROM (
                   (SELECT r.attempts_passed + CASE WHEN $4 THEN 0 ELSE r.review_pass_delta END AS passed,
                           r.attempts_passed + r.attempts_failed AS judged, r.created_at
                    FROM runs r
                    WHERE r.suite_id = s.id AND r.team_id = $1
                      AND r.status IN ('completed', 'failed', 'cancelled')
                      AND r.attempts_passed + r.attempts_failed > 0
                      AND r.created_at <= now() - make_interval(days => $3)
                    ORDER BY r.created_at DESC LIMIT 1)
                   UNION ALL
                   (SELECT r.attempts_passed + CASE WHEN $4 THEN 0 ELSE r.review_pass_delta END AS passed,
                           r.attempts_passed + r.attempts_failed AS judged, r.created_at
                    FROM runs r
                    WHERE r.suite_id = s.id AND r.team_id = $1
                      AND r.status IN ('completed', 'failed', 'cancelled')
                      AND r.attempts_passed + r.attempts_failed > 0
                      AND r.created_at > now() - make_interval(days => $3)
                      AND r.created_at <= now() - make_interval(days => $3 * 3 / 4)
                    ORDER BY r.created_at ASC LIMIT 1)
               ) c
               ORDER BY abs(extract(epoch FROM c.created_at - (now() - make_interval(days => $3))))
               LIMIT 1
           ) past ON true
           WHERE s.team_id = $1 AND s.removed_at IS NULL
           ORDER BY lower(s.name), s.id"#,
        team_id,
        recent,
        days,
        judged_only,
    )
    .fetch_all(db)
    .await
}

/// A test case that failed in recent runs of its suite.
#[derive(Debug, Clone)]
pub struct FailingCase {
    /// Its suite.
    pub suite_id: Uuid,
    /// The suite's name.
    pub suite_name: String,
    /// RevRing's test case id.
    pub test_case_revring_id: String,
    /// Its name.
    pub test_case_name: String,
    /// Recent runs that included it.
    pub runs: i64,
    /// Of those, runs it did not pass.
    pub failing_runs: i64,
    /// Whether an open known issue is linked to it.
    pub known: bool,
}

/// The team's `limit` test cases that failed in most of their suite's `runs_per_suite` latest
/// finished runs (effective results, or the judge's when `judged_only`). The runs are collected
/// first and their case results read in one index scan (`run_id = ANY(…)`): a third faster on
/// the 10M history than joining them run by run.
pub async fn failing_most(
    db: &PgPool,
    team_id: Uuid,
    runs_per_suite: i64,
    limit: i64,
    judged_only: bool,
) -> sqlx::Result<Vec<FailingCase>> {
    sqlx::query_as!(
        FailingCase,
        r#"WITH recent AS (
               SELECT r.id FROM suites s
               CROSS JOIN LATERAL (
                   SELECT r.id FROM runs r
                   WHERE r.suite_id = s.id AND r.team_id = $1
                     AND r.status IN ('completed', 'failed', 'cancelled')
                     AND r.attempts_passed + r.attempts_failed > 0
                   ORDER BY r.created_at DESC LIMIT $2
               ) r
               WHERE s.team_id = $1 AND s.removed_at IS NULL
           )
           SELECT c.suite_id, s.name AS suite_name, c.test_case_revring_id,
                  max(c.test_case_name) AS "test_case_name!",
                  count(*) AS "runs!",
                  count(*) FILTER (WHERE c.not_passed > 0) AS "failing_runs!",
                  EXISTS (SELECT 1 FROM known_issue_cases k
                          JOIN known_issues i ON i.id = k.known_issue_id AND i.status = 'open'
                          WHERE k.team_id = $1 AND k.suite_id = c.suite_id
                            AND k.test_case_revring_id = c.test_case_revring_id) AS "known!"
           FROM (
               SELECT c.run_id, c.suite_id, c.test_case_revring_id, c.test_case_name,
                      c.failed + c.errored
                          + CASE WHEN $4 THEN 0 ELSE c.review_failed + c.review_errored END
                          AS not_passed
               FROM run_case_results c
               WHERE c.team_id = $1 AND c.run_id = ANY(ARRAY(SELECT id FROM recent))
           ) c
           JOIN suites s ON s.id = c.suite_id
           GROUP BY c.suite_id, s.name, c.test_case_revring_id
           HAVING count(*) FILTER (WHERE c.not_passed > 0) > 0
           ORDER BY count(*) FILTER (WHERE c.not_passed > 0) DESC,
                    count(*) FILTER (WHERE c.not_passed > 0)::float8 / count(*) DESC,
                    lower(max(c.test_case_name)), c.test_case_revring_id
           LIMIT $3"#,
        team_id,
        runs_per_suite,
        limit,
        judged_only,
    )
    .fetch_all(db)
    .await
}

/// A run as trend pages chart it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrendRun {
    /// Ringside's id.
    pub id: Uuid,
    /// Its name, if any.
    pub name: Option<String>,
    /// RevRing's id.
    pub revring_id: String,
    /// RevRing's status.
    pub status: RunStatus,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When calls began.
    pub started_at: Option<OffsetDateTime>,
    /// When it ended.
    pub completed_at: Option<OffsetDateTime>,
    /// Attempts in it.
    pub attempts_total: i32,
    /// Attempts passed, as asked: effective, or the judge's when the query was `judged_only`.
    pub attempts_passed: i32,
    /// Attempts failed or errored, as asked.
    pub attempts_failed: i32,
    /// How reviews shift the judge's passed count (and the failed count the other way).
    pub review_pass_delta: i32,
}

/// The suite's finished runs with a judged attempt created since `since`, newest first, at
/// most `limit`; counts effective unless `judged_only`.
pub async fn finished_runs_since(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    since: OffsetDateTime,
    limit: i64,
    judged_only: bool,
) -> sqlx::Result<Vec<TrendRun>> {
    sqlx::query_as!(
        TrendRun,
        r#"SELECT id, name, revring_id, status AS "status: RunStatus", created_at, started_at, completed_at,
                attempts_total,
                attempts_passed + CASE WHEN $5 THEN 0 ELSE review_pass_delta END AS "attempts_passed!",
                attempts_failed - CASE WHEN $5 THEN 0 ELSE review_pass_delta END AS "attempts_failed!",
                review_pass_delta
         FROM runs
         WHERE team_id = $1 AND suite_id = $2 AND created_at >= $3
           AND status IN ('completed', 'failed', 'cancelled')
           AND attempts_passed + attempts_failed > 0
         ORDER BY created_at DESC, id DESC
         LIMIT $4"#,
        team_id,
        suite_id,
        since,
        limit,
        judged_only,
    )
    .fetch_all(db)
    .await
}

/// The suite's `limit` latest runs, whatever their status, newest first; counts effective
/// unless `judged_only`.
pub async fn latest_runs(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    limit: i64,
    judged_only: bool,
) -> sqlx::Result<Vec<TrendRun>> {
    sqlx::query_as!(
        TrendRun,
        r#"SELECT id, name, revring_id, status AS "status: RunStatus", created_at, started_at, completed_at,
                attempts_total,
                attempts_passed + CASE WHEN $4 THEN 0 ELSE review_pass_delta END AS "attempts_passed!",
                attempts_failed - CASE WHEN $4 THEN 0 ELSE review_pass_delta END AS "attempts_failed!",
                review_pass_delta
         FROM runs
         WHERE team_id = $1 AND suite_id = $2
         ORDER BY created_at DESC, id DESC
         LIMIT $3"#,
        team_id,
        suite_id,
        limit,
        judged_only,
    )
    .fetch_all(db)
    .await
}

/// The run of the same suite created just before the team's run `run_id`.
pub async fn previous_run(db: &PgPool, team_id: Uuid, run_id: Uuid) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "SELECT p.id FROM runs r
         JOIN runs p ON p.suite_id = r.suite_id AND p.team_id = r.team_id
                    AND (p.created_at, p.id) < (r.created_at, r.id)
         WHERE r.team_id = $1 AND r.id = $2
         ORDER BY p.created_at DESC, p.id DESC
         LIMIT 1",
        team_id,
        run_id
    )
    .fetch_optional(db)
    .await
}
