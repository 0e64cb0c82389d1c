//! A fresh database per test, on a real PostgreSQL server.
//!
//! The server is `RINGSIDE_TEST_DATABASE_URL` when set (any database on it; the tests create
//! their own next to it), else a cluster Ringside manages under the system temp dir, shared by
//! all test processes and reused across runs.

use std::time::{SystemTime, UNIX_EPOCH};

use ringside::db::local::LocalPostgres;
use ringside::db::{MIGRATOR, pool_options};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::OnceCell;

/// Test databases older than this are dropped when a test process starts: they belong to runs
/// that ended long ago.
const STALE_DATABASE_SECS: u64 = 3 * 3600;

/// Name prefix of every test database.
const PREFIX: &str = "rstest_";

/// Connection options of the test server's maintenance database.
static SERVER: OnceCell<PgConnectOptions> = OnceCell::const_new();

async fn server() -> PgConnectOptions {
    SERVER
        .get_or_init(|| async {
            let options = match std::env::var("RINGSIDE_TEST_DATABASE_URL") {
                Ok(url) => url
                    .parse::<PgConnectOptions>()
                    .expect("RINGSIDE_TEST_DATABASE_URL"),
                Err(_) => {
                    let dir = std::env::temp_dir().join("ringside-test-cluster");
                    let cluster = LocalPostgres::start(&dir)
                        .await
                        .expect("start the test PostgreSQL cluster");
                    let options = cluster.connect_options_for("postgres");
                    // The cluster outlives this process on purpose: the next test process
                    // reuses it instead of paying for a start.
                    std::mem::forget(cluster);
                    options
                }
            };
            drop_stale_databases(&options).await;
            options
        })
        .await
        .clone()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_secs()
}

async fn drop_stale_databases(server: &PgConnectOptions) {
    let Ok(mut conn) = PgConnection::connect_with(server).await else {
        return;
    };
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'rstest\\_%'")
            .fetch_all(&mut conn)
            .await
            .unwrap_or_default();
    for name in names {
        let created: u64 = name
            .trim_start_matches(PREFIX)
            .split('_')
            .next()
            .and_then(|secs| secs.parse().ok())
            .unwrap_or(0);
        if now_secs().saturating_sub(created) > STALE_DATABASE_SECS {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
    }
}

/// Connection options of a new, empty database (no migrations applied).
pub(crate) async fn empty_database() -> PgConnectOptions {
    let server = server().await;
    let name = format!("{PREFIX}{}_{}", now_secs(), uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect_with(&server)
        .await
        .expect("connect to the test server");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    server.database(&name)
}

/// A pool on a new database with every migration applied.
pub(crate) async fn fresh_database() -> PgPool {
    let pool = pool_options()
        .max_connections(5)
        .connect_with(empty_database().await)
        .await
        .expect("connect to the test database");
    MIGRATOR
        .run(&pool)
        .await
        .expect("migrations apply to an empty database");
    pool
}
