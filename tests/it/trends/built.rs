//! Runs built by hand and stored through the sync worker's own `store_run`, so tests know
//! exactly what every case did.

use ringside::db::ingest::{Ingested, store_run};
use ringside::revring::TestRun;
use serde_json::{Value, json};
use sqlx::PgPool;
use uuid::Uuid;

/// A team's key and suite, inserted directly.
pub(crate) struct BuiltSuite {
    pub team_id: Uuid,
    pub key_id: Uuid,
    pub suite_id: Uuid,
}

/// A key (dummy ciphertext) and a suite with `cases` test cases for `team_id`.
pub(crate) async fn suite(db: &PgPool, team_id: Uuid, name: &str, cases: &[&str]) -> BuiltSuite {
    let key_id: Uuid = sqlx::query_scalar(
        "INSERT INTO api_keys (team_id, label, ciphertext, nonce, hint)
         VALUES ($1, $2, '\\x00', '\\x000000000000000000000000', 'test') RETURNING id",
    )
    .bind(team_id)
    .bind(format!("key for {name}"))
    .fetch_one(db)
    .await
    .unwrap();
    let suite_id: Uuid = sqlx::query_scalar(
        "INSERT INTO suites (team_id, api_key_id, revring_id, name, test_case_count)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(team_id)
    .bind(key_id)
    .bind(format!("suite-{}", Uuid::new_v4().simple()))
    .bind(name)
    .bind(cases.len() as i32)
    .fetch_one(db)
    .await
    .unwrap();
    for (i, case) in cases.iter().enumerate() {
        sqlx::query(
            "INSERT INTO test_cases (team_id, suite_id, revring_id, name) VALUES ($1, $2, $3, $4)",
        )
        .bind(team_id)
        .bind(suite_id)
        .bind(format!("case-{i}"))
        .bind(case)
        .execute(db)
        .await
        .unwrap();
    }
    BuiltSuite {
        team_id,
        key_id,
        suite_id,
    }
}

/// One attempt: (case id, attempt number, verdict or `None` for pending).
pub(crate) type AttemptSpec<'a> = (&'a str, u32, Option<&'a str>);

/// Stores a finished run `revring_id` created `days_ago` days ago with these attempts, through
/// `store_run` exactly as the sync worker does. Returns the run's id.
pub(crate) async fn run(
    db: &PgPool,
    suite: &BuiltSuite,
    revring_id: &str,
    days_ago: i64,
    attempts: &[AttemptSpec<'_>],
) -> Uuid {
    let created = time::OffsetDateTime::now_utc() - time::Duration::days(days_ago);
    let at = |offset: i64| {
        (created + time::Duration::minutes(offset))
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    };
    let attempts: Vec<Value> = attempts
        .iter()
        .enumerate()
        .map(|(i, (case, number, result))| {
            json!({
                "id": format!("{revring_id}-att-{i}"),
                "testCaseId": case,
                "testCaseName": format!("Case {case}"),
                "attemptNumber": number,
                "result": result,
                "reasoning": format!("judged {}", result.unwrap_or("later")),
                "transcript": [
                    {"role": "assistant", "content": format!("Hello from {revring_id}")},
                    {"role": "user", "content": format!("Testing {case}")}
                ],
            })
        })
        .collect();
    let upstream: TestRun = serde_json::from_value(json!({
        "id": revring_id,
        "name": format!("Run {revring_id}"),
        "status": "completed",
        "createdAt": at(0),
        "startedAt": at(1),
        "completedAt": at(9),
        "attempts": attempts,
    }))
    .unwrap();
    let run_id = ringside::db::runs::upsert_discovered(
        db,
        suite.team_id,
        suite.suite_id,
        suite.key_id,
        &upstream,
        None,
    )
    .await
    .unwrap();
    sqlx::query("UPDATE runs SET lease_owner = 'test' WHERE id = $1")
        .bind(run_id)
        .execute(db)
        .await
        .unwrap();
    let stored = store_run(db, run_id, "test", &upstream, 1.0).await.unwrap();
    assert_eq!(stored, Ingested::Stored { finished: true });
    run_id
}

/// `run_case_results` recomputed from the attempts differs from the stored summary nowhere.
pub(crate) async fn assert_summaries_match_attempts(db: &PgPool) {
    let mismatches: i64 = sqlx::query_scalar(
        "WITH fresh AS (
             SELECT a.run_id, a.test_case_revring_id,
                    count(*) FILTER (WHERE a.result = 'pass')::int AS passed,
                    count(*) FILTER (WHERE a.result = 'fail')::int AS failed,
                    count(*) FILTER (WHERE a.result NOT IN ('pass', 'fail'))::int AS errored,
                    count(*) FILTER (WHERE a.result IS NULL)::int AS pending
             FROM attempts a GROUP BY a.run_id, a.test_case_revring_id
         ), stored AS (
             SELECT run_id, test_case_revring_id, passed, failed, errored, pending
             FROM run_case_results
         )
         SELECT count(*) FROM (
             (SELECT * FROM fresh EXCEPT SELECT * FROM stored)
             UNION ALL
             (SELECT * FROM stored EXCEPT SELECT * FROM fresh)
         ) differences",
    )
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(
        mismatches, 0,
        "run_case_results equals the attempts' counts"
    );
    let bad_dates: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM run_case_results c JOIN runs r ON r.id = c.run_id
         WHERE c.run_created_at <> r.created_at OR c.suite_id <> r.suite_id
            OR c.team_id <> r.team_id",
    )
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(
        bad_dates, 0,
        "summaries carry their run's team, suite and date"
    );
}
