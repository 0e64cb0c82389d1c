//! When an alert rule fires for a finished run: pure state-change logic over the run and the
//! previous finished run of its suite. Rules fire on a change of state (a case starting to fail,
//! the suite recovering, the pass rate dropping under the threshold, ...), not on every run that
//! is still in the same state, unless the rule asks for "every run".

use std::collections::BTreeMap;

pub use super::alert_rule::{Rule, RuleKind};
use super::flake::{self, FlakeVerdict};
use super::trend::{CaseCounts, CaseOutcome, pass_rate};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunEnd {
    /// It ran to the end (its cases may still have failed).
    Completed,
    /// RevRing reported it failed as a whole.
    Errored,
    /// Someone cancelled it.
    Cancelled,
}

/// A test case, by RevRing id and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CaseRef {
    /// RevRing's test case id.
    pub id: String,
    /// Its name.
    pub name: String,
}

/// What a finished run looks like to the rules.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSnapshot {
    /// How it ended.
    pub end: RunEnd,
    /// Each case's attempt counts, by RevRing case id, with its name.
    pub cases: BTreeMap<String, (String, CaseCounts)>,
}

impl RunSnapshot {
    /// Attempts that passed and attempts judged, over all cases.
    fn totals(&self) -> (i32, i32) {
        self.cases
            .values()
            .fold((0, 0), |(passed, judged), (_, c)| {
                (passed + c.passed, judged + c.judged())
            })
    }

    /// Share of judged attempts that passed, 0..=1, if any was judged.
    pub fn pass_rate(&self) -> Option<f64> {
        let (passed, judged) = self.totals();
        pass_rate(passed, judged).map(|percent| percent / 100.0)
    }

    fn outcome(&self, case_id: &str) -> Option<CaseOutcome> {
        self.cases.get(case_id).map(|(_, counts)| counts.outcome())
    }

    /// Cases that did not pass (every attempt failed, or attempts disagreed).
    pub fn failing(&self) -> Vec<CaseRef> {
        self.cases
            .iter()
            .filter(|(_, (_, counts))| is_failing(counts.outcome()))
            .map(|(id, (name, _))| CaseRef {
                id: id.clone(),
                name: name.clone(),
            })
            .collect()
    }
}

fn is_failing(outcome: CaseOutcome) -> bool {
    matches!(outcome, CaseOutcome::Fail | CaseOutcome::Mixed)
}

/// A case's recent history in its suite, oldest run first, the current run last.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseHistory {
    /// The case.
    pub case: CaseRef,
    /// Its counts per run, oldest first, ending with the current run.
    pub runs: Vec<CaseCounts>,
}

/// What fired, with what the message needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The rule's kind.
    pub kind: RuleKind,
    /// The run's pass rate, 0..=1.
    pub pass_rate: Option<f64>,
    /// The previous run's pass rate.
    pub previous_pass_rate: Option<f64>,
    /// Cases that passed before and fail now.
    pub new_failures: Vec<CaseRef>,
    /// Cases failing in this run.
    pub failing: Vec<CaseRef>,
    /// Cases that failed before and pass now.
    pub recovered: Vec<CaseRef>,
    /// Cases newly classified flaky (all flaky cases for "every run").
    pub flaky: Vec<CaseRef>,
    /// How the run ended.
    pub end: RunEnd,
}

/// Cases classified flaky with `history` (the current run included), and those of them that were
/// not flaky without the current run.
pub fn flaky_cases(histories: &[CaseHistory]) -> (Vec<CaseRef>, Vec<CaseRef>) {
    let mut now = Vec::new();
    let mut newly = Vec::new();
    for history in histories {
        let flaky_now = flake::score(&history.runs).verdict == FlakeVerdict::Flaky;
        if !flaky_now {
            continue;
        }
        let before = &history.runs[..history.runs.len().saturating_sub(1)];
        if flake::score(before).verdict != FlakeVerdict::Flaky {
            newly.push(history.case.clone());
        }
        now.push(history.case.clone());
    }
    (now, newly)
}

/// Whether `rule` fires for `current`, given the previous finished run of the same suite (and
/// environment label) and the suite's case histories. Returns the alert to send, if any.
pub fn evaluate(
    rule: Rule,
    current: &RunSnapshot,
    previous: Option<&RunSnapshot>,
    histories: &[CaseHistory],
) -> Option<Alert> {
    let failing = current.failing();
    let new_failures: Vec<CaseRef> = failing
        .iter()
        .filter(|case| previous.and_then(|p| p.outcome(&case.id)) == Some(CaseOutcome::Pass))
        .cloned()
        .collect();
    let previously_failing = previous.map(RunSnapshot::failing).unwrap_or_default();
    let recovered: Vec<CaseRef> = previously_failing
        .iter()
        .filter(|case| current.outcome(&case.id) == Some(CaseOutcome::Pass))
        .cloned()
        .collect();
    let (flaky_now, flaky_new) = flaky_cases(histories);
    let mut flaky = Vec::new();
    let fires = match rule.kind {
        RuleKind::NewFailures => {
            !new_failures.is_empty() || (rule.every_run && !failing.is_empty())
        }
        RuleKind::Recovered => {
            let all_recovered =
                !previously_failing.is_empty() && recovered.len() == previously_failing.len();
            let all_pass = failing.is_empty() && current.pass_rate().is_some();
            all_recovered || (rule.every_run && all_pass)
        }
        RuleKind::PassRateBelow(percent) => {
            let below = |run: &RunSnapshot| {
                run.pass_rate()
                    .is_some_and(|rate| rate * 100.0 < f64::from(percent))
            };
            below(current) && (rule.every_run || !previous.is_some_and(below))
        }
        RuleKind::ErroredOrCancelled => {
            let bad = |run: &RunSnapshot| run.end != RunEnd::Completed;
            bad(current) && (rule.every_run || !previous.is_some_and(bad))
        }
        RuleKind::NewlyFlaky => {
            flaky = if rule.every_run { flaky_now } else { flaky_new };
            !flaky.is_empty()
        }
    };
    fires.then(|| Alert {
        kind: rule.kind,
        pass_rate: current.pass_rate(),
        previous_pass_rate: previous.and_then(RunSnapshot::pass_rate),
        new_failures,
        failing,
        recovered,
        flaky,
        end: current.end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(passed: i32, failed: i32) -> CaseCounts {
        CaseCounts {
            passed,
            failed,
            ..CaseCounts::default()
        }
    }

    /// A run from `(case, passed attempts, failed attempts)`.
    fn run(end: RunEnd, cases: &[(&str, i32, i32)]) -> RunSnapshot {
        RunSnapshot {
            end,
            cases: cases
                .iter()
                .map(|(id, p, f)| (id.to_string(), (format!("Case {id}"), counts(*p, *f))))
                .collect(),
        }
    }

    fn done(cases: &[(&str, i32, i32)]) -> RunSnapshot {
        run(RunEnd::Completed, cases)
    }

    fn on_change(kind: RuleKind) -> Rule {
        Rule {
            kind,
            every_run: false,
        }
    }

    /// Which runs of a sequence fire `rule`, each compared with the one before it.
    fn firing(rule: Rule, runs: &[RunSnapshot]) -> Vec<usize> {
        (0..runs.len())
            .filter(|&i| {
                let previous = i.checked_sub(1).map(|p| &runs[p]);
                evaluate(rule, &runs[i], previous, &[]).is_some()
            })
            .collect()
    }

    fn ids(cases: &[CaseRef]) -> Vec<&str> {
        cases.iter().map(|case| case.id.as_str()).collect()
    }

    #[test]
    fn new_failures_fire_once_when_a_passing_case_starts_failing() {
        let runs = [
            done(&[("a", 1, 0), ("b", 1, 0)]),
            done(&[("a", 0, 1), ("b", 1, 0)]),
            done(&[("a", 0, 1), ("b", 1, 0)]),
            done(&[("a", 0, 1), ("b", 0, 1)]),
        ];
        assert_eq!(firing(on_change(RuleKind::NewFailures), &runs), [1, 3]);
        let alert = evaluate(
            on_change(RuleKind::NewFailures),
            &runs[3],
            Some(&runs[2]),
            &[],
        )
        .unwrap();
        assert_eq!(ids(&alert.new_failures), ["b"]);
        assert_eq!(ids(&alert.failing), ["a", "b"]);
        let every = Rule {
            kind: RuleKind::NewFailures,
            every_run: true,
        };
        assert_eq!(firing(every, &runs), [1, 2, 3]);
    }

    #[test]
    fn a_case_with_disagreeing_attempts_counts_as_failing() {
        let runs = [done(&[("a", 2, 0)]), done(&[("a", 1, 1)])];
        assert_eq!(firing(on_change(RuleKind::NewFailures), &runs), [1]);
    }

    #[test]
    fn a_new_case_failing_is_not_a_new_failure() {
        let runs = [done(&[("a", 1, 0)]), done(&[("a", 1, 0), ("new", 0, 1)])];
        assert!(firing(on_change(RuleKind::NewFailures), &runs).is_empty());
    }

    #[test]
    fn recovered_fires_when_every_failing_case_passes_again() {
        let runs = [
            done(&[("a", 0, 1), ("b", 0, 1)]),
            done(&[("a", 1, 0), ("b", 0, 1)]),
            done(&[("a", 1, 0), ("b", 1, 0)]),
            done(&[("a", 1, 0), ("b", 1, 0)]),
        ];
        assert_eq!(firing(on_change(RuleKind::Recovered), &runs), [2]);
        let alert = evaluate(
            on_change(RuleKind::Recovered),
            &runs[2],
            Some(&runs[1]),
            &[],
        )
        .unwrap();
        assert_eq!(ids(&alert.recovered), ["b"]);
        let every = Rule {
            kind: RuleKind::Recovered,
            every_run: true,
        };
        assert_eq!(firing(every, &runs), [2, 3]);
    }

    #[test]
    fn pass_rate_under_threshold_fires_on_crossing_only() {
        let runs = [
            done(&[("a", 9, 1)]),
            done(&[("a", 7, 3)]),
            done(&[("a", 5, 5)]),
            done(&[("a", 9, 1)]),
            done(&[("a", 1, 9)]),
        ];
        let rule = on_change(RuleKind::PassRateBelow(80));
        assert_eq!(firing(rule, &runs), [1, 4]);
        let alert = evaluate(rule, &runs[1], Some(&runs[0]), &[]).unwrap();
        assert_eq!(alert.pass_rate, Some(0.7));
        assert_eq!(alert.previous_pass_rate, Some(0.9));
        let every = Rule {
            kind: RuleKind::PassRateBelow(80),
            every_run: true,
        };
        assert_eq!(firing(every, &runs), [1, 2, 4]);
        // Exactly at the threshold is not under it.
        assert!(firing(rule, &[done(&[("a", 8, 2)])]).is_empty());
    }

    #[test]
    fn errored_or_cancelled_fires_when_a_run_stops_completing() {
        let runs = [
            done(&[("a", 1, 0)]),
            run(RunEnd::Errored, &[]),
            run(RunEnd::Cancelled, &[]),
            done(&[("a", 1, 0)]),
            run(RunEnd::Cancelled, &[]),
        ];
        assert_eq!(
            firing(on_change(RuleKind::ErroredOrCancelled), &runs),
            [1, 4]
        );
        let every = Rule {
            kind: RuleKind::ErroredOrCancelled,
            every_run: true,
        };
        assert_eq!(firing(every, &runs), [1, 2, 4]);
    }

    #[test]
    fn the_first_run_alerts_on_its_own_state() {
        let first = done(&[("a", 0, 1)]);
        let rule = on_change(RuleKind::PassRateBelow(50));
        assert!(evaluate(rule, &first, None, &[]).is_some());
        assert!(evaluate(on_change(RuleKind::NewFailures), &first, None, &[]).is_none());
        assert!(evaluate(on_change(RuleKind::Recovered), &first, None, &[]).is_none());
    }

    fn history(id: &str, verdicts: &[bool]) -> CaseHistory {
        CaseHistory {
            case: CaseRef {
                id: id.into(),
                name: format!("Case {id}"),
            },
            runs: verdicts
                .iter()
                .map(|&pass| if pass { counts(1, 0) } else { counts(0, 1) })
                .collect(),
        }
    }

    #[test]
    fn newly_flaky_fires_when_the_current_run_tips_a_case_into_flaky() {
        let steady = history("steady", &[true; 8]);
        // One failure among passes, then a pass: two flips in eight transitions (0.25) make it
        // flaky only once the last run is counted (one in seven, 0.14, before).
        let tipping = history(
            "tipping",
            &[true, true, true, true, true, true, true, false, true],
        );
        let already = history("already", &[true, false, true, false, true, false]);
        let current = done(&[("steady", 1, 0), ("tipping", 1, 0), ("already", 0, 1)]);
        let histories = [steady, tipping, already];
        let (now, newly) = flaky_cases(&histories);
        assert_eq!(ids(&now), ["tipping", "already"]);
        assert_eq!(ids(&newly), ["tipping"]);
        let alert = evaluate(on_change(RuleKind::NewlyFlaky), &current, None, &histories).unwrap();
        assert_eq!(ids(&alert.flaky), ["tipping"]);
        let quiet = [history("already", &[true, false, true, false, true, false])];
        assert!(evaluate(on_change(RuleKind::NewlyFlaky), &current, None, &quiet).is_none());
        let every = Rule {
            kind: RuleKind::NewlyFlaky,
            every_run: true,
        };
        assert!(evaluate(every, &current, None, &quiet).is_some());
    }
}
