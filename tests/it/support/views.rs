//! A portal on a simulator whose seeded run history has been imported and synced in full.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::StatusCode;
use ringside::simulator::Simulator;
use uuid::Uuid;

use super::TestApp;
use super::accounts::{Visitor, location, setup};
use super::app::serve_args;
use super::upstream::{PRODUCTION, simulator};

/// How long the imported history may take to sync.
const SYNC_TIMEOUT: Duration = Duration::from_secs(90);

/// A team with a key on the simulator and its history in the cache.
pub(crate) struct ViewsFixture {
    pub sim: Simulator,
    pub app: TestApp,
    pub admin: Visitor,
    pub team_id: Uuid,
}

/// A run of the history, as tests pick them.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct PickedRun {
    pub id: Uuid,
    pub suite_id: Uuid,
    pub name: Option<String>,
    pub attempts_total: i32,
    pub attempts_failed: i32,
}

impl ViewsFixture {
    pub(crate) async fn new() -> Self {
        let sim = simulator().await;
        let base_url = sim.base_url();
        Self::reaching(sim, &base_url, &[]).await
    }

    /// A fixture whose portal reaches the simulator at `base_url` (e.g. through a test proxy),
    /// with `extra` serve arguments.
    pub(crate) async fn reaching(sim: Simulator, base_url: &str, extra: &[&str]) -> Self {
        let mut args = vec!["--revring-base-url", base_url, "--sync-interval-ms", "20"];
        args.extend_from_slice(extra);
        let app = TestApp::spawn_with(serve_args(&args)).await;
        let (admin, team_id) = setup(&app, "Voice QA").await;
        let response = admin
            .post("/keys", &[("label", "Production"), ("secret", PRODUCTION)])
            .await;
        assert_eq!(location(&response), "/keys");
        let response = admin.post("/suites/refresh", &[]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let fixture = Self {
            sim,
            app,
            admin,
            team_id,
        };
        fixture.wait_synced().await;
        fixture
    }

    /// Waits until no run of the team is polled any more.
    pub(crate) async fn wait_synced(&self) {
        let deadline = tokio::time::Instant::now() + SYNC_TIMEOUT;
        loop {
            let (runs, polling): (i64, i64) = sqlx::query_as(
                "SELECT count(*), count(*) FILTER (WHERE next_poll_at IS NOT NULL)
                 FROM runs WHERE team_id = $1",
            )
            .bind(self.team_id)
            .fetch_one(&self.app.db)
            .await
            .unwrap();
            if runs > 0 && polling == 0 {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "history not synced: {polling} of {runs} runs still polled"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The newest completed run with failures that has an earlier judged run in its suite,
    /// preferring one with two or more failures (to step between).
    pub(crate) async fn failing_run(&self) -> PickedRun {
        sqlx::query_as(
            "SELECT r.id, r.suite_id, r.name, r.attempts_total, r.attempts_failed
             FROM runs r
             WHERE r.team_id = $1 AND r.status = 'completed' AND r.attempts_failed > 0
               AND EXISTS (SELECT 1 FROM runs p WHERE p.suite_id = r.suite_id
                           AND p.created_at < r.created_at AND p.attempts_done > 0)
             ORDER BY r.attempts_failed >= 2 DESC, r.created_at DESC LIMIT 1",
        )
        .bind(self.team_id)
        .fetch_one(&self.app.db)
        .await
        .expect("the history has a failing run with a predecessor")
    }

    /// Another completed run: of the same suite when `same_suite`, else of another suite.
    pub(crate) async fn other_run(&self, run: &PickedRun, same_suite: bool) -> PickedRun {
        sqlx::query_as(
            "SELECT id, suite_id, name, attempts_total, attempts_failed
             FROM runs
             WHERE team_id = $1 AND id <> $2 AND (suite_id = $3) = $4 AND attempts_total > 0
             ORDER BY created_at DESC LIMIT 1",
        )
        .bind(self.team_id)
        .bind(run.id)
        .bind(run.suite_id)
        .bind(same_suite)
        .fetch_one(&self.app.db)
        .await
        .expect("another run")
    }

    /// The run's attempts: `(id, result)` in the run page's order.
    pub(crate) async fn attempts(&self, run_id: Uuid) -> Vec<(Uuid, Option<String>)> {
        sqlx::query_as(
            "SELECT id, result FROM attempts WHERE run_id = $1
             ORDER BY lower(test_case_name), test_case_revring_id, attempt_number",
        )
        .bind(run_id)
        .fetch_all(&self.app.db)
        .await
        .unwrap()
    }

    /// The run of the same suite created just before `run_id`.
    pub(crate) async fn previous_run(&self, run_id: Uuid) -> Uuid {
        sqlx::query_scalar(
            "SELECT p.id FROM runs r JOIN runs p ON p.suite_id = r.suite_id
                 AND (p.created_at, p.id) < (r.created_at, r.id)
             WHERE r.id = $1 ORDER BY p.created_at DESC, p.id DESC LIMIT 1",
        )
        .bind(run_id)
        .fetch_one(&self.app.db)
        .await
        .expect("the run has a predecessor")
    }

    /// Each case of the run by name: its passed, not passed and pending attempts.
    pub(crate) async fn case_results(&self, run_id: Uuid) -> BTreeMap<String, (u32, u32, u32)> {
        let mut cases: BTreeMap<String, (u32, u32, u32)> = BTreeMap::new();
        for (name, result) in sqlx::query_as::<_, (String, Option<String>)>(
            "SELECT test_case_name, result FROM attempts WHERE run_id = $1",
        )
        .bind(run_id)
        .fetch_all(&self.app.db)
        .await
        .unwrap()
        {
            let counts = cases.entry(name).or_default();
            match result.as_deref() {
                Some("pass") => counts.0 += 1,
                Some(_) => counts.1 += 1,
                None => counts.2 += 1,
            }
        }
        cases
    }

    /// The first failed attempt of the run.
    pub(crate) async fn failed_attempt(&self, run_id: Uuid) -> Uuid {
        self.attempts(run_id)
            .await
            .into_iter()
            .find(|(_, result)| result.as_deref() == Some("fail"))
            .map(|(id, _)| id)
            .expect("a failed attempt")
    }

    /// Replaces an attempt's transcript and reasoning in the cache.
    pub(crate) async fn rewrite_attempt(
        &self,
        id: Uuid,
        transcript: serde_json::Value,
        reasoning: &str,
    ) {
        sqlx::query("UPDATE attempts SET transcript = $2, reasoning = $3 WHERE id = $1")
            .bind(id)
            .bind(transcript)
            .bind(reasoning)
            .execute(&self.app.db)
            .await
            .unwrap();
    }
}

/// `text` as the pages escape it.
pub(crate) fn escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}
