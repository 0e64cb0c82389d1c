//! The signed-in user's own page: their name and password (see `profile.rs`), their teams, a
//! new team, switching teams, signing out everywhere.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::accounts;
use crate::db::audit::{AuditAction, audit};
use crate::web::kit::error::AppError;
use crate::web::kit::forms::{FieldErrors, name_problem};
use crate::web::kit::layout::{FlashKind, Layout, push_flash};
use crate::web::kit::member::{CurrentUser, switch_team};

#[derive(Template)]
#[template(path = "accounts/account.html")]
struct AccountPage {
    layout: Layout,
    user: CurrentUser,
    team_name: String,
    errors: FieldErrors,
}

/// Renders the account page with `errors` on its forms (`team_name`: the new-team field).
pub(super) async fn render(
    session: &Session,
    user: CurrentUser,
    status: StatusCode,
    team_name: String,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    let page = AccountPage {
        layout: Layout::for_user("Your account", "account", &user, session).await,
        user,
        team_name,
        errors,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /account`
pub(super) async fn show(session: Session, user: CurrentUser) -> Result<Response, AppError> {
    render(
        &session,
        user,
        StatusCode::OK,
        String::new(),
        FieldErrors::new(),
    )
    .await
}

/// The new-team form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct NewTeamForm {
    name: String,
}

/// `POST /teams`: creates a team with the user as its admin and switches to it.
pub(super) async fn create_team(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
    Form(form): Form<NewTeamForm>,
) -> Result<Response, AppError> {
    let name = form.name.trim().to_owned();
    let mut errors = FieldErrors::new();
    errors.check("name", name_problem(&name, "a team name"));
    if !errors.is_empty() {
        return render(
            &session,
            user,
            StatusCode::UNPROCESSABLE_ENTITY,
            name,
            errors,
        )
        .await;
    }
    let mut tx = state.db.begin().await?;
    let team_id = accounts::insert_team_with_admin(&mut tx, &name, user.user.id).await?;
    audit(
        &mut *tx,
        team_id,
        Some(user.user.id),
        AuditAction::TeamCreated,
        &name,
    )
    .await?;
    tx.commit().await?;
    switch_team(&session, team_id).await?;
    push_flash(
        &session,
        FlashKind::Success,
        format!("Created the team “{name}”."),
    )
    .await;
    Ok(Redirect::to("/team").into_response())
}

/// The team switcher's form.
#[derive(Debug, Deserialize)]
pub(super) struct SwitchForm {
    team_id: Uuid,
}

/// `POST /teams/switch`: works in another of the user's teams (404 for a team they are not in).
pub(super) async fn switch(
    session: Session,
    user: CurrentUser,
    Form(form): Form<SwitchForm>,
) -> Result<Redirect, AppError> {
    if !user.teams.iter().any(|team| team.team_id == form.team_id) {
        return Err(AppError::NotFound);
    }
    switch_team(&session, form.team_id).await?;
    Ok(Redirect::to("/"))
}
