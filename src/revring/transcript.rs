//! Transcript entries, kept as raw JSON because RevRing does not document their shape.
//!
//! The reference (§6) only says "array of objects". Third-party code reads the speaker from
//! `role`, `speaker` or `from` and the text from `content`, `text` or `message`; the simulator
//! writes `{"role": "assistant"|"user", "content": ..., "secondsFromStart": ...}`. Entries are
//! stored untouched (Ringside persists them as JSONB) and read through the accessors below.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use super::lenient::{self, Lenient};

/// Keys that may name the speaker, in the order they are tried.
const SPEAKER_KEYS: [&str; 3] = ["role", "speaker", "from"];
/// Keys that may hold the spoken text, in the order they are tried.
const TEXT_KEYS: [&str; 3] = ["content", "text", "message"];
/// Keys that may hold an offset into the call in seconds, in the order they are tried.
const OFFSET_KEYS: [&str; 5] = [
    "secondsFromStart",
    "seconds_from_start",
    "timestamp",
    "time",
    "start",
];
/// Keys that may hold an absolute wall-clock time, in the order they are tried.
const TIME_KEYS: [&str; 4] = ["timestamp", "time", "createdAt", "at"];

/// One turn of a call transcript, as RevRing sent it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TranscriptEntry(pub Value);

impl TranscriptEntry {
    /// Who spoke, as RevRing spelled it (`role`, else `speaker`, else `from`).
    pub fn speaker(&self) -> Option<&str> {
        self.first_str(&SPEAKER_KEYS)
    }

    /// Which side spoke. See [`Speaker`] for how the raw value is read.
    pub fn speaker_kind(&self) -> Speaker {
        self.speaker().map(Speaker::classify).unwrap_or_default()
    }

    /// What was said (`content`, else `text`, else `message`); the first one that is a string.
    pub fn text(&self) -> Option<&str> {
        self.first_str(&TEXT_KEYS)
    }

    /// Seconds since the call started, when the entry carries a numeric offset (a number or a
    /// numeric string under `secondsFromStart`, `timestamp`, `time` or `start`).
    pub fn seconds_from_start(&self) -> Option<f64> {
        OFFSET_KEYS.iter().find_map(|key| match self.0.get(key)? {
            value @ (Value::Number(_) | Value::String(_)) => f64::from_json(value.clone()),
            _ => None,
        })
    }

    /// The wall-clock time of the entry, when it carries a date-time string (`timestamp`,
    /// `time`, `createdAt` or `at`). Numeric values are offsets, see [`Self::seconds_from_start`].
    pub fn at(&self) -> Option<OffsetDateTime> {
        TIME_KEYS.iter().find_map(|key| match self.0.get(key)? {
            Value::String(s) if s.trim().parse::<f64>().is_err() => lenient::parse_timestamp(s),
            _ => None,
        })
    }

    /// The entry exactly as received.
    pub fn raw(&self) -> &Value {
        &self.0
    }

    fn first_str(&self, keys: &[&str]) -> Option<&str> {
        keys.iter()
            .find_map(|key| self.0.get(key)?.as_str())
            .filter(|s| !s.trim().is_empty())
    }
}

/// Which side of a test call spoke a transcript entry.
///
/// This reading holds for test-run attempts and for the target agent's (inbound) call, where the
/// agent under test is the "assistant" and the tester is the "user". On the tester's own outbound
/// call the tester is the assistant, so callers showing that leg must swap the labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Speaker {
    /// The agent under test: `assistant`, `agent`, `bot`, `ai`, `target`.
    Agent,
    /// The tester playing the caller: `user`, `tester`, `human`, `customer`, `caller`.
    Tester,
    /// Not a person: `system`, `tool`, `function`.
    System,
    /// Any other spelling, kept as received; empty when the entry names no speaker.
    Unknown(String),
}

impl Default for Speaker {
    fn default() -> Self {
        Self::Unknown(String::new())
    }
}

impl Speaker {
    /// Classifies a raw speaker value, case-insensitively.
    pub fn classify(raw: &str) -> Self {
        match raw.trim().to_ascii_lowercase().as_str() {
            "assistant" | "agent" | "bot" | "ai" | "target" | "target_agent" => Self::Agent,
            "user" | "tester" | "human" | "customer" | "caller" | "tester_agent" => Self::Tester,
            "system" | "tool" | "function" => Self::System,
            _ => Self::Unknown(raw.to_owned()),
        }
    }
}

/// Decodes a transcript: `null`, a missing field or a non-array becomes an empty list; every
/// array item is kept, whatever its shape.
pub(crate) fn transcript<'de, D>(deserializer: D) -> Result<Vec<TranscriptEntry>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    lenient::list(deserializer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(value: Value) -> TranscriptEntry {
        TranscriptEntry(value)
    }

    #[test]
    fn reads_role_speaker_and_from() {
        let e = entry(json!({"role": "assistant", "content": "Hello"}));
        assert_eq!(e.speaker(), Some("assistant"));
        assert_eq!(e.text(), Some("Hello"));
        assert_eq!(e.speaker_kind(), Speaker::Agent);

        let e = entry(json!({"speaker": "User", "text": "Hi"}));
        assert_eq!((e.speaker(), e.text()), (Some("User"), Some("Hi")));
        assert_eq!(e.speaker_kind(), Speaker::Tester);

        let e = entry(json!({"from": "bot", "message": "Bye"}));
        assert_eq!((e.speaker(), e.text()), (Some("bot"), Some("Bye")));
        assert_eq!(e.speaker_kind(), Speaker::Agent);
    }

    #[test]
    fn falls_through_non_string_fields() {
        let e = entry(json!({"role": null, "speaker": "customer", "content": [1], "text": "ok"}));
        assert_eq!(e.speaker(), Some("customer"));
        assert_eq!(e.text(), Some("ok"));
        assert_eq!(e.speaker_kind(), Speaker::Tester);
    }

    #[test]
    fn unknown_and_missing_speakers() {
        let narrator = Speaker::Unknown("narrator".into());
        assert_eq!(entry(json!({"role": "narrator"})).speaker_kind(), narrator);
        assert_eq!(
            entry(json!({"content": "x"})).speaker_kind(),
            Speaker::default()
        );
        assert_eq!(entry(json!("just a string")).text(), None);
        assert_eq!(
            entry(json!({"role": "tool"})).speaker_kind(),
            Speaker::System
        );
    }

    #[test]
    fn offsets_and_times() {
        assert_eq!(
            entry(json!({"secondsFromStart": 1.5})).seconds_from_start(),
            Some(1.5)
        );
        assert_eq!(
            entry(json!({"timestamp": "2.25"})).seconds_from_start(),
            Some(2.25)
        );
        assert_eq!(entry(json!({"time": 3})).seconds_from_start(), Some(3.0));
        assert_eq!(entry(json!({"start": "4"})).seconds_from_start(), Some(4.0));
        assert_eq!(entry(json!({"content": "x"})).seconds_from_start(), None);

        let e = entry(json!({"timestamp": "2023-11-07T05:31:56Z"}));
        assert_eq!(e.seconds_from_start(), None);
        assert_eq!(
            e.at(),
            Some(time::macros::datetime!(2023-11-07 05:31:56 UTC))
        );
        assert_eq!(entry(json!({"timestamp": "12"})).at(), None);
    }

    #[test]
    fn transcripts_tolerate_null_and_odd_shapes() {
        #[derive(Deserialize)]
        struct Holder {
            #[serde(default, deserialize_with = "transcript")]
            transcript: Vec<TranscriptEntry>,
        }
        let parse = |v: Value| serde_json::from_value::<Holder>(v).unwrap().transcript;
        assert!(parse(json!({"transcript": null})).is_empty());
        assert!(parse(json!({"transcript": "hello"})).is_empty());
        assert!(parse(json!({})).is_empty());
        let kept = parse(json!({"transcript": [{"role": "user"}, "raw line", 7]}));
        assert_eq!(kept.len(), 3);
        assert_eq!(kept[1].raw(), &json!("raw line"));
    }
}
