//! Suites and test cases cached from RevRing, always scoped by team.

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::revring::RunStatus;

use crate::revring::{TestCase, TestSuite};

/// A cached suite with what the suites page shows about it.
#[derive(Debug, Clone)]
pub struct SuiteSummary {
    /// Ringside's id.
    pub id: Uuid,
    /// Name in RevRing.
    pub name: String,
    /// The agent under test.
    pub target_agent_id: String,
    /// Number of (current) test cases.
    pub test_case_count: i32,
    /// Label of the API key it came through.
    pub key_label: String,
    /// Status of its latest run, if any.
    pub last_status: Option<RunStatus>,
    /// When its latest run was created.
    pub last_run_at: Option<OffsetDateTime>,
    /// Attempts passed / judged in its latest finished run.
    pub last_passed: Option<i32>,
    /// Judged attempts in its latest finished run.
    pub last_judged: Option<i32>,
}

/// One cached suite.
#[derive(Debug, Clone)]
pub struct Suite {
    /// Ringside's id.
    pub id: Uuid,
    /// The team that sees it.
    pub team_id: Uuid,
    /// The key it came through.
    pub api_key_id: Uuid,
    /// RevRing's id.
    pub revring_id: String,
    /// Name in RevRing.
    pub name: String,
    /// The agent under test.
    pub target_agent_id: String,
    /// The custom tester, if any.
    pub tester_agent_id: Option<String>,
    /// RevRing's concurrency setting.
    pub max_concurrency: Option<i32>,
    /// Number of (current) test cases.
    pub test_case_count: i32,
    /// When Ringside last refreshed it.
    pub refreshed_at: OffsetDateTime,
    /// Set when RevRing no longer lists it.
    pub removed_at: Option<OffsetDateTime>,
    /// Label of the key it came through.
    pub key_label: String,
}

/// A cached test case.
#[derive(Debug, Clone)]
pub struct CaseRow {
    /// RevRing's id.
    pub revring_id: String,
    /// Name.
    pub name: String,
    /// What the tester does.
    pub script: String,
    /// How the call is judged.
    pub scoring_rubric: String,
    /// Attempts per run.
    pub attempts_per_run: i32,
}

/// Inserts or updates a suite seen through `api_key_id`; returns its id.
pub async fn upsert(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    api_key_id: Uuid,
    suite: &TestSuite,
    test_case_count: i32,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        r#"INSERT INTO suites (team_id, api_key_id, revring_id, name, target_agent_id,
                               tester_agent_id, max_concurrency, test_case_count, upstream_created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
           ON CONFLICT (team_id, revring_id) DO UPDATE SET
               api_key_id = EXCLUDED.api_key_id, name = EXCLUDED.name,
               target_agent_id = EXCLUDED.target_agent_id, tester_agent_id = EXCLUDED.tester_agent_id,
               max_concurrency = EXCLUDED.max_concurrency, test_case_count = EXCLUDED.test_case_count,
               upstream_created_at = EXCLUDED.upstream_created_at,
               refreshed_at = now(), removed_at = NULL
           RETURNING id"#,
        team_id,
        api_key_id,
        suite.id,
        suite.name,
        suite.target_agent_id,
        suite.tester_agent_id,
        suite.max_concurrency.map(|n| n as i32),
        test_case_count,
        suite.created_at,
    )
    .fetch_one(db)
    .await
}

/// Replaces the suite's cached test cases by `cases` (missing ones are marked removed).
pub async fn replace_cases(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    cases: &[TestCase],
) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    for case in cases {
        let variables = serde_json::to_value(&case.variables).unwrap_or_default();
        sqlx::query!(
            r#"INSERT INTO test_cases (team_id, suite_id, revring_id, name, script, scoring_rubric,
                                       attempts_per_run, variables)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
               ON CONFLICT (suite_id, revring_id) DO UPDATE SET
                   name = EXCLUDED.name, script = EXCLUDED.script,
                   scoring_rubric = EXCLUDED.scoring_rubric,
                   attempts_per_run = EXCLUDED.attempts_per_run, variables = EXCLUDED.variables,
                   removed_at = NULL"#,
            team_id,
            suite_id,
            case.id,
            case.name,
            case.script,
            case.scoring_rubric,
            case.attempts() as i32,
            variables,
        )
        .execute(&mut *tx)
        .await?;
    }
    let ids: Vec<String> = cases.iter().map(|case| case.id.clone()).collect();
    sqlx::query!(
        "UPDATE test_cases SET removed_at = now()
         WHERE suite_id = $1 AND team_id = $2 AND removed_at IS NULL AND revring_id <> ALL($3)",
        suite_id,
        team_id,
        &ids,
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Marks the key's suites that RevRing no longer lists as removed.
pub async fn mark_missing_removed(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    api_key_id: Uuid,
    listed: &[String],
    listed_at: OffsetDateTime,
) -> sqlx::Result<()> {
    // A suite stored after the listing began (by a concurrent refresh that saw it) is not
    // missing from RevRing, only from this older listing.
    sqlx::query!(
        "UPDATE suites SET removed_at = now()
         WHERE team_id = $1 AND api_key_id = $2 AND removed_at IS NULL AND revring_id <> ALL($3)
           AND refreshed_at < $4",
        team_id,
        api_key_id,
        listed,
        listed_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The team's current suites with their latest run, by name.
pub async fn list(db: &PgPool, team_id: Uuid) -> sqlx::Result<Vec<SuiteSummary>> {
    sqlx::query_as!(
        SuiteSummary,
        r#"SELECT s.id, s.name, s.target_agent_id, s.test_case_count, k.label AS key_label,
                  last.status AS "last_status?: RunStatus", last.created_at AS "last_run_at?",
                  last.attempts_passed AS "last_passed?",
                  (last.attempts_passed + last.attempts_failed) AS "last_judged?"
           FROM suites s
           JOIN api_keys k ON k.id = s.api_key_id AND k.team_id = s.team_id
           LEFT JOIN LATERAL (
               SELECT r.status, r.created_at, r.attempts_passed, r.attempts_failed
               FROM runs r WHERE r.suite_id = s.id AND r.team_id = s.team_id
               ORDER BY r.created_at DESC LIMIT 1
           ) last ON true
           WHERE s.team_id = $1 AND s.removed_at IS NULL
           ORDER BY lower(s.name)"#,
        team_id,
    )
    .fetch_all(db)
    .await
}

/// One suite of the team; `None` for another team's suite or an unknown id.
pub async fn get(db: &PgPool, team_id: Uuid, suite_id: Uuid) -> sqlx::Result<Option<Suite>> {
    sqlx::query_as!(
        Suite,
        "SELECT s.id, s.team_id, s.api_key_id, s.revring_id, s.name, s.target_agent_id,
                s.tester_agent_id, s.max_concurrency, s.test_case_count, s.refreshed_at,
                s.removed_at, k.label AS key_label
         FROM suites s JOIN api_keys k ON k.id = s.api_key_id AND k.team_id = s.team_id
         WHERE s.team_id = $1 AND s.id = $2",
        team_id,
        suite_id,
    )
    .fetch_optional(db)
    .await
}

/// The suite's current test cases, by name.
pub async fn cases(db: &PgPool, team_id: Uuid, suite_id: Uuid) -> sqlx::Result<Vec<CaseRow>> {
    sqlx::query_as!(
        CaseRow,
        "SELECT revring_id, name, script, scoring_rubric, attempts_per_run
         FROM test_cases
         WHERE team_id = $1 AND suite_id = $2 AND removed_at IS NULL
         ORDER BY lower(name)",
        team_id,
        suite_id,
    )
    .fetch_all(db)
    .await
}

/// One test case of the team's suite by RevRing's id (also when RevRing no longer lists it).
pub async fn case(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    case_revring_id: &str,
) -> sqlx::Result<Option<CaseRow>> {
    sqlx::query_as!(
        CaseRow,
        "SELECT revring_id, name, script, scoring_rubric, attempts_per_run
         FROM test_cases
         WHERE team_id = $1 AND suite_id = $2 AND revring_id = $3",
        team_id,
        suite_id,
        case_revring_id
    )
    .fetch_optional(db)
    .await
}
