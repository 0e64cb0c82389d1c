//! Database access: the connection pool, migrations, and the managed local cluster.

pub mod accounts;
pub mod alert_channels;
pub mod alert_deliveries;
pub mod alert_outbox;
pub mod alert_rules;
pub mod api_keys;
pub mod api_tokens;
pub mod attempts;
pub mod audit;
pub mod calls;
pub mod case_results;
pub mod ingest;
pub mod invitations;
pub mod key_refresh;
pub mod known_issues;
pub mod local;
pub mod login_failures;
pub mod reviews;
pub mod run_labels;
pub mod run_starts;
pub mod runs;
pub mod schedules;
pub mod search;
pub mod share_links;
pub mod suites;
pub mod trends;
pub mod vocab;

use std::time::Duration;

use anyhow::Context;
use secrecy::ExposeSecret;
use secrecy::SecretString;
use sqlx::PgPool;
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use local::LocalPostgres;

/// The migrations in `migrations/`, embedded in the binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// Most connections one Ringside process opens.
const MAX_CONNECTIONS: u32 = 16;

/// How long a request waits for a free connection before failing with "unavailable".
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the database is: a PostgreSQL URL, or a data directory for the managed cluster.
#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `DATABASE_URL`; `None` runs a local cluster under `data_dir`.
    pub url: Option<SecretString>,
    /// Ringside's local state (the managed cluster, the generated master key).
    pub data_dir: std::path::PathBuf,
}

/// The pool, plus the local cluster when Ringside manages one.
pub struct Database {
    /// Connections to the Ringside database.
    pub pool: PgPool,
    local: Option<(std::sync::Arc<LocalPostgres>, tokio::task::JoinHandle<()>)>,
}

impl Database {
    /// Connects to `DATABASE_URL`, or starts (creating it the first time) the local cluster.
    pub async fn connect(args: &DatabaseConfig) -> anyhow::Result<Self> {
        let (options, local) = match &args.url {
            Some(url) => {
                let options: PgConnectOptions = url
                    .expose_secret()
                    .parse()
                    .context("DATABASE_URL is not a valid PostgreSQL URL")?;
                (options, None)
            }
            None => {
                let local = LocalPostgres::start(&args.data_dir).await?;
                (local.connect_options(), Some(local))
            }
        };
        let pool = pool_options()
            .connect_with(options)
            .await
            .context("cannot connect to the database")?;
        // A cluster stopped under us (by hand, or an older Ringside) is started again.
        let local = local.map(|local| {
            let local = std::sync::Arc::new(local);
            let watch = local.keep_running();
            (local, watch)
        });
        Ok(Self { pool, local })
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> anyhow::Result<()> {
        MIGRATOR
            .run(&self.pool)
            .await
            .context("database migration failed")
    }

    /// Closes the pool and stops the local cluster unless another process still uses it.
    pub async fn close(self) -> anyhow::Result<()> {
        self.pool.close().await;
        let Some((local, watch)) = self.local else {
            return Ok(());
        };
        watch.abort();
        let _ = watch.await;
        match std::sync::Arc::try_unwrap(local) {
            Ok(local) => local.stop().await,
            Err(_) => anyhow::bail!("the local cluster is still in use by this process"),
        }
    }
}

/// Pool settings shared by the server and the test harness.
pub fn pool_options() -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(MAX_CONNECTIONS)
        .acquire_timeout(ACQUIRE_TIMEOUT)
}

/// The database's current snapshot (`pg_current_snapshot()` as text): equal for two reads only
/// when no transaction committed or aborted in between, so it names one state of the data.
pub async fn snapshot(db: &PgPool) -> sqlx::Result<String> {
    sqlx::query_scalar!(r#"SELECT pg_current_snapshot()::text AS "snapshot!""#)
        .fetch_one(db)
        .await
}
