//! The shape of a generated history, decided before anything is written: suites and their
//! cases, how each case tends to come out (stable, broken, flaky, regressed, fixed), and every
//! attempt's verdict. Deterministic for a seed.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::catalog::{BUSINESSES, CASES};

/// How a generated test case tends to come out over the history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Profile {
    /// Passes (almost) always.
    Stable,
    /// Fails (almost) always.
    Broken,
    /// Passes with this probability, attempt by attempt.
    Flaky(f64),
    /// Stable until this point of the history (0..1), broken since.
    Regressed(f64),
    /// Broken until this point of the history (0..1), stable since.
    Fixed(f64),
}

/// An attempt's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Verdict {
    /// `pass`
    Pass,
    /// `fail`
    Fail,
    /// `error` (the call never connected)
    Error,
}

impl Verdict {
    /// RevRing's spelling.
    pub(super) fn as_str(&self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }
}

/// Draws a verdict for a case with `profile` at `progress` (0 = oldest run, 1 = newest).
pub(super) fn verdict(profile: Profile, progress: f64, rng: &mut impl Rng) -> Verdict {
    let pass_probability = match profile {
        Profile::Stable => 0.985,
        Profile::Broken => 0.05,
        Profile::Flaky(pass) => pass,
        Profile::Regressed(at) if progress < at => 0.985,
        Profile::Regressed(_) => 0.05,
        Profile::Fixed(at) if progress < at => 0.05,
        Profile::Fixed(_) => 0.985,
    };
    let draw: f64 = rng.random();
    if draw < pass_probability {
        Verdict::Pass
    } else if draw < pass_probability + (1.0 - pass_probability) * 0.9 {
        Verdict::Fail
    } else {
        Verdict::Error
    }
}

/// A generated test case.
#[derive(Debug, Clone)]
pub(super) struct CasePlan {
    /// Its RevRing-style id.
    pub revring_id: String,
    /// Its name.
    pub name: &'static str,
    /// Attempts per run.
    pub attempts: u32,
    /// How it tends to come out.
    pub profile: Profile,
}

/// A generated suite.
#[derive(Debug, Clone)]
pub(super) struct SuitePlan {
    /// Suite name.
    pub name: String,
    /// The business its agent answers for.
    pub business: &'static str,
    /// The agent's persona name.
    pub agent: &'static str,
    /// Its test cases.
    pub cases: Vec<CasePlan>,
    /// How many runs it gets.
    pub runs: usize,
}

impl SuitePlan {
    /// Attempts in each of its runs.
    pub(super) fn attempts_per_run(&self) -> usize {
        self.cases.iter().map(|case| case.attempts as usize).sum()
    }
}

fn profile(rng: &mut impl Rng) -> Profile {
    let draw: f64 = rng.random();
    match draw {
        d if d < 0.6 => Profile::Stable,
        d if d < 0.7 => Profile::Broken,
        d if d < 0.85 => Profile::Flaky(rng.random_range(0.4..0.8)),
        d if d < 0.95 => Profile::Regressed(rng.random_range(0.3..0.97)),
        _ => Profile::Fixed(rng.random_range(0.2..0.9)),
    }
}

/// Plans `suites` suites sharing `runs` runs of about `attempts / runs` attempts each.
pub(super) fn suites(suites: usize, runs: usize, attempts: usize, seed: u64) -> Vec<SuitePlan> {
    let mut rng = StdRng::seed_from_u64(seed);
    let suites = suites.max(1);
    let per_run = (attempts / runs.max(1)).max(1);
    (0..suites)
        .map(|index| {
            let (base, business, agent) = BUSINESSES[index % BUSINESSES.len()];
            let name = match index / BUSINESSES.len() {
                0 => base.to_owned(),
                round => format!("{base} {}", round + 1),
            };
            // Half the suites run every case twice, the other half once.
            let attempts_each = if per_run >= 2 && index % 2 == 1 { 2 } else { 1 };
            let case_count = (per_run / attempts_each as usize).clamp(1, CASES.len());
            let offset = rng.random_range(0..CASES.len());
            let cases = (0..case_count)
                .map(|i| CasePlan {
                    revring_id: format!("gen-s{index}-c{i}"),
                    name: CASES[(offset + i) % CASES.len()],
                    attempts: attempts_each,
                    profile: profile(&mut rng),
                })
                .collect();
            SuitePlan {
                name,
                business,
                agent,
                cases,
                runs: runs / suites + usize::from(index < runs % suites),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_attempts_are_shared_out() {
        let plans = suites(3, 10, 60, 7);
        assert_eq!(
            plans.iter().map(|p| p.runs).collect::<Vec<_>>(),
            vec![4, 3, 3]
        );
        // 6 attempts per run: one attempt × 6 cases, or two × 3.
        assert_eq!(plans[0].cases.len(), 6);
        assert_eq!(plans[1].cases.len(), 3);
        assert!(plans.iter().all(|p| p.attempts_per_run() == 6));
        assert_eq!(plans[0].name, "Dental scheduling");
    }

    #[test]
    fn profiles_shape_the_verdicts() {
        let mut rng = StdRng::seed_from_u64(1);
        let share = |profile, progress, rng: &mut StdRng| {
            (0..2000)
                .filter(|_| verdict(profile, progress, rng) == Verdict::Pass)
                .count() as f64
                / 2000.0
        };
        assert!(share(Profile::Stable, 0.5, &mut rng) > 0.95);
        assert!(share(Profile::Broken, 0.5, &mut rng) < 0.1);
        let flaky = share(Profile::Flaky(0.5), 0.5, &mut rng);
        assert!((0.4..0.6).contains(&flaky));
        assert!(share(Profile::Regressed(0.5), 0.2, &mut rng) > 0.95);
        assert!(share(Profile::Regressed(0.5), 0.8, &mut rng) < 0.1);
        assert!(share(Profile::Fixed(0.5), 0.8, &mut rng) > 0.95);
    }

    #[test]
    fn plans_are_deterministic_for_a_seed() {
        let a = suites(4, 8, 40, 99);
        let b = suites(4, 8, 40, 99);
        let names = |plans: &[SuitePlan]| {
            plans
                .iter()
                .flat_map(|p| p.cases.iter().map(|c| (c.name, format!("{:?}", c.profile))))
                .collect::<Vec<_>>()
        };
        assert_eq!(names(&a), names(&b));
    }
}
