//! `ringside simulate`: a RevRing-compatible sandbox server.
//!
//! It serves the RevRing API as `docs/revring-api.md` describes it (taking its "Guessed" parts as
//! proposed) under `/v1`, with one organization per API key, seeded deterministic data, runs that
//! progress in scaled time, call recordings, fault injection and request counters (`/_sim`).
//! It backs the demo, the integration tests and anyone who wants a free sandbox.
//!
//! Status codes: 201 for creating a suite, a test case and starting a run; 200 for every other
//! success, including deletes (`{"data": {"id", "deleted": true}}`); 400 for validation errors,
//! malformed JSON and starting a suite without test cases; 401 for a missing or unknown
//! `x-api-key`; 404 for unknown ids and other organizations' objects; 409 for cancelling a run
//! that is already completed or cancelled (or a call that is no longer dialing); 405 for a known
//! path with the wrong method. Errors use `{"error": {"code", "message"}}`.
//!
//! Time: `--speed` is virtual seconds per real second. Each attempt's timeline (queued 3 s, then
//! per attempt: ringing 2–6 s, a 20–90 s conversation, 4 s of judging) runs in virtual seconds,
//! so at speed 1000 a 3-case run takes a fraction of a second. Timestamps are wall-clock instants;
//! `durationSeconds` and `secondsFromStart` are in call (virtual) seconds. Seeded history runs use
//! speed 1, so their timestamps look like real calls.

mod app;
mod audio;
mod calls;
mod cases_health;
mod cases_service;
mod catalog;
mod conversation;
mod error;
pub mod faults;
mod generate;
mod ids;
mod input;
mod lifecycle;
mod routes_admin;
mod routes_agents;
mod routes_calls;
mod routes_runs;
mod routes_suites;
mod routes_tests;
mod runs;
mod seed;
mod state;
mod stats;
mod store;
mod verdict;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use faults::Faults;
pub use stats::Stats;

use state::{AppState, Shared};

/// Default listen address.
pub const DEFAULT_BIND: &str = "127.0.0.1:4010";
/// Default API keys: two organizations, "alpha" and "beta".
pub const DEFAULT_KEYS: [&str; 2] = [
    "rr_sim_alpha_7f3c9a1e5b2d4f60",
    "rr_sim_beta_2e8d4b6a0c1f3e95",
];
/// Default seed.
pub const DEFAULT_SEED: u64 = 42;
/// Default time scale: real time (a call lasts about 20–90 s). The demo uses ~30, tests ~1000+.
pub const DEFAULT_SPEED: f64 = 1.0;
/// Time scale of [`SimulatorConfig::default_for_tests`]: a 3-case run finishes in well under 1 s.
pub const TEST_SPEED: f64 = 2_000.0;
/// How long [`Simulator::shutdown`] waits for in-flight requests before aborting them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

/// The default API keys as owned strings.
pub fn default_keys() -> Vec<String> {
    DEFAULT_KEYS.iter().map(|k| (*k).to_owned()).collect()
}

/// How a simulator runs: where it listens, its keys and seed, its pace and injected faults
/// (`ringside simulate` builds one from its flags).
#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    /// Address to listen on (port 0 picks a free port).
    pub bind: SocketAddr,
    /// An API key; repeat for more. Each key is its own organization with its own seeded data.
    pub keys: Vec<String>,
    /// Seed of all generated data, verdicts and fault rates.
    pub seed: u64,
    /// Time scale of runs: 1.0 is real time, 30 a demo, 1000+ tests.
    pub speed: f64,
    /// Milliseconds of latency added to every API request.
    pub latency_ms: u64,
    /// Probability (0..1) of answering a request with a 500.
    pub error_rate: f64,
    /// Probability (0..1) of answering a request with a 429.
    pub rate_limit_rate: f64,
    /// `Retry-After` seconds of injected 429s.
    pub retry_after_secs: u64,
    /// Probability (0..1) of holding a response (after handling it) for `--timeout-ms`.
    pub timeout_rate: f64,
    /// How long an injected timeout holds the response, in milliseconds.
    pub timeout_ms: u64,
    /// Probability (0..1) of truncating a response body.
    pub malformed_rate: f64,
}

impl Default for SimulatorConfig {
    /// The command line's defaults.
    fn default() -> Self {
        SimulatorConfig {
            bind: DEFAULT_BIND.parse().expect("valid default address"),
            keys: default_keys(),
            seed: DEFAULT_SEED,
            speed: DEFAULT_SPEED,
            latency_ms: 0,
            error_rate: 0.0,
            rate_limit_rate: 0.0,
            retry_after_secs: faults::DEFAULT_RETRY_AFTER_SECS,
            timeout_rate: 0.0,
            timeout_ms: faults::DEFAULT_TIMEOUT_MS,
            malformed_rate: 0.0,
        }
    }
}

impl SimulatorConfig {
    /// The defaults for in-process use: a free loopback port and [`TEST_SPEED`].
    pub fn default_for_tests() -> Self {
        SimulatorConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            speed: TEST_SPEED,
            ..Self::default()
        }
    }

    /// The fault configuration the flags describe.
    pub fn faults(&self) -> Faults {
        Faults {
            latency_ms: self.latency_ms,
            error_rate: self.error_rate,
            rate_limit_rate: self.rate_limit_rate,
            retry_after_secs: self.retry_after_secs,
            timeout_rate: self.timeout_rate,
            timeout_ms: self.timeout_ms,
            malformed_rate: self.malformed_rate,
            ..Faults::default()
        }
    }

    pub(crate) fn validate(&self) -> anyhow::Result<()> {
        if !(self.speed.is_finite() && self.speed > 0.0) {
            bail!("--speed must be a positive number");
        }
        if self.keys.is_empty() || self.keys.iter().any(|k| k.trim().is_empty()) {
            bail!("at least one non-empty --key is required");
        }
        let mut sorted = self.keys.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != self.keys.len() {
            bail!("--key values must be distinct");
        }
        self.faults().validate().map_err(anyhow::Error::msg)
    }
}

/// Runs the simulator until `stop` resolves (Ctrl-C or SIGTERM for `ringside simulate`), printing its base URL and keys at start.
pub async fn run(
    args: SimulatorConfig,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    let sim = Simulator::start(args).await?;
    println!("RevRing simulator listening on {}", sim.base_url());
    for key in sim.keys() {
        println!("  x-api-key: {key}");
    }
    println!(
        "Admin: {}/_sim/faults, {}/_sim/stats",
        sim.root_url(),
        sim.root_url()
    );
    stop.await;
    sim.shutdown().await;
    Ok(())
}

/// A simulator running in this process (tests, `ringside demo`).
#[derive(Debug)]
pub struct Simulator {
    state: AppState,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
}

impl Simulator {
    /// Binds `args.bind` (port 0 allowed), seeds one organization per key, and serves in a
    /// background task.
    pub async fn start(args: SimulatorConfig) -> anyhow::Result<Simulator> {
        args.validate()?;
        let listener = TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("binding the simulator to {}", args.bind))?;
        let mut addr = listener.local_addr()?;
        if addr.ip().is_unspecified() {
            addr.set_ip([127, 0, 0, 1].into());
        }
        let now = time::OffsetDateTime::now_utc();
        let orgs = args
            .keys
            .iter()
            .map(|k| seed::org(k, args.seed, now))
            .collect();
        let state = AppState(Arc::new(Shared {
            orgs: Mutex::new(orgs),
            faults: Mutex::new(faults::FaultState {
                faults: args.faults(),
                rng: ids::rng(args.seed, ids::fnv(b"faults")),
            }),
            stats: Mutex::new(Stats::default()),
            keys: args.keys.clone(),
            speed: args.speed,
            base_url: format!("http://{addr}/v1"),
        }));
        let router = app::router(state.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let served = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
            if let Err(e) = served {
                tracing::error!(error = %e, "simulator server failed");
            }
        });
        tracing::info!(%addr, keys = args.keys.len(), seed = args.seed, speed = args.speed, "simulator started");
        Ok(Simulator {
            state,
            addr,
            stop: Some(stop),
            task,
        })
    }

    /// The API base URL, `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        self.state.0.base_url.clone()
    }

    /// The server root (admin endpoints live under `/_sim`), `http://127.0.0.1:PORT`.
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The API keys, one organization each.
    pub fn keys(&self) -> &[String] {
        &self.state.0.keys
    }

    /// Replaces the fault configuration (same as `PUT /_sim/faults`).
    pub fn set_faults(&self, faults: Faults) {
        self.state.faults().faults = faults;
    }

    /// The current fault configuration (counts shrink as they are used).
    pub fn faults(&self) -> Faults {
        self.state.faults().faults.clone()
    }

    /// Request counters per route and key, and runs started.
    pub fn stats(&self) -> Stats {
        self.state.stats().clone()
    }

    /// Zeroes the counters (same as `POST /_sim/stats/reset`).
    pub fn reset_stats(&self) {
        *self.state.stats() = Stats::default();
    }

    /// Starts a run "from elsewhere", as RevRing's dashboard would: same effect as
    /// `POST /test-suites/{id}/runs` with `key`, but not counted in `runs_started` (it counts in
    /// `runs_started_elsewhere`). Returns the run's JSON (as the API would, without envelope).
    pub fn start_run(
        &self,
        key: &str,
        suite_id: &str,
        name: Option<&str>,
    ) -> anyhow::Result<serde_json::Value> {
        let org = self
            .keys()
            .iter()
            .position(|k| k == key)
            .context("unknown API key")?;
        let speed = self.state.0.speed;
        let view = {
            let mut orgs = self.state.orgs();
            routes_runs::start_in(&mut orgs[org], suite_id, name.map(str::to_owned), speed)
                .map_err(|e| anyhow::anyhow!("{}: {}", e.code, e.message))?
        };
        self.state.stats().runs_started_elsewhere += 1;
        Ok(serde_json::to_value(view)?)
    }

    /// Stops serving: lets in-flight requests finish for up to [`SHUTDOWN_GRACE`], then aborts.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if tokio::time::timeout(SHUTDOWN_GRACE, &mut self.task)
            .await
            .is_err()
        {
            self.task.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn bad_args_are_refused() {
        let bad_speed = SimulatorConfig {
            speed: 0.0,
            ..SimulatorConfig::default()
        };
        assert!(bad_speed.validate().is_err());
        let dup = SimulatorConfig {
            keys: vec!["a".into(), "a".into()],
            ..SimulatorConfig::default()
        };
        assert!(dup.validate().is_err());
        let rate = SimulatorConfig {
            timeout_rate: 2.0,
            ..SimulatorConfig::default()
        };
        assert!(rate.validate().is_err());
    }
}
