//! Metrics for operators, in Prometheus text at `/metrics`: request latency by matched route
//! and status, upstream requests by endpoint and outcome, sync lag, runs in flight, open event
//! streams, database pool use. Off unless configured: with `RINGSIDE_METRICS_TOKEN` the portal
//! answers `/metrics` to that bearer token, with `RINGSIDE_METRICS_BIND` a separate listener
//! serves it (asking for the token too when one is set). Everything else 404s.
//!
//! Names: `ringside_http_request_duration_seconds{method,route,status}`,
//! `ringside_upstream_request_duration_seconds{endpoint,outcome}` (and its `_count` per
//! outcome), `ringside_sync_lag_seconds` (an attempt finished upstream → stored here),
//! `ringside_runs_in_flight`, `ringside_event_streams_open`,
//! `ringside_db_pool_connections{state}`, `ringside_db_pool_max_connections`.

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use secrecy::ExposeSecret;

use crate::app::state::AppState;

/// Histogram buckets, in seconds: from a fast page to a slow upstream call.
const BUCKETS: [f64; 12] = [
    0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Content type of the Prometheus text format.
const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Starts recording metrics in this process (once; later calls return the same handle).
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets(&BUCKETS)
            .expect("the buckets are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder is installed; /metrics will stay empty");
        }
        handle
    })
}

/// Records every request's latency by method, matched route (never the raw path, which may
/// hold tokens) and status. A no-op until [`install`] ran.
pub(crate) async fn track(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(request).await;
    metrics::histogram!(
        "ringside_http_request_duration_seconds",
        "method" => method,
        "route" => route,
        "status" => response.status().as_str().to_owned(),
    )
    .record(started.elapsed().as_secs_f64());
    response
}

/// Counts an open event stream while it lives.
pub(crate) struct OpenStream(());

impl OpenStream {
    /// One more open stream, until dropped.
    pub(crate) fn new() -> Self {
        metrics::gauge!("ringside_event_streams_open").increment(1.0);
        Self(())
    }
}

impl Drop for OpenStream {
    fn drop(&mut self) {
        metrics::gauge!("ringside_event_streams_open").decrement(1.0);
    }
}

/// `/metrics` on the portal's own address: only with the configured bearer token.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(portal_metrics))
}

/// The router of the separate metrics address (`RINGSIDE_METRICS_BIND`).
pub fn separate_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(separate_metrics))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .with_state(state)
}

async fn portal_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    match &state.settings.metrics_token {
        Some(_) if authorized(&state, &headers) => exposition(&state).await,
        Some(_) => unauthorized(),
        // Off: as if there were no such page.
        None => crate::web::kit::error::AppError::NotFound.into_response(),
    }
}

async fn separate_metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if state.settings.metrics_token.is_some() && !authorized(&state, &headers) {
        return unauthorized();
    }
    exposition(&state).await
}

/// Whether `Authorization: Bearer …` carries the configured token (compared in constant time).
fn authorized(state: &AppState, headers: &HeaderMap) -> bool {
    let Some(expected) = &state.settings.metrics_token else {
        return false;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or("");
    crate::auth::token::constant_time_eq(given.trim(), expected.expose_secret())
}

fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
        "Metrics need the bearer token set in RINGSIDE_METRICS_TOKEN.\n",
    )
        .into_response()
}

/// Samples the gauges read at scrape time, then renders everything recorded.
async fn exposition(state: &AppState) -> Response {
    let handle = install();
    let pool = &state.db;
    let idle = pool.num_idle() as f64;
    let size = f64::from(pool.size());
    metrics::gauge!("ringside_db_pool_connections", "state" => "idle").set(idle);
    metrics::gauge!("ringside_db_pool_connections", "state" => "in_use").set(size - idle);
    metrics::gauge!("ringside_db_pool_max_connections")
        .set(f64::from(pool.options().get_max_connections()));
    match crate::db::runs::count_polled(pool).await {
        Ok(count) => metrics::gauge!("ringside_runs_in_flight").set(count as f64),
        Err(error) => tracing::warn!(%error, "metrics: counting runs in flight failed"),
    }
    handle.run_upkeep();
    ([(header::CONTENT_TYPE, PROMETHEUS_TEXT)], handle.render()).into_response()
}
