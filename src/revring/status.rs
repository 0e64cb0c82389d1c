//! Status enums whose full value sets RevRing does not document (docs/revring-api.md §7).
//!
//! Every enum here reads its value case-insensitively (treating `-` and spaces like `_`), knows a
//! few common synonyms, and keeps any other value in `Unknown(String)` instead of failing. They
//! serialize back to RevRing's canonical spelling (unknown values unchanged), which is also what
//! [`as_str`](RunStatus::as_str) returns for storing in the database.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::lenient::Lenient;

/// Lowercases and unifies separators so that `In-Progress`, `in progress` and `IN_PROGRESS` match.
fn normalize(raw: &str) -> String {
    raw.trim()
        .chars()
        .map(|c| match c {
            '-' | ' ' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect()
}

/// Implements parsing, display, serde and [`Lenient`] for an enum with an `Unknown(String)` arm.
/// Each arm gives RevRing's spelling first, then aliases in normalized (lowercase, `_`) form.
macro_rules! api_enum {
    ($name:ident { $($variant:ident => $wire:literal $(| $alias:literal)*),+ $(,)? }) => {
        impl $name {
            /// Reads a value as RevRing sends it; unrecognised values are kept as `Unknown`.
            pub fn from_api(raw: &str) -> Self {
                let n = normalize(raw);
                $(
                    if n == normalize($wire) $(|| n == $alias)* {
                        return Self::$variant;
                    }
                )+
                Self::Unknown(raw.to_owned())
            }

            /// RevRing's spelling of the value (the raw text for `Unknown`).
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $wire,)+
                    Self::Unknown(raw) => raw,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = Value::deserialize(deserializer)?;
                Ok(Self::from_json(value.clone())
                    .unwrap_or_else(|| Self::Unknown(value.to_string())))
            }
        }

        impl Lenient for $name {
            fn from_json(value: Value) -> Option<Self> {
                String::from_json(value)
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| Self::from_api(&s))
            }
        }
    };
}

/// The state of a test run. Documented: `queued`; assumed: `running`, `completed`, `failed`,
/// `cancelled`. Both `canceled` and `cancelled` are read as [`RunStatus::Cancelled`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RunStatus {
    /// Accepted, no call placed yet (`queued`, also `pending`, `created`).
    Queued,
    /// Calls in progress (`running`, also `in_progress`, `started`).
    Running,
    /// Every attempt finished (`completed`, also `complete`, `finished`, `succeeded`, `done`).
    Completed,
    /// The run broke down (`failed`, also `error`, `errored`).
    Failed,
    /// Stopped by a user (`cancelled` or `canceled`).
    Cancelled,
    /// Any other value, kept as received. Not terminal: polled like a running run.
    Unknown(String),
}

api_enum!(RunStatus {
    Queued => "queued" | "pending" | "created",
    Running => "running" | "in_progress" | "started" | "ongoing",
    Completed => "completed" | "complete" | "finished" | "succeeded" | "success" | "done",
    Failed => "failed" | "error" | "errored",
    Cancelled => "cancelled" | "canceled",
});

impl RunStatus {
    /// True once the run can no longer change (completed, failed or cancelled).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }

    /// True while the run may still change: every status not known to be terminal, including
    /// ones Ringside has never seen (a judging or post-processing phase, say).
    pub fn is_active(&self) -> bool {
        !self.is_terminal()
    }
}

impl Default for RunStatus {
    fn default() -> Self {
        Self::Unknown(String::new())
    }
}

/// The verdict on one attempt. Documented: `pass`; assumed: `fail`, `error`. A pending or
/// cancelled attempt has no result at all (`Option<AttemptResult>` is `None`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AttemptResult {
    /// The target agent met the rubric (`pass`, also `passed`).
    Pass,
    /// The target agent did not meet the rubric (`fail`, also `failed`).
    Fail,
    /// The attempt could not be judged (`error`, also `errored`).
    Error,
    /// Any other value, kept as received.
    Unknown(String),
}

api_enum!(AttemptResult {
    Pass => "pass" | "passed" | "success" | "true",
    Fail => "fail" | "failed" | "failure" | "false",
    Error => "error" | "errored",
});

impl AttemptResult {
    /// `Some(true)` for a pass, `Some(false)` for a fail or an error, `None` for anything else.
    pub fn passed(&self) -> Option<bool> {
        match self {
            Self::Pass => Some(true),
            Self::Fail | Self::Error => Some(false),
            Self::Unknown(_) => None,
        }
    }
}

/// The state of a phone call, in RevRing's UPPERCASE spelling.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallStatus {
    /// `QUEUED`.
    Queued,
    /// `INITIATED` (dialing).
    Initiated,
    /// `ONGOING` (also `IN_PROGRESS`).
    Ongoing,
    /// `TRANSFERRED`.
    Transferred,
    /// `COMPLETED`.
    Completed,
    /// `FAILED`.
    Failed,
    /// `CANCELED` (also `CANCELLED`).
    Canceled,
    /// `NO_ANSWER`.
    NoAnswer,
    /// `BUSY`.
    Busy,
    /// Any other value, kept as received.
    Unknown(String),
}

api_enum!(CallStatus {
    Queued => "QUEUED",
    Initiated => "INITIATED",
    Ongoing => "ONGOING" | "in_progress",
    Transferred => "TRANSFERRED",
    Completed => "COMPLETED",
    Failed => "FAILED",
    Canceled => "CANCELED" | "cancelled",
    NoAnswer => "NO_ANSWER",
    Busy => "BUSY",
});

impl CallStatus {
    /// True once the call is over (every known status but queued, initiated and ongoing).
    pub fn is_terminal(&self) -> bool {
        !matches!(
            self,
            Self::Queued | Self::Initiated | Self::Ongoing | Self::Unknown(_)
        )
    }
}

/// Which way a call went, from the calling agent's side.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CallDirection {
    /// `INBOUND`: the agent answered (the target agent's leg of a test).
    Inbound,
    /// `OUTBOUND`: the agent dialed (the tester's leg of a test).
    Outbound,
    /// Any other value, kept as received.
    Unknown(String),
}

api_enum!(CallDirection {
    Inbound => "INBOUND",
    Outbound => "OUTBOUND",
});

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn run_status_spellings() {
        for (raw, want) in [
            ("queued", RunStatus::Queued),
            ("RUNNING", RunStatus::Running),
            ("in-progress", RunStatus::Running),
            ("completed", RunStatus::Completed),
            ("failed", RunStatus::Failed),
            ("cancelled", RunStatus::Cancelled),
            ("canceled", RunStatus::Cancelled),
            ("Canceled", RunStatus::Cancelled),
            ("paused", RunStatus::Unknown("paused".into())),
        ] {
            assert_eq!(RunStatus::from_api(raw), want, "{raw}");
            let parsed: RunStatus = serde_json::from_value(json!(raw)).unwrap();
            assert_eq!(parsed, want, "{raw}");
        }
        assert!(RunStatus::Cancelled.is_terminal());
        assert!(!RunStatus::Unknown("paused".into()).is_terminal());
        assert!(RunStatus::Queued.is_active());
        assert!(
            RunStatus::Unknown("judging".into()).is_active(),
            "not known to be terminal"
        );
        assert!(!RunStatus::Completed.is_active());
        assert_eq!(RunStatus::Cancelled.as_str(), "cancelled");
        let odd: RunStatus = serde_json::from_value(json!(7)).unwrap();
        assert_eq!(odd, RunStatus::Unknown("7".into()));
    }

    #[test]
    fn call_enums_use_uppercase() {
        assert_eq!(CallStatus::from_api("NO_ANSWER"), CallStatus::NoAnswer);
        assert_eq!(CallStatus::from_api("no-answer"), CallStatus::NoAnswer);
        assert_eq!(CallStatus::from_api("CANCELLED"), CallStatus::Canceled);
        assert_eq!(CallStatus::NoAnswer.as_str(), "NO_ANSWER");
        assert_eq!(CallStatus::from_api("RINGING").as_str(), "RINGING");
        assert!(CallStatus::Busy.is_terminal());
        assert!(!CallStatus::Ongoing.is_terminal());
        assert_eq!(CallDirection::from_api("inbound"), CallDirection::Inbound);
        assert_eq!(
            serde_json::to_value(CallDirection::Outbound).unwrap(),
            json!("OUTBOUND")
        );
    }

    #[test]
    fn attempt_results() {
        assert_eq!(AttemptResult::from_api("PASS"), AttemptResult::Pass);
        assert_eq!(AttemptResult::from_api("failed"), AttemptResult::Fail);
        assert_eq!(AttemptResult::from_api("error"), AttemptResult::Error);
        assert_eq!(
            AttemptResult::from_json(json!(true)),
            Some(AttemptResult::Pass)
        );
        assert_eq!(AttemptResult::from_json(json!("")), None);
        assert_eq!(
            AttemptResult::from_api("inconclusive"),
            AttemptResult::Unknown("inconclusive".into())
        );
    }
}
