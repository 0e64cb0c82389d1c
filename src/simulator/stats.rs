//! Request counters per route and per key, and runs started, so tests can assert how many
//! upstream calls Ringside made (`GET /_sim/stats`, [`super::Simulator::stats`]).

use std::collections::BTreeMap;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use super::faults::route_of;
use super::state::AppState;

/// The key label of requests without an `x-api-key` header.
pub(super) const NO_KEY: &str = "(none)";
/// The key label of requests with an unknown `x-api-key`.
pub(super) const UNKNOWN_KEY: &str = "(unknown)";

/// Counters since start or the last reset.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Every `/v1` request, faulted or not.
    pub requests_total: u64,
    /// Requests per `"METHOD /route/template"`, e.g. `"POST /v1/test-suites/{id}/runs"`.
    pub by_route: BTreeMap<String, u64>,
    /// Requests per API key ([`NO_KEY`] and [`UNKNOWN_KEY`] for the unauthenticated).
    pub by_key: BTreeMap<String, u64>,
    /// Requests per key, then per route.
    pub by_key_route: BTreeMap<String, BTreeMap<String, u64>>,
    /// Runs started through the API.
    pub runs_started: u64,
    /// Runs started through the API, per key.
    pub runs_started_by_key: BTreeMap<String, u64>,
    /// Runs started "from elsewhere" ([`super::Simulator::start_run`]), not counted above.
    pub runs_started_elsewhere: u64,
    /// Injected faults per kind (`error`, `rate_limit`, `timeout`, `malformed`).
    pub faults_injected: BTreeMap<String, u64>,
}

impl Stats {
    /// Requests on `route` (`"METHOD /template"`), 0 if none.
    pub fn route(&self, route: &str) -> u64 {
        self.by_route.get(route).copied().unwrap_or(0)
    }

    /// Requests by `key` on `route`, 0 if none.
    pub fn key_route(&self, key: &str, route: &str) -> u64 {
        self.by_key_route
            .get(key)
            .and_then(|m| m.get(route))
            .copied()
            .unwrap_or(0)
    }

    /// Requests by `key`, 0 if none.
    pub fn key(&self, key: &str) -> u64 {
        self.by_key.get(key).copied().unwrap_or(0)
    }

    /// Counts one request.
    pub fn request(&mut self, route: &str, key: &str) {
        self.requests_total += 1;
        *self.by_route.entry(route.to_owned()).or_default() += 1;
        *self.by_key.entry(key.to_owned()).or_default() += 1;
        *self
            .by_key_route
            .entry(key.to_owned())
            .or_default()
            .entry(route.to_owned())
            .or_default() += 1;
    }

    /// Counts one run started through the API with `key`.
    pub fn run_started(&mut self, key: &str) {
        self.runs_started += 1;
        *self.runs_started_by_key.entry(key.to_owned()).or_default() += 1;
    }

    /// Counts one injected fault of kind `name`.
    pub fn fault(&mut self, name: &str) {
        *self.faults_injected.entry(name.to_owned()).or_default() += 1;
    }
}

/// Middleware counting every API request by route template and key (outermost, so faulted and
/// unauthorized requests count too).
pub(super) async fn middleware(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let route = format!("{} {}", req.method(), route_of(&req));
    let key = match req.headers().get("x-api-key").and_then(|v| v.to_str().ok()) {
        None => NO_KEY.to_owned(),
        Some(k) if state.0.keys.iter().any(|known| known == k) => k.to_owned(),
        Some(_) => UNKNOWN_KEY.to_owned(),
    };
    state.stats().request(&route, &key);
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up() {
        let mut s = Stats::default();
        s.request("GET /v1/agents", "k1");
        s.request("GET /v1/agents", "k2");
        s.request("POST /v1/test-suites", "k1");
        s.run_started("k1");
        assert_eq!(s.requests_total, 3);
        assert_eq!(s.route("GET /v1/agents"), 2);
        assert_eq!(s.key("k1"), 2);
        assert_eq!(s.key_route("k1", "POST /v1/test-suites"), 1);
        assert_eq!(s.runs_started_by_key.get("k1"), Some(&1));
        assert_eq!(s.route("nope"), 0);
    }
}
