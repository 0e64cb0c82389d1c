//! Run labels on the pages: set from the start form, shown on the run page with the commit and
//! build as links, filtered on the runs page, narrowing the suite trend page and the dashboard.

use reqwest::StatusCode;
use serde_json::json;

use super::{Api, create_token, make_suite, wait_finished};
use crate::runs_pages::RunsWorld;

/// The label chips of a run page, each `<li class="run-label">…</li>` as its inner HTML.
fn label_items(html: &str) -> Vec<&str> {
    html.split("<li class=\"run-label\">")
        .skip(1)
        .map(|rest| &rest[..rest.find("</li>").expect("closed")])
        .collect()
}

#[tokio::test]
async fn labels_from_the_start_form_show_on_the_run_page_with_links() {
    let world = RunsWorld::new().await;
    let refused = world
        .submit_start(&[("branch", "main"), ("build_url", "javascript:alert(1)")])
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("must be a link starting with https://")
    );
    assert_eq!(world.sim.stats().runs_started, 0, "nothing started");

    let run_path = world
        .start_run(&[
            ("branch", "release/2.4"),
            ("commit", "3f2c1ab9e"),
            ("build_url", "https://ci.example.com/builds/42"),
            ("environment", "staging"),
            ("tags", "owner=voice-qa\nticket=QA-7"),
        ])
        .await;
    assert!(run_path.starts_with("/runs/"), "{run_path}");
    let html = world.admin.page(&run_path).await;
    let items = label_items(&html);
    let build = items
        .iter()
        .find(|i| i.contains(">build<"))
        .expect("the build label");
    assert!(
        build.contains("href=\"https://ci.example.com/builds/42\""),
        "{build}"
    );
    let branch = items
        .iter()
        .find(|i| i.contains("release/2.4"))
        .expect("the branch label");
    assert!(!branch.contains("<a "), "a branch is not a link");
    assert!(
        items.iter().any(|i| i.contains("QA-7")),
        "free tags are shown"
    );

    // The runs page filters by label, and keeps the filter on its links.
    let filtered = world.admin.page("/runs?label=branch%3Drelease%2F2.4").await;
    assert_eq!(
        filtered.matches("href=\"/runs/").count(),
        1,
        "only the labelled run"
    );
    let none = world.admin.page("/runs?label=branch%3Dnope").await;
    assert!(none.contains("No run carries the labels"));
    let bad = world.admin.page("/runs?label=Branch").await;
    assert!(bad.contains("not of the form key=value"));
}

#[tokio::test]
async fn the_trend_page_and_dashboard_narrow_to_a_branch() {
    let world = RunsWorld::new().await;
    let (suite, _) = make_suite(
        &world,
        "Checkout",
        &["Pays [sim:pass]", "Refunds [sim:fail]"],
    )
    .await;
    let api = Api::new(&world, &create_token(&world, "CI", "run").await);
    let (_, body) = api
        .post(
            &format!("/api/v1/suites/{suite}/runs"),
            &json!({"labels": {"branch": "main", "environment": "prod"}}),
        )
        .await;
    wait_finished(&api, body["data"]["id"].as_str().unwrap()).await;

    let narrowed = world
        .admin
        .page(&format!("/suites/{suite}/trend?branch=main"))
        .await;
    assert!(narrowed.contains("Counting only runs labelled branch “main”"));
    assert!(narrowed.contains("50%"), "the labelled run's pass rate");
    let empty = world
        .admin
        .page(&format!("/suites/{suite}/trend?branch=dev"))
        .await;
    assert!(empty.contains("No finished runs in this range."));
    let dashboard = world.admin.page("/?environment=prod").await;
    assert!(dashboard.contains("Counting only runs labelled environment “prod”"));
    let response = world.admin.get("/?branch=Bad%0Aline").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("Showing all runs"));
}
