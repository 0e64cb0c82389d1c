//! The sandbox's own admin endpoints under `/_sim` (no API key; the simulator is a loopback
//! sandbox): faults and counters.
//!
//! | method | path | what |
//! |---|---|---|
//! | GET | `/_sim/faults` | the current [`Faults`] (counts shrink as they are used) |
//! | PUT | `/_sim/faults` | replace them (omitted fields take their defaults) |
//! | DELETE | `/_sim/faults` | clear all faults |
//! | GET | `/_sim/stats` | the [`Stats`] |
//! | POST | `/_sim/stats/reset` | zero the counters |
//! | GET | `/_sim/health` | `{"ok": true}` |

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::error::ApiError;
use super::faults::Faults;
use super::state::AppState;
use super::stats::Stats;

/// `GET /_sim/faults`.
pub(super) async fn get_faults(State(state): State<AppState>) -> Json<Faults> {
    Json(state.faults().faults.clone())
}

/// `PUT /_sim/faults`: 200 with the new configuration, 400 when it does not parse or validate.
pub(super) async fn put_faults(
    State(state): State<AppState>,
    body: Bytes,
) -> Result<Json<Faults>, ApiError> {
    let faults: Faults = if body.iter().all(u8::is_ascii_whitespace) {
        Faults::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid_json(e.to_string()))?
    };
    faults.validate().map_err(ApiError::validation)?;
    state.faults().faults = faults.clone();
    Ok(Json(faults))
}

/// `DELETE /_sim/faults`.
pub(super) async fn clear_faults(State(state): State<AppState>) -> Json<Faults> {
    state.faults().faults = Faults::default();
    Json(Faults::default())
}

/// `GET /_sim/stats`.
pub(super) async fn get_stats(State(state): State<AppState>) -> Json<Stats> {
    Json(state.stats().clone())
}

/// `POST /_sim/stats/reset`: 200 with the zeroed counters.
pub(super) async fn reset_stats(State(state): State<AppState>) -> Json<Stats> {
    *state.stats() = Stats::default();
    Json(Stats::default())
}

/// `GET /_sim/health`.
pub(super) async fn health() -> Response {
    Json(json!({ "ok": true })).into_response()
}
