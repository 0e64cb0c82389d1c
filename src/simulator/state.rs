//! The state shared by all handlers, and the `x-api-key` extractor that picks the organization.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use time::OffsetDateTime;

use super::error::ApiError;
use super::faults::FaultState;
use super::stats::Stats;
use super::store::Org;

/// Everything the simulator holds. Locks are never held across an `.await`.
#[derive(Debug)]
pub struct Shared {
    /// One organization per key, in key order.
    pub orgs: Mutex<Vec<Org>>,
    /// Fault configuration.
    pub faults: Mutex<FaultState>,
    /// Counters.
    pub stats: Mutex<Stats>,
    /// The API keys, in organization order.
    pub keys: Vec<String>,
    /// Time scale of runs started now.
    pub speed: f64,
    /// `http://HOST:PORT/v1`.
    pub base_url: String,
}

/// Cheap handle on [`Shared`].
#[derive(Debug, Clone)]
pub struct AppState(pub Arc<Shared>);

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl AppState {
    /// The organizations.
    pub fn orgs(&self) -> MutexGuard<'_, Vec<Org>> {
        lock(&self.0.orgs)
    }

    /// The fault configuration.
    pub fn faults(&self) -> MutexGuard<'_, FaultState> {
        lock(&self.0.faults)
    }

    /// The counters.
    pub fn stats(&self) -> MutexGuard<'_, Stats> {
        lock(&self.0.stats)
    }

    /// Runs `f` on the caller's organization with the current time.
    pub fn with_org<R>(&self, caller: &Caller, f: impl FnOnce(&mut Org, OffsetDateTime) -> R) -> R {
        let mut orgs = self.orgs();
        f(&mut orgs[caller.org], OffsetDateTime::now_utc())
    }
}

/// The authenticated caller: which organization its `x-api-key` belongs to.
#[derive(Debug, Clone)]
pub struct Caller {
    /// Index of the organization.
    pub org: usize,
    /// The key used.
    pub key: String,
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get("x-api-key") else {
            return Err(ApiError::unauthorized("Missing x-api-key header"));
        };
        let key = value.to_str().unwrap_or_default().trim();
        state
            .0
            .keys
            .iter()
            .position(|k| k == key)
            .map(|org| Caller {
                org,
                key: key.to_owned(),
            })
            .ok_or_else(|| ApiError::unauthorized("Invalid API key"))
    }
}
