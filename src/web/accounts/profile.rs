//! Changing one's own name and password from the account page. A new password needs the
//! current one and signs out every other session of the account; this one stays signed in.

use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use tower_sessions::Session;

use crate::app::state::AppState;
use crate::auth::password;
use crate::db::accounts;
use crate::web::accounts::account::render;
use crate::web::kit::error::AppError;
use crate::web::kit::forms::{FieldErrors, name_problem};
use crate::web::kit::layout::{FlashKind, push_flash};
use crate::web::kit::member::{CurrentUser, current_team, sign_in};

/// The change-name form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct NameForm {
    display_name: String,
}

/// `POST /account/name`
pub(super) async fn change_name(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
    Form(form): Form<NameForm>,
) -> Result<Response, AppError> {
    let name = form.display_name.trim().to_owned();
    let mut errors = FieldErrors::new();
    errors.check("display_name", name_problem(&name, "your name"));
    if !errors.is_empty() {
        return render(
            &session,
            user,
            StatusCode::UNPROCESSABLE_ENTITY,
            String::new(),
            errors,
        )
        .await;
    }
    accounts::set_display_name(&state.db, user.user.id, &name).await?;
    push_flash(
        &session,
        FlashKind::Success,
        format!("You are now “{name}”."),
    )
    .await;
    Ok(Redirect::to("/account").into_response())
}

/// The change-password form.
#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct PasswordForm {
    current_password: String,
    new_password: String,
    confirm_password: String,
}

/// `POST /account/password`: checks the current password, stores the new one and signs out
/// every other session of the account.
pub(super) async fn change_password(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
    Form(mut form): Form<PasswordForm>,
) -> Result<Response, AppError> {
    let stored = accounts::find_login(&state.db, &user.user.email)
        .await?
        .map(|login| login.password_hash);
    let current = SecretString::from(std::mem::take(&mut form.current_password));
    let mut errors = FieldErrors::new();
    if !password::verify(stored, current).await? {
        errors.add("current_password", "That is not your current password.");
    }
    errors.check(
        "new_password",
        password::password_problem(&form.new_password),
    );
    if form.new_password != form.confirm_password {
        errors.add("confirm_password", "The two new passwords differ.");
    }
    if !errors.is_empty() {
        return render(
            &session,
            user,
            StatusCode::UNPROCESSABLE_ENTITY,
            String::new(),
            errors,
        )
        .await;
    }
    let hash = password::hash(SecretString::from(std::mem::take(&mut form.new_password))).await?;
    let epoch = accounts::set_password(&state.db, user.user.id, &hash).await?;
    let team = current_team(&session, &user.teams).await?;
    sign_in(&session, user.user.id, epoch, team.map(|team| team.team_id)).await?;
    push_flash(
        &session,
        FlashKind::Success,
        "Your password is changed. Every other session of your account was signed out.",
    )
    .await;
    tracing::info!(user_id = %user.user.id, "password changed");
    Ok(Redirect::to("/account").into_response())
}
