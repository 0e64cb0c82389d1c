//! The time model of a run, as pure functions of virtual time.
//!
//! A run is planned once, when it starts: every attempt gets a [`Timeline`] in *virtual seconds*
//! counted from the run's creation. What a client sees at any moment is then computed lazily from
//! the virtual time elapsed (`real seconds × speed`), so runs need no ticker and replay the same
//! way for the same seed. Cancelling a run freezes its virtual clock at the cancel instant.

/// Virtual seconds a new run stays `queued` before its first attempt dials.
pub(super) const QUEUE_SECS: f64 = 3.0;
/// Virtual seconds the judge takes to score an attempt after its call has ended.
pub(super) const JUDGE_SECS: f64 = 4.0;
/// Minimum virtual seconds between two verdicts, so attempts finish strictly one at a time.
pub(super) const VERDICT_GAP_SECS: f64 = 1.0;

/// What one attempt needs from the clock: how long the phone rings and how long the call talks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Needs {
    /// Virtual seconds from dialing until the target answers (or gives up, when never answered).
    pub ring_secs: f64,
    /// Virtual seconds of conversation; `None` when the call is never answered.
    pub talk_secs: Option<f64>,
}

/// When one attempt does what, in virtual seconds since the run was created.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timeline {
    /// The tester dials: the attempt is in flight from here.
    pub start: f64,
    /// The target answers; `None` when it never does.
    pub answer: Option<f64>,
    /// Both call legs hang up.
    pub end: f64,
    /// The judge's verdict is known: the attempt is done and its slot is free.
    pub verdict: f64,
}

/// Where one attempt is at a given virtual time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptPhase {
    /// Not dialed yet (no call ids).
    Pending,
    /// Dialed, not answered yet.
    Dialing,
    /// The call is connected.
    Talking,
    /// The call has ended; the judge is scoring it.
    Judging,
    /// The verdict is known.
    Done,
}

/// The status of a whole run at a given virtual time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunPhase {
    /// Created, nothing dialed yet.
    Queued,
    /// At least one attempt dialed, not all judged.
    Running,
    /// Every attempt judged.
    Completed,
    /// Cancelled before completion.
    Cancelled,
}

impl RunPhase {
    /// The lowercase API spelling (`queued`, `running`, `completed`, `cancelled`).
    pub fn as_str(self) -> &'static str {
        match self {
            RunPhase::Queued => "queued",
            RunPhase::Running => "running",
            RunPhase::Completed => "completed",
            RunPhase::Cancelled => "cancelled",
        }
    }
}

/// Plans the attempts in order on `parallel` slots (`floor(maxConcurrency / 2)`).
///
/// Each attempt takes the earliest free slot; a slot is busy from dial to verdict, so at no
/// virtual instant are more than `parallel` attempts in flight. Verdicts are kept at least
/// [`VERDICT_GAP_SECS`] apart by holding a slot a little longer when two would coincide.
pub(super) fn schedule(needs: &[Needs], parallel: usize) -> Vec<Timeline> {
    let mut free = vec![QUEUE_SECS; parallel.max(1)];
    let mut verdicts: Vec<f64> = Vec::with_capacity(needs.len());
    let mut out = Vec::with_capacity(needs.len());
    for need in needs {
        let (slot, start) = free
            .iter()
            .copied()
            .enumerate()
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap_or((0, QUEUE_SECS));
        let answer = need.talk_secs.map(|_| start + need.ring_secs);
        let end = match (answer, need.talk_secs) {
            (Some(at), Some(talk)) => at + talk,
            _ => start + need.ring_secs,
        };
        let mut verdict = end + JUDGE_SECS;
        while verdicts
            .iter()
            .any(|v| (v - verdict).abs() < VERDICT_GAP_SECS)
        {
            verdict += VERDICT_GAP_SECS;
        }
        verdicts.push(verdict);
        free[slot] = verdict;
        out.push(Timeline {
            start,
            answer,
            end,
            verdict,
        });
    }
    out
}

/// The virtual instant at which the last verdict is known (the run completes).
pub(super) fn finish(timelines: &[Timeline]) -> f64 {
    timelines
        .iter()
        .map(|t| t.verdict)
        .fold(QUEUE_SECS, f64::max)
}

/// The phase of one attempt at virtual time `v`.
pub(super) fn attempt_phase(t: &Timeline, v: f64) -> AttemptPhase {
    if v < t.start {
        AttemptPhase::Pending
    } else if v >= t.verdict {
        AttemptPhase::Done
    } else if v >= t.end {
        AttemptPhase::Judging
    } else if t.answer.is_some_and(|a| v >= a) {
        AttemptPhase::Talking
    } else {
        AttemptPhase::Dialing
    }
}

/// The phase of a run at virtual time `v`, cancelled at `cancel` (virtual) if ever.
pub(super) fn run_phase(timelines: &[Timeline], v: f64, cancel: Option<f64>) -> RunPhase {
    let done = finish(timelines);
    match cancel {
        Some(c) if c < done && v >= c => RunPhase::Cancelled,
        _ if v >= done => RunPhase::Completed,
        _ if v >= QUEUE_SECS => RunPhase::Running,
        _ => RunPhase::Queued,
    }
}

/// The latest event instant at or before `v` (for `updatedAt`), starting from 0 (creation).
pub(super) fn last_event(timelines: &[Timeline], v: f64) -> f64 {
    let mut last = if v >= QUEUE_SECS { QUEUE_SECS } else { 0.0 };
    for t in timelines {
        for e in [Some(t.start), t.answer, Some(t.end), Some(t.verdict)]
            .into_iter()
            .flatten()
        {
            if e <= v && e > last {
                last = e;
            }
        }
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;

    fn needs(talks: &[f64]) -> Vec<Needs> {
        talks
            .iter()
            .map(|&t| Needs {
                ring_secs: 3.0,
                talk_secs: Some(t),
            })
            .collect()
    }

    fn in_flight(ts: &[Timeline], v: f64) -> usize {
        ts.iter()
            .filter(|t| {
                !matches!(
                    attempt_phase(t, v),
                    AttemptPhase::Pending | AttemptPhase::Done
                )
            })
            .count()
    }

    #[test]
    fn one_slot_runs_attempts_back_to_back() {
        let ts = schedule(&needs(&[30.0, 40.0, 20.0]), 1);
        assert_eq!(ts[0].start, QUEUE_SECS);
        assert_eq!(ts[1].start, ts[0].verdict);
        assert_eq!(ts[2].start, ts[1].verdict);
        assert_eq!(ts[0].end, QUEUE_SECS + 3.0 + 30.0);
        assert_eq!(finish(&ts), ts[2].verdict);
    }

    #[test]
    fn concurrency_limit_holds_at_every_instant() {
        let ts = schedule(&needs(&[30.0, 31.0, 45.0, 20.0, 60.0, 25.0, 33.0]), 3);
        let mut v = 0.0;
        while v < finish(&ts) + 1.0 {
            assert!(in_flight(&ts, v) <= 3, "at {v}");
            v += 0.25;
        }
        assert_eq!(in_flight(&ts, QUEUE_SECS), 3);
    }

    #[test]
    fn verdicts_are_distinct_even_for_equal_calls() {
        let ts = schedule(&needs(&[30.0, 30.0, 30.0, 30.0]), 4);
        let mut vs: Vec<f64> = ts.iter().map(|t| t.verdict).collect();
        vs.sort_by(f64::total_cmp);
        for w in vs.windows(2) {
            assert!(w[1] - w[0] >= VERDICT_GAP_SECS);
        }
    }

    #[test]
    fn unanswered_call_has_no_answer_and_ends_after_ringing() {
        let ts = schedule(
            &[Needs {
                ring_secs: 25.0,
                talk_secs: None,
            }],
            1,
        );
        assert_eq!(ts[0].answer, None);
        assert_eq!(ts[0].end, QUEUE_SECS + 25.0);
        assert_eq!(
            attempt_phase(&ts[0], QUEUE_SECS + 10.0),
            AttemptPhase::Dialing
        );
    }

    #[test]
    fn phases_move_forward() {
        let ts = schedule(&needs(&[30.0]), 1);
        let t = ts[0];
        assert_eq!(attempt_phase(&t, 0.0), AttemptPhase::Pending);
        assert_eq!(attempt_phase(&t, t.start), AttemptPhase::Dialing);
        assert_eq!(attempt_phase(&t, t.start + 3.5), AttemptPhase::Talking);
        assert_eq!(attempt_phase(&t, t.end), AttemptPhase::Judging);
        assert_eq!(attempt_phase(&t, t.verdict), AttemptPhase::Done);
        assert_eq!(run_phase(&ts, 0.0, None), RunPhase::Queued);
        assert_eq!(run_phase(&ts, 10.0, None), RunPhase::Running);
        assert_eq!(run_phase(&ts, t.verdict, None), RunPhase::Completed);
        assert_eq!(run_phase(&ts, 100.0, Some(10.0)), RunPhase::Cancelled);
        assert_eq!(run_phase(&ts, 5.0, Some(10.0)), RunPhase::Running);
        assert_eq!(last_event(&ts, t.start + 1.0), t.start);
    }
}
