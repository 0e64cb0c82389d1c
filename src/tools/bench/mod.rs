//! `ringside bench`: times the pages people open daily — the trend pages, the runs list, a run,
//! an attempt, search for a common and a rare word, a test case's page — and the API's run
//! (`GET /api/v1/runs/{id}`, with a bearer token the bench makes, see `tokens.rs`) on the data
//! in the database (made by `ringside generate`). For each page it requests the full HTTP
//! response and, side by side in the same loop, runs the bare SQL that page needs — every
//! statement the page runs, in the same order: loading the session row, the sign-in check (the
//! user and their teams), then the page's own loaders as the handler calls them; for the API,
//! the token check and the endpoint's loaders (see `sql.rs`) — and prints
//! `page=NAME p50_ms=X p99_ms=Y sql_p50_ms=Z ratio=R` with R = X / Z, so R is what HTTP,
//! routing, the session layer's bookkeeping and rendering add on top of the database. Every
//! timed request comes right after a commit, so none is served a read shared with an earlier
//! one: the figures are those of a first visit after the data changed.
//!
//! With `--concurrency N`, N clients then browse all those pages at once for `--seconds`
//! (see `load.rs`), and it prints each page's throughput and p99 under that load.
//!
//! The portal runs in-process on a loopback port (or is reached at `--url`).

mod client;
mod live;
mod live_stage;
mod live_stream;
mod load;
mod pages;
mod sql;
mod tokens;

use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use sqlx::PgPool;

use client::{fetch, sign_in};
use pages::{Target, subject};
use tokens::ApiTokens;

use crate::app::startup::Application;
use crate::cli::{BenchArgs, DatabaseArgs, ServeArgs};
use crate::db::Database;
pub use live::LiveFigures;
pub use live_stream::{SseEvent, parse_event};

/// What one page measured.
#[derive(Debug, Clone, PartialEq)]
pub struct PageFigures {
    /// The page's name.
    pub page: &'static str,
    /// Median full HTTP response, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile full HTTP response, in milliseconds.
    pub p99_ms: f64,
    /// Median of the page's bare SQL, in milliseconds.
    pub sql_p50_ms: f64,
}

impl PageFigures {
    /// `p50_ms / sql_p50_ms`: what the web stack adds on top of the database.
    pub fn ratio(&self) -> f64 {
        self.p50_ms / self.sql_p50_ms.max(f64::MIN_POSITIVE)
    }
}

impl std::fmt::Display for PageFigures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "page={} p50_ms={:.2} p99_ms={:.2} sql_p50_ms={:.2} ratio={:.2}",
            self.page,
            self.p50_ms,
            self.p99_ms,
            self.sql_p50_ms,
            self.ratio()
        )
    }
}

/// `ringside bench`.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let database = Database::connect(&args.database.config()).await?;
    let db = &database.pool;
    let result = async {
        if args.live {
            println!("{}", live::measure(db, &args).await?);
            return Ok(());
        }
        let base = portal(db, &args).await?;
        let subject = subject(db, &args.email).await?;
        measure_at(db, &args, &base, &subject, |figures| println!("{figures}")).await?;
        if args.concurrency > 0 {
            load::run(db, &args, &base, &subject).await?;
        }
        anyhow::Ok(())
    }
    .await;
    database.close().await?;
    result
}

/// Measures every page on `db`, calling `report` as each page is done.
pub async fn measure(
    db: &PgPool,
    args: &BenchArgs,
    report: impl FnMut(&PageFigures),
) -> anyhow::Result<Vec<PageFigures>> {
    let base = portal(db, args).await?;
    let subject = subject(db, &args.email).await?;
    measure_at(db, args, &base, &subject, report).await
}

/// Measures live updates on a throwaway database beside `db` (`--live`).
pub async fn measure_live(db: &PgPool, args: &BenchArgs) -> anyhow::Result<LiveFigures> {
    live::measure(db, args).await
}

/// Measures every page of the portal at `base`.
async fn measure_at(
    db: &PgPool,
    args: &BenchArgs,
    base: &str,
    subject: &pages::Subject,
    mut report: impl FnMut(&PageFigures),
) -> anyhow::Result<Vec<PageFigures>> {
    let tokens = ApiTokens::new(db, subject.team_id);
    let result = measure_pages(db, args, base, subject, &tokens, &mut report).await;
    tokens.revoke().await?;
    result
}

/// Measures every page with `tokens` for the API.
async fn measure_pages(
    db: &PgPool,
    args: &BenchArgs,
    base: &str,
    subject: &pages::Subject,
    tokens: &ApiTokens,
    report: &mut impl FnMut(&PageFigures),
) -> anyhow::Result<Vec<PageFigures>> {
    let mut all = Vec::new();
    let signed_in = sign_in(db, base, &args.email, args.password()?).await?;
    let client = &signed_in.client;
    for target in Target::ALL {
        let url = format!("{base}{}", subject.path(target));
        let api = target.is_api();
        for _ in 0..args.warmup {
            let token = tokens.for_request(api).await?;
            fetch(client, &url, token.as_ref()).await?;
            let latest = tokens.for_sql(api).await?;
            subject.sql(db, &signed_in, latest.as_ref(), target).await?;
        }
        let mut http = Vec::with_capacity(args.requests);
        let mut sql = Vec::with_capacity(args.requests);
        for _ in 0..args.requests.max(1) {
            // The request's token (pages have none) is got before its timing starts.
            let token = tokens.for_request(api).await?;
            change_the_snapshot(db).await?;
            let started = Instant::now();
            fetch(client, &url, token.as_ref()).await?;
            http.push(started.elapsed());
            let latest = tokens.for_sql(api).await?;
            let started = Instant::now();
            subject.sql(db, &signed_in, latest.as_ref(), target).await?;
            sql.push(started.elapsed());
        }
        let figures = PageFigures {
            page: target.name(),
            p50_ms: ms(percentile(&mut http, 0.50)),
            p99_ms: ms(percentile(&mut http, 0.99)),
            sql_p50_ms: ms(percentile(&mut sql, 0.50)),
        };
        report(&figures);
        all.push(figures);
    }
    Ok(all)
}

/// Commits a transaction (it only takes a transaction id), so that the next request sees a new
/// database snapshot: pages that share what they read between requests of the same snapshot
/// (`web::kit::page_data`) then read afresh, and each timed request costs what the first visit
/// after a change costs. The `--concurrency` mode does not do this: its clients share reads as
/// visitors do.
async fn change_the_snapshot(db: &PgPool) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(db)
        .await?;
    Ok(())
}

/// The portal's base URL: `--url`, or one started in this process.
async fn portal(db: &PgPool, args: &BenchArgs) -> anyhow::Result<String> {
    Ok(match &args.url {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => {
            let serve = in_process_args(&args.database)?;
            let app = Application::build(&serve, db.clone()).await?;
            let addr = app.local_addr();
            tokio::spawn(app.run_until_stopped(std::future::pending()));
            format!("http://{addr}")
        }
    })
}

/// Serve arguments of the in-process portal: loopback, no sync worker, a throwaway master key
/// unless one is configured (the generated history holds no usable key).
fn in_process_args(database: &DatabaseArgs) -> anyhow::Result<ServeArgs> {
    let mut argv = vec!["--bind".to_owned()];
    argv.push("127.0.0.1:0".into());
    argv.push("--no-sync".into());
    if std::env::var_os("RINGSIDE_MASTER_KEY").is_none() {
        argv.push("--master-key".into());
        argv.push(
            crate::crypto::MasterKey::generate()
                .to_base64()
                .expose_secret()
                .to_owned(),
        );
    }
    let mut serve = ServeArgs::parse_from(argv)?;
    serve.database = database.clone();
    Ok(serve)
}

/// The sample at `quantile` (nearest rank); sorts `samples`.
fn percentile(samples: &mut [Duration], quantile: f64) -> Duration {
    samples.sort_unstable();
    let index = ((samples.len() as f64 * quantile).ceil() as usize).clamp(1, samples.len()) - 1;
    samples[index]
}

/// A duration in milliseconds.
fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        assert_eq!(percentile(&mut samples, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&mut samples, 0.99), Duration::from_millis(99));
        let mut one = [Duration::from_millis(7)];
        assert_eq!(percentile(&mut one, 0.99), Duration::from_millis(7));
    }
}
