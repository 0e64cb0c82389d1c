//! The gate: whether finished runs pass `--fail-on any | regression | below:PCT`.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// When the gate fails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FailOn {
    /// Any attempt failed or errored.
    Any,
    /// A case that passed in the previous finished run of the suite on the same branch (else
    /// the default branch) now fails.
    Regression,
    /// The pass rate over all runs is below this percentage.
    Below(f64),
}

impl FailOn {
    /// Parses the flag; `None` when it is none of the three forms.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "any" => Some(Self::Any),
            "regression" => Some(Self::Regression),
            other => {
                let pct: f64 = other
                    .strip_prefix("below:")?
                    .trim()
                    .trim_end_matches('%')
                    .parse()
                    .ok()?;
                (0.0..=100.0).contains(&pct).then_some(Self::Below(pct))
            }
        }
    }
}

/// How the cases of a run came out: case id → (name, passed), a case passing when every
/// judged attempt passed and failing when any failed or errored.
pub fn case_results(run: &Value) -> BTreeMap<String, (String, bool)> {
    let mut cases: BTreeMap<String, (String, bool)> = BTreeMap::new();
    for attempt in run["attempts"].as_array().into_iter().flatten() {
        let Some(verdict) = attempt["verdict"].as_str() else {
            continue;
        };
        let id = attempt["test_case_id"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let name = attempt["test_case_name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let entry = cases.entry(id).or_insert((name, true));
        entry.1 &= verdict == "pass";
    }
    cases
}

/// Attempts (judged, passed) over runs.
pub fn totals(runs: &[Value]) -> (u64, u64) {
    runs.iter().fold((0, 0), |(judged, passed), run| {
        let p = run["attempts_passed"].as_u64().unwrap_or(0);
        let f = run["attempts_failed"].as_u64().unwrap_or(0);
        (judged + p + f, passed + p)
    })
}

/// Names of the cases that passed in `baseline` and fail in `current`.
pub fn regressions(baseline: &Value, current: &Value) -> BTreeSet<String> {
    let before = case_results(baseline);
    case_results(current)
        .into_iter()
        .filter(|(id, (_, passed))| !passed && before.get(id).is_some_and(|(_, was)| *was))
        .map(|(_, (name, _))| name)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(verdicts: &[(&str, &str)]) -> Value {
        let attempts: Vec<Value> = verdicts
            .iter()
            .map(|(case, verdict)| json!({"test_case_id": case, "test_case_name": case.to_uppercase(), "verdict": verdict}))
            .collect();
        json!({ "attempts": attempts })
    }

    #[test]
    fn fail_on_parses_its_three_forms() {
        assert_eq!(FailOn::parse("any"), Some(FailOn::Any));
        assert_eq!(FailOn::parse("regression"), Some(FailOn::Regression));
        assert_eq!(FailOn::parse("below:90"), Some(FailOn::Below(90.0)));
        assert_eq!(FailOn::parse("below:95.5%"), Some(FailOn::Below(95.5)));
        for bad in ["", "all", "below:", "below:x", "below:150"] {
            assert_eq!(FailOn::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_regression_is_a_case_that_passed_before_and_fails_now() {
        let before = run(&[("a", "pass"), ("b", "fail"), ("c", "pass")]);
        let now = run(&[("a", "fail"), ("b", "fail"), ("c", "pass"), ("d", "fail")]);
        assert_eq!(regressions(&before, &now), BTreeSet::from(["A".to_owned()]));
        let flaky_now = run(&[("c", "pass"), ("c", "error")]);
        assert_eq!(
            regressions(&before, &flaky_now),
            BTreeSet::from(["C".to_owned()])
        );
    }
}
