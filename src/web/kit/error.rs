//! The one error type at the HTTP edge. Internal causes are logged, never shown; every error
//! status is answered with the same error page.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::web::kit::layout::Layout;

/// An error a handler returns; rendered as the error page with a fitting status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The object does not exist, or belongs to another team.
    #[error("not found")]
    NotFound,
    /// The request is malformed; the message says how, in plain words.
    #[error("{0}")]
    BadRequest(String),
    /// The user may not do this.
    #[error("forbidden")]
    Forbidden,
    /// The link has expired or was revoked.
    #[error("{0}")]
    Gone(String),
    /// A dependency (database, RevRing) is unavailable; the message is safe to show.
    #[error("{0}")]
    Unavailable(String),
    /// Anything else: logged with its cause, shown as a generic message.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<sqlx::Error> for AppError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => AppError::NotFound,
            sqlx::Error::PoolTimedOut => {
                AppError::Unavailable("The database is busy. Please try again shortly.".into())
            }
            sqlx::Error::Database(ref db) if db.code().as_deref() == Some(QUERY_CANCELED) => {
                AppError::Unavailable(
                    "This took too long to prepare; Ringside may be busy. Please try again \
                     shortly."
                        .into(),
                )
            }
            other => AppError::Internal(other.into()),
        }
    }
}

/// SQLSTATE of a statement cancelled by `statement_timeout`.
pub(crate) const QUERY_CANCELED: &str = "57014";

/// Seconds an overloaded client is asked to wait (`Retry-After`) before trying again.
pub(crate) const RETRY_AFTER_SECS: u64 = 2;

impl From<tower_sessions::session::Error> for AppError {
    /// The session store is the database: when it fails, the database is busy or down.
    fn from(error: tower_sessions::session::Error) -> Self {
        tracing::warn!(%error, "session store unavailable");
        AppError::Unavailable("The database is busy. Please try again shortly.".into())
    }
}

impl From<askama::Error> for AppError {
    fn from(error: askama::Error) -> Self {
        AppError::Internal(error.into())
    }
}

impl AppError {
    fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn public_message(&self) -> Option<String> {
        match self {
            AppError::BadRequest(message)
            | AppError::Gone(message)
            | AppError::Unavailable(message) => Some(message.clone()),
            _ => None,
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let AppError::Internal(cause) = &self {
            tracing::error!(error = ?cause, "request failed");
        }
        let unavailable = matches!(self, AppError::Unavailable(_));
        let mut response = error_page(self.status(), self.public_message());
        if unavailable {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(RETRY_AFTER_SECS),
            );
        }
        response
    }
}

/// The error page, with a short explanation.
#[derive(Template)]
#[template(path = "kit/error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    heading: &'static str,
    message: String,
}

/// Renders the error page for `status`; `detail` replaces the standard explanation.
pub fn error_page(status: StatusCode, detail: Option<String>) -> Response {
    let (heading, standard) = explain(status);
    let page = ErrorPage {
        layout: Layout::bare(heading),
        status: status.as_u16(),
        heading,
        message: detail.unwrap_or_else(|| standard.to_owned()),
    };
    match page.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(_) => (status, heading).into_response(),
    }
}

fn explain(status: StatusCode) -> (&'static str, &'static str) {
    match status {
        StatusCode::BAD_REQUEST => ("Bad request", "The request could not be understood."),
        StatusCode::UNAUTHORIZED => ("Sign-in required", "Please sign in to continue."),
        StatusCode::FORBIDDEN => ("Not allowed", "Your role does not allow this action."),
        StatusCode::NOT_FOUND => ("Page not found", "There is nothing at this address."),
        StatusCode::METHOD_NOT_ALLOWED => (
            "Method not allowed",
            "This address does not accept that kind of request.",
        ),
        StatusCode::GONE => ("Link expired", "This link has expired or was revoked."),
        StatusCode::PAYLOAD_TOO_LARGE => ("Too large", "The submitted data is too large."),
        StatusCode::UNSUPPORTED_MEDIA_TYPE | StatusCode::UNPROCESSABLE_ENTITY => {
            ("Invalid form", "The submitted form could not be read.")
        }
        StatusCode::TOO_MANY_REQUESTS => (
            "Too many requests",
            "Please wait a moment before trying again.",
        ),
        StatusCode::SERVICE_UNAVAILABLE => (
            "Unavailable",
            "A service Ringside depends on is unavailable. Try again shortly.",
        ),
        status if status.is_server_error() => (
            "Something went wrong",
            "Ringside hit an unexpected error. It has been logged; please try again.",
        ),
        _ => ("Error", "The request could not be completed."),
    }
}
