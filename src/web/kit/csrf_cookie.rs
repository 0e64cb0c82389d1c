//! CSRF tokens for visitors without a session (sign-in, first start, invitations), so that a
//! page with a form stores nothing: a signed double-submit cookie. The cookie holds a random
//! value, when it was issued and a signature under a key derived from the master key; the
//! form's hidden field must carry the same value. The cookie is `HttpOnly`, `SameSite=Strict`,
//! and `Secure` with the `__Host-` prefix behind https, so another site can neither read it nor
//! plant one; the signature refuses values Ringside did not issue. A session is created only
//! when someone signs in, and from then on the session's own token applies.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use time::{Duration, OffsetDateTime};
use tower_sessions::Session;
use tower_sessions::cookie::{Cookie, SameSite};

use crate::crypto::MasterKey;
use crate::web::kit::error::{AppError, error_page};

/// Name of the cookie over plain HTTP.
const COOKIE: &str = "ringside_csrf";

/// Name of the cookie behind https: `__Host-` makes browsers refuse it from a subdomain or
/// without `Secure`.
const SECURE_COOKIE: &str = "__Host-ringside_csrf";

/// Purpose of the signing key derived from the master key.
const PURPOSE: &str = "csrf-cookie";

/// How long an issued value is accepted (the browser drops the cookie then too).
const MAX_AGE: Duration = Duration::days(7);

/// Age after which a page gets a new value rather than the one the browser holds, so that a
/// form shown now stays usable for at least `MAX_AGE - REISSUE_AFTER`.
const REISSUE_AFTER: Duration = Duration::days(1);

/// The visitor's cookie token for one request: the valid value the browser sent, and the value
/// forms on this request's page carry (the same, or a new one set on the response if used).
#[derive(Debug)]
pub(crate) struct CookieToken {
    /// A valid value the browser sent, if any.
    presented: Option<String>,
    /// What forms carry.
    value: String,
    /// Whether `value` is new (it must then be set on the response).
    issued: bool,
    /// Whether a page used `value`.
    used: AtomicBool,
    /// Whether the site is served over https.
    secure: bool,
}

impl CookieToken {
    /// Reads the request's cookie, checking its signature and age, and prepares the value for
    /// this request's forms.
    pub(crate) fn read(headers: &HeaderMap, key: &MasterKey, secure: bool) -> Arc<Self> {
        let name = if secure { SECURE_COOKIE } else { COOKIE };
        let now = OffsetDateTime::now_utc();
        let presented = headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .flat_map(Cookie::split_parse)
            .filter_map(Result::ok)
            .filter(|cookie| cookie.name() == name)
            .map(|cookie| cookie.value().to_owned())
            .find_map(|value| issued_at(&value, key, now).map(|at| (value, at)));
        let (value, issued) = match &presented {
            Some((value, at)) if now - *at < REISSUE_AFTER => (value.clone(), false),
            _ => (issue(key, now), true),
        };
        Arc::new(Self {
            presented: presented.map(|(value, _)| value),
            value,
            issued,
            used: AtomicBool::new(false),
            secure,
        })
    }

    /// Whether `provided` (the form's field) matches the valid cookie the browser sent.
    pub(crate) fn accepts(&self, provided: &str) -> bool {
        self.presented
            .as_deref()
            .is_some_and(|expected| crate::auth::token::constant_time_eq(provided, expected))
    }

    /// The value for this page's forms (the cookie is set on the response if it is new).
    fn take(&self) -> String {
        self.used.store(true, Ordering::Relaxed);
        self.value.clone()
    }

    /// Sets the cookie on `response` when a page used a new value.
    pub(crate) fn finish(&self, mut response: Response) -> Response {
        if !self.issued || !self.used.load(Ordering::Relaxed) {
            return response;
        }
        let cookie = Cookie::build((
            if self.secure { SECURE_COOKIE } else { COOKIE },
            self.value.clone(),
        ))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(self.secure)
        .max_age(MAX_AGE)
        .build();
        match HeaderValue::from_str(&cookie.to_string()) {
            Ok(value) => {
                response.headers_mut().append(header::SET_COOKIE, value);
            }
            Err(error) => tracing::error!(%error, "could not set the CSRF cookie"),
        }
        response
    }
}

/// A new value: `<issued at>.<random>.<signature>`.
fn issue(key: &MasterKey, now: OffsetDateTime) -> String {
    let signed = format!(
        "{}.{}",
        now.unix_timestamp(),
        crate::auth::token::generate()
    );
    let tag = URL_SAFE_NO_PAD.encode(key.sign(PURPOSE, signed.as_bytes()));
    format!("{signed}.{tag}")
}

/// When `value` was issued, if Ringside issued it (valid signature) less than `MAX_AGE` ago.
fn issued_at(value: &str, key: &MasterKey, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let (signed, tag) = value.rsplit_once('.')?;
    let tag = URL_SAFE_NO_PAD.decode(tag).ok()?;
    if !key.verify(PURPOSE, signed.as_bytes(), &tag) {
        return None;
    }
    let (at, _) = signed.split_once('.')?;
    let at = OffsetDateTime::from_unix_timestamp(at.parse().ok()?).ok()?;
    (now - at < MAX_AGE && at <= now + Duration::minutes(5)).then_some(at)
}

/// The CSRF token a page's forms carry: the session's when the visitor has a session with one
/// (signed in), else the cookie token. Pages anyone may open take it instead of creating a
/// session (see `Layout::open`).
#[derive(Debug, Clone)]
pub(crate) struct FormToken(pub(crate) String);

impl<S: Send + Sync> FromRequestParts<S> for FormToken {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Response> {
        if let Some(session) = parts.extensions.get::<Session>() {
            match super::csrf::session_token(session).await {
                Ok(Some(token)) => return Ok(Self(token)),
                Ok(None) => {}
                Err(error) => return Err(AppError::from(error).into_response()),
            }
        }
        match parts.extensions.get::<Arc<CookieToken>>() {
            Some(cookie) => Ok(Self(cookie.take())),
            None => {
                tracing::error!("a form token was asked for outside the CSRF layer");
                Err(error_page(StatusCode::INTERNAL_SERVER_ERROR, None))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("other=1; {COOKIE}={value}")).unwrap(),
        );
        headers
    }

    #[test]
    fn only_values_ringside_signed_recently_are_accepted() {
        let key = MasterKey::generate();
        let now = OffsetDateTime::now_utc();
        let value = issue(&key, now);
        assert!(issued_at(&value, &key, now).is_some());
        let token = CookieToken::read(&with_cookie(&value), &key, false);
        assert!(token.accepts(&value));
        assert!(!token.issued, "a young cookie is reused");
        assert!(!token.accepts("forged"));

        let stale = issue(&key, now - MAX_AGE - Duration::seconds(1));
        assert!(issued_at(&stale, &key, now).is_none());
        let elsewhere = issue(&MasterKey::generate(), now);
        assert!(issued_at(&elsewhere, &key, now).is_none());
        let (signed, tag) = value.rsplit_once('.').unwrap();
        let altered = format!("{}9.{tag}", signed);
        assert!(issued_at(&altered, &key, now).is_none());

        let planted = CookieToken::read(&with_cookie(&elsewhere), &key, false);
        assert!(
            !planted.accepts(&elsewhere),
            "a value Ringside did not sign"
        );
        assert!(planted.issued);
    }

    #[test]
    fn a_new_value_is_set_only_when_a_page_used_it() {
        let key = MasterKey::generate();
        let unused = CookieToken::read(&HeaderMap::new(), &key, true);
        assert!(
            unused
                .finish(Response::new(().into()))
                .headers()
                .get(header::SET_COOKIE)
                .is_none()
        );
        let used = CookieToken::read(&HeaderMap::new(), &key, true);
        let value = used.take();
        let response = used.finish(Response::new(().into()));
        let set = response.headers()[header::SET_COOKIE].to_str().unwrap();
        assert!(
            set.starts_with(&format!("{SECURE_COOKIE}={value}")),
            "{set}"
        );
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(set.contains(part), "{set}");
        }
        assert!(!set.contains("Domain"), "{set}");
    }
}
