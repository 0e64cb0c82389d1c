//! Turning a stored, encrypted API key into a RevRing client, scoped by team.

use std::sync::Arc;

use secrecy::SecretString;
use sqlx::PgPool;
use uuid::Uuid;

use crate::crypto::MasterKey;
use crate::revring::{Client, RevRing};

/// What the sync engine needs to talk to RevRing on a team's behalf.
#[derive(Clone)]
pub struct RevRingAccess {
    /// Database pool.
    pub db: PgPool,
    /// Decrypts stored keys.
    pub master_key: Arc<MasterKey>,
    /// Shared RevRing transport.
    pub revring: RevRing,
}

/// Why no client could be made.
#[derive(Debug, thiserror::Error)]
pub enum KeyProblem {
    /// The key was revoked or does not belong to the team.
    #[error("the API key this was started with has been revoked")]
    Revoked,
    /// The key cannot be decrypted with the current master key.
    #[error("the API key \"{0}\" cannot be decrypted with the current master key")]
    Undecryptable(String),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl RevRingAccess {
    /// A client for the team's active key `api_key_id`.
    pub async fn client_for(&self, team_id: Uuid, api_key_id: Uuid) -> Result<Client, KeyProblem> {
        let sealed = crate::db::api_keys::find_active(&self.db, team_id, api_key_id)
            .await?
            .ok_or(KeyProblem::Revoked)?;
        let secret: SecretString = crate::db::api_keys::open(
            &self.master_key,
            team_id,
            sealed.id,
            &sealed.ciphertext,
            &sealed.nonce,
            sealed.aad_version,
        )
        .map_err(|_| KeyProblem::Undecryptable(sealed.label.clone()))?;
        Ok(self.revring.client(secret))
    }
}
