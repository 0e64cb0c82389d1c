//! The `{"data": ...}` envelope around every RevRing payload.
//!
//! RevRing always wraps payloads in `data` (docs/revring-api.md §1). The client reads `data` and ignores
//! any other top-level key (pagination objects, request IDs). As a harmless fallback, a body
//! without a `data` key is read as the payload itself, so a server that answers with a bare
//! object or array still works.

use reqwest::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::error::Error;
use super::error_body::{MAX_ERROR_BODY_BYTES, truncate};

/// Extracts the payload: the `data` member of an object that has one, else the whole body.
/// An empty body is `null`.
pub(crate) fn payload(status: StatusCode, body: &[u8]) -> Result<Value, Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Value::Null);
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| decode_error(status, body, &e))?;
    Ok(match value {
        Value::Object(mut object) if object.contains_key("data") => {
            object.remove("data").unwrap_or(Value::Null)
        }
        other => other,
    })
}

/// Decodes an object payload as `T`; anything else (including an array, which serde would
/// otherwise read positionally) becomes [`Error::Decode`] with the raw text.
pub(crate) fn decode<T: DeserializeOwned>(status: StatusCode, body: &[u8]) -> Result<T, Error> {
    match payload(status, body)? {
        value @ Value::Object(_) => {
            serde_json::from_value(value).map_err(|e| decode_error(status, body, &e))
        }
        other => {
            let e = <serde_json::Error as serde::de::Error>::invalid_type(
                unexpected(&other),
                &"a JSON object",
            );
            Err(decode_error(status, body, &e))
        }
    }
}

fn unexpected(value: &Value) -> serde::de::Unexpected<'_> {
    use serde::de::Unexpected;
    match value {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("a number"),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

/// Decodes a list payload; `null` (or an empty body) is an empty list.
pub(crate) fn decode_list<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
) -> Result<Vec<T>, Error> {
    match payload(status, body)? {
        Value::Null => Ok(Vec::new()),
        value => serde_json::from_value(value).map_err(|e| decode_error(status, body, &e)),
    }
}

/// Decodes an object payload that may legitimately be missing (an empty body, `null`, `{}`, or
/// an object without an `id`), e.g. a 204 or `{"data": {"success": true}}` after an action.
pub(crate) fn decode_optional<T: DeserializeOwned>(
    status: StatusCode,
    body: &[u8],
) -> Result<Option<T>, Error> {
    match payload(status, body)? {
        Value::Object(object) if object.get("id").is_some_and(|id| !id.is_null()) => {
            serde_json::from_value(Value::Object(object))
                .map(Some)
                .map_err(|e| decode_error(status, body, &e))
        }
        _ => Ok(None),
    }
}

fn decode_error(status: StatusCode, body: &[u8], error: &serde_json::Error) -> Error {
    Error::Decode {
        status,
        message: error.to_string(),
        body: truncate(&String::from_utf8_lossy(body), MAX_ERROR_BODY_BYTES),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revring::{ErrorKind, TestSuite};

    const OK: StatusCode = StatusCode::OK;

    #[test]
    fn unwraps_data_and_ignores_siblings() {
        let body = br#"{"data": [{"id": "s1"}], "pagination": {"page": 1}, "requestId": "x"}"#;
        let suites: Vec<TestSuite> = decode_list(OK, body).unwrap();
        assert_eq!(suites[0].id, "s1");
    }

    #[test]
    fn accepts_bare_payloads_and_empty_bodies() {
        let suite: TestSuite = decode(OK, br#"{"id": "s1", "name": "n"}"#).unwrap();
        assert_eq!(suite.name, "n");
        let suites: Vec<TestSuite> = decode_list(OK, br#"[{"id": "s1"}]"#).unwrap();
        assert_eq!(suites.len(), 1);
        assert!(decode_list::<TestSuite>(OK, b"").unwrap().is_empty());
        assert!(
            decode_list::<TestSuite>(OK, br#"{"data": null}"#)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn optional_payloads() {
        let none = |body: &[u8]| decode_optional::<TestSuite>(StatusCode::NO_CONTENT, body);
        assert_eq!(none(b"").unwrap(), None);
        assert_eq!(none(br#"{"data": {}}"#).unwrap(), None);
        assert_eq!(none(br#"{"data": {"success": true}}"#).unwrap(), None);
        assert_eq!(none(br#"{"data": {"id": "s"}}"#).unwrap().unwrap().id, "s");
    }

    #[test]
    fn garbage_is_a_decode_error_with_the_body() {
        let err = decode::<TestSuite>(OK, b"<html>oops</html>").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
        let Error::Decode { body, status, .. } = err else {
            unreachable!()
        };
        assert_eq!((body.as_str(), status), ("<html>oops</html>", OK));
        let err = decode::<TestSuite>(OK, br#"{"data": [1, 2]}"#).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode);
    }
}
