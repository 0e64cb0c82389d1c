//! When and how long to wait before repeating a failed `GET`.
//!
//! Only `GET`s are ever repeated automatically: a `POST` may start a run, and every run places
//! real phone calls. A `GET` is repeated on 5xx, 408, 429, connection failures and timeouts,
//! with exponential backoff and jitter, unless RevRing says how long to wait (`Retry-After`):
//! then that wait is used as is, and if it is longer than [`RetryPolicy::max_delay`] the client
//! gives up at once and returns the error with its `retry_after`, so that the sync worker can
//! schedule the next poll instead of holding a request open.
//!
//! With the defaults, a `GET` that keeps timing out gives up after about
//! 4 × [`DEFAULT_TIMEOUT`] plus the backoff in between (roughly a minute); a `GET` that keeps
//! getting 5xx gives up within about two seconds. Pages that want a fast answer can use
//! [`RetryPolicy::none`] on their own [`RevRing`](super::RevRing).
//!
//! The loop is hand-written (see `transport.rs`) rather than taken from `backon`: the rule
//! "honour `Retry-After`, but give up and report it when it is too long" needs the error in the
//! delay decision and an early exit, which is a few lines here and an adapter there.

use std::time::{Duration, SystemTime};

use rand::Rng;

/// Timeout for one HTTP request, from connecting until the whole body is read.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Timeout for establishing a TCP + TLS connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// Tries per `GET`, the first included (so 3 retries).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 4;
/// Backoff before the first retry; doubles for each retry after that.
pub const DEFAULT_BASE_DELAY: Duration = Duration::from_millis(250);
/// Longest wait between tries, and the longest `Retry-After` honoured in place.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(5);

/// How a `GET` is retried. Writes are never retried, whatever the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in total, the first included; 1 disables retries.
    pub max_attempts: u32,
    /// Backoff before the first retry; doubles each time, capped at `max_delay`.
    pub base_delay: Duration,
    /// Longest backoff, and longest `Retry-After` to wait out before giving up.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: DEFAULT_MAX_ATTEMPTS,
            base_delay: DEFAULT_BASE_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
        }
    }
}

/// What to do after a retryable failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Decision {
    /// Sleep this long, then try again.
    RetryAfter(Duration),
    /// Return the error.
    GiveUp,
}

impl RetryPolicy {
    /// A policy that never retries (for interactive pages that prefer a fast answer).
    pub fn none() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// Decides after failed try number `attempt` (1-based), given the server's `Retry-After`.
    pub(crate) fn decide(&self, attempt: u32, retry_after: Option<Duration>) -> Decision {
        if attempt >= self.max_attempts {
            return Decision::GiveUp;
        }
        match retry_after {
            Some(wait) if wait > self.max_delay => Decision::GiveUp,
            Some(wait) => Decision::RetryAfter(wait),
            None => Decision::RetryAfter(self.backoff(attempt)),
        }
    }

    /// "Equal jitter": half the exponential delay for sure, the other half at random, so that
    /// clients that failed together do not retry together yet each still waits a while.
    fn backoff(&self, attempt: u32) -> Duration {
        let exponent = attempt.saturating_sub(1).min(16);
        let full = self
            .base_delay
            .saturating_mul(1 << exponent)
            .min(self.max_delay);
        let half = full / 2;
        let jitter = rand::rng().random_range(0..=half.as_millis() as u64);
        half + Duration::from_millis(jitter)
    }
}

/// Reads a `Retry-After` value: delay-seconds (fractions tolerated) or an HTTP-date.
/// A date in the past means "now" (zero).
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
        };
        for attempt in 1..9 {
            let Decision::RetryAfter(wait) = policy.decide(attempt, None) else {
                panic!("attempt {attempt} should retry");
            };
            let full = (100u64 << (attempt - 1)).min(1000);
            let wait = wait.as_millis() as u64;
            assert!(
                wait >= full / 2 && wait <= full,
                "attempt {attempt}: {wait}ms"
            );
        }
        assert_eq!(policy.decide(10, None), Decision::GiveUp);
    }

    #[test]
    fn retry_after_is_honoured_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let short = Duration::from_secs(1);
        assert_eq!(policy.decide(1, Some(short)), Decision::RetryAfter(short));
        assert_eq!(
            policy.decide(1, Some(Duration::from_secs(60))),
            Decision::GiveUp
        );
        assert_eq!(RetryPolicy::none().decide(1, None), Decision::GiveUp);
    }

    #[test]
    fn retry_after_formats() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(" 0.5 ", now),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("-1", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
    }
}
