//! HTTP only: the router, its middleware, and one folder per feature of the portal, each
//! mirroring its `templates/<feature>/` folder; `kit` holds the plumbing they share.

pub(crate) mod accounts;
mod alerts;
pub(crate) mod api;
pub(crate) mod cases;
pub mod kit;
pub(crate) mod runs;
mod schedules;
mod sharing;
mod suites;
pub mod trends;
mod triage;

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

use crate::app::state::AppState;
use crate::web::kit::error::AppError;

/// Content-Security-Policy of every page: no inline scripts or styles, nothing from elsewhere,
/// never framed.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
     media-src 'self'; style-src 'self'; script-src 'self'; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// Referrer-Policy of every response: full URLs only to this site, never beyond it (paths may
/// hold invitation or share tokens).
const REFERRER_POLICY: &str = "same-origin";

/// `Cache-Control` of every page that needs a session unless it sets its own: shared machines
/// and proxies keep nothing of a signed-in page.
const SESSION_CACHE_CONTROL: &str = "no-store";

/// `Strict-Transport-Security` when the public URL is https: browsers use https only, for a year.
const HSTS: &str = "max-age=31536000";

/// Builds the whole portal. Tests call this too, so they exercise the real stack.
pub fn router(state: AppState, sessions: SessionManagerLayer<PostgresStore>) -> Router {
    let https = state
        .settings
        .public_url
        .as_ref()
        .is_some_and(|url| url.scheme() == "https");
    let pages = Router::new()
        .merge(accounts::routes())
        .merge(suites::routes())
        .merge(runs::routes())
        .merge(trends::routes())
        .merge(sharing::routes())
        .merge(triage::routes())
        .merge(cases::routes())
        .merge(schedules::routes())
        .merge(alerts::routes());
    let pages = session_bearing(pages, state.clone(), sessions);

    let router = Router::new()
        .merge(pages)
        .merge(api::routes())
        .merge(sharing::public::routes())
        .route("/healthz", get(kit::health::healthz))
        .route("/readyz", get(kit::health::readyz))
        .merge(kit::metrics::routes())
        .route("/static/{*path}", get(kit::assets::serve))
        .fallback(|| async { AppError::NotFound })
        .layer(middleware::from_fn_with_state(
            state.clone(),
            kit::client_addr::resolve,
        ))
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
                .layer(security_header(header::REFERRER_POLICY, REFERRER_POLICY))
                .layer(middleware::from_fn(kit::metrics::track))
                .layer(middleware::from_fn(kit::error_pages::render))
                .layer(middleware::from_fn(kit::input::refuse_control_characters))
                .layer(middleware::from_fn_with_state(
                    kit::overload::Admission::default(),
                    kit::overload::admit,
                ))
                .layer(CatchPanicLayer::new()),
        );
    if https {
        router.layer(security_header(header::STRICT_TRANSPORT_SECURITY, HSTS))
    } else {
        router
    }
}

/// Wraps the pages that use sessions: first-start redirect to `/setup`, then CSRF checks on
/// every state-changing request, inside the session layer; their responses are not stored. The lead's and everyone's page
/// routers go through here so that no form escapes the CSRF check.
pub fn session_bearing(
    pages: Router<AppState>,
    state: AppState,
    sessions: SessionManagerLayer<PostgresStore>,
) -> Router<AppState> {
    pages
        .layer(security_header(
            header::CACHE_CONTROL,
            SESSION_CACHE_CONTROL,
        ))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            kit::csrf::protect,
        ))
        .layer(middleware::from_fn_with_state(state, accounts::setup::gate))
        .layer(sessions)
        .layer(middleware::from_fn(kit::overload::session_store_errors))
}

fn security_header(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

/// One span per request: method, matched route (not the raw path, which may hold tokens),
/// the client's address (see `kit::client_addr`), status and latency.
fn request_span(request: &Request) -> Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    tracing::info_span!(
        "request",
        method = %request.method(),
        route,
        client = tracing::field::Empty,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
    )
}
