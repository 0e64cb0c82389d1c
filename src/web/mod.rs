//! HTTP only: the router, its middleware, and one module per area of the portal.

pub mod assets;
mod error_pages;
mod health;
mod home;
pub mod layout;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware;
use axum::routing::get;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::SessionManagerLayer;
use tower_sessions_sqlx_store::PostgresStore;
use tracing::Span;

use crate::error::AppError;
use crate::state::AppState;

/// Content-Security-Policy of every page: no inline scripts or styles, nothing from elsewhere,
/// never framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     media-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Builds the whole portal. Tests call this too, so they exercise the real stack.
pub fn router(state: AppState, sessions: SessionManagerLayer<PostgresStore>) -> Router {
    let pages = Router::new().route("/", get(home::show)).layer(sessions);

    Router::new()
        .merge(pages)
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/static/{*path}", get(assets::serve))
        .fallback(|| async { AppError::NotFound })
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(
                    TraceLayer::new_for_http()
                        .make_span_with(request_span)
                        .on_response(
                            |response: &axum::response::Response,
                             latency: std::time::Duration,
                             span: &Span| {
                                span.record("status", response.status().as_u16());
                                span.record("latency_ms", latency.as_millis() as u64);
                                tracing::info!(parent: span, "response");
                            },
                        ),
                )
                .layer(security_header(
                    header::CONTENT_SECURITY_POLICY,
                    CONTENT_SECURITY_POLICY,
                ))
                .layer(security_header(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
                .layer(security_header(header::X_FRAME_OPTIONS, "DENY"))
                .layer(security_header(header::REFERRER_POLICY, "same-origin"))
                .layer(middleware::from_fn(error_pages::render))
                .layer(CatchPanicLayer::new()),
        )
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// One span per request: method, matched route (not the raw path, which may hold tokens),
/// status and latency.
fn request_span(request: &Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    tracing::info_span!(
        "request",
        method = %request.method(),
        route,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    )
}
