//! Known issues: recorded and linked by members; while open, new failures of a linked case are
//! marked "known" (the run page and the dashboard tell them from new ones); resolving ends the
//! marking, reopening starts it again.

use reqwest::StatusCode;
use ringside::auth::Role;
use uuid::Uuid;

use super::{attempt_id, element, row_naming};
use crate::support::TestApp;
use crate::support::accounts::{create_team, location, member, setup};
use crate::support::app::serve_args;
use crate::support::built;

async fn marked(app: &TestApp, attempt: Uuid) -> bool {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM attempt_known_issues WHERE attempt_id = $1)")
        .bind(attempt)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn known_issue_marking_starts_and_stops_with_its_status() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let suite = built::suite(&app.db, team_id, "Booking", &["a"]).await;
    let sid = suite.suite_id;
    let (fail, pass) = (Some("fail"), Some("pass"));
    let before = built::run(&app.db, &suite, "before", 5, &[("a", 1, fail)]).await;

    // Bad input re-shows the form with what was typed and a plain explanation.
    let response = admin
        .post(
            "/known-issues",
            &[("title", "  "), ("ticket_url", "not a link")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("Give the issue a title."));
    assert!(html.contains("The ticket link must be a web address"));
    assert!(html.contains("value=\"not a link\""));

    let response = admin
        .post(
            "/known-issues",
            &[
                ("title", "Agent drops transfers"),
                (
                    "ticket_url",
                    "https://linear.app/acme/issue/VOX-12/drops-transfers",
                ),
            ],
        )
        .await;
    let issue_page = location(&response);
    let issue: Uuid = issue_page.rsplit('/').next().unwrap().parse().unwrap();
    let sid_text = sid.to_string();
    let response = admin
        .post(
            &format!("/known-issues/{issue}/cases"),
            &[("suite_id", &sid_text), ("case_id", "a")],
        )
        .await;
    assert_eq!(location(&response), format!("/suites/{sid}/cases/a"));
    let case = admin.page(&format!("/suites/{sid}/cases/a")).await;
    assert!(element(&case, "id=\"known-issues\"", "div").contains("Agent drops transfers"));
    let list = admin.page("/known-issues").await;
    let row = row_naming(&list, "Agent drops transfers");
    assert!(row.contains(">VOX-12</a>") && row.contains("Open"), "{row}");

    // A failure stored before the issue existed stays new; one arriving while open is known.
    assert!(!marked(&app, attempt_id(&app.db, before, "before-att-0").await).await);
    let during = built::run(
        &app.db,
        &suite,
        "during",
        3,
        &[("a", 1, fail), ("a", 2, pass)],
    )
    .await;
    let known = attempt_id(&app.db, during, "during-att-0").await;
    assert!(marked(&app, known).await);
    assert!(
        !marked(&app, attempt_id(&app.db, during, "during-att-1").await).await,
        "a pass is not marked"
    );
    let run = admin.page(&format!("/runs/{during}")).await;
    let row = element(&run, &format!("data-attempt=\"{known}\""), "tr");
    assert!(
        row.contains(">known</span>") && row.contains("Agent drops transfers"),
        "{row}"
    );
    assert!(run.contains("id=\"run-known-failures\">1 known"));
    assert!(run.contains("id=\"run-new-failures\">0 new"));
    let dashboard = admin.page("/").await;
    assert!(row_naming(&dashboard, "Case a").contains("known issue"));

    // Resolved: the earlier mark stays, a later failure is new again.
    let response = admin
        .post(
            &format!("/known-issues/{issue}/status"),
            &[("status", "resolved")],
        )
        .await;
    assert_eq!(location(&response), issue_page);
    let after = built::run(&app.db, &suite, "after", 2, &[("a", 1, fail)]).await;
    assert!(!marked(&app, attempt_id(&app.db, after, "after-att-0").await).await);
    assert!(marked(&app, known).await, "earlier marks stay");
    assert!(!row_naming(&admin.page("/").await, "Case a").contains("known issue"));

    // Reopened: marking starts again.
    admin
        .post(
            &format!("/known-issues/{issue}/status"),
            &[("status", "open")],
        )
        .await;
    let again = built::run(&app.db, &suite, "again", 1, &[("a", 1, Some("error"))]).await;
    assert!(marked(&app, attempt_id(&app.db, again, "again-att-0").await).await);
    let audit = admin.page("/audit").await;
    for action in [
        "known_issue.created",
        "known_issue.linked",
        "known_issue.resolved",
        "known_issue.reopened",
    ] {
        assert!(audit.contains(action), "{action} audited");
    }

    // Viewers read but change nothing; other teams see nothing.
    let (viewer, _) = member(&app, "vic@example.com", team_id, Role::Viewer).await;
    assert!(
        viewer
            .page("/known-issues")
            .await
            .contains("Agent drops transfers")
    );
    let refused = viewer
        .post(
            &format!("/known-issues/{issue}/status"),
            &[("status", "resolved")],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let refused = viewer.post("/known-issues", &[("title", "Mine")]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let rivals = create_team(&app.db, "Rivals").await;
    let (rival, _) = member(&app, "rita@example.com", rivals, Role::Admin).await;
    assert_eq!(rival.get(&issue_page).await.status(), StatusCode::NOT_FOUND);
    let response = rival
        .post(
            &format!("/known-issues/{issue}/cases"),
            &[("suite_id", &sid_text), ("case_id", "a")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(
        !rival
            .page("/known-issues")
            .await
            .contains("Agent drops transfers")
    );
}
