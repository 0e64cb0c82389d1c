//! Signing in and out: argon2id on a blocking thread with the same work for unknown emails, one
//! generic failure message, throttling per account and per address, a new session id at login,
//! local-only `next=` redirects, and "sign out everywhere".

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use tower_sessions::Session;

use crate::app::state::AppState;
use crate::auth::password;
use crate::db::accounts;
use crate::db::login_failures::{self, Reservation};
use crate::web::kit::client_addr::ClientAddr;
use crate::web::kit::csrf_cookie::FormToken;
use crate::web::kit::error::AppError;
use crate::web::kit::extract::Query;
use crate::web::kit::forms::safe_next;
use crate::web::kit::layout::{Flash, FlashKind, Layout};
use crate::web::kit::member::{self as auth, CurrentUser, sign_in};

/// The one message for every failed sign-in: it never says whether the email exists.
pub(super) const LOGIN_FAILED: &str = "Incorrect email or password.";

/// The message when too many attempts failed recently (followed by how long to wait).
pub(super) const LOGIN_THROTTLED: &str = "Too many failed sign-in attempts.";

/// The message when the server is already checking as many passwords as it may at once.
pub(super) const LOGIN_BUSY: &str =
    "Ringside is busy checking other sign-ins. Please try again in a moment.";

/// `?next=` of the login page, and `?signed_out=everywhere` after "sign out everywhere".
#[derive(Debug, Default, Deserialize)]
pub(super) struct NextQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

/// Where "sign out everywhere" leads: the notice comes in the address, not in a session that
/// would have to be stored for a signed-out visitor.
const SIGNED_OUT_EVERYWHERE: &str = "/login?signed_out=everywhere";

/// The notice shown on [`SIGNED_OUT_EVERYWHERE`].
const SIGNED_OUT_NOTICE: &str = "You were signed out on every device.";

/// The login form's fields (`Debug` leaves the password out).
#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct LoginForm {
    email: String,
    password: String,
    next: String,
}

impl std::fmt::Debug for LoginForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginForm")
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .field("next", &self.next)
            .finish()
    }
}

#[derive(Template)]
#[template(path = "accounts/login.html")]
struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    error: Option<String>,
}

async fn render(
    session: &Session,
    form_token: FormToken,
    status: StatusCode,
    email: String,
    next: String,
    error: Option<String>,
) -> Result<Response, AppError> {
    let page = LoginPage {
        layout: Layout::open("Sign in", session, form_token).await,
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
    form_token: FormToken,
    Query(query): Query<NextQuery>,
) -> Result<Response, AppError> {
    let next = safe_next(query.next.as_deref()).unwrap_or("/").to_owned();
    if auth::signed_in(&session, &state.db).await?.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let mut layout = Layout::open("Sign in", &session, form_token).await;
    if query.signed_out.as_deref() == Some("everywhere") {
        layout.flashes.push(Flash {
            kind: FlashKind::Success,
            message: SIGNED_OUT_NOTICE.to_owned(),
        });
    }
    let page = LoginPage {
        layout,
        email: String::new(),
        next,
        error: None,
    };
    Ok(Html(page.render()?).into_response())
}

/// `POST /login`
pub(super) async fn submit(
    State(state): State<AppState>,
    session: Session,
    ClientAddr(address): ClientAddr,
    form_token: FormToken,
    Form(form): Form<LoginForm>,
) -> Result<Response, AppError> {
    let email = form.email.trim().to_owned();
    let next = safe_next(Some(&form.next)).unwrap_or("/").to_owned();
    let account = email.to_lowercase();

    // Refuse at once rather than queue when too many hashes are running (memory and CPU).
    let Some(_permit) = password::try_hash_permit() else {
        tracing::warn!(%address, "sign-in refused: too many password checks at once");
        let mut response = render(
            &session,
            form_token,
            StatusCode::SERVICE_UNAVAILABLE,
            email,
            next,
            Some(LOGIN_BUSY.to_owned()),
        )
        .await?;
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return Ok(response);
    };
    // Recorded as a failure before the password is checked, so a parallel burst is counted.
    if let Reservation::Wait(wait) = login_failures::reserve(&state.db, &account, &address).await? {
        tracing::warn!(%address, "sign-in throttled");
        let seconds = wait.whole_seconds().max(1);
        let message = format!(
            "{LOGIN_THROTTLED} Please wait {} and try again.",
            crate::web::kit::format::wait_words(seconds)
        );
        let mut response = render(
            &session,
            form_token,
            StatusCode::TOO_MANY_REQUESTS,
            email,
            next,
            Some(message),
        )
        .await?;
        if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        return Ok(response);
    }

    let login = accounts::find_login(&state.db, &email).await?;
    let stored = login.as_ref().map(|row| row.password_hash.clone());
    let valid = password::verify(stored, SecretString::from(form.password)).await?;
    let Some(login) = login.filter(|_| valid) else {
        tracing::info!(%address, "sign-in failed");
        return render(
            &session,
            form_token,
            StatusCode::UNAUTHORIZED,
            email,
            next,
            Some(LOGIN_FAILED.to_owned()),
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
    tracing::info!(user_id = %user.user.id, "signed out everywhere");
    Ok(Redirect::to(SIGNED_OUT_EVERYWHERE))
}
