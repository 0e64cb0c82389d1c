//! Recording reviews: one attempt from its page, or several selected attempts of a run from the
//! run page (one transaction). Members only; viewers are refused, another team's attempt is
//! not found. Every change is audited and kept in the review's history.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Redirect;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::audit::{self, AuditAction};
use crate::db::reviews::{self, ReviewInput, Reviewer};
use crate::db::{attempts, runs};
use crate::domain::review::ReviewKind;
use crate::web::kit::error::AppError;
use crate::web::kit::layout::{FlashKind, push_flash};
use crate::web::kit::member::CurrentMember;
use crate::web::runs::line::RunLine;
use crate::web::triage::{comment_field, kind_label, ticket_field};

/// Most attempts one bulk review may name.
pub(crate) const MAX_BULK_ATTEMPTS: usize = 1000;

/// Path of one attempt.
#[derive(Deserialize)]
pub(crate) struct AttemptPath {
    run_id: String,
    attempt_id: String,
}

impl AttemptPath {
    fn ids(&self) -> Result<(Uuid, Uuid), AppError> {
        let parse = |s: &str| Uuid::parse_str(s).map_err(|_| AppError::NotFound);
        Ok((parse(&self.run_id)?, parse(&self.attempt_id)?))
    }
}

/// The review form.
#[derive(Deserialize)]
pub(crate) struct ReviewForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    ticket_url: String,
}

/// Checks a submitted review; the error says what to fix, in plain words.
pub(crate) fn validate(kind: &str, comment: &str, ticket_url: &str) -> Result<ReviewInput, String> {
    let kind = ReviewKind::parse(kind.trim()).ok_or_else(|| {
        "Choose what the review says: confirmed bug, false failure, false pass, flaky, \
         infrastructure or expected."
            .to_owned()
    })?;
    Ok(ReviewInput {
        kind,
        comment: comment_field(comment)?,
        ticket_url: ticket_field(ticket_url)?,
    })
}

fn attempt_page(run_id: Uuid, attempt_id: Uuid) -> String {
    format!("/runs/{run_id}/attempts/{attempt_id}")
}

async fn audit_target(
    state: &AppState,
    member: &CurrentMember,
    run_id: Uuid,
    attempt_id: Uuid,
) -> Result<String, AppError> {
    let attempt = attempts::get(&state.db, member.team_id, run_id, attempt_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let run = runs::get(&state.db, member.team_id, run_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(format!(
        "{} attempt {} in {}",
        attempt.test_case_name,
        attempt.attempt_number,
        RunLine::from(run).title()
    ))
}

/// `POST /runs/{run_id}/attempts/{attempt_id}/review`: records or changes the review.
pub(crate) async fn save(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(path): Path<AttemptPath>,
    Form(form): Form<ReviewForm>,
) -> Result<Redirect, AppError> {
    member.require(Role::Member)?;
    let (run_id, attempt_id) = path.ids()?;
    let target = audit_target(&state, &member, run_id, attempt_id).await?;
    let back = Redirect::to(&attempt_page(run_id, attempt_id));
    let input = match validate(&form.kind, &form.comment, &form.ticket_url) {
        Ok(input) => input,
        Err(message) => {
            push_flash(&session, FlashKind::Error, message).await;
            return Ok(back);
        }
    };
    let changed = reviews::apply(
        &state.db,
        member.team_id,
        run_id,
        &[attempt_id],
        Some(&input),
        Reviewer::User(member.user_id),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if changed > 0 {
        let what = format!("{target} as {}", kind_label(&input.kind));
        audit::audit(
            &state.db,
            member.team_id,
            Some(member.user_id),
            AuditAction::AttemptReviewed,
            &what,
        )
        .await?;
    }
    let message = if changed > 0 {
        "Review saved."
    } else {
        "The review already says that."
    };
    push_flash(&session, FlashKind::Success, message).await;
    Ok(back)
}

/// `POST /runs/{run_id}/attempts/{attempt_id}/review/delete`: removes the review (its history
/// stays).
pub(crate) async fn remove(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(path): Path<AttemptPath>,
) -> Result<Redirect, AppError> {
    member.require(Role::Member)?;
    let (run_id, attempt_id) = path.ids()?;
    let target = audit_target(&state, &member, run_id, attempt_id).await?;
    let changed = reviews::apply(
        &state.db,
        member.team_id,
        run_id,
        &[attempt_id],
        None,
        Reviewer::User(member.user_id),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if changed > 0 {
        audit::audit(
            &state.db,
            member.team_id,
            Some(member.user_id),
            AuditAction::ReviewRemoved,
            &target,
        )
        .await?;
        push_flash(&session, FlashKind::Success, "Review removed.").await;
    }
    Ok(Redirect::to(&attempt_page(run_id, attempt_id)))
}

/// `POST /runs/{run_id}/reviews`: one review for every selected attempt (`attempt`, repeated),
/// in one transaction: all are saved, or none.
pub(crate) async fn bulk(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(run_id): Path<String>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Redirect, AppError> {
    member.require(Role::Member)?;
    let run_id = Uuid::parse_str(&run_id).map_err(|_| AppError::NotFound)?;
    let run = runs::get(&state.db, member.team_id, run_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let back = Redirect::to(&format!("/runs/{run_id}"));
    let field = |name: &str| {
        fields
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    };
    let mut ids = Vec::new();
    for (key, value) in &fields {
        if key == "attempt" {
            // A malformed id names no attempt of this run.
            ids.push(Uuid::parse_str(value).map_err(|_| AppError::NotFound)?);
        }
    }
    let checked = if ids.is_empty() {
        Err("Select the attempts to review first.".to_owned())
    } else if ids.len() > MAX_BULK_ATTEMPTS {
        Err(format!(
            "Review at most {MAX_BULK_ATTEMPTS} attempts at once."
        ))
    } else {
        validate(field("kind"), field("comment"), field("ticket_url"))
    };
    let input = match checked {
        Ok(input) => input,
        Err(message) => {
            push_flash(&session, FlashKind::Error, message).await;
            return Ok(back);
        }
    };
    let changed = reviews::apply(
        &state.db,
        member.team_id,
        run_id,
        &ids,
        Some(&input),
        Reviewer::User(member.user_id),
    )
    .await?
    .ok_or(AppError::NotFound)?;
    if changed > 0 {
        let what = format!(
            "{changed} attempts in {} as {}",
            RunLine::from(run).title(),
            kind_label(&input.kind)
        );
        audit::audit(
            &state.db,
            member.team_id,
            Some(member.user_id),
            AuditAction::AttemptReviewed,
            &what,
        )
        .await?;
    }
    let message = match changed {
        0 => "The selected attempts already had this review.".to_owned(),
        1 => "Reviewed 1 attempt.".to_owned(),
        n => format!("Reviewed {n} attempts."),
    };
    push_flash(&session, FlashKind::Success, message).await;
    Ok(back)
}
