//! Every trend page with no history and with a single run, and the shared trend view.

use crate::support::TestApp;
use crate::support::accounts::setup;
use crate::support::app::serve_args;
use crate::support::built;
use crate::support::html::Page;

#[tokio::test]
async fn a_team_without_keys_is_pointed_to_them() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, _) = setup(&app, "QA").await;
    let html = admin.page("/").await;
    assert!(
        html.contains("href=\"/keys\""),
        "the dashboard links to the keys page"
    );
    assert!(html.contains("Get started"));
}

#[tokio::test]
async fn every_page_renders_without_history() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let suite = built::suite(&app.db, team_id, "Billing line", &["a", "b"]).await;
    let id = suite.suite_id;

    let dashboard = admin.page("/").await;
    assert!(dashboard.contains("Billing line"));
    assert!(dashboard.contains("never run") && dashboard.contains("no finished runs"));
    assert!(dashboard.contains("No test case failed in recent runs."));
    assert!(!dashboard.contains("Get started"), "the team has a key");

    for range in ["7d", "30d", "90d", "all"] {
        let trend = admin
            .page(&format!("/suites/{id}/trend?range={range}"))
            .await;
        assert!(trend.contains("No finished runs in this range."), "{range}");
        assert!(!trend.contains("<svg class=\"chart\""));
    }
    let cases = admin.page(&format!("/suites/{id}/cases")).await;
    assert!(cases.contains("No results yet"));
    let flaky = admin.page(&format!("/suites/{id}/flaky")).await;
    assert!(flaky.contains("No results yet"));
    let show = admin.page(&format!("/suites/{id}")).await;
    for tab in ["trend", "cases", "flaky"] {
        assert!(
            show.contains(&format!("href=\"/suites/{id}/{tab}\"")),
            "suite page links {tab}"
        );
    }
}

#[tokio::test]
async fn every_page_renders_with_a_single_run() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let suite = built::suite(&app.db, team_id, "Booking line", &["a", "b"]).await;
    let id = suite.suite_id;
    let run = built::run(
        &app.db,
        &suite,
        "only",
        0,
        &[
            ("a", 1, Some("pass")),
            ("a", 2, Some("fail")),
            ("b", 1, Some("pass")),
        ],
    )
    .await;

    let dashboard = admin.page("/").await;
    assert!(dashboard.contains("67%"), "2 of 3 attempts passed");
    // One run at 2/3: a flat sparkline at 26 - 24 * 2/3 = 10.
    assert!(dashboard.contains("<polyline points=\"0,10 120,10\""));
    assert!(
        dashboard.contains(&format!("href=\"/runs/{run}\"")),
        "the last run is linked"
    );
    assert!(
        dashboard.contains("Case a"),
        "the mixed case is failing most"
    );

    let trend = admin.page(&format!("/suites/{id}/trend")).await;
    assert_eq!(
        trend.matches("<svg class=\"chart\"").count(),
        3,
        "three charts"
    );
    assert!(
        trend.contains(&format!("<a href=\"/runs/{run}\" aria-label=\"Run only")),
        "points link their run"
    );
    assert!(trend.contains("Run only"), "points name their run");
    // One run sits in the middle of the plot: x = 56 + 652 / 2.
    assert!(trend.contains("cx=\"382\""));
    // The pass-rate axis steps by 20 and labels the gridlines it draws; the attempts axis
    // counts whole attempts (3 at most here: 0, 1, 2, 3).
    for label in [">0%<", ">20%<", ">40%<", ">60%<", ">80%<", ">100%<"] {
        assert!(trend.contains(label), "{label}");
    }
    assert!(!trend.contains(">25%<") && !trend.contains(">75%<"));
    for label in [">1<", ">2<", ">3<"] {
        assert!(
            trend.contains(&format!("class=\"axis-label\"{label}")),
            "{label}"
        );
    }
    assert!(!trend.contains(">0.75<") && !trend.contains(">1.5<"));

    let cases = admin.page(&format!("/suites/{id}/cases")).await;
    let grid = Page::parse(&cases);
    let row_a = grid.row("table.grid tbody tr", "Case a");
    assert!(row_a.cells[2].has_class("cell-mixed"), "{row_a:?}");
    assert_eq!(row_a.cells[1].text, "100% 1/1", "a's one run is not a pass");
    let row_b = grid.row("table.grid tbody tr", "Case b");
    assert!(row_b.cells[2].has_class("cell-pass"), "{row_b:?}");
    assert_eq!(row_b.cells[1].text, "0% 0/1");
    assert!(cases.contains(&format!("/compare/case?run={run}&#38;case=a")));
    // Sorted by failure rate: the mixed case a (100%) before b (0%).
    assert!(cases.find("Case a").unwrap() < cases.find("Case b").unwrap());
    let by_name = admin
        .page(&format!("/suites/{id}/cases?sort=name&runs=500"))
        .await;
    assert!(by_name.contains("value=\"100\""), "at most 100 runs");

    let flaky = Page::parse(&admin.page(&format!("/suites/{id}/flaky")).await);
    for case in ["Case a", "Case b"] {
        let row = flaky.row("table tbody tr", case);
        assert_eq!(row.cells[1].text, "too little evidence", "{case}");
    }

    let compare = admin.page(&format!("/compare?run={run}")).await;
    assert!(compare.contains("first run of its suite"));
    let attempts = admin.page(&format!("/compare/case?run={run}&case=a")).await;
    assert!(attempts.contains("Attempt 1") && attempts.contains("Attempt 2"));
}

#[tokio::test]
async fn the_shared_trend_shows_no_private_links() {
    let (db, _database) = crate::support::db::fresh_database().await;
    let (_, state) = ringside::app::startup::build_router(&serve_args(&["--no-sync"]), db.clone())
        .await
        .unwrap();
    let team_id = crate::support::accounts::create_team(&db, "QA").await;
    let suite = built::suite(&db, team_id, "Shared line", &["a"]).await;
    let run = built::run(&db, &suite, "r1", 3, &[("a", 1, Some("pass"))]).await;

    let html = ringside::web::trends::suite::shared_suite_trend(&state, team_id, suite.suite_id)
        .await
        .unwrap()
        .0;
    assert!(html.contains("Shared line") && html.contains("<svg class=\"chart\""));
    assert!(html.contains("Run r1"), "runs are named");
    assert!(
        !html.contains(&format!("/runs/{run}")),
        "runs are not linked"
    );
    assert!(!html.contains("href=\"/suites"), "no links into the portal");
    assert!(
        !html.contains("href=\"/runs\"") && !html.contains("href=\"/team\""),
        "no navigation"
    );
    assert!(
        !html.contains("href=\"/keys\"") && !html.contains("key for"),
        "no team data"
    );
    assert!(html.contains("noindex"));

    let other = crate::support::accounts::create_team(&db, "Other").await;
    let refused =
        ringside::web::trends::suite::shared_suite_trend(&state, other, suite.suite_id).await;
    assert!(matches!(
        refused,
        Err(ringside::web::kit::error::AppError::NotFound)
    ));
}

/// The `<tr>` of the dashboard's suites table that names `suite`.
fn row_of<'a>(html: &'a str, suite: &str) -> &'a str {
    let at = html
        .find(&format!(">{suite}</a>"))
        .unwrap_or_else(|| panic!("{suite} is listed"));
    let start = html[..at].rfind("<tr>").expect("in a row");
    let end = at + html[at..].find("</tr>").expect("the row ends");
    &html[start..end]
}

#[tokio::test]
async fn the_dashboard_compares_with_a_month_ago_and_colours_by_outcome() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let billing = built::suite(&app.db, team_id, "Billing line", &["a", "b"]).await;
    let pass = Some("pass");
    let fail = Some("fail");
    // A history that began 28 days ago: half passed then, all pass now.
    built::run(
        &app.db,
        &billing,
        "old",
        28,
        &[("a", 1, pass), ("b", 1, fail)],
    )
    .await;
    built::run(
        &app.db,
        &billing,
        "mid",
        10,
        &[("a", 1, pass), ("b", 1, pass)],
    )
    .await;
    built::run(
        &app.db,
        &billing,
        "new",
        1,
        &[("a", 1, pass), ("b", 1, pass)],
    )
    .await;
    let booking = built::suite(&app.db, team_id, "Booking line", &["a", "b"]).await;
    built::run(
        &app.db,
        &booking,
        "bk",
        2,
        &[("a", 1, pass), ("b", 1, fail)],
    )
    .await;

    let html = admin.page("/").await;
    let billing_row = row_of(&html, "Billing line");
    assert!(
        billing_row.contains(">+50 pts</td>"),
        "vs 30 days ago: 100% now, 50% 28 days ago (vs the previous run: ±0): {billing_row}"
    );
    assert!(billing_row.contains("badge-pass"), "{billing_row}");
    let booking_row = row_of(&html, "Booking line");
    assert!(
        booking_row.contains("badge-mixed") && !booking_row.contains("badge-pass"),
        "a completed run at 50% is not green: {booking_row}"
    );
    // This week: 2 runs, 3 of 4 attempts passed; last week: 1 run, 2 of 2.
    assert!(html.contains("<div class=\"stat-value\" id=\"runs-this-week\">2</div>"));
    assert!(html.contains("1 run last week"), "{html}");
    assert!(html.contains("<div class=\"stat-value\" id=\"rate-this-week\">75%</div>"));
    assert!(html.contains("−25 pts vs last week (100%)"), "{html}");
}
