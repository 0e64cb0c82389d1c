//! Test runs: planning a run when it starts, and what it looks like at a given moment.
//!
//! Everything about a run (attempt order, verdicts, transcripts, timelines) is decided when it is
//! created, from a seeded RNG. [`Run::view`] then reveals what has happened by `now`.

use rand::Rng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;
use uuid::Uuid;

use super::catalog::Profile;
use super::conversation::{Cast, Conversation, Dialogue, Turn, converse};
use super::ids::{self, ser_opt_ts, ser_ts};
use super::lifecycle::{self, AttemptPhase, Needs, RunPhase, Timeline};
use super::verdict::{self, Verdict};

/// Virtual seconds a never-answered call rings before giving up.
pub(super) const NO_ANSWER_RING_SECS: f64 = 25.0;
/// Range of virtual seconds a call rings before the target answers.
pub(super) const RING_SECS: std::ops::Range<f64> = 2.0..6.0;

/// One side of a call: an agent with its number.
#[derive(Debug, Clone)]
pub struct Party {
    /// The agent's id.
    pub agent_id: Uuid,
    /// The agent's name.
    pub name: String,
    /// Its phone number (E.164).
    pub phone: String,
    /// The caller-id name it presents.
    pub caller_id_name: String,
}

/// A test case as the run saw it when it started.
#[derive(Debug, Clone)]
pub(super) struct CaseSnapshot {
    /// Test case id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Scoring rubric.
    pub rubric: String,
    /// `attemptsPerRun`.
    pub attempts: u32,
    /// How it tends to come out.
    pub profile: Profile,
    /// What its calls are made of.
    pub dialogue: Dialogue,
    /// Suite defaults overlaid with the case's variables.
    pub variables: Map<String, Value>,
}

/// Everything needed to plan a run.
#[derive(Debug, Clone)]
pub(super) struct PlanInput<'a> {
    /// Owning suite.
    pub suite_id: Uuid,
    /// Run name.
    pub name: String,
    /// Creation instant.
    pub created_at: OffsetDateTime,
    /// Time scale of this run.
    pub speed: f64,
    /// `floor(maxConcurrency / 2)`.
    pub parallel: usize,
    /// The cases, oldest first.
    pub cases: &'a [CaseSnapshot],
    /// The agent under test.
    pub target: &'a Party,
    /// The tester (custom or system).
    pub tester: &'a Party,
    /// The target's persona for dialogue.
    pub cast: Cast<'a>,
    /// The seed-data anchor (dates regressions).
    pub anchor: OffsetDateTime,
}

/// One planned attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// Attempt id.
    pub id: Uuid,
    /// Test case id.
    pub test_case_id: Uuid,
    /// Test case name at start.
    pub test_case_name: String,
    /// 1..attemptsPerRun.
    pub attempt_number: u32,
    /// The tester's outbound call.
    pub call_id: Uuid,
    /// The target's inbound call.
    pub inbound_call_id: Uuid,
    /// When things happen, in virtual seconds.
    pub timeline: Timeline,
    /// The result.
    pub verdict: Verdict,
    /// The call; `None` when it never connects.
    pub conversation: Option<Conversation>,
    /// The judge's reasoning.
    pub reasoning: String,
    /// The call summary.
    pub summary: String,
    /// Why the call ended.
    pub hangup_cause: Option<&'static str>,
    /// Variables of the call.
    pub variables: Map<String, Value>,
    /// Average response latency, for call metrics.
    pub latency_ms: u32,
    /// Interruptions counted, for call metrics.
    pub interruptions: u32,
    /// Whether its call was cancelled through `POST /calls/{id}/cancel` before connecting.
    pub call_cancelled: bool,
}

/// A run: its plan and whether it was cancelled.
#[derive(Debug, Clone)]
pub struct Run {
    /// Run id.
    pub id: Uuid,
    /// Owning suite.
    pub suite_id: Uuid,
    /// Name.
    pub name: String,
    /// Creation instant (virtual time 0).
    pub created_at: OffsetDateTime,
    /// Time scale: virtual seconds per real second.
    pub speed: f64,
    /// When it was cancelled.
    pub cancelled_at: Option<OffsetDateTime>,
    /// The target side of every call.
    pub target: Party,
    /// The tester side of every call.
    pub tester: Party,
    /// Attempts in dial order.
    pub attempts: Vec<Attempt>,
}

/// The TestRun JSON object.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunView {
    id: Uuid,
    test_suite_id: Uuid,
    name: String,
    /// `queued`, `running`, `completed` or `cancelled`.
    pub status: &'static str,
    total_tests: u32,
    passed_tests: u32,
    failed_tests: u32,
    #[serde(serialize_with = "ser_ts")]
    created_at: OffsetDateTime,
    #[serde(serialize_with = "ser_ts")]
    updated_at: OffsetDateTime,
    #[serde(serialize_with = "ser_opt_ts")]
    started_at: Option<OffsetDateTime>,
    #[serde(serialize_with = "ser_opt_ts")]
    completed_at: Option<OffsetDateTime>,
    attempts: Vec<AttemptView>,
}

/// The Attempt JSON object.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AttemptView {
    id: Uuid,
    test_case_id: Uuid,
    test_case_name: String,
    attempt_number: u32,
    #[serde(serialize_with = "ser_ts")]
    created_at: OffsetDateTime,
    call_id: Option<Uuid>,
    inbound_call_id: Option<Uuid>,
    result: Option<&'static str>,
    reasoning: Option<String>,
    transcript: Vec<Turn>,
    #[serde(serialize_with = "ser_opt_ts")]
    started_at: Option<OffsetDateTime>,
    #[serde(serialize_with = "ser_opt_ts")]
    completed_at: Option<OffsetDateTime>,
}

/// Plans a run: ids, verdicts, calls and timelines, all from `rng`.
pub(super) fn plan(input: &PlanInput<'_>, rng: &mut StdRng) -> Run {
    let id = ids::uuid(rng);
    let mut attempts = Vec::new();
    let mut needs = Vec::new();
    for case in input.cases {
        for n in 1..=case.attempts.max(1) {
            let verdict = verdict::decide(case.profile, input.created_at, input.anchor, rng);
            let conversation = (verdict != Verdict::Error)
                .then(|| converse(&case.dialogue, input.cast, verdict == Verdict::Pass, rng));
            needs.push(Needs {
                ring_secs: match conversation {
                    Some(_) => rng.random_range(RING_SECS),
                    None => NO_ANSWER_RING_SECS,
                },
                talk_secs: conversation.as_ref().map(|c| c.talk_secs),
            });
            let reasoning = verdict::reasoning(verdict, &case.rubric, conversation.as_ref(), rng);
            let summary = verdict::summary(verdict, &case.name, input.cast, conversation.as_ref());
            let hangup_cause = match (verdict, rng.random_bool(0.6)) {
                (Verdict::Error, _) => None,
                (Verdict::Pass, true) => Some("END_CALL_TOOL"),
                (Verdict::Fail, true) => Some("USER_ENDED"),
                _ => ["USER_ENDED", "END_CALL_TOOL"].choose(rng).copied(),
            };
            attempts.push(Attempt {
                id: ids::uuid(rng),
                test_case_id: case.id,
                test_case_name: case.name.clone(),
                attempt_number: n,
                call_id: ids::uuid(rng),
                inbound_call_id: ids::uuid(rng),
                timeline: Timeline {
                    start: 0.0,
                    answer: None,
                    end: 0.0,
                    verdict: 0.0,
                },
                verdict,
                conversation,
                reasoning,
                summary,
                hangup_cause,
                variables: case.variables.clone(),
                latency_ms: rng.random_range(550..1400),
                interruptions: rng.random_range(0..3),
                call_cancelled: false,
            });
        }
    }
    let timelines = lifecycle::schedule(&needs, input.parallel);
    for (a, t) in attempts.iter_mut().zip(timelines) {
        a.timeline = t;
    }
    Run {
        id,
        suite_id: input.suite_id,
        name: input.name.clone(),
        created_at: input.created_at,
        speed: input.speed,
        cancelled_at: None,
        target: input.target.clone(),
        tester: input.tester.clone(),
        attempts,
    }
}

impl Run {
    /// Virtual seconds elapsed at `now`, frozen at the cancel instant.
    pub fn virtual_now(&self, now: OffsetDateTime) -> f64 {
        let at = self.cancelled_at.map_or(now, |c| c.min(now));
        (at - self.created_at).as_seconds_f64().max(0.0) * self.speed
    }

    /// The virtual instant of the cancel, if any.
    pub fn cancel_v(&self) -> Option<f64> {
        self.cancelled_at
            .map(|c| (c - self.created_at).as_seconds_f64().max(0.0) * self.speed)
    }

    /// The wall-clock instant of virtual time `v`.
    pub fn at(&self, v: f64) -> OffsetDateTime {
        ids::plus_secs(self.created_at, v / self.speed)
    }

    /// The run's status at `now`.
    pub fn phase(&self, now: OffsetDateTime) -> RunPhase {
        let timelines: Vec<Timeline> = self.attempts.iter().map(|a| a.timeline).collect();
        lifecycle::run_phase(&timelines, self.virtual_now(now), self.cancel_v())
    }

    /// The phase of attempt `i` at `now`.
    pub fn attempt_phase(&self, i: usize, now: OffsetDateTime) -> AttemptPhase {
        lifecycle::attempt_phase(&self.attempts[i].timeline, self.virtual_now(now))
    }

    /// The TestRun object at `now`; `full` includes attempts (with transcripts), otherwise
    /// `attempts` is an empty list (fetch the run itself for them, docs/revring-api.md §9.15).
    pub fn view(&self, now: OffsetDateTime, full: bool) -> RunView {
        let v = self.virtual_now(now);
        let timelines: Vec<Timeline> = self.attempts.iter().map(|a| a.timeline).collect();
        let phase = lifecycle::run_phase(&timelines, v, self.cancel_v());
        let done = |a: &Attempt| lifecycle::attempt_phase(&a.timeline, v) == AttemptPhase::Done;
        let count = |want: Verdict| {
            self.attempts
                .iter()
                .filter(|a| a.verdict == want && done(a))
                .count() as u32
        };
        let started_at = (v >= lifecycle::QUEUE_SECS).then(|| self.at(lifecycle::QUEUE_SECS));
        let completed_at = match phase {
            RunPhase::Completed => Some(self.at(lifecycle::finish(&timelines))),
            RunPhase::Cancelled => self.cancelled_at.map(ids::millis),
            _ => None,
        };
        let updated_at = match phase {
            RunPhase::Cancelled => self.cancelled_at.map_or(self.created_at, ids::millis),
            _ => self.at(lifecycle::last_event(&timelines, v)),
        };
        let attempts = if full {
            self.attempts
                .iter()
                .map(|a| self.attempt_view(a, v))
                .collect()
        } else {
            Vec::new()
        };
        RunView {
            id: self.id,
            test_suite_id: self.suite_id,
            name: self.name.clone(),
            status: phase.as_str(),
            total_tests: self.attempts.len() as u32,
            passed_tests: count(Verdict::Pass),
            failed_tests: count(Verdict::Fail),
            created_at: self.created_at,
            updated_at,
            started_at,
            completed_at,
            attempts,
        }
    }

    /// Cancels the call of attempt `i` at `now` (it must still be dialing): the attempt ends
    /// with `error` and its slot frees after the judge's usual delay.
    pub fn cancel_call(&mut self, i: usize, now: OffsetDateTime) {
        let v = self.virtual_now(now);
        let a = &mut self.attempts[i];
        a.timeline = Timeline {
            start: a.timeline.start,
            answer: None,
            end: v,
            verdict: v + lifecycle::JUDGE_SECS,
        };
        a.verdict = Verdict::Error;
        a.conversation = None;
        a.call_cancelled = true;
        a.hangup_cause = None;
        a.reasoning = "The call was canceled before it connected, so the attempt could not be \
                       evaluated against the rubric."
            .to_owned();
        a.summary = "The call was canceled before it connected.".to_owned();
    }

    fn attempt_view(&self, a: &Attempt, v: f64) -> AttemptView {
        let phase = lifecycle::attempt_phase(&a.timeline, v);
        let started = phase != AttemptPhase::Pending;
        let done = phase == AttemptPhase::Done;
        AttemptView {
            id: a.id,
            test_case_id: a.test_case_id,
            test_case_name: a.test_case_name.clone(),
            attempt_number: a.attempt_number,
            created_at: self.created_at,
            call_id: started.then_some(a.call_id),
            inbound_call_id: started.then_some(a.inbound_call_id),
            result: done.then(|| a.verdict.as_str()),
            reasoning: done.then(|| a.reasoning.clone()),
            transcript: match (&a.conversation, done) {
                (Some(c), true) => c.turns.clone(),
                _ => Vec::new(),
            },
            started_at: started.then(|| self.at(a.timeline.start)),
            completed_at: done.then(|| self.at(a.timeline.verdict)),
        }
    }
}
