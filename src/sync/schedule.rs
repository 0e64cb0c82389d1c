//! When to poll next: pure functions, unit-tested.

use std::time::Duration;

/// First retry delay after a failed poll; doubles with every consecutive failure.
pub const FIRST_RETRY_DELAY: Duration = Duration::from_secs(2);

/// The retry delay after `failures` consecutive failed polls (1 = the first failure), never
/// shorter than what RevRing asked for with `Retry-After`, never longer than `max` unless
/// RevRing asked for longer.
pub fn retry_delay(failures: u32, retry_after: Option<Duration>, max: Duration) -> Duration {
    let exponent = failures.saturating_sub(1).min(16);
    let backoff = FIRST_RETRY_DELAY.saturating_mul(1 << exponent).min(max);
    match retry_after {
        Some(asked) => backoff.max(asked),
        None => backoff,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAX: Duration = Duration::from_secs(300);

    #[test]
    fn backs_off_exponentially_up_to_the_cap() {
        let delays: Vec<u64> = (1..=10)
            .map(|failures| retry_delay(failures, None, MAX).as_secs())
            .collect();
        assert_eq!(delays, [2, 4, 8, 16, 32, 64, 128, 256, 300, 300]);
    }

    #[test]
    fn honours_retry_after_even_beyond_the_cap() {
        let asked = Some(Duration::from_secs(30));
        assert_eq!(retry_delay(1, asked, MAX), Duration::from_secs(30));
        assert_eq!(retry_delay(8, asked, MAX), Duration::from_secs(256));
        let long = Some(Duration::from_secs(900));
        assert_eq!(retry_delay(1, long, MAX), Duration::from_secs(900));
    }

    #[test]
    fn huge_failure_counts_do_not_overflow() {
        assert_eq!(retry_delay(u32::MAX, None, MAX), MAX);
    }
}
