//! Bulk reviews are one transaction; bad input is explained; viewers are refused; another
//! team's attempt is not found; share links show reviews read-only.

use reqwest::StatusCode;
use ringside::auth::Role;
use uuid::Uuid;

use super::{assert_shifts_match_reviews, attempt_id, element};
use crate::support::TestApp;
use crate::support::accounts::{create_team, location, member, setup};
use crate::support::app::{new_client, serve_args};
use crate::support::built;
use crate::views::share::create_link;

/// A run of 10 cases × 5 attempts, all failed; returns it with its attempts' ids.
async fn fifty_failures(app: &TestApp, team_id: Uuid) -> (built::BuiltSuite, Uuid, Vec<Uuid>) {
    let suite = built::suite(&app.db, team_id, "Support line", &[]).await;
    let cases: Vec<String> = (0..10).map(|i| format!("c{i}")).collect();
    let spec: Vec<built::AttemptSpec> = cases
        .iter()
        .flat_map(|case| (1..=5).map(move |n| (case.as_str(), n, Some("fail"))))
        .collect();
    let run = built::run(&app.db, &suite, "big", 1, &spec).await;
    let mut ids = Vec::new();
    for i in 0..50 {
        ids.push(attempt_id(&app.db, run, &format!("big-att-{i}")).await);
    }
    (suite, run, ids)
}

async fn kinds(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT kind FROM attempt_reviews ORDER BY kind")
        .fetch_all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_bulk_review_of_fifty_attempts_is_one_transaction() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let (suite, run, ids) = fifty_failures(&app, team_id).await;
    let texts: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    let form = |kind: &'static str, attempts: &[String]| {
        let mut fields: Vec<(&str, String)> =
            attempts.iter().map(|id| ("attempt", id.clone())).collect();
        fields.push(("kind", kind.to_owned()));
        fields.push(("comment", "Judge misheard the date".to_owned()));
        fields.push((
            "ticket_url",
            "https://acme.atlassian.net/browse/QA-7".to_owned(),
        ));
        fields
    };
    let fields = form("false_failure", &texts);
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = admin.post(&format!("/runs/{run}/reviews"), &borrowed).await;
    assert_eq!(location(&response), format!("/runs/{run}"));
    assert_eq!(kinds(&app).await, vec!["false_failure"; 50]);
    assert_shifts_match_reviews(&app.db).await;
    let page = admin.page(&format!("/runs/{run}")).await;
    assert!(page.contains("Reviewed 50 attempts."));
    assert_eq!(
        page.matches(">QA-7</a>").count(),
        50,
        "ticket links show their key"
    );
    let shown: (String, String) = {
        let passed = element(&page, "id=\"run-passed\"", "span");
        let failed = element(&page, "id=\"run-failed\"", "span");
        (passed.to_owned(), failed.to_owned())
    };
    assert!(
        shown.0.contains(">50 passed<") && shown.1.contains(">0 failed<"),
        "{shown:?}"
    );
    let audit = admin.page("/audit").await;
    assert_eq!(
        audit.matches("attempt.reviewed").count(),
        1,
        "one entry for the batch"
    );

    // 49 of this run and one of another run: nothing at all is written.
    let other = built::run(&app.db, &suite, "other", 0, &[("c0", 1, Some("fail"))]).await;
    let stranger = attempt_id(&app.db, other, "other-att-0").await;
    let mut mixed = texts[..49].to_vec();
    mixed.push(stranger.to_string());
    let fields = form("flaky", &mixed);
    let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = admin.post(&format!("/runs/{run}/reviews"), &borrowed).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        kinds(&app).await,
        vec!["false_failure"; 50],
        "all or nothing"
    );
    let history: i64 = sqlx::query_scalar("SELECT count(*) FROM attempt_review_history")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(history, 50);

    // Bad input is explained and changes nothing.
    let response = admin
        .post(&format!("/runs/{run}/reviews"), &[("kind", "flaky")])
        .await;
    assert_eq!(location(&response), format!("/runs/{run}"));
    let page = admin.page(&format!("/runs/{run}")).await;
    assert!(page.contains("Select the attempts to review first."));
    let one = ids[0].to_string();
    let response = admin
        .post(
            &format!("/runs/{run}/reviews"),
            &[
                ("attempt", &one),
                ("kind", "flaky"),
                ("ticket_url", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = admin.page(&format!("/runs/{run}")).await;
    assert!(page.contains("The ticket link must be a web address starting with https://."));
    let response = admin
        .post(
            &format!("/runs/{run}/attempts/{one}/review"),
            &[("kind", "wrong")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = admin.page(&format!("/runs/{run}/attempts/{one}")).await;
    assert!(page.contains("Choose what the review says"));
    assert_eq!(kinds(&app).await, vec!["false_failure"; 50]);
}

#[tokio::test]
async fn viewers_cannot_review_other_teams_get_404_share_links_read_only() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let suite = built::suite(&app.db, team_id, "Billing", &[]).await;
    let run = built::run(&app.db, &suite, "r", 0, &[("a", 1, Some("fail"))]).await;
    let attempt = attempt_id(&app.db, run, "r-att-0").await;
    let path = format!("/runs/{run}/attempts/{attempt}/review");
    let review = [("kind", "false_failure"), ("comment", "Misheard")];
    assert_eq!(
        admin.post(&path, &review).await.status(),
        StatusCode::SEE_OTHER
    );

    let (viewer, _) = member(&app, "vic@example.com", team_id, Role::Viewer).await;
    let response = viewer.post(&path, &[("kind", "confirmed_bug")]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Your role does not allow this action.")
    );
    let response = viewer.post(&format!("{path}/delete"), &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let one = attempt.to_string();
    let response = viewer
        .post(
            &format!("/runs/{run}/reviews"),
            &[("attempt", &one), ("kind", "flaky")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let kinds: Vec<String> = sqlx::query_scalar("SELECT kind FROM attempt_reviews")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert_eq!(kinds, ["false_failure"], "the viewer changed nothing");
    let page = viewer
        .page(&format!("/runs/{run}/attempts/{attempt}"))
        .await;
    assert!(page.contains("judged fail · reviewed as false failure by Ada Admin"));
    assert!(!page.contains("id=\"review-form\""));
    assert!(
        !viewer
            .page(&format!("/runs/{run}"))
            .await
            .contains("id=\"bulk-review\"")
    );

    let other_team = create_team(&app.db, "Rivals").await;
    let (rival, _) = member(&app, "rita@example.com", other_team, Role::Admin).await;
    assert_eq!(
        rival.post(&path, &[("kind", "flaky")]).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        rival
            .get(&format!("/suites/{}/cases/a", suite.suite_id))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let link = create_link(&admin, "run", run, "7d").await;
    let shared = &link[link.find("/s/").unwrap()..];
    let client = new_client();
    let html = client
        .get(app.url(shared))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let row = element(&html, &format!("data-attempt=\"{attempt}\""), "tr");
    assert!(
        row.contains("reviewed as false failure by Ada Admin"),
        "{row}"
    );
    assert!(!html.contains("id=\"bulk-review\"") && !html.contains("type=\"checkbox\""));
    let html = client
        .get(app.url(&format!("{shared}/runs/{run}/attempts/{attempt}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("reviewed as false failure"));
    assert!(!html.contains("id=\"review-form\""));
}
