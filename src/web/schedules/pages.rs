//! Schedule pages: the section on a suite's page, the new-schedule form, one schedule with its
//! next five fire times and its latest slots, and pause / resume / delete. Members manage
//! schedules; viewers see them.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use tower_sessions::Session;
use uuid::Uuid;

use super::form::{ValidSchedule, cron_of, labels_text, parse_labels, validate};
use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::audit::{self, AuditAction};
use crate::db::schedules::{self, Fire, Schedule, ScheduleFields};
use crate::db::suites::{self, Suite};
use crate::domain::timetable::Timetable;
use crate::web::kit::error::AppError;
use crate::web::kit::forms::FieldErrors;
use crate::web::kit::layout::{FlashKind, Layout, push_flash};
use crate::web::kit::member::CurrentMember;

/// Fire times shown ahead.
const UPCOMING: usize = 5;

/// Past slots shown on a schedule's page.
const RECENT_FIRES: i64 = 20;

/// A schedule in the suite page's list.
pub(crate) struct ScheduleLine {
    pub(crate) id: Uuid,
    pub(crate) name: String,
    pub(crate) timing: String,
    pub(crate) next: String,
    pub(crate) paused: bool,
    pub(crate) labels: String,
}

fn timing(schedule: &Schedule) -> String {
    format!("{} ({})", schedule.cron, schedule.timezone)
}

fn next_text(schedule: &Schedule) -> String {
    match (
        &schedule.paused_at,
        &schedule.pause_reason,
        schedule.next_fire_at,
    ) {
        (Some(_), Some(reason), _) => format!("Paused: {reason}"),
        (Some(_), None, _) => "Paused".to_owned(),
        (None, _, Some(next)) => match Timetable::new(&schedule.cron, &schedule.timezone) {
            Ok(timetable) => timetable.local_time(next),
            Err(_) => "—".to_owned(),
        },
        (None, _, None) => "—".to_owned(),
    }
}

/// The suite's schedules, for the suite page.
pub(crate) async fn lines_for_suite(
    state: &AppState,
    team_id: Uuid,
    suite_id: Uuid,
) -> Result<Vec<ScheduleLine>, AppError> {
    let list = schedules::for_suite(&state.db, team_id, suite_id).await?;
    Ok(list
        .iter()
        .map(|schedule| ScheduleLine {
            id: schedule.id,
            name: schedule.name.clone(),
            timing: timing(schedule),
            next: next_text(schedule),
            paused: schedule.paused_at.is_some(),
            labels: labels_text(&schedule.labels),
        })
        .collect())
}

/// The new-schedule form's fields, as typed.
#[derive(Debug, Default, Deserialize)]
pub(super) struct ScheduleForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    cron: String,
    #[serde(default)]
    every_hours: String,
    #[serde(default)]
    at: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    labels: String,
}

#[derive(Template)]
#[template(path = "schedules/new.html")]
struct NewPage {
    layout: Layout,
    suite: Suite,
    form: ScheduleForm,
    errors: FieldErrors,
}

impl NewPage {
    fn mode_is(&self, mode: &str) -> bool {
        self.form.mode == mode || (self.form.mode.is_empty() && mode == "weekdays")
    }
}

async fn load_suite(
    state: &AppState,
    member: &CurrentMember,
    suite_id: Uuid,
) -> Result<Suite, AppError> {
    suites::get(&state.db, member.team_id, suite_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /suites/{id}/schedules/new`
pub(super) async fn new(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(suite_id): Path<Uuid>,
) -> Result<Html<String>, AppError> {
    member.require(Role::Member)?;
    let suite = load_suite(&state, &member, suite_id).await?;
    let page = NewPage {
        layout: Layout::for_member("New schedule", "suites", &member, &session).await,
        suite,
        form: ScheduleForm {
            at: "06:00".into(),
            every_hours: "6".into(),
            timezone: "UTC".into(),
            ..ScheduleForm::default()
        },
        errors: FieldErrors::new(),
    };
    Ok(Html(page.render()?))
}

/// `POST /suites/{id}/schedules`
pub(super) async fn create(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(suite_id): Path<Uuid>,
    Form(form): Form<ScheduleForm>,
) -> Result<Response, AppError> {
    member.require(Role::Member)?;
    let suite = load_suite(&state, &member, suite_id).await?;
    let mut errors = FieldErrors::new();
    let cron = cron_of(&form.mode, &form.cron, &form.every_hours, &form.at);
    let valid = validate(
        &form.name,
        cron,
        &form.timezone,
        parse_labels(&form.labels),
        &mut errors,
    );
    let Some(valid) = valid else {
        let page = NewPage {
            layout: Layout::for_member("New schedule", "suites", &member, &session).await,
            suite,
            form,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    };
    let id = create_schedule(&state, member.team_id, Some(member.user_id), &suite, &valid).await?;
    push_flash(&session, FlashKind::Success, "Schedule created.").await;
    Ok(Redirect::to(&format!("/schedules/{id}")).into_response())
}

/// Stores a validated schedule and audits it (the page and the API share this).
pub(crate) async fn create_schedule(
    state: &AppState,
    team_id: Uuid,
    user_id: Option<Uuid>,
    suite: &Suite,
    valid: &ValidSchedule,
) -> sqlx::Result<Uuid> {
    let now = OffsetDateTime::now_utc();
    // `Timetable::new` made sure the expression has a next slot.
    let first = valid.timetable.next_after(now).unwrap_or(now);
    let fields = ScheduleFields {
        name: &valid.name,
        cron: &valid.cron,
        timezone: &valid.timezone,
        labels: &valid.labels,
    };
    let id = schedules::insert(&state.db, team_id, suite.id, &fields, first, user_id).await?;
    let target = format!("schedule “{}” of suite “{}”", valid.name, suite.name);
    audit::audit(
        &state.db,
        team_id,
        user_id,
        AuditAction::ScheduleCreated,
        &target,
    )
    .await?;
    Ok(id)
}

/// One past slot as the page shows it.
struct FireLine {
    slot: String,
    fire: Fire,
}

#[derive(Template)]
#[template(path = "schedules/show.html")]
struct ShowPage {
    layout: Layout,
    schedule: Schedule,
    suite: Suite,
    labels: String,
    upcoming: Vec<String>,
    fires: Vec<FireLine>,
}

impl ShowPage {
    fn state_words(&self, fire: &Fire) -> &'static str {
        match fire.state.as_str() {
            "started" => "Started a run",
            "failed" => "Started nothing",
            _ => "Starting",
        }
    }
}

async fn load(state: &AppState, member: &CurrentMember, id: Uuid) -> Result<Schedule, AppError> {
    schedules::get(&state.db, member.team_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /schedules/{id}`
pub(super) async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
) -> Result<Html<String>, AppError> {
    let schedule = load(&state, &member, id).await?;
    let suite = load_suite(&state, &member, schedule.suite_id).await?;
    let timetable = Timetable::new(&schedule.cron, &schedule.timezone).ok();
    let local = |at: OffsetDateTime| match &timetable {
        Some(timetable) => timetable.local_time(at),
        None => crate::web::kit::format::when(&at),
    };
    let upcoming = match (&timetable, schedule.paused_at) {
        (Some(timetable), None) => {
            let from = schedule
                .next_fire_at
                .map(|next| next - time::Duration::SECOND)
                .unwrap_or_else(OffsetDateTime::now_utc);
            timetable
                .upcoming(from, UPCOMING)
                .into_iter()
                .map(local)
                .collect()
        }
        _ => Vec::new(),
    };
    let fires = schedules::recent_fires(&state.db, member.team_id, id, RECENT_FIRES)
        .await?
        .into_iter()
        .map(|fire| FireLine {
            slot: local(fire.slot_at),
            fire,
        })
        .collect();
    let page = ShowPage {
        layout: Layout::for_member(schedule.name.clone(), "suites", &member, &session).await,
        labels: labels_text(&schedule.labels),
        schedule,
        suite,
        upcoming,
        fires,
    };
    Ok(Html(page.render()?))
}

/// `POST /schedules/{id}/pause`
pub(super) async fn pause(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
) -> Result<Redirect, AppError> {
    member.require(Role::Member)?;
    let schedule = load(&state, &member, id).await?;
    schedules::pause(&state.db, member.team_id, id, None).await?;
    let target = format!("schedule “{}”", schedule.name);
    audit::audit(
        &state.db,
        member.team_id,
        Some(member.user_id),
        AuditAction::SchedulePaused,
        &target,
    )
    .await?;
    push_flash(
        &session,
        FlashKind::Success,
        "Schedule paused; it starts no runs until resumed.",
    )
    .await;
    Ok(Redirect::to(&format!("/schedules/{id}")))
}

/// `POST /schedules/{id}/resume`: continues from the next slot (paused slots are not run).
pub(super) async fn resume(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
) -> Result<Redirect, AppError> {
    member.require(Role::Member)?;
    let schedule = load(&state, &member, id).await?;
    let next = Timetable::new(&schedule.cron, &schedule.timezone)
        .ok()
        .and_then(|timetable| timetable.next_after(OffsetDateTime::now_utc()));
    let Some(next) = next else {
        push_flash(
            &session,
            FlashKind::Error,
            "This schedule's timing can no longer be read.",
        )
        .await;
        return Ok(Redirect::to(&format!("/schedules/{id}")));
    };
    schedules::resume(&state.db, member.team_id, id, next).await?;
    let target = format!("schedule “{}”", schedule.name);
    audit::audit(
        &state.db,
        member.team_id,
        Some(member.user_id),
        AuditAction::ScheduleResumed,
        &target,
    )
    .await?;
    push_flash(
        &session,
        FlashKind::Success,
        "Schedule resumed from its next slot.",
    )
    .await;
    Ok(Redirect::to(&format!("/schedules/{id}")))
}

/// `POST /schedules/{id}/delete`
pub(super) async fn delete(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
) -> Result<Redirect, AppError> {
    member.require(Role::Member)?;
    let schedule = load(&state, &member, id).await?;
    schedules::delete(&state.db, member.team_id, id).await?;
    let target = format!("schedule “{}”", schedule.name);
    audit::audit(
        &state.db,
        member.team_id,
        Some(member.user_id),
        AuditAction::ScheduleDeleted,
        &target,
    )
    .await?;
    push_flash(
        &session,
        FlashKind::Success,
        "Schedule deleted; its runs stay in the history.",
    )
    .await;
    Ok(Redirect::to(&format!("/suites/{}", schedule.suite_id)))
}
