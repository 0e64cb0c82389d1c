//! Alert channels: where a team's alerts go. Webhook and Slack URLs and webhook signing secrets
//! are stored encrypted under the master key (`crypto.rs`); `hint` is what pages show.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::crypto::EncryptedSecret;

/// A channel as pages show it (no secrets).
#[derive(Debug, Clone)]
pub struct Channel {
    /// Its id.
    pub id: Uuid,
    /// `webhook`, `slack` or `email`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// What identifies the target without revealing it (host and last characters), or the
    /// e-mail recipients.
    pub hint: String,
    /// When it was added.
    pub created_at: OffsetDateTime,
}

/// A channel with its sealed secrets, for delivery.
#[derive(Debug, Clone)]
pub struct SealedChannel {
    /// Its id.
    pub id: Uuid,
    /// `webhook`, `slack` or `email`.
    pub kind: String,
    /// Its name.
    pub name: String,
    /// Encrypted URL (webhook, Slack).
    pub url: Option<EncryptedSecret>,
    /// Encrypted signing secret (webhook).
    pub secret: Option<EncryptedSecret>,
    /// Recipients (e-mail), comma-separated.
    pub email_to: Option<String>,
}

/// What a new channel holds.
#[derive(Debug, Clone)]
pub struct NewChannel<'a> {
    /// `webhook`, `slack` or `email`.
    pub kind: &'a str,
    /// Name.
    pub name: &'a str,
    /// Encrypted URL (webhook, Slack).
    pub url: Option<EncryptedSecret>,
    /// Encrypted signing secret (webhook).
    pub secret: Option<EncryptedSecret>,
    /// Recipients (e-mail).
    pub email_to: Option<&'a str>,
    /// What pages show.
    pub hint: &'a str,
}

/// Adds a channel.
pub async fn insert(
    db: &PgPool,
    team_id: Uuid,
    channel: &NewChannel<'_>,
    created_by: Option<Uuid>,
) -> sqlx::Result<Uuid> {
    let (url_ct, url_nonce) = split(channel.url.as_ref());
    let (secret_ct, secret_nonce) = split(channel.secret.as_ref());
    sqlx::query_scalar!(
        "INSERT INTO alert_channels (team_id, kind, name, url_ciphertext, url_nonce,
                                     secret_ciphertext, secret_nonce, email_to, hint, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        team_id,
        channel.kind,
        channel.name,
        url_ct,
        url_nonce,
        secret_ct,
        secret_nonce,
        channel.email_to,
        channel.hint,
        created_by,
    )
    .fetch_one(db)
    .await
}

fn split(sealed: Option<&EncryptedSecret>) -> (Option<&[u8]>, Option<&[u8]>) {
    match sealed {
        Some(sealed) => (Some(&sealed.ciphertext), Some(&sealed.nonce)),
        None => (None, None),
    }
}

fn join(ciphertext: Option<Vec<u8>>, nonce: Option<Vec<u8>>) -> Option<EncryptedSecret> {
    Some(EncryptedSecret {
        ciphertext: ciphertext?,
        nonce: nonce?,
    })
}

/// The team's channels, oldest first.
pub async fn list(db: &PgPool, team_id: Uuid) -> sqlx::Result<Vec<Channel>> {
    sqlx::query_as!(
        Channel,
        "SELECT id, kind, name, hint, created_at FROM alert_channels
         WHERE team_id = $1 ORDER BY created_at, id",
        team_id
    )
    .fetch_all(db)
    .await
}

/// The team's channel `id`, with its sealed secrets.
pub async fn get_sealed(
    db: &PgPool,
    team_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<SealedChannel>> {
    let row = sqlx::query!(
        "SELECT id, kind, name, url_ciphertext, url_nonce, secret_ciphertext, secret_nonce,
                email_to
         FROM alert_channels WHERE team_id = $1 AND id = $2",
        team_id,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|row| SealedChannel {
        id: row.id,
        kind: row.kind,
        name: row.name,
        url: join(row.url_ciphertext, row.url_nonce),
        secret: join(row.secret_ciphertext, row.secret_nonce),
        email_to: row.email_to,
    }))
}

/// Removes a channel, its rules and its undelivered alerts; returns its name.
pub async fn delete(db: &PgPool, team_id: Uuid, id: Uuid) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar!(
        "DELETE FROM alert_channels WHERE team_id = $1 AND id = $2 RETURNING name",
        team_id,
        id
    )
    .fetch_optional(db)
    .await
}
