//! Turns every error response that is not already a page (framework rejections, panics, 405s)
//! into the standard error page, so users never see a bare text or an empty body.

use axum::extract::Request;
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::web::kit::error::error_page;

/// Largest rejection text kept as the page's explanation.
const MAX_DETAIL_BYTES: usize = 400;

/// Headers of the original response that still matter on the error page.
const KEPT_HEADERS: [header::HeaderName; 3] =
    [header::RETRY_AFTER, header::ALLOW, header::WWW_AUTHENTICATE];

/// Middleware: replaces non-HTML error responses by the error page.
pub(crate) async fn render(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) || is_structured(response.headers())
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    // Client errors from the framework explain themselves in plain text; keep that explanation.
    // Server errors never show their cause.
    let detail = if status.is_client_error() {
        axum::body::to_bytes(body, MAX_DETAIL_BYTES * 4)
            .await
            .ok()
            .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
            .filter(|text| !text.is_empty())
            .map(|text| text.chars().take(MAX_DETAIL_BYTES).collect())
    } else {
        None
    };
    let mut page = error_page(status, detail);
    for name in KEPT_HEADERS {
        if let Some(value) = parts.headers.get(&name) {
            page.headers_mut().insert(name, value.clone());
        }
    }
    page
}

fn is_structured(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|content_type| {
            [
                "text/html",
                "application/json",
                "text/event-stream",
                "application/xml",
                "text/csv",
            ]
            .iter()
            .any(|kind| content_type.starts_with(kind))
        })
}
