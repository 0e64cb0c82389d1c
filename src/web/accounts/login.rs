//! Signing in and out: argon2id on a blocking thread with the same work for unknown emails, one
//! generic failure message, throttling per account and per address, a new session id at login,
//! local-only `next=` redirects, and "sign out everywhere".

use std::net::SocketAddr;

use askama::Template;
use axum::Form;
use axum::extract::{ConnectInfo, FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use tower_sessions::Session;

use crate::app::state::AppState;
use crate::auth::password;
use crate::db::{accounts, login_failures};
use crate::web::kit::error::AppError;
use crate::web::kit::extract::Query;
use crate::web::kit::forms::safe_next;
use crate::web::kit::layout::{FlashKind, Layout, push_flash};
use crate::web::kit::member::{self as auth, CurrentUser, sign_in};

/// The one message for every failed sign-in: it never says whether the email exists.
pub(super) const LOGIN_FAILED: &str = "Incorrect email or password.";

/// The message when too many attempts failed recently.
pub(super) const LOGIN_THROTTLED: &str =
    "Too many failed sign-in attempts. Please wait 15 minutes and try again.";

/// The client's address as the server sees it (the peer; behind a proxy, the proxy's).
pub(super) struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "unknown".to_owned(), |info| info.0.ip().to_string());
        Ok(ClientAddr(addr))
    }
}

/// `?next=` of the login page.
#[derive(Debug, Default, Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
}

/// The login form's fields.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct LoginForm {
    email: String,
    password: String,
    next: String,
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    error: Option<&'static str>,
}

async fn render(
    session: &Session,
    status: StatusCode,
    email: String,
    next: String,
    error: Option<&'static str>,
) -> Result<Response, AppError> {
    let page = LoginPage {
        layout: Layout::new("Sign in", "", session).await,
        email,
        next,
        error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /login`
pub(super) async fn show(
    State(state): State<AppState>,
    session: Session,
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    let next = safe_next(query.next.as_deref()).unwrap_or("/").to_owned();
    if auth::signed_in(&session, &state.db).await?.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    render(&session, StatusCode::OK, String::new(), next, None).await
}

/// `POST /login`
pub(super) async fn submit(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(address): ClientAddr,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let email = form.email.trim().to_owned();
    let next = safe_next(Some(&form.next)).unwrap_or("/").to_owned();
    let account = email.to_lowercase();

    let recent = login_failures::recent(&state.db, &account, &address).await?;
    if login_failures::is_throttled(recent) {
        tracing::warn!(%address, "sign-in throttled");
        return render(
            &session,
            StatusCode::TOO_MANY_REQUESTS,
            email,
            next,
            Some(LOGIN_THROTTLED),
        )
        .await;
    }

    let login = accounts::find_login(&state.db, &email).await?;
    let stored = login.as_ref().map(|row| row.password_hash.clone());
    let valid = password::verify(stored, SecretString::from(form.password)).await?;
    let Some(login) = login.filter(|_| valid) else {
        let mut conn = state.db.acquire().await?;
        login_failures::record(&mut conn, &account, &address).await?;
        tracing::info!(%address, "sign-in failed");
        return render(
            &session,
            StatusCode::UNAUTHORIZED,
            email,
            next,
            Some(LOGIN_FAILED),
        )
        .await;
    };

    login_failures::clear_account(&state.db, &account).await?;
    let team = accounts::teams_of(&state.db, login.id)
        .await?
        .first()
        .map(|team| team.team_id);
    sign_in(&session, login.id, login.session_epoch, team).await?;
    tracing::info!(user_id = %login.id, "signed in");
    Ok(Redirect::to(&next).into_response())
}

/// `POST /logout`: ends this session.
pub(super) async fn logout(session: Session) -> Result<Redirect, AppError> {
    auth::sign_out(&session).await?;
    Ok(Redirect::to("/login"))
}

/// `POST /logout/everywhere`: ends every session of the user, on every device.
pub(super) async fn logout_everywhere(
    State(state): State<AppState>,
    session: Session,
    user: CurrentUser,
) -> Result<Redirect, AppError> {
    accounts::bump_session_epoch(&state.db, user.user.id).await?;
    auth::sign_out(&session).await?;
    push_flash(
        &session,
        FlashKind::Success,
        "You were signed out on every device.",
    )
    .await;
    tracing::info!(user_id = %user.user.id, "signed out everywhere");
    Ok(Redirect::to("/login"))
}
