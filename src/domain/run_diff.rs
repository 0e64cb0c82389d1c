//! Comparing two runs case by case: what newly fails, what was fixed, what still fails, what is
//! flaky, and what exists in only one of them. The comparison page groups cases by it, and the
//! run page marks each case with it against the suite's previous run.

use std::collections::BTreeMap;

use super::trend::{CaseCounts, CaseOutcome};

/// A test case's counts in one run, keyed by RevRing's case id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseInRun {
    /// RevRing's test case id.
    pub case_id: String,
    /// Its name in that run.
    pub name: String,
    /// How its attempts came out.
    pub counts: CaseCounts,
}

/// How a case changed from the base run to the compared run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiffKind {
    /// Passed in the base run, fails now.
    NewFailure,
    /// Failed (every attempt, or some) in the base run, passes every attempt now.
    Fixed,
    /// Failed in the base run (every attempt, or some), fails every attempt now.
    StillFailing,
    /// Its attempts disagree in the compared run, or passed every attempt in the base run and
    /// disagree now.
    Flaky,
    /// In the compared run only.
    OnlyInRun,
    /// In the base run only.
    OnlyInBase,
    /// No verdict yet in either run.
    Pending,
    /// Passed in both.
    StillPassing,
}

impl DiffKind {
    /// Every kind, in the order pages list them.
    pub const ALL: [DiffKind; 8] = [
        DiffKind::NewFailure,
        DiffKind::Fixed,
        DiffKind::StillFailing,
        DiffKind::Flaky,
        DiffKind::OnlyInRun,
        DiffKind::OnlyInBase,
        DiffKind::Pending,
        DiffKind::StillPassing,
    ];

    /// Heading on pages.
    pub fn label(&self) -> &'static str {
        match self {
            DiffKind::NewFailure => "New failures",
            DiffKind::Fixed => "Fixed",
            DiffKind::StillFailing => "Still failing",
            DiffKind::Flaky => "Flaky",
            DiffKind::OnlyInRun => "Only in this run",
            DiffKind::OnlyInBase => "Only in the base run",
            DiffKind::Pending => "Not judged yet",
            DiffKind::StillPassing => "Still passing",
        }
    }

    /// Anchor / CSS key.
    pub fn key(&self) -> &'static str {
        match self {
            DiffKind::NewFailure => "new-failures",
            DiffKind::Fixed => "fixed",
            DiffKind::StillFailing => "still-failing",
            DiffKind::Flaky => "flaky",
            DiffKind::OnlyInRun => "only-in-run",
            DiffKind::OnlyInBase => "only-in-base",
            DiffKind::Pending => "pending",
            DiffKind::StillPassing => "still-passing",
        }
    }

    /// One case's change as a badge says it (the run page).
    pub fn badge(&self) -> &'static str {
        match self {
            DiffKind::NewFailure => "new failure",
            DiffKind::Fixed => "fixed",
            DiffKind::StillFailing => "still failing",
            DiffKind::Flaky => "flaky",
            DiffKind::OnlyInRun => "new",
            DiffKind::OnlyInBase => "not run",
            DiffKind::Pending => "pending",
            DiffKind::StillPassing => "still passing",
        }
    }

    /// Classifies one case from its outcome in the base run and in the compared run.
    pub fn of(base: Option<CaseOutcome>, run: Option<CaseOutcome>) -> Self {
        use CaseOutcome::*;
        match (base, run) {
            (None, None) => DiffKind::Pending,
            (None, Some(_)) => DiffKind::OnlyInRun,
            (Some(_), None) => DiffKind::OnlyInBase,
            (Some(Pending), _) | (_, Some(Pending)) => DiffKind::Pending,
            (_, Some(Mixed)) => DiffKind::Flaky,
            (Some(Mixed), Some(Pass)) => DiffKind::Fixed,
            (Some(Mixed), Some(Fail)) => DiffKind::StillFailing,
            (Some(Pass), Some(Pass)) => DiffKind::StillPassing,
            (Some(Pass), Some(Fail)) => DiffKind::NewFailure,
            (Some(Fail), Some(Pass)) => DiffKind::Fixed,
            (Some(Fail), Some(Fail)) => DiffKind::StillFailing,
        }
    }
}

/// One case of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseDiff {
    /// RevRing's test case id.
    pub case_id: String,
    /// Its name (from the compared run when it has the case).
    pub name: String,
    /// Its counts in the base run.
    pub base: Option<CaseCounts>,
    /// Its counts in the compared run.
    pub run: Option<CaseCounts>,
    /// The classification.
    pub kind: DiffKind,
}

/// Compares `run` with `base`: every case of either, ordered by kind then name.
pub fn diff(base: &[CaseInRun], run: &[CaseInRun]) -> Vec<CaseDiff> {
    let mut cases: BTreeMap<&str, (String, Option<CaseCounts>, Option<CaseCounts>)> =
        BTreeMap::new();
    for case in base {
        let entry = cases
            .entry(&case.case_id)
            .or_insert_with(|| (case.name.clone(), None, None));
        entry.1 = Some(case.counts);
    }
    for case in run {
        let entry = cases
            .entry(&case.case_id)
            .or_insert_with(|| (case.name.clone(), None, None));
        entry.0 = case.name.clone();
        entry.2 = Some(case.counts);
    }
    let mut diffs: Vec<CaseDiff> = cases
        .into_iter()
        .map(|(case_id, (name, base, run))| CaseDiff {
            case_id: case_id.to_owned(),
            kind: DiffKind::of(base.map(|c| c.outcome()), run.map(|c| c.outcome())),
            name,
            base,
            run,
        })
        .collect();
    diffs.sort_by(|a, b| {
        (a.kind, a.name.to_lowercase(), &a.case_id).cmp(&(
            b.kind,
            b.name.to_lowercase(),
            &b.case_id,
        ))
    });
    diffs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(id: &str, passed: i32, failed: i32, pending: i32) -> CaseInRun {
        CaseInRun {
            case_id: id.into(),
            name: format!("Case {id}"),
            counts: CaseCounts {
                passed,
                failed,
                errored: 0,
                pending,
            },
        }
    }

    #[test]
    fn a_constructed_pair_of_runs_is_classified() {
        let base = [
            case("a", 1, 0, 0), // pass → fail
            case("b", 0, 1, 0), // fail → pass
            case("c", 0, 2, 0), // fail → fail
            case("d", 2, 0, 0), // pass → mixed
            case("e", 1, 0, 0), // pass → pass
            case("f", 1, 0, 0), // gone
            case("h", 1, 0, 0), // pass → pending
            case("i", 1, 1, 0), // mixed → pass
            case("j", 2, 1, 0), // mixed → fail
            case("k", 1, 1, 0), // mixed → mixed
        ];
        let run = [
            case("a", 0, 1, 0),
            case("b", 1, 0, 0),
            case("c", 0, 1, 0),
            case("d", 1, 1, 0),
            case("e", 1, 0, 0),
            case("g", 0, 1, 0), // new case
            case("h", 0, 0, 1),
            case("i", 3, 0, 0),
            case("j", 0, 2, 0),
            case("k", 1, 2, 0),
        ];
        let kinds: Vec<(String, DiffKind)> = diff(&base, &run)
            .into_iter()
            .map(|d| (d.case_id, d.kind))
            .collect();
        let expect = |id: &str, kind| (id.to_owned(), kind);
        assert_eq!(
            kinds,
            vec![
                expect("a", DiffKind::NewFailure),
                expect("b", DiffKind::Fixed),
                expect("i", DiffKind::Fixed),
                expect("c", DiffKind::StillFailing),
                expect("j", DiffKind::StillFailing),
                expect("d", DiffKind::Flaky),
                expect("k", DiffKind::Flaky),
                expect("g", DiffKind::OnlyInRun),
                expect("f", DiffKind::OnlyInBase),
                expect("h", DiffKind::Pending),
                expect("e", DiffKind::StillPassing),
            ]
        );
    }

    #[test]
    fn counts_of_both_sides_are_kept() {
        let diffs = diff(&[case("a", 1, 0, 0)], &[case("a", 0, 1, 0)]);
        assert_eq!(diffs[0].base.unwrap().passed, 1);
        assert_eq!(diffs[0].run.unwrap().failed, 1);
        let gone = diff(&[case("a", 1, 0, 0)], &[]);
        assert_eq!((gone[0].kind, gone[0].run), (DiffKind::OnlyInBase, None));
    }

    #[test]
    fn errors_count_as_failures() {
        let mut errored = case("a", 0, 0, 0);
        errored.counts.errored = 1;
        assert_eq!(
            diff(&[case("a", 1, 0, 0)], &[errored])[0].kind,
            DiffKind::NewFailure
        );
    }
}
