//! `ringside bench --live`: the time from an attempt finishing upstream to its open run page
//! showing it, and many streams on one run, on a throwaway database it drops afterwards.

use clap::Parser;
use ringside::cli::{Cli, Command};

use crate::support::db::fresh_database;

#[tokio::test]
async fn live_bench_times_attempts_on_open_pages_and_holds_many_streams() {
    let (db, _database) = fresh_database().await;
    let argv = [
        "ringside",
        "bench",
        "--live",
        "--live-streams",
        "5",
        "--live-seconds",
        "3",
    ];
    let Command::Bench(bench) = Cli::parse_from(argv).command else {
        unreachable!("parsed a bench command");
    };
    let figures = ringside::tools::bench::measure_live(&db, &bench)
        .await
        .unwrap();

    // Both timed runs (50 attempts each) finished while their pages were open, and the pages
    // showed every verdict.
    assert_eq!((figures.attempts, figures.missed), (100, 0), "{figures}");
    assert!(
        figures.p50_ms > 0.0 && figures.p99_ms >= figures.p50_ms,
        "{figures}"
    );
    // The streams stayed open on a run that kept changing.
    assert_eq!((figures.streams, figures.seconds), (5, 3), "{figures}");
    assert!(figures.updates > 1.0, "{figures}");
    assert!(figures.cpu_s > 0.0 && figures.rss_mb > 0.0, "{figures}");

    let printed = figures.to_string();
    let lines: Vec<&str> = printed.lines().collect();
    assert_eq!(lines.len(), 2, "{printed}");
    assert!(
        lines[0].starts_with("live=attempt_to_page n=100 p50_ms="),
        "{printed}"
    );
    assert!(lines[1].starts_with("live=streams n=5 cpu_s="), "{printed}");

    // The throwaway database is gone.
    let left: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM pg_database WHERE datname LIKE current_database() || '_live_%'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(left, 0);
}
