//! Stored RevRing API keys: encrypted secrets, labels, hints and their history. Every query is
//! scoped by team.

use sqlx::PgExecutor;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::crypto::EncryptedSecret;

/// An active key as pickers show it: never the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeySummary {
    /// The key.
    pub id: Uuid,
    /// The team's name for it ("Production", "Staging").
    pub label: String,
    /// Last four characters of the secret.
    pub hint: String,
}

/// A key as the keys page lists it, with its encrypted secret (to tell whether the current
/// master key can still read it; the plaintext never leaves the server).
#[derive(Debug, Clone)]
pub struct KeyRow {
    /// The key.
    pub id: Uuid,
    /// Label.
    pub label: String,
    /// Last four characters.
    pub hint: String,
    /// Who added it.
    pub created_by: Option<String>,
    /// When it was added.
    pub created_at: OffsetDateTime,
    /// When RevRing last accepted it.
    pub last_verified_at: Option<OffsetDateTime>,
    /// When its secret was last replaced.
    pub rotated_at: Option<OffsetDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<OffsetDateTime>,
    /// Encrypted secret.
    pub ciphertext: Vec<u8>,
    /// Its nonce.
    pub nonce: Vec<u8>,
}

/// The encrypted secret of one active key.
#[derive(Debug, Clone)]
pub struct SealedKey {
    /// The key.
    pub id: Uuid,
    /// Its label (for messages).
    pub label: String,
    /// Encrypted secret.
    pub ciphertext: Vec<u8>,
    /// Its nonce.
    pub nonce: Vec<u8>,
}

/// An active key of any team, for the startup check.
#[derive(Debug, Clone)]
pub struct AnyTeamKey {
    /// The key.
    pub id: Uuid,
    /// Its team's name.
    pub team_name: String,
    /// Its label.
    pub label: String,
    /// Encrypted secret.
    pub ciphertext: Vec<u8>,
    /// Its nonce.
    pub nonce: Vec<u8>,
}

/// The last four characters of a secret, shown so people can tell keys apart.
pub fn hint_of(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// Stores a verified key. Fails with a unique violation when an active key has the label.
pub async fn insert(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    label: &str,
    sealed: &EncryptedSecret,
    hint: &str,
    created_by: Uuid,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "INSERT INTO api_keys (team_id, label, ciphertext, nonce, hint, created_by,
                               last_verified_at)
         VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING id",
        team_id,
        label,
        sealed.ciphertext,
        sealed.nonce,
        hint,
        created_by
    )
    .fetch_one(db)
    .await
}

/// The team's active keys, by label: what run and suite forms offer.
pub async fn active_keys(db: impl PgExecutor<'_>, team_id: Uuid) -> sqlx::Result<Vec<KeySummary>> {
    sqlx::query_as!(
        KeySummary,
        "SELECT id, label, hint FROM api_keys
         WHERE team_id = $1 AND revoked_at IS NULL
         ORDER BY lower(label), id",
        team_id
    )
    .fetch_all(db)
    .await
}

/// Every key of the team, active ones first.
pub async fn list(db: impl PgExecutor<'_>, team_id: Uuid) -> sqlx::Result<Vec<KeyRow>> {
    sqlx::query_as!(
        KeyRow,
        r#"SELECT k.id, k.label, k.hint, u.display_name AS "created_by?", k.created_at,
                  k.last_verified_at, k.rotated_at, k.revoked_at, k.ciphertext, k.nonce
           FROM api_keys k LEFT JOIN users u ON u.id = k.created_by
           WHERE k.team_id = $1
           ORDER BY k.revoked_at IS NOT NULL, k.revoked_at DESC, lower(k.label), k.id"#,
        team_id
    )
    .fetch_all(db)
    .await
}

/// One active key of this team, encrypted.
pub async fn find_active(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<SealedKey>> {
    sqlx::query_as!(
        SealedKey,
        "SELECT id, label, ciphertext, nonce FROM api_keys
         WHERE team_id = $1 AND id = $2 AND revoked_at IS NULL",
        team_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// Replaces the secret of an active key (label and history stay). False if there is none.
pub async fn rotate(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    id: Uuid,
    sealed: &EncryptedSecret,
    hint: &str,
) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "UPDATE api_keys
         SET ciphertext = $3, nonce = $4, hint = $5, rotated_at = now(), last_verified_at = now()
         WHERE team_id = $1 AND id = $2 AND revoked_at IS NULL",
        team_id,
        id,
        sealed.ciphertext,
        sealed.nonce,
        hint
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Revokes an active key of this team; returns its label.
pub async fn revoke(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "UPDATE api_keys SET revoked_at = now()
         WHERE team_id = $1 AND id = $2 AND revoked_at IS NULL RETURNING label",
        team_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// Every active key of every team (startup check of the master key).
pub async fn all_active(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<AnyTeamKey>> {
    sqlx::query_as!(
        AnyTeamKey,
        "SELECT k.id, t.name AS team_name, k.label, k.ciphertext, k.nonce
         FROM api_keys k JOIN teams t ON t.id = k.team_id
         WHERE k.revoked_at IS NULL ORDER BY t.name, k.label"
    )
    .fetch_all(db)
    .await
}

#[cfg(test)]
mod tests {
    use super::hint_of;

    #[test]
    fn hint_is_the_last_four_characters() {
        assert_eq!(hint_of("rr_live_9f3a7c21"), "7c21");
        assert_eq!(hint_of("abc"), "abc");
        assert_eq!(hint_of("rr_é1234"), "1234");
    }
}
