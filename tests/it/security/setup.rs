//! First start beyond loopback: `/setup` asks for the one-time token printed at start.

use reqwest::StatusCode;
use ringside::app::startup::Application;
use secrecy::ExposeSecret;

use crate::support::accounts::Visitor;
use crate::support::app::serve_args;
use crate::support::db::fresh_database;

async fn users(db: &sqlx::PgPool) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(db)
        .await
        .unwrap()
}

/// The setup form with `token`.
fn fields(token: &str) -> [(&'static str, &str); 5] {
    [
        ("team_name", "QA"),
        ("display_name", "Ada"),
        ("email", "ada@example.com"),
        ("password", "correct horse battery"),
        ("setup_token", token),
    ]
}

#[tokio::test]
async fn beyond_loopback_only_the_setup_token_holder_becomes_admin() {
    let (db, _database) = fresh_database().await;
    let mut args = serve_args(&[]);
    args.bind = "0.0.0.0:0".parse().unwrap();
    let app = Application::build(&args, db.clone()).await.unwrap();
    let token = app.setup_token().expect("a token beyond loopback").clone();
    let port = app.local_addr().port();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let visitor = Visitor::at(format!("http://127.0.0.1:{port}"));

    let page = visitor.page("/setup").await;
    assert!(page.contains("name=\"setup_token\""), "{page}");
    for wrong in ["", "not-the-token"] {
        let response = visitor.post("/setup", &fields(wrong)).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.unwrap();
        assert!(page.contains("Enter the setup token"), "{page}");
        assert_eq!(users(&db).await, 0);
    }
    let response = visitor.post("/setup", &fields(token.expose_secret())).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(users(&db).await, 1);
}

#[tokio::test]
async fn on_loopback_setup_needs_no_token() {
    let (db, _database) = fresh_database().await;
    let app = Application::build(&serve_args(&[]), db).await.unwrap();
    assert!(app.setup_token().is_none());
}
