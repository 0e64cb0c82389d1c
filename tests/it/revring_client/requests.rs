//! What the client sends: paths, headers, bodies, and the follow-ups it makes.

use super::*;

#[tokio::test]
async fn sends_the_key_and_joins_paths() {
    let (fake, client) = serve(vec![reply(200, run_body("queued"))]).await;
    let run = client.get_run("suite/1", "run 1").await.unwrap();
    assert_eq!(run.status, RunStatus::Queued);
    let seen = &fake.requests()[0];
    assert_eq!(seen.method, Method::GET);
    assert_eq!(seen.path, "/v1/test-suites/suite%2F1/runs/run%201");
    assert_eq!(seen.headers["x-api-key"], KEY);
}

#[tokio::test]
async fn start_run_sends_its_name_or_an_empty_object() {
    let (fake, client) = serve(vec![reply(201, run_body("queued"))]).await;
    client.start_run("s", Some("nightly")).await.unwrap();
    client.start_run("s", None).await.unwrap();
    let seen = fake.requests();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("POST", "/v1/test-suites/s/runs")
    );
    assert_eq!(seen[0].headers["content-type"], "application/json");
    assert_eq!(
        serde_json::from_slice::<Value>(&seen[0].body).unwrap(),
        json!({"name": "nightly"})
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&seen[1].body).unwrap(),
        json!({})
    );
}

#[tokio::test]
async fn verify_key_reads_agents() {
    let (fake, client) = serve(vec![reply(200, json!({"data": []}))]).await;
    client.verify_key().await.unwrap();
    assert_eq!(fake.requests()[0].path, "/v1/agents");
}

#[tokio::test]
async fn deletes_accept_any_2xx_and_empty_bodies() {
    let (fake, client) = serve(vec![
        reply(204, Value::Null),
        reply(200, json!({"data": {}})),
    ])
    .await;
    client.delete_suite("s").await.unwrap();
    client.delete_test("s", "t").await.unwrap();
    let seen = fake.requests();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("DELETE", "/v1/test-suites/s")
    );
    assert_eq!(seen[1].path, "/v1/test-suites/s/tests/t");
}

#[tokio::test]
async fn cancel_without_a_body_fetches_the_run() {
    let (fake, client) = serve(vec![
        reply(204, Value::Null),
        reply(200, run_body("canceled")),
    ])
    .await;
    let run = client.cancel_run("s", "r").await.unwrap();
    assert_eq!(run.status, RunStatus::Cancelled);
    let seen = fake.requests();
    assert_eq!(
        (seen[0].method.as_str(), seen[0].path.as_str()),
        ("POST", "/v1/test-suites/s/runs/r/cancel")
    );
    assert_eq!(
        (seen[1].method.as_str(), seen[1].path.as_str()),
        ("GET", "/v1/test-suites/s/runs/r")
    );
}

#[tokio::test]
async fn batch_get_splits_and_skips_empty() {
    let (fake, client) = serve(vec![reply(200, json!({"data": [{"id": "c"}]}))]).await;
    assert!(client.batch_get_calls(&[], true).await.unwrap().is_empty());
    assert_eq!(fake.hits(), 0);
    let ids: Vec<String> = (0..150).map(|i| format!("call-{i}")).collect();
    assert_eq!(client.batch_get_calls(&ids, true).await.unwrap().len(), 2);
    let sizes: Vec<usize> = fake
        .requests()
        .iter()
        .map(|seen| {
            let body: Value = serde_json::from_slice(&seen.body).unwrap();
            assert_eq!(body["minimal"], json!(true));
            body["ids"].as_array().unwrap().len()
        })
        .collect();
    assert_eq!(sizes, [100, 50]);
}

#[tokio::test]
async fn bad_ids_are_refused_before_sending() {
    let (fake, client) = serve(vec![reply(200, json!({"data": {}}))]).await;
    for id in ["", " ", ".", ".."] {
        let error = client.delete_suite(id).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput, "{id:?}");
    }
    assert_eq!(fake.hits(), 0);
}

#[test]
fn base_urls_are_checked() {
    assert!(RevRing::new("not a url").is_err());
    assert!(RevRing::new("ftp://example.com/v1").is_err());
    let revring = RevRing::new("https://api.revring.ai/v1/").unwrap();
    assert_eq!(revring.base_url().as_str(), "https://api.revring.ai/v1");
}
