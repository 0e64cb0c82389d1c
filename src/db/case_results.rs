//! `run_case_results`: how each test case came out in each run, kept beside the attempts so that
//! case history, flake scores and run comparisons never read the attempts table. Each row keeps
//! the judge's counts and how reviews shift them (`review_*`, see `db::reviews`).

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::revring::AttemptResult;

use crate::domain::run_diff::CaseInRun;
use crate::domain::trend::CaseCounts;

/// One test case's counts in one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseResultRow {
    /// The run.
    pub run_id: Uuid,
    /// RevRing's test case id.
    pub test_case_revring_id: String,
    /// The case's name in that run.
    pub test_case_name: String,
    /// Attempts passed.
    pub passed: i32,
    /// Attempts failed.
    pub failed: i32,
    /// Attempts errored.
    pub errored: i32,
    /// Attempts without a verdict.
    pub pending: i32,
    /// How reviews shift `passed` (see `domain::review`).
    pub review_passed: i32,
    /// How reviews shift `failed`.
    pub review_failed: i32,
    /// How reviews shift `errored`.
    pub review_errored: i32,
}

impl CaseResultRow {
    /// The counts as the judge gave them.
    pub fn judged_counts(&self) -> CaseCounts {
        CaseCounts {
            passed: self.passed,
            failed: self.failed,
            errored: self.errored,
            pending: self.pending,
        }
    }

    /// The effective counts: the judge's, changed by reviews.
    pub fn effective_counts(&self) -> CaseCounts {
        CaseCounts {
            passed: self.passed + self.review_passed,
            failed: self.failed + self.review_failed,
            errored: self.errored + self.review_errored,
            pending: self.pending,
        }
    }

    /// The counts pages show: effective ones, or the judge's when `judged_only`.
    pub fn counts(&self, judged_only: bool) -> CaseCounts {
        if judged_only {
            self.judged_counts()
        } else {
            self.effective_counts()
        }
    }

    /// As a comparison input (effective counts, or the judge's when `judged_only`).
    pub fn into_case(self, judged_only: bool) -> CaseInRun {
        CaseInRun {
            counts: self.counts(judged_only),
            case_id: self.test_case_revring_id,
            name: self.test_case_name,
        }
    }
}

/// Recomputes the run's rows from its stored attempts. Called by `store_run` inside the
/// transaction that wrote them, after the run row (whose `created_at` is copied) is updated.
pub async fn rebuild_for_run(tx: &mut PgConnection, run_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!("DELETE FROM run_case_results WHERE run_id = $1", run_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        r#"INSERT INTO run_case_results (run_id, team_id, suite_id, test_case_revring_id,
                                         test_case_name, run_created_at, passed, failed, errored,
                                         pending, review_passed, review_failed, review_errored)
           SELECT r.id, r.team_id, r.suite_id, a.test_case_revring_id,
                  (array_agg(a.test_case_name ORDER BY a.attempt_number DESC))[1], r.created_at,
                  count(*) FILTER (WHERE a.result = 'pass'),
                  count(*) FILTER (WHERE a.result = 'fail'),
                  count(*) FILTER (WHERE a.result NOT IN ('pass', 'fail')),
                  count(*) FILTER (WHERE a.result IS NULL),
                  count(*) FILTER (WHERE a.eff = 'pass') - count(*) FILTER (WHERE a.result = 'pass'),
                  count(*) FILTER (WHERE a.eff = 'fail') - count(*) FILTER (WHERE a.result = 'fail'),
                  count(*) FILTER (WHERE a.eff NOT IN ('pass', 'fail'))
                      - count(*) FILTER (WHERE a.result NOT IN ('pass', 'fail'))
           FROM runs r JOIN (
               -- The effective verdict, as `domain::review::ReviewKind::effective` defines it.
               SELECT a.*, CASE
                   WHEN rv.kind = 'false_failure' AND a.result <> 'pass' THEN 'pass'
                   WHEN rv.kind = 'false_pass' AND a.result = 'pass' THEN 'fail'
                   ELSE a.result END AS eff
               FROM attempts a LEFT JOIN attempt_reviews rv ON rv.attempt_id = a.id
               WHERE a.run_id = $1
           ) a ON a.run_id = r.id
           WHERE r.id = $1
           GROUP BY r.id, r.team_id, r.suite_id, r.created_at, a.test_case_revring_id"#,
        run_id
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}

/// The rows of the given runs of the team.
pub async fn for_runs(
    db: &PgPool,
    team_id: Uuid,
    run_ids: &[Uuid],
) -> sqlx::Result<Vec<CaseResultRow>> {
    sqlx::query_as!(
        CaseResultRow,
        "SELECT run_id, test_case_revring_id, test_case_name, passed, failed, errored, pending,
                review_passed, review_failed, review_errored
         FROM run_case_results
         WHERE team_id = $1 AND run_id = ANY($2)",
        team_id,
        run_ids
    )
    .fetch_all(db)
    .await
}

/// One attempt with everything the side-by-side view shows.
#[derive(Debug, Clone)]
pub struct CaseAttempt {
    /// Ringside's id.
    pub id: Uuid,
    /// The case's name.
    pub test_case_name: String,
    /// 1-based attempt number.
    pub attempt_number: i32,
    /// The verdict, `None` while pending.
    pub result: Option<AttemptResult>,
    /// The judge's reasoning.
    pub reasoning: Option<String>,
    /// The transcript as RevRing sent it.
    pub transcript: serde_json::Value,
    /// When it finished.
    pub completed_at: Option<OffsetDateTime>,
}

/// The attempts of one test case in one of the team's runs.
pub async fn case_attempts(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
    case_id: &str,
) -> sqlx::Result<Vec<CaseAttempt>> {
    sqlx::query_as!(
        CaseAttempt,
        r#"SELECT id, test_case_name, attempt_number, result AS "result: AttemptResult", reasoning, transcript, completed_at
         FROM attempts
         WHERE team_id = $1 AND run_id = $2 AND test_case_revring_id = $3
         ORDER BY attempt_number, revring_id"#,
        team_id,
        run_id,
        case_id
    )
    .fetch_all(db)
    .await
}

/// The rows of the suite's `runs` latest runs (one round trip; the runs themselves come from
/// `trends::latest_runs`).
pub async fn for_latest_runs(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    runs: i64,
) -> sqlx::Result<Vec<CaseResultRow>> {
    sqlx::query_as!(
        CaseResultRow,
        "SELECT c.run_id, c.test_case_revring_id, c.test_case_name, c.passed, c.failed,
                c.errored, c.pending, c.review_passed, c.review_failed, c.review_errored
         FROM run_case_results c
         WHERE c.team_id = $1 AND c.run_id IN (
             SELECT r.id FROM runs r
             WHERE r.team_id = $1 AND r.suite_id = $2
             ORDER BY r.created_at DESC, r.id DESC
             LIMIT $3
         )",
        team_id,
        suite_id,
        runs
    )
    .fetch_all(db)
    .await
}

/// A test case in one of its suite's runs, for the case page.
#[derive(Debug, Clone)]
pub struct CaseRunRow {
    /// The run's summary row of the case.
    pub row: CaseResultRow,
    /// The run's name, if any.
    pub run_name: Option<String>,
    /// RevRing's run id.
    pub run_revring_id: String,
    /// When the run was created.
    pub run_created_at: OffsetDateTime,
    /// Mean duration of the case's finished attempts in the run, in seconds.
    pub mean_seconds: Option<f64>,
}

/// The case's results in its suite's `limit` latest runs that had it, newest first (from the
/// summaries; durations from the case's attempts of those runs).
pub async fn case_history(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    case_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<CaseRunRow>> {
    let rows = sqlx::query!(
        r#"SELECT c.run_id, c.test_case_revring_id, c.test_case_name, c.passed, c.failed,
                  c.errored, c.pending, c.review_passed, c.review_failed, c.review_errored,
                  r.name AS run_name, r.revring_id, c.run_created_at,
                  (SELECT avg(extract(epoch FROM a.completed_at - a.started_at))::float8
                   FROM attempts a
                   WHERE a.run_id = c.run_id AND a.test_case_revring_id = c.test_case_revring_id
                     AND a.completed_at IS NOT NULL AND a.started_at IS NOT NULL) AS mean_seconds
           FROM run_case_results c JOIN runs r ON r.id = c.run_id
           WHERE c.team_id = $1 AND c.suite_id = $2 AND c.test_case_revring_id = $3
           ORDER BY c.run_created_at DESC, c.run_id
           LIMIT $4"#,
        team_id,
        suite_id,
        case_id,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| CaseRunRow {
            row: CaseResultRow {
                run_id: row.run_id,
                test_case_revring_id: row.test_case_revring_id,
                test_case_name: row.test_case_name,
                passed: row.passed,
                failed: row.failed,
                errored: row.errored,
                pending: row.pending,
                review_passed: row.review_passed,
                review_failed: row.review_failed,
                review_errored: row.review_errored,
            },
            run_name: row.run_name,
            run_revring_id: row.revring_id,
            run_created_at: row.run_created_at,
            mean_seconds: row.mean_seconds,
        })
        .collect())
}

/// The case's latest attempt in the team's suite whose effective result is a failure.
pub async fn last_failure(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    case_id: &str,
) -> sqlx::Result<Option<(Uuid, CaseAttempt)>> {
    let row = sqlx::query!(
        // The case's runs newest first, from its summary rows (indexed by suite, case and
        // time), each looked into through the run's attempts until one holds a failure: no
        // scan of the team's attempts.
        r#"SELECT a.run_id AS "run_id!", a.id AS "id!", a.test_case_name AS "test_case_name!",
                  a.attempt_number AS "attempt_number!",
                  a.result AS "result: AttemptResult", a.reasoning, a.transcript AS "transcript!",
                  a.completed_at
           FROM run_case_results c
           CROSS JOIN LATERAL (
               SELECT a.run_id, a.id, a.test_case_name, a.attempt_number, a.result, a.reasoning,
                      a.transcript, a.completed_at
               FROM attempts a
               LEFT JOIN attempt_reviews rv ON rv.attempt_id = a.id
               WHERE a.run_id = c.run_id AND a.team_id = $1
                 AND a.test_case_revring_id = c.test_case_revring_id
                 AND ((a.result <> 'pass' AND rv.kind IS DISTINCT FROM 'false_failure')
                      OR (a.result = 'pass' AND rv.kind = 'false_pass'))
               ORDER BY a.completed_at DESC NULLS LAST, a.attempt_number DESC
               LIMIT 1
           ) a
           WHERE c.team_id = $1 AND c.suite_id = $2 AND c.test_case_revring_id = $3
           ORDER BY c.run_created_at DESC
           LIMIT 1"#,
        team_id,
        suite_id,
        case_id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| {
        (
            row.run_id,
            CaseAttempt {
                id: row.id,
                test_case_name: row.test_case_name,
                attempt_number: row.attempt_number,
                result: row.result,
                reasoning: row.reasoning,
                transcript: row.transcript,
                completed_at: row.completed_at,
            },
        )
    }))
}
