//! Call records: the two legs of every attempt, as `GET /calls/{id}` shows them at a moment.
//!
//! The tester's leg is `OUTBOUND`, the target's `INBOUND`; both exist from the moment the attempt
//! dials. The inbound leg's transcript is the attempt's (assistant = target); the outbound leg's
//! has the roles swapped, since there the tester is the assistant.

use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::conversation::{Role, Turn};
use super::ids::{ser_opt_ts, ser_ts};
use super::lifecycle::AttemptPhase;
use super::runs::{Attempt, Run};

/// Which leg of an attempt a call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Leg {
    /// The tester dialing out.
    Outbound,
    /// The target answering.
    Inbound,
}

/// The Call JSON object (docs/revring-api.md §4.1).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CallView {
    /// Call id.
    pub id: Uuid,
    organization_id: Uuid,
    /// `INBOUND` or `OUTBOUND`.
    pub direction: &'static str,
    /// Uppercase call status.
    pub status: &'static str,
    from_number: String,
    to_number: String,
    #[serde(serialize_with = "ser_ts")]
    initiated_at: OffsetDateTime,
    /// Creation instant (for sorting and filtering).
    #[serde(serialize_with = "ser_ts")]
    pub created_at: OffsetDateTime,
    #[serde(serialize_with = "ser_ts")]
    updated_at: OffsetDateTime,
    /// The agent on this leg.
    pub agent_id: Uuid,
    sip_trunk_id: Uuid,
    agent_caller_id_name: String,
    agent_name: String,
    variables: Map<String, Value>,
    recording_url: Option<String>,
    hangup_cause: Option<&'static str>,
    error_message: Option<&'static str>,
    transcript: Option<Vec<Turn>>,
    summary: Option<String>,
    metrics: Value,
    #[serde(serialize_with = "ser_opt_ts")]
    pub(crate) started_at: Option<OffsetDateTime>,
    #[serde(serialize_with = "ser_opt_ts")]
    pub(crate) ended_at: Option<OffsetDateTime>,
    pub(crate) duration_seconds: Option<u32>,
    post_call_webhook_status: Option<&'static str>,
    pre_call_webhook_status: Option<&'static str>,
    source: Option<&'static str>,
}

/// Organization-level facts a call shows.
#[derive(Debug, Clone, Copy)]
pub(super) struct CallContext<'a> {
    /// The organization.
    pub organization_id: Uuid,
    /// Its SIP trunk.
    pub sip_trunk_id: Uuid,
    /// The simulator's `/v1` base URL, for recording links.
    pub base_url: &'a str,
}

/// The recording link of a call.
pub(super) fn recording_url(base_url: &str, call_id: Uuid) -> String {
    format!("{base_url}/recordings/{call_id}.wav")
}

/// Whether the call of attempt `a` of `run` has a recording at `now` (ended after connecting,
/// not cancelled).
pub(super) fn has_recording(run: &Run, a: &Attempt, now: OffsetDateTime) -> bool {
    let v = run.virtual_now(now);
    a.conversation.is_some() && v >= a.timeline.end
}

/// The call `leg` of attempt `idx` of `run` at `now`; `None` while the attempt has not dialed.
pub(super) fn view(
    ctx: CallContext<'_>,
    run: &Run,
    idx: usize,
    leg: Leg,
    now: OffsetDateTime,
) -> Option<CallView> {
    let a = &run.attempts[idx];
    let phase = run.attempt_phase(idx, now);
    if phase == AttemptPhase::Pending {
        return None;
    }
    let v = run.virtual_now(now);
    let t = a.timeline;
    let cancelled_mid_call = run.cancelled_at.is_some() && v < t.end;
    let ended = v >= t.end;
    let answered = t.answer.is_some_and(|x| v >= x);
    let (status, ended_at) = if cancelled_mid_call {
        ("CANCELED", run.cancelled_at.map(super::ids::millis))
    } else if ended && a.call_cancelled {
        ("CANCELED", Some(run.at(t.end)))
    } else if ended && a.conversation.is_none() {
        ("NO_ANSWER", Some(run.at(t.end)))
    } else if ended {
        ("COMPLETED", Some(run.at(t.end)))
    } else if answered {
        ("ONGOING", None)
    } else {
        ("INITIATED", None)
    };
    let started_at = t.answer.filter(|x| v >= *x).map(|x| run.at(x));
    let duration_seconds = match (t.answer, ended, cancelled_mid_call) {
        (Some(x), true, _) => Some((t.end - x).round() as u32),
        (Some(x), _, true) if v >= x => Some((v - x).round() as u32),
        _ => None,
    };
    let complete = ended && !cancelled_mid_call && a.conversation.is_some();
    let transcript = a
        .conversation
        .as_ref()
        .filter(|_| complete)
        .map(|c| match leg {
            Leg::Inbound => c.turns.clone(),
            Leg::Outbound => c
                .turns
                .iter()
                .map(|turn| Turn {
                    role: match turn.role {
                        Role::Assistant => Role::User,
                        Role::User => Role::Assistant,
                    },
                    ..turn.clone()
                })
                .collect(),
        });
    let (party, direction, call_id) = match leg {
        Leg::Outbound => (&run.tester, "OUTBOUND", a.call_id),
        Leg::Inbound => (&run.target, "INBOUND", a.inbound_call_id),
    };
    let mut variables = a.variables.clone();
    for (k, val) in [
        ("direction", direction.to_lowercase()),
        ("user_number", run.tester.phone.clone()),
        ("agent_number", run.target.phone.clone()),
        ("current_time", super::ids::iso(run.at(t.start))),
        ("language", "en".to_owned()),
    ] {
        variables.insert(k.to_owned(), Value::String(val));
    }
    let finished = ended || cancelled_mid_call;
    Some(CallView {
        id: call_id,
        organization_id: ctx.organization_id,
        direction,
        status,
        from_number: run.tester.phone.clone(),
        to_number: run.target.phone.clone(),
        initiated_at: run.at(t.start),
        created_at: run.at(t.start),
        updated_at: ended_at.or(started_at).unwrap_or_else(|| run.at(t.start)),
        agent_id: party.agent_id,
        sip_trunk_id: ctx.sip_trunk_id,
        agent_caller_id_name: party.caller_id_name.clone(),
        agent_name: party.name.clone(),
        variables,
        recording_url: complete.then(|| recording_url(ctx.base_url, call_id)),
        hangup_cause: if complete { a.hangup_cause } else { None },
        error_message: if cancelled_mid_call {
            Some("Test run cancelled")
        } else if ended && a.call_cancelled {
            Some("Call canceled")
        } else if ended && a.conversation.is_none() {
            Some("The callee did not answer")
        } else {
            None
        },
        transcript,
        summary: (complete || (ended && a.conversation.is_none())).then(|| a.summary.clone()),
        metrics: if complete {
            let turns = a.conversation.as_ref().map_or(0, |c| c.turns.len());
            json!({
                "averageLatencyMs": a.latency_ms,
                "interruptions": a.interruptions,
                "turnCount": turns,
            })
        } else {
            json!({})
        },
        started_at,
        ended_at,
        duration_seconds,
        post_call_webhook_status: finished.then_some("sent"),
        pre_call_webhook_status: (leg == Leg::Inbound).then_some("sent"),
        source: None,
    })
}

/// The JSON of a call; `minimal` leaves out transcript, summary, metrics and variables.
pub(super) fn to_json(view: &CallView, minimal: bool) -> Value {
    let mut value = serde_json::to_value(view).unwrap_or(Value::Null);
    if minimal && let Value::Object(map) = &mut value {
        for key in ["transcript", "summary", "metrics", "variables"] {
            map.remove(key);
        }
    }
    value
}
