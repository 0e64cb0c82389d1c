//! Forgiving field decoders for RevRing payloads.
//!
//! Much of the RevRing schema is undocumented (see `docs/revring-api.md` §9), so one odd field must not
//! make a whole run unreadable. Every model field goes through one of three helpers:
//!
//! * [`de`] for plain fields: an unusable value (wrong type, unparseable) becomes the default;
//! * [`opt`] for optional fields: null, missing or unusable values become `None`;
//! * [`list`] for arrays: null or a non-array becomes empty, and items that do not decode are
//!   skipped (with a `tracing` warning) instead of failing the list.
//!
//! Use them with `#[serde(default, deserialize_with = "lenient::de")]` and friends.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::{Iso8601, Rfc3339};

/// A value that can be read from arbitrary JSON, giving up with `None` rather than an error.
pub(crate) trait Lenient: Sized {
    /// Converts `value`, or returns `None` when it cannot be used. `null` is never passed here.
    fn from_json(value: Value) -> Option<Self>;
}

/// Decodes a plain field; an unusable value (including `null`) becomes `T::default()`.
pub(crate) fn de<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Lenient + Default,
{
    Ok(opt(deserializer)?.unwrap_or_default())
}

/// Decodes an optional field; `null` and unusable values become `None`.
pub(crate) fn opt<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Lenient,
{
    Ok(match Value::deserialize(deserializer)? {
        Value::Null => None,
        value => T::from_json(value),
    })
}

/// Decodes an array, skipping items that do not decode; anything but an array becomes empty.
pub(crate) fn list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: DeserializeOwned,
{
    let Value::Array(items) = Value::deserialize(deserializer)? else {
        return Ok(Vec::new());
    };
    Ok(items
        .into_iter()
        .filter_map(|item| match serde_json::from_value(item) {
            Ok(item) => Some(item),
            Err(error) => {
                tracing::warn!(%error, "skipping a RevRing list item that does not decode");
                None
            }
        })
        .collect())
}

impl Lenient for String {
    /// Strings as they are, numbers and booleans as text; a blank string counts as absent.
    fn from_json(value: Value) -> Option<Self> {
        match value {
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

impl Lenient for f64 {
    fn from_json(value: Value) -> Option<Self> {
        match value {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok(),
            _ => None,
        }
        .filter(|f| f.is_finite())
    }
}

impl Lenient for u32 {
    /// Counts: negative numbers clamp to 0, fractions round, numeric strings are accepted.
    fn from_json(value: Value) -> Option<Self> {
        let f = f64::from_json(value)?;
        // `as` saturates, which is the clamping we want.
        Some(f.round().max(0.0) as u32)
    }
}

impl Lenient for bool {
    fn from_json(value: Value) -> Option<Self> {
        match value {
            Value::Bool(b) => Some(b),
            Value::String(s) => s.trim().to_ascii_lowercase().parse().ok(),
            _ => None,
        }
    }
}

impl Lenient for OffsetDateTime {
    fn from_json(value: Value) -> Option<Self> {
        match value {
            Value::String(s) => parse_timestamp(&s),
            Value::Number(n) => from_unix(n.as_f64()?),
            _ => None,
        }
    }
}

impl Lenient for BTreeMap<String, String> {
    /// Variables: string values kept, numbers and booleans stringified, nested JSON kept as JSON
    /// text, `null` entries dropped. A non-object becomes `None` (so the default, empty).
    fn from_json(value: Value) -> Option<Self> {
        let Value::Object(map) = value else {
            return None;
        };
        Some(
            map.into_iter()
                .filter_map(|(key, value)| match value {
                    Value::Null => None,
                    Value::String(s) => Some((key, s)),
                    other @ (Value::Array(_) | Value::Object(_)) => Some((key, other.to_string())),
                    other => Some((key, String::from_json(other)?)),
                })
                .collect(),
        )
    }
}

/// Parses the timestamp spellings seen in the wild: RFC 3339 (the documented form), other
/// ISO 8601 forms, a space instead of `T`, a missing offset (read as UTC), or Unix seconds /
/// milliseconds as a numeric string.
pub(crate) fn parse_timestamp(raw: &str) -> Option<OffsetDateTime> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    if let Ok(t) = OffsetDateTime::parse(raw, &Rfc3339) {
        return Some(t);
    }
    if let Ok(t) = OffsetDateTime::parse(raw, &Iso8601::PARSING) {
        return Some(t);
    }
    let with_t = raw.replacen(' ', "T", 1);
    for candidate in [with_t.clone(), format!("{with_t}Z")] {
        if let Ok(t) = OffsetDateTime::parse(&candidate, &Rfc3339) {
            return Some(t);
        }
    }
    raw.parse::<f64>().ok().and_then(from_unix)
}

/// Unix time in seconds, or in milliseconds when the number is too large to be seconds.
fn from_unix(n: f64) -> Option<OffsetDateTime> {
    /// Above this, a Unix timestamp is taken to be in milliseconds (1e11 s is the year 5138).
    const MILLIS_THRESHOLD: f64 = 1e11;
    if !n.is_finite() {
        return None;
    }
    let nanos = if n.abs() >= MILLIS_THRESHOLD {
        n * 1e6
    } else {
        n * 1e9
    };
    OffsetDateTime::from_unix_timestamp_nanos(nanos as i128).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use time::macros::datetime;

    #[test]
    fn timestamps_in_many_spellings() {
        let want = datetime!(2023-11-07 05:31:56 UTC);
        for raw in [
            "2023-11-07T05:31:56Z",
            "2023-11-07T05:31:56.000Z",
            "2023-11-07T05:31:56+00:00",
            "2023-11-07T06:31:56+01:00",
            "2023-11-07 05:31:56",
            "2023-11-07T05:31:56",
            "1699335116",
        ] {
            assert_eq!(parse_timestamp(raw), Some(want), "{raw}");
        }
        assert_eq!(
            OffsetDateTime::from_json(json!(1699335116000_u64)),
            Some(want)
        );
        assert_eq!(parse_timestamp("yesterday"), None);
        assert_eq!(parse_timestamp(""), None);
    }

    #[test]
    fn counts_are_forgiving() {
        assert_eq!(u32::from_json(json!(3)), Some(3));
        assert_eq!(u32::from_json(json!("4")), Some(4));
        assert_eq!(u32::from_json(json!(2.6)), Some(3));
        assert_eq!(u32::from_json(json!(-1)), Some(0));
        assert_eq!(u32::from_json(json!("many")), None);
        assert_eq!(u32::from_json(json!({})), None);
    }

    #[test]
    fn variables_become_strings() {
        let map = BTreeMap::<String, String>::from_json(
            json!({"a": "x", "b": 2, "c": true, "d": null, "e": {"f": 1}}),
        )
        .unwrap();
        assert_eq!(map["a"], "x");
        assert_eq!(map["b"], "2");
        assert_eq!(map["c"], "true");
        assert!(!map.contains_key("d"));
        assert_eq!(map["e"], r#"{"f":1}"#);
        assert_eq!(BTreeMap::<String, String>::from_json(json!([1])), None);
    }

    #[test]
    fn lists_skip_bad_items_and_accept_non_arrays() {
        #[derive(Deserialize)]
        struct Holder {
            #[serde(default, deserialize_with = "list")]
            items: Vec<u8>,
        }
        let parse = |v: Value| serde_json::from_value::<Holder>(v).unwrap().items;
        assert_eq!(parse(json!({"items": [1, "x", 2]})), vec![1, 2]);
        assert!(parse(json!({"items": null})).is_empty());
        assert!(parse(json!({"items": {"a": 1}})).is_empty());
        assert!(parse(json!({})).is_empty());
    }
}
