//! `ringside ci` against a real portal in process with the simulator upstream: pass, fail,
//! regression against the same branch's history, below a threshold, timeout, an unreachable
//! portal, a page instead of the API, a token revoked mid-wait, the wrong scope; the JUnit file
//! parsed back.

use std::time::Duration;

use clap::Parser;
use ringside::cli::{CiArgs, Cli, Command};
use ringside::revring::TestCasePatch;
use ringside::tools::ci::env::CiEnv;
use ringside::tools::ci::{Outcome, run_with};

use super::{create_token, make_suite, upstream};
use crate::runs_pages::RunsWorld;

fn args(world: &RunsWorld, token: &str, extra: &[&str]) -> CiArgs {
    let url = world.app.url("");
    let mut argv = vec!["ringside", "ci", "--url", url.as_str(), "--token", token];
    argv.extend_from_slice(extra);
    match Cli::parse_from(argv).command {
        Command::Ci(args) => args,
        _ => unreachable!("parsed a ci command"),
    }
}

fn on_branch(branch: &str, build: &str) -> CiEnv {
    CiEnv {
        system: Some("GitHub Actions"),
        idempotency_key: Some(format!("github:acme/voice:{build}:regression")),
        branch: Some(branch.into()),
        commit: Some("abc1234".into()),
        build_url: Some(format!(
            "https://github.com/acme/voice/actions/runs/{build}"
        )),
        ..CiEnv::default()
    }
}

fn junit_path(name: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("ringside-ci-{}-{name}.xml", uuid::Uuid::new_v4()))
}

#[tokio::test]
async fn a_passing_suite_passes_the_gate_and_writes_junit() {
    let world = RunsWorld::new().await;
    make_suite(
        &world,
        "Greeting",
        &["Says hello [sim:pass]", "Says goodbye [sim:pass]"],
    )
    .await;
    make_suite(&world, "Booking", &["Books [sim:pass]"]).await;
    let token = create_token(&world, "CI", "run").await;
    let junit = junit_path("pass");
    let junit_arg = junit.to_str().unwrap().to_owned();
    let outcome = run_with(
        args(
            &world,
            &token,
            &[
                "--suite", "Greeting", "--suite", "booking", "--wait", "--junit", &junit_arg,
            ],
        ),
        on_branch("main", "1"),
    )
    .await;
    assert_eq!(outcome, Outcome::Passed);
    assert_eq!(outcome.code(), 0);

    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 2, "one testsuite per run");
    let greeting = suites
        .iter()
        .find(|s| s.attribute("name") == Some("Greeting"))
        .unwrap();
    assert_eq!(
        greeting
            .children()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        2
    );
    let url = greeting
        .descendants()
        .find(|n| n.has_tag_name("property") && n.attribute("name") == Some("run_url"))
        .and_then(|n| n.attribute("value"))
        .unwrap();
    assert!(url.starts_with(&world.app.url("/runs/")), "{url}");
    let branch = greeting
        .descendants()
        .find(|n| n.has_tag_name("property") && n.attribute("name") == Some("label.branch"))
        .and_then(|n| n.attribute("value"));
    assert_eq!(branch, Some("main"), "labels from the CI environment");

    // A retried job (same CI build) starts nothing new.
    let before = world.sim.stats().runs_started;
    let again = run_with(
        args(&world, &token, &["--suite", "Greeting"]),
        on_branch("main", "1"),
    )
    .await;
    assert_eq!(again, Outcome::Passed);
    assert_eq!(world.sim.stats().runs_started, before);
    std::fs::remove_file(junit).ok();
}

#[tokio::test]
async fn a_failing_attempt_fails_the_gate_with_reasoning_and_transcript_in_junit() {
    let world = RunsWorld::new().await;
    make_suite(
        &world,
        "Refunds",
        &["Refunds a ticket [sim:fail]", "Greets [sim:pass]"],
    )
    .await;
    let token = create_token(&world, "CI", "run").await;
    let junit = junit_path("fail");
    let junit_arg = junit.to_str().unwrap().to_owned();
    let outcome = run_with(
        args(
            &world,
            &token,
            &["--suite", "Refunds", "--wait", "--junit", &junit_arg],
        ),
        CiEnv::default(),
    )
    .await;
    assert_eq!((outcome, outcome.code()), (Outcome::GateFailed, 1));
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    let failure = doc
        .descendants()
        .find(|n| n.has_tag_name("failure"))
        .expect("the failed attempt is a failure");
    let case = failure.parent().unwrap();
    assert!(
        case.attribute("name")
            .unwrap()
            .starts_with("Refunds a ticket")
    );
    let text = failure.text().unwrap_or_default();
    assert!(!failure.attribute("message").unwrap_or_default().is_empty());
    assert!(text.contains("Transcript (excerpt):"), "{text}");
    let passed = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .filter(|n| n.children().all(|c| !c.is_element()))
        .count();
    assert_eq!(passed, 1);
    std::fs::remove_file(junit).ok();
}

#[tokio::test]
async fn a_case_that_passed_on_the_same_branch_and_now_fails_is_a_regression() {
    let world = RunsWorld::new().await;
    let (_, revring_suite) = make_suite(
        &world,
        "Claims",
        &["Takes a claim [sim:pass]", "Escalates [sim:fail]"],
    )
    .await;
    let token = create_token(&world, "CI", "run").await;
    let gate = ["--suite", "Claims", "--wait", "--fail-on", "regression"];

    // First run on the branch: Escalates fails, but it never passed: no regression.
    let first = run_with(
        args(&world, &token, &gate),
        on_branch("feature/claims", "10"),
    )
    .await;
    assert_eq!(first, Outcome::Passed);
    // The same gate with `any` fails on that run's failure.
    let any = run_with(
        args(
            &world,
            &token,
            &["--suite", "Claims", "--wait", "--fail-on", "any"],
        ),
        on_branch("feature/claims", "10"),
    )
    .await;
    assert_eq!(
        any,
        Outcome::GateFailed,
        "same key: the same run, judged by another rule"
    );

    // "Takes a claim" now fails: it passed in the previous run on this branch.
    let client = upstream(&world);
    let cases = client.list_tests(&revring_suite).await.unwrap();
    let case = cases
        .iter()
        .find(|c| c.name.starts_with("Takes a claim"))
        .unwrap();
    client
        .update_test(
            &revring_suite,
            &case.id,
            &TestCasePatch {
                name: Some("Takes a claim [sim:fail]".into()),
                ..TestCasePatch::default()
            },
        )
        .await
        .unwrap();
    let second = run_with(
        args(&world, &token, &gate),
        on_branch("feature/claims", "11"),
    )
    .await;
    assert_eq!((second, second.code()), (Outcome::GateFailed, 1));

    // On another branch with no history, the default branch has none either: no regression.
    let other = run_with(
        args(&world, &token, &gate),
        on_branch("feature/other", "12"),
    )
    .await;
    assert_eq!(other, Outcome::Passed);
}

#[tokio::test]
async fn the_pass_rate_gate_compares_with_its_threshold() {
    let world = RunsWorld::new().await;
    make_suite(&world, "Half", &["Passes [sim:pass]", "Fails [sim:fail]"]).await;
    let token = create_token(&world, "CI", "run").await;
    let env = on_branch("main", "20");
    let below = run_with(
        args(
            &world,
            &token,
            &["--suite", "Half", "--wait", "--fail-on", "below:60"],
        ),
        env.clone(),
    )
    .await;
    assert_eq!(below, Outcome::GateFailed);
    let above = run_with(
        args(
            &world,
            &token,
            &["--suite", "Half", "--wait", "--fail-on", "below:40"],
        ),
        env.clone(),
    )
    .await;
    assert_eq!(above, Outcome::Passed);
}

#[tokio::test]
async fn a_run_that_outlasts_the_timeout_is_an_infrastructure_failure() {
    let world = RunsWorld::with_speed(1.0).await;
    make_suite(&world, "Slow", &["Talks a long time [sim:pass]"]).await;
    let token = create_token(&world, "CI", "run").await;
    let outcome = run_with(
        args(
            &world,
            &token,
            &["--suite", "Slow", "--wait", "--timeout", "2s"],
        ),
        CiEnv::default(),
    )
    .await;
    assert_eq!((outcome, outcome.code()), (Outcome::Infra, 3));
}

#[tokio::test]
async fn an_unreachable_portal_or_one_answering_pages_gets_its_exit_code() {
    let world = RunsWorld::new().await;
    let token = create_token(&world, "CI", "run").await;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut unreachable = args(&world, &token, &["--suite", "Dental clinic receptionist"]);
    unreachable.url = dead;
    assert_eq!(
        run_with(unreachable, CiEnv::default()).await,
        Outcome::Infra
    );

    let html = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let html_url = format!("http://{}", html.local_addr().unwrap());
    let app =
        axum::Router::new().fallback(|| async { axum::response::Html("<html>Welcome</html>") });
    tokio::spawn(async move { axum::serve(html, app).await.unwrap() });
    let mut wrong = args(&world, &token, &["--suite", "Dental clinic receptionist"]);
    wrong.url = html_url;
    assert_eq!(run_with(wrong, CiEnv::default()).await, Outcome::Config);

    let mut not_a_url = args(&world, &token, &["--suite", "x"]);
    not_a_url.url = "ftp://example.com".into();
    assert_eq!(run_with(not_a_url, CiEnv::default()).await, Outcome::Config);
    let unknown = run_with(
        args(&world, &token, &["--suite", "Dental clinik receptionist"]),
        CiEnv::default(),
    )
    .await;
    assert_eq!(unknown, Outcome::Config);
    let bad_gate = run_with(
        args(&world, &token, &["--suite", "x", "--fail-on", "most"]),
        CiEnv::default(),
    )
    .await;
    assert_eq!(bad_gate, Outcome::Config);
}

#[tokio::test]
async fn a_wrong_scope_or_a_token_revoked_mid_wait_is_a_configuration_error() {
    let world = RunsWorld::with_speed(1.0).await;
    make_suite(&world, "Slow", &["Talks a long time [sim:pass]"]).await;
    let read = create_token(&world, "Dashboards", "read").await;
    let outcome = run_with(args(&world, &read, &["--suite", "Slow"]), CiEnv::default()).await;
    assert_eq!((outcome, outcome.code()), (Outcome::Config, 2));
    assert_eq!(world.sim.stats().runs_started, 0);

    let token = create_token(&world, "CI", "run").await;
    let ci = tokio::spawn(run_with(
        args(
            &world,
            &token,
            &["--suite", "Slow", "--wait", "--timeout", "5m"],
        ),
        CiEnv::default(),
    ));
    // Revoke once the run is started and being waited for.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while world.sim.stats().runs_started == 0 {
        assert!(tokio::time::Instant::now() < deadline);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM api_tokens WHERE name = 'CI'")
        .fetch_one(&world.app.db)
        .await
        .unwrap();
    world.admin.post(&format!("/tokens/{id}/revoke"), &[]).await;
    let outcome = tokio::time::timeout(Duration::from_secs(30), ci)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((outcome, outcome.code()), (Outcome::Config, 2));
}
