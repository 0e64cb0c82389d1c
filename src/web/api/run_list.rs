//! `GET /api/v1/runs` and `GET /api/v1/suites/{id}/runs`: the team's (or one suite's) runs,
//! newest first, filtered by suite, status, labels and creation time, paged by cursor.

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use time::OffsetDateTime;
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::run_labels::{self, RunFilter};
use crate::web::api::auth::ApiCaller;
use crate::web::api::envelope::{Cursor, List, page_of};
use crate::web::api::error::{ApiError, ErrorBody};
use crate::web::api::extract::ApiQuery;
use crate::web::api::labels::parse_label_filter;
use crate::web::api::runs::RunJson;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The team-wide list.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(list))
}

/// Runs per page unless `limit` says otherwise.
const DEFAULT_LIMIT: i64 = 25;

/// Most runs per page.
const MAX_LIMIT: i64 = 100;

/// Statuses a list can be filtered by.
const STATUSES: [&str; 5] = ["queued", "running", "completed", "failed", "cancelled"];

/// Filters and paging of a run list.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// Only this suite's runs (its id).
    suite: Option<String>,
    /// Only runs with this status: queued, running, completed, failed or cancelled.
    status: Option<String>,
    /// Only runs carrying these labels: `key=value`, several separated by commas.
    label: Option<String>,
    /// Only runs created at or after this time (RFC 3339, or a date like 2026-11-01).
    since: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Runs per page, 1 to 100 (default 25).
    limit: Option<i64>,
}

/// The suite's runs with the same filters (without `suite`).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct SuiteRunsQuery {
    /// Only runs with this status: queued, running, completed, failed or cancelled.
    status: Option<String>,
    /// Only runs carrying these labels: `key=value`, several separated by commas.
    label: Option<String>,
    /// Only runs created at or after this time (RFC 3339, or a date like 2026-11-01).
    since: Option<String>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Runs per page, 1 to 100 (default 25).
    limit: Option<i64>,
}

/// The team's runs, newest first, filtered and paged by cursor.
#[utoipa::path(
    get,
    path = "/runs",
    tag = "runs",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of runs, newest first", body = List<RunJson>),
        (status = 400, description = "A filter or the cursor is not valid", body = ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> Result<Json<List<RunJson>>, ApiError> {
    let suite_id = match query.suite.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(Uuid::parse_str(text).map_err(|_| {
            ApiError::bad_request(
                "`suite` must be a suite id (a UUID); GET /api/v1/suites lists them.",
            )
        })?),
    };
    let paging = SuiteRunsQuery {
        status: query.status,
        label: query.label,
        since: query.since,
        cursor: query.cursor,
        limit: query.limit,
    };
    runs_page(&state, &caller, suite_id, paging).await
}

/// A page of the team's runs (of one suite when `suite_id` is given) for `query`.
pub(crate) async fn runs_page(
    state: &AppState,
    caller: &ApiCaller,
    suite_id: Option<Uuid>,
    query: SuiteRunsQuery,
) -> Result<Json<List<RunJson>>, ApiError> {
    let status = match query.status.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) if STATUSES.contains(&text) => Some(text.to_owned()),
        Some(_) => {
            return Err(ApiError::bad_request(format!(
                "`status` must be one of {}.",
                STATUSES.join(", ")
            )));
        }
    };
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "`limit` must be between 1 and {MAX_LIMIT}."
        )));
    }
    let filter = RunFilter {
        suite_id,
        status,
        labels: parse_label_filter(query.label.as_deref())?,
        since: query.since.as_deref().map(parse_since).transpose()?,
        before: query
            .cursor
            .as_deref()
            .map(Cursor::decode)
            .transpose()?
            .map(|cursor| (cursor.created_at, cursor.id)),
    };
    let rows = run_labels::list(&state.db, caller.team_id, &filter, limit + 1, 0).await?;
    let (rows, next_cursor) = page_of(rows, limit, |run| Cursor {
        created_at: run.created_at,
        id: run.id,
    });
    Ok(Json(List {
        data: rows
            .into_iter()
            .map(|run| RunJson::from_row(state, run))
            .collect(),
        next_cursor,
    }))
}

/// Reads `since`: RFC 3339, or a calendar date (midnight UTC).
fn parse_since(text: &str) -> Result<OffsetDateTime, ApiError> {
    use time::format_description::well_known::Rfc3339;
    let text = text.trim();
    if let Ok(at) = OffsetDateTime::parse(text, &Rfc3339) {
        return Ok(at);
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &date_format)
        .map(|date| date.midnight().assume_utc())
        .map_err(|_| {
            ApiError::bad_request(
                "`since` must be a time like 2026-11-30T08:00:00Z or a date like 2026-11-30.",
            )
        })
}
