//! `/api/v1/suites/{id}/trend`: how a suite has been doing, optionally on one branch or
//! environment: finished runs over a window, their pass rates, newest first.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::run_labels::{self, RunFilter};
use crate::db::suites;
use crate::domain::labels::{self, Labels};
use crate::web::api::auth::ApiCaller;
use crate::web::api::envelope::fraction;
use crate::web::api::envelope::{Data, data};
use crate::web::api::error::{ApiError, ErrorBody};
use crate::web::api::extract::{ApiPath, ApiQuery};
use crate::web::kit::labels::explain;

/// Days of history unless `days` says otherwise.
const DEFAULT_DAYS: i64 = 30;

/// Longest window.
const MAX_DAYS: i64 = 365;

/// Most runs summarised.
const MAX_RUNS: i64 = 500;

/// The window and narrowing of a trend.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TrendQuery {
    /// Days of history, 1 to 365 (default 30).
    days: Option<i64>,
    /// Only runs labelled with this branch.
    branch: Option<String>,
    /// Only runs labelled with this environment.
    environment: Option<String>,
}

/// A suite's trend summary.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TrendJson {
    /// The suite.
    suite_id: Uuid,
    /// Days of history summarised.
    days: i64,
    /// The branch it is narrowed to, if any.
    branch: Option<String>,
    /// The environment it is narrowed to, if any.
    environment: Option<String>,
    /// Finished runs with at least one verdict in the window.
    runs: usize,
    /// Judged attempts in those runs.
    attempts_judged: i64,
    /// Passed attempts in those runs.
    attempts_passed: i64,
    /// Share of judged attempts that passed over the window, 0 to 1.
    pass_rate: Option<f64>,
    /// The runs, newest first.
    points: Vec<TrendPoint>,
}

/// One run in a trend.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct TrendPoint {
    /// The run.
    run_id: Uuid,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    /// Its status.
    status: String,
    /// Its pass rate, 0 to 1.
    pass_rate: Option<f64>,
}

/// The trend endpoint.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(get))
}

/// The suite's trend summary over the last `days`, optionally on one branch or environment.
#[utoipa::path(
    get,
    path = "/suites/{id}/trend",
    tag = "suites",
    params(("id" = Uuid, Path, description = "The suite's id"), TrendQuery),
    responses(
        (status = 200, description = "The trend summary", body = Data<TrendJson>),
        (status = 400, description = "`days`, `branch` or `environment` is not valid", body = ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 404, description = "No such suite in this team", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(suite_id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<TrendQuery>,
) -> Result<Json<Data<TrendJson>>, ApiError> {
    suites::get(&state.db, caller.team_id, suite_id)
        .await?
        .ok_or_else(|| ApiError::not_found("suite"))?;
    let days = query.days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::bad_request(format!(
            "`days` must be between 1 and {MAX_DAYS}."
        )));
    }
    let branch = query
        .branch
        .map(|b| b.trim().to_owned())
        .filter(|b| !b.is_empty());
    let environment = query
        .environment
        .map(|e| e.trim().to_owned())
        .filter(|e| !e.is_empty());
    let mut wanted = Labels::new();
    for (key, value) in [("branch", &branch), ("environment", &environment)] {
        if let Some(value) = value {
            labels::add_label(&mut wanted, key, value)
                .map_err(|e| ApiError::bad_request(explain(&e)))?;
        }
    }
    let filter = RunFilter {
        suite_id: Some(suite_id),
        labels: serde_json::to_value(wanted).unwrap_or_default(),
        since: Some(OffsetDateTime::now_utc() - time::Duration::days(days)),
        ..RunFilter::default()
    };
    let rows = run_labels::list(&state.db, caller.team_id, &filter, MAX_RUNS, 0).await?;
    let finished: Vec<_> = rows
        .into_iter()
        .filter(|run| run.status.is_terminal() && run.attempts_passed + run.attempts_failed > 0)
        .collect();
    let judged: i64 = finished
        .iter()
        .map(|run| i64::from(run.attempts_passed + run.attempts_failed))
        .sum();
    let passed: i64 = finished
        .iter()
        .map(|run| i64::from(run.attempts_passed))
        .sum();
    Ok(data(TrendJson {
        suite_id,
        days,
        branch,
        environment,
        runs: finished.len(),
        attempts_judged: judged,
        attempts_passed: passed,
        pass_rate: (judged > 0).then(|| passed as f64 / judged as f64),
        points: finished
            .into_iter()
            .map(|run| TrendPoint {
                run_id: run.id,
                created_at: run.created_at,
                status: run.status.as_str().to_owned(),
                pass_rate: fraction(
                    run.attempts_passed,
                    run.attempts_passed + run.attempts_failed,
                ),
            })
            .collect(),
    }))
}
