//! Tokens, authentication, errors, the envelope, rate limiting and team isolation.

use reqwest::StatusCode;
use ringside::auth::Role;
use serde_json::Value;

use super::{Api, create_token, read};
use crate::runs_pages::RunsWorld;
use crate::support::accounts::{create_team, member};

const DENTAL: &str = "Dental clinic receptionist";

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn a_token_lists_the_teams_suites_and_is_shown_once() {
    let world = RunsWorld::new().await;
    let token = create_token(&world, "GitHub Actions", "read").await;
    let api = Api::new(&world, &token);

    let (status, body) = api.get("/api/v1/suites").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let suites = body["data"].as_array().unwrap();
    assert!(suites.iter().any(|suite| suite["name"] == DENTAL), "{body}");
    assert!(body["next_cursor"].is_null());

    let id = world.suite_id(DENTAL).await;
    let (status, body) = api.get(&format!("/api/v1/suites/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["name"], DENTAL);
    assert!(!body["data"]["cases"].as_array().unwrap().is_empty());

    // The list shows name, prefix, scope and last use, never the secret.
    let page = world.admin.page("/tokens").await;
    assert!(!page.contains(&token), "the secret is shown only once");
    assert!(page.contains(&token[..12]), "the prefix is listed");
    assert!(page.contains("GitHub Actions"));
    let last_used: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT last_used_at FROM api_tokens WHERE name = 'GitHub Actions'")
            .fetch_one(&world.app.db)
            .await
            .unwrap();
    assert!(last_used.is_some(), "use is recorded");
    let audit = world.admin.page("/audit").await;
    assert!(audit.contains("token.created"), "creation is audited");
}

#[tokio::test]
async fn missing_unknown_and_revoked_tokens_get_401_in_json() {
    let world = RunsWorld::new().await;
    let anonymous = reqwest::get(world.app.url("/api/v1/suites")).await.unwrap();
    assert!(anonymous.headers().contains_key("www-authenticate"));
    let (status, body) = read(anonymous).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "missing_token")
    );

    let forged = Api::new(&world, "rst_forged");
    let (status, body) = forged.get("/api/v1/suites").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "invalid_token")
    );

    let token = create_token(&world, "Nightly", "read").await;
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM api_tokens WHERE name = 'Nightly'")
        .fetch_one(&world.app.db)
        .await
        .unwrap();
    let revoked = world.admin.post(&format!("/tokens/{id}/revoke"), &[]).await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    let (status, body) = Api::new(&world, &token).get("/api/v1/suites").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNAUTHORIZED, "token_revoked")
    );
    let audit = world.admin.page("/audit").await;
    assert!(audit.contains("token.revoked") && audit.contains("token.denied"));
}

#[tokio::test]
async fn another_teams_objects_are_not_found_and_bad_ids_are_explained() {
    let world = RunsWorld::new().await;
    let other = create_team(&world.app.db, "Other team").await;
    let (outsider, _) = member(&world.app, "oz@example.com", other, Role::Admin).await;
    let response = outsider
        .post(
            "/tokens",
            &[
                ("name", "Other CI"),
                ("scope", "admin"),
                ("expires", "never"),
            ],
        )
        .await;
    let token = super::input_value(&response.text().await.unwrap(), "new-token");
    let api = Api::new(&world, &token);
    let (status, body) = api.get("/api/v1/suites").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["data"].as_array().unwrap().is_empty(), "{body}");
    let id = world.suite_id(DENTAL).await;
    let (status, body) = api.get(&format!("/api/v1/suites/{id}")).await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));

    let (status, body) = api.get("/api/v1/suites/not-a-uuid").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("UUID"));
    let (status, body) = api.get("/api/v1/nothing/here").await;
    assert_eq!((status, code(&body)), (StatusCode::NOT_FOUND, "not_found"));
}

#[tokio::test]
async fn the_api_sets_no_cookie_and_needs_no_csrf() {
    let world = RunsWorld::new().await;
    let token = create_token(&world, "Script", "read").await;
    let response = Api::new(&world, &token)
        .request(reqwest::Method::GET, "/api/v1/suites")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(!response.headers().contains_key("set-cookie"));
}

#[tokio::test]
async fn a_token_past_its_rate_limit_gets_429_with_retry_after() {
    let world = RunsWorld::new().await;
    let token = create_token(&world, "Busy", "read").await;
    let api = Api::new(&world, &token);
    let mut limited = None;
    for _ in 0..400 {
        let response = api
            .request(reqwest::Method::GET, "/api/v1/suites")
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(response);
            break;
        }
    }
    let response = limited.expect("the limit is reached");
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
    let (_, body) = read(response).await;
    assert_eq!(code(&body), "rate_limited");
    let other = create_token(&world, "Quiet", "read").await;
    let (status, _) = Api::new(&world, &other).get("/api/v1/suites").await;
    assert_eq!(status, StatusCode::OK, "limits are per token");
}

#[tokio::test]
async fn the_tokens_page_is_for_admins_and_validates() {
    let world = RunsWorld::new().await;
    let (viewer, _) = member(&world.app, "vi@example.com", world.team_id, Role::Member).await;
    assert_eq!(viewer.get("/tokens").await.status(), StatusCode::FORBIDDEN);
    let response = world
        .admin
        .post(
            "/tokens",
            &[("name", ""), ("scope", "root"), ("expires", "90d")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("Enter a name") && html.contains("Choose read, run or admin"));
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens")
        .fetch_one(&world.app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
}
