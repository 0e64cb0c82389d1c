//! `ringside bench --concurrency N`: N clients browse the daily pages at once, each going
//! round the pages without pause for `--seconds`, then it prints per page
//! `load page=NAME clients=N requests=R errors=E rps=X p50_ms=Y p99_ms=Z` and a `load total`
//! line with the process's peak resident memory when the portal runs in-process (the bench's
//! own clients included, so the portal alone uses less).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::ExposeSecret;
use sqlx::PgPool;

use super::client::{SignedIn, sign_in, visitor};
use super::pages::{Subject, Target};
use super::tokens::ApiTokens;
use super::{ms, percentile};
use crate::cli::BenchArgs;

/// What the clients saw of one page.
#[derive(Default)]
struct Seen {
    times: Vec<Duration>,
    errors: usize,
}

/// Runs the load and prints its figures.
pub(super) async fn run(
    db: &PgPool,
    args: &BenchArgs,
    base: &str,
    subject: &Subject,
) -> anyhow::Result<()> {
    let signed_in: SignedIn = sign_in(db, base, &args.email, args.password()?).await?;
    let tokens = Arc::new(ApiTokens::new(db, subject.team_id));
    let result = browse(args, base, subject, &signed_in, &tokens).await;
    tokens.revoke().await?;
    result
}

/// N clients browse every page until the time is up; then the figures are printed.
async fn browse(
    args: &BenchArgs,
    base: &str,
    subject: &Subject,
    signed_in: &SignedIn,
    tokens: &Arc<ApiTokens>,
) -> anyhow::Result<()> {
    let clients = args.concurrency.max(1);
    let seconds = args.seconds.max(1);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let urls: Vec<(Target, String)> = Target::ALL
        .iter()
        .map(|target| (*target, format!("{base}{}", subject.path(*target))))
        .collect();
    let mut tasks = tokio::task::JoinSet::new();
    for client_number in 0..clients {
        let client = visitor(signed_in)?;
        let urls = urls.clone();
        let tokens = tokens.clone();
        tasks.spawn(async move {
            let mut seen: HashMap<&'static str, Seen> = HashMap::new();
            let mut next = client_number % urls.len();
            while Instant::now() < deadline {
                let (target, url) = &urls[next];
                next = (next + 1) % urls.len();
                // The token (pages have none) is got before the timing starts.
                let mut request = client.get(url);
                if let Some(token) = tokens.for_request(target.is_api()).await? {
                    request = request.bearer_auth(token.expose_secret());
                }
                let started = Instant::now();
                let ok = match request.send().await {
                    Ok(response) if response.status().is_success() => {
                        response.bytes().await.is_ok()
                    }
                    _ => false,
                };
                let entry = seen.entry(target.name()).or_default();
                entry.times.push(started.elapsed());
                entry.errors += usize::from(!ok);
            }
            anyhow::Ok(seen)
        });
    }
    let mut all: HashMap<&'static str, Seen> = HashMap::new();
    while let Some(seen) = tasks.join_next().await {
        for (page, part) in seen?? {
            let entry = all.entry(page).or_default();
            entry.times.extend(part.times);
            entry.errors += part.errors;
        }
    }
    let seconds = seconds as f64;
    let mut every = Vec::new();
    let mut errors = 0;
    for target in Target::ALL {
        let Some(seen) = all.get_mut(target.name()) else {
            continue;
        };
        let requests = seen.times.len();
        println!(
            "load page={} clients={clients} requests={requests} errors={} rps={:.1} p50_ms={:.2} \
             p99_ms={:.2}",
            target.name(),
            seen.errors,
            requests as f64 / seconds,
            ms(percentile(&mut seen.times, 0.50)),
            ms(percentile(&mut seen.times, 0.99)),
        );
        errors += seen.errors;
        every.append(&mut seen.times);
    }
    let rss = match &args.url {
        None => peak_rss_mb().map_or_else(String::new, |mb| format!(" peak_rss_mb={mb:.1}")),
        Some(_) => String::new(),
    };
    println!(
        "load total clients={clients} requests={} errors={errors} rps={:.1} p99_ms={:.2}{rss}",
        every.len(),
        every.len() as f64 / seconds,
        ms(percentile(&mut every, 0.99)),
    );
    Ok(())
}

/// This process's peak resident memory (`VmHWM`), in MiB, where Linux tells it.
pub(super) fn peak_rss_mb() -> Option<f64> {
    proc_status_kb("VmHWM:").map(|kb| kb as f64 / 1024.0)
}

/// A `kB` figure of `/proc/self/status`.
pub(super) fn proc_status_kb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}
