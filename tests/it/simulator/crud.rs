//! Auth, envelope, seed data, suites, test cases, generate-tests and validation.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{assert_error, assert_timestamp, sim};

#[tokio::test]
async fn missing_or_wrong_key_is_401_with_error_body() {
    let s = sim().await;
    let (status, body) = s.call_as(None, Method::GET, "/test-suites", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthorized");
    let (status, body) = s
        .call_as(Some("rr_nope"), Method::GET, "/agents", None)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_error(&body, "unauthorized");
    s.sim.shutdown().await;
}

#[tokio::test]
async fn seed_data_is_enveloped_realistic_and_newest_first() {
    let s = sim().await;
    let (status, agents) = s.get("/agents").await;
    assert_eq!(status, StatusCode::OK);
    let agents = agents["data"].as_array().expect("data array");
    assert!(agents.len() >= 3);
    assert!(
        agents[0]["phoneNumbers"][0]["e164"]
            .as_str()
            .is_some_and(|p| p.starts_with('+'))
    );
    let (_, suites) = s.get("/test-suites").await;
    let suites = suites["data"].as_array().expect("data array").clone();
    assert!((3..=4).contains(&suites.len()));
    let created: Vec<&str> = suites
        .iter()
        .map(|x| x["createdAt"].as_str().unwrap_or_default())
        .collect();
    assert!(
        created.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {created:?}"
    );
    for suite in &suites {
        assert_timestamp(&suite["createdAt"]);
        let id = suite["id"].as_str().unwrap_or_default();
        let (_, tests) = s.get(&format!("/test-suites/{id}/tests")).await;
        let tests = tests["data"].as_array().expect("tests").clone();
        assert!((3..=6).contains(&tests.len()));
        assert_eq!(tests[0]["testSuiteId"], suite["id"]);
        let (_, runs) = s.get(&format!("/test-suites/{id}/runs")).await;
        let runs = runs["data"].as_array().expect("runs").clone();
        assert!(runs.len() >= 3, "history of {id}");
        assert!(
            runs.iter()
                .all(|r| r["status"] == "completed" || r["status"] == "cancelled")
        );
        let first = runs[0]["id"].as_str().unwrap_or_default();
        let (_, run) = s.get(&format!("/test-suites/{id}/runs/{first}")).await;
        let attempts = run["data"]["attempts"].as_array().expect("attempts");
        assert!(!attempts.is_empty());
    }
    s.sim.shutdown().await;
}

#[tokio::test]
async fn suite_crud_round_trip() {
    let s = sim().await;
    let target = s.target_agent().await;
    let (status, created) = s
        .post(
            "/test-suites",
            json!({"name": "Smoke", "targetAgentId": target, "defaultVariables": {"city": "Austin"}, "extra": 1}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let suite = &created["data"];
    assert_eq!(suite["maxConcurrency"], 2);
    assert_eq!(suite["testerAgentId"], Value::Null);
    assert_eq!(suite["targetAgentId"], target.as_str());
    assert_eq!(suite["defaultVariables"]["city"], "Austin");
    assert_timestamp(&suite["updatedAt"]);
    let id = suite["id"].as_str().expect("id").to_owned();
    assert_eq!(
        uuid::Uuid::parse_str(&id).map(|u| u.get_version_num()).ok(),
        Some(4)
    );

    let (status, got) = s.get(&format!("/test-suites/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(got["data"]["name"], "Smoke");
    let (_, list) = s.get("/test-suites").await;
    assert_eq!(list["data"][0]["id"], id.as_str(), "new suite listed first");

    let (status, patched) = s
        .patch(
            &format!("/test-suites/{id}"),
            json!({"name": "Smoke 2", "maxConcurrency": 10}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["data"]["name"], "Smoke 2");
    assert_eq!(patched["data"]["maxConcurrency"], 10);
    assert_eq!(patched["data"]["defaultVariables"]["city"], "Austin");

    let (status, deleted) = s.delete(&format!("/test-suites/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deleted["data"]["deleted"], true);
    let (status, body) = s.get(&format!("/test-suites/{id}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&body, "not_found");
    s.sim.shutdown().await;
}

#[tokio::test]
async fn test_case_crud_round_trip() {
    let s = sim().await;
    let suite = s.suite_with(2, &[]).await;
    let path = format!("/test-suites/{suite}/tests");
    let (status, created) = s
        .post(&path, json!({"name": "Books", "script": "Book it.", "scoringRubric": "Booked.", "variables": {"a": "b"}}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let t = &created["data"];
    assert_eq!(t["attemptsPerRun"], 1);
    assert_eq!(t["testSuiteId"], suite.as_str());
    assert_eq!(t["scoringRubric"], "Booked.");
    let id = t["id"].as_str().expect("id").to_owned();
    let (status, patched) = s
        .patch(
            &format!("{path}/{id}"),
            json!({"attemptsPerRun": 3, "scoringRubric": "Booked well."}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(patched["data"]["attemptsPerRun"], 3);
    assert_eq!(patched["data"]["name"], "Books");
    assert_eq!(patched["data"]["variables"]["a"], "b");
    let (_, list) = s.get(&path).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    let (status, _) = s.delete(&format!("{path}/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s.patch(&format!("{path}/{id}"), json!({"name": "x"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn validation_errors_are_400_with_messages() {
    let s = sim().await;
    let target = s.target_agent().await;
    let (_, agents) = s.get("/agents").await;
    let another = agents["data"][1]["id"].as_str().expect("agent").to_owned();
    let bad_suites = [
        json!({"targetAgentId": target}),
        json!({"name": "x".repeat(129), "targetAgentId": target}),
        json!({"name": "ok"}),
        json!({"name": "ok", "targetAgentId": "00000000-0000-4000-8000-000000000000"}),
        json!({"name": "ok", "targetAgentId": target, "testerAgentId": target}),
        json!({"name": "ok", "targetAgentId": target, "maxConcurrency": 1}),
        json!({"name": "ok", "targetAgentId": target, "maxConcurrency": 101}),
        json!({"name": "ok", "targetAgentId": target, "defaultVariables": "nope"}),
    ];
    for body in bad_suites {
        let (status, err) = s.post("/test-suites", body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_error(&err, "validation_error");
    }
    let (status, ok) = s
        .post(
            "/test-suites",
            json!({"name": "x".repeat(128), "targetAgentId": target, "testerAgentId": another, "maxConcurrency": 100}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{ok}");
    let suite = ok["data"]["id"].as_str().expect("id").to_owned();
    let path = format!("/test-suites/{suite}/tests");
    let base = json!({"name": "n", "script": "s", "scoringRubric": "r"});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    for body in [
        with("script", json!("x".repeat(10_001))),
        with("scoringRubric", json!("x".repeat(5_001))),
        with("attemptsPerRun", json!(0)),
        with("attemptsPerRun", json!(11)),
        with("attemptsPerRun", json!(1.5)),
        json!({"name": "n", "script": "s"}),
    ] {
        let (status, err) = s.post(&path, body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_error(&err, "validation_error");
    }
    let (status, _) = s.post(&path, with("attemptsPerRun", json!(10))).await;
    assert_eq!(status, StatusCode::CREATED);
    // A run name is capped at 128 characters, as the reference caps it.
    let runs = format!("/test-suites/{suite}/runs");
    let (status, err) = s.post(&runs, json!({"name": "r".repeat(129)})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{err}");
    assert_error(&err, "validation_error");
    let (status, run) = s.post(&runs, json!({"name": "r".repeat(128)})).await;
    assert_eq!(status, StatusCode::CREATED, "{run}");
    let (status, err) = s
        .patch(
            &format!("/test-suites/{suite}"),
            json!({"maxConcurrency": 0}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&err, "validation_error");

    let resp = s
        .http
        .post(format!("{}/test-suites", s.base))
        .header("x-api-key", &s.key)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let err: Value = resp.json().await.expect("json error body");
    assert_error(&err, "invalid_json");

    for ids in [json!([]), json!(vec!["x"; 101])] {
        let (status, err) = s.post("/calls/batch-get", json!({"ids": ids})).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_error(&err, "validation_error");
    }
    let (status, _) = s
        .post(
            &format!("/test-suites/{suite}/generate-tests"),
            json!({"prompt": "x".repeat(5_001)}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn other_organizations_objects_are_404() {
    let s = sim().await;
    let suite = s.suite_with(2, &[("Case", 1)]).await;
    let run = s.start(&suite).await;
    let other = Some(s.other.as_str());
    for (method, path) in [
        (Method::GET, format!("/test-suites/{suite}")),
        (Method::PATCH, format!("/test-suites/{suite}")),
        (Method::DELETE, format!("/test-suites/{suite}")),
        (Method::GET, format!("/test-suites/{suite}/tests")),
        (Method::GET, format!("/test-suites/{suite}/runs")),
        (Method::GET, format!("/test-suites/{suite}/runs/{run}")),
        (Method::POST, format!("/test-suites/{suite}/runs")),
        (
            Method::POST,
            format!("/test-suites/{suite}/runs/{run}/cancel"),
        ),
    ] {
        let body = (method != Method::GET && method != Method::DELETE).then(|| json!({}));
        let (status, err) = s.call_as(other, method.clone(), &path, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_error(&err, "not_found");
    }
    let (_, list) = s.call_as(other, Method::GET, "/test-suites", None).await;
    assert!(
        list["data"]
            .as_array()
            .expect("list")
            .iter()
            .all(|x| x["id"] != suite.as_str())
    );
    let (status, _) = s.get("/test-suites/not-a-uuid").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn starting_an_empty_suite_is_400() {
    let s = sim().await;
    let suite = s.suite_with(2, &[]).await;
    let (status, err) = s
        .post(&format!("/test-suites/{suite}/runs"), json!({"name": "x"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_error(&err, "validation_error");
    assert_eq!(s.sim.stats().runs_started, 0);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn generate_tests_suggests_without_saving() {
    let s = sim().await;
    let suite = s.suite_with(2, &[]).await;
    let (status, body) = s
        .post(
            &format!("/test-suites/{suite}/generate-tests"),
            json!({"prompt": "Generate tests for handling refund requests", "previousMessages": [{"role": "user", "content": "Earlier"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let tests = body["data"]["tests"].as_array().expect("tests");
    assert!((2..=4).contains(&tests.len()));
    for t in tests {
        assert!(
            t["name"]
                .as_str()
                .is_some_and(|n| n.contains("andling refund requests")),
            "{t}"
        );
        assert!(t["script"].is_string() && t["scoringRubric"].is_string());
    }
    let messages = body["data"]["messages"].as_array().expect("messages");
    assert_eq!(messages[0]["content"], "Earlier");
    assert_eq!(
        messages[1]["content"],
        "Generate tests for handling refund requests"
    );
    assert_eq!(
        messages.last().map(|m| &m["role"]),
        Some(&json!("assistant"))
    );
    let (_, list) = s.get(&format!("/test-suites/{suite}/tests")).await;
    assert_eq!(list["data"].as_array().map(Vec::len), Some(0));
    s.sim.shutdown().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_the_error_shape() {
    let s = sim().await;
    let (status, err) = s.get("/nope").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_error(&err, "not_found");
    let (status, err) = s
        .call_as(Some(&s.key), Method::PUT, "/test-suites", None)
        .await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_error(&err, "method_not_allowed");
    s.sim.shutdown().await;
}
