//! `ringside demo`: everything on embedded defaults, seeded, with the URL printed.

use sqlx::PgPool;

use crate::config::ServeArgs;
use crate::db::Database;

/// Name of the team the demo creates.
pub const DEMO_TEAM: &str = "Demo team";

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

/// Creates the demo team unless it exists. Safe to run on every start.
pub async fn seed(db: &PgPool) -> anyhow::Result<()> {
    sqlx::query!(
        "INSERT INTO teams (name) SELECT $1 WHERE NOT EXISTS (SELECT 1 FROM teams WHERE name = $1)",
        DEMO_TEAM
    )
    .execute(db)
    .await?;
    Ok(())
}
