//! `/api/v1/suites/{id}/schedules` and `/api/v1/schedules/{id}`: a suite's schedules, created,
//! changed (including pause and resume) and deleted with a token of the `run` scope.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::Scope;
use crate::db::audit::{self, AuditAction};
use crate::db::schedules::{self, Schedule, ScheduleFields};
use crate::db::suites;
use crate::domain::timetable::Timetable;
use crate::web::api::auth::ApiCaller;
use crate::web::api::envelope::{Data, List, all, data};
use crate::web::api::error::{ApiError, ErrorBody};
use crate::web::api::extract::{ApiJson, ApiPath};
use crate::web::kit::forms::FieldErrors;
use crate::web::schedules::create_schedule;
use crate::web::schedules::form::{check_labels, validate};

/// A schedule.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ScheduleJson {
    /// Its id.
    id: Uuid,
    /// The suite it runs.
    suite_id: Uuid,
    /// Its name, given to the runs it starts.
    name: String,
    /// Five-field cron expression.
    cron: String,
    /// IANA time zone the expression is read in.
    timezone: String,
    /// Labels given to its runs.
    labels: BTreeMap<String, String>,
    /// True while paused.
    paused: bool,
    /// Why it paused itself (revoked key, suite gone); null when a person paused it.
    pause_reason: Option<String>,
    /// The next five fire times, RFC 3339 in UTC (empty while paused).
    next_fire_times: Vec<String>,
}

fn json_of(schedule: Schedule) -> ScheduleJson {
    let next_fire_times = match (
        Timetable::new(&schedule.cron, &schedule.timezone),
        schedule.next_fire_at,
    ) {
        (Ok(timetable), Some(next)) if schedule.paused_at.is_none() => {
            let rfc3339 = &time::format_description::well_known::Rfc3339;
            timetable
                .upcoming(next - time::Duration::SECOND, 5)
                .into_iter()
                .filter_map(|at| at.format(rfc3339).ok())
                .collect()
        }
        _ => Vec::new(),
    };
    ScheduleJson {
        id: schedule.id,
        suite_id: schedule.suite_id,
        name: schedule.name,
        cron: schedule.cron,
        timezone: schedule.timezone,
        labels: serde_json::from_value(schedule.labels).unwrap_or_default(),
        paused: schedule.paused_at.is_some(),
        pause_reason: schedule.pause_reason,
        next_fire_times,
    }
}

/// A new schedule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewScheduleBody {
    /// Name (1 to 100 characters).
    name: String,
    /// Five-field cron expression, e.g. `0 6 * * 1-5`.
    cron: String,
    /// IANA time zone, e.g. `Europe/Paris`.
    timezone: String,
    /// Labels for its runs (at most 10).
    #[serde(default)]
    labels: BTreeMap<String, String>,
}

/// Changes to a schedule: any of its fields, and `paused`.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct ScheduleChangeBody {
    /// New name.
    name: Option<String>,
    /// New cron expression.
    cron: Option<String>,
    /// New time zone.
    timezone: Option<String>,
    /// New labels (replacing the old ones).
    labels: Option<BTreeMap<String, String>>,
    /// Pause (true) or resume from the next slot (false).
    paused: Option<bool>,
}

/// The schedules endpoints.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(change, delete))
}

fn invalid(errors: &FieldErrors) -> ApiError {
    ApiError::invalid(errors.joined())
}

/// The suite's schedules.
#[utoipa::path(
    get,
    path = "/suites/{id}/schedules",
    tag = "schedules",
    params(("id" = Uuid, Path, description = "The suite's id")),
    responses(
        (status = 200, description = "The suite's schedules, oldest first", body = List<ScheduleJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 404, description = "No such suite in this team", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(suite_id): ApiPath<Uuid>,
) -> Result<Json<List<ScheduleJson>>, ApiError> {
    suites::get(&state.db, caller.team_id, suite_id)
        .await?
        .ok_or_else(|| ApiError::not_found("suite"))?;
    let rows = schedules::for_suite(&state.db, caller.team_id, suite_id).await?;
    Ok(all(rows.into_iter().map(json_of).collect()))
}

/// Creates a schedule of the suite.
#[utoipa::path(
    post,
    path = "/suites/{id}/schedules",
    tag = "schedules",
    params(("id" = Uuid, Path, description = "The suite's id")),
    request_body(content = NewScheduleBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The schedule", body = Data<ScheduleJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope does not allow managing schedules", body = ErrorBody),
        (status = 404, description = "No such suite in this team", body = ErrorBody),
        (status = 422, description = "A field is not acceptable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(suite_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<NewScheduleBody>,
) -> Result<Response, ApiError> {
    caller
        .require(&state, Scope::Run, "managing schedules")
        .await?;
    let suite = suites::get(&state.db, caller.team_id, suite_id)
        .await?
        .ok_or_else(|| ApiError::not_found("suite"))?;
    let mut errors = FieldErrors::new();
    let labels = check_labels(&serde_json::to_value(&body.labels).unwrap_or_default());
    let valid = validate(
        &body.name,
        Ok(body.cron.trim().to_owned()),
        &body.timezone,
        labels,
        &mut errors,
    )
    .ok_or_else(|| invalid(&errors))?;
    let id = create_schedule(&state, caller.team_id, None, &suite, &valid).await?;
    let schedule = schedules::get(&state.db, caller.team_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("schedule"))?;
    Ok((StatusCode::CREATED, data(json_of(schedule))).into_response())
}

/// Changes a schedule; `paused` pauses it or resumes it from its next slot.
#[utoipa::path(
    patch,
    path = "/schedules/{id}",
    tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id")),
    request_body(content = ScheduleChangeBody, content_type = "application/json"),
    responses(
        (status = 200, description = "The schedule as changed", body = Data<ScheduleJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope does not allow managing schedules", body = ErrorBody),
        (status = 404, description = "No such schedule in this team", body = ErrorBody),
        (status = 422, description = "A field is not acceptable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn change(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ScheduleChangeBody>,
) -> Result<Json<Data<ScheduleJson>>, ApiError> {
    caller
        .require(&state, Scope::Run, "managing schedules")
        .await?;
    let team_id = caller.team_id;
    let current = schedules::get(&state.db, team_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("schedule"))?;
    let labels = match &body.labels {
        Some(labels) => check_labels(&serde_json::to_value(labels).unwrap_or_default()),
        None => Ok(current.labels.clone()),
    };
    let mut errors = FieldErrors::new();
    let valid = validate(
        body.name.as_deref().unwrap_or(&current.name),
        Ok(body.cron.clone().unwrap_or_else(|| current.cron.clone())),
        body.timezone.as_deref().unwrap_or(&current.timezone),
        labels,
        &mut errors,
    )
    .ok_or_else(|| invalid(&errors))?;
    let now = OffsetDateTime::now_utc();
    let next = valid.timetable.next_after(now);
    let fields = ScheduleFields {
        name: &valid.name,
        cron: &valid.cron,
        timezone: &valid.timezone,
        labels: &valid.labels,
    };
    schedules::update(&state.db, team_id, id, &fields, next).await?;
    let target = format!("schedule “{}” by API token “{}”", valid.name, caller.name);
    audit::audit(
        &state.db,
        team_id,
        None,
        AuditAction::ScheduleChanged,
        &target,
    )
    .await?;
    match (body.paused, current.paused_at.is_some()) {
        (Some(true), false) => {
            schedules::pause(&state.db, team_id, id, None).await?;
            audit::audit(
                &state.db,
                team_id,
                None,
                AuditAction::SchedulePaused,
                &target,
            )
            .await?;
        }
        (Some(false), true) => {
            if let Some(next) = next {
                schedules::resume(&state.db, team_id, id, next).await?;
            }
            audit::audit(
                &state.db,
                team_id,
                None,
                AuditAction::ScheduleResumed,
                &target,
            )
            .await?;
        }
        _ => {}
    }
    let schedule = schedules::get(&state.db, team_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("schedule"))?;
    Ok(data(json_of(schedule)))
}

/// Deletes a schedule (its runs stay).
#[utoipa::path(
    delete,
    path = "/schedules/{id}",
    tag = "schedules",
    params(("id" = Uuid, Path, description = "The schedule's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope does not allow managing schedules", body = ErrorBody),
        (status = 404, description = "No such schedule in this team", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    caller
        .require(&state, Scope::Run, "managing schedules")
        .await?;
    let schedule = schedules::get(&state.db, caller.team_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("schedule"))?;
    schedules::delete(&state.db, caller.team_id, id).await?;
    let target = format!(
        "schedule “{}” by API token “{}”",
        schedule.name, caller.name
    );
    audit::audit(
        &state.db,
        caller.team_id,
        None,
        AuditAction::ScheduleDeleted,
        &target,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
