//! Overload: when the database is stuck, requests are shed or time out with 503 and
//! `Retry-After`, never 500, and the portal recovers by itself.

use std::time::Duration;

use reqwest::StatusCode;
use sqlx::Connection;

use crate::support::TestApp;
use crate::support::accounts::{Visitor, setup};

/// Concurrent requests sent while the database is stuck (well over the admitted requests).
const CROWD: usize = 40;

/// Holds `lock` (an SQL statement run inside a transaction) on a connection of its own until
/// the returned sender is dropped.
async fn hold(app: &TestApp, lock: &'static str) -> tokio::sync::oneshot::Sender<()> {
    let options = (*app.db.connect_options()).clone();
    let (locked_tx, locked_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let mut conn = sqlx::PgConnection::connect_with(&options).await.unwrap();
        let mut tx = conn.begin().await.unwrap();
        sqlx::query(lock).execute(&mut *tx).await.unwrap();
        locked_tx.send(()).unwrap();
        let _ = release_rx.await;
        tx.rollback().await.unwrap();
    });
    locked_rx.await.unwrap();
    release_tx
}

async fn crowd(admin: &Visitor, path: &str) -> Vec<(StatusCode, Option<String>)> {
    let requests = (0..CROWD).map(|_| async {
        let response = admin.get(path).await;
        let retry = response
            .headers()
            .get("retry-after")
            .map(|value| value.to_str().unwrap().to_owned());
        (response.status(), retry)
    });
    futures_util::future::join_all(requests).await
}

#[tokio::test]
async fn a_stuck_database_answers_503_with_retry_after_never_500() {
    let app = TestApp::spawn_with(crate::support::app::serve_args(&["--no-sync"])).await;
    let (admin, _) = setup(&app, "QA").await;
    assert_eq!(admin.get("/runs").await.status(), StatusCode::OK);

    let release = hold(&app, "LOCK TABLE runs IN ACCESS EXCLUSIVE MODE").await;
    let answers = crowd(&admin, "/runs").await;
    drop(release);

    for (status, retry) in &answers {
        assert_eq!(*status, StatusCode::SERVICE_UNAVAILABLE, "{answers:?}");
        assert_eq!(retry.as_deref(), Some("2"), "{answers:?}");
    }
    // The probe is never held back, and the portal recovers once the database does.
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(admin.get("/runs").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_stuck_session_store_answers_503_not_500() {
    let app = TestApp::spawn_with(crate::support::app::serve_args(&["--no-sync"])).await;
    let (admin, _) = setup(&app, "QA").await;

    let release = hold(
        &app,
        "LOCK TABLE tower_sessions.session IN ACCESS EXCLUSIVE MODE",
    )
    .await;
    let response = admin.get("/account").await;
    let status = response.status();
    let retry = response.headers().get("retry-after").cloned();
    let page = response.text().await.unwrap();
    drop(release);

    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{page}");
    assert_eq!(retry.unwrap(), "2");
    let text = super::error_panel_text(&page);
    assert!(text.contains("try again"), "{text}");
    assert_eq!(admin.get("/account").await.status(), StatusCode::OK);
}
