//! `ringside health`, the container healthcheck: exit 0 when `/readyz` answers 200, else 1.

use std::net::SocketAddr;

use axum::http::StatusCode;
use tokio::process::Command;

use crate::support::TestApp;

async fn health(addr: SocketAddr) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_ringside"))
        .args(["health", "--bind", &addr.to_string(), "--timeout-secs", "5"])
        .env_remove("RINGSIDE_BIND")
        .output()
        .await
        .expect("run ringside health");
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).trim().to_owned(),
    )
}

#[tokio::test]
async fn health_passes_for_a_ready_portal() {
    let app = TestApp::spawn().await;
    let (code, said) = health(app.addr).await;
    assert_eq!(code, Some(0), "{said}");
    assert_eq!(said, "ready");
}

#[tokio::test]
async fn health_fails_when_nothing_listens() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let (code, said) = health(addr).await;
    assert_eq!(code, Some(1));
    assert!(said.starts_with("not ready: nothing answers"), "{said}");
}

#[tokio::test]
async fn health_fails_when_the_portal_is_not_ready() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let unready = axum::Router::new().route(
        "/readyz",
        axum::routing::get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "database unreachable") }),
    );
    tokio::spawn(async move { axum::serve(listener, unready).await });
    let (code, said) = health(addr).await;
    assert_eq!(code, Some(1));
    assert!(said.contains("503"), "{said}");
}

#[test]
fn the_compose_healthcheck_uses_the_health_command() {
    let compose = include_str!("../../../docker-compose.yml");
    assert!(compose.contains(r#"test: ["CMD", "ringside", "health"]"#));
    assert!(!compose.contains("/dev/tcp"), "dash has no /dev/tcp");
}
