//! Per-token rate limiting: a token bucket per API token, in this process. A request beyond the
//! limit gets 429 with `Retry-After`. Each replica counts its own requests, so the limit across
//! several replicas is at most their number times this one.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use uuid::Uuid;

/// Requests a token may make in a burst.
pub(crate) const BURST: f64 = 120.0;

/// Requests per second a token regains, up to [`BURST`] (120 a minute sustained).
pub(crate) const REFILL_PER_SEC: f64 = 2.0;

/// Buckets kept before idle ones are dropped.
const MAX_BUCKETS: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The buckets of every token seen by this router.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    buckets: Mutex<HashMap<Uuid, Bucket>>,
}

impl RateLimiter {
    /// Takes one request from the token's bucket: `Ok` when allowed, else the seconds until the
    /// next request will be.
    pub(crate) fn check(&self, token_id: Uuid) -> Result<(), u64> {
        self.check_at(token_id, Instant::now())
    }

    fn check_at(&self, token_id: Uuid, now: Instant) -> Result<(), u64> {
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        if buckets.len() >= MAX_BUCKETS {
            // A bucket idle long enough to be full again is the same as no bucket.
            buckets.retain(|_, b| {
                now.duration_since(b.at).as_secs_f64() * REFILL_PER_SEC + b.tokens < BURST
            });
        }
        let bucket = buckets.entry(token_id).or_insert(Bucket {
            tokens: BURST,
            at: now,
        });
        let elapsed = now.duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * REFILL_PER_SEC).min(BURST);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - bucket.tokens) / REFILL_PER_SEC).ceil() as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_burst_is_allowed_then_refused_until_the_bucket_refills() {
        let limiter = RateLimiter::default();
        let (token, other) = (Uuid::new_v4(), Uuid::new_v4());
        let start = Instant::now();
        for _ in 0..BURST as usize {
            assert!(limiter.check_at(token, start).is_ok());
        }
        let wait = limiter.check_at(token, start).unwrap_err();
        assert_eq!(wait, 1);
        assert!(
            limiter.check_at(other, start).is_ok(),
            "buckets are per token"
        );
        assert!(
            limiter
                .check_at(token, start + Duration::from_millis(600))
                .is_ok()
        );
    }
}
