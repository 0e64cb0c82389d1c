//! When to poll next: pure functions, unit-tested.

use std::time::Duration;

/// How fast to poll a run that is not finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pace {
    /// Attempts are in flight: a verdict may land any second.
    InFlight,
    /// Not finished, nothing in flight (queued, or in a status such as judging).
    Active,
    /// Not finished but unchanged for a long while: slower, until it changes again.
    Quiet,
}

/// The pace of a run that is not terminal: [`Pace::InFlight`] while any attempt has no verdict,
/// [`Pace::Quiet`] only on evidence (nothing changed for `quiet_after`), [`Pace::Active`]
/// otherwise, whatever the status is called.
pub fn pace(in_flight: bool, unchanged_for: Duration, quiet_after: Duration) -> Pace {
    if in_flight {
        Pace::InFlight
    } else if unchanged_for >= quiet_after {
        Pace::Quiet
    } else {
        Pace::Active
    }
}

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
    fn slows_down_only_when_nothing_changed_for_long() {
        let quiet = Duration::from_secs(300);
        let now = Duration::ZERO;
        assert_eq!(pace(true, now, quiet), Pace::InFlight);
        assert_eq!(pace(true, Duration::from_secs(900), quiet), Pace::InFlight);
        assert_eq!(pace(false, now, quiet), Pace::Active);
        assert_eq!(pace(false, Duration::from_secs(299), quiet), Pace::Active);
        assert_eq!(pace(false, quiet, quiet), Pace::Quiet);
    }

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
