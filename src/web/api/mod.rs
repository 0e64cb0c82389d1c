//! The JSON API under `/api/v1`, for scripts and CI: bearer tokens of one team with a scope
//! (`auth.rs`, no cookies so no CSRF), JSON errors with stable codes (`error.rs`), the
//! `{"data": …}` / `{"data": […], "next_cursor": …}` envelopes and cursors (`envelope.rs`),
//! per-token rate limiting (`rate_limit.rs`), and one file per resource. The OpenAPI 3.1
//! document at `/api/v1/openapi.json` is generated from the handlers, so it cannot miss a route.
//!
//! Adding an endpoint:
//! 1. In the resource's file (or a new `src/web/api/<resource>.rs` with a `routes()` like
//!    `suites::routes`), write the handler taking `State<AppState>` and `ApiCaller` (call
//!    `caller.require(&state, Scope::Run, "starting runs")` for anything beyond reading), scope
//!    every query by `caller.team_id`, return `Result<Json<Data<T>>, ApiError>` (or `List<T>`)
//!    and use `ApiPath`/`ApiQuery`/`ApiJson` so bad input gets a JSON error.
//! 2. Annotate it with `#[utoipa::path(get, path = "/things/{id}", tag = "things",
//!    params(...), responses(...), security(("bearer" = [])))]` (paths are relative to
//!    `/api/v1`); give its JSON types `#[derive(Serialize, ToSchema)]` with doc comments.
//! 3. Register it with `.routes(routes!(handler))` in that file's `routes()` (never a plain
//!    `.route`, which would leave it out of the document), and for a new file add its
//!    `.merge(things::routes())` line in [`api_router`] below.
//! 4. Add its line to `OPERATIONS` in `tests/it/api/route_table.rs` (a valid request, what the
//!    owner gets, what another team gets): that test fails until every documented operation
//!    has one.
//!
//! `tests/it/api/openapi.rs` checks the document against real responses.

mod alerts;
mod attempts;
pub(crate) mod auth;
pub(crate) mod envelope;
pub(crate) mod error;
pub(crate) mod extract;
mod labels;
pub(crate) mod rate_limit;
mod run_list;
mod runs;
mod schedules;
mod suites;
mod trend;
mod triage;

use std::sync::Arc;

use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Extension, Router};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{InfoBuilder, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::app::state::AppState;
use crate::web::api::error::ApiError;
use crate::web::api::rate_limit::RateLimiter;

/// Where the API lives.
pub(crate) const PREFIX: &str = "/api/v1";

/// Every endpoint with its OpenAPI description, paths relative to [`PREFIX`].
fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(suites::routes())
        .merge(run_list::routes())
        .merge(runs::routes())
        .merge(attempts::routes())
        .merge(trend::routes())
        .merge(triage::routes())
        .merge(schedules::routes())
        .merge(alerts::routes())
}

/// Adds the title, description and the bearer security scheme to the generated document.
fn describe(mut api: OpenApi) -> OpenApi {
    api.info = InfoBuilder::new()
        .title("Ringside API")
        .version("1")
        .description(Some(
            "Suites, runs, attempts and trends of one team, for scripts and CI. Send a team API \
             token as `Authorization: Bearer rst_…`.",
        ))
        .build();
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
    );
    api
}

/// The `/api/v1` routes: outside the session and CSRF layers (no cookies are read or set), with
/// their own rate limiter, JSON 404/405 answers and the document at `/api/v1/openapi.json`.
pub(crate) fn routes() -> Router<AppState> {
    let (router, api) = OpenApiRouter::<AppState>::new()
        .nest(PREFIX, api_router())
        .split_for_parts();
    let document: Arc<str> = serde_json::to_string(&describe(api))
        .unwrap_or_else(|_| "{}".into())
        .into();
    router
        .route(
            &format!("{PREFIX}/openapi.json"),
            get(move || {
                let document = document.clone();
                async move {
                    (
                        [(header::CONTENT_TYPE, "application/json")],
                        document.to_string(),
                    )
                        .into_response()
                }
            }),
        )
        .route(
            &format!("{PREFIX}/{{*rest}}"),
            get(not_found).post(not_found),
        )
        .method_not_allowed_fallback(method_not_allowed)
        .layer(Extension(Arc::new(RateLimiter::default())))
}

async fn not_found() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::NOT_FOUND,
        "not_found",
        "There is no API endpoint at this address; see /api/v1/openapi.json.",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "This endpoint does not accept that method; see /api/v1/openapi.json.",
    )
}
