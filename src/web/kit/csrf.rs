//! CSRF protection for every state-changing request on the session-bearing router, applied as
//! one middleware so that no handler can forget it.
//!
//! Two independent checks, both required for POST, PUT, PATCH and DELETE:
//! 1. Where the request comes from: a `Sec-Fetch-Site` other than `same-origin` (or `none`, a
//!    user-typed request) is refused, and so is an `Origin` that is not this site.
//! 2. A secret token: the `csrf_token` field of an urlencoded form (every form carries it
//!    through `Layout::csrf_token`), or the `X-CSRF-Token` header for scripts. A signed-in
//!    session has its own token; a visitor without one (sign-in, first start, invitations) gets
//!    a signed double-submit cookie instead (`csrf_cookie`), so those pages store no session.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tower_sessions::Session;

use crate::app::state::{AppState, WebSettings};
use crate::auth::token;
use crate::web::kit::csrf_cookie::CookieToken;
use crate::web::kit::error::error_page;

/// Name of the hidden form field carrying the token.
pub(crate) const CSRF_FIELD: &str = "csrf_token";

/// Header carrying the token for requests that are not urlencoded forms.
pub(crate) const CSRF_HEADER: &str = "x-csrf-token";

/// Session key of the token.
const SESSION_KEY: &str = "csrf.token";

/// Largest form body read to find the token (forms here are small; 1 MiB is generous).
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// What the user sees when a request is refused.
const REFUSAL: &str = "This form has expired or was not sent from a Ringside page. Go back, \
                       reload the page and try again.";

/// The session's CSRF token, if it has one (a signed-in session does).
pub(crate) async fn session_token(
    session: &Session,
) -> Result<Option<String>, tower_sessions::session::Error> {
    session.get::<String>(SESSION_KEY).await
}

/// The signed-in session's CSRF token, created on first use. Pages anyone may open use
/// `csrf_cookie::FormToken` instead, which never creates a session.
pub(crate) async fn token(session: &Session) -> String {
    match session.get::<String>(SESSION_KEY).await {
        Ok(Some(token)) => token,
        _ => renew(session).await,
    }
}

/// Replaces the session's token (at sign-in, so a token seen before cannot be replayed).
pub(crate) async fn renew(session: &Session) -> String {
    let fresh = token::generate();
    if let Err(error) = session.insert(SESSION_KEY, fresh.clone()).await {
        tracing::warn!(%error, "could not store the CSRF token");
    }
    fresh
}

/// Middleware: refuses state-changing requests from elsewhere or without the token of the
/// session (signed in) or of the visitor's CSRF cookie (no session), and sets that cookie when
/// a page without a session shows a form.
pub(crate) async fn protect(
    State(state): State<AppState>,
    mut request: Request,
    next: Next,
) -> Response {
    let settings: &Arc<WebSettings> = &state.settings;
    let cookie = CookieToken::read(
        request.headers(),
        &state.master_key,
        settings.secure_cookies,
    );
    request.extensions_mut().insert(cookie.clone());
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return cookie.finish(next.run(request).await);
    }
    if !same_origin(request.headers(), settings) {
        tracing::warn!("refused a cross-site request");
        return refuse();
    }
    let Some(session) = request.extensions().get::<Session>().cloned() else {
        tracing::error!("CSRF check without a session layer");
        return refuse();
    };
    let expected = match session_token(&session).await {
        Ok(expected) => expected,
        Err(_) => return refuse(),
    };
    let (request, provided) = match submitted_token(request).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let valid = provided.is_some_and(|provided| match &expected {
        Some(expected) => token::constant_time_eq(&provided, expected),
        None => cookie.accepts(&provided),
    });
    if !valid {
        tracing::warn!("refused a request without a valid CSRF token");
        return refuse();
    }
    cookie.finish(next.run(request).await)
}

fn refuse() -> Response {
    error_page(StatusCode::FORBIDDEN, Some(REFUSAL.to_owned()))
}

/// Fetch metadata and `Origin` both say the request comes from this site (when present).
fn same_origin(headers: &HeaderMap, settings: &WebSettings) -> bool {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    if let Some(site) = header("sec-fetch-site")
        && site != "same-origin"
        && site != "none"
    {
        return false;
    }
    let Some(origin) = header(header::ORIGIN.as_str()) else {
        return true;
    };
    let Ok(origin) = url::Url::parse(origin) else {
        return false;
    };
    if origin.host_str().is_none() {
        return false;
    }
    // This site as the request reached it: the public URL when set (behind a proxy), else
    // the `Host` header over plain HTTP (the portal itself serves no TLS).
    let this_site = match &settings.public_url {
        Some(public) => public.origin(),
        None => match header(header::HOST.as_str())
            .and_then(|host| url::Url::parse(&format!("http://{host}/")).ok())
        {
            Some(url) => url.origin(),
            None => return false,
        },
    };
    // Scheme, host and port must all match (`https://host:port` is not `http://host:port`).
    origin.origin() == this_site
}

/// The token from the header, or from the urlencoded body (which is put back for the handler).
async fn submitted_token(request: Request) -> Result<(Request, Option<String>), Response> {
    if let Some(value) = request.headers().get(CSRF_HEADER) {
        let provided = value.to_str().ok().map(str::to_owned);
        return Ok((request, provided));
    }
    let is_form = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|content_type| content_type.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| error_page(StatusCode::PAYLOAD_TOO_LARGE, None))?;
    let provided = url::form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == CSRF_FIELD)
        .map(|(_, value)| value.into_owned());
    Ok((Request::from_parts(parts, Body::from(bytes)), provided))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn settings(public: Option<&str>) -> WebSettings {
        WebSettings {
            revring_base_url: "http://127.0.0.1:1/v1".parse().unwrap(),
            secure_cookies: false,
            metrics_token: None,
            public_url: public.map(|url| url.parse().unwrap()),
            trusted_proxies: Vec::new(),
            setup_token: None,
            share_max_days: None,
        }
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn same_site_requests_pass_and_cross_site_ones_do_not() {
        let local = settings(None);
        assert!(same_origin(&headers(&[("host", "127.0.0.1:3000")]), &local));
        assert!(same_origin(
            &headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "http://127.0.0.1:3000"),
                ("sec-fetch-site", "same-origin"),
            ]),
            &local
        ));
        assert!(!same_origin(
            &headers(&[("host", "127.0.0.1:3000"), ("sec-fetch-site", "cross-site")]),
            &local
        ));
        assert!(!same_origin(
            &headers(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "https://evil.example")
            ]),
            &local
        ));
        assert!(!same_origin(
            &headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]),
            &local
        ));
    }

    #[test]
    fn another_scheme_or_port_is_another_site() {
        let local = settings(None);
        for origin in [
            "https://127.0.0.1:3000",
            "http://127.0.0.1:3001",
            "http://127.0.0.1",
        ] {
            let mut map = headers(&[("host", "127.0.0.1:3000")]);
            map.insert("origin", HeaderValue::from_str(origin).unwrap());
            assert!(!same_origin(&map, &local), "{origin}");
        }
        let public = settings(Some("https://ringside.example.com/"));
        assert!(!same_origin(
            &headers(&[
                ("host", "ringside.example.com"),
                ("origin", "http://ringside.example.com")
            ]),
            &public
        ));
    }

    #[test]
    fn the_public_url_origin_is_accepted_behind_a_proxy() {
        let public = settings(Some("https://ringside.example.com/"));
        assert!(same_origin(
            &headers(&[
                ("host", "10.0.0.5:3000"),
                ("origin", "https://ringside.example.com")
            ]),
            &public
        ));
    }
}
