//! API tokens: a team's bearer tokens for `/api/v1`, stored as SHA-256 hashes. Every query that
//! lists or changes them is scoped by team; lookup by hash finds the team.

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::Scope;

/// How often a token's `last_used_at` is rewritten at most: a busy CI token would otherwise
/// write on every request.
const LAST_USE_RESOLUTION_SECS: f64 = 60.0;

/// A token as the tokens page lists it: never the secret.
#[derive(Debug, Clone)]
pub struct TokenRow {
    /// The token.
    pub id: Uuid,
    /// The team's name for it ("GitHub Actions").
    pub name: String,
    /// Its first characters (`rst_…`).
    pub prefix: String,
    /// What it may do.
    pub scope: Scope,
    /// Who created it (None: the account is gone, or the command line made it).
    pub created_by: Option<String>,
    /// Made by `ringside token create`.
    pub from_command_line: bool,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it stops working, if ever.
    pub expires_at: Option<OffsetDateTime>,
    /// When it was last used.
    pub last_used_at: Option<OffsetDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<OffsetDateTime>,
}

/// A token found by its hash, whatever its state: the caller decides what revoked or expired
/// means.
#[derive(Debug, Clone)]
pub struct PresentedToken {
    /// The token.
    pub id: Uuid,
    /// Its team.
    pub team_id: Uuid,
    /// Its name.
    pub name: String,
    /// What it may do.
    pub scope: Scope,
    /// Revoked?
    pub revoked: bool,
    /// Past its expiry?
    pub expired: bool,
}

/// What creating a token needs.
#[derive(Debug, Clone)]
pub struct NewToken<'a> {
    /// The team.
    pub team_id: Uuid,
    /// Its name.
    pub name: &'a str,
    /// Shown part of the secret.
    pub prefix: &'a str,
    /// SHA-256 of the secret.
    pub token_hash: &'a [u8],
    /// Scope.
    pub scope: Scope,
    /// Creator (None from the command line).
    pub created_by: Option<Uuid>,
    /// Made by the command line.
    pub from_command_line: bool,
    /// Expiry.
    pub expires_at: Option<OffsetDateTime>,
}

/// Stores a new token; returns its id.
pub async fn create(db: impl PgExecutor<'_>, token: &NewToken<'_>) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "INSERT INTO api_tokens (team_id, name, prefix, token_hash, scope, created_by,
                                 from_command_line, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         RETURNING id",
        token.team_id,
        token.name,
        token.prefix,
        token.token_hash,
        token.scope.as_str(),
        token.created_by,
        token.from_command_line,
        token.expires_at,
    )
    .fetch_one(db)
    .await
}

/// The token with this hash, if any.
pub async fn find_by_hash(db: &PgPool, hash: &[u8]) -> sqlx::Result<Option<PresentedToken>> {
    sqlx::query_as!(
        PresentedToken,
        r#"SELECT id, team_id, name, scope AS "scope: Scope",
                  revoked_at IS NOT NULL AS "revoked!",
                  coalesce(expires_at <= now(), false) AS "expired!"
           FROM api_tokens WHERE token_hash = $1"#,
        hash
    )
    .fetch_optional(db)
    .await
}

/// Notes that the token was used just now (at most once a minute).
pub async fn touch(db: &PgPool, token_id: Uuid) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE api_tokens SET last_used_at = now()
         WHERE id = $1
           AND (last_used_at IS NULL OR last_used_at < now() - make_interval(secs => $2))",
        token_id,
        LAST_USE_RESOLUTION_SECS,
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The team's tokens, active first, newest first.
pub async fn list(db: &PgPool, team_id: Uuid) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as!(
        TokenRow,
        r#"SELECT t.id, t.name, t.prefix, t.scope AS "scope: Scope",
                  u.display_name AS "created_by?", t.from_command_line, t.created_at,
                  t.expires_at, t.last_used_at, t.revoked_at
           FROM api_tokens t LEFT JOIN users u ON u.id = t.created_by
           WHERE t.team_id = $1
           ORDER BY t.revoked_at IS NOT NULL, t.created_at DESC"#,
        team_id
    )
    .fetch_all(db)
    .await
}

/// Revokes the team's token at once; returns its name, or `None` when there is no such active
/// token in this team.
pub async fn revoke(db: &PgPool, team_id: Uuid, token_id: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "UPDATE api_tokens SET revoked_at = now()
         WHERE team_id = $1 AND id = $2 AND revoked_at IS NULL
         RETURNING name",
        team_id,
        token_id
    )
    .fetch_optional(db)
    .await
}

/// Ids of the teams with exactly this name (for `ringside token create --team`).
pub async fn teams_named(db: &PgPool, name: &str) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar!(
        "SELECT id FROM teams WHERE name = $1 ORDER BY created_at",
        name
    )
    .fetch_all(db)
    .await
}
