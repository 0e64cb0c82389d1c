//! The simulator's router: the RevRing API under `/v1` and the admin endpoints under `/_sim`.
//!
//! Every `/v1` request is first counted ([`stats::middleware`], outermost), then passes the fault
//! injector ([`faults::middleware`]), then reaches its handler, which authenticates it.

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

use super::state::AppState;
use super::{
    error, faults, generate, routes_admin as admin, routes_agents as agents, routes_calls as calls,
    routes_runs as runs, routes_suites as suites, routes_tests as tests, stats,
};

/// Builds the whole router over `state`.
pub(super) fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/test-suites", get(suites::list).post(suites::create))
        .route(
            "/test-suites/{id}",
            get(suites::get)
                .patch(suites::update)
                .delete(suites::delete),
        )
        .route(
            "/test-suites/{id}/tests",
            get(tests::list).post(tests::create),
        )
        .route(
            "/test-suites/{id}/tests/{test_id}",
            get(tests::get).patch(tests::update).delete(tests::delete),
        )
        .route("/test-suites/{id}/generate-tests", post(generate::generate))
        .route("/test-suites/{id}/runs", get(runs::list).post(runs::start))
        .route("/test-suites/{id}/runs/{run_id}", get(runs::get))
        .route("/test-suites/{id}/runs/{run_id}/cancel", post(runs::cancel))
        .route("/agents", get(agents::list))
        .route("/agents/batch-get", post(agents::batch_get))
        .route("/agents/{id}", get(agents::get))
        .route("/calls", get(calls::list))
        .route("/calls/batch-get", post(calls::batch_get))
        .route("/calls/{id}", get(calls::get))
        .route("/calls/{id}/cancel", post(calls::cancel))
        .route("/recordings/{file}", get(calls::recording))
        .fallback(error::route_not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(from_fn_with_state(state.clone(), faults::middleware))
        .layer(from_fn_with_state(state.clone(), stats::middleware));
    let admin = Router::new()
        .route(
            "/faults",
            get(admin::get_faults)
                .put(admin::put_faults)
                .delete(admin::clear_faults),
        )
        .route("/stats", get(admin::get_stats))
        .route("/stats/reset", post(admin::reset_stats))
        .route("/health", get(admin::health));
    Router::new()
        .nest("/v1", api)
        .nest("/_sim", admin)
        .fallback(error::route_not_found)
        .with_state(state)
}
