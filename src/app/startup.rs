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

/// Name of the session cookie over plain HTTP.
const SESSION_COOKIE: &str = "ringside_session";

/// Connections for pages: a little more than the requests admitted at once
/// (`web::kit::overload::MAX_IN_FLIGHT`), so the probes and the live listener always find one.
const PAGE_CONNECTIONS: u32 = 14;

/// Longest a page's statement may run (search has its own, shorter limit): a slow page must
/// not hold a connection others need.
const PAGE_STATEMENT_TIMEOUT: &str = "10s";

/// Connections reserved for the session layer, so signing in and loading a session never wait
/// behind page queries.
const SESSION_CONNECTIONS: u32 = 4;

/// Longest a session load or save may run; past it the request is answered 503.
const SESSION_STATEMENT_TIMEOUT: &str = "5s";

/// Connections reserved for the sync worker, so runs keep moving while pages are busy.
const SYNC_CONNECTIONS: u32 = 8;

/// How long the sync worker waits for one of its connections (it is in no hurry).
const SYNC_ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// The process's connections, by who uses them: pages, sessions and the sync worker each have
/// their own pool, so one cannot starve another.
#[derive(Clone)]
struct Pools {
    pages: PgPool,
    sessions: PgPool,
    sync: PgPool,
}

impl Pools {
    /// Pools on the same database as `db` (opened lazily), closed when `db` is closed.
    fn beside(db: &PgPool) -> Self {
        let options = (*db.connect_options()).clone();
        let pages = options
            .clone()
            .options([("statement_timeout", PAGE_STATEMENT_TIMEOUT)]);
        let pools = Self {
            pages: crate::db::pool_options()
                .max_connections(PAGE_CONNECTIONS)
                .connect_lazy_with(pages),
            sessions: crate::db::pool_options()
                .max_connections(SESSION_CONNECTIONS)
                .connect_lazy_with(
                    options
                        .clone()
                        .options([("statement_timeout", SESSION_STATEMENT_TIMEOUT)]),
                ),
            sync: crate::db::pool_options()
                .max_connections(SYNC_CONNECTIONS)
                .acquire_timeout(SYNC_ACQUIRE_TIMEOUT)
                .connect_lazy_with(options),
        };
        let closed = db.close_event();
        let all = pools.clone();
        tokio::spawn(async move {
            closed.await;
            tokio::join!(all.pages.close(), all.sessions.close(), all.sync.close());
        });
        pools
    }
}

/// Name of the session cookie when cookies are `Secure`: the `__Host-` prefix makes browsers
/// refuse it unless it is Secure, host-only and for the whole site, so a sibling subdomain
/// cannot plant or shadow it.
const SECURE_SESSION_COOKIE: &str = "__Host-ringside_session";

/// A bound, ready-to-run portal.
pub struct Application {
    listener: TcpListener,
    router: Router,
    setup_token: Option<secrecy::SecretString>,
    worker: Option<(Worker, tokio::task::JoinHandle<()>)>,
    workers: Vec<tokio::task::JoinHandle<()>>,
    stopping: Stopping,
}

impl Application {
    /// Prepares the session store and the router, and binds the listening socket.
    pub async fn build(args: &ServeArgs, db: PgPool) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("cannot listen on {}", args.bind))?;
        let pools = Pools::beside(&db);
        let (router, state) = build_router_with(args, db, &pools).await?;
        if args.metrics_token.is_some() || args.metrics_bind.is_some() {
            crate::web::kit::metrics::install();
        }
        if let Some(bind) = args.metrics_bind {
            let metrics = TcpListener::bind(bind)
                .await
                .with_context(|| format!("cannot listen for metrics on {bind}"))?;
            tracing::info!(addr = %bind, "metrics are served on a separate address");
            let router = crate::web::kit::metrics::separate_router(state.clone());
            let stopping = state.stopping.clone();
            tokio::spawn(async move {
                let served = axum::serve(metrics, router)
                    .with_graceful_shutdown(async move { stopping.wait().await })
                    .await;
                if let Err(error) = served {
                    tracing::warn!(%error, "the metrics listener stopped");
                }
            });
        }
        let worker = (!args.no_sync).then(|| {
            let mut access = state.revring_access();
            access.db = pools.sync.clone();
            let worker = Worker::new(access, args.sync_settings());
            (worker.clone(), worker.spawn())
        });
        let mut workers = Vec::new();
        if !args.no_sync {
            let mut access = state.revring_access();
            access.db = pools.sync.clone();
            let scheduler = Scheduler::new(access, crate::sync::owner_name());
            workers.push(scheduler.spawn(SCHEDULE_TICK));
            let deliverer = state.deliverer(crate::sync::owner_name());
            workers.push(deliverer.spawn(DELIVERY_TICK));
        }
        let needs_setup = !crate::db::accounts::any_user(&state.db)
            .await
            .context("cannot read the accounts")?;
        let setup_token = state.settings.setup_token.clone().filter(|_| needs_setup);
        if let Some(token) = &setup_token {
            tracing::warn!(
                setup_token = %secrecy::ExposeSecret::expose_secret(token),
                "first start beyond loopback: /setup asks for this one-time setup token"
            );
        }
        Ok(Self {
            listener,
            router,
            setup_token,
            worker,
            workers,
            stopping: state.stopping,
        })
    }

    /// The one-time token `/setup` asks for, when no account exists yet and the portal listens
    /// beyond loopback (`ringside serve` prints it).
    pub fn setup_token(&self) -> Option<&secrecy::SecretString> {
        self.setup_token.as_ref()
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
        // Every sync write is one transaction: stopping the worker mid-poll loses nothing.
        if let Some((worker, task)) = self.worker {
            task.abort();
            let _ = task.await;
            // The next replica resumes this one's runs at once, not after the lease.
            if let Err(error) = worker.release().await {
                tracing::warn!(%error, "could not free the sync leases on shutdown");
            }
        }
        served
    }
}

/// The router with its state and session layer (sessions are stored in Postgres), and the
/// state, for the background tasks.
pub async fn build_router(args: &ServeArgs, db: PgPool) -> anyhow::Result<(Router, AppState)> {
    build_router_with(args, db.clone(), &Pools::beside(&db)).await
}

async fn build_router_with(
    args: &ServeArgs,
    db: PgPool,
    pools: &Pools,
) -> anyhow::Result<(Router, AppState)> {
    let store = PostgresStore::new(pools.sessions.clone());
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
        .with_name(if args.secure_cookies() {
            SECURE_SESSION_COOKIE
        } else {
            SESSION_COOKIE
        })
        .with_path("/")
        .with_secure(args.secure_cookies())
        .with_http_only(true)
        .with_same_site(tower_sessions::cookie::SameSite::Lax)
        .with_expiry(Expiry::OnInactivity(SESSION_IDLE_TIMEOUT));
    let master_key = args.master_key()?;
    let bound = crate::db::api_keys::bind_legacy(&db, &master_key)
        .await
        .context("cannot bind the stored API keys to their rows")?;
    if bound > 0 {
        tracing::info!(
            bound,
            "stored API keys re-sealed, bound to their team and id"
        );
    }
    report_undecryptable_keys(&db, &master_key).await?;
    let revring = RevRing::new(args.revring_base_url.as_str())
        .context("the RevRing base URL is not usable")?
        .with_recording_hosts(
            args.recording_hosts
                .iter()
                .map(|host| host.trim().to_owned())
                .filter(|host| !host.is_empty())
                .collect(),
        );
    let state = AppState {
        run_updates: RunUpdates::listen(db),
        stopping: Stopping::default(),
        db: pools.pages.clone(),
        settings: Arc::new(WebSettings {
            revring_base_url: args.revring_base_url.clone(),
            secure_cookies: args.secure_cookies(),
            public_url: args.public_url.clone(),
            trusted_proxies: args.trusted_proxies.clone(),
            setup_token: (!args.bind.ip().is_loopback())
                .then(|| crate::auth::token::generate().into()),
            share_max_days: args.share_max_days,
            metrics_token: args.metrics_token.clone(),
        }),
        master_key: Arc::new(master_key),
        revring,
        setup_done: Arc::new(AtomicBool::new(false)),
        delivery: Arc::new(args.delivery_settings()),
        page_data: Default::default(),
        chart_memo: Default::default(),
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
        .filter(|key| {
            crate::db::api_keys::open(
                master_key,
                key.team_id,
                key.id,
                &key.ciphertext,
                &key.nonce,
                key.aad_version,
            )
            .is_err()
        })
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
    if let Some(token) = app.setup_token() {
        println!(
            "First start: open /setup and enter this one-time setup token: {}",
            secrecy::ExposeSecret::expose_secret(token)
        );
    }
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
