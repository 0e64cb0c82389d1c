//! A team with one API key on an in-process simulator, and ways to compare the cache with it.

use std::sync::Arc;
use std::time::Duration;

use ringside::crypto::MasterKey;
use ringside::db::suites::{self, Suite};
use ringside::revring::{RetryPolicy, RevRing, SecretString, TestRun};
use ringside::simulator::{Simulator, SimulatorConfig};
use ringside::sync::{RevRingAccess, SyncSettings, Worker};
use sqlx::PgPool;
use uuid::Uuid;

use super::db::{DropDatabase, fresh_database};

/// Poll interval of test workers.
pub(crate) const FAST_POLL: Duration = Duration::from_millis(20);

/// How long a test waits for a run to finish in the cache.
pub(crate) const FINISH_TIMEOUT: Duration = Duration::from_secs(60);

/// A team, its key, and the simulator behind it.
pub(crate) struct SyncFixture {
    pub db: PgPool,
    pub sim: Simulator,
    pub access: RevRingAccess,
    pub team_id: Uuid,
    pub user_id: Uuid,
    pub key_id: Uuid,
    /// Drops the database when the test ends.
    _database: DropDatabase,
}

impl SyncFixture {
    pub(crate) async fn new() -> Self {
        Self::with_sim(SimulatorConfig::default_for_tests()).await
    }

    pub(crate) async fn with_sim(args: SimulatorConfig) -> Self {
        let (db, database) = fresh_database().await;
        let sim = Simulator::start(args).await.expect("simulator starts");
        let master = MasterKey::generate();
        let team_id: Uuid =
            sqlx::query_scalar("INSERT INTO teams (name) VALUES ('QA') RETURNING id")
                .fetch_one(&db)
                .await
                .unwrap();
        let user_id: Uuid = sqlx::query_scalar(
            "INSERT INTO users (email, display_name, password_hash)
             VALUES ('qa@example.com', 'Quinn', 'unused') RETURNING id",
        )
        .fetch_one(&db)
        .await
        .unwrap();
        let secret = SecretString::from(sim.keys()[0].clone());
        let key_id =
            ringside::db::api_keys::insert(&db, &master, team_id, "staging", &secret, user_id)
                .await
                .unwrap();
        let revring = RevRing::new(&sim.base_url())
            .unwrap()
            .with_timeout(Duration::from_secs(2))
            .with_retry(RetryPolicy {
                max_attempts: 4,
                base_delay: Duration::from_millis(20),
                max_delay: Duration::from_millis(200),
            });
        let access = RevRingAccess {
            db: db.clone(),
            master_key: Arc::new(master),
            revring,
        };
        Self {
            db,
            sim,
            access,
            team_id,
            user_id,
            key_id,
            _database: database,
        }
    }

    /// A worker that polls fast.
    pub(crate) fn worker(&self) -> Worker {
        let mut settings = SyncSettings::with_interval(FAST_POLL);
        settings.max_backoff = Duration::from_millis(200);
        settings.lease = Duration::from_secs(5);
        Worker::new(self.access.clone(), settings)
    }

    /// Imports the key's suites and history.
    pub(crate) async fn refresh(&self) -> ringside::sync::refresh::RefreshReport {
        ringside::sync::refresh::refresh_key(&self.access, self.team_id, self.key_id)
            .await
            .expect("refresh succeeds")
    }

    /// A cached suite with at least one test case.
    pub(crate) async fn suite(&self) -> Suite {
        let listed = suites::list(&self.db, self.team_id).await.unwrap();
        let summary = listed
            .iter()
            .find(|suite| suite.test_case_count > 0)
            .expect("a seeded suite with test cases");
        suites::get(&self.db, self.team_id, summary.id)
            .await
            .unwrap()
            .unwrap()
    }

    /// The upstream truth for a cached run.
    pub(crate) async fn upstream_run(&self, run_id: Uuid) -> TestRun {
        let (suite_rid, run_rid, key_id): (String, String, Uuid) = sqlx::query_as(
            "SELECT s.revring_id, r.revring_id, r.api_key_id
             FROM runs r JOIN suites s ON s.id = r.suite_id WHERE r.id = $1",
        )
        .bind(run_id)
        .fetch_one(&self.db)
        .await
        .unwrap();
        let client = self.access.client_for(self.team_id, key_id).await.unwrap();
        client.get_run(&suite_rid, &run_rid).await.unwrap()
    }

    /// Waits until the worker stopped polling the run (it reached a terminal status).
    pub(crate) async fn wait_finished(&self, run_id: Uuid) {
        let deadline = tokio::time::Instant::now() + FINISH_TIMEOUT;
        loop {
            let polling: bool =
                sqlx::query_scalar("SELECT next_poll_at IS NOT NULL FROM runs WHERE id = $1")
                    .bind(run_id)
                    .fetch_one(&self.db)
                    .await
                    .unwrap();
            if !polling {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "run {run_id} never finished"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Asserts the cached run and its attempts equal RevRing's, field by field.
    pub(crate) async fn assert_equals_upstream(&self, run_id: Uuid) {
        let upstream = self.upstream_run(run_id).await;
        assert!(
            upstream.is_terminal(),
            "upstream run finished: {:?}",
            upstream.status
        );
        let (status, total, passed, failed): (String, i32, i32, i32) = sqlx::query_as(
            "SELECT status, total_tests, passed_tests, failed_tests FROM runs WHERE id = $1",
        )
        .bind(run_id)
        .fetch_one(&self.db)
        .await
        .unwrap();
        assert_eq!(status, upstream.status.as_str());
        assert_eq!(
            (total, passed, failed),
            (
                upstream.total_tests as i32,
                upstream.passed_tests as i32,
                upstream.failed_tests as i32
            )
        );
        type Row = (
            String,
            i32,
            Option<String>,
            Option<String>,
            serde_json::Value,
            Option<String>,
        );
        let cached: Vec<Row> = sqlx::query_as(
            "SELECT revring_id, attempt_number, result, reasoning, transcript, call_id
             FROM attempts WHERE run_id = $1 ORDER BY revring_id",
        )
        .bind(run_id)
        .fetch_all(&self.db)
        .await
        .unwrap();
        let mut expected: Vec<Row> = upstream
            .attempts
            .iter()
            .map(|attempt| {
                (
                    attempt.id.clone(),
                    attempt.attempt_number as i32,
                    attempt
                        .result
                        .as_ref()
                        .map(|result| result.as_str().to_owned()),
                    attempt.reasoning.clone(),
                    serde_json::to_value(&attempt.transcript).unwrap(),
                    attempt.call_id.clone(),
                )
            })
            .collect();
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(!expected.is_empty(), "the run has attempts");
        assert_eq!(cached, expected);
    }
}
