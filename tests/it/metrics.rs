//! `/metrics` for operators: off unless configured, behind a bearer token or on its own address,
//! in Prometheus text.

use reqwest::StatusCode;

use crate::support::TestApp;
use crate::support::app::serve_args;

/// The value of the first sample line of `text` starting with `prefix`.
fn sample(text: &str, prefix: &str) -> Option<f64> {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn metrics_are_off_unless_configured() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn metrics_need_the_bearer_token_and_report_requests_by_route() {
    let app = TestApp::spawn_with(serve_args(&["--metrics-token", "let-me-see"])).await;
    assert_eq!(app.get("/metrics").await.status(), StatusCode::UNAUTHORIZED);
    let wrong = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("let-me-guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    for _ in 0..3 {
        assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    }
    let response = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth("let-me-see")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    let healthz = "ringside_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\",status=\"200\"}";
    assert!(
        sample(&text, healthz).is_some_and(|count| count >= 3.0),
        "{text}"
    );
    assert!(
        text.contains("ringside_http_request_duration_seconds_bucket{"),
        "latency is a histogram: {text}"
    );
    assert!(sample(&text, "ringside_db_pool_max_connections").is_some_and(|max| max > 0.0));
    assert!(sample(&text, "ringside_db_pool_connections{state=\"in_use\"}").is_some());
    assert_eq!(sample(&text, "ringside_runs_in_flight"), Some(0.0));
    assert!(!text.contains("let-me-see"), "the token is never echoed");
}

#[tokio::test]
async fn metrics_can_be_served_on_a_separate_address_only() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let bind = free.local_addr().unwrap().to_string();
    drop(free);
    let app = TestApp::spawn_with(serve_args(&["--metrics-bind", &bind])).await;
    assert_eq!(
        app.get("/metrics").await.status(),
        StatusCode::NOT_FOUND,
        "not on the portal's own address"
    );
    app.get("/healthz").await;
    let text = reqwest::get(format!("http://{bind}/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("ringside_db_pool_max_connections"), "{text}");
    let elsewhere = reqwest::get(format!("http://{bind}/runs")).await.unwrap();
    assert_eq!(
        elsewhere.status(),
        StatusCode::NOT_FOUND,
        "only metrics there"
    );
}
