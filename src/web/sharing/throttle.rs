//! Rate limiting of the public `/s/` pages per client address: anyone can open them, and each
//! view may cost the team a RevRing request (call details, recordings) or a token lookup. A
//! token bucket per address, in memory (each process limits its own share of the traffic).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::web::kit::client_addr::ClientAddr;
use crate::web::kit::error::error_page;

/// Requests one address may make at once before being slowed down.
pub(crate) const BURST: f64 = 60.0;

/// Requests per second one address may keep making.
pub(crate) const PER_SECOND: f64 = 2.0;

/// Addresses remembered before idle ones are forgotten (bounds memory under a spray).
const MAX_TRACKED: usize = 10_000;

/// What a refused visitor reads.
const SLOW_DOWN: &str = "Too many requests for shared pages from your address. Please wait a \
                         few seconds and try again.";

/// Token buckets by client address.
#[derive(Clone, Default)]
pub(crate) struct Limiter {
    buckets: Arc<Mutex<HashMap<String, (f64, Instant)>>>,
}

impl Limiter {
    /// Takes one request's token for `address`; false when its bucket is empty.
    fn allow(&self, address: &str, now: Instant) -> bool {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if buckets.len() >= MAX_TRACKED && !buckets.contains_key(address) {
            // Forget addresses whose bucket has refilled: they are as good as new.
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * PER_SECOND < BURST
            });
        }
        let (tokens, at) = buckets.entry(address.to_owned()).or_insert((BURST, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * PER_SECOND).min(BURST);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Middleware: answers 429 (with `Retry-After`) once an address has used its requests.
    pub(crate) async fn limit(self, request: Request, next: Next) -> Response {
        let address = request
            .extensions()
            .get::<ClientAddr>()
            .map_or_else(|| "unknown".to_owned(), |found| found.0.clone());
        if self.allow(&address, Instant::now()) {
            return next.run(request).await;
        }
        tracing::warn!(%address, "shared pages rate-limited");
        let mut response = error_page(StatusCode::TOO_MANY_REQUESTS, Some(SLOW_DOWN.to_owned()));
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_is_allowed_then_the_steady_rate() {
        let limiter = Limiter::default();
        let start = Instant::now();
        let allowed = (0..100).filter(|_| limiter.allow("a", start)).count();
        assert_eq!(allowed as f64, BURST);
        assert!(
            limiter.allow("b", start),
            "another address has its own bucket"
        );
        assert!(!limiter.allow("a", start));
        assert!(limiter.allow("a", start + Duration::from_secs(1)));
    }
}
