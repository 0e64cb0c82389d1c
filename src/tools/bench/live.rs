//! `ringside bench --live`: how fast a finished attempt reaches an open run page, and what many
//! open pages cost. On the stage of `live_stage.rs` (simulator, portal with default sync
//! settings, throwaway database):
//!
//! 1. Latency: starts [`LATENCY_RUNS`] runs, opens each run page's event stream at once, and for
//!    every attempt compares the instant the simulator finished it (its `completedAt`, which the
//!    portal stores as it was sent) with the instant the stream first showed its verdict. Prints
//!    `live=attempt_to_page n=N p50_ms=X p99_ms=Y missed=M` (M: attempts judged upstream while
//!    their page was open that the page never showed before the time ran out).
//! 2. Streams: starts one long run, opens `--live-streams` event streams on it, and over
//!    `--live-seconds` measures this process's CPU time (getrusage) and its resident memory at
//!    the end: `live=streams n=N cpu_s=X rss_mb=Y seconds=S updates=U`, U being the events each
//!    stream received on average. The process holds the portal, the simulator and the bench's
//!    own stream readers (bare connections with a 4 KiB buffer each, to add little), so the
//!    portal alone uses somewhat less.

use std::time::Duration;

use anyhow::{Context, bail};
use sqlx::PgPool;
use tokio::task::JoinSet;
use tokio::time::Instant;
use uuid::Uuid;

use super::live_stage::{Stage, SuiteKind};
use super::live_stream::{Seen, count as count_events, follow, hold};
use super::load::proc_status_kb;
use super::{ms, percentile};
use crate::cli::BenchArgs;

/// Runs whose attempts are timed.
const LATENCY_RUNS: usize = 2;

/// Time allowed beyond `--live-seconds` for the timed runs to end on their pages.
const LATENCY_SLACK: Duration = Duration::from_secs(20);

/// The live figures.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveFigures {
    /// Attempts timed from finishing upstream to showing on their page.
    pub attempts: usize,
    /// Median of those times, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile of those times, in milliseconds.
    pub p99_ms: f64,
    /// Attempts judged while their page was open that it never showed.
    pub missed: usize,
    /// Event streams open at once on one run.
    pub streams: usize,
    /// CPU seconds (user and system) this process used while they were open.
    pub cpu_s: f64,
    /// This process's resident memory at the end, in MiB.
    pub rss_mb: f64,
    /// How long they were open, in seconds.
    pub seconds: u64,
    /// Events each stream received, on average.
    pub updates: f64,
}

impl std::fmt::Display for LiveFigures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "live=attempt_to_page n={} p50_ms={:.1} p99_ms={:.1} missed={}",
            self.attempts, self.p50_ms, self.p99_ms, self.missed
        )?;
        write!(
            f,
            "live=streams n={} cpu_s={:.2} rss_mb={:.1} seconds={} updates={:.1}",
            self.streams, self.cpu_s, self.rss_mb, self.seconds, self.updates
        )
    }
}

/// Builds the stage beside `bench_db`, measures, and takes the stage down again.
pub(super) async fn measure(bench_db: &PgPool, args: &BenchArgs) -> anyhow::Result<LiveFigures> {
    let stage = Stage::build(bench_db, args).await?;
    let result = measure_on(&stage, args).await;
    stage.tear_down(bench_db).await;
    result
}

async fn measure_on(stage: &Stage, args: &BenchArgs) -> anyhow::Result<LiveFigures> {
    let (mut times, missed) = latency(stage, args).await?;
    if times.is_empty() {
        bail!("no attempt finished while its run page was open");
    }
    let seconds = args.live_seconds.max(1);
    let (streams, cpu_s, rss_mb, updates) =
        streams(stage, args.live_streams.max(1), seconds).await?;
    Ok(LiveFigures {
        attempts: times.len(),
        p50_ms: ms(percentile(&mut times, 0.50)),
        p99_ms: ms(percentile(&mut times, 0.99)),
        missed,
        streams,
        cpu_s,
        rss_mb,
        seconds,
        updates,
    })
}

/// Opens the run page's event stream as the signed-in member's browser does.
async fn open(stage: &Stage, run_id: Uuid) -> anyhow::Result<reqwest::Response> {
    let url = format!("{}/runs/{run_id}/events", stage.base);
    let response = stage.member.client.get(&url).send().await?;
    if !response.status().is_success() {
        bail!("GET {url} answered {}", response.status());
    }
    Ok(response)
}

/// Times every attempt of [`LATENCY_RUNS`] runs; returns the times and the attempts missed.
async fn latency(stage: &Stage, args: &BenchArgs) -> anyhow::Result<(Vec<Duration>, usize)> {
    let deadline = Instant::now() + Duration::from_secs(args.live_seconds.max(1)) + LATENCY_SLACK;
    let mut readers = JoinSet::new();
    for _ in 0..LATENCY_RUNS {
        let run_id = stage.start_run(SuiteKind::AllAtOnce).await?;
        let response = open(stage, run_id).await?;
        let opened = time::OffsetDateTime::now_utc();
        readers.spawn(async move { (run_id, opened, follow(response, deadline).await) });
    }
    let mut times = Vec::new();
    let mut missed = 0;
    while let Some(read) = readers.join_next().await {
        let (run_id, opened, seen): (Uuid, time::OffsetDateTime, Seen) = read?;
        let attempts = crate::db::attempts::for_run(&stage.db, stage.team_id, run_id).await?;
        for attempt in attempts {
            // Finished upstream (as RevRing says) while the page was open.
            let Some(finished) = attempt.completed_at.filter(|at| *at >= opened) else {
                continue;
            };
            match seen.judged.get(&attempt.id) {
                Some(shown) => {
                    times.push((*shown - finished).max(time::Duration::ZERO).unsigned_abs())
                }
                None => missed += 1,
            }
        }
    }
    Ok((times, missed))
}

/// Holds `count` streams open on one run for `seconds`; returns how many were open, the CPU
/// seconds and resident MiB of this process, and the events per stream.
async fn streams(
    stage: &Stage,
    count: usize,
    seconds: u64,
) -> anyhow::Result<(usize, f64, f64, f64)> {
    let run_id = stage.start_run(SuiteKind::Long).await?;
    let path = format!("/runs/{run_id}/events");
    let cookie = stage.cookie();
    let mut held = Vec::with_capacity(count);
    for _ in 0..count {
        held.push(hold(stage.addr, &path, &cookie).await?);
    }
    let started = Instant::now();
    let cpu_before = cpu_seconds()?;
    let deadline = started + Duration::from_secs(seconds);
    let mut readers = JoinSet::new();
    for stream in held {
        readers.spawn(count_events(stream, deadline));
    }
    tokio::time::sleep_until(deadline).await;
    let cpu = cpu_seconds()? - cpu_before;
    let rss_mb = proc_status_kb("VmRSS:").context("no resident memory in /proc/self/status")?
        as f64
        / 1024.0;
    let mut events = 0;
    while let Some(seen) = readers.join_next().await {
        events += seen?;
    }
    Ok((count, cpu, rss_mb, events as f64 / count as f64))
}

/// CPU time this process used so far (user and system), in seconds.
fn cpu_seconds() -> anyhow::Result<f64> {
    use nix::sys::resource::{UsageWho, getrusage};
    let usage = getrusage(UsageWho::RUSAGE_SELF)?;
    let seconds = |t: nix::sys::time::TimeVal| t.tv_sec() as f64 + t.tv_usec() as f64 / 1e6;
    Ok(seconds(usage.user_time()) + seconds(usage.system_time()))
}
