//! Lenient request-body parsing and the field checks shared by the endpoints.
//!
//! Bodies are read as raw bytes and parsed here, so malformed JSON answers 400 in the API's
//! error shape (not axum's plain text) and unknown fields are ignored.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde_json::{Map, Value};

use super::error::ApiError;

/// Maximum items in a batch-get `ids` list (docs/revring-api.md §4.4).
pub(super) const MAX_BATCH_IDS: usize = 100;

/// A JSON object request body; an empty body reads as `{}`.
#[derive(Debug, Default)]
pub(super) struct JsonBody(pub Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::invalid_json(format!("Could not read the body: {e}")))?;
        parse_object(&bytes).map(JsonBody)
    }
}

/// Parses `bytes` as a JSON object (empty or blank means `{}`).
pub(super) fn parse_object(bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::invalid_json(
            "The request body must be a JSON object",
        )),
        Err(e) => Err(ApiError::invalid_json(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

/// A field of a partial update: absent, explicitly null, or set.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Field<T> {
    /// The key is not in the body.
    Absent,
    /// The key is present with `null`.
    Null,
    /// The key is present with a valid value.
    Set(T),
}

impl<T> Field<T> {
    /// The value if set; null and absent give `None`.
    pub(super) fn set(self) -> Option<T> {
        match self {
            Field::Set(v) => Some(v),
            _ => None,
        }
    }
}

/// A string field of at most `max_chars` characters; empty (after trimming) is rejected.
pub(super) fn text(
    obj: &Map<String, Value>,
    key: &str,
    max_chars: usize,
) -> Result<Field<String>, ApiError> {
    match obj.get(key) {
        None => Ok(Field::Absent),
        Some(Value::Null) => Ok(Field::Null),
        Some(Value::String(s)) => {
            if s.trim().is_empty() {
                Err(ApiError::validation(format!("`{key}` must not be empty")))
            } else if s.chars().count() > max_chars {
                Err(ApiError::validation(format!(
                    "`{key}` must be at most {max_chars} characters"
                )))
            } else {
                Ok(Field::Set(s.clone()))
            }
        }
        Some(_) => Err(ApiError::validation(format!("`{key}` must be a string"))),
    }
}

/// A required string field (create endpoints).
pub(super) fn required_text(
    obj: &Map<String, Value>,
    key: &str,
    max_chars: usize,
) -> Result<String, ApiError> {
    text(obj, key, max_chars)?
        .set()
        .ok_or_else(|| ApiError::validation(format!("`{key}` is required")))
}

/// An integer field within `min..=max` (an integral float such as `2.0` is accepted).
pub(super) fn integer(
    obj: &Map<String, Value>,
    key: &str,
    min: i64,
    max: i64,
) -> Result<Field<i64>, ApiError> {
    let out_of_range = || {
        ApiError::validation(format!(
            "`{key}` must be an integer between {min} and {max}"
        ))
    };
    match obj.get(key) {
        None => Ok(Field::Absent),
        Some(Value::Null) => Ok(Field::Null),
        Some(Value::Number(n)) => {
            let value = match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => i,
                (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e15 => f as i64,
                _ => return Err(out_of_range()),
            };
            if (min..=max).contains(&value) {
                Ok(Field::Set(value))
            } else {
                Err(out_of_range())
            }
        }
        Some(_) => Err(out_of_range()),
    }
}

/// An object field (variables); null reads as null.
pub(super) fn object(
    obj: &Map<String, Value>,
    key: &str,
) -> Result<Field<Map<String, Value>>, ApiError> {
    match obj.get(key) {
        None => Ok(Field::Absent),
        Some(Value::Null) => Ok(Field::Null),
        Some(Value::Object(m)) => Ok(Field::Set(m.clone())),
        Some(_) => Err(ApiError::validation(format!("`{key}` must be an object"))),
    }
}

/// A boolean field, default `false`.
pub(super) fn flag(obj: &Map<String, Value>, key: &str) -> Result<bool, ApiError> {
    match obj.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(ApiError::validation(format!("`{key}` must be a boolean"))),
    }
}

/// The `ids` list of a batch-get: 1 to [`MAX_BATCH_IDS`] strings.
pub(super) fn batch_ids(obj: &Map<String, Value>) -> Result<Vec<String>, ApiError> {
    let bad = || {
        ApiError::validation(format!(
            "`ids` must be an array of 1 to {MAX_BATCH_IDS} id strings"
        ))
    };
    let Some(Value::Array(items)) = obj.get("ids") else {
        return Err(bad());
    };
    if items.is_empty() || items.len() > MAX_BATCH_IDS {
        return Err(bad());
    }
    items
        .iter()
        .map(|v| v.as_str().map(str::to_owned).ok_or_else(bad))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn text_limits_count_characters() {
        let o = obj(json!({"name": "é".repeat(128), "long": "x".repeat(129), "n": 3}));
        assert!(matches!(text(&o, "name", 128), Ok(Field::Set(_))));
        assert!(text(&o, "long", 128).is_err());
        assert!(text(&o, "n", 128).is_err());
        assert_eq!(text(&o, "missing", 128), Ok(Field::Absent));
    }

    #[test]
    fn integers_accept_integral_floats_only() {
        let o = obj(json!({"a": 2.0, "b": 2.5, "c": 11, "d": "3"}));
        assert_eq!(integer(&o, "a", 1, 10), Ok(Field::Set(2)));
        assert!(integer(&o, "b", 1, 10).is_err());
        assert!(integer(&o, "c", 1, 10).is_err());
        assert!(integer(&o, "d", 1, 10).is_err());
    }

    #[test]
    fn bodies_parse_leniently() {
        assert!(parse_object(b"").unwrap().is_empty());
        assert!(parse_object(b"{\"x\":1, \"y\": null}").is_ok());
        assert_eq!(parse_object(b"{oops").unwrap_err().code, "invalid_json");
        assert_eq!(parse_object(b"[1]").unwrap_err().code, "invalid_json");
    }
}
