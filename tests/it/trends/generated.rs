//! `ringside generate` at a tiny scale: consistent counters and summaries, a working login,
//! and a re-run that replaces rather than adds.

use clap::Parser;
use ringside::cli::GenerateArgs;
use ringside::cli::{Cli, Command};
use ringside::tools::bench::PageFigures;
use ringside::tools::generate::generate;
use secrecy::SecretString;

use crate::support::TestApp;
use crate::support::accounts::Visitor;
use crate::support::app::serve_args;
use crate::support::built::assert_summaries_match_attempts;

fn args(extra: &[&str]) -> GenerateArgs {
    let mut argv = vec!["ringside", "generate"];
    argv.extend_from_slice(extra);
    match Cli::parse_from(argv).command {
        Command::Generate(args) => args,
        _ => unreachable!("parsed a generate command"),
    }
}

async fn count(db: &sqlx::PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

#[tokio::test]
async fn a_small_history_is_consistent_and_can_be_signed_into() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let args = args(&[
        "--suites",
        "3",
        "--runs",
        "30",
        "--attempts",
        "240",
        "--days",
        "60",
    ]);
    let password = SecretString::from("generated password".to_owned());
    let generated = generate(&app.db, &args, &password).await.unwrap();
    assert_eq!(
        (generated.suites, generated.runs, generated.attempts),
        (3, 30, 240)
    );

    let db = &app.db;
    assert_eq!(count(db, "SELECT count(*) FROM suites").await, 3);
    assert_eq!(count(db, "SELECT count(*) FROM attempts").await, 240);
    let wrong_counters = count(
        db,
        "SELECT count(*) FROM runs r
         CROSS JOIN LATERAL (
             SELECT count(*)::int AS total,
                    (count(*) FILTER (WHERE a.result = 'pass'))::int AS passed,
                    (count(*) FILTER (WHERE a.result <> 'pass'))::int AS failed
             FROM attempts a WHERE a.run_id = r.id
         ) a
         WHERE (r.attempts_total, r.attempts_passed, r.attempts_failed)
               IS DISTINCT FROM (a.total, a.passed, a.failed)",
    )
    .await;
    assert_eq!(wrong_counters, 0, "run counters equal their attempts");
    assert_summaries_match_attempts(db).await;
    let searchable = count(
        db,
        "SELECT count(*) FROM attempts WHERE search @@ plainto_tsquery('english', 'calling')",
    )
    .await;
    assert!(searchable > 0, "transcripts are stored and indexed");
    let spread = count(
        db,
        "SELECT extract(day FROM max(created_at) - min(created_at))::bigint FROM runs",
    )
    .await;
    assert!(
        (50..=60).contains(&spread),
        "runs spread over the history: {spread} days"
    );
    let usable_keys = count(db, "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL").await;
    assert_eq!(usable_keys, 0, "the placeholder key is revoked");

    let manager = Visitor::new(&app);
    let response = manager.login(&args.email, "generated password").await;
    assert_eq!(response.status(), reqwest::StatusCode::SEE_OTHER);
    let dashboard = manager.page("/").await;
    for suite in ["Dental scheduling", "Insurance claims", "Airline rebooking"] {
        assert!(dashboard.contains(suite), "{suite} on the dashboard");
    }

    // Running it again replaces the generated history.
    generate(&app.db, &args, &password).await.unwrap();
    assert_eq!(count(db, "SELECT count(*) FROM suites").await, 3);
    assert_eq!(count(db, "SELECT count(*) FROM runs").await, 30);
    assert_eq!(
        count(db, "SELECT count(*) FROM teams").await,
        1,
        "the team is reused"
    );
}

#[tokio::test]
async fn bench_measures_every_page_against_its_bare_sql() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let history = args(&[
        "--suites",
        "2",
        "--runs",
        "20",
        "--attempts",
        "120",
        "--days",
        "30",
    ]);
    let password = SecretString::from("bench password".to_owned());
    generate(&app.db, &history, &password).await.unwrap();

    let argv = [
        "ringside",
        "bench",
        "--password",
        "bench password",
        "--requests",
        "5",
        "--warmup",
        "1",
    ];
    let Command::Bench(bench) = Cli::parse_from(argv).command else {
        unreachable!("parsed a bench command");
    };
    let mut printed = Vec::new();
    let figures =
        ringside::tools::bench::measure(&app.db, &bench, |page| printed.push(page.to_string()))
            .await
            .unwrap();
    let pages: Vec<&str> = figures.iter().map(|page| page.page).collect();
    assert_eq!(
        pages,
        [
            "dashboard",
            "suite_trend",
            "case_history",
            "flaky_cases",
            "run_comparison",
            "runs_list",
            "run_page",
            "attempt_page",
            "search_common",
            "search_rare",
            "case_page",
            "api_run",
        ]
    );
    for page in &figures {
        assert!(
            page.sql_p50_ms > 0.0 && page.p50_ms > 0.0 && page.p99_ms >= page.p50_ms,
            "{page}"
        );
    }
    // The API was asked with a token of the bench's own, revoked once it is done.
    let (made, active): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE revoked_at IS NULL)
         FROM api_tokens WHERE name = 'ringside bench'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((made, active), (1, 0));
    // What is printed is what was measured, page by page.
    let lines: Vec<String> = figures.iter().map(ToString::to_string).collect();
    assert_eq!(printed, lines);

    // The ratio and the printed line, on figures worked out by hand.
    let known = PageFigures {
        page: "dashboard",
        p50_ms: 6.0,
        p99_ms: 9.5,
        sql_p50_ms: 1.5,
    };
    assert_eq!(known.ratio(), 4.0);
    assert_eq!(
        known.to_string(),
        "page=dashboard p50_ms=6.00 p99_ms=9.50 sql_p50_ms=1.50 ratio=4.00"
    );
}
