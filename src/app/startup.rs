//! Build → bind → run: the portal as a value that `main` and the tests start the same way.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use anyhow::Context;
use axum::Router;
use sqlx::PgPool;
use tokio::net::TcpListener;
use tower_sessions::session_store::ExpiredDeletion;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use crate::app::shutdown::Stopping;
use crate::app::state::{AppState, WebSettings};
use crate::cli::ServeArgs;
use crate::crypto::MasterKey;
use crate::db::Database;
use crate::revring::RevRing;
use crate::sync::Worker;
use crate::sync::live::RunUpdates;
use crate::sync::scheduler::Scheduler;

/// A session ends after this long without a request.
pub const SESSION_IDLE_TIMEOUT: time::Duration = time::Duration::days(7);

/// How often expired sessions are deleted from the database.
const SESSION_CLEANUP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(3600);

/// How often each process looks for due schedule slots.
const SCHEDULE_TICK: std::time::Duration = std::time::Duration::from_secs(5);

/// How often each process looks for alerts to deliver.
const DELIVERY_TICK: std::time::Duration = std::time::Duration::from_secs(2);

/// Name of the session cookie.
const SESSION_COOKIE: &str = "ringside_session";

/// A bound, ready-to-run portal.
pub struct Application {
    listener: TcpListener,
    router: Router,
    workers: Vec<tokio::task::JoinHandle<()>>,
    stopping: Stopping,
}

impl Application {
    /// Prepares the session store and the router, and binds the listening socket.
    pub async fn build(args: &ServeArgs, db: PgPool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let (router, state) = build_router(args, db).await?;
        let mut workers = Vec::new();
        if !args.no_sync {
            workers.push(Worker::new(state.revring_access(), args.sync_settings()).spawn());
            let scheduler = Scheduler::new(state.revring_access(), crate::sync::owner_name());
            workers.push(scheduler.spawn(SCHEDULE_TICK));
            let deliverer = state.deliverer(crate::sync::owner_name());
            workers.push(deliverer.spawn(DELIVERY_TICK));
        }
        Ok(Self {
            listener,
            router,
            workers,
            stopping: state.stopping,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    /// Serves until `shutdown` resolves, then lets in-flight requests finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let service = self
            .router
            .into_make_service_with_connect_info::<SocketAddr>();
        let stopping = self.stopping.clone();
        let shutdown = async move {
            shutdown.await;
            stopping.stop();
        };
        let served = axum::serve(self.listener, service)
            .with_graceful_shutdown(shutdown)
            .await
            .context("server error");
        // Every sync, schedule and delivery write is one transaction: stopping the workers at any
        // point loses nothing (a claimed slot or alert is taken over after its lease).
        for worker in self.workers {
            worker.abort();
        }
        served
    }
}

/// The router with its state and session layer (sessions are stored in Postgres), and the
/// state, for the background tasks.
pub async fn build_router(args: &ServeArgs, db: PgPool) -> anyhow::Result<(Router, AppState)> {
    let store = PostgresStore::new(db.clone());
    store
        .migrate()
        .await
        .context("cannot prepare the session store")?;
    tokio::spawn(
        store
            .clone()
            .continuously_delete_expired(SESSION_CLEANUP_INTERVAL),
    );
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_secure(args.secure_cookies())
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE_TIMEOUT));
    let master_key = args.master_key()?;
    report_undecryptable_keys(&db, &master_key).await?;
    let revring = RevRing::new(args.revring_base_url.as_str())
        .context("the RevRing base URL is not usable")?;
    let state = AppState {
        run_updates: RunUpdates::listen(db.clone()),
        stopping: Stopping::default(),
        db,
        settings: Arc::new(WebSettings {
            revring_base_url: args.revring_base_url.clone(),
            secure_cookies: args.secure_cookies(),
            public_url: args.public_url.clone(),
        }),
        master_key: Arc::new(master_key),
        revring,
        setup_done: Arc::new(AtomicBool::new(false)),
        delivery: Arc::new(args.delivery_settings()),
    };
    Ok((crate::web::router(state.clone(), sessions), state))
}

/// Logs, by team and label, every active API key the master key cannot decrypt (it was stored
/// under another master key). The portal still starts; the keys page says the same and asks
/// an admin to enter those keys again. Returns how many keys are affected.
pub async fn report_undecryptable_keys(
    db: &PgPool,
    master_key: &MasterKey,
) -> anyhow::Result<usize> {
    let keys = crate::db::api_keys::all_active(db)
        .await
        .context("cannot read the stored API keys")?;
    let unreadable: Vec<_> = keys
        .iter()
        .filter(|key| master_key.decrypt(&key.ciphertext, &key.nonce).is_err())
        .collect();
    for key in &unreadable {
        tracing::error!(
            team = %key.team_name,
            label = %key.label,
            key_id = %key.id,
            "stored RevRing API key cannot be decrypted with this master key: restore the \
             master key it was stored under, or have a team admin enter the key again (rotate)"
        );
    }
    if !unreadable.is_empty() {
        tracing::error!(
            count = unreadable.len(),
            total = keys.len(),
            "some stored API keys cannot be decrypted: is RINGSIDE_MASTER_KEY the one they \
             were stored under?"
        );
    }
    Ok(unreadable.len())
}

/// `ringside serve`: connect (starting the local cluster if needed), migrate, serve until a
/// signal, then stop what was started.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let database = Database::connect(&args.database.config()).await?;
    let result = serve_with(&args, &database, |_| Ok(())).await;
    database.close().await?;
    result
}

/// Migrates, runs `prepare` (seeding, banners), then serves until a shutdown signal.
pub async fn serve_with(
    args: &ServeArgs,
    database: &Database,
    announce: impl FnOnce(SocketAddr) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    database.migrate().await?;
    let app = Application::build(args, database.pool.clone()).await?;
    let addr = app.local_addr();
    tracing::info!(%addr, "Ringside is listening");
    announce(addr)?;
    app.run_until_stopped(crate::app::shutdown::signal()).await
}

/// `ringside migrate`.
pub async fn migrate(args: crate::cli::DatabaseArgs) -> anyhow::Result<()> {
    let database = Database::connect(&args.config()).await?;
    let result = database.migrate().await;
    database.close().await?;
    result?;
    println!("Migrations applied.");
    Ok(())
}
