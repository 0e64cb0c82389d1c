//! Refuses control characters at the edge. PostgreSQL cannot store a NUL byte in text, and no
//! field of Ringside has a use for control characters other than tab and line breaks, so every
//! request is checked before any handler (or the session layer) sees it: the path, the query
//! string, and urlencoded or JSON bodies. A refusal is a plain 400 that names the field.
//!
//! Reuse: [`refuse_control_characters`] is a router-wide middleware (see `web::router`), so new
//! routes, the JSON API included, are covered without doing anything. Code that reads text from
//! elsewhere can call [`pairs_problem`] (urlencoded pairs) or [`json_problem`] (a JSON value).

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::web::kit::error::{AppError, error_page};

/// Largest body checked (larger ones are refused as too large, like the form extractors do).
const MAX_CHECKED_BODY_BYTES: usize = 2 * 1024 * 1024;

/// Whether `c` is refused in submitted text: every control character except tab, line feed and
/// carriage return (which text areas send).
pub(crate) fn is_refused(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// The plain-words refusal for a field holding a refused character.
pub(crate) fn field_message(field: &str) -> String {
    format!(
        "The field “{field}” contains a control character (such as a NUL byte), which Ringside \
         does not accept. Remove it and try again."
    )
}

/// The first problem in urlencoded `pairs` (a query string or a form body): a field whose name
/// or value holds a refused character.
pub(crate) fn pairs_problem(encoded: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(encoded).find_map(|(name, value)| {
        if name.chars().any(is_refused) {
            Some(
                "A field name contains a control character (such as a NUL byte), which \
                  Ringside does not accept. Remove it and try again."
                    .to_owned(),
            )
        } else if value.chars().any(is_refused) {
            Some(field_message(&name))
        } else {
            None
        }
    })
}

/// The first problem in a JSON value: a key or string holding a refused character, named by
/// its path (`cases[2].name`).
pub(crate) fn json_problem(value: &Value) -> Option<String> {
    fn walk(value: &Value, path: &str) -> Option<String> {
        match value {
            Value::String(text) if text.chars().any(is_refused) => {
                Some(field_message(if path.is_empty() { "body" } else { path }))
            }
            Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(index, item)| walk(item, &format!("{path}[{index}]"))),
            Value::Object(fields) => fields.iter().find_map(|(key, item)| {
                let here = if path.is_empty() {
                    key.clone()
                } else {
                    format!("{path}.{key}")
                };
                if key.chars().any(is_refused) {
                    Some(field_message(&here.escape_default().to_string()))
                } else {
                    walk(item, &here)
                }
            }),
            _ => None,
        }
    }
    walk(value, "")
}

/// Middleware: answers 400 (a page, or JSON to JSON clients) when the path, the query or an
/// urlencoded/JSON body holds a control character; passes everything else through untouched.
pub(crate) async fn refuse_control_characters(request: Request, next: Next) -> Response {
    let wants_json = is_json(&request);
    let refuse = |message: String| refusal(message, wants_json);
    let path = request.uri().path();
    let decoded_path = percent_decoded(path);
    if decoded_path.chars().any(is_refused) {
        return refuse(
            "The address contains a control character (such as a NUL byte), which Ringside \
             does not accept."
                .into(),
        );
    }
    if let Some(problem) = request
        .uri()
        .query()
        .and_then(|q| pairs_problem(q.as_bytes()))
    {
        return refuse(problem);
    }
    let is_form = content_type(&request)
        .is_some_and(|kind| kind.starts_with("application/x-www-form-urlencoded"));
    if !is_form && !wants_json {
        return next.run(request).await;
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_CHECKED_BODY_BYTES).await else {
        return error_page(StatusCode::PAYLOAD_TOO_LARGE, None);
    };
    let problem = if is_form {
        pairs_problem(&bytes)
    } else {
        body_json_problem(&bytes)
    };
    if let Some(problem) = problem {
        return refuse(problem);
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn body_json_problem(bytes: &Bytes) -> Option<String> {
    // A body that is not JSON is the handler's to refuse, in its own words.
    serde_json::from_slice::<Value>(bytes)
        .ok()
        .and_then(|value| json_problem(&value))
}

fn content_type(request: &Request) -> Option<&str> {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
}

fn is_json(request: &Request) -> bool {
    content_type(request).is_some_and(|kind| kind.starts_with("application/json"))
}

fn percent_decoded(path: &str) -> String {
    let bytes: Vec<u8> =
        url::form_urlencoded::parse(format!("p={}", path.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, value)| value.into_owned().into_bytes())
            .unwrap_or_default();
    String::from_utf8_lossy(&bytes).into_owned()
}

fn refusal(message: String, json: bool) -> Response {
    if json {
        let body = serde_json::json!({ "error": message });
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    } else {
        AppError::BadRequest(message).into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_and_other_controls_are_named_by_field() {
        let problem = pairs_problem(b"name=ok&email=a%00b").unwrap();
        assert!(problem.contains("“email”"), "{problem}");
        assert!(pairs_problem(b"q=%1B%5B31m").is_some());
        assert!(pairs_problem(b"notes=line%0D%0Anext%09tab").is_none());
        assert!(pairs_problem(b"a%00=1").unwrap().contains("field name"));
    }

    #[test]
    fn json_problems_name_the_path() {
        let value = serde_json::json!({ "suite": { "cases": ["ok", "bad\u{0}"] } });
        let problem = json_problem(&value).unwrap();
        assert!(problem.contains("“suite.cases[1]”"), "{problem}");
        assert!(json_problem(&serde_json::json!({ "name": "fine\n" })).is_none());
    }

    #[test]
    fn encoded_nul_in_the_path_is_found() {
        assert!(percent_decoded("/s/ab%00cd").contains('\0'));
        assert_eq!(percent_decoded("/runs/a+b"), "/runs/a+b");
    }
}
