//! Contract tests: the typed RevRing client (`ringside::revring`) against the real simulator
//! (`ringside::simulator`), both built from `docs/revring-api.md`.
//!
//! Each test starts its own in-process simulator (one organization per key, seeded data), talks
//! to it only through the client, and reads the simulator's request counters to pin down how many
//! requests the client really sent. Clients use short timeouts and millisecond backoff so the
//! whole suite runs in a few seconds.
//!
//! - `catalog`: agents, suites and test cases (create/get/update/delete round trips),
//!   generate-tests.
//! - `runs`: the run lifecycle seen through `get_run`, `list_runs`, cancel, refusals.
//! - `calls`: both call legs of an attempt, transcripts, batch-get, recordings.
//! - `errors`: every error class, produced by the simulator for real.
//! - `retries`: which requests are repeated, how often, and what a lost write means.

mod calls;
mod catalog;
mod errors;
mod retries;
mod runs;

use std::time::{Duration, Instant};

use ringside::revring::{
    Client, NewSuite, NewTestCase, RetryPolicy, RevRing, SecretString, TestRun, TestSuite,
};
use ringside::simulator::{Simulator, SimulatorConfig};

/// Per-request timeout of the clients under test: short, but far above a loopback round trip.
pub(crate) const TIMEOUT: Duration = Duration::from_secs(2);
/// Timeout of the clients that are meant to give up on a held response.
pub(crate) const SHORT_TIMEOUT: Duration = Duration::from_millis(500);
/// How long the simulator holds a response for a timeout fault: well past [`SHORT_TIMEOUT`].
pub(crate) const HOLD_MS: u64 = 3_000;

/// A running simulator plus a client for each of its two organizations.
pub(crate) struct Env {
    pub sim: Simulator,
    /// The first organization's key.
    pub key: String,
    /// The second organization's key.
    pub other_key: String,
    /// A client with the first key, [`TIMEOUT`] and [`fast_retries`].
    pub client: Client,
    /// The same client settings with the second key.
    pub other: Client,
}

/// Retries as in production (GETs only), but with millisecond backoff.
pub(crate) fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_secs(2),
    }
}

/// A simulator with the test defaults (speed 2000: a small run finishes in well under a second).
pub(crate) async fn env() -> Env {
    env_with(SimulatorConfig::default_for_tests()).await
}

/// A simulator running at `speed` virtual seconds per real second.
pub(crate) async fn env_at(speed: f64) -> Env {
    env_with(SimulatorConfig {
        speed,
        ..SimulatorConfig::default_for_tests()
    })
    .await
}

/// A simulator started with `args`.
pub(crate) async fn env_with(args: SimulatorConfig) -> Env {
    let sim = Simulator::start(args).await.expect("simulator starts");
    let key = sim.keys()[0].clone();
    let other_key = sim.keys()[1].clone();
    let client = client_for(&sim, &key, TIMEOUT, fast_retries());
    let other = client_for(&sim, &other_key, TIMEOUT, fast_retries());
    Env {
        sim,
        key,
        other_key,
        client,
        other,
    }
}

/// A client for `sim` with `key`, `timeout` and `policy`.
pub(crate) fn client_for(
    sim: &Simulator,
    key: &str,
    timeout: Duration,
    policy: RetryPolicy,
) -> Client {
    RevRing::new(&sim.base_url())
        .expect("valid base URL")
        .with_timeout(timeout)
        .with_retry(policy)
        .client(SecretString::from(key.to_owned()))
}

/// A script the simulator turns into a believable conversation.
pub(crate) const SCRIPT: &str =
    "You are a customer who wants to book a table for two. Ask for Friday at 7 PM.";
/// A rubric the judge quotes in its reasoning.
pub(crate) const RUBRIC: &str =
    "The agent confirms the date, time and party size before ending the call.";

/// A new test case called `name` with `attempts` attempts per run.
pub(crate) fn case(name: &str, attempts: u32) -> NewTestCase {
    NewTestCase {
        name: name.to_owned(),
        script: SCRIPT.to_owned(),
        scoring_rubric: RUBRIC.to_owned(),
        attempts_per_run: Some(attempts),
        ..NewTestCase::default()
    }
}

impl Env {
    /// The ids of the first organization's agents (the first one is a target agent).
    pub(crate) async fn agents(&self) -> Vec<String> {
        let agents = self.client.list_agents().await.expect("agents listed");
        assert!(agents.len() >= 2, "{agents:?}");
        agents.into_iter().map(|a| a.id).collect()
    }

    /// Creates a suite with `max_concurrency` and one test case per `(name, attempts)`.
    pub(crate) async fn suite_with(
        &self,
        max_concurrency: u32,
        cases: &[(&str, u32)],
    ) -> TestSuite {
        let target = self.agents().await.remove(0);
        let suite = self
            .client
            .create_suite(&NewSuite {
                name: "Contract suite".into(),
                target_agent_id: target,
                max_concurrency: Some(max_concurrency),
                ..NewSuite::default()
            })
            .await
            .expect("suite created");
        for (name, attempts) in cases {
            self.client
                .create_test(&suite.id, &case(name, *attempts))
                .await
                .expect("test case created");
        }
        suite
    }

    /// Polls `get_run` until the run is terminal (at most 10 s).
    pub(crate) async fn wait_terminal(&self, suite: &str, run: &str) -> TestRun {
        let began = Instant::now();
        loop {
            let current = self.client.get_run(suite, run).await.expect("run fetched");
            if current.is_terminal() {
                return current;
            }
            assert!(began.elapsed() < Duration::from_secs(10), "run {run} stuck");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Runs `cases` to completion in a fresh suite; returns the suite and the finished run.
    pub(crate) async fn finished_run(&self, cases: &[(&str, u32)]) -> (TestSuite, TestRun) {
        let suite = self.suite_with(2, cases).await;
        let run = self
            .client
            .start_run(&suite.id, None)
            .await
            .expect("run started");
        let done = self.wait_terminal(&suite.id, &run.id).await;
        (suite, done)
    }
}
