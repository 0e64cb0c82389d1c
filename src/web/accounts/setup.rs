//! First start: while no account exists every page leads here, where the first admin and their
//! team are created. Once an account exists the page is gone (404) for good. When the portal
//! listens beyond loopback, the form also asks for the one-time setup token printed in the log
//! at start, so the first visitor from the network does not become admin.

use std::sync::atomic::Ordering;

use askama::Template;
use axum::Form;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tower_sessions::Session;

use crate::app::state::AppState;
use crate::auth::{password, token};
use crate::db::accounts;
use crate::db::audit::{AuditAction, audit};
use crate::web::kit::csrf_cookie::FormToken;
use crate::web::kit::error::AppError;
use crate::web::kit::forms::{FieldErrors, email_problem, name_problem};
use crate::web::kit::layout::Layout;
use crate::web::kit::member::sign_in;

/// Transaction-level advisory lock key taken while creating the first account, so two
/// simultaneous setups cannot both succeed.
const SETUP_LOCK: i64 = 0x5249_4e47_5345_5455; // "RINGSETU"

/// Middleware: with no account at all, every page (GET) redirects to `/setup`; afterwards
/// `/setup` answers 404. Other methods pass on: nobody can be signed in yet, so they end at
/// the sign-in redirect or their usual error.
pub(crate) async fn gate(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let on_setup = request.uri().path() == "/setup";
    let is_read = matches!(*request.method(), Method::GET | Method::HEAD);
    if !state.setup_done.load(Ordering::Relaxed) {
        match accounts::any_user(&state.db).await {
            Ok(true) => state.setup_done.store(true, Ordering::Relaxed),
            Ok(false) if on_setup || !is_read => return next.run(request).await,
            Ok(false) => return Redirect::to("/setup").into_response(),
            Err(error) => return AppError::from(error).into_response(),
        }
    }
    if on_setup {
        return AppError::NotFound.into_response();
    }
    next.run(request).await
}

/// What the form says when the setup token is missing or wrong.
const TOKEN_PROBLEM: &str =
    "Enter the setup token that Ringside printed in its log when it started.";

/// The setup form's fields (`Debug` leaves the password and token out).
#[derive(Default, Deserialize)]
#[serde(default)]
pub(crate) struct SetupForm {
    team_name: String,
    display_name: String,
    email: String,
    password: String,
    setup_token: String,
}

impl std::fmt::Debug for SetupForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SetupForm")
            .field("team_name", &self.team_name)
            .field("display_name", &self.display_name)
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .field("setup_token", &"[redacted]")
            .finish()
    }
}

#[derive(Template)]
#[template(path = "accounts/setup.html")]
struct SetupPage {
    layout: Layout,
    form: SetupForm,
    errors: FieldErrors,
    needs_token: bool,
}

/// `GET /setup`
pub(crate) async fn show(
    State(state): State<AppState>,
    session: Session,
    form_token: FormToken,
) -> Result<Html<String>, AppError> {
    let page = SetupPage {
        layout: Layout::open("Set up Ringside", &session, form_token).await,
        form: SetupForm::default(),
        errors: FieldErrors::new(),
        needs_token: state.settings.setup_token.is_some(),
    };
    Ok(Html(page.render()?))
}

/// `POST /setup`: creates the first admin and their team, signs them in.
pub(crate) async fn create(
    State(state): State<AppState>,
    session: Session,
    form_token: FormToken,
    Form(mut form): Form<SetupForm>,
) -> Result<Response, AppError> {
    form.team_name = form.team_name.trim().to_owned();
    form.display_name = form.display_name.trim().to_owned();
    form.email = form.email.trim().to_owned();
    let mut errors = FieldErrors::new();
    errors.check("team_name", name_problem(&form.team_name, "a team name"));
    errors.check(
        "display_name",
        name_problem(&form.display_name, "your name"),
    );
    errors.check("email", email_problem(&form.email));
    errors.check("password", password::password_problem(&form.password));
    if let Some(expected) = &state.settings.setup_token
        && !token::constant_time_eq(form.setup_token.trim(), expected.expose_secret())
    {
        tracing::warn!("setup refused: missing or wrong setup token");
        errors.add("setup_token", TOKEN_PROBLEM);
    }
    if !errors.is_empty() {
        form.password.clear();
        form.setup_token.clear();
        let page = SetupPage {
            layout: Layout::open("Set up Ringside", &session, form_token).await,
            form,
            errors,
            needs_token: state.settings.setup_token.is_some(),
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(page.render()?)).into_response());
    }
    let hash = password::hash(SecretString::from(std::mem::take(&mut form.password))).await?;

    let mut tx = state.db.begin().await?;
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", SETUP_LOCK)
        .execute(&mut *tx)
        .await?;
    if accounts::any_user(&mut *tx).await? {
        return Err(AppError::NotFound);
    }
    let user_id = accounts::insert_user(&mut *tx, &form.email, &form.display_name, &hash).await?;
    let team_id = accounts::insert_team_with_admin(&mut tx, &form.team_name, user_id).await?;
    audit(
        &mut *tx,
        team_id,
        Some(user_id),
        AuditAction::TeamCreated,
        &form.team_name,
    )
    .await?;
    tx.commit().await?;
    state.setup_done.store(true, Ordering::Relaxed);
    tracing::info!(%user_id, %team_id, "created the first admin and team");

    sign_in(&session, user_id, 0, Some(team_id)).await?;
    Ok(Redirect::to("/").into_response())
}
