//! `TestApp`: the real router on a real port with a fresh database, and a client that keeps
//! cookies like a browser.

use std::net::SocketAddr;

use clap::Parser;
use ringside::app::startup::Application;
use ringside::app::state::AppState;
use ringside::cli::{Cli, Command, ServeArgs};
use ringside::crypto::MasterKey;
use secrecy::ExposeSecret;
use sqlx::PgPool;

use super::db::{DropDatabase, fresh_database};

/// A running portal for one test.
pub(crate) struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its database.
    pub db: PgPool,
    /// A cookie-keeping HTTP client that does not follow redirects.
    pub client: reqwest::Client,
    /// Drops the database when the test ends, if this app made it.
    _database: Option<DropDatabase>,
}

/// Serve arguments as the command line would give them, bound to a free port, with a random
/// master key unless `extra` names one (so tests never write a key file into the checkout).
pub(crate) fn serve_args(extra: &[&str]) -> ServeArgs {
    let mut argv = vec!["ringside", "serve", "--bind", "127.0.0.1:0"];
    let generated = MasterKey::generate().to_base64();
    if !extra.contains(&"--master-key") {
        argv.extend(["--master-key", generated.expose_secret()]);
    }
    argv.extend_from_slice(extra);
    match Cli::parse_from(argv).command {
        Command::Serve(args) => args,
        _ => unreachable!("parsed a serve command"),
    }
}

/// A TCP port nothing listens on right now (another process may take it before it is used).
pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// The state a portal started with `extra` serve arguments (and `--no-sync`) runs with on
/// `db`, built by the same startup code, for calling library functions directly.
pub(crate) async fn app_state(db: PgPool, extra: &[&str]) -> AppState {
    let mut argv = vec!["--no-sync"];
    argv.extend_from_slice(extra);
    let (_, state) = ringside::app::startup::build_router(&serve_args(&argv), db)
        .await
        .expect("build the app state");
    state
}

/// A cookie-keeping client that does not follow redirects (a fresh browser profile).
pub(crate) fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("build the HTTP client")
}

impl TestApp {
    /// Starts the portal on a fresh database.
    pub(crate) async fn spawn() -> Self {
        Self::spawn_with(serve_args(&[])).await
    }

    /// Starts the portal with the given arguments on a fresh database.
    pub(crate) async fn spawn_with(args: ServeArgs) -> Self {
        let (db, database) = fresh_database().await;
        let mut app = Self::spawn_on(args, db).await;
        app._database = Some(database);
        app
    }

    /// Starts the portal with the given arguments on an existing (migrated) database, e.g. a
    /// second server on the first one's data.
    pub(crate) async fn spawn_on(args: ServeArgs, db: PgPool) -> Self {
        ringside::app::telemetry::init();
        let app = Application::build(&args, db.clone())
            .await
            .expect("build the app");
        let addr = app.local_addr();
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        Self {
            addr,
            db,
            client: new_client(),
            _database: None,
        }
    }

    /// Absolute URL of a path on this app.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// `GET path`.
    pub(crate) async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }
}
