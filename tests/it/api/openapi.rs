//! The OpenAPI document: served at `/api/v1/openapi.json`, 3.1, lists every endpoint, and real
//! responses (successes and errors) validate against the schemas it gives for them.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Api, create_token, make_suite, wait_finished};
use crate::support::openapi::schema_errors;
use crate::support::runs::RunsWorld;

/// The endpoints scripts and checks outside the code rely on (issue 11), with their methods.
const CONTRACT: [(&str, &str); 12] = [
    ("get", "/api/v1/suites"),
    ("get", "/api/v1/suites/{id}"),
    ("get", "/api/v1/suites/{id}/runs"),
    ("post", "/api/v1/suites/{id}/runs"),
    ("get", "/api/v1/suites/{id}/trend"),
    ("get", "/api/v1/runs"),
    ("get", "/api/v1/runs/{id}"),
    ("post", "/api/v1/runs/{id}/cancel"),
    ("get", "/api/v1/runs/{id}/export.csv"),
    ("get", "/api/v1/runs/{id}/export.xml"),
    ("get", "/api/v1/runs/{id}/export.json"),
    ("get", "/api/v1/attempts/{id}"),
];

/// Checks `body` against the schema the document gives for `method path` answering `status`.
fn assert_conforms(doc: &Value, method: &str, path: &str, status: StatusCode, body: &Value) {
    let response = &doc["paths"][path][method]["responses"][status.as_str()];
    let schema = &response["content"]["application/json"]["schema"];
    assert!(
        schema.is_object(),
        "{method} {path} documents a JSON {status} response"
    );
    let errors = schema_errors(doc, schema, body);
    assert!(
        errors.is_empty(),
        "{method} {path} {status}: {errors:?}\n{body:#}"
    );
}

#[tokio::test]
async fn every_endpoint_is_documented_and_real_responses_validate() {
    let world = RunsWorld::new().await;
    let raw = reqwest::get(world.app.url("/api/v1/openapi.json"))
        .await
        .unwrap();
    assert_eq!(raw.status(), StatusCode::OK, "served without a token");
    let doc: Value = raw.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    for (method, path) in CONTRACT {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} is documented"
        );
    }
    // Every documented route answers (not the unknown-endpoint fallback).
    let token = create_token(&world, "Conformance", "run").await;
    let api = Api::new(&world, &token);
    let (suite, _) = make_suite(
        &world,
        "Checkout",
        &["Pays [sim:pass]", "Refunds [sim:fail]"],
    )
    .await;
    let (status, started) = api
        .post(
            &format!("/api/v1/suites/{suite}/runs"),
            &json!({"labels": {"branch": "main"}}),
        )
        .await;
    assert_conforms(&doc, "post", "/api/v1/suites/{id}/runs", status, &started);
    let run_id = started["data"]["id"].as_str().unwrap().to_owned();
    let run = wait_finished(&api, &run_id).await;
    let attempt_id = run["attempts"][0]["id"].as_str().unwrap().to_owned();

    let concrete = |path: &str| {
        path.replace("/suites/{id}", &format!("/suites/{suite}"))
            .replace("/runs/{id}", &format!("/runs/{run_id}"))
            .replace("/attempts/{id}", &format!("/attempts/{attempt_id}"))
    };
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.keys().all(|path| path.starts_with("/api/v1/")));
    // Alert channels, rules and deliveries need the admin scope (issue 12).
    let admin = Api::new(
        &world,
        &create_token(&world, "Conformance admin", "admin").await,
    );
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            // Writes (post, put, delete) are exercised by their own tests.
            if method != "get" {
                continue;
            }
            let caller = if path.starts_with("/api/v1/alert-") {
                &admin
            } else {
                &api
            };
            let response = caller
                .request(reqwest::Method::GET, &concrete(path))
                .send()
                .await
                .unwrap();
            let status = response.status();
            assert_eq!(status, StatusCode::OK, "{method} {path}");
            let is_json = response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json");
            if is_json {
                let body: Value = response.json().await.unwrap();
                assert_conforms(&doc, method, path, status, &body);
            }
        }
    }
    // Errors validate too.
    let checks = [
        (
            "get",
            "/api/v1/runs/{id}",
            format!("/api/v1/runs/{}", uuid::Uuid::new_v4()),
            StatusCode::NOT_FOUND,
        ),
        (
            "get",
            "/api/v1/runs",
            "/api/v1/runs?status=nope".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
        (
            "get",
            "/api/v1/suites/{id}",
            "/api/v1/suites/x".to_owned(),
            StatusCode::BAD_REQUEST,
        ),
    ];
    for (method, path, concrete_path, want) in checks {
        let (status, body) = api.get(&concrete_path).await;
        assert_eq!(status, want);
        assert_conforms(&doc, method, path, status, &body);
    }
    let (status, body) = Api::new(&world, "rst_nope").get("/api/v1/suites").await;
    assert_conforms(&doc, "get", "/api/v1/suites", status, &body);
    let (status, body) = api
        .post(&format!("/api/v1/runs/{run_id}/cancel"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_conforms(&doc, "post", "/api/v1/runs/{id}/cancel", status, &body);
}
