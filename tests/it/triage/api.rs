//! Triage over the JSON API: reviews (one and bulk) with judged and effective results on runs
//! and attempts, known issues; read tokens are refused.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::attempt_id;
use crate::api::{input_value, read};
use crate::support::TestApp;
use crate::support::accounts::{Visitor, setup};
use crate::support::app::serve_args;
use crate::support::built;

/// A client with one token (made on the tokens page by `admin`), on a portal without the sync
/// worker, so hand-built runs stay as stored.
struct Api {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl Api {
    async fn new(app: &TestApp, admin: &Visitor, name: &str, scope: &str) -> Self {
        let response = admin
            .post(
                "/tokens",
                &[("name", name), ("scope", scope), ("expires", "90d")],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let token = input_value(&response.text().await.unwrap(), "new-token");
        Self {
            base: app.url(""),
            token,
            client: reqwest::Client::new(),
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        read(request.send().await.unwrap()).await
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send(Method::POST, path, Some(body.clone())).await
    }
}

async fn send(api: &Api, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    api.send(method, path, body).await
}

#[tokio::test]
async fn reviews_and_known_issues_over_the_api() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let runner = Api::new(&app, &admin, "ci", "run").await;
    let reader = Api::new(&app, &admin, "dash", "read").await;
    let suite = built::suite(&app.db, team_id, "Payments", &[]).await;
    let run = built::run(
        &app.db,
        &suite,
        "api",
        0,
        &[("a", 1, Some("fail")), ("b", 1, Some("pass"))],
    )
    .await;
    let a1 = attempt_id(&app.db, run, "api-att-0").await;
    let b1 = attempt_id(&app.db, run, "api-att-1").await;
    let review_path = format!("/api/v1/attempts/{a1}/review");
    let body = json!({
        "kind": "false_failure",
        "comment": "Booking was confirmed",
        "ticket_url": "https://github.com/acme/agent/issues/4"
    });

    let (status, refused) = send(&reader, Method::PUT, &review_path, Some(body.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let (status, bad) = send(
        &runner,
        Method::PUT,
        &review_path,
        Some(json!({"kind": "False Failure"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Choose what the review says")
    );

    let (status, saved) = send(&runner, Method::PUT, &review_path, Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["data"]["kind"], "false_failure");
    assert_eq!(saved["data"]["judged_result"], "fail");
    assert_eq!(saved["data"]["effective_result"], "pass");

    let (_, got) = runner.get(&format!("/api/v1/runs/{run}")).await;
    let run_json = &got["data"];
    assert_eq!(run_json["judged_passed"], 1);
    assert_eq!(run_json["judged_failed"], 1);
    assert_eq!(run_json["effective_passed"], 2);
    assert_eq!(run_json["effective_failed"], 0);
    let a = run_json["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == a1.to_string())
        .unwrap();
    assert_eq!(a["judged_result"], "fail");
    assert_eq!(a["effective_result"], "pass");
    let (_, detail) = runner.get(&format!("/api/v1/attempts/{a1}")).await;
    assert_eq!(detail["data"]["effective_result"], "pass");
    // The portal names the token as the reviewer.
    let page = admin.page(&format!("/runs/{run}/attempts/{a1}")).await;
    assert!(page.contains("reviewed as false failure by API token “ci”"));

    let (status, bulk) = runner
        .post(
            &format!("/api/v1/runs/{run}/reviews"),
            &json!({"attempt_ids": [b1], "kind": "false_pass"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{bulk}");
    assert_eq!(bulk["data"]["reviewed"], 1);
    let (status, _) = send(&runner, Method::DELETE, &review_path, None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, got) = runner.get(&format!("/api/v1/runs/{run}")).await;
    assert_eq!(got["data"]["effective_passed"], 0);
    assert_eq!(got["data"]["effective_failed"], 2);
    let (status, _) = runner
        .post(
            &format!("/api/v1/runs/{run}/reviews"),
            &json!({"attempt_ids": [uuid::Uuid::new_v4()], "kind": "flaky"}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, created) = runner
        .post(
            "/api/v1/known-issues",
            &json!({"title": "Card reader times out", "ticket_url": "https://acme.atlassian.net/browse/PAY-9"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["data"]["status"], "open");
    let (status, _) = reader
        .post("/api/v1/known-issues", &json!({"title": "Nope"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, list) = reader.get("/api/v1/known-issues").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["data"][0]["title"], "Card reader times out");
    assert_eq!(list["data"].as_array().unwrap().len(), 1);
}
