//! HTTP only: the router, its middleware, and one module per area of the portal.

mod account;
pub mod assets;
mod attempt_page;
mod attempts;
mod audit;
pub mod auth;
pub mod case_grid;
pub mod case_history;
pub mod charts;
pub mod compare;
pub mod csrf;
mod error_pages;
pub mod exports;
pub mod form;
pub mod format;
mod health;
pub mod home;
mod invite;
pub mod keys;
pub mod layout;
mod login;
mod recording;
mod run_page;
pub mod run_views;
pub(crate) mod runs;
mod search;
mod setup;
mod shared;
mod shares;
pub(crate) mod suites;
pub(crate) mod team;
pub mod trends;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware;
use axum::routing::{get, post};
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

/// Referrer-Policy of every response: full URLs only to this site, never beyond it (paths may
/// hold invitation or share tokens).
const REFERRER_POLICY: &str = "same-origin";

/// Builds the whole portal. Tests call this too, so they exercise the real stack.
pub fn router(state: AppState, sessions: SessionManagerLayer<PostgresStore>) -> Router {
    let pages = Router::new()
        .route("/", get(home::show))
        .route("/setup", get(setup::show).post(setup::create))
        .route("/login", get(login::show).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/logout/everywhere", post(login::logout_everywhere))
        .route("/account", get(account::show))
        .route("/teams", post(account::create_team))
        .route("/teams/switch", post(account::switch))
        .route("/team", get(team::show))
        .route("/team/invitations", post(team::invite))
        .route(
            "/team/invitations/{id}/revoke",
            post(team::revoke_invitation),
        )
        .route("/team/members/{user_id}/role", post(team::change_role))
        .route("/team/members/{user_id}/remove", post(team::remove))
        .route("/team/leave", post(team::leave))
        .route("/invite/{token}", get(invite::show).post(invite::accept))
        .route("/keys", get(keys::show).post(keys::add))
        .route("/keys/{id}/rotate", post(keys::rotate))
        .route("/keys/{id}/revoke", post(keys::revoke))
        .route("/audit", get(audit::show))
        .route("/suites", get(suites::index))
        .route("/suites/refresh", post(suites::refresh))
        .route("/suites/{id}", get(suites::show))
        .route("/suites/{id}/runs", post(suites::start))
        .route("/suites/{id}/trend", get(trends::show))
        .route("/suites/{id}/cases", get(case_history::history))
        .route("/suites/{id}/flaky", get(case_history::flaky))
        .route("/compare", get(compare::show))
        .route("/compare/case", get(compare::case))
        .route("/runs", get(runs::index))
        .route("/runs/{id}", get(runs::show))
        .route("/runs/{id}/events", get(runs::events))
        .route("/runs/{id}/cancel", post(runs::cancel))
        .route("/runs/{id}/export.csv", get(attempts::export_csv))
        .route("/runs/{id}/export.xml", get(attempts::export_junit))
        .route("/runs/{id}/export.json", get(attempts::export_json))
        .route("/search", get(search::show))
        .route("/share", post(shares::create))
        .route("/shares", get(shares::index))
        .route("/shares/{id}/revoke", post(shares::revoke))
        .route("/runs/{run_id}/attempts/{attempt_id}", get(attempts::show))
        .route(
            "/runs/{run_id}/attempts/{attempt_id}/recording",
            get(attempts::recording),
        );
    let pages = session_bearing(pages, state.clone(), sessions);

    Router::new()
        .merge(pages)
        .merge(shared::routes())
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
                .layer(security_header(header::REFERRER_POLICY, REFERRER_POLICY))
                .layer(middleware::from_fn(error_pages::render))
                .layer(CatchPanicLayer::new()),
        )
}

/// Wraps the pages that use sessions: first-start redirect to `/setup`, then CSRF checks on
/// every state-changing request, inside the session layer. The lead's and everyone's page
/// routers go through here so that no form escapes the CSRF check.
pub fn session_bearing(
    pages: Router<AppState>,
    state: AppState,
    sessions: SessionManagerLayer<PostgresStore>,
) -> Router<AppState> {
    pages
        .layer(middleware::from_fn_with_state(state.clone(), csrf::protect))
        .layer(middleware::from_fn_with_state(state, setup::gate))
        .layer(sessions)
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
