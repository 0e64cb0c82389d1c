//! Attempts of a run, as the run pages show them.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::revring::AttemptResult;

/// One attempt in a run's list (no transcript).
#[derive(Debug, Clone)]
pub struct AttemptRow {
    /// Ringside's id.
    pub id: Uuid,
    /// The test case's RevRing id.
    pub test_case_revring_id: String,
    /// The test case's name.
    pub test_case_name: String,
    /// 1-based attempt number within the case.
    pub attempt_number: i32,
    /// RevRing's verdict (`pass`, `fail`, `error`, ...), `None` while pending.
    pub result: Option<AttemptResult>,
    /// The judge's reasoning.
    pub reasoning: Option<String>,
    /// When the attempt finished.
    pub completed_at: Option<OffsetDateTime>,
}

/// The run's attempts by test case and attempt number (the team scopes the query).
pub async fn for_run(db: &PgPool, team_id: Uuid, run_id: Uuid) -> sqlx::Result<Vec<AttemptRow>> {
    sqlx::query_as!(
        AttemptRow,
        r#"SELECT id, test_case_revring_id, test_case_name, attempt_number, result AS "result: AttemptResult", reasoning,
                completed_at
         FROM attempts
         WHERE team_id = $1 AND run_id = $2
         ORDER BY lower(test_case_name), test_case_revring_id, attempt_number"#,
        team_id,
        run_id
    )
    .fetch_all(db)
    .await
}

/// One attempt in full, as the attempt page and the exports show it.
#[derive(Debug, Clone)]
pub struct AttemptDetail {
    /// Ringside's id.
    pub id: Uuid,
    /// Its run.
    pub run_id: Uuid,
    /// RevRing's id.
    pub revring_id: String,
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
    /// The conversation as RevRing sent it (an array of entries of undocumented shape).
    pub transcript: serde_json::Value,
    /// The tester's outbound call.
    pub call_id: Option<String>,
    /// The agent's inbound call.
    pub inbound_call_id: Option<String>,
    /// When the call began.
    pub started_at: Option<OffsetDateTime>,
    /// When the attempt finished.
    pub completed_at: Option<OffsetDateTime>,
}

/// One attempt of the team's run; `None` for another team's or another run's attempt.
pub async fn get(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
    attempt_id: Uuid,
) -> sqlx::Result<Option<AttemptDetail>> {
    sqlx::query_as!(
        AttemptDetail,
        r#"SELECT id, run_id, revring_id, test_case_revring_id, test_case_name, attempt_number,
                result AS "result: AttemptResult", reasoning, transcript, call_id, inbound_call_id, started_at, completed_at
         FROM attempts
         WHERE team_id = $1 AND run_id = $2 AND id = $3"#,
        team_id,
        run_id,
        attempt_id
    )
    .fetch_optional(db)
    .await
}

/// Every attempt of the team's run in full, in the run page's order (for exports).
pub async fn details_for_run(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
) -> sqlx::Result<Vec<AttemptDetail>> {
    sqlx::query_as!(
        AttemptDetail,
        r#"SELECT id, run_id, revring_id, test_case_revring_id, test_case_name, attempt_number,
                result AS "result: AttemptResult", reasoning, transcript, call_id, inbound_call_id, started_at, completed_at
         FROM attempts
         WHERE team_id = $1 AND run_id = $2
         ORDER BY lower(test_case_name), test_case_revring_id, attempt_number"#,
        team_id,
        run_id
    )
    .fetch_all(db)
    .await
}
