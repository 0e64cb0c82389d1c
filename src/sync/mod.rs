//! The sync engine: keeps Ringside's run history equal to RevRing.
//!
//! A worker in every `ringside serve` process claims due runs with a lease (`FOR UPDATE SKIP
//! LOCKED`), fetches each from RevRing and stores the run and its attempts in one transaction.
//! Any number of processes can share a database: a run is polled by one process at a time, and
//! a crash at any point only delays the next poll until the short lease expires (a worker renews
//! its leases while it polls, and frees them when it stops cleanly).

pub mod alerts;
pub mod deliver;
pub mod email;
pub mod keys;
pub mod live;
pub mod refresh;
pub mod schedule;
pub mod scheduler;
pub mod snapshots;
pub mod start;
pub mod targets;

use std::time::Duration;

use tokio::task::JoinSet;
use uuid::Uuid;

use crate::db::ingest::{self, Ingested};
use crate::db::runs::{self, ClaimedRun};
use crate::revring::ErrorKind;
pub use keys::RevRingAccess;

/// How often an idle worker looks for due runs: with attempts in flight polled every second,
/// a verdict reaches the open pages within about 1.2 s of landing upstream.
pub const IDLE_TICK: Duration = Duration::from_millis(200);

/// How the worker paces itself.
#[derive(Debug, Clone)]
pub struct SyncSettings {
    /// Time between polls of a run that is not finished and has no attempt in flight (queued,
    /// or in any status not known to be terminal).
    pub active_interval: Duration,
    /// Time between polls while attempts are in flight (a verdict may land any second).
    pub in_flight_interval: Duration,
    /// How often the worker looks for due work when it found none.
    pub idle_tick: Duration,
    /// How long a claimed run stays with its worker unless renewed. The worker renews every
    /// [`SyncSettings::lease_renewal`] while it polls, so a slow fetch keeps its runs, and a dead
    /// worker's runs resume elsewhere within this long.
    pub lease: Duration,
    /// How often a polling worker renews its leases (well under `lease`).
    pub lease_renewal: Duration,
    /// How long a key refresh stays with its worker (refreshes are rare and may be long).
    pub refresh_lease: Duration,
    /// Most runs one worker polls at once.
    pub batch: i64,
    /// Longest back-off after repeated failures (unless RevRing's `Retry-After` asks for more).
    pub max_backoff: Duration,
    /// Time between background refreshes of a key's suites and run history.
    pub refresh_interval: Duration,
    /// Time between polls of a run that is not finished but has not changed for
    /// `quiet_after`, with nothing in flight: it may still change, but slowly.
    pub quiet_interval: Duration,
    /// How long a run must stay unchanged (with nothing in flight) to be polled at
    /// `quiet_interval`.
    pub quiet_after: Duration,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            active_interval: Duration::from_secs(2),
            in_flight_interval: Duration::from_secs(1),
            idle_tick: IDLE_TICK,
            lease: Duration::from_secs(10),
            lease_renewal: Duration::from_secs(3),
            refresh_lease: Duration::from_secs(120),
            batch: 16,
            max_backoff: Duration::from_secs(300),
            refresh_interval: Duration::from_secs(600),
            quiet_interval: Duration::from_secs(30),
            quiet_after: Duration::from_secs(300),
        }
    }
}

impl SyncSettings {
    /// Settings for a given active poll interval (demo and tests poll faster); attempts in
    /// flight are polled twice as often.
    pub fn with_interval(active_interval: Duration) -> Self {
        Self {
            active_interval,
            in_flight_interval: active_interval / 2,
            idle_tick: active_interval.min(IDLE_TICK),
            ..Self::default()
        }
    }
}

/// A unique name for one worker of this process, used in leases.
pub fn owner_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "ringside".into());
    format!("{host}:{}:{}", std::process::id(), Uuid::new_v4().simple())
}

/// One process's sync worker.
#[derive(Clone)]
pub struct Worker {
    upstream: RevRingAccess,
    settings: SyncSettings,
    owner: String,
}

impl Worker {
    /// A worker with a unique owner name (used in leases).
    pub fn new(upstream: RevRingAccess, settings: SyncSettings) -> Self {
        Self {
            upstream,
            settings,
            owner: owner_name(),
        }
    }

    /// Runs forever in a background task; abort the handle to stop (every write is one
    /// transaction, so stopping at any point loses nothing).
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move { self.run().await })
    }

    async fn run(self) {
        tracing::info!(owner = %self.owner, "sync worker started");
        loop {
            let polled = match self.poll_due_runs().await {
                Ok(count) => count,
                Err(error) => {
                    tracing::warn!(%error, "sync: claiming due runs failed");
                    0
                }
            };
            if let Err(error) = start::reconcile_orphaned_starts(&self.upstream).await {
                tracing::warn!(%error, "sync: settling interrupted starts failed");
            }
            if let Err(error) = refresh::refresh_due_keys(&self).await {
                tracing::warn!(%error, "sync: refreshing keys failed");
            }
            if polled == 0 {
                tokio::time::sleep(self.settings.idle_tick).await;
            }
        }
    }

    /// Claims due runs and polls them concurrently; returns how many were polled.
    pub async fn poll_due_runs(&self) -> sqlx::Result<usize> {
        let claimed = runs::claim_due(
            &self.upstream.db,
            &self.owner,
            self.settings.batch,
            self.settings.lease.as_secs_f64(),
        )
        .await?;
        let count = claimed.len();
        let ids: Vec<Uuid> = claimed.iter().map(|run| run.id).collect();
        let mut polls = JoinSet::new();
        for run in claimed {
            let worker = self.clone();
            polls.spawn(async move { worker.poll(run).await });
        }
        let all_polled = async {
            while let Some(result) = polls.join_next().await {
                if let Ok(Err(error)) = result {
                    tracing::warn!(%error, "sync: storing a poll result failed");
                }
            }
        };
        tokio::select! {
            () = all_polled => {}
            never = self.keep_leases(&ids) => match never {},
        }
        Ok(count)
    }

    /// Renews this worker's leases on `ids` until dropped (it never returns).
    async fn keep_leases(&self, ids: &[Uuid]) -> std::convert::Infallible {
        let mut tick = tokio::time::interval(self.settings.lease_renewal);
        tick.tick().await;
        loop {
            tick.tick().await;
            let lease = self.settings.lease.as_secs_f64();
            if let Err(error) = runs::renew_leases(&self.upstream.db, &self.owner, ids, lease).await
            {
                tracing::warn!(%error, "sync: renewing leases failed");
            }
        }
    }

    /// Frees this worker's leases (call after stopping it), so other workers take its runs
    /// over at once instead of after the lease.
    pub async fn release(&self) -> sqlx::Result<u64> {
        runs::release_leases(&self.upstream.db, &self.owner).await
    }

    async fn poll(&self, run: ClaimedRun) -> sqlx::Result<()> {
        let db = &self.upstream.db;
        let client = match self.upstream.client_for(run.team_id, run.api_key_id).await {
            Ok(client) => client,
            Err(problem) => {
                let delay = self.settings.max_backoff.as_secs_f64();
                return runs::record_poll_failure(
                    db,
                    run.id,
                    &self.owner,
                    &problem.to_string(),
                    delay,
                )
                .await;
            }
        };
        match client.get_run(&run.suite_revring_id, &run.revring_id).await {
            Ok(fetched) => {
                let interval = self.next_interval(&run, &fetched);
                let interval = interval.as_secs_f64();
                match ingest::store_run(db, run.id, &self.owner, &fetched, interval).await? {
                    Ingested::LeaseLost => {
                        tracing::warn!(run = %run.id, "sync: lease lost before storing; dropped")
                    }
                    Ingested::Stored { finished: true } => {
                        tracing::info!(run = %run.id, status = %fetched.status.as_str(), "run finished")
                    }
                    Ingested::Stored { finished: false } => {}
                }
                Ok(())
            }
            Err(error) if error.kind() == ErrorKind::NotFound => {
                runs::stop_polling(db, run.id, &self.owner, "RevRing no longer has this run.").await
            }
            Err(error) => {
                let failures = u32::try_from(run.sync_failures).unwrap_or(0) + 1;
                let delay =
                    schedule::retry_delay(failures, error.retry_after(), self.settings.max_backoff);
                tracing::info!(run = %run.id, failures, ?delay, "sync: poll failed: {error}");
                runs::record_poll_failure(
                    db,
                    run.id,
                    &self.owner,
                    &error.user_message(),
                    delay.as_secs_f64(),
                )
                .await
            }
        }
    }

    /// When to poll `run` again after fetching it as `fetched` (unless it is finished).
    fn next_interval(&self, run: &ClaimedRun, fetched: &crate::revring::TestRun) -> Duration {
        let in_flight = fetched
            .attempts
            .iter()
            .any(|attempt| attempt.result.is_none());
        let done = ingest::AttemptCounts::of(fetched).done;
        let changed = fetched.status != run.status || done != run.attempts_done;
        let unchanged_for = if changed {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(run.unchanged_secs.max(0.0))
        };
        match schedule::pace(in_flight, unchanged_for, self.settings.quiet_after) {
            schedule::Pace::InFlight => self.settings.in_flight_interval,
            schedule::Pace::Active => self.settings.active_interval,
            schedule::Pace::Quiet => self.settings.quiet_interval,
        }
    }

    /// The RevRing access this worker uses.
    pub fn upstream(&self) -> &RevRingAccess {
        &self.upstream
    }

    /// This worker's settings.
    pub fn settings(&self) -> &SyncSettings {
        &self.settings
    }
}
