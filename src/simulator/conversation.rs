//! Transcript generation: multi-turn phone calls between the tester and the target agent.
//!
//! A call is built from a [`Dialogue`] (the seeded catalogue's lines, or lines derived from a
//! user's own script), a seeded RNG choosing the variations, and whether the target behaves.
//! In a transcript `assistant` is the target agent and `user` the tester (docs/revring-api.md §6).

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use serde::Serialize;

use super::catalog::{CALLERS, CaseSpec, DAYS, TIMES};

/// Average speaking time per word, in seconds (about 165 words per minute).
pub(super) const SECS_PER_WORD: f64 = 0.36;
/// Most turns in a generated call (the fewest is 7: greeting, reason, acknowledgement, one
/// question and answer, goodbyes).
pub(super) const MAX_TURNS: usize = 14;

/// Who speaks a transcript line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The target agent (on the tester's own leg: the tester agent).
    Assistant,
    /// The tester (on the tester's own leg: the target agent).
    User,
}

/// One transcript entry: `{"role", "content", "secondsFromStart"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Turn {
    /// Who speaks.
    pub role: Role,
    /// What is said.
    pub content: String,
    /// When the line starts, in seconds from the answer, one decimal.
    pub seconds_from_start: f64,
}

/// One question/answer pair with owned lines.
#[derive(Debug, Clone)]
pub(super) struct Line {
    /// The tester's line.
    pub tester: String,
    /// The target's line that satisfies the rubric.
    pub good: String,
    /// The target's line that does not.
    pub bad: String,
}

/// What a call about one test case is made of.
#[derive(Debug, Clone)]
pub(super) struct Dialogue {
    /// Alternative first lines of the tester.
    pub openers: Vec<String>,
    /// The body; the last pair is the one the rubric hinges on.
    pub lines: Vec<Line>,
}

/// The target side of a call.
#[derive(Debug, Clone, Copy)]
pub struct Cast<'a> {
    /// The business, e.g. "Bright Smile Dental".
    pub business: &'a str,
    /// The agent persona's first name.
    pub agent: &'a str,
    /// The agent's configured first message.
    pub first_message: &'a str,
}

/// A generated call.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// The transcript, target perspective.
    pub turns: Vec<Turn>,
    /// Index in `turns` of the target line the verdict rests on.
    pub evidence: usize,
    /// Virtual seconds from answer to hang-up.
    pub talk_secs: f64,
    /// The caller's name used in the call.
    pub caller: String,
}

impl Dialogue {
    /// The catalogue's lines for a seeded test case.
    pub(super) fn from_spec(spec: &CaseSpec) -> Self {
        Dialogue {
            openers: spec.openers.iter().map(|s| (*s).to_owned()).collect(),
            lines: spec
                .exchanges
                .iter()
                .map(|e| Line {
                    tester: e.tester.to_owned(),
                    good: e.good.to_owned(),
                    bad: e.bad.to_owned(),
                })
                .collect(),
        }
    }

    /// Lines derived from a user-written test case: the tester voices the script in the first
    /// person, then asks for help and for the next step.
    pub(super) fn from_script(name: &str, script: &str) -> Self {
        let sentences: Vec<String> = script
            .split(['.', '!', '?', '\n'])
            .map(str::trim)
            .filter(|s| s.len() > 3)
            .take(2)
            .map(first_person)
            .collect();
        let topic = name.trim().to_lowercase();
        let first = sentences
            .first()
            .cloned()
            .unwrap_or_else(|| format!("I need some help with {topic}."));
        let mut lines = Vec::new();
        if let Some(second) = sentences.get(1) {
            lines.push(Line {
                tester: second.clone(),
                good: "Understood. Let me take care of that for you.".to_owned(),
                bad: "Hmm, I'm not sure that's something we do.".to_owned(),
            });
        }
        lines.push(Line {
            tester: "Can you help me with that today?".to_owned(),
            good: "Yes, absolutely. I've taken care of it and noted everything on your file."
                .to_owned(),
            bad: "I'm sorry, I can't help with that. Maybe try calling back later.".to_owned(),
        });
        lines.push(Line {
            tester: "Great. What happens next?".to_owned(),
            good: "You'll get a confirmation by text in a few minutes. Your reference is {ref}."
                .to_owned(),
            bad: "I don't really know, sorry.".to_owned(),
        });
        Dialogue {
            openers: vec![
                format!("Hi, I'm calling about {topic}. {first}"),
                format!("Hello. {first}"),
            ],
            lines,
        }
    }
}

/// Rewrites a second-person script sentence as something the caller would say.
fn first_person(sentence: &str) -> String {
    let swapped = sentence
        .replace(" your ", " my ")
        .replace(" yours", " mine")
        .replace(" you ", " I ");
    let lower_first = |s: &str| {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_lowercase().collect::<String>() + c.as_str())
            .unwrap_or_default()
    };
    let body = if let Some(rest) = swapped.strip_prefix("You are ") {
        format!("I'm {rest}")
    } else if let Some(rest) = swapped.strip_prefix("You're ") {
        format!("I'm {rest}")
    } else if let Some(rest) = swapped.strip_prefix("You ") {
        format!("I {rest}")
    } else if let Some(rest) = swapped.strip_prefix("Your ") {
        format!("My {rest}")
    } else {
        format!("I'd like to {}", lower_first(&swapped))
    };
    format!("{}.", body.trim_end_matches(['.', ',']))
}

const GREETINGS: [&str; 3] = [
    "Thank you for calling {business}, this is {agent}. How can I help you today?",
    "{business}, {agent} speaking. What can I do for you?",
    "Hi, you've reached {business}. This is {agent}, how can I help?",
];
const ASK_NAME: [&str; 3] = [
    "I can help with that. May I have your name, please?",
    "Of course. Who am I speaking with?",
    "Sure thing. Can I get your name first?",
];
const GIVE_NAME: [&str; 3] = ["It's {caller}.", "Yes, this is {caller}.", "{caller}."];
const ACK: [&str; 4] = [
    "Of course, I can help with that.",
    "Sure, let's take care of that.",
    "Okay, I understand. Let me help you with that.",
    "Absolutely, happy to help.",
];
const REPEAT: [&str; 3] = [
    "Sorry, you cut out for a second. Could you say that again?",
    "I'm sorry, could you repeat that?",
    "Sorry, what was that?",
];
const THANKS: [&str; 3] = [
    "That's everything, thank you so much!",
    "Perfect, thanks for your help.",
    "Great, that's all I needed.",
];
const GOODBYE: [&str; 3] = [
    "You're welcome, {caller}. Have a great day!",
    "My pleasure. Take care!",
    "Glad I could help. Goodbye!",
];
const GRUMBLE: [&str; 3] = [
    "Okay... I guess that's it then.",
    "Hm, alright. Thanks anyway.",
    "Fine. Goodbye.",
];
const SIGN_OFF: [&str; 2] = [
    "Thanks for calling {business}. Goodbye!",
    "Is there anything else I can help with? Alright, have a good day.",
];

fn pick<'a>(rng: &mut StdRng, items: &'a [&'a str]) -> &'a str {
    items.choose(rng).copied().unwrap_or_default()
}

/// Generates the call for one attempt: 7 to [`MAX_TURNS`] turns with alternating speakers, the target behaving when `passes`.
pub(super) fn converse(
    dialogue: &Dialogue,
    cast: Cast<'_>,
    passes: bool,
    rng: &mut StdRng,
) -> Conversation {
    let caller = pick(rng, &CALLERS).to_owned();
    let day = pick(rng, &DAYS);
    let at = pick(rng, &TIMES);
    let reference = format!("RS-{:05}", rng.random_range(10_000..100_000));
    let fill = |s: &str| {
        s.replace("{caller}", &caller)
            .replace("{agent}", cast.agent)
            .replace("{business}", cast.business)
            .replace("{day}", day)
            .replace("{time}", at)
            .replace("{ref}", &reference)
    };
    let mut script: Vec<(Role, String)> = Vec::new();
    let greeting = if rng.random_bool(0.5) && !cast.first_message.is_empty() {
        cast.first_message
    } else {
        pick(rng, &GREETINGS)
    };
    script.push((Role::Assistant, fill(greeting)));
    let opener = dialogue.openers.choose(rng).map_or("Hi.", String::as_str);
    script.push((Role::User, fill(opener)));
    let names_given = dialogue.lines.iter().any(|l| l.tester.contains("{caller}"));
    if !names_given && rng.random_bool(0.6) {
        script.push((Role::Assistant, fill(pick(rng, &ASK_NAME))));
        script.push((Role::User, fill(pick(rng, &GIVE_NAME))));
        let thanks = format!("Thank you, {{caller}}. {}", pick(rng, &ACK));
        script.push((Role::Assistant, fill(&thanks)));
    } else {
        script.push((Role::Assistant, fill(pick(rng, &ACK))));
    }
    let last = dialogue.lines.len().saturating_sub(1);
    let planned = script.len() + 2 * dialogue.lines.len() + 2;
    let mut evidence = 0;
    let mut repeated = planned + 2 > MAX_TURNS;
    for (i, line) in dialogue.lines.iter().enumerate() {
        script.push((Role::User, fill(&line.tester)));
        let answer = if i == last && !passes {
            &line.bad
        } else {
            &line.good
        };
        if i == last {
            evidence = script.len();
        }
        script.push((Role::Assistant, fill(answer)));
        if !repeated && i < last && rng.random_bool(0.3) {
            repeated = true;
            script.push((Role::User, pick(rng, &REPEAT).to_owned()));
            script.push((Role::Assistant, format!("Sure. {}", fill(&line.good))));
        }
    }
    if passes {
        script.push((Role::User, fill(pick(rng, &THANKS))));
        script.push((Role::Assistant, fill(pick(rng, &GOODBYE))));
    } else {
        script.push((Role::User, fill(pick(rng, &GRUMBLE))));
        script.push((Role::Assistant, fill(pick(rng, &SIGN_OFF))));
    }
    let mut t: f64 = rng.random_range(0.4..1.2);
    let mut turns = Vec::with_capacity(script.len());
    for (role, content) in script {
        let words = content.split_whitespace().count() as f64;
        turns.push(Turn {
            role,
            content,
            seconds_from_start: (t * 10.0).round() / 10.0,
        });
        t += words * SECS_PER_WORD + 0.4 + rng.random_range(0.3..1.6);
    }
    Conversation {
        turns,
        evidence,
        talk_secs: t.ceil() + 1.0,
        caller,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulator::catalog::SUITES;
    use crate::simulator::ids::rng;

    const CAST: Cast<'static> = Cast {
        business: "Bright Smile Dental",
        agent: "Maya",
        first_message: "Thank you for calling Bright Smile Dental, this is Maya.",
    };

    #[test]
    fn every_catalogue_case_makes_a_real_call() {
        for (n, suite) in SUITES.iter().enumerate() {
            for case in suite.cases {
                for passes in [true, false] {
                    let mut r = rng(7, n as u64);
                    let c = converse(&Dialogue::from_spec(case), CAST, passes, &mut r);
                    assert!((6..=MAX_TURNS).contains(&c.turns.len()), "{}", case.name);
                    assert_eq!(c.turns[0].role, Role::Assistant);
                    for w in c.turns.windows(2) {
                        assert_ne!(w[0].role, w[1].role, "{}: speakers alternate", case.name);
                    }
                    assert_eq!(c.turns[c.evidence].role, Role::Assistant);
                    assert!(
                        c.turns.iter().all(|t| !t.content.contains('{')),
                        "{}",
                        case.name
                    );
                    assert!(
                        c.turns
                            .windows(2)
                            .all(|w| w[0].seconds_from_start < w[1].seconds_from_start)
                    );
                    assert!(c.talk_secs > c.turns.last().map_or(0.0, |t| t.seconds_from_start));
                }
            }
        }
    }

    #[test]
    fn failing_calls_contain_the_bad_answer() {
        let case = &SUITES[0].cases[3];
        let c = converse(&Dialogue::from_spec(case), CAST, false, &mut rng(1, 1));
        let bad = case.exchanges.last().map(|e| e.bad).unwrap_or_default();
        assert_eq!(c.turns[c.evidence].content, bad);
    }

    #[test]
    fn same_seed_same_call() {
        let d = Dialogue::from_spec(&SUITES[1].cases[0]);
        let a = converse(&d, CAST, true, &mut rng(3, 9));
        let b = converse(&d, CAST, true, &mut rng(3, 9));
        assert_eq!(a.turns, b.turns);
    }

    #[test]
    fn user_scripts_are_voiced_in_the_first_person() {
        let d = Dialogue::from_script(
            "Asks about opening hours",
            "You are a customer who wants to know your nearest store's hours. Ask whether it opens on Sunday.",
        );
        assert!(
            d.openers[0].contains("I'm a customer who wants to know my nearest store's hours.")
        );
        assert_eq!(
            d.lines[0].tester,
            "I'd like to ask whether it opens on Sunday."
        );
        let c = converse(&d, CAST, true, &mut rng(5, 5));
        assert!((6..=14).contains(&c.turns.len()));
    }
}
