//! The base every page stands on: probes, error pages, headers, static assets, the binary.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, CONTENT_SECURITY_POLICY, CONTENT_TYPE};

use crate::support::TestApp;
use crate::support::accounts::setup;

#[tokio::test]
async fn healthz_and_readyz_answer() {
    let app = TestApp::spawn().await;
    let health = app.get("/healthz").await;
    assert_eq!(health.status(), StatusCode::OK);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    let body: serde_json::Value = ready.json().await.unwrap();
    assert_eq!(body["status"], "ready");
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_gone() {
    let app = TestApp::spawn().await;
    app.db.close().await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    // The process itself is still alive.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn front_page_shows_the_installation_with_security_headers() {
    let app = TestApp::spawn().await;
    let (admin, _) = setup(&app, "QA").await;
    let response = admin.get("/").await;
    assert_eq!(response.status(), StatusCode::OK);
    let csp = response.headers()[CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"));
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    let html = response.text().await.unwrap();
    assert!(html.contains("<h1>QA</h1>"));
    assert!(
        html.contains("<div class=\"stat-value\">1</div>"),
        "member count shown: {html}"
    );
    assert!(html.contains("https://api.revring.ai/v1"));
}

#[tokio::test]
async fn every_error_status_gets_the_error_page() {
    let app = TestApp::spawn().await;

    let missing = app.get("/no/such/page").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert!(
        missing.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(missing.text().await.unwrap().contains("Page not found"));

    // (Page routes answer a token-less DELETE with the CSRF refusal first; probes have none.)
    let wrong_method = app.client.delete(app.url("/healthz")).send().await.unwrap();
    assert_eq!(wrong_method.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(
        wrong_method.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(
        wrong_method
            .text()
            .await
            .unwrap()
            .contains("Method not allowed")
    );

    let missing_asset = app.get("/static/nope.css").await;
    assert_eq!(missing_asset.status(), StatusCode::NOT_FOUND);
    assert!(
        missing_asset
            .text()
            .await
            .unwrap()
            .contains("Page not found")
    );
}

#[tokio::test]
async fn assets_have_versioned_urls_cached_for_a_year() {
    let app = TestApp::spawn().await;
    let html = app.get("/setup").await.text().await.unwrap();
    let start = html
        .find("/static/app.css?v=")
        .expect("a versioned stylesheet URL");
    let url: String = html[start..].chars().take_while(|c| *c != '"').collect();

    let versioned = app.get(&url).await;
    assert_eq!(versioned.status(), StatusCode::OK);
    assert!(
        versioned.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(
        versioned.headers()[CACHE_CONTROL],
        "public, max-age=31536000, immutable"
    );

    let stale = app.get("/static/app.css?v=0000").await;
    assert_eq!(stale.status(), StatusCode::OK);
    assert_eq!(stale.headers()[CACHE_CONTROL], "public, max-age=300");
}

/// The shipped binary, on an empty data directory: creates its cluster, serves, and on SIGTERM
/// stops both the server and the cluster it started.
#[tokio::test]
async fn serve_binary_starts_on_an_empty_data_dir_and_stops_cleanly() {
    let data_dir = std::env::temp_dir().join(format!("ringside-serve-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&data_dir).unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_ringside"))
        .arg("serve")
        .env("RINGSIDE_DATA_DIR", &data_dir)
        .env("RINGSIDE_BIND", format!("127.0.0.1:{port}"))
        .env_remove("DATABASE_URL")
        .kill_on_drop(true)
        .spawn()
        .unwrap();

    let client = reqwest::Client::new();
    let readyz = format!("http://127.0.0.1:{port}/readyz");
    let mut ready = false;
    for _ in 0..300 {
        if let Ok(response) = client.get(&readyz).send().await {
            ready = response.status() == StatusCode::OK;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ready, "/readyz answered 200 within 30 s");
    let pid_file = data_dir.join("postgres/pgdata/postmaster.pid");
    assert!(pid_file.exists(), "the cluster lives under the data dir");

    let pid = nix::unistd::Pid::from_raw(child.id().unwrap() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("exits after SIGTERM")
        .unwrap();
    assert!(status.success(), "clean exit: {status}");
    assert!(!pid_file.exists(), "the cluster it started was stopped");
    let _ = std::fs::remove_dir_all(&data_dir);
}
