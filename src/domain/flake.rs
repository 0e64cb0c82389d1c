//! Flake scores: how unstable a test case is across recent runs, from two kinds of evidence —
//! its result flipping between consecutive runs, and its attempts disagreeing within one run —
//! and how much evidence the score rests on, so flaky cases are told apart from broken ones.
//!
//! The score is the share of unstable observations among all observations:
//! `(flips + disagreeing runs) / (transitions + runs with two or more judged attempts)`, where a
//! transition is a pair of consecutive judged runs and a flip one whose verdicts (passed, or
//! not) differ. A case that always passes or always fails scores 0; one that alternates scores 1;
//! a coin toss about 0.5; a single regression among 50 runs about 0.02.

use super::trend::{CaseCounts, CaseOutcome};

/// At least this many judged runs are needed before a case is classified.
pub const MIN_RUNS: usize = 5;

/// A score at or above this marks a case flaky.
pub const FLAKY_THRESHOLD: f64 = 0.2;

/// A case that did not pass in at least this share of its runs (without being flaky) is broken.
pub const BROKEN_SHARE: f64 = 0.8;

/// A case whose last this-many (or more) runs all failed, after passing before, has regressed.
pub const REGRESSION_RUNS: usize = 3;

/// "Passing before" a regression: at least this share of at least `REGRESSION_RUNS` runs
/// before the final failing streak passed (a case that passed once in a while is broken, not
/// regressed).
pub const REGRESSION_PASS_SHARE: f64 = 0.8;

/// What a case's recent history says about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlakeVerdict {
    /// Too few judged runs to say.
    TooLittleEvidence,
    /// Its results flip or its attempts disagree.
    Flaky,
    /// Fails consistently.
    Broken,
    /// Passed, then started failing and kept failing.
    Regressed,
    /// Passes consistently (the odd failure aside).
    Stable,
}

impl FlakeVerdict {
    /// Word for pages.
    pub fn label(&self) -> &'static str {
        match self {
            FlakeVerdict::TooLittleEvidence => "too little evidence",
            FlakeVerdict::Flaky => "flaky",
            FlakeVerdict::Broken => "broken",
            FlakeVerdict::Regressed => "regressed",
            FlakeVerdict::Stable => "stable",
        }
    }

    /// Badge class.
    pub fn css(&self) -> &'static str {
        match self {
            FlakeVerdict::TooLittleEvidence => "badge-unknown",
            FlakeVerdict::Flaky => "badge-flaky",
            FlakeVerdict::Broken | FlakeVerdict::Regressed => "badge-fail",
            FlakeVerdict::Stable => "badge-pass",
        }
    }

    /// Order on the flaky page: flaky first, then the failing kinds, then the rest.
    pub fn rank(&self) -> u8 {
        match self {
            FlakeVerdict::Flaky => 0,
            FlakeVerdict::Regressed => 1,
            FlakeVerdict::Broken => 2,
            FlakeVerdict::Stable => 3,
            FlakeVerdict::TooLittleEvidence => 4,
        }
    }
}

/// A case's flake score with the evidence behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlakeScore {
    /// Runs with at least one judged attempt.
    pub runs: usize,
    /// Pairs of consecutive judged runs.
    pub transitions: usize,
    /// Transitions whose verdict changed (passed ↔ did not pass).
    pub flips: usize,
    /// Runs with two or more judged attempts (where attempts can disagree).
    pub multi_attempt_runs: usize,
    /// Of those, runs whose attempts disagreed.
    pub disagreeing_runs: usize,
    /// Runs the case did not pass (some attempt failed or errored).
    pub failing_runs: usize,
    /// `(flips + disagreeing_runs) / (transitions + multi_attempt_runs)`, 0 without evidence.
    pub score: f64,
    /// What it adds up to.
    pub verdict: FlakeVerdict,
}

impl FlakeScore {
    /// Observations the score rests on.
    pub fn observations(&self) -> usize {
        self.transitions + self.multi_attempt_runs
    }

    /// Share of runs it did not pass, 0..=1.
    pub fn failure_share(&self) -> f64 {
        ratio(self.failing_runs, self.runs)
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// Scores a case from its per-run attempt counts, oldest run first. Runs without a judged
/// attempt (pending, or the case not run) carry no evidence and are skipped.
pub fn score(history: &[CaseCounts]) -> FlakeScore {
    let judged: Vec<&CaseCounts> = history.iter().filter(|c| c.judged() > 0).collect();
    let passed: Vec<bool> = judged
        .iter()
        .map(|c| c.outcome() == CaseOutcome::Pass)
        .collect();
    let transitions = passed.len().saturating_sub(1);
    let flips = passed.windows(2).filter(|pair| pair[0] != pair[1]).count();
    let multi_attempt_runs = judged.iter().filter(|c| c.judged() >= 2).count();
    let disagreeing_runs = judged
        .iter()
        .filter(|c| c.outcome() == CaseOutcome::Mixed)
        .count();
    let failing_runs = passed.iter().filter(|passed| !**passed).count();
    let score = ratio(flips + disagreeing_runs, transitions + multi_attempt_runs);
    let runs = judged.len();
    let streak = passed.iter().rev().take_while(|passed| !**passed).count();
    let before = &passed[..runs - streak];
    let regressed = streak >= REGRESSION_RUNS
        && before.len() >= REGRESSION_RUNS
        && ratio(before.iter().filter(|p| **p).count(), before.len()) >= REGRESSION_PASS_SHARE;
    let verdict = if runs < MIN_RUNS {
        FlakeVerdict::TooLittleEvidence
    } else if score >= FLAKY_THRESHOLD {
        FlakeVerdict::Flaky
    } else if regressed {
        FlakeVerdict::Regressed
    } else if ratio(failing_runs, runs) >= BROKEN_SHARE {
        FlakeVerdict::Broken
    } else {
        FlakeVerdict::Stable
    };
    FlakeScore {
        runs,
        transitions,
        flips,
        multi_attempt_runs,
        disagreeing_runs,
        failing_runs,
        score,
        verdict,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One attempt per run: `p` passed, `f` failed, `e` errored, `.` pending.
    fn single(pattern: &str) -> Vec<CaseCounts> {
        pattern
            .chars()
            .map(|c| CaseCounts {
                passed: i32::from(c == 'p'),
                failed: i32::from(c == 'f'),
                errored: i32::from(c == 'e'),
                pending: i32::from(c == '.'),
            })
            .collect()
    }

    fn pair(passed: i32, failed: i32) -> CaseCounts {
        CaseCounts {
            passed,
            failed,
            ..CaseCounts::default()
        }
    }

    #[test]
    fn alternating_results_score_one() {
        let s = score(&single("pfpfpf"));
        assert_eq!((s.runs, s.transitions, s.flips), (6, 5, 5));
        assert_eq!(s.score, 1.0);
        assert_eq!(s.verdict, FlakeVerdict::Flaky);
    }

    #[test]
    fn steady_results_score_zero_and_are_told_apart() {
        let passing = score(&single("pppppppp"));
        assert_eq!(
            (passing.score, passing.verdict),
            (0.0, FlakeVerdict::Stable)
        );
        let broken = score(&single("ffffefff"));
        assert_eq!(broken.score, 0.0);
        assert_eq!(broken.failing_runs, 8);
        assert_eq!(broken.verdict, FlakeVerdict::Broken);
    }

    #[test]
    fn one_regression_is_not_flakiness() {
        // 7 passes then 3 failures: 1 flip in 9 transitions.
        let s = score(&single("pppppppfff"));
        assert_eq!((s.flips, s.transitions), (1, 9));
        assert!((s.score - 1.0 / 9.0).abs() < 1e-12);
        assert_eq!(s.verdict, FlakeVerdict::Regressed);
    }

    #[test]
    fn a_stray_early_pass_does_not_make_a_broken_case_regressed() {
        // One pass, then nine failures: the streak has only one run before it.
        assert_eq!(score(&single("pfffffffff")).verdict, FlakeVerdict::Broken);
        // 3 of 5 passes before the streak is below the 80% that "passing before" needs
        // (3 flips in 22 transitions: 0.14, not flaky).
        let mostly_failing = score(&single("ppffpffffffffffffffffff"));
        assert_eq!(mostly_failing.verdict, FlakeVerdict::Broken);
        // 14 of 15 passes before a streak of 3 failures (3 flips in 17): regressed.
        let regressed = score(&single("pppppppppfpppppfff"));
        assert!((regressed.score - 3.0 / 17.0).abs() < 1e-12);
        assert_eq!(regressed.verdict, FlakeVerdict::Regressed);
    }

    #[test]
    fn pending_runs_carry_no_evidence() {
        // "pf.fp" judged as p f f p: 2 flips in 3 transitions.
        let s = score(&single("pf.fp"));
        assert_eq!((s.runs, s.transitions, s.flips), (4, 3, 2));
        assert_eq!(s.verdict, FlakeVerdict::TooLittleEvidence);
    }

    #[test]
    fn disagreeing_attempts_count_as_instability() {
        // Two attempts per run: pass/pass, 1-1, pass/pass, 1-1, pass/pass.
        // Verdicts p f p f p: 4 flips in 4 transitions; 2 of 5 multi-attempt runs disagree.
        let history = [pair(2, 0), pair(1, 1), pair(2, 0), pair(1, 1), pair(2, 0)];
        let s = score(&history);
        assert_eq!((s.flips, s.transitions), (4, 4));
        assert_eq!((s.disagreeing_runs, s.multi_attempt_runs), (2, 5));
        assert_eq!(s.observations(), 9);
        assert!((s.score - 6.0 / 9.0).abs() < 1e-12);
        assert_eq!(s.verdict, FlakeVerdict::Flaky);
    }

    #[test]
    fn always_mixed_is_flaky_without_flips() {
        // Every run 1 pass 1 fail: verdict "did not pass" each time, no flips, 5/5 disagree.
        let s = score(&[pair(1, 1); 5]);
        assert_eq!(s.flips, 0);
        assert!((s.score - 5.0 / 9.0).abs() < 1e-12);
        assert_eq!(s.verdict, FlakeVerdict::Flaky);
    }

    #[test]
    fn no_history_scores_zero() {
        let s = score(&[]);
        assert_eq!((s.runs, s.score), (0, 0.0));
        assert_eq!(s.verdict, FlakeVerdict::TooLittleEvidence);
        assert_eq!(s.failure_share(), 0.0);
    }
}
