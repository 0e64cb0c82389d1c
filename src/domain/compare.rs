//! How each test case did in one run compared with another run of the same suite: the run
//! page's "new failure / fixed / still failing / flaky" column, and the basis of comparing any
//! two runs.
//!
//! A case may have several attempts per run. Its attempts' verdicts are first reduced to a
//! [`CaseOutcome`] per run ([`CaseOutcome::of`]); two outcomes then give a [`CaseChange`]
//! ([`CaseChange::between`]). [`compare_runs`] does both for every case of two runs.
//!
//! Verdicts are RevRing's strings: `pass` passes; `fail` and `error` fail (an infrastructure
//! error is a failed attempt to the team, as in the run's counts); anything else, and a missing
//! verdict, is not judged yet and is ignored.

use std::collections::BTreeMap;

/// How a test case did within one run, over its judged attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseOutcome {
    /// Every judged attempt passed.
    Passed,
    /// Every judged attempt failed.
    Failed,
    /// Some attempts passed and some failed: the case is unreliable within the run.
    Mixed,
    /// No attempt has a verdict (pending, cancelled, or unknown verdicts only).
    Unjudged,
}

/// Whether RevRing's verdict string counts as a pass (`Some(true)`), a failure (`Some(false)`),
/// or no verdict at all (`None`).
pub fn verdict(result: Option<&str>) -> Option<bool> {
    match result? {
        "pass" => Some(true),
        "fail" | "error" => Some(false),
        _ => None,
    }
}

impl CaseOutcome {
    /// Reduces the verdicts of one case's attempts in one run.
    pub fn of<'a>(results: impl IntoIterator<Item = Option<&'a str>>) -> Self {
        let (mut passed, mut failed) = (false, false);
        for result in results {
            match verdict(result) {
                Some(true) => passed = true,
                Some(false) => failed = true,
                None => {}
            }
        }
        match (passed, failed) {
            (true, true) => Self::Mixed,
            (true, false) => Self::Passed,
            (false, true) => Self::Failed,
            (false, false) => Self::Unjudged,
        }
    }
}

/// How a case's outcome in a run compares with its outcome in an earlier (baseline) run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseChange {
    /// Passed before, fails now: a regression.
    NewFailure,
    /// Failed before, passes now.
    Fixed,
    /// Failed before and fails now.
    StillFailing,
    /// Passed before and passes now.
    StillPassing,
    /// Passed and failed within the same run (either run): verdicts the team cannot trust.
    Flaky,
    /// The case has no judged attempts in the baseline (absent, new, or not judged there).
    NoBaseline,
    /// The case has no judged attempts in this run yet.
    Pending,
}

impl CaseChange {
    /// The change from `baseline` (`None`: the case was not in the baseline run) to `current`.
    ///
    /// Order of precedence: nothing judged now → [`Pending`](Self::Pending); mixed verdicts in
    /// either run → [`Flaky`](Self::Flaky); nothing judged before →
    /// [`NoBaseline`](Self::NoBaseline); otherwise the pass/fail transition.
    pub fn between(baseline: Option<CaseOutcome>, current: CaseOutcome) -> Self {
        use CaseOutcome::{Failed, Mixed, Passed, Unjudged};
        match (baseline.unwrap_or(Unjudged), current) {
            (_, Unjudged) => Self::Pending,
            (Mixed, _) | (_, Mixed) => Self::Flaky,
            (Unjudged, _) => Self::NoBaseline,
            (Passed, Failed) => Self::NewFailure,
            (Failed, Passed) => Self::Fixed,
            (Failed, Failed) => Self::StillFailing,
            (Passed, Passed) => Self::StillPassing,
        }
    }

    /// Short label for pages.
    pub fn label(self) -> &'static str {
        match self {
            Self::NewFailure => "new failure",
            Self::Fixed => "fixed",
            Self::StillFailing => "still failing",
            Self::StillPassing => "still passing",
            Self::Flaky => "flaky",
            Self::NoBaseline => "new",
            Self::Pending => "pending",
        }
    }

    /// CSS class suffix for pages (`change-…`).
    pub fn css(self) -> &'static str {
        match self {
            Self::NewFailure => "new-failure",
            Self::Fixed => "fixed",
            Self::StillFailing => "still-failing",
            Self::StillPassing => "still-passing",
            Self::Flaky => "flaky",
            Self::NoBaseline => "no-baseline",
            Self::Pending => "pending",
        }
    }
}

/// One attempt's verdict, keyed by its test case (RevRing's test case id).
#[derive(Debug, Clone, Copy)]
pub struct CaseResult<'a> {
    /// RevRing's id of the test case.
    pub case_id: &'a str,
    /// RevRing's verdict string, `None` while pending.
    pub result: Option<&'a str>,
}

/// Compares every case of `current` with the same case in `baseline` (an earlier run of the
/// suite; `None` when there is none). Cases only in the baseline are not reported. Keyed by
/// test case id.
pub fn compare_runs<'a>(
    baseline: Option<&[CaseResult<'a>]>,
    current: &[CaseResult<'a>],
) -> BTreeMap<&'a str, CaseChange> {
    let before = baseline.map(outcomes).unwrap_or_default();
    outcomes(current)
        .into_iter()
        .map(|(case, now)| (case, CaseChange::between(before.get(case).copied(), now)))
        .collect()
}

/// Each case's outcome over its attempts in one run.
pub fn outcomes<'a>(results: &[CaseResult<'a>]) -> BTreeMap<&'a str, CaseOutcome> {
    let mut by_case: BTreeMap<&'a str, Vec<Option<&'a str>>> = BTreeMap::new();
    for result in results {
        by_case
            .entry(result.case_id)
            .or_default()
            .push(result.result);
    }
    by_case
        .into_iter()
        .map(|(case, results)| (case, CaseOutcome::of(results)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::CaseChange::*;
    use super::*;

    fn r<'a>(case_id: &'a str, result: Option<&'a str>) -> CaseResult<'a> {
        CaseResult { case_id, result }
    }

    #[test]
    fn outcomes_reduce_attempts() {
        assert_eq!(
            CaseOutcome::of([Some("pass"), Some("pass")]),
            CaseOutcome::Passed
        );
        assert_eq!(
            CaseOutcome::of([Some("fail"), Some("error")]),
            CaseOutcome::Failed
        );
        assert_eq!(
            CaseOutcome::of([Some("pass"), Some("fail")]),
            CaseOutcome::Mixed
        );
        assert_eq!(
            CaseOutcome::of([None, Some("weird")]),
            CaseOutcome::Unjudged
        );
        assert_eq!(CaseOutcome::of([None, Some("pass")]), CaseOutcome::Passed);
    }

    #[test]
    fn transitions_between_runs() {
        use CaseOutcome::*;
        assert_eq!(CaseChange::between(Some(Passed), Failed), NewFailure);
        assert_eq!(CaseChange::between(Some(Failed), Passed), Fixed);
        assert_eq!(CaseChange::between(Some(Failed), Failed), StillFailing);
        assert_eq!(CaseChange::between(Some(Passed), Passed), StillPassing);
        assert_eq!(CaseChange::between(Some(Mixed), Passed), Flaky);
        assert_eq!(CaseChange::between(Some(Passed), Mixed), Flaky);
        assert_eq!(CaseChange::between(None, Mixed), Flaky);
        assert_eq!(CaseChange::between(None, Failed), NoBaseline);
        assert_eq!(CaseChange::between(Some(Unjudged), Passed), NoBaseline);
        assert_eq!(CaseChange::between(Some(Failed), Unjudged), Pending);
    }

    #[test]
    fn whole_runs_compare_case_by_case() {
        let before = [
            r("a", Some("pass")),
            r("b", Some("fail")),
            r("c", Some("fail")),
            r("d", Some("pass")),
            r("gone", Some("pass")),
        ];
        let now = [
            r("a", Some("fail")),
            r("b", Some("pass")),
            r("b", Some("pass")),
            r("c", Some("error")),
            r("d", Some("pass")),
            r("d", Some("fail")),
            r("new", Some("pass")),
            r("waiting", None),
        ];
        let changes = compare_runs(Some(&before), &now);
        let expected = [
            ("a", NewFailure),
            ("b", Fixed),
            ("c", StillFailing),
            ("d", Flaky),
            ("new", NoBaseline),
            ("waiting", Pending),
        ];
        assert_eq!(changes.into_iter().collect::<Vec<_>>(), expected);
        assert_eq!(compare_runs(None, &now)["a"], NoBaseline);
    }

    #[test]
    fn labels_are_distinct() {
        let all = [
            NewFailure,
            Fixed,
            StillFailing,
            StillPassing,
            Flaky,
            NoBaseline,
            Pending,
        ];
        let labels: std::collections::BTreeSet<_> = all.iter().map(|c| c.label()).collect();
        assert_eq!(labels.len(), all.len());
    }
}
