//! Attempts of a run, as the run pages show them.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

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
    pub result: Option<String>,
    /// The judge's reasoning.
    pub reasoning: Option<String>,
    /// When the attempt finished.
    pub completed_at: Option<OffsetDateTime>,
}

/// The run's attempts by test case and attempt number (the team scopes the query).
pub async fn for_run(db: &PgPool, team_id: Uuid, run_id: Uuid) -> sqlx::Result<Vec<AttemptRow>> {
    sqlx::query_as!(
        AttemptRow,
        "SELECT id, test_case_revring_id, test_case_name, attempt_number, result, reasoning,
                completed_at
         FROM attempts
         WHERE team_id = $1 AND run_id = $2
         ORDER BY lower(test_case_name), test_case_revring_id, attempt_number",
        team_id,
        run_id
    )
    .fetch_all(db)
    .await
}
