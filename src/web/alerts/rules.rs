//! Alert rules: adding one (team-wide or for one suite, a kind, a threshold for the pass rate,
//! "every run" or on change) and removing it. Admins manage rules.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use super::page::{AlertsPage, RULE_KINDS, render, rule_words};
use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::alert_rules::{self, NewRule};
use crate::db::audit::{self, AuditAction};
use crate::web::kit::error::AppError;
use crate::web::kit::forms::FieldErrors;
use crate::web::kit::layout::{FlashKind, push_flash};
use crate::web::kit::member::CurrentMember;

/// The add-rule form (also the API body's fields).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RuleForm {
    /// A suite's id, or empty for every suite.
    #[serde(default)]
    pub(crate) suite_id: String,
    #[serde(default)]
    pub(crate) channel_id: String,
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) threshold: String,
    #[serde(default)]
    pub(crate) every_run: Option<String>,
}

/// Checks and stores a rule (the page and the API share this).
pub(crate) async fn create_rule(
    state: &AppState,
    team_id: Uuid,
    user_id: Option<Uuid>,
    form: &RuleForm,
) -> sqlx::Result<Result<Uuid, FieldErrors>> {
    let mut errors = FieldErrors::new();
    let suite_id = match form.suite_id.trim() {
        "" => None,
        raw => Uuid::parse_str(raw)
            .map_err(|_| errors.add("suite_id", "Choose a suite, or every suite."))
            .ok(),
    };
    let channel_id = Uuid::parse_str(form.channel_id.trim())
        .map_err(|_| {
            errors.add(
                "channel_id",
                "Choose a channel; add one first if there is none.",
            )
        })
        .ok();
    if !RULE_KINDS.iter().any(|(kind, _)| *kind == form.kind) {
        errors.add("kind", "Choose what the rule watches for.");
    }
    let threshold = if form.kind == "pass_rate_below" {
        match form.threshold.trim().trim_end_matches('%').parse::<i32>() {
            Ok(percent) if (1..=100).contains(&percent) => Some(percent),
            _ => {
                errors.add("threshold", "Enter a pass rate from 1 to 100 percent.");
                None
            }
        }
    } else {
        None
    };
    let (Some(channel_id), true) = (channel_id, errors.is_empty()) else {
        return Ok(Err(errors));
    };
    let rule = NewRule {
        suite_id,
        channel_id,
        kind: &form.kind,
        threshold,
        every_run: form.every_run.is_some(),
    };
    let Some(id) = alert_rules::insert(&state.db, team_id, &rule, user_id).await? else {
        errors.add("channel_id", "That channel or suite does not exist.");
        return Ok(Err(errors));
    };
    let target = rule_words(&form.kind, threshold);
    audit::audit(
        &state.db,
        team_id,
        user_id,
        AuditAction::AlertRuleAdded,
        &target,
    )
    .await?;
    Ok(Ok(id))
}

/// `POST /alerts/rules`
pub(super) async fn create(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Form(form): Form<RuleForm>,
) -> Result<Response, AppError> {
    member.require(Role::Admin)?;
    match create_rule(&state, member.team_id, Some(member.user_id), &form).await? {
        Ok(_) => {
            push_flash(&session, FlashKind::Success, "Rule added.").await;
            Ok(Redirect::to("/alerts").into_response())
        }
        Err(errors) => {
            let mut page = AlertsPage::load(&state, &session, &member).await?;
            page.rule_form = form;
            page.rule_errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(render(page)?)).into_response())
        }
    }
}

/// `POST /alerts/rules/{id}/delete`
pub(super) async fn delete(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin)?;
    if !alert_rules::delete(&state.db, member.team_id, id).await? {
        return Err(AppError::NotFound);
    }
    audit::audit(
        &state.db,
        member.team_id,
        Some(member.user_id),
        AuditAction::AlertRuleRemoved,
        "a rule",
    )
    .await?;
    push_flash(&session, FlashKind::Success, "Rule removed.").await;
    Ok(Redirect::to("/alerts"))
}
