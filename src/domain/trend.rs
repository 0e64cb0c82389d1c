//! How one test case came out in one run, and pass rates and their changes.

/// Whether RevRing's verdict string counts as a pass (`Some(true)`), a failure (`Some(false)`:
/// `fail`, and `error`, an infrastructure error, which the team sees as a failed attempt), or
/// no verdict yet (`None`).
pub fn verdict(result: Option<&str>) -> Option<bool> {
    match result? {
        "pass" => Some(true),
        "fail" | "error" => Some(false),
        _ => None,
    }
}

/// Attempt counts of one test case in one run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CaseCounts {
    /// Attempts that passed.
    pub passed: i32,
    /// Attempts that failed.
    pub failed: i32,
    /// Attempts that ended with any other verdict (`error`, ...).
    pub errored: i32,
    /// Attempts without a verdict yet.
    pub pending: i32,
}

impl CaseCounts {
    /// Attempts with a verdict.
    pub fn judged(&self) -> i32 {
        self.passed + self.failed + self.errored
    }

    /// Attempts that did not pass (failed or errored).
    pub fn not_passed(&self) -> i32 {
        self.failed + self.errored
    }

    /// The case's result in the run.
    pub fn outcome(&self) -> CaseOutcome {
        match (self.judged(), self.passed) {
            (0, _) => CaseOutcome::Pending,
            (judged, passed) if passed == judged => CaseOutcome::Pass,
            (_, 0) => CaseOutcome::Fail,
            _ => CaseOutcome::Mixed,
        }
    }
}

/// A test case's result in one run. A case absent from a run is `None` where it matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaseOutcome {
    /// Every judged attempt passed.
    Pass,
    /// Every judged attempt failed or errored.
    Fail,
    /// Its attempts disagree: some passed, some did not.
    Mixed,
    /// No attempt has a verdict yet.
    Pending,
}

impl CaseOutcome {
    /// Short word for pages.
    pub fn label(&self) -> &'static str {
        match self {
            CaseOutcome::Pass => "pass",
            CaseOutcome::Fail => "fail",
            CaseOutcome::Mixed => "mixed",
            CaseOutcome::Pending => "pending",
        }
    }

    /// CSS class of a cell or badge showing it.
    pub fn css(&self) -> &'static str {
        match self {
            CaseOutcome::Pass => "cell-pass",
            CaseOutcome::Fail => "cell-fail",
            CaseOutcome::Mixed => "cell-mixed",
            CaseOutcome::Pending => "cell-pending",
        }
    }

    /// True when it has a verdict (not pending).
    pub fn is_judged(&self) -> bool {
        !matches!(self, CaseOutcome::Pending)
    }
}

/// `passed / judged` in percent, `None` without any judged attempt.
pub fn pass_rate(passed: i32, judged: i32) -> Option<f64> {
    (judged > 0).then(|| f64::from(passed) * 100.0 / f64::from(judged))
}

/// A pass rate as pages show it: `85%`, or a dash.
pub fn format_rate(rate: Option<f64>) -> String {
    rate.map_or_else(|| "—".to_owned(), |rate| format!("{}%", rate.round()))
}

/// The change between two pass rates in percentage points, rounded: `+5 pts`, `−12 pts`,
/// `±0 pts`, or a dash when either is missing.
pub fn format_change(now: Option<f64>, then: Option<f64>) -> String {
    match change(now, then) {
        None => "—".to_owned(),
        Some(0) => "±0 pts".to_owned(),
        Some(points) if points > 0 => format!("+{points} pts"),
        Some(points) => format!("−{} pts", -points),
    }
}

/// The change in whole percentage points, when both rates exist.
pub fn change(now: Option<f64>, then: Option<f64>) -> Option<i64> {
    Some((now? - then?).round() as i64)
}

/// CSS class of a change: up is good, down is bad.
pub fn change_css(now: Option<f64>, then: Option<f64>) -> &'static str {
    match change(now, then) {
        Some(points) if points > 0 => "change-up",
        Some(points) if points < 0 => "change-down",
        _ => "change-flat",
    }
}

/// The date ranges of the suite trend page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrendRange {
    /// The last 7 days.
    Week,
    /// The last 30 days.
    #[default]
    Month,
    /// The last 90 days.
    Quarter,
    /// The whole history.
    All,
}

impl TrendRange {
    /// Every range, as the page offers them.
    pub const ALL: [TrendRange; 4] = [
        TrendRange::Week,
        TrendRange::Month,
        TrendRange::Quarter,
        TrendRange::All,
    ];

    /// Reads `7d`, `30d`, `90d` or `all`; anything else is the default.
    pub fn parse(value: Option<&str>) -> Self {
        match value {
            Some("7d") => TrendRange::Week,
            Some("90d") => TrendRange::Quarter,
            Some("all") => TrendRange::All,
            _ => TrendRange::Month,
        }
    }

    /// The query value.
    pub fn key(&self) -> &'static str {
        match self {
            TrendRange::Week => "7d",
            TrendRange::Month => "30d",
            TrendRange::Quarter => "90d",
            TrendRange::All => "all",
        }
    }

    /// Words for the page.
    pub fn label(&self) -> &'static str {
        match self {
            TrendRange::Week => "7 days",
            TrendRange::Month => "30 days",
            TrendRange::Quarter => "90 days",
            TrendRange::All => "All time",
        }
    }

    /// The earliest creation time in range, seen from `now`.
    pub fn since(&self, now: time::OffsetDateTime) -> time::OffsetDateTime {
        let days = match self {
            TrendRange::Week => 7,
            TrendRange::Month => 30,
            TrendRange::Quarter => 90,
            TrendRange::All => return time::OffsetDateTime::UNIX_EPOCH,
        };
        now - time::Duration::days(days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(passed: i32, failed: i32, errored: i32, pending: i32) -> CaseCounts {
        CaseCounts {
            passed,
            failed,
            errored,
            pending,
        }
    }

    #[test]
    fn outcomes_follow_the_attempts() {
        assert_eq!(counts(2, 0, 0, 0).outcome(), CaseOutcome::Pass);
        assert_eq!(counts(0, 1, 1, 0).outcome(), CaseOutcome::Fail);
        assert_eq!(counts(1, 0, 1, 0).outcome(), CaseOutcome::Mixed);
        assert_eq!(counts(0, 0, 0, 2).outcome(), CaseOutcome::Pending);
        // A pending attempt does not make a judged one mixed.
        assert_eq!(counts(1, 0, 0, 1).outcome(), CaseOutcome::Pass);
    }

    #[test]
    fn rates_and_changes_read_as_points() {
        assert_eq!(pass_rate(3, 4), Some(75.0));
        assert_eq!(pass_rate(0, 0), None);
        assert_eq!(format_rate(pass_rate(2, 3)), "67%");
        assert_eq!(format_change(Some(80.0), Some(75.0)), "+5 pts");
        assert_eq!(format_change(Some(60.0), Some(72.4)), "−12 pts");
        assert_eq!(format_change(Some(60.0), Some(60.2)), "±0 pts");
        assert_eq!(format_change(Some(60.0), None), "—");
        assert_eq!(change_css(Some(50.0), Some(70.0)), "change-down");
    }

    #[test]
    fn ranges_parse_and_reach_back() {
        use time::macros::datetime;
        assert_eq!(TrendRange::parse(Some("90d")), TrendRange::Quarter);
        assert_eq!(TrendRange::parse(Some("bogus")), TrendRange::Month);
        assert_eq!(TrendRange::parse(None).key(), "30d");
        let now = datetime!(2026-11-24 12:00 UTC);
        assert_eq!(TrendRange::Week.since(now), datetime!(2026-11-17 12:00 UTC));
        assert_eq!(TrendRange::All.since(now), time::OffsetDateTime::UNIX_EPOCH);
    }
}
