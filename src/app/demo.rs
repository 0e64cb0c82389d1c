//! `ringside demo`: everything on embedded defaults — the local database, a built-in RevRing
//! simulator, the portal — with a demo team, its admin, a key on the simulator and the
//! simulator's weeks of run history, then the URL and the login printed.

use std::net::SocketAddr;

use secrecy::SecretString;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::{Role, password};
use crate::cli::ServeArgs;
use crate::crypto::MasterKey;
use crate::db::{Database, accounts, api_keys, key_refresh};
use crate::simulator::{Simulator, SimulatorConfig};

/// Name of the team the demo creates.
pub const DEMO_TEAM: &str = "Demo team";

/// Email of the demo admin (created only while no account exists).
pub const DEMO_EMAIL: &str = "demo@ringside.local";

/// Password of the demo admin: the demo is local and throwaway, and prints it.
pub const DEMO_PASSWORD: &str = "ringside-demo";

/// Label of the demo team's key on the built-in simulator.
pub const DEMO_KEY_LABEL: &str = "Simulator";

/// Time scale of the built-in simulator: a demo run finishes in seconds.
pub const DEMO_SPEED: f64 = 30.0;

/// Poll interval of the demo's sync worker, in milliseconds: live pages move visibly.
const DEMO_SYNC_INTERVAL_MS: u64 = 500;

/// Starts the simulator, the local database (or uses `DATABASE_URL`), seeds the demo data once,
/// and serves until Ctrl-C.
pub async fn run(mut args: ServeArgs) -> anyhow::Result<()> {
    let simulator = Simulator::start(SimulatorConfig {
        bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        speed: DEMO_SPEED,
        ..SimulatorConfig::default()
    })
    .await?;
    args.revring_base_url = simulator.base_url().parse()?;
    args.sync_interval_ms = args.sync_interval_ms.min(DEMO_SYNC_INTERVAL_MS);
    let sim_key = SecretString::from(simulator.keys()[0].clone());
    let database = Database::connect(&args.database.config()).await?;
    let pool = database.pool.clone();
    let result = crate::app::startup::serve_with(&args, &database, |addr| {
        let master_key = args.master_key()?;
        let pool = pool.clone();
        tokio::spawn(async move {
            if let Err(error) = seed(&pool, &master_key, &sim_key).await {
                tracing::error!(?error, "seeding the demo failed");
            }
        });
        println!();
        println!("  Ringside demo is running: http://{addr}/");
        println!("  Sign in as {DEMO_EMAIL} with the password {DEMO_PASSWORD}");
        println!("  Built-in RevRing simulator: {}", args.revring_base_url);
        println!(
            "  Stop it with Ctrl-C; the data stays in {}.",
            args.database.data_dir.display()
        );
        println!();
        Ok(())
    })
    .await;
    simulator.shutdown().await;
    database.close().await?;
    result
}

/// Creates the demo team, its admin (while nobody has an account) and its simulator key, then
/// asks the sync worker to import the suites and history now. Safe to run on every start.
pub async fn seed(
    db: &PgPool,
    master_key: &MasterKey,
    sim_key: &SecretString,
) -> anyhow::Result<()> {
    let team_id = demo_team(db).await?;
    if !accounts::any_user(db).await? {
        let hash = password::hash(SecretString::from(DEMO_PASSWORD.to_owned())).await?;
        let mut tx = db.begin().await?;
        let user_id = accounts::insert_user(&mut *tx, DEMO_EMAIL, "Demo admin", &hash).await?;
        accounts::add_member(&mut *tx, team_id, user_id, Role::Admin).await?;
        tx.commit().await?;
    }
    if api_keys::active_keys(db, team_id).await?.is_empty() {
        let admin = sqlx::query_scalar!(
            "SELECT user_id FROM memberships WHERE team_id = $1 AND role = 'admin' LIMIT 1",
            team_id
        )
        .fetch_optional(db)
        .await?;
        if let Some(admin) = admin {
            api_keys::insert(db, master_key, team_id, DEMO_KEY_LABEL, sim_key, admin).await?;
        }
    }
    key_refresh::due_now(db, team_id).await?;
    Ok(())
}

async fn demo_team(db: &PgPool) -> anyhow::Result<Uuid> {
    sqlx::query!(
        "INSERT INTO teams (name) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM teams WHERE name = $1)",
        DEMO_TEAM
    )
    .execute(db)
    .await?;
    Ok(
        sqlx::query_scalar!("SELECT id FROM teams WHERE name = $1 LIMIT 1", DEMO_TEAM)
            .fetch_one(db)
            .await?,
    )
}
