//! A team's known issues, the test cases linked to them, and the failures marked "known":
//! while an issue is open, `store_run` marks each new failure of a linked case with it; the
//! mark stays after the issue is resolved, and later failures are new again.

use std::collections::BTreeMap;

use sqlx::{PgConnection, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

/// A known issue.
#[derive(Debug, Clone)]
pub struct KnownIssue {
    /// Ringside's id.
    pub id: Uuid,
    /// What it is.
    pub title: String,
    /// Its ticket.
    pub ticket_url: Option<String>,
    /// Whether it is still open (else resolved).
    pub open: bool,
    /// When it was recorded.
    pub created_at: OffsetDateTime,
    /// When it was resolved.
    pub resolved_at: Option<OffsetDateTime>,
    /// Test cases linked to it.
    pub cases: i64,
    /// Failures marked with it.
    pub marked: i64,
}

/// A test case linked to a known issue.
#[derive(Debug, Clone)]
pub struct LinkedCase {
    /// The suite.
    pub suite_id: Uuid,
    /// Its name.
    pub suite_name: String,
    /// RevRing's test case id.
    pub case_id: String,
    /// The case's name, when Ringside knows the case.
    pub case_name: Option<String>,
}

/// The known issue a failure was marked with.
#[derive(Debug, Clone)]
pub struct KnownMark {
    /// The issue.
    pub issue_id: Uuid,
    /// Its title.
    pub title: String,
    /// Its ticket.
    pub ticket_url: Option<String>,
}

/// Records a known issue (open). Returns its id.
pub async fn create(
    db: &PgPool,
    team_id: Uuid,
    title: &str,
    ticket_url: Option<&str>,
    user_id: Option<Uuid>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "INSERT INTO known_issues (team_id, title, ticket_url, created_by)
         VALUES ($1, $2, $3, $4) RETURNING id",
        team_id,
        title,
        ticket_url,
        user_id
    )
    .fetch_one(db)
    .await
}

/// The team's known issues, open ones first, newest first.
pub async fn list(db: &PgPool, team_id: Uuid) -> sqlx::Result<Vec<KnownIssue>> {
    sqlx::query_as!(
        KnownIssue,
        r#"SELECT k.id, k.title, k.ticket_url, k.status = 'open' AS "open!", k.created_at,
                  k.resolved_at,
                  (SELECT count(*) FROM known_issue_cases c WHERE c.known_issue_id = k.id) AS "cases!",
                  (SELECT count(*) FROM attempt_known_issues m WHERE m.known_issue_id = k.id) AS "marked!"
           FROM known_issues k
           WHERE k.team_id = $1
           ORDER BY k.status = 'open' DESC, k.created_at DESC, k.id"#,
        team_id
    )
    .fetch_all(db)
    .await
}

/// One of the team's known issues.
pub async fn get(db: &PgPool, team_id: Uuid, id: Uuid) -> sqlx::Result<Option<KnownIssue>> {
    sqlx::query_as!(
        KnownIssue,
        r#"SELECT k.id, k.title, k.ticket_url, k.status = 'open' AS "open!", k.created_at,
                  k.resolved_at,
                  (SELECT count(*) FROM known_issue_cases c WHERE c.known_issue_id = k.id) AS "cases!",
                  (SELECT count(*) FROM attempt_known_issues m WHERE m.known_issue_id = k.id) AS "marked!"
           FROM known_issues k
           WHERE k.team_id = $1 AND k.id = $2"#,
        team_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// Opens or resolves the team's issue. False when it is not the team's.
pub async fn set_open(db: &PgPool, team_id: Uuid, id: Uuid, open: bool) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE known_issues
         SET status = CASE WHEN $3 THEN 'open' ELSE 'resolved' END,
             resolved_at = CASE WHEN $3 THEN NULL ELSE coalesce(resolved_at, now()) END
         WHERE team_id = $1 AND id = $2",
        team_id,
        id,
        open
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Links the team's suite's test case to the team's issue (again: nothing happens). False when
/// the issue or the suite is not the team's, or the suite never had that case.
pub async fn link_case(
    db: &PgPool,
    team_id: Uuid,
    id: Uuid,
    suite_id: Uuid,
    case_id: &str,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "INSERT INTO known_issue_cases (known_issue_id, team_id, suite_id, test_case_revring_id)
         SELECT k.id, k.team_id, s.id, $4
         FROM known_issues k JOIN suites s ON s.team_id = k.team_id AND s.id = $3
         WHERE k.team_id = $1 AND k.id = $2
           AND (EXISTS (SELECT 1 FROM test_cases t WHERE t.suite_id = s.id AND t.revring_id = $4)
                OR EXISTS (SELECT 1 FROM run_case_results c
                           WHERE c.suite_id = s.id AND c.test_case_revring_id = $4))
         ON CONFLICT DO NOTHING",
        team_id,
        id,
        suite_id,
        case_id
    )
    .execute(db)
    .await?;
    if done.rows_affected() == 1 {
        return Ok(true);
    }
    // Already linked counts as done.
    let linked = sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM known_issue_cases
                          WHERE team_id = $1 AND known_issue_id = $2 AND suite_id = $3
                            AND test_case_revring_id = $4) AS "linked!""#,
        team_id,
        id,
        suite_id,
        case_id
    )
    .fetch_one(db)
    .await?;
    Ok(linked)
}

/// The test cases linked to the team's issue.
pub async fn cases_of(db: &PgPool, team_id: Uuid, id: Uuid) -> sqlx::Result<Vec<LinkedCase>> {
    sqlx::query_as!(
        LinkedCase,
        r#"SELECT c.suite_id, s.name AS suite_name, c.test_case_revring_id AS case_id,
                  t.name AS "case_name?"
           FROM known_issue_cases c
           JOIN suites s ON s.id = c.suite_id
           LEFT JOIN test_cases t ON t.suite_id = c.suite_id AND t.revring_id = c.test_case_revring_id
           WHERE c.team_id = $1 AND c.known_issue_id = $2
           ORDER BY lower(s.name), lower(coalesce(t.name, c.test_case_revring_id))"#,
        team_id,
        id
    )
    .fetch_all(db)
    .await
}

/// The known issues linked to a test case of the team's suite, open ones first.
pub async fn for_case(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    case_id: &str,
) -> sqlx::Result<Vec<KnownIssue>> {
    sqlx::query_as!(
        KnownIssue,
        r#"SELECT k.id, k.title, k.ticket_url, k.status = 'open' AS "open!", k.created_at,
                  k.resolved_at,
                  (SELECT count(*) FROM known_issue_cases c WHERE c.known_issue_id = k.id) AS "cases!",
                  (SELECT count(*) FROM attempt_known_issues m WHERE m.known_issue_id = k.id) AS "marked!"
           FROM known_issues k
           JOIN known_issue_cases c ON c.known_issue_id = k.id
           WHERE k.team_id = $1 AND c.suite_id = $2 AND c.test_case_revring_id = $3
           ORDER BY k.status = 'open' DESC, k.created_at DESC"#,
        team_id,
        suite_id,
        case_id
    )
    .fetch_all(db)
    .await
}

/// The known-issue marks of the team's run's attempts, by attempt (one issue each: the newest).
pub async fn marks_for_run(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
) -> sqlx::Result<BTreeMap<Uuid, KnownMark>> {
    let rows = sqlx::query!(
        r#"SELECT DISTINCT ON (m.attempt_id) m.attempt_id, k.id, k.title, k.ticket_url
           FROM attempt_known_issues m
           JOIN attempts a ON a.id = m.attempt_id
           JOIN known_issues k ON k.id = m.known_issue_id
           WHERE m.team_id = $1 AND a.run_id = $2
           ORDER BY m.attempt_id, k.created_at DESC"#,
        team_id,
        run_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let mark = KnownMark {
                issue_id: row.id,
                title: row.title,
                ticket_url: row.ticket_url,
            };
            (row.attempt_id, mark)
        })
        .collect())
}

/// Marks the given attempts of `run_id` (just stored with a failing verdict) with every open
/// issue linked to their case. Called by `store_run` inside its transaction.
pub async fn mark_new_failures(
    tx: &mut PgConnection,
    run_id: Uuid,
    attempt_ids: &[Uuid],
) -> sqlx::Result<()> {
    if attempt_ids.is_empty() {
        return Ok(());
    }
    sqlx::query!(
        "INSERT INTO attempt_known_issues (attempt_id, known_issue_id, team_id)
         SELECT a.id, k.id, a.team_id
         FROM attempts a
         JOIN runs r ON r.id = a.run_id
         JOIN known_issue_cases c ON c.team_id = a.team_id AND c.suite_id = r.suite_id
                                 AND c.test_case_revring_id = a.test_case_revring_id
         JOIN known_issues k ON k.id = c.known_issue_id AND k.status = 'open'
         WHERE a.run_id = $1 AND a.id = ANY($2)
           AND a.result IS NOT NULL AND a.result <> 'pass'
         ON CONFLICT DO NOTHING",
        run_id,
        attempt_ids
    )
    .execute(&mut *tx)
    .await?;
    Ok(())
}
