//! The judge: which way an attempt goes, and the reasoning and summary written about it.

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use time::OffsetDateTime;

use super::catalog::Profile;
use super::conversation::{Cast, Conversation, Role};

/// Probability that a flaky case passes.
pub(super) const FLAKY_PASS_RATE: f64 = 0.5;
/// Probability that a flaky case's call never connects (`error`).
pub(super) const FLAKY_ERROR_RATE: f64 = 0.04;
/// Longest rubric excerpt quoted in a reasoning, in characters.
pub(super) const RUBRIC_EXCERPT_CHARS: usize = 220;

/// An attempt's result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The target met the rubric.
    Pass,
    /// The target did not.
    Fail,
    /// The call could not be evaluated (never connected).
    Error,
}

impl Verdict {
    /// The lowercase API spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
        }
    }
}

/// Decides an attempt of a case with `profile`, in a run created at `run_at`; `anchor` is the
/// instant the seed data is laid out from (regressions are dated relative to it).
pub(super) fn decide(
    profile: Profile,
    run_at: OffsetDateTime,
    anchor: OffsetDateTime,
    rng: &mut StdRng,
) -> Verdict {
    match profile {
        Profile::Pass => Verdict::Pass,
        Profile::Fail => Verdict::Fail,
        Profile::Error => Verdict::Error,
        Profile::Regressed { days_ago } => {
            if run_at < anchor - time::Duration::days(days_ago) {
                Verdict::Pass
            } else {
                Verdict::Fail
            }
        }
        Profile::Flaky => {
            let roll: f64 = rng.random();
            if roll < FLAKY_ERROR_RATE {
                Verdict::Error
            } else if roll < FLAKY_ERROR_RATE + (1.0 - FLAKY_ERROR_RATE) * FLAKY_PASS_RATE {
                Verdict::Pass
            } else {
                Verdict::Fail
            }
        }
    }
}

/// The profile forced by a `[sim:pass]`, `[sim:fail]`, `[sim:flaky]` or `[sim:error]` marker in
/// a test case's name or script, if any.
pub(super) fn marker(name: &str, script: &str) -> Option<Profile> {
    let text = format!("{name} {script}").to_lowercase();
    [
        ("[sim:pass]", Profile::Pass),
        ("[sim:fail]", Profile::Fail),
        ("[sim:flaky]", Profile::Flaky),
        ("[sim:error]", Profile::Error),
    ]
    .into_iter()
    .find(|(m, _)| text.contains(m))
    .map(|(_, p)| p)
}

/// The profile a user-created case gets: its [`marker`] if any; otherwise a stable hash of the
/// name (and seed) picks pass (60 %), fail (20 %) or flaky (20 %).
pub(super) fn profile_for(name: &str, script: &str, seed: u64) -> Profile {
    if let Some(p) = marker(name, script) {
        return p;
    }
    match super::ids::mix(seed, super::ids::fnv(name.trim().as_bytes())) % 10 {
        0..=5 => Profile::Pass,
        6 | 7 => Profile::Fail,
        _ => Profile::Flaky,
    }
}

/// The rubric's opening, cut at a word boundary.
pub(super) fn excerpt(rubric: &str) -> String {
    let rubric = rubric.trim();
    if rubric.chars().count() <= RUBRIC_EXCERPT_CHARS {
        return rubric.to_owned();
    }
    let cut: String = rubric.chars().take(RUBRIC_EXCERPT_CHARS).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(a, _)| a);
    format!("{cut}…")
}

fn clock(secs: f64) -> String {
    let s = secs.max(0.0) as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// The judge's explanation, quoting the rubric and the line the verdict rests on.
pub(super) fn reasoning(
    verdict: Verdict,
    rubric: &str,
    conv: Option<&Conversation>,
    rng: &mut StdRng,
) -> String {
    let rubric = excerpt(rubric);
    let Some(conv) = conv else {
        return format!(
            "The call could not be evaluated: the target agent did not answer (NO_ANSWER), so no \
             transcript was produced and the rubric (\"{rubric}\") could not be applied."
        );
    };
    let turn = &conv.turns[conv.evidence];
    let asked = conv.turns[..conv.evidence]
        .iter()
        .rev()
        .find(|t| t.role == Role::User)
        .map_or("", |t| t.content.as_str());
    let at = clock(turn.seconds_from_start);
    let quote = &turn.content;
    let open = match verdict {
        Verdict::Pass => [
            "The agent met the rubric.",
            "Pass: every rubric criterion is satisfied.",
            "The agent's behaviour matches the rubric.",
        ],
        _ => [
            "The agent did not meet the rubric.",
            "Fail: a required rubric criterion is not satisfied.",
            "The agent's behaviour falls short of the rubric.",
        ],
    };
    let open = open.choose(rng).copied().unwrap_or_default();
    match verdict {
        Verdict::Pass => format!(
            "{open} Rubric: \"{rubric}\" At {at}, when the caller said \"{asked}\", the agent \
             answered \"{quote}\", which is what the rubric asks for. It stayed polite, kept the \
             caller informed and closed the call properly."
        ),
        _ => format!(
            "{open} Rubric: \"{rubric}\" At {at}, when the caller said \"{asked}\", the agent \
             answered \"{quote}\". That does not satisfy the rubric, and the agent did not \
             correct it before the call ended."
        ),
    }
}

/// The AI summary stored on a call.
pub(super) fn summary(
    verdict: Verdict,
    case_name: &str,
    cast: Cast<'_>,
    conv: Option<&Conversation>,
) -> String {
    let Some(conv) = conv else {
        return format!("The call to {} was not answered.", cast.business);
    };
    let outcome = match verdict {
        Verdict::Pass => "handled the request and confirmed the next steps",
        _ => "did not handle the request as expected, and the caller ended the call unsatisfied",
    };
    format!(
        "{} called {} ({}). {} {}. The call had {} turns.",
        conv.caller,
        cast.business,
        case_name.to_lowercase(),
        cast.agent,
        outcome,
        conv.turns.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::ids::rng;
    use time::macros::datetime;

    #[test]
    fn profiles_decide_as_promised() {
        let anchor = datetime!(2024-06-01 0:00 UTC);
        let mut r = rng(1, 1);
        assert_eq!(decide(Profile::Pass, anchor, anchor, &mut r), Verdict::Pass);
        assert_eq!(decide(Profile::Fail, anchor, anchor, &mut r), Verdict::Fail);
        let reg = Profile::Regressed { days_ago: 9 };
        let old = anchor - time::Duration::days(20);
        assert_eq!(decide(reg, old, anchor, &mut r), Verdict::Pass);
        assert_eq!(decide(reg, anchor, anchor, &mut r), Verdict::Fail);
        let passes = (0..400)
            .filter(|_| decide(Profile::Flaky, anchor, anchor, &mut r) == Verdict::Pass)
            .count();
        assert!((150..250).contains(&passes), "{passes}");
    }

    #[test]
    fn markers_pick_profiles() {
        assert_eq!(profile_for("X [sim:fail]", "", 1), Profile::Fail);
        assert_eq!(profile_for("X", "do it [SIM:flaky]", 1), Profile::Flaky);
        assert_eq!(profile_for("Same", "", 1), profile_for("Same", "other", 1));
    }

    #[test]
    fn excerpt_cuts_long_rubrics() {
        let long = "word ".repeat(100);
        let e = excerpt(&long);
        assert!(e.ends_with('…'));
        assert!(e.chars().count() <= RUBRIC_EXCERPT_CHARS + 1);
        assert_eq!(excerpt("Short."), "Short.");
    }
}
