//! Call recordings streamed through Ringside, so the browser never needs the RevRing key: the
//! upstream body is passed on chunk by chunk with `Cache-Control: private` and byte ranges
//! (forwarded upstream; served by skipping bytes when upstream ignores them). Whatever upstream
//! says, the body goes out as audio, as an attachment-named inline file, in a CSP sandbox: a
//! poisoned upstream cannot serve a page from Ringside's origin. Where the link may point is
//! checked by the client (`revring::Client::fetch_recording`).

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;

use crate::web::kit::error::AppError;

/// Content type when upstream names none, or names one that is not audio.
const FALLBACK_TYPE: &str = "audio/wav";

/// `Content-Disposition` of every recording: played in the page, saved under a plain name.
const DISPOSITION: &str = "inline; filename=\"recording.wav\"";

/// `Content-Security-Policy` of every recording: opened on its own it runs nothing.
const SANDBOX: &str = "sandbox";

/// What the user reads when the link points somewhere Ringside does not fetch from.
const REFUSED_LINK: &str = "The recording is unavailable: RevRing linked it at an address \
                            Ringside does not fetch from (ask the operator to list the \
                            recording host in RINGSIDE_RECORDING_HOSTS if it is trusted).";

/// The upstream content type when it is a plain audio type (`audio/…`, parameters dropped).
fn audio_type(upstream: Option<&reqwest::header::HeaderValue>) -> HeaderValue {
    upstream
        .and_then(|value| value.to_str().ok())
        .map(|value| {
            value
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|essence| {
            essence.strip_prefix("audio/").is_some_and(|subtype| {
                !subtype.is_empty()
                    && subtype
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b".+-_".contains(&b))
            })
        })
        .and_then(|essence| HeaderValue::from_str(&essence).ok())
        .unwrap_or(HeaderValue::from_static(FALLBACK_TYPE))
}

/// Caching of proxied recordings: the browser may keep them, shared caches may not.
const CACHE_CONTROL: &str = "private, max-age=3600";

/// A single byte range `start..=end` of a body of known length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct ByteRange {
    /// First byte.
    pub start: u64,
    /// Last byte (inclusive).
    pub end: u64,
}

/// Parses a `Range` header with one range (`bytes=a-b`, `bytes=a-`, `bytes=-n`) against a body
/// of `len` bytes; `None` for anything else (several ranges, other units, unsatisfiable).
pub(super) fn parse_range(header: &str, len: u64) -> Option<ByteRange> {
    let spec = header.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || len == 0 {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    let range = if first.is_empty() {
        let suffix: u64 = last.parse().ok()?;
        ByteRange {
            start: len.saturating_sub(suffix),
            end: len - 1,
        }
    } else {
        let start: u64 = first.parse().ok()?;
        let end = if last.is_empty() {
            len - 1
        } else {
            last.parse::<u64>().ok()?.min(len - 1)
        };
        ByteRange { start, end }
    };
    (range.start <= range.end && range.start < len).then_some(range)
}

/// Whether a failed fetch may be a link that expired upstream (a client error other than an
/// unsatisfiable range), so that asking RevRing for the call again may give a working one.
pub(super) fn may_have_expired(error: &crate::revring::Error) -> bool {
    error.status().is_some_and(|status| {
        status.is_client_error() && status != reqwest::StatusCode::RANGE_NOT_SATISFIABLE
    })
}

/// What the user gets when the recording could not be fetched.
pub(super) fn refusal(error: &crate::revring::Error) -> AppError {
    if error.status() == Some(reqwest::StatusCode::NOT_FOUND) {
        AppError::NotFound
    } else if error.kind() == crate::revring::ErrorKind::InvalidInput {
        tracing::warn!(%error, "recording link refused");
        AppError::Unavailable(REFUSED_LINK.into())
    } else {
        tracing::warn!(%error, "recording fetch failed");
        AppError::Unavailable("RevRing did not deliver the recording. Try again.".into())
    }
}

/// Answers with the body of `upstream` streamed through, as audio, for the browser's `range`.
pub(super) fn stream(upstream: reqwest::Response, range: Option<&str>) -> Response {
    let content_type = audio_type(upstream.headers().get(reqwest::header::CONTENT_TYPE));
    let length = upstream.content_length();
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static(DISPOSITION),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(SANDBOX),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_CONTROL),
    );
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));

    if upstream.status() == reqwest::StatusCode::PARTIAL_CONTENT {
        for name in [header::CONTENT_RANGE, header::CONTENT_LENGTH] {
            if let Some(value) = upstream
                .headers()
                .get(name.as_str())
                .and_then(|v| HeaderValue::from_bytes(v.as_bytes()).ok())
            {
                headers.insert(name, value);
            }
        }
        return (
            StatusCode::PARTIAL_CONTENT,
            headers,
            body(upstream, 0, None),
        )
            .into_response();
    }
    // Upstream sent the whole file: serve the requested part ourselves when we know its size.
    if let (Some(range), Some(len)) = (range, length)
        && let Some(wanted) = parse_range(range, len)
    {
        let count = wanted.end - wanted.start + 1;
        let content_range = format!("bytes {}-{}/{len}", wanted.start, wanted.end);
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
        if let Ok(value) = HeaderValue::from_str(&content_range) {
            headers.insert(header::CONTENT_RANGE, value);
        }
        let body = body(upstream, wanted.start, Some(count));
        return (StatusCode::PARTIAL_CONTENT, headers, body).into_response();
    }
    if let Some(len) = length {
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    }
    (StatusCode::OK, headers, body(upstream, 0, None)).into_response()
}

/// The upstream body as a stream, without its first `skip` bytes and at most `take` bytes.
fn body(upstream: reqwest::Response, skip: u64, take: Option<u64>) -> Body {
    let state = Some((upstream, skip, take.unwrap_or(u64::MAX)));
    Body::from_stream(stream::unfold(state, |state| async move {
        let (mut upstream, mut skip, mut left) = state?;
        loop {
            if left == 0 {
                return None;
            }
            match upstream.chunk().await {
                Ok(Some(mut chunk)) => {
                    let dropped = skip.min(chunk.len() as u64);
                    skip -= dropped;
                    let mut chunk: Bytes = chunk.split_off(dropped as usize);
                    if chunk.len() as u64 > left {
                        chunk.truncate(left as usize);
                    }
                    left -= chunk.len() as u64;
                    if chunk.is_empty() {
                        continue;
                    }
                    return Some((Ok::<_, reqwest::Error>(chunk), Some((upstream, skip, left))));
                }
                Ok(None) => return None,
                Err(error) => return Some((Err(error), None)),
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_ranges_parse() {
        let r = |start, end| Some(ByteRange { start, end });
        assert_eq!(parse_range("bytes=0-99", 1000), r(0, 99));
        assert_eq!(parse_range("bytes=900-", 1000), r(900, 999));
        assert_eq!(parse_range("bytes=-100", 1000), r(900, 999));
        assert_eq!(parse_range("bytes=990-5000", 1000), r(990, 999));
        assert_eq!(parse_range("bytes=1000-", 1000), None);
        assert_eq!(parse_range("bytes=0-1,5-9", 1000), None);
        assert_eq!(parse_range("items=0-1", 1000), None);
        assert_eq!(parse_range("bytes=5-1", 1000), None);
    }

    #[test]
    fn only_audio_content_types_pass() {
        let of = |s: &'static str| audio_type(Some(&reqwest::header::HeaderValue::from_static(s)));
        assert_eq!(of("audio/mpeg"), "audio/mpeg");
        assert_eq!(of("Audio/WAV; codecs=1"), "audio/wav");
        assert_eq!(of("text/html"), FALLBACK_TYPE);
        assert_eq!(of("audio/<script>"), FALLBACK_TYPE);
        assert_eq!(audio_type(None), FALLBACK_TYPE);
    }
}
