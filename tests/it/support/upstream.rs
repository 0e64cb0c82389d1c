//! The upstream in tests: a simulator accepting known keys, and keys stored as an earlier
//! server would have stored them.

use ringside::crypto::MasterKey;
use ringside::simulator::{Simulator, SimulatorConfig};
use secrecy::SecretString;
use uuid::Uuid;

use super::TestApp;

/// Keys the simulator accepts (each its own organization).
pub(crate) const PRODUCTION: &str = "rr_sim_production_SECRETPLAIN_a1b2";
/// A second key the simulator accepts.
pub(crate) const STAGING: &str = "rr_sim_staging_SECRETPLAIN_c3d4";
/// A third key the simulator accepts.
pub(crate) const ROTATED: &str = "rr_sim_rotated_SECRETPLAIN_e5f6";

/// A simulator accepting the three keys above.
pub(crate) async fn simulator() -> Simulator {
    Simulator::start(SimulatorConfig {
        keys: [PRODUCTION, STAGING, ROTATED].map(str::to_owned).to_vec(),
        ..SimulatorConfig::default_for_tests()
    })
    .await
    .expect("the simulator starts")
}

/// Stores an API key for `team` directly (no verification), as an earlier server would have.
pub(crate) async fn stored_key(
    app: &TestApp,
    key: &MasterKey,
    team: Uuid,
    label: &str,
    secret: &str,
) -> Uuid {
    let sealed = key.encrypt(&SecretString::from(secret.to_owned()));
    sqlx::query_scalar(
        "INSERT INTO api_keys (team_id, label, ciphertext, nonce, hint) VALUES ($1, $2, $3, $4, $5)
         RETURNING id",
    )
    .bind(team)
    .bind(label)
    .bind(&sealed.ciphertext)
    .bind(&sealed.nonce)
    .bind(&secret[secret.len() - 4..])
    .fetch_one(&app.db)
    .await
    .unwrap()
}
