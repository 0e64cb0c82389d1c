//! The team page: members and their roles, invitations, leaving. Admins manage; everyone reads.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::{Role, token};
use crate::db::accounts::{self, MemberRow, MembershipError};
use crate::db::audit::AuditAction;
use crate::db::invitations::{self, PendingInvitation};
use crate::web::kit::audited::{done, record};
use crate::web::kit::error::AppError;
use crate::web::kit::extract::Path;
use crate::web::kit::format::base_url;
use crate::web::kit::forms::{FieldErrors, email_problem};
use crate::web::kit::layout::{FlashKind, Layout, push_flash};
use crate::web::kit::member::CurrentMember;

/// Session key holding a just-created invitation link until the team page shows it once.
const NEW_INVITE_KEY: &str = "team.new_invite";

/// The invite form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct InviteForm {
    role: String,
    email: String,
}

#[derive(Template)]
#[template(path = "accounts/team.html")]
struct TeamPage {
    layout: Layout,
    me: Uuid,
    members: Vec<MemberRow>,
    invitations: Vec<PendingInvitation>,
    new_invite: Option<String>,
    form: InviteForm,
    errors: FieldErrors,
}

impl TeamPage {
    fn roles(&self) -> [Role; 3] {
        Role::ALL
    }
}

async fn render(
    state: &AppState,
    session: &Session,
    member: &CurrentMember,
    status: StatusCode,
    form: InviteForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let members = accounts::members(&state.db, member.team_id).await?;
    let invitations = if member.role == Role::Admin {
        invitations::pending(&state.db, member.team_id).await?
    } else {
        Vec::new()
    };
    let new_invite = session.remove::<String>(NEW_INVITE_KEY).await?;
    let page = TeamPage {
        layout: Layout::for_member("Team", "team", member, session).await,
        me: member.user_id,
        members,
        invitations,
        new_invite,
        form,
        errors,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /team`
pub(super) async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
) -> Result<Response, AppError> {
    let form = InviteForm {
        role: Role::Member.as_str().to_owned(),
        email: String::new(),
    };
    render(
        &state,
        &session,
        &member,
        StatusCode::OK,
        form,
        FieldErrors::new(),
    )
    .await
}

/// `POST /team/invitations`: creates a one-time link (admins).
pub(super) async fn invite(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    headers: HeaderMap,
    Form(mut form): Form<InviteForm>,
) -> Result<Response, AppError> {
    member.require(Role::Admin)?;
    form.email = form.email.trim().to_owned();
    let mut errors = FieldErrors::new();
    let role = Role::parse(&form.role);
    if role.is_none() {
        errors.add("role", "Choose a role.");
    }
    if !form.email.is_empty() {
        errors.check("email", email_problem(&form.email));
    }
    let (Some(role), true) = (role, errors.is_empty()) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(&state, &session, &member, status, form, errors).await;
    };
    let email = (!form.email.is_empty()).then_some(form.email.as_str());
    let secret = token::generate();
    let mut tx = state.db.begin().await?;
    invitations::create(
        &mut *tx,
        member.team_id,
        role,
        email,
        member.user_id,
        &token::hash(&secret),
    )
    .await?;
    let target = format!("{} as {}", email.unwrap_or("a new member"), role.as_str());
    record(&mut *tx, &member, AuditAction::MemberInvited, &target).await?;
    tx.commit().await?;
    let link = format!("{}/invite/{secret}", base_url(&state, &headers));
    session.insert(NEW_INVITE_KEY, link).await?;
    Ok(Redirect::to("/team").into_response())
}

/// `POST /team/invitations/{id}/revoke` (admins).
pub(super) async fn revoke_invitation(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin)?;
    let email = invitations::revoke(&state.db, member.team_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let target = email.unwrap_or_else(|| "an invitation link".to_owned());
    record(&state.db, &member, AuditAction::InvitationRevoked, &target).await?;
    Ok(done(&session, "The invitation was revoked.", "/team").await)
}

/// The role form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct RoleForm {
    role: String,
}

/// `POST /team/members/{user_id}/role` (admins).
pub(super) async fn change_role(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(user_id): Path<Uuid>,
    Form(form): Form<RoleForm>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin)?;
    let role = Role::parse(&form.role)
        .ok_or_else(|| AppError::BadRequest("Choose a role: admin, member or viewer.".into()))?;
    match accounts::change_membership(&state.db, member.team_id, user_id, Some(role)).await {
        Ok((email, old)) => {
            if old != role {
                let target = format!("{email} ({} → {})", old.as_str(), role.as_str());
                record(&state.db, &member, AuditAction::RoleChanged, &target).await?;
            }
            push_flash(
                &session,
                FlashKind::Success,
                format!("{email} is now {}.", role.label()),
            )
            .await;
        }
        Err(error) => membership_refused(&session, error).await?,
    }
    Ok(Redirect::to("/team"))
}

/// `POST /team/members/{user_id}/remove` (admins).
pub(super) async fn remove(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(user_id): Path<Uuid>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin)?;
    match accounts::change_membership(&state.db, member.team_id, user_id, None).await {
        Ok((email, _)) => {
            record(&state.db, &member, AuditAction::MemberRemoved, &email).await?;
            // Links they made keep working: list them, with a one-click revoke.
            let links =
                crate::db::share_links::active_count_by(&state.db, member.team_id, user_id).await?;
            if links > 0 {
                push_flash(
                    &session,
                    FlashKind::Success,
                    format!(
                        "{email} was removed from the team. Share links they created still \
                         work ({links}): review or revoke them below."
                    ),
                )
                .await;
                return Ok(Redirect::to(&format!("/shares?created_by={user_id}")));
            }
            push_flash(
                &session,
                FlashKind::Success,
                format!("{email} was removed from the team."),
            )
            .await;
        }
        Err(error) => membership_refused(&session, error).await?,
    }
    Ok(Redirect::to("/team"))
}

/// `POST /team/leave`: the member leaves the current team (not the last admin).
pub(super) async fn leave(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
) -> Result<Redirect, AppError> {
    match accounts::change_membership(&state.db, member.team_id, member.user_id, None).await {
        Ok((email, _)) => {
            record(&state.db, &member, AuditAction::MemberLeft, &email).await?;
            Ok(done(&session, format!("You left “{}”.", member.team_name), "/").await)
        }
        Err(error) => {
            membership_refused(&session, error).await?;
            Ok(Redirect::to("/team"))
        }
    }
}

/// Explains a refused membership change as a flash message; a 404 for someone not in the team.
async fn membership_refused(session: &Session, error: MembershipError) -> Result<(), AppError> {
    match error {
        MembershipError::NotAMember => Err(AppError::NotFound),
        MembershipError::LastAdmin => {
            push_flash(
                session,
                FlashKind::Error,
                "A team needs at least one admin: make someone else an admin first.",
            )
            .await;
            Ok(())
        }
        MembershipError::Database(error) => Err(error.into()),
    }
}
