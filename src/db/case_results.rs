//! `run_case_results`: how each test case came out in each run, kept beside the attempts so that
//! case history, flake scores and run comparisons never read the attempts table.

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
}

impl CaseResultRow {
    /// The counts alone.
    pub fn counts(&self) -> CaseCounts {
        CaseCounts {
            passed: self.passed,
            failed: self.failed,
            errored: self.errored,
            pending: self.pending,
        }
    }

    /// As a comparison input.
    pub fn into_case(self) -> CaseInRun {
        CaseInRun {
            counts: self.counts(),
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
                                         pending)
           SELECT r.id, r.team_id, r.suite_id, a.test_case_revring_id,
                  (array_agg(a.test_case_name ORDER BY a.attempt_number DESC))[1], r.created_at,
                  count(*) FILTER (WHERE a.result = 'pass'),
                  count(*) FILTER (WHERE a.result = 'fail'),
                  count(*) FILTER (WHERE a.result NOT IN ('pass', 'fail')),
                  count(*) FILTER (WHERE a.result IS NULL)
           FROM runs r JOIN attempts a ON a.run_id = r.id
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
        "SELECT run_id, test_case_revring_id, test_case_name, passed, failed, errored, pending
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
                c.errored, c.pending
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
