//! `ringside demo`: everything on embedded defaults, seeded, with the URL printed.

use sqlx::PgPool;

use secrecy::SecretString;

use crate::auth::{Role, password};
use crate::config::ServeArgs;
use crate::db::Database;
use crate::db::accounts;

/// Name of the team the demo creates.
pub const DEMO_TEAM: &str = "Demo team";

/// Email of the demo admin (created only while no account exists).
pub const DEMO_EMAIL: &str = "demo@ringside.local";

/// Password of the demo admin: the demo is local and throwaway, and prints it.
pub const DEMO_PASSWORD: &str = "ringside-demo";

/// Starts the local database (or uses `DATABASE_URL`), seeds the demo data once, and serves.
pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let database = Database::connect(&args.database).await?;
    let pool = database.pool.clone();
    let result = crate::startup::serve_with(&args, &database, |addr| {
        let pool = pool.clone();
        tokio::spawn(async move {
            if let Err(error) = seed(&pool).await {
                tracing::error!(?error, "seeding the demo failed");
            }
        });
        println!();
        println!("  Ringside demo is running: http://{addr}/");
        println!("  Sign in as {DEMO_EMAIL} with the password {DEMO_PASSWORD}");
        println!(
            "  Stop it with Ctrl-C; the data stays in {}.",
            args.database.data_dir.display()
        );
        println!();
        Ok(())
    })
    .await;
    database.close().await?;
    result
}

/// Creates the demo team and, while nobody has an account, the demo admin in it. Safe to run
/// on every start.
pub async fn seed(db: &PgPool) -> anyhow::Result<()> {
    sqlx::query!(
        "INSERT INTO teams (name) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM teams WHERE name = $1)",
        DEMO_TEAM
    )
    .execute(db)
    .await?;
    if accounts::any_user(db).await? {
        return Ok(());
    }
    let hash = password::hash(SecretString::from(DEMO_PASSWORD.to_owned())).await?;
    let mut tx = db.begin().await?;
    let user_id = accounts::insert_user(&mut *tx, DEMO_EMAIL, "Demo admin", &hash).await?;
    let team_id = sqlx::query_scalar!("SELECT id FROM teams WHERE name = $1 LIMIT 1", DEMO_TEAM)
        .fetch_one(&mut *tx)
        .await?;
    accounts::add_member(&mut *tx, team_id, user_id, Role::Admin).await?;
    tx.commit().await?;
    Ok(())
}
