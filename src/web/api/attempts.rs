//! `/api/v1/attempts/{id}` (one attempt with its transcript) and the exports of a run.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::attempts;
use crate::db::run_labels;
use crate::db::runs::RunRow;
use crate::web::api::auth::ApiCaller;
use crate::web::api::envelope::{Data, data};
use crate::web::api::error::{ApiError, ErrorBody};
use crate::web::api::extract::ApiPath;
use crate::web::runs::exports;

/// One attempt with its transcript.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AttemptDetailJson {
    /// Ringside's id.
    id: Uuid,
    /// Its run.
    run_id: Uuid,
    /// RevRing's id of the test case.
    test_case_id: String,
    /// The test case's name.
    test_case_name: String,
    /// 1-based attempt number within the case.
    attempt_number: i32,
    /// RevRing's verdict as sent; null while pending.
    result: Option<String>,
    /// The verdict that counts: `pass`, `fail` or `error` (null while pending or unknown).
    verdict: Option<String>,
    /// The judge's reasoning.
    reasoning: Option<String>,
    /// The conversation as RevRing sent it: entries with a role and the text said.
    #[schema(value_type = Vec<Object>)]
    transcript: serde_json::Value,
    /// When the call began.
    #[serde(with = "time::serde::rfc3339::option")]
    started_at: Option<OffsetDateTime>,
    /// When the attempt finished.
    #[serde(with = "time::serde::rfc3339::option")]
    completed_at: Option<OffsetDateTime>,
}

/// The attempt and export endpoints.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get))
        .routes(routes!(export_csv))
        .routes(routes!(export_junit))
        .routes(routes!(export_json))
}

/// One attempt of the team with its transcript.
#[utoipa::path(
    get,
    path = "/attempts/{id}",
    tag = "runs",
    params(("id" = Uuid, Path, description = "The attempt's id")),
    responses(
        (status = 200, description = "The attempt", body = Data<AttemptDetailJson>),
        (status = 400, description = "The id is not a UUID", body = ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 404, description = "No such attempt in this team", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(attempt_id): ApiPath<Uuid>,
) -> Result<Json<Data<AttemptDetailJson>>, ApiError> {
    let row = run_labels::attempt(&state.db, caller.team_id, attempt_id)
        .await?
        .ok_or_else(|| ApiError::not_found("attempt"))?;
    Ok(data(AttemptDetailJson {
        id: row.id,
        run_id: row.run_id,
        test_case_id: row.test_case_revring_id,
        test_case_name: row.test_case_name,
        attempt_number: row.attempt_number,
        verdict: row
            .result
            .as_ref()
            .and_then(|result| result.passed().map(|_| result.as_str().to_owned())),
        result: row.result.map(|result| result.as_str().to_owned()),
        reasoning: row.reasoning,
        transcript: row.transcript,
        started_at: row.started_at,
        completed_at: row.completed_at,
    }))
}

/// The run's CSV export: one row per attempt.
#[utoipa::path(
    get,
    path = "/runs/{id}/export.csv",
    tag = "runs",
    params(("id" = Uuid, Path, description = "The run's id")),
    responses(
        (status = 200, description = "One row per attempt", body = String, content_type = "text/csv"),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 404, description = "No such run in this team", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn export_csv(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(run_id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let (run, rows) = load(&state, &caller, run_id).await?;
    let body = exports::to_csv(&run, &rows).map_err(internal)?;
    Ok(download("text/csv; charset=utf-8", body))
}

/// The run's JUnit XML export: a `testcase` per attempt, failures with the judge's reasoning.
#[utoipa::path(
    get,
    path = "/runs/{id}/export.xml",
    tag = "runs",
    params(("id" = Uuid, Path, description = "The run's id")),
    responses(
        (status = 200, description = "JUnit XML", body = String, content_type = "application/xml"),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 404, description = "No such run in this team", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn export_junit(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(run_id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    let (run, rows) = load(&state, &caller, run_id).await?;
    let body = exports::to_junit(&run, &rows).map_err(internal)?;
    Ok(download("application/xml; charset=utf-8", body))
}

/// The run's JSON export: everything, with transcripts.
#[utoipa::path(
    get,
    path = "/runs/{id}/export.json",
    tag = "runs",
    params(("id" = Uuid, Path, description = "The run's id")),
    responses(
        (status = 200, description = "The run and its attempts with transcripts", body = Object, content_type = "application/json"),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 404, description = "No such run in this team", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn export_json(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(run_id): ApiPath<Uuid>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let (run, rows) = load(&state, &caller, run_id).await?;
    Ok(Json(exports::to_json(&run, &rows)))
}

async fn load(
    state: &AppState,
    caller: &ApiCaller,
    run_id: Uuid,
) -> Result<(RunRow, Vec<attempts::AttemptDetail>), ApiError> {
    let run = run_labels::get(&state.db, caller.team_id, run_id)
        .await?
        .ok_or_else(|| ApiError::not_found("run"))?;
    let rows = attempts::details_for_run(&state.db, caller.team_id, run_id).await?;
    Ok((run.into(), rows))
}

fn internal(error: crate::web::kit::error::AppError) -> ApiError {
    ApiError::from(anyhow::anyhow!("export failed: {error}"))
}

fn download(content_type: &'static str, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("private")),
        ],
        body,
    )
        .into_response()
}
