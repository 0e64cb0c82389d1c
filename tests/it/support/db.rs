//! A fresh database per test, on a real PostgreSQL server.
//!
//! The server is `RINGSIDE_TEST_DATABASE_URL` when set (any database on it; the tests create
//! their own next to it), else a cluster Ringside manages under the system temp dir, shared by
//! all test processes and reused across runs, with fsync and synchronous commit off (its data
//! is disposable, and flushing every commit to disk dominated the suite's time).
//!
//! Migrations run once per server and migration set: into a template database named after a
//! hash of the migrations. Each test's database is a copy of it (`CREATE DATABASE … TEMPLATE`),
//! and is dropped when the test ends ([`DropDatabase`]).

use std::time::{SystemTime, UNIX_EPOCH};

use ringside::db::local::LocalPostgres;
use ringside::db::{MIGRATOR, pool_options};
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;
use sqlx::{Connection, PgConnection, PgPool};
use tokio::sync::OnceCell;

/// Test databases older than this are dropped when a test process starts: they belong to
/// processes that were killed before their guard could drop them.
const STALE_DATABASE_SECS: u64 = 3 * 3600;

/// Name prefix of every test database.
const PREFIX: &str = "rstest_";

/// Name prefix of the migrated template databases.
const TEMPLATE_PREFIX: &str = "rstemplate_";

/// Advisory lock key that serialises building a template across test processes.
const TEMPLATE_LOCK: i64 = 0x7269_6e67_7369_6465;

/// The test server's maintenance database and the template for this set of migrations.
struct Server {
    options: PgConnectOptions,
    template: String,
}

static SERVER: OnceCell<Server> = OnceCell::const_new();

async fn server() -> &'static Server {
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
                    without_durability(&options).await;
                    options
                }
            };
            drop_stale_databases(&options).await;
            let template = migrated_template(&options).await;
            Server { options, template }
        })
        .await
}

/// Turns off fsync and synchronous commit on the managed test cluster (a crash may lose its
/// data, which tests recreate anyway). Both settings take effect on reload, so a cluster that
/// is already running (started by an earlier test process) is switched too.
async fn without_durability(server: &PgConnectOptions) {
    let mut conn = PgConnection::connect_with(server)
        .await
        .expect("connect to the test server");
    let fsync: String = sqlx::query_scalar("SHOW fsync")
        .fetch_one(&mut conn)
        .await
        .expect("read fsync");
    if fsync == "off" {
        return;
    }
    for statement in [
        "ALTER SYSTEM SET fsync = off",
        "ALTER SYSTEM SET synchronous_commit = off",
        "ALTER SYSTEM SET full_page_writes = off",
        "SELECT pg_reload_conf()",
    ] {
        sqlx::query(statement)
            .execute(&mut conn)
            .await
            .expect("configure the test cluster");
    }
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

/// Name of the template for the migrations compiled into this binary: a change to any
/// migration (added, edited) names a new template, so a stale one is never copied.
fn template_name() -> String {
    let mut hash = Sha256::new();
    for migration in MIGRATOR.iter() {
        hash.update(migration.version.to_be_bytes());
        hash.update(&migration.checksum);
    }
    let digest = hash.finalize();
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    format!("{TEMPLATE_PREFIX}{hex}")
}

/// Makes sure the template for this migration set exists and is complete; returns its name.
/// Test processes run in parallel: an advisory lock lets one build it while the others wait. A
/// template is complete once marked `IS_TEMPLATE` (the last step); a half-built one left by a
/// killed process is dropped and rebuilt. Connections to it are then refused, so nothing can
/// hold it open while tests copy it.
async fn migrated_template(server: &PgConnectOptions) -> String {
    let name = template_name();
    let mut conn = PgConnection::connect_with(server)
        .await
        .expect("connect to the test server");
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(TEMPLATE_LOCK)
        .execute(&mut conn)
        .await
        .expect("take the template lock");
    let complete: Option<bool> =
        sqlx::query_scalar("SELECT datistemplate FROM pg_database WHERE datname = $1")
            .bind(&name)
            .fetch_optional(&mut conn)
            .await
            .expect("look for the template");
    if complete != Some(true) {
        for statement in [
            format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"),
            format!("CREATE DATABASE \"{name}\""),
        ] {
            sqlx::query(&statement)
                .execute(&mut conn)
                .await
                .expect("create the template database");
        }
        let pool = pool_options()
            .max_connections(1)
            .connect_with(server.clone().database(&name))
            .await
            .expect("connect to the template database");
        MIGRATOR
            .run(&pool)
            .await
            .expect("migrations apply to an empty database");
        pool.close().await;
        sqlx::query(&format!(
            "ALTER DATABASE \"{name}\" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false"
        ))
        .execute(&mut conn)
        .await
        .expect("mark the template complete");
    }
    // Closing the connection releases the advisory lock.
    let _ = conn.close().await;
    name
}

/// Drops a test's database when dropped, i.e. when the test ends, passed or failed.
///
/// `Drop` cannot await, and the test's runtime may be shutting down, so the drop runs on its
/// own thread with its own small runtime, and waits for it.
#[must_use = "the database is dropped when this guard is"]
pub(crate) struct DropDatabase {
    server: PgConnectOptions,
    name: String,
}

impl Drop for DropDatabase {
    fn drop(&mut self) {
        let server = self.server.clone();
        let statement = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let dropper = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async {
                if let Ok(mut conn) = PgConnection::connect_with(&server).await {
                    let _ = sqlx::query(&statement).execute(&mut conn).await;
                }
            });
        });
        let _ = dropper.join();
    }
}

/// A new database with every migration applied, and the guard that drops it.
async fn new_database() -> (PgConnectOptions, DropDatabase) {
    let server = server().await;
    let name = format!("{PREFIX}{}_{}", now_secs(), uuid::Uuid::new_v4().simple());
    let mut conn = PgConnection::connect_with(&server.options)
        .await
        .expect("connect to the test server");
    sqlx::query(&format!(
        "CREATE DATABASE \"{name}\" TEMPLATE \"{}\"",
        server.template
    ))
    .execute(&mut conn)
    .await
    .expect("create a test database from the template");
    let _ = conn.close().await;
    let guard = DropDatabase {
        server: server.options.clone(),
        name: name.clone(),
    };
    (server.options.clone().database(&name), guard)
}

/// A pool on a new database with every migration applied, and the guard that drops the
/// database: keep it alive for as long as the test uses the database.
pub(crate) async fn fresh_database() -> (PgPool, DropDatabase) {
    let (options, guard) = new_database().await;
    let pool = pool_options()
        .max_connections(5)
        .connect_with(options)
        .await
        .expect("connect to the test database");
    (pool, guard)
}
