//! A history worked out by hand, stored through the sync worker's own ingest (`store_run`):
//! the dashboard's pass rates and changes, what each range of the suite trend includes, which
//! statuses never count, and the order of "failing most".

use uuid::Uuid;

use crate::support::TestApp;
use crate::support::accounts::{Visitor, setup};
use crate::support::app::serve_args;
use crate::support::built::{self, BuiltSuite};
use crate::support::html::Page;

/// The runs of the "Checkout" suite (cases a, b, c) and of "Billing" (case z).
struct History {
    checkout: BuiltSuite,
    billing: BuiltSuite,
    /// Checkout's runs by name.
    runs: Vec<(&'static str, Uuid)>,
}

impl History {
    fn run(&self, name: &str) -> Uuid {
        self.runs.iter().find(|(n, _)| *n == name).unwrap().1
    }

    fn hrefs(&self, names: &[&str]) -> Vec<String> {
        let mut hrefs: Vec<String> = names
            .iter()
            .map(|name| format!("/runs/{}", self.run(name)))
            .collect();
        hrefs.sort();
        hrefs
    }
}

/// Checkout, pass rate per counted run (passed / judged attempts):
///
/// | run  | age | status    | a    | b | c          | rate          |
/// |------|-----|-----------|------|---|------------|---------------|
/// | r100 | 100 | completed | pass | pass | pass    | 3/3 = 100%    |
/// | r45  | 45  | completed | pass | fail | pass    | 2/3 = 66.7%   |
/// | r31  | 31  | failed    | pass | fail | fail ×2 | 1/4 = 25%     |
/// | r20  | 20  | cancelled | pass | fail | –       | 1/2 = 50%     |
/// | r10  | 10  | completed | fail | fail | pass    | 1/3 = 33.3%   |
/// | r5   | 5   | completed | pass | fail | pass ×2 | 3/4 = 75%     |
/// | r3   | 3   | running   | pass | pass | pass    | not counted   |
/// | r2   | 2   | completed | –    | –    | pending | not counted   |
/// | r1   | 1   | completed | pass | fail | error   | 1/3 = 33.3%   |
///
/// Billing: one run 2 days ago, z failed (0%).
async fn history(app: &TestApp, team_id: Uuid) -> History {
    let db = &app.db;
    let checkout = built::suite(db, team_id, "Checkout", &["a", "b", "c"]).await;
    let billing = built::suite(db, team_id, "Billing", &["z"]).await;
    let p = Some("pass");
    let f = Some("fail");
    let table: [(&str, i64, &str, Vec<built::AttemptSpec<'_>>); 9] = [
        (
            "r100",
            100,
            "completed",
            vec![("a", 1, p), ("b", 1, p), ("c", 1, p)],
        ),
        (
            "r45",
            45,
            "completed",
            vec![("a", 1, p), ("b", 1, f), ("c", 1, p)],
        ),
        (
            "r31",
            31,
            "failed",
            vec![("a", 1, p), ("b", 1, f), ("c", 1, f), ("c", 2, f)],
        ),
        ("r20", 20, "cancelled", vec![("a", 1, p), ("b", 1, f)]),
        (
            "r10",
            10,
            "completed",
            vec![("a", 1, f), ("b", 1, f), ("c", 1, p)],
        ),
        (
            "r5",
            5,
            "completed",
            vec![("a", 1, p), ("b", 1, f), ("c", 1, p), ("c", 2, p)],
        ),
        (
            "r3",
            3,
            "running",
            vec![("a", 1, p), ("b", 1, p), ("c", 1, p)],
        ),
        ("r2", 2, "completed", vec![("c", 1, None)]),
        (
            "r1",
            1,
            "completed",
            vec![("a", 1, p), ("b", 1, f), ("c", 1, Some("error"))],
        ),
    ];
    let mut runs = Vec::new();
    for (name, days, status, attempts) in table {
        let id = built::run_with_status(db, &checkout, name, days, status, &attempts).await;
        runs.push((name, id));
    }
    built::run(db, &billing, "z1", 2, &[("z", 1, f)]).await;
    History {
        checkout,
        billing,
        runs,
    }
}

async fn portal() -> (TestApp, Visitor, History) {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let history = history(&app, team_id).await;
    (app, admin, history)
}

#[tokio::test]
async fn the_dashboard_shows_exact_rates_changes_and_failing_most() {
    let (_app, admin, history) = portal().await;
    let page = Page::parse(&admin.page("/").await);
    assert_eq!(
        page.texts("table.dashboard thead th"),
        [
            "Suite",
            "Pass rate",
            "vs previous run",
            "vs 30 days ago",
            "Recent runs",
            "Last run"
        ]
    );

    // Latest counted run r1: 1/3. Previous counted run r5 (r2 and r3 do not count): 75%,
    // 33.3 − 75 = −41.7. The latest counted run at least 30 days old is r31: 25%, +8.3.
    let checkout = page.row("table.dashboard tbody tr", "Checkout");
    let figures: Vec<&str> = checkout.cells[1..4]
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(figures, ["33%", "−42 pts", "+8 pts"]);
    assert!(checkout.cells[2].has_class("change-down"));
    assert!(checkout.cells[3].has_class("change-up"));
    // The last run is the newest of any status: r1.
    assert_eq!(
        checkout.cells[5].href.as_deref(),
        Some(format!("/runs/{}", history.run("r1")).as_str())
    );
    // Seven counted runs on the sparkline.
    let spark = page.attrs("table.dashboard svg.sparkline", "aria-label");
    assert_eq!(
        spark[1], "Pass rate of the last 7 runs, oldest first: 100%, 67%, 25%, 50%, 33%, 75%, 33%",
        "{spark:?}"
    );

    // One run only: no change to show against anything.
    let billing = page.row("table.dashboard tbody tr", "Billing");
    let figures: Vec<&str> = billing.cells[1..4]
        .iter()
        .map(|c| c.text.as_str())
        .collect();
    assert_eq!(figures, ["0%", "—", "—"]);

    // Failing most over the last 10 counted runs, by runs not passed, then share, then name:
    // b failed in 6 of Checkout's 7, c in 2 of the 6 that ran it (r31, r1 error), then the
    // 1-run ties: z (1 of 1) before a (1 of 7).
    let failing: Vec<Vec<String>> = page
        .rows("table:not(.dashboard) tbody tr")
        .into_iter()
        .map(|row| row.cells.into_iter().map(|cell| cell.text).collect())
        .collect();
    assert_eq!(
        failing,
        [
            ["Case b", "Checkout", "6 of 7"],
            ["Case c", "Checkout", "2 of 6"],
            ["Case z", "Billing", "1 of 1"],
            ["Case a", "Checkout", "1 of 7"],
        ]
    );
}

#[tokio::test]
async fn each_trend_range_charts_exactly_its_counted_runs() {
    let (_app, admin, history) = portal().await;
    let id = history.checkout.suite_id;
    // (range, runs in it, pooled pass rate over them)
    let ranges: [(&str, &[&str], &str); 4] = [
        // r5 3/4 + r1 1/3 = 4/7 = 57.1%
        ("7d", &["r5", "r1"], "57%"),
        // + r20 1/2 + r10 1/3 = 6/12
        ("30d", &["r20", "r10", "r5", "r1"], "50%"),
        // + r45 2/3 + r31 1/4 = 9/19 = 47.4%
        ("90d", &["r45", "r31", "r20", "r10", "r5", "r1"], "47%"),
        // + r100 3/3 = 12/22 = 54.5%
        (
            "all",
            &["r100", "r45", "r31", "r20", "r10", "r5", "r1"],
            "55%",
        ),
    ];
    for (range, runs, rate) in ranges {
        let page = Page::parse(
            &admin
                .page(&format!("/suites/{id}/trend?range={range}"))
                .await,
        );
        let charts = page.select("svg.chart");
        assert_eq!(charts.len(), 3, "{range}: three charts");
        let mut linked: Vec<String> = charts[0]
            .select(&scraper::Selector::parse("a").unwrap())
            .filter_map(|link| link.value().attr("href").map(str::to_owned))
            .collect();
        linked.sort();
        assert_eq!(linked, history.hrefs(runs), "{range}: the runs charted");
        let stats: Vec<String> = page.texts(".stat");
        assert!(
            stats.contains(&format!("{rate} Pass rate over the range")),
            "{range}: {stats:?}"
        );
        let active = page.texts("nav.segmented a.active");
        assert_eq!(active.len(), 1, "{range}: one range is active");
    }
    // The running run and the one without verdicts are in no range.
    let all = admin.page(&format!("/suites/{id}/trend?range=all")).await;
    for excluded in ["r3", "r2"] {
        assert!(
            !all.contains(&format!("/runs/{}", history.run(excluded))),
            "{excluded} is not charted"
        );
    }
    // Billing's chart has its one run.
    let billing = Page::parse(
        &admin
            .page(&format!(
                "/suites/{}/trend?range=all",
                history.billing.suite_id
            ))
            .await,
    );
    assert_eq!(
        billing.count("svg.chart[aria-label='Pass rate per run'] circle"),
        1
    );
}
