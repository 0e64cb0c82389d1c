//! Fault injection for `/v1` requests: latency, 5xx, 429 with `Retry-After`, timeouts and
//! malformed bodies, by deterministic counts ("the next N requests") or seeded rates.
//!
//! When a fault happens relative to the request's side effect:
//! - **before** the handler (nothing is created or changed): latency (then the request proceeds
//!   normally), 5xx and 429;
//! - **after** the handler (the side effect happened, e.g. the run exists): timeout (the real
//!   response is held for `timeout_ms`, so the client gives up first) and malformed (the real
//!   status with a truncated body).
//!
//! Counts are consumed before rates are rolled, in the order error, rate limit, timeout,
//! malformed. Only requests matching the optional `method` and `route` scope are affected.

use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::state::AppState;

/// Default `Retry-After` of injected 429s, in seconds.
pub const DEFAULT_RETRY_AFTER_SECS: u64 = 1;
/// Default time an injected timeout holds the response, in milliseconds (longer than any sane
/// client timeout).
pub const DEFAULT_TIMEOUT_MS: u64 = 60_000;
/// Default status of injected server errors.
pub const DEFAULT_ERROR_STATUS: u16 = 500;

/// The fault configuration (`GET/PUT /_sim/faults`, [`super::Simulator::set_faults`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Only requests with this HTTP method (e.g. `"GET"`); `None` means every method.
    pub method: Option<String>,
    /// Only this route template, with or without the method, e.g. `"/v1/calls/{id}"` or
    /// `"POST /v1/test-suites/{id}/runs"`; `None` means every route.
    pub route: Option<String>,
    /// Milliseconds added before answering every matching request.
    pub latency_ms: u64,
    /// Probability (0..1) of a 5xx.
    pub error_rate: f64,
    /// The next N matching requests answer 5xx.
    #[serde(alias = "fail_next")]
    pub error_next: u32,
    /// Status of injected server errors (500..=599).
    pub error_status: u16,
    /// Probability (0..1) of a 429.
    pub rate_limit_rate: f64,
    /// The next N matching requests answer 429.
    pub rate_limit_next: u32,
    /// `Retry-After` of injected 429s, in seconds.
    pub retry_after_secs: u64,
    /// Probability (0..1) of a timeout.
    pub timeout_rate: f64,
    /// The next N matching requests time out.
    pub timeout_next: u32,
    /// How long a timed-out request is held, in milliseconds.
    pub timeout_ms: u64,
    /// Probability (0..1) of a malformed body.
    pub malformed_rate: f64,
    /// The next N matching requests get a malformed body.
    pub malformed_next: u32,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            method: None,
            route: None,
            latency_ms: 0,
            error_rate: 0.0,
            error_next: 0,
            error_status: DEFAULT_ERROR_STATUS,
            rate_limit_rate: 0.0,
            rate_limit_next: 0,
            retry_after_secs: DEFAULT_RETRY_AFTER_SECS,
            timeout_rate: 0.0,
            timeout_next: 0,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            malformed_rate: 0.0,
            malformed_next: 0,
        }
    }
}

impl Faults {
    /// Checks rates are within 0..=1 and the error status is a 5xx.
    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("rate_limit_rate", self.rate_limit_rate),
            ("timeout_rate", self.timeout_rate),
            ("malformed_rate", self.malformed_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1"));
            }
        }
        if !(500..=599).contains(&self.error_status) {
            return Err("error_status must be a 5xx status".to_owned());
        }
        Ok(())
    }

    fn applies_to(&self, method: &str, route: &str) -> bool {
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method));
        let route_ok = self
            .route
            .as_deref()
            .is_none_or(|r| r == route || r == format!("{method} {route}"));
        method_ok && route_ok
    }
}

/// One injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Answer this 5xx status without running the handler.
    Error(u16),
    /// Answer 429 with `Retry-After: secs` without running the handler.
    RateLimit(u64),
    /// Run the handler, then hold the response this many milliseconds.
    Timeout(u64),
    /// Run the handler, then truncate its body.
    Malformed,
}

impl Fault {
    /// The name counted in `Stats::faults_injected`.
    pub fn name(self) -> &'static str {
        match self {
            Fault::Error(_) => "error",
            Fault::RateLimit(_) => "rate_limit",
            Fault::Timeout(_) => "timeout",
            Fault::Malformed => "malformed",
        }
    }
}

/// The live fault configuration with its seeded generator.
#[derive(Debug)]
pub struct FaultState {
    /// Current configuration (counts decrease as they are used).
    pub faults: Faults,
    /// Rolls the rates.
    pub rng: StdRng,
}

impl FaultState {
    /// What to do with a request: added latency and possibly a fault.
    pub fn decide(&mut self, method: &str, route: &str) -> (u64, Option<Fault>) {
        let f = &mut self.faults;
        if !f.applies_to(method, route) {
            return (0, None);
        }
        let latency = f.latency_ms;
        let counted = [
            (&mut f.error_next, Fault::Error(f.error_status)),
            (&mut f.rate_limit_next, Fault::RateLimit(f.retry_after_secs)),
            (&mut f.timeout_next, Fault::Timeout(f.timeout_ms)),
            (&mut f.malformed_next, Fault::Malformed),
        ];
        for (count, fault) in counted {
            if *count > 0 {
                *count -= 1;
                return (latency, Some(fault));
            }
        }
        let rates = [
            (f.error_rate, Fault::Error(f.error_status)),
            (f.rate_limit_rate, Fault::RateLimit(f.retry_after_secs)),
            (f.timeout_rate, Fault::Timeout(f.timeout_ms)),
            (f.malformed_rate, Fault::Malformed),
        ];
        if rates.iter().all(|(rate, _)| *rate <= 0.0) {
            return (latency, None);
        }
        let roll: f64 = self.rng.random();
        let mut acc = 0.0;
        for (rate, fault) in rates {
            acc += rate;
            if roll < acc {
                return (latency, Some(fault));
            }
        }
        (latency, None)
    }
}

/// The route template of a request, e.g. `/v1/test-suites/{id}`.
pub fn route_of(req: &Request) -> String {
    req.extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "<unmatched>".to_owned(), |p| p.as_str().to_owned())
}

/// Middleware applying the configured faults to API requests.
pub async fn middleware(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    let route = route_of(&req);
    let (latency, fault) = state.faults().decide(&method, &route);
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    if let Some(f) = fault {
        state.stats().fault(f.name());
    }
    match fault {
        None => next.run(req).await,
        Some(Fault::Error(status)) => ApiError::new(
            StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            "internal_error",
            "Injected server error",
        )
        .into_response(),
        Some(Fault::RateLimit(secs)) => {
            let mut resp = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Too many requests; retry after {secs} s"),
            )
            .into_response();
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            resp
        }
        Some(Fault::Timeout(ms)) => {
            let resp = next.run(req).await;
            tokio::time::sleep(Duration::from_millis(ms)).await;
            resp
        }
        Some(Fault::Malformed) => {
            let resp = next.run(req).await;
            let (mut parts, body) = resp.into_parts();
            let bytes = axum::body::to_bytes(body, usize::MAX)
                .await
                .unwrap_or_default();
            let cut = if bytes.len() > 2 {
                bytes.slice(..bytes.len() / 2).to_vec()
            } else {
                b"{\"data\": ".to_vec()
            };
            parts.headers.remove(header::CONTENT_LENGTH);
            parts.headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            Response::from_parts(parts, axum::body::Body::from(cut))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::ids::rng;

    fn state(f: Faults) -> FaultState {
        FaultState {
            faults: f,
            rng: rng(1, 1),
        }
    }

    #[test]
    fn counts_are_consumed_in_order_then_stop() {
        let mut s = state(Faults {
            error_next: 1,
            rate_limit_next: 1,
            retry_after_secs: 7,
            ..Faults::default()
        });
        assert_eq!(s.decide("GET", "/v1/x").1, Some(Fault::Error(500)));
        assert_eq!(s.decide("GET", "/v1/x").1, Some(Fault::RateLimit(7)));
        assert_eq!(s.decide("GET", "/v1/x").1, None);
    }

    #[test]
    fn scope_filters_method_and_route() {
        let mut s = state(Faults {
            method: Some("get".into()),
            route: Some("/v1/calls/{id}".into()),
            error_next: 5,
            ..Faults::default()
        });
        assert_eq!(s.decide("POST", "/v1/calls/{id}").1, None);
        assert_eq!(s.decide("GET", "/v1/agents").1, None);
        assert!(s.decide("GET", "/v1/calls/{id}").1.is_some());
        let mut s = state(Faults {
            route: Some("POST /v1/test-suites/{id}/runs".into()),
            timeout_next: 1,
            timeout_ms: 5,
            ..Faults::default()
        });
        assert_eq!(s.decide("GET", "/v1/test-suites/{id}/runs").1, None);
        assert_eq!(
            s.decide("POST", "/v1/test-suites/{id}/runs").1,
            Some(Fault::Timeout(5))
        );
    }

    #[test]
    fn rates_are_seeded_and_roughly_right() {
        let f = Faults {
            error_rate: 0.3,
            ..Faults::default()
        };
        let run = |mut s: FaultState| {
            (0..1000)
                .filter(|_| s.decide("GET", "/").1.is_some())
                .count()
        };
        let a = run(state(f.clone()));
        assert_eq!(a, run(state(f)));
        assert!((240..360).contains(&a), "{a}");
    }

    #[test]
    fn validation_rejects_bad_rates() {
        let bad = Faults {
            error_rate: 1.5,
            ..Faults::default()
        };
        assert!(bad.validate().is_err());
        assert!(Faults::default().validate().is_ok());
    }
}
