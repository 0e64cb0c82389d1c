//! Calls and agents (docs/revring-api.md §4–5), reduced to the fields Ringside shows.
//!
//! Unknown fields are ignored; every field defaults, because batch-get examples already omit
//! fields (`direction`, `status`) that single-call examples show.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::lenient;
use super::status::{CallDirection, CallStatus};
use super::suites::Variables;
use super::transcript::{self, TranscriptEntry};

/// Upper bound on IDs per batch-get request, as documented; the client splits longer lists.
pub const BATCH_GET_MAX_IDS: usize = 100;

/// A phone call record.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Call {
    /// RevRing's opaque ID.
    #[serde(deserialize_with = "lenient::de")]
    pub id: String,
    /// Inbound or outbound, from the agent's side.
    #[serde(deserialize_with = "lenient::opt")]
    pub direction: Option<CallDirection>,
    /// Call state; may be missing in minimal batch-get items.
    #[serde(deserialize_with = "lenient::opt")]
    pub status: Option<CallStatus>,
    /// Caller number (E.164).
    #[serde(deserialize_with = "lenient::opt")]
    pub from_number: Option<String>,
    /// Called number (E.164).
    #[serde(deserialize_with = "lenient::opt")]
    pub to_number: Option<String>,
    /// The agent on this call.
    #[serde(deserialize_with = "lenient::opt")]
    pub agent_id: Option<String>,
    /// The agent's name.
    #[serde(deserialize_with = "lenient::opt")]
    pub agent_name: Option<String>,
    /// Where to listen to the call, once recorded.
    #[serde(deserialize_with = "lenient::opt")]
    pub recording_url: Option<String>,
    /// Why the call ended, e.g. `USER_ENDED`, `END_CALL_TOOL`, `SILENCE_TIMEOUT`.
    #[serde(deserialize_with = "lenient::opt")]
    pub hangup_cause: Option<String>,
    /// What went wrong, for failed calls.
    #[serde(deserialize_with = "lenient::opt")]
    pub error_message: Option<String>,
    /// The conversation; empty when absent, null, or left out by a minimal batch-get.
    #[serde(deserialize_with = "transcript::transcript")]
    pub transcript: Vec<TranscriptEntry>,
    /// AI-written summary.
    #[serde(deserialize_with = "lenient::opt")]
    pub summary: Option<String>,
    /// Call-quality metrics, shape undocumented: kept raw.
    pub metrics: Option<serde_json::Value>,
    /// Merged template variables.
    #[serde(deserialize_with = "lenient::de")]
    pub variables: Variables,
    /// Call duration in seconds.
    #[serde(deserialize_with = "lenient::opt")]
    pub duration_seconds: Option<u32>,
    /// When the call was requested.
    #[serde(deserialize_with = "lenient::opt")]
    pub initiated_at: Option<OffsetDateTime>,
    /// When the call connected.
    #[serde(deserialize_with = "lenient::opt")]
    pub started_at: Option<OffsetDateTime>,
    /// When the call ended.
    #[serde(deserialize_with = "lenient::opt")]
    pub ended_at: Option<OffsetDateTime>,
    /// When the record was created.
    #[serde(deserialize_with = "lenient::opt")]
    pub created_at: Option<OffsetDateTime>,
    /// When the record last changed.
    #[serde(deserialize_with = "lenient::opt")]
    pub updated_at: Option<OffsetDateTime>,
}

/// Body of `POST /calls/batch-get`.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct BatchGet<'a> {
    /// 1 to [`BATCH_GET_MAX_IDS`] call IDs.
    pub ids: &'a [String],
    /// Leave out transcript, summary, metrics and variables.
    pub minimal: bool,
}

/// An agent in the organisation; only what Ringside needs to pick targets and testers.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Agent {
    /// RevRing's opaque ID.
    #[serde(deserialize_with = "lenient::de")]
    pub id: String,
    /// Display name.
    #[serde(deserialize_with = "lenient::de")]
    pub name: String,
    /// `active` or `disabled` (kept as text).
    #[serde(deserialize_with = "lenient::opt")]
    pub status: Option<String>,
    /// `single_prompt` or `conversation_flow` (kept as text).
    #[serde(deserialize_with = "lenient::opt")]
    pub mode: Option<String>,
    /// Numbers attached to the agent.
    #[serde(deserialize_with = "lenient::list")]
    pub phone_numbers: Vec<PhoneNumber>,
    /// When the agent was created.
    #[serde(deserialize_with = "lenient::opt")]
    pub created_at: Option<OffsetDateTime>,
    /// When the agent last changed.
    #[serde(deserialize_with = "lenient::opt")]
    pub updated_at: Option<OffsetDateTime>,
}

impl Agent {
    /// False only when RevRing says the agent is disabled.
    pub fn is_active(&self) -> bool {
        !self
            .status
            .as_deref()
            .is_some_and(|s| s.eq_ignore_ascii_case("disabled"))
    }
}

/// A phone number attached to an agent.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default)]
pub struct PhoneNumber {
    /// RevRing's opaque ID.
    #[serde(deserialize_with = "lenient::de")]
    pub id: String,
    /// The number in E.164 form.
    #[serde(deserialize_with = "lenient::de")]
    pub e164: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn minimal_call_without_status() {
        let call: Call = serde_json::from_value(json!({
            "id": "c1", "durationSeconds": "61", "recordingUrl": "", "metrics": {"latencyMs": 800}
        }))
        .unwrap();
        assert_eq!(call.status, None);
        assert_eq!(call.direction, None);
        assert_eq!(call.duration_seconds, Some(61));
        assert_eq!(call.recording_url, None, "an empty URL is no URL");
        assert!(call.transcript.is_empty());
        assert_eq!(call.metrics, Some(json!({"latencyMs": 800})));
    }

    #[test]
    fn agents_keep_status_text() {
        let agent: Agent = serde_json::from_value(json!({
            "id": "a", "name": "Front desk", "status": "disabled", "phoneNumbers": null
        }))
        .unwrap();
        assert!(!agent.is_active());
        assert!(agent.phone_numbers.is_empty());
        assert!(Agent::default().is_active());
    }
}
