//! Reviews change every count built on the effective result — run counters, the dashboard,
//! the case grid, flake scores, comparisons and exports — exactly as computed by hand, while
//! the judge's numbers stay one click away and the summaries are shifted, not rebuilt.

use reqwest::StatusCode;
use uuid::Uuid;

use super::{assert_shifts_match_reviews, attempt_id, element, row_naming};
use crate::support::TestApp;
use crate::support::accounts::{Visitor, location, setup};
use crate::support::app::serve_args;
use crate::support::built::{self, BuiltSuite};

struct History {
    suite: BuiltSuite,
    r2: Uuid,
    r3: Uuid,
}

/// r1: a pass, b fail · r2: a fail, b fail · r3: a pass, a fail, b pass.
async fn history(app: &TestApp, team_id: Uuid) -> History {
    let suite = built::suite(&app.db, team_id, "Checkout", &["a", "b"]).await;
    let (pass, fail) = (Some("pass"), Some("fail"));
    built::run(&app.db, &suite, "r1", 3, &[("a", 1, pass), ("b", 1, fail)]).await;
    let r2 = built::run(&app.db, &suite, "r2", 2, &[("a", 1, fail), ("b", 1, fail)]).await;
    let r3 = built::run(
        &app.db,
        &suite,
        "r3",
        1,
        &[("a", 1, pass), ("a", 2, fail), ("b", 1, pass)],
    )
    .await;
    History { suite, r2, r3 }
}

async fn review(who: &Visitor, run: Uuid, attempt: Uuid, kind: &str, comment: &str) {
    let response = who
        .post(
            &format!("/runs/{run}/attempts/{attempt}/review"),
            &[("kind", kind), ("comment", comment), ("ticket_url", "")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "review saved");
    assert_eq!(
        location(&response),
        format!("/runs/{run}/attempts/{attempt}")
    );
}

fn text_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("#{id}"));
    let start = html[at..].find('>').unwrap() + at + 1;
    let end = html[start..].find('<').unwrap() + start;
    html[start..end].trim().to_owned()
}

#[tokio::test]
async fn reviews_change_counts_grid_flake_scores_comparison_and_exports_as_computed() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let h = history(&app, team_id).await;
    let sid = h.suite.suite_id;
    let r2_a1 = attempt_id(&app.db, h.r2, "r2-att-0").await;
    let r3_b1 = attempt_id(&app.db, h.r3, "r3-att-2").await;
    review(
        &admin,
        h.r2,
        r2_a1,
        "false_failure",
        "The agent did confirm the booking.",
    )
    .await;
    review(
        &admin,
        h.r3,
        r3_b1,
        "false_pass",
        "Never asked for the card number.",
    )
    .await;
    assert_shifts_match_reviews(&app.db).await;

    // The judge's verdicts are kept as RevRing sent them.
    let kept: Vec<String> =
        sqlx::query_scalar("SELECT result FROM attempts WHERE id IN ($1, $2) ORDER BY result")
            .bind(r2_a1)
            .bind(r3_b1)
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(kept, ["fail", "pass"]);

    // Run r2: judged 0 passed, 2 failed; effective 1 and 1.
    let run = admin.page(&format!("/runs/{}", h.r2)).await;
    assert_eq!(text_of(&run, "run-passed"), "1 passed");
    assert_eq!(text_of(&run, "run-failed"), "1 failed");
    assert_eq!(text_of(&run, "run-pass-rate"), "50%");
    let row = element(&run, &format!("data-attempt=\"{r2_a1}\""), "tr");
    assert!(
        row.contains("reviewed as false failure by Ada Admin"),
        "{row}"
    );
    let judged = admin.page(&format!("/runs/{}?verdicts=judged", h.r2)).await;
    assert_eq!(text_of(&judged, "run-passed"), "0 passed");
    assert_eq!(text_of(&judged, "run-pass-rate"), "0%");

    // Dashboard: the latest run r3 passes 1 of 3 attempts (judged 2 of 3); "failing most" over
    // r1..r3: a fails in 1 run (judged 2), b in 3 (judged 2).
    let dashboard = admin.page("/").await;
    assert!(dashboard.contains("id=\"verdict-note\""));
    let suite_row = row_naming(&dashboard, "Checkout");
    assert!(suite_row.contains(">33%<"), "{suite_row}");
    assert!(row_naming(&dashboard, "Case a").contains("1 of 3"));
    assert!(row_naming(&dashboard, "Case b").contains("3 of 3"));
    let dashboard = admin.page("/?verdicts=judged").await;
    assert!(row_naming(&dashboard, "Checkout").contains(">67%<"));
    assert!(row_naming(&dashboard, "Case a").contains("2 of 3"));
    assert!(row_naming(&dashboard, "Case b").contains("2 of 3"));

    // Case grid: a fails in 1 of 3 runs (judged 2 of 3); b in 3 of 3 (judged 2 of 3).
    let grid = admin.page(&format!("/suites/{sid}/cases")).await;
    let a = row_naming(&grid, "Case a");
    assert!(a.contains("33%") && a.contains("1/3"), "{a}");
    let b = row_naming(&grid, "Case b");
    assert!(b.contains("100%") && b.contains("3/3"), "{b}");
    let grid = admin
        .page(&format!("/suites/{sid}/cases?verdicts=judged"))
        .await;
    assert!(row_naming(&grid, "Case a").contains("2/3"));
    assert!(row_naming(&grid, "Case b").contains("2/3"));

    // Flake score of b: fail, fail, fail has no flip (judged fail, fail, pass: 1 of 2).
    let flaky = admin.page(&format!("/suites/{sid}/flaky")).await;
    let b = row_naming(&flaky, "Case b");
    assert!(b.contains(">0 of 2<") && b.contains("0.00"), "{b}");
    let flaky = admin
        .page(&format!("/suites/{sid}/flaky?verdicts=judged"))
        .await;
    let b = row_naming(&flaky, "Case b");
    assert!(b.contains(">1 of 2<") && b.contains("0.50"), "{b}");

    // Comparison r3 against r2.
    let compare = admin.page(&format!("/compare?run={}", h.r3)).await;
    let a = row_naming(&compare, "Case a");
    assert!(
        a.contains("pass · 1/1 passed") && a.contains("mixed · 1/2 passed"),
        "{a}"
    );
    let b = row_naming(&compare, "Case b");
    assert!(
        !b.contains("pass · 1/1 passed"),
        "b counts as failed in r3: {b}"
    );
    let compare = admin
        .page(&format!("/compare?run={}&verdicts=judged", h.r3))
        .await;
    assert!(row_naming(&compare, "Case a").contains("fail · 0/1 passed"));
    assert!(row_naming(&compare, "Case b").contains("pass · 1/1 passed"));

    // Exports carry both verdicts.
    let csv = admin.page(&format!("/runs/{}/export.csv", h.r2)).await;
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let a1 = rows
        .iter()
        .find(|r| &r[col("revring_attempt_id")] == "r2-att-0")
        .unwrap();
    assert_eq!(&a1[col("result")], "fail");
    assert_eq!(&a1[col("effective_result")], "pass");
    assert_eq!(&a1[col("review")], "false_failure");
    let b1 = rows
        .iter()
        .find(|r| &r[col("revring_attempt_id")] == "r2-att-1")
        .unwrap();
    assert_eq!(&b1[col("effective_result")], "fail");
    let json: serde_json::Value =
        serde_json::from_str(&admin.page(&format!("/runs/{}/export.json", h.r2)).await).unwrap();
    let counts = &json["run"]["attempts"];
    assert_eq!(counts["judgedPassed"], 0);
    assert_eq!(counts["effectivePassed"], 1);
    assert_eq!(counts["effectiveFailed"], 1);
    let a1 = json["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == "r2-att-0")
        .unwrap();
    assert_eq!(a1["judgedResult"], "fail");
    assert_eq!(a1["effectiveResult"], "pass");
    assert_eq!(a1["review"]["kind"], "false_failure");
    let xml = admin.page(&format!("/runs/{}/export.xml", h.r2)).await;
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(doc.root_element().attribute("failures"), Some("1"));

    // The case page shows both verdicts per run and the review.
    let case = admin.page(&format!("/suites/{sid}/cases/a")).await;
    let r2_row = element(&case, &format!("data-run=\"{}\"", h.r2), "tr");
    assert!(
        r2_row.contains("pass 1/1") && r2_row.contains("fail 0/1"),
        "{r2_row}"
    );
    assert!(case.contains("The agent did confirm the booking."));

    // Changing and removing reviews shifts the summaries back, exactly.
    review(&admin, h.r2, r2_a1, "flaky", "On second thought.").await;
    let response = admin
        .post(
            &format!("/runs/{}/attempts/{r3_b1}/review/delete", h.r3),
            &[],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_shifts_match_reviews(&app.db).await;
    let dashboard = admin.page("/").await;
    assert!(row_naming(&dashboard, "Checkout").contains(">67%<"));
    let deltas: Vec<i32> = sqlx::query_scalar("SELECT review_pass_delta FROM runs")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(deltas.iter().all(|d| *d == 0), "{deltas:?}");

    // History keeps every change; the audit log has each.
    let attempt = admin
        .page(&format!("/runs/{}/attempts/{r2_a1}", h.r2))
        .await;
    let history = element(&attempt, "id=\"review-history\"", "ol");
    assert_eq!(history.matches("<li>").count(), 2, "{history}");
    assert!(history.contains("set it to false failure") && history.contains("set it to flaky"));
    let audit = admin.page("/audit").await;
    assert_eq!(audit.matches("attempt.reviewed").count(), 3);
    assert_eq!(audit.matches("attempt.review_removed").count(), 1);
}

#[tokio::test]
async fn a_reviewed_attempt_stored_again_keeps_the_summaries_exact() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let h = history(&app, team_id).await;
    let r2_a1 = attempt_id(&app.db, h.r2, "r2-att-0").await;
    review(&admin, h.r2, r2_a1, "false_failure", "").await;
    // RevRing re-judges: the attempt now passes, so the review changes nothing any more.
    built::run(
        &app.db,
        &h.suite,
        "r2",
        2,
        &[("a", 1, Some("pass")), ("b", 1, Some("fail"))],
    )
    .await;
    assert_shifts_match_reviews(&app.db).await;
    let delta: i32 = sqlx::query_scalar("SELECT review_pass_delta FROM runs WHERE id = $1")
        .bind(h.r2)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(delta, 0);
    // And fails again: the review counts once more.
    built::run(
        &app.db,
        &h.suite,
        "r2",
        2,
        &[("a", 1, Some("fail")), ("b", 1, Some("fail"))],
    )
    .await;
    assert_shifts_match_reviews(&app.db).await;
    let run = admin.page(&format!("/runs/{}", h.r2)).await;
    assert_eq!(text_of(&run, "run-passed"), "1 passed");
}
