//! Stored RevRing API keys: encrypted secrets, labels, hints and their history. Every query is
//! scoped by team. Secrets are sealed bound to their team and key id (`aad_version` 1, see
//! `crypto::api_key_aad`); rows sealed before that are re-sealed at boot by [`bind_legacy`].

use secrecy::SecretString;
use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::crypto::{DecryptError, MasterKey, api_key_aad};

/// `aad_version` of a secret sealed without associated data (before binding).
pub const AAD_UNBOUND: i16 = 0;

/// `aad_version` of a secret bound to its team and key id.
pub const AAD_BOUND: i16 = 1;

/// Decrypts a stored secret of key `id` of team `team_id`, as sealed at `aad_version`.
pub fn open(
    master_key: &MasterKey,
    team_id: Uuid,
    id: Uuid,
    ciphertext: &[u8],
    nonce: &[u8],
    aad_version: i16,
) -> Result<SecretString, DecryptError> {
    match aad_version {
        AAD_UNBOUND => master_key.decrypt(ciphertext, nonce),
        AAD_BOUND => master_key.decrypt_bound(ciphertext, nonce, &api_key_aad(team_id, id)),
        _ => Err(DecryptError),
    }
}

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
    /// How it is bound to its row ([`AAD_UNBOUND`] or [`AAD_BOUND`]).
    pub aad_version: i16,
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
    /// How it is bound to its row ([`AAD_UNBOUND`] or [`AAD_BOUND`]).
    pub aad_version: i16,
}

/// An active key of any team, for the startup check.
#[derive(Debug, Clone)]
pub struct AnyTeamKey {
    /// The key.
    pub id: Uuid,
    /// Its team.
    pub team_id: Uuid,
    /// Its team's name.
    pub team_name: String,
    /// Its label.
    pub label: String,
    /// Encrypted secret.
    pub ciphertext: Vec<u8>,
    /// Its nonce.
    pub nonce: Vec<u8>,
    /// How it is bound to its row ([`AAD_UNBOUND`] or [`AAD_BOUND`]).
    pub aad_version: i16,
}

/// The last four characters of a secret, shown so people can tell keys apart.
pub fn hint_of(secret: &str) -> String {
    let chars: Vec<char> = secret.chars().collect();
    chars[chars.len().saturating_sub(4)..].iter().collect()
}

/// Stores a verified key, sealed under `master_key` bound to its team and new id. Fails with a
/// unique violation when an active key has the label.
pub async fn insert(
    db: impl PgExecutor<'_>,
    master_key: &MasterKey,
    team_id: Uuid,
    label: &str,
    secret: &SecretString,
    created_by: Uuid,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    let sealed = master_key.encrypt_bound(secret, &api_key_aad(team_id, id));
    let hint = hint_of(secrecy::ExposeSecret::expose_secret(secret));
    sqlx::query_scalar!(
        "INSERT INTO api_keys (id, team_id, label, ciphertext, nonce, hint, created_by,
                               last_verified_at, aad_version)
         VALUES ($1, $2, $3, $4, $5, $6, $7, now(), $8) RETURNING id",
        id,
        team_id,
        label,
        sealed.ciphertext,
        sealed.nonce,
        hint,
        created_by,
        AAD_BOUND
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
                  k.last_verified_at, k.rotated_at, k.revoked_at, k.ciphertext, k.nonce,
                  k.aad_version
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
        "SELECT id, label, ciphertext, nonce, aad_version FROM api_keys
         WHERE team_id = $1 AND id = $2 AND revoked_at IS NULL",
        team_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// Replaces the secret of an active key (label and history stay), sealed bound to its row.
/// False if there is none.
pub async fn rotate(
    db: impl PgExecutor<'_>,
    master_key: &MasterKey,
    team_id: Uuid,
    id: Uuid,
    secret: &SecretString,
) -> sqlx::Result<bool> {
    let sealed = master_key.encrypt_bound(secret, &api_key_aad(team_id, id));
    let hint = hint_of(secrecy::ExposeSecret::expose_secret(secret));
    let result = sqlx::query!(
        "UPDATE api_keys
         SET ciphertext = $3, nonce = $4, hint = $5, rotated_at = now(), last_verified_at = now(),
             aad_version = $6
         WHERE team_id = $1 AND id = $2 AND revoked_at IS NULL",
        team_id,
        id,
        sealed.ciphertext,
        sealed.nonce,
        hint,
        AAD_BOUND
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
        "SELECT k.id, k.team_id, t.name AS team_name, k.label, k.ciphertext, k.nonce,
                k.aad_version
         FROM api_keys k JOIN teams t ON t.id = k.team_id
         WHERE k.revoked_at IS NULL ORDER BY t.name, k.label"
    )
    .fetch_all(db)
    .await
}

/// Re-seals, bound to their row, every key sealed before binding that `master_key` can read
/// (revoked ones included). Idempotent: a row is changed only while still unbound, so several
/// replicas starting at once do it once. Returns how many rows were bound.
pub async fn bind_legacy(db: &PgPool, master_key: &MasterKey) -> sqlx::Result<u64> {
    let rows = sqlx::query!(
        "SELECT id, team_id, ciphertext, nonce FROM api_keys WHERE aad_version = $1",
        AAD_UNBOUND
    )
    .fetch_all(db)
    .await?;
    let mut bound = 0;
    for row in rows {
        let Ok(secret) = master_key.decrypt(&row.ciphertext, &row.nonce) else {
            continue; // sealed under another master key: reported at startup, left alone
        };
        let sealed = master_key.encrypt_bound(&secret, &api_key_aad(row.team_id, row.id));
        bound += sqlx::query!(
            "UPDATE api_keys SET ciphertext = $3, nonce = $4, aad_version = $5
             WHERE team_id = $1 AND id = $2 AND aad_version = $6",
            row.team_id,
            row.id,
            sealed.ciphertext,
            sealed.nonce,
            AAD_BOUND,
            AAD_UNBOUND
        )
        .execute(db)
        .await?
        .rows_affected();
    }
    Ok(bound)
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
