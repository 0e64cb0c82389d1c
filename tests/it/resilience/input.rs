//! NUL bytes and other control characters in every form field and query: a plain 400 naming
//! the field, nothing stored, never a 500.

use reqwest::StatusCode;
use sqlx::PgPool;

use super::error_panel_text;
use crate::support::TestApp;
use crate::support::accounts::{ADMIN_EMAIL, PASSWORD, Visitor, setup};

/// Rows in the tables a form could write to.
async fn stored(db: &PgPool) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "teams",
        "users",
        "api_keys",
        "invitations",
        "run_starts",
        "share_links",
    ] {
        let count: i64 = sqlx::query_scalar(&format!("SELECT count(*) FROM {table}"))
            .fetch_one(db)
            .await
            .unwrap();
        counts.push(count);
    }
    counts
}

/// Posts `fields` with `poisoned` holding a NUL byte; expects the plain refusal naming it.
async fn refused(visitor: &Visitor, path: &str, fields: &[(&str, &str)], poisoned: &str) {
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|&(name, value)| (name, if name == poisoned { "a\0b" } else { value }))
        .collect();
    let response = visitor.post(path, &fields).await;
    assert_eq!(
        response.status(),
        StatusCode::BAD_REQUEST,
        "POST {path} with a NUL in {poisoned}"
    );
    let text = error_panel_text(&response.text().await.unwrap());
    assert!(
        text.contains(&format!(
            "The field “{poisoned}” contains a control character"
        )),
        "POST {path}, field {poisoned}: {text}"
    );
}

#[tokio::test]
async fn nul_bytes_in_any_form_field_are_refused_by_name_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let setup_form = [
        ("team_name", "QA"),
        ("display_name", "Ada"),
        ("email", ADMIN_EMAIL),
        ("password", PASSWORD),
    ];
    let first = Visitor::new(&app);
    for (field, _) in setup_form {
        refused(&first, "/setup", &setup_form, field).await;
    }
    assert_eq!(stored(&app.db).await, vec![0, 0, 0, 0, 0, 0]);

    let (admin, _) = setup(&app, "QA").await;
    let before = stored(&app.db).await;
    let some_id = uuid::Uuid::new_v4().to_string();
    let forms: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/login".into(),
            vec![
                ("email", ADMIN_EMAIL),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        ),
        ("/teams".into(), vec![("name", "Second team")]),
        ("/teams/switch".into(), vec![("team_id", &some_id)]),
        (
            "/team/invitations".into(),
            vec![("email", "bo@example.com"), ("role", "member")],
        ),
        (
            format!("/team/members/{some_id}/role"),
            vec![("role", "viewer")],
        ),
        (
            "/keys".into(),
            vec![("label", "staging"), ("secret", "rr_test_secret")],
        ),
        (
            format!("/keys/{some_id}/rotate"),
            vec![("secret", "rr_new")],
        ),
        (
            format!("/suites/{some_id}/runs"),
            vec![("form_token", &some_id), ("name", "nightly")],
        ),
        (
            "/share".into(),
            vec![
                ("target_kind", "run"),
                ("target_id", &some_id),
                ("expires", "7d"),
            ],
        ),
        (
            format!("/invite/{some_id}"),
            vec![
                ("display_name", "Bo"),
                ("email", "bo@example.com"),
                ("password", PASSWORD),
            ],
        ),
    ];
    for (path, fields) in &forms {
        for (field, _) in fields {
            refused(&admin, path, fields, field).await;
        }
    }
    assert_eq!(stored(&app.db).await, before, "nothing was stored");
    // The session survived the refusals: the admin is still signed in.
    assert_eq!(admin.get("/account").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn nul_bytes_in_queries_and_paths_are_refused_not_sent_to_postgres() {
    let app = TestApp::spawn().await;
    let (admin, _) = setup(&app, "QA").await;
    for (path, field) in [
        ("/search?q=%00", "q"),
        ("/search?q=refund&verdict=%00", "verdict"),
        ("/compare/case?case=%00", "case"),
        ("/runs?page=1%00", "page"),
        ("/login?next=/%00", "next"),
    ] {
        let response = admin.get(path).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "GET {path}");
        let text = error_panel_text(&response.text().await.unwrap());
        assert!(text.contains(&format!("“{field}”")), "GET {path}: {text}");
    }
    let response = admin.get("/s/abc%00def").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let text = error_panel_text(&response.text().await.unwrap());
    assert!(
        text.contains("The address contains a control character"),
        "{text}"
    );
}

#[tokio::test]
async fn control_characters_in_json_are_refused_with_a_json_answer() {
    let app = TestApp::spawn().await;
    let response = app
        .client
        .post(app.url("/setup"))
        .header("content-type", "application/json")
        .body(r#"{"tags":["ok","fine"],"team":{"name":"QA","labels":["ok","\u001b[31m"]}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let text = response.text().await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&text).expect(&text);
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("“team.labels[1]”"), "{message}");
}

#[tokio::test]
async fn tabs_and_line_breaks_still_pass() {
    let app = TestApp::spawn().await;
    let (admin, _) = setup(&app, "QA").await;
    let response = admin.post("/teams", &[("name", "Night\tshift")]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}
