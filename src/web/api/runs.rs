//! `/api/v1/runs` and `/api/v1/suites/{id}/runs`: lists with filters and cursors, one run with
//! its attempts and effective verdicts, starting (idempotent) and cancelling, and the exports.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::Scope;
use crate::db::attempts::{self, AttemptRow};
use crate::db::audit::{self, AuditAction};
use crate::db::run_labels::{self, LabelledRun, RunFilter};
use crate::db::suites;
use crate::sync::start::{self, StartOutcome};
use crate::web::api::auth::ApiCaller;
use crate::web::api::envelope::fraction;
use crate::web::api::envelope::{Cursor, Data, List, data, page_of};
use crate::web::api::error::{ApiError, ErrorBody};
use crate::web::api::extract::{ApiPath, ApiQuery};
use crate::web::api::labels::{labels_from_map, parse_label_filter};

/// Runs per page unless `limit` says otherwise.
const DEFAULT_LIMIT: i64 = 25;

/// Most runs per page.
const MAX_LIMIT: i64 = 100;

/// Longest `Idempotency-Key` accepted.
const MAX_IDEMPOTENCY_KEY_CHARS: usize = 255;

/// Longest run name RevRing accepts.
const MAX_RUN_NAME_CHARS: usize = 128;

/// Statuses a list can be filtered by.
const STATUSES: [&str; 5] = ["queued", "running", "completed", "failed", "cancelled"];

/// A run.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RunJson {
    /// Ringside's id.
    pub(crate) id: Uuid,
    /// Its suite.
    pub(crate) suite_id: Uuid,
    /// The suite's name.
    pub(crate) suite_name: String,
    /// The run's name, if any.
    pub(crate) name: Option<String>,
    /// `queued`, `running`, `completed`, `failed` or `cancelled` (RevRing's spelling).
    pub(crate) status: String,
    /// When RevRing created it.
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created_at: OffsetDateTime,
    /// When calls began.
    #[serde(with = "time::serde::rfc3339::option")]
    pub(crate) started_at: Option<OffsetDateTime>,
    /// When it ended.
    #[serde(with = "time::serde::rfc3339::option")]
    pub(crate) completed_at: Option<OffsetDateTime>,
    /// Attempts in the run.
    pub(crate) attempts_total: i32,
    /// Attempts judged so far.
    pub(crate) attempts_done: i32,
    /// Attempts passed.
    pub(crate) attempts_passed: i32,
    /// Attempts failed or errored.
    pub(crate) attempts_failed: i32,
    /// Share of judged attempts that passed, 0 to 1 (null before the first verdict).
    pub(crate) pass_rate: Option<f64>,
    /// Labels: branch, commit, commit_url, build_url, environment and free tags.
    pub(crate) labels: BTreeMap<String, String>,
    /// The run's page in the portal.
    pub(crate) url: String,
    /// Its attempts (only on `GET /api/v1/runs/{id}` and after a start or cancel).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) attempts: Option<Vec<AttemptJson>>,
}

/// An attempt in a run.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct AttemptJson {
    /// Ringside's id (`GET /api/v1/attempts/{id}` has the transcript).
    id: Uuid,
    /// RevRing's id of the test case.
    test_case_id: String,
    /// The test case's name.
    test_case_name: String,
    /// 1-based attempt number within the case.
    attempt_number: i32,
    /// RevRing's verdict as sent (`pass`, `fail`, `error`, …); null while pending.
    result: Option<String>,
    /// The verdict that counts: `pass`, `fail` or `error` (null while pending or unknown).
    verdict: Option<String>,
    /// The judge's reasoning.
    reasoning: Option<String>,
    /// When the attempt finished.
    #[serde(with = "time::serde::rfc3339::option")]
    completed_at: Option<OffsetDateTime>,
}

impl RunJson {
    /// The JSON of a stored run.
    pub(crate) fn from_row(state: &AppState, run: LabelledRun) -> Self {
        let path = format!("/runs/{}", run.id);
        let url = match &state.settings.public_url {
            Some(base) => base.join(&path).map_or(path, |url| url.to_string()),
            None => path,
        };
        Self {
            pass_rate: fraction(
                run.attempts_passed,
                run.attempts_passed + run.attempts_failed,
            ),
            id: run.id,
            suite_id: run.suite_id,
            suite_name: run.suite_name,
            name: run.name,
            status: run.status.as_str().to_owned(),
            created_at: run.created_at,
            started_at: run.started_at,
            completed_at: run.completed_at,
            attempts_total: run.attempts_total,
            attempts_done: run.attempts_done,
            attempts_passed: run.attempts_passed,
            attempts_failed: run.attempts_failed,
            labels: serde_json::from_value(run.labels).unwrap_or_default(),
            url,
            attempts: None,
        }
    }
}

impl From<AttemptRow> for AttemptJson {
    fn from(row: AttemptRow) -> Self {
        Self {
            id: row.id,
            test_case_id: row.test_case_revring_id,
            test_case_name: row.test_case_name,
            attempt_number: row.attempt_number,
            verdict: row
                .result
                .as_ref()
                .and_then(|result| result.passed().map(|_| result.as_str().to_owned())),
            result: row.result.map(|result| result.as_str().to_owned()),
            reasoning: row.reasoning,
            completed_at: row.completed_at,
        }
    }
}

/// The runs endpoints.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(list_for_suite, start_run))
        .routes(routes!(get))
        .routes(routes!(cancel))
}

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

/// One suite's runs, newest first, filtered and paged by cursor.
#[utoipa::path(
    get,
    path = "/suites/{id}/runs",
    tag = "runs",
    params(("id" = Uuid, Path, description = "The suite's id"), SuiteRunsQuery),
    responses(
        (status = 200, description = "A page of the suite's runs", body = List<RunJson>),
        (status = 400, description = "A filter or the cursor is not valid", body = ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 404, description = "No such suite in this team", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_for_suite(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(suite_id): ApiPath<Uuid>,
    ApiQuery(query): ApiQuery<SuiteRunsQuery>,
) -> Result<Json<List<RunJson>>, ApiError> {
    suites::get(&state.db, caller.team_id, suite_id)
        .await?
        .ok_or_else(|| ApiError::not_found("suite"))?;
    runs_page(&state, &caller, Some(suite_id), query).await
}

async fn runs_page(
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

/// One run of the team with its attempts and their effective verdicts.
#[utoipa::path(
    get,
    path = "/runs/{id}",
    tag = "runs",
    params(("id" = Uuid, Path, description = "The run's id")),
    responses(
        (status = 200, description = "The run with its attempts", body = Data<RunJson>),
        (status = 400, description = "The id is not a UUID", body = ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 404, description = "No such run in this team", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(run_id): ApiPath<Uuid>,
) -> Result<Json<Data<RunJson>>, ApiError> {
    Ok(data(
        run_with_attempts(&state, caller.team_id, run_id).await?,
    ))
}

/// The run's JSON with its attempts; 404 when the team has no such run.
pub(crate) async fn run_with_attempts(
    state: &AppState,
    team_id: Uuid,
    run_id: Uuid,
) -> Result<RunJson, ApiError> {
    let run = run_labels::get(&state.db, team_id, run_id)
        .await?
        .ok_or_else(|| ApiError::not_found("run"))?;
    let attempts = attempts::for_run(&state.db, team_id, run_id).await?;
    let mut json = RunJson::from_row(state, run);
    json.attempts = Some(attempts.into_iter().map(AttemptJson::from).collect());
    Ok(json)
}

/// What a start asks for.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct StartBody {
    /// A name for the run (at most 128 characters).
    name: Option<String>,
    /// Labels: branch, commit, commit_url, build_url, environment and free tags (at most 20,
    /// keys of lowercase letters, digits, `_`, `-`, `.`; values up to 500 characters).
    labels: BTreeMap<String, String>,
}

/// Starts a run of the suite. With an `Idempotency-Key` header, the same key within 24 hours
/// answers with the first run and starts nothing upstream, even under concurrent retries.
#[utoipa::path(
    post,
    path = "/suites/{id}/runs",
    tag = "runs",
    params(
        ("id" = Uuid, Path, description = "The suite's id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries start one run: up to 255 printable characters"),
    ),
    request_body(content = StartBody, description = "Optional: a name and labels", content_type = "application/json"),
    responses(
        (status = 201, description = "The run was started", body = Data<RunJson>),
        (status = 200, description = "An earlier request with the same Idempotency-Key started this run", body = Data<RunJson>),
        (status = 400, description = "The Idempotency-Key is not valid", body = ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope does not allow starting runs", body = ErrorBody),
        (status = 404, description = "No such suite in this team", body = ErrorBody),
        (status = 409, description = "The suite was removed, or the first request with this key is still starting", body = ErrorBody),
        (status = 422, description = "The name or a label is not acceptable", body = ErrorBody),
        (status = 502, description = "RevRing refused or failed to start the run", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn start_run(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(suite_id): ApiPath<Uuid>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(&state, Scope::Run, "starting runs").await?;
    let suite = suites::get(&state.db, caller.team_id, suite_id)
        .await?
        .ok_or_else(|| ApiError::not_found("suite"))?;
    let body: StartBody = if body.iter().all(u8::is_ascii_whitespace) {
        StartBody::default()
    } else {
        serde_json::from_slice(&body).map_err(|_| {
            ApiError::invalid(
                "The body must be a JSON object with an optional `name` (text) and `labels` \
                 (an object of texts), and nothing else.",
            )
        })?
    };
    let name = body
        .name
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    if name.is_some_and(|name| name.chars().count() > MAX_RUN_NAME_CHARS) {
        return Err(ApiError::invalid(format!(
            "A run name has at most {MAX_RUN_NAME_CHARS} characters."
        )));
    }
    let labels = labels_from_map(&body.labels)?;
    let key = idempotency_key(&headers)?;
    if suite.removed_at.is_some() {
        return Err(ApiError::conflict(
            "suite_removed",
            "This suite no longer exists in RevRing; it cannot be run.",
        ));
    }
    let key = key.unwrap_or_else(|| Uuid::new_v4().to_string());
    let (outcome, replay) =
        start::start_run_idempotent(&state.revring_access(), &suite, name, &labels, &key).await?;
    let run_id = match outcome {
        StartOutcome::Started(run_id) => run_id,
        StartOutcome::StillStarting => {
            return Err(ApiError::conflict(
                "start_in_progress",
                "The first request with this Idempotency-Key is still starting the run; retry \
                 with the same key shortly.",
            )
            .retry_after(5));
        }
        StartOutcome::Refused(message) => return Err(ApiError::upstream(message)),
    };
    if !replay {
        let target = format!("suite “{}” by API token “{}”", suite.name, caller.name);
        audit::audit(
            &state.db,
            caller.team_id,
            None,
            AuditAction::RunStarted,
            &target,
        )
        .await?;
    }
    let run = run_with_attempts(&state, caller.team_id, run_id).await?;
    let status = if replay {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((status, data(run)).into_response())
}

/// The `Idempotency-Key` header, checked.
fn idempotency_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    let key = value.to_str().unwrap_or_default().trim();
    let printable = key.chars().all(|c| c.is_ascii_graphic() || c == ' ');
    if key.is_empty() || key.chars().count() > MAX_IDEMPOTENCY_KEY_CHARS || !printable {
        return Err(ApiError::bad_request(format!(
            "The Idempotency-Key header must be 1 to {MAX_IDEMPOTENCY_KEY_CHARS} printable \
             ASCII characters."
        )));
    }
    Ok(Some(key.to_owned()))
}

/// Asks RevRing to cancel the run; answers with the run as it stands.
#[utoipa::path(
    post,
    path = "/runs/{id}/cancel",
    tag = "runs",
    params(("id" = Uuid, Path, description = "The run's id")),
    responses(
        (status = 202, description = "RevRing accepted the cancel; the run stops shortly", body = Data<RunJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope does not allow cancelling runs", body = ErrorBody),
        (status = 404, description = "No such run in this team", body = ErrorBody),
        (status = 409, description = "The run has already finished", body = ErrorBody),
        (status = 502, description = "RevRing refused the cancel", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn cancel(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(run_id): ApiPath<Uuid>,
) -> Result<Response, ApiError> {
    caller
        .require(&state, Scope::Run, "cancelling runs")
        .await?;
    let run = run_labels::get(&state.db, caller.team_id, run_id)
        .await?
        .ok_or_else(|| ApiError::not_found("run"))?;
    if run.status.is_terminal() {
        return Err(ApiError::conflict(
            "run_finished",
            format!("This run has already finished ({}).", run.status.as_str()),
        ));
    }
    start::cancel_run(&state.revring_access(), caller.team_id, run_id)
        .await?
        .map_err(ApiError::upstream)?;
    let target = format!(
        "run of suite “{}” by API token “{}”",
        run.suite_name, caller.name
    );
    audit::audit(
        &state.db,
        caller.team_id,
        None,
        AuditAction::RunCancelled,
        &target,
    )
    .await?;
    let run = run_with_attempts(&state, caller.team_id, run_id).await?;
    Ok((StatusCode::ACCEPTED, data(run)).into_response())
}
