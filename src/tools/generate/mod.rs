//! `ringside generate`: fills a database with a large, realistic run history for one team —
//! suites of voice-agent test cases that pass, fail, flake, regress and get fixed over about a
//! year, with short transcripts — to see and measure the trend pages at scale. It needs no
//! RevRing: suites and runs hang off a revoked placeholder API key whose "ciphertext" is random
//! bytes (never decryptable, never used). Re-running replaces the team's generated history.

mod catalog;
mod copy;
mod plan;
mod rows;

use std::time::Instant;

use anyhow::Context;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::{Role, password};
use crate::cli::GenerateArgs;
use crate::db::{Database, accounts};

/// Label of the placeholder key generated suites and runs belong to.
pub const PLACEHOLDER_KEY_LABEL: &str = "generated";

/// Email of the generated team's manager unless given.
pub const DEFAULT_EMAIL: &str = "manager@generated.ringside.invalid";

/// What a generation wrote.
#[derive(Debug, Clone)]
pub struct Generated {
    /// The team.
    pub team_id: Uuid,
    /// Suites written.
    pub suites: usize,
    /// Runs written.
    pub runs: u64,
    /// Attempts written.
    pub attempts: u64,
}

/// `ringside generate`: connect, migrate, generate, print the login.
pub async fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let database = Database::connect(&args.database.config()).await?;
    database.migrate().await?;
    let password = args.password.clone().unwrap_or_else(random_password);
    let started = Instant::now();
    let result = generate(&database.pool, &args, &password).await;
    database.close().await?;
    let generated = result?;
    println!(
        "Generated {} suites, {} runs and {} attempts in {:.1} s.",
        generated.suites,
        generated.runs,
        generated.attempts,
        started.elapsed().as_secs_f64()
    );
    println!(
        "Sign in as {} with the password {} (team “{}”).",
        args.email,
        password.expose_secret(),
        args.team
    );
    Ok(())
}

fn random_password() -> SecretString {
    let mut bytes = [0u8; 12];
    rand::rng().fill_bytes(&mut bytes);
    let text: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    SecretString::from(text)
}

/// Writes the history described by `args` into `db` (migrated), for a team with an admin who
/// signs in with `password`.
pub async fn generate(
    db: &PgPool,
    args: &GenerateArgs,
    password: &SecretString,
) -> anyhow::Result<Generated> {
    let team_id = team(db, &args.team).await?;
    let user_id = admin(db, &args.email, password).await?;
    accounts::add_member(db, team_id, user_id, Role::Admin).await?;
    let key_id = placeholder_key(db, team_id, user_id).await?;
    sqlx::query!(
        "DELETE FROM suites WHERE team_id = $1 AND api_key_id = $2",
        team_id,
        key_id
    )
    .execute(db)
    .await
    .context("cannot remove the previously generated history")?;

    let plans = plan::suites(args.suites, args.runs, args.attempts, args.seed);
    let written = rows::write(db, team_id, key_id, &plans, args.days, args.seed).await?;
    // Fresh statistics (and visibility maps, for index-only scans) for the planner.
    // (Maintenance statements, not queries: they cannot be prepared, nor share a batch.)
    sqlx::raw_sql("VACUUM (ANALYZE) runs, run_case_results, suites, test_cases")
        .execute(db)
        .await?;
    sqlx::raw_sql("ANALYZE attempts").execute(db).await?;
    Ok(Generated {
        team_id,
        suites: plans.len(),
        runs: written.0,
        attempts: written.1,
    })
}

async fn team(db: &PgPool, name: &str) -> sqlx::Result<Uuid> {
    let existing = sqlx::query_scalar!(
        "SELECT id FROM teams WHERE name = $1 ORDER BY created_at LIMIT 1",
        name
    )
    .fetch_optional(db)
    .await?;
    match existing {
        Some(id) => Ok(id),
        None => {
            sqlx::query_scalar!("INSERT INTO teams (name) VALUES ($1) RETURNING id", name)
                .fetch_one(db)
                .await
        }
    }
}

async fn admin(db: &PgPool, email: &str, password: &SecretString) -> anyhow::Result<Uuid> {
    let hash = password::hash(password.clone()).await?;
    let existing = accounts::find_login(db, email).await?;
    Ok(match existing {
        Some(login) => {
            sqlx::query!(
                "UPDATE users SET password_hash = $2 WHERE id = $1",
                login.id,
                hash
            )
            .execute(db)
            .await?;
            login.id
        }
        None => accounts::insert_user(db, email, "Generated manager", &hash).await?,
    })
}

/// The team's revoked placeholder key (created once): random bytes stand in for a ciphertext.
async fn placeholder_key(db: &PgPool, team_id: Uuid, user_id: Uuid) -> sqlx::Result<Uuid> {
    let existing = sqlx::query_scalar!(
        "SELECT id FROM api_keys WHERE team_id = $1 AND label = $2 AND revoked_at IS NOT NULL
         ORDER BY created_at LIMIT 1",
        team_id,
        PLACEHOLDER_KEY_LABEL
    )
    .fetch_optional(db)
    .await?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let mut ciphertext = [0u8; 32];
    let mut nonce = [0u8; 12];
    rand::rng().fill_bytes(&mut ciphertext);
    rand::rng().fill_bytes(&mut nonce);
    sqlx::query_scalar!(
        "INSERT INTO api_keys (team_id, label, ciphertext, nonce, hint, created_by, revoked_at)
         VALUES ($1, $2, $3, $4, 'gen', $5, now()) RETURNING id",
        team_id,
        PLACEHOLDER_KEY_LABEL,
        &ciphertext[..],
        &nonce[..],
        user_id
    )
    .fetch_one(db)
    .await
}
