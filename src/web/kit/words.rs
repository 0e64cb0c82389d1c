//! The words people read for RevRing's vocabularies: run status, call status, hangup cause.
//! Templates never print an enum's wire spelling; they call these.

use crate::revring::{CallStatus, RunStatus};

/// A run's status as a word: `Queued`, `Running`, `Completed`, `Failed`, `Cancelled`.
pub(crate) fn run_status(status: &RunStatus) -> String {
    match status {
        RunStatus::Queued => "Queued".into(),
        RunStatus::Running => "Running".into(),
        RunStatus::Completed => "Completed".into(),
        RunStatus::Failed => "Failed".into(),
        RunStatus::Cancelled => "Cancelled".into(),
        RunStatus::Unknown(raw) => sentence(raw),
    }
}

/// A phone call's status as people say it.
pub(crate) fn call_status(status: &CallStatus) -> String {
    match status {
        CallStatus::Queued => "Waiting to dial".into(),
        CallStatus::Initiated => "Dialing".into(),
        CallStatus::Ongoing => "In progress".into(),
        CallStatus::Transferred => "Transferred".into(),
        CallStatus::Completed => "Completed".into(),
        CallStatus::Failed => "Failed".into(),
        CallStatus::Canceled => "Cancelled".into(),
        CallStatus::NoAnswer => "No answer".into(),
        CallStatus::Busy => "The line was busy".into(),
        CallStatus::Unknown(raw) => sentence(raw),
    }
}

/// Why a call ended, from RevRing's `hangupCause` (documented values in docs/revring-api.md
/// §4; anything else reads as a sentence made of its words).
pub(crate) fn hangup_cause(raw: &str) -> String {
    match raw
        .trim()
        .to_ascii_uppercase()
        .replace(['-', ' '], "_")
        .as_str()
    {
        "USER_ENDED" => "The caller hung up".into(),
        "END_CALL_TOOL" => "The agent ended the call".into(),
        "SILENCE_TIMEOUT" => "Nobody spoke for too long".into(),
        "MAX_DURATION" => "The call reached its time limit".into(),
        "AGENT_ENDED" => "The agent hung up".into(),
        "ERROR" => "The call failed".into(),
        _ => sentence(raw),
    }
}

/// `SOME_VALUE` or `some-value` as `Some value`.
fn sentence(raw: &str) -> String {
    let words = raw
        .trim()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => "Unknown".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_read_as_words() {
        assert_eq!(run_status(&RunStatus::Completed), "Completed");
        assert_eq!(
            run_status(&RunStatus::from_api("paused_by_admin")),
            "Paused by admin"
        );
        assert_eq!(call_status(&CallStatus::Completed), "Completed");
        assert_eq!(call_status(&CallStatus::NoAnswer), "No answer");
        assert_eq!(call_status(&CallStatus::from_api("RINGING")), "Ringing");
        assert_eq!(hangup_cause("USER_ENDED"), "The caller hung up");
        assert_eq!(hangup_cause("end_call_tool"), "The agent ended the call");
        assert_eq!(hangup_cause("VOICEMAIL_DETECTED"), "Voicemail detected");
        assert_eq!(hangup_cause("  "), "Unknown");
    }
}
