//! Comparing two runs built case by case, and the summaries `store_run` keeps for them.

use reqwest::StatusCode;
use ringside::auth::Role;

use crate::support::TestApp;
use crate::support::accounts::{member, setup};
use crate::support::built::{self, assert_summaries_match_attempts};

/// The HTML of the comparison section `key` (up to the next section).
fn section<'a>(html: &'a str, key: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{key}\""))
        .unwrap_or_else(|| panic!("a section {key}"));
    let rest = &html[start..];
    &rest[..rest.find("</section>").unwrap()]
}

#[tokio::test]
async fn a_constructed_pair_of_runs_is_classified_on_the_page() {
    let app = TestApp::spawn_with(crate::support::app::serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let suite = built::suite(&app.db, team_id, "Checkout", &["a", "b", "c", "d", "e"]).await;
    let pass = Some("pass");
    let fail = Some("fail");
    let base = built::run(
        &app.db,
        &suite,
        "base",
        2,
        &[
            ("a", 1, pass),
            ("b", 1, fail),
            ("c", 1, fail),
            ("d", 1, pass),
            ("d", 2, pass),
            ("e", 1, pass),
            ("f", 1, pass),
        ],
    )
    .await;
    let run = built::run(
        &app.db,
        &suite,
        "head",
        1,
        &[
            ("a", 1, fail),
            ("b", 1, pass),
            ("c", 1, Some("error")),
            ("d", 1, pass),
            ("d", 2, fail),
            ("e", 1, pass),
            ("g", 1, fail),
        ],
    )
    .await;
    assert_summaries_match_attempts(&app.db).await;

    // By default a run is compared with the previous run of its suite.
    let html = admin.page(&format!("/compare?run={run}")).await;
    assert!(
        html.contains(&format!("href=\"/runs/{base}\"")),
        "the base is the previous run"
    );
    for (key, case) in [
        ("new-failures", "Case a"),
        ("fixed", "Case b"),
        ("still-failing", "Case c"),
        ("flaky", "Case d"),
        ("still-passing", "Case e"),
        ("only-in-base", "Case f"),
        ("only-in-run", "Case g"),
    ] {
        let part = section(&html, key);
        assert!(part.contains(case), "{case} is under {key}");
        assert_eq!(part.matches("<tr>").count(), 2, "{key} holds one case");
    }
    assert!(!html.contains("id=\"pending\""), "no empty sections");

    // Each case links to both runs' attempts side by side.
    let link = format!("/compare/case?run={run}&#38;base={base}&#38;case=a");
    assert!(html.contains(&link));
    let side = admin
        .page(&format!("/compare/case?run={run}&base={base}&case=a"))
        .await;
    assert!(side.contains("Hello from base") && side.contains("Hello from head"));
    assert!(side.find("Hello from base").unwrap() < side.find("Hello from head").unwrap());
    assert!(side.contains("judged pass") && side.contains("judged fail"));

    // The first run has nothing to compare with.
    let first = admin.page(&format!("/compare?run={base}")).await;
    assert!(first.contains("first run of its suite"));

    // Another team's runs are not found, in either position.
    let other = ringside_other_team(&app).await;
    let (stranger, _) = member(&app, "eve@example.com", other, Role::Admin).await;
    for path in [
        format!("/compare?run={run}"),
        format!("/compare/case?run={run}&case=a"),
        format!("/suites/{}/trend", suite.suite_id),
        format!("/suites/{}/cases", suite.suite_id),
        format!("/suites/{}/flaky", suite.suite_id),
    ] {
        assert_eq!(
            stranger.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let own = built::suite(&app.db, other, "Theirs", &["x"]).await;
    let theirs = built::run(&app.db, &own, "theirs", 1, &[("x", 1, pass)]).await;
    let mixed = admin
        .get(&format!("/compare?run={run}&base={theirs}"))
        .await;
    assert_eq!(
        mixed.status(),
        StatusCode::NOT_FOUND,
        "another team's base run"
    );
}

async fn ringside_other_team(app: &TestApp) -> uuid::Uuid {
    crate::support::accounts::create_team(&app.db, "Other").await
}

#[tokio::test]
async fn store_run_rebuilds_the_summary_when_a_run_changes() {
    let (db, _database) = crate::support::db::fresh_database().await;
    let team_id = crate::support::accounts::create_team(&db, "QA").await;
    let suite = built::suite(&db, team_id, "Support", &["a", "b"]).await;
    built::run(
        &db,
        &suite,
        "r1",
        1,
        &[("a", 1, None), ("a", 2, None), ("b", 1, None)],
    )
    .await;
    let pending: i64 = sqlx::query_scalar("SELECT sum(pending) FROM run_case_results")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(pending, 3);

    // The same run again, now judged, with case b gone upstream.
    built::run(
        &db,
        &suite,
        "r1",
        1,
        &[("a", 1, Some("pass")), ("a", 2, Some("fail"))],
    )
    .await;
    let rows: Vec<(String, i32, i32, i32)> = sqlx::query_as(
        "SELECT test_case_revring_id, passed, failed, pending FROM run_case_results
         ORDER BY test_case_revring_id",
    )
    .fetch_all(&db)
    .await
    .unwrap();
    assert_eq!(rows, vec![("a".to_owned(), 1, 1, 0)]);
    assert_summaries_match_attempts(&db).await;
}
