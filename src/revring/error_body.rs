//! Reading RevRing's message out of an error body of any shape.
//!
//! The error format is undocumented (docs/revring-api.md §9 #1). Seen or plausible shapes, all handled:
//! `{"error": {"code", "message"}}`, `{"error": "msg"}`, `{"message": "..."}` (or a list of
//! messages), `{"errors": [{"message"}]}` or `{"errors": ["..."]}`, `{"detail": ...}`, a bare JSON
//! string, plain text, and HTML error pages from proxies (reduced to their title or text).

use reqwest::StatusCode;
use serde_json::{Map, Value};

/// Longest raw body kept on an error, in bytes; enough to debug, small enough to log.
pub const MAX_ERROR_BODY_BYTES: usize = 2048;
/// Longest message kept from an error body, in characters; it is shown to users.
pub const MAX_MESSAGE_CHARS: usize = 300;

/// An HTTP error response from RevRing: the status, its message and the (truncated) raw body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// The HTTP status RevRing answered with.
    pub status: StatusCode,
    /// RevRing's machine-readable error code, when the body has one.
    pub code: Option<String>,
    /// RevRing's human-readable message, when one could be found.
    pub message: Option<String>,
    /// The raw body, cut to [`MAX_ERROR_BODY_BYTES`].
    pub body: String,
}

impl Upstream {
    /// Reads an error response body.
    pub fn new(status: StatusCode, body: &str) -> Self {
        let (code, message) = parse(body);
        Self {
            status,
            code,
            message,
            body: truncate(body, MAX_ERROR_BODY_BYTES),
        }
    }
}

impl std::fmt::Display for Upstream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "HTTP {}", self.status.as_u16())?;
        if let Some(code) = &self.code {
            write!(f, " {code}")?;
        }
        if let Some(message) = &self.message {
            write!(f, ": {message}")?;
        }
        Ok(())
    }
}

/// Finds `(code, message)` in a body.
fn parse(body: &str) -> (Option<String>, Option<String>) {
    let trimmed = body.trim();
    if trimmed.is_empty() {
        return (None, None);
    }
    if let Ok(value) = serde_json::from_str::<Value>(trimmed) {
        let (code, message) = from_json(&value);
        return (code.map(|c| shorten(&c)), message.map(|m| shorten(&m)));
    }
    let text = if looks_like_html(trimmed) {
        html_text(trimmed)
    } else {
        trimmed.to_owned()
    };
    (None, Some(shorten(&text)).filter(|m| !m.is_empty()))
}

fn from_json(value: &Value) -> (Option<String>, Option<String>) {
    match value {
        Value::Object(object) => from_object(object),
        Value::Array(items) => (None, join_messages(items)),
        Value::String(s) => (None, Some(s.clone())),
        _ => (None, None),
    }
}

fn from_object(object: &Map<String, Value>) -> (Option<String>, Option<String>) {
    // `{"error": "text"}` is the message unless a better key has one (NestJS puts the status
    // text there, next to the real `message`); `{"error": "SOME_CODE"}` is a code.
    let (mut code, mut message, mut fallback) = match object.get("error") {
        Some(Value::Object(inner)) => {
            let (code, message) = from_object(inner);
            (code, message, None)
        }
        Some(Value::String(s)) if looks_like_code(s) => (Some(s.clone()), None, None),
        Some(Value::String(s)) => (None, None, Some(s.clone())),
        _ => (None, None, None),
    };
    for key in ["code", "errorCode", "error_code", "type"] {
        code = code.or_else(|| scalar(object.get(key)?));
    }
    for key in [
        "message",
        "error_description",
        "detail",
        "title",
        "msg",
        "errors",
    ] {
        message = message.or_else(|| message_of(object.get(key)?));
    }
    // With nothing better, the code is the best message there is.
    fallback = fallback.or_else(|| code.clone());
    (code, message.or(fallback))
}

/// A message from a string, a list of messages, or an object holding one.
fn message_of(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Array(items) => join_messages(items),
        Value::Object(object) => from_object(object).1,
        _ => None,
    }
}

fn join_messages(items: &[Value]) -> Option<String> {
    let parts: Vec<String> = items.iter().filter_map(message_of).collect();
    (!parts.is_empty()).then(|| parts.join("; "))
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// `VALIDATION_ERROR`, `not_found`: one word, no spaces; used as a code, not a sentence.
fn looks_like_code(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
}

fn looks_like_html(body: &str) -> bool {
    let head: String = body
        .chars()
        .take(256)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype") || head.contains("<html") || head.starts_with("<head")
}

/// The page title if it has one, else the visible text.
fn html_text(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    if let Some(start) = lower.find("<title") {
        let after_tag = lower[start..].find('>').map(|i| start + i + 1);
        if let Some(from) = after_tag
            && let Some(len) = lower[from..].find("</title")
        {
            let title = strip_tags(&html[from..from + len]);
            if !title.is_empty() {
                return title;
            }
        }
    }
    let body_only = lower.find("<body").map_or(html, |i| &html[i..]);
    strip_tags(body_only)
}

/// Drops tags (and `<script>`/`<style>` contents are rare enough in error pages to ignore).
fn strip_tags(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    collapse_whitespace(&text)
}

fn collapse_whitespace(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// One line, at most [`MAX_MESSAGE_CHARS`] characters, with an ellipsis when cut.
fn shorten(s: &str) -> String {
    let s = collapse_whitespace(s);
    if s.chars().count() <= MAX_MESSAGE_CHARS {
        return s;
    }
    let mut cut: String = s.chars().take(MAX_MESSAGE_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// Cuts `s` to at most `max` bytes on a character boundary.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> Option<String> {
        parse(body).1
    }

    #[test]
    fn json_shapes() {
        let nested = r#"{"error": {"code": "VALIDATION_ERROR", "message": "name is too long"}}"#;
        assert_eq!(
            parse(nested),
            (
                Some("VALIDATION_ERROR".into()),
                Some("name is too long".into())
            )
        );
        assert_eq!(
            message(r#"{"error": "Suite has no test cases"}"#).as_deref(),
            Some("Suite has no test cases")
        );
        assert_eq!(
            message(r#"{"message": "Not found"}"#).as_deref(),
            Some("Not found")
        );
        assert_eq!(
            message(r#"{"errors": [{"message": "a"}, {"message": "b"}]}"#).as_deref(),
            Some("a; b")
        );
        assert_eq!(
            message(r#"{"errors": ["x", "y"]}"#).as_deref(),
            Some("x; y")
        );
        assert_eq!(
            message(r#"{"detail": "Too many requests"}"#).as_deref(),
            Some("Too many requests")
        );
        assert_eq!(
            message(r#""plain json string""#).as_deref(),
            Some("plain json string")
        );
        // NestJS style: the sentence wins over the status text, the status text is not a code.
        let nest =
            r#"{"statusCode": 400, "message": ["name must be shorter"], "error": "Bad Request"}"#;
        assert_eq!(parse(nest), (None, Some("name must be shorter".into())));
        assert_eq!(
            parse(r#"{"error": "UNAUTHORIZED"}"#),
            (Some("UNAUTHORIZED".into()), Some("UNAUTHORIZED".into()))
        );
        assert_eq!(
            parse(r#"{"code": 4001, "msg": "bad"}"#),
            (Some("4001".into()), Some("bad".into()))
        );
        assert_eq!(parse(r#"{"data": null}"#), (None, None));
        assert_eq!(parse("[]"), (None, None));
    }

    #[test]
    fn text_and_html() {
        assert_eq!(
            message("  Invalid API key\n").as_deref(),
            Some("Invalid API key")
        );
        assert_eq!(message(""), None);
        let page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\
                    <body><h1>502 Bad Gateway</h1><hr>nginx</body></html>";
        assert_eq!(message(page).as_deref(), Some("502 Bad Gateway"));
        let untitled = "<html><body><h1>Service\n Unavailable</h1><p>Try later</p></body></html>";
        assert_eq!(
            message(untitled).as_deref(),
            Some("Service Unavailable Try later")
        );
    }

    #[test]
    fn long_bodies_are_cut() {
        let long = "é".repeat(3000);
        let upstream = Upstream::new(StatusCode::BAD_REQUEST, &long);
        assert!(upstream.body.len() <= MAX_ERROR_BODY_BYTES);
        assert_eq!(upstream.message.unwrap().chars().count(), MAX_MESSAGE_CHARS);
        assert_eq!(
            Upstream::new(StatusCode::NOT_FOUND, r#"{"error":{"message":"no suite"}}"#).to_string(),
            "HTTP 404: no suite"
        );
    }
}
