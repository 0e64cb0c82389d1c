//! `TestApp`: the real router on a real port with a fresh database, and a client that keeps
//! cookies like a browser.

use std::net::SocketAddr;

use clap::Parser;
use ringside::config::{Cli, Command, ServeArgs};
use ringside::startup::Application;
use sqlx::PgPool;

use super::db::fresh_database;

/// A running portal for one test.
pub struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its database.
    pub db: PgPool,
    /// A cookie-keeping HTTP client that does not follow redirects.
    pub client: reqwest::Client,
}

/// Serve arguments as the command line would give them, bound to a free port.
pub fn serve_args(extra: &[&str]) -> ServeArgs {
    let mut argv = vec!["ringside", "serve", "--bind", "127.0.0.1:0"];
    argv.extend_from_slice(extra);
    match Cli::parse_from(argv).command {
        Command::Serve(args) => args,
        _ => unreachable!("parsed a serve command"),
    }
}

impl TestApp {
    /// Starts the portal on a fresh database.
    pub async fn spawn() -> Self {
        Self::spawn_with(serve_args(&[])).await
    }

    /// Starts the portal with the given arguments on a fresh database.
    pub async fn spawn_with(args: ServeArgs) -> Self {
        ringside::telemetry::init();
        let db = fresh_database().await;
        let app = Application::build(&args, db.clone())
            .await
            .expect("build the app");
        let addr = app.local_addr();
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("build the HTTP client");
        Self { addr, db, client }
    }

    /// Absolute URL of a path on this app.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }
}
