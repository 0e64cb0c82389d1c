//! The client's error type, classified for the pages and the sync worker that show or act on it.
//!
//! # Timeouts and failures on requests that change things
//!
//! A `GET` that fails is simply a failure. A `POST`, `PATCH` or `DELETE` that times out, loses its
//! connection after sending, or gets a 5xx may still have been applied by RevRing. Those errors
//! carry `may_have_applied: true` and [`Error::outcome_unknown`] returns true: the caller must
//! not repeat the request blindly but check first. For `start_run`, that means listing the suite's
//! runs and looking for the new one (starting a run places real, paid phone calls). A 4xx is a
//! definite refusal: nothing was applied.

use std::time::Duration;

use reqwest::StatusCode;

pub use super::error_body::Upstream;

/// Something went wrong talking to RevRing. Never contains the API key.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// 401 or 403: the key is wrong, revoked, or lacks access.
    #[error("RevRing rejected the API key ({0})")]
    Unauthorized(Upstream),
    /// 404 or 410: the ID is unknown (or belongs to another organisation).
    #[error("RevRing has no such item ({0})")]
    NotFound(Upstream),
    /// 400, 409, 413 or 422: RevRing refused the request; its message says why.
    #[error("RevRing refused the request ({0})")]
    Validation(Upstream),
    /// 429: too many requests or too many concurrent calls.
    #[error("RevRing is rate limiting us ({upstream})")]
    RateLimited {
        /// The response.
        upstream: Upstream,
        /// How long RevRing asked us to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
    },
    /// 5xx, 408, or the connection failed (refused, reset, DNS).
    #[error("RevRing is unavailable ({})", describe(.upstream.as_ref(), .cause.as_deref()))]
    Unavailable {
        /// The response, when there was one.
        upstream: Option<Upstream>,
        /// The transport error, when there was no response.
        cause: Option<String>,
        /// How long RevRing asked us to wait (`Retry-After` on a 503), if it said.
        retry_after: Option<Duration>,
        /// True when a non-GET request may have been applied anyway; see the module docs.
        may_have_applied: bool,
    },
    /// No complete answer within the request timeout.
    #[error("RevRing did not answer within {}s", .after.as_secs_f32())]
    Timeout {
        /// The timeout that expired.
        after: Duration,
        /// True when a non-GET request may have been applied anyway; see the module docs.
        may_have_applied: bool,
    },
    /// A 2xx whose body could not be read as the expected payload.
    #[error("RevRing sent an unreadable response (HTTP {}): {message}", .status.as_u16())]
    Decode {
        /// The (successful) status.
        status: StatusCode,
        /// What did not match.
        message: String,
        /// The raw body, truncated.
        body: String,
    },
    /// Any other status or transport failure.
    #[error("unexpected RevRing failure ({})", describe(.upstream.as_ref(), Some(.message)))]
    Other {
        /// The response, when there was one.
        upstream: Option<Upstream>,
        /// What happened.
        message: String,
    },
    /// The request could not be built (bad base URL, empty ID, unusable key characters).
    #[error("invalid RevRing request: {message}")]
    InvalidInput {
        /// What is wrong.
        message: String,
    },
}

fn describe(upstream: Option<&Upstream>, cause: Option<&str>) -> String {
    match (upstream, cause) {
        (Some(upstream), _) => upstream.to_string(),
        (None, Some(cause)) => cause.to_owned(),
        (None, None) => "no response".to_owned(),
    }
}

/// The kind of an [`Error`], for matching without the details.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// See [`Error::Unauthorized`].
    Unauthorized,
    /// See [`Error::NotFound`].
    NotFound,
    /// See [`Error::Validation`].
    Validation,
    /// See [`Error::RateLimited`].
    RateLimited,
    /// See [`Error::Unavailable`].
    Unavailable,
    /// See [`Error::Timeout`].
    Timeout,
    /// See [`Error::Decode`].
    Decode,
    /// See [`Error::Other`].
    Other,
    /// See [`Error::InvalidInput`].
    InvalidInput,
}

impl Error {
    /// Classifies a non-2xx response. `may_have_applied` is whether the request changes things.
    pub(crate) fn from_status(
        upstream: Upstream,
        retry_after: Option<Duration>,
        may_have_applied: bool,
    ) -> Self {
        match upstream.status.as_u16() {
            401 | 403 => Self::Unauthorized(upstream),
            404 | 410 => Self::NotFound(upstream),
            400 | 409 | 413 | 422 => Self::Validation(upstream),
            429 => Self::RateLimited {
                upstream,
                retry_after,
            },
            408 | 500..=599 => Self::Unavailable {
                may_have_applied: may_have_applied && upstream.status.is_server_error(),
                upstream: Some(upstream),
                cause: None,
                retry_after,
            },
            _ => Self::Other {
                message: "unexpected HTTP status".to_owned(),
                upstream: Some(upstream),
            },
        }
    }

    /// The kind of error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::Unauthorized(_) => ErrorKind::Unauthorized,
            Self::NotFound(_) => ErrorKind::NotFound,
            Self::Validation(_) => ErrorKind::Validation,
            Self::RateLimited { .. } => ErrorKind::RateLimited,
            Self::Unavailable { .. } => ErrorKind::Unavailable,
            Self::Timeout { .. } => ErrorKind::Timeout,
            Self::Decode { .. } => ErrorKind::Decode,
            Self::Other { .. } => ErrorKind::Other,
            Self::InvalidInput { .. } => ErrorKind::InvalidInput,
        }
    }

    /// True for transient failures (rate limits, unavailability, timeouts) worth trying later.
    /// For a request with [`Self::outcome_unknown`], check its effect before repeating it.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::RateLimited | ErrorKind::Unavailable | ErrorKind::Timeout
        )
    }

    /// True when a request that changes things may have been applied despite the error. A
    /// success status with an unreadable body counts: RevRing did apply the request.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Self::Timeout {
                may_have_applied, ..
            }
            | Self::Unavailable {
                may_have_applied, ..
            } => *may_have_applied,
            Self::Decode { status, .. } => status.is_success(),
            _ => false,
        }
    }

    /// How long RevRing asked us to wait before trying again, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } | Self::Unavailable { retry_after, .. } => {
                *retry_after
            }
            _ => None,
        }
    }

    /// The HTTP status, when RevRing answered.
    pub fn status(&self) -> Option<StatusCode> {
        self.upstream().map(|u| u.status).or(match self {
            Self::Decode { status, .. } => Some(*status),
            _ => None,
        })
    }

    /// The error response, when RevRing answered with one.
    pub fn upstream(&self) -> Option<&Upstream> {
        match self {
            Self::Unauthorized(u) | Self::NotFound(u) | Self::Validation(u) => Some(u),
            Self::RateLimited { upstream, .. } => Some(upstream),
            Self::Unavailable { upstream, .. } | Self::Other { upstream, .. } => upstream.as_ref(),
            _ => None,
        }
    }

    /// RevRing's own message, when it sent one.
    pub fn upstream_message(&self) -> Option<&str> {
        self.upstream()?.message.as_deref()
    }

    /// One plain sentence for the page that shows the error (RevRing's message included for
    /// validation errors, where it says what to fix). Contains no secrets.
    pub fn user_message(&self) -> String {
        match self {
            Self::Unauthorized(u) if u.status == StatusCode::FORBIDDEN => {
                "RevRing refused access with this API key. Check that the key belongs to the \
                 right organisation and is allowed to do this."
                    .to_owned()
            }
            Self::Unauthorized(_) => {
                "RevRing rejected the API key. Check that it is correct and still active."
                    .to_owned()
            }
            Self::NotFound(_) => {
                "RevRing could not find this item. It may have been deleted.".to_owned()
            }
            Self::Validation(u) => match &u.message {
                Some(message) => format!("RevRing did not accept the request: {message}"),
                None => "RevRing did not accept the request.".to_owned(),
            },
            Self::RateLimited { retry_after, .. } => match retry_after {
                Some(wait) => format!(
                    "RevRing is busy right now. Try again in {} seconds.",
                    wait.as_secs().max(1)
                ),
                None => "RevRing is busy right now. Try again in a moment.".to_owned(),
            },
            _ if self.outcome_unknown() => {
                "RevRing did not confirm the request, so it may or may not have gone through. \
                 Check the latest state before trying again."
                    .to_owned()
            }
            Self::Unavailable { .. } => {
                "RevRing is unavailable right now. Try again in a few minutes.".to_owned()
            }
            Self::Timeout { .. } => "RevRing did not answer in time. Try again shortly.".to_owned(),
            Self::Decode { .. } => "RevRing sent a response Ringside could not read. \
                                    The RevRing API may have changed."
                .to_owned(),
            Self::Other { .. } => "Something went wrong while talking to RevRing.".to_owned(),
            Self::InvalidInput { message } => {
                format!("Ringside could not send this request: {message}.")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(status: u16, body: &str) -> Error {
        let status = StatusCode::from_u16(status).unwrap();
        Error::from_status(
            Upstream::new(status, body),
            Some(Duration::from_secs(2)),
            true,
        )
    }

    #[test]
    fn statuses_map_to_kinds() {
        for (status, kind) in [
            (401, ErrorKind::Unauthorized),
            (403, ErrorKind::Unauthorized),
            (404, ErrorKind::NotFound),
            (400, ErrorKind::Validation),
            (409, ErrorKind::Validation),
            (422, ErrorKind::Validation),
            (429, ErrorKind::RateLimited),
            (500, ErrorKind::Unavailable),
            (503, ErrorKind::Unavailable),
            (408, ErrorKind::Unavailable),
            (418, ErrorKind::Other),
            (302, ErrorKind::Other),
        ] {
            assert_eq!(classify(status, "").kind(), kind, "{status}");
        }
    }

    #[test]
    fn messages_for_pages() {
        let e = classify(
            401,
            r#"{"error":{"code":"UNAUTHORIZED","message":"Invalid key"}}"#,
        );
        assert_eq!(
            e.user_message(),
            "RevRing rejected the API key. Check that it is correct and still active."
        );
        assert_eq!(e.upstream_message(), Some("Invalid key"));
        assert_eq!(e.status(), Some(StatusCode::UNAUTHORIZED));
        assert!(!e.is_retryable());

        let e = classify(400, r#"{"error":"At least one test case is required"}"#);
        assert_eq!(
            e.user_message(),
            "RevRing did not accept the request: At least one test case is required"
        );

        let e = classify(429, "slow down");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        assert!(e.is_retryable());
        assert!(!e.outcome_unknown(), "a 429 is a refusal");
        assert!(e.user_message().contains("2 seconds"));

        let e = classify(502, "<html><title>Bad Gateway</title></html>");
        assert!(e.outcome_unknown(), "a 5xx on a POST may have been applied");
        assert!(e.to_string().contains("Bad Gateway"), "{e}");
    }

    #[test]
    fn timeouts_on_writes_are_unknown_outcomes() {
        let write = Error::Timeout {
            after: Duration::from_secs(15),
            may_have_applied: true,
        };
        assert!(write.outcome_unknown());
        assert!(write.user_message().contains("may or may not"));
        let read = Error::Timeout {
            after: Duration::from_secs(15),
            may_have_applied: false,
        };
        assert!(!read.outcome_unknown());
        assert!(read.is_retryable());
        assert_eq!(read.to_string(), "RevRing did not answer within 15s");
    }
}
