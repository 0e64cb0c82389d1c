//! Schedules and alerts through `/api/v1`: bodies as the issue spells them, scopes (`run` for
//! schedules, `admin` for channels and rules), the signing secret answered once, plain-words
//! errors, and another team's objects not found.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::{Api, create_token, read};
use crate::support::runs::RunsWorld;

async fn first_suite(world: &RunsWorld) -> Uuid {
    sqlx::query_scalar(
        "SELECT id FROM suites WHERE team_id = $1 AND test_case_count > 0 ORDER BY name LIMIT 1",
    )
    .bind(world.team_id)
    .fetch_one(&world.app.db)
    .await
    .unwrap()
}

async fn send(api: &Api, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut request = api.request(method, path);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    if response.status() == StatusCode::NO_CONTENT {
        return (StatusCode::NO_CONTENT, Value::Null);
    }
    read(response).await
}

#[tokio::test]
async fn schedules_are_managed_with_a_run_token() {
    let world = RunsWorld::new().await;
    let suite = first_suite(&world).await;
    let run = Api::new(&world, &create_token(&world, "ci", "run").await);
    let read_only = Api::new(&world, &create_token(&world, "dash", "read").await);
    let path = format!("/api/v1/suites/{suite}/schedules");
    let body = json!({"name": "Morning", "cron": "30 6 * * 1-5", "timezone": "Europe/Paris",
                      "labels": {"environment": "production"}});
    let (status, refused) = read_only.post(&path, &body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(refused["error"]["code"], "insufficient_scope");

    let (status, created) = run.post(&path, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let schedule = &created["data"];
    assert_eq!(schedule["cron"], "30 6 * * 1-5");
    assert_eq!(schedule["labels"]["environment"], "production");
    assert_eq!(schedule["next_fire_times"].as_array().unwrap().len(), 5);
    let id = schedule["id"].as_str().unwrap().to_owned();

    let (status, bad) = run
        .post(
            &path,
            &json!({"name": "Bad", "cron": "whenever", "timezone": "UTC"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("five fields")
    );

    let (_, listed) = read_only.get(&path).await;
    assert_eq!(listed["data"].as_array().unwrap().len(), 1);

    let one = format!("/api/v1/schedules/{id}");
    let (status, paused) = send(&run, Method::PATCH, &one, Some(json!({"paused": true}))).await;
    assert_eq!(status, StatusCode::OK, "{paused}");
    assert_eq!(paused["data"]["paused"], true);
    assert!(
        paused["data"]["next_fire_times"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let change = json!({"paused": false, "cron": "0 */6 * * *", "timezone": "UTC"});
    let (_, resumed) = send(&run, Method::PATCH, &one, Some(change)).await;
    assert_eq!(resumed["data"]["paused"], false);
    assert_eq!(resumed["data"]["cron"], "0 */6 * * *");
    assert_eq!(
        resumed["data"]["next_fire_times"].as_array().unwrap().len(),
        5
    );

    let (status, _) = send(&run, Method::DELETE, &one, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, gone) = send(&run, Method::PATCH, &one, Some(json!({"paused": true}))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(gone["error"]["code"], "not_found");
}

#[tokio::test]
async fn channels_and_rules_are_managed_with_an_admin_token() {
    let world = RunsWorld::new().await;
    let admin = Api::new(&world, &create_token(&world, "ops", "admin").await);
    let run = Api::new(&world, &create_token(&world, "ci", "run").await);
    let (status, _) = run.get("/api/v1/alert-channels").await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, refused) = admin
        .post(
            "/api/v1/alert-channels",
            &json!({"kind": "webhook", "name": "Local", "url": "http://127.0.0.1:9/x"}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["error"]["message"]
            .as_str()
            .unwrap()
            .contains("private or loopback")
    );

    let (status, created) = admin
        .post(
            "/api/v1/alert-channels",
            &json!({"kind": "webhook", "name": "Ops", "url": "https://1.1.1.1/ringside-hook"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let secret = created["data"]["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(created["data"]["hint"], "https://1.1.1.1/…hook");
    let (_, listed) = admin.get("/api/v1/alert-channels").await;
    let text = listed.to_string();
    assert!(
        !text.contains(secret) && !text.contains("ringside-hook"),
        "{text}"
    );

    let (status, email) = admin
        .post(
            "/api/v1/alert-channels",
            &json!({"kind": "email", "name": "Leads", "to": "qa@example.com"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(email["data"].get("secret").is_none());
    let email_id = email["data"]["id"].as_str().unwrap();
    // No SMTP server is configured here: the test send says so and stays in the log.
    let (status, tested) = admin
        .post(
            &format!("/api/v1/alert-channels/{email_id}/test"),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(tested["data"]["state"], "pending");
    assert!(
        tested["data"]["last_error"]
            .as_str()
            .unwrap()
            .contains("RINGSIDE_SMTP_HOST")
    );

    let (status, bad) = admin
        .post(
            "/api/v1/alert-rules",
            &json!({"channel_id": email_id, "kind": "pass_rate_below", "threshold": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("1 to 100")
    );
    let (status, rule) = admin
        .post(
            "/api/v1/alert-rules",
            &json!({"channel_id": email_id, "kind": "pass_rate_below", "threshold": 80}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{rule}");
    assert_eq!(rule["data"]["threshold"], 80);
    assert_eq!(rule["data"]["every_run"], false);
    let (_, rules) = admin.get("/api/v1/alert-rules").await;
    assert_eq!(rules["data"].as_array().unwrap().len(), 1);
    let (_, log) = admin.get("/api/v1/alert-deliveries").await;
    assert_eq!(log["data"][0]["kind"], "test");
    assert_eq!(log["data"][0]["channel"], "Leads");

    let (status, _) = admin
        .post(
            &format!("/api/v1/alert-channels/{}/test", Uuid::new_v4()),
            &json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
