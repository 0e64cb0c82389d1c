//! Accepting an invitation: `/invite/{token}` joins the signed-in user to the team, or creates
//! an account and joins. A link works once, and not after it expires or is revoked. A link
//! made for an email joins only that address.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use tower_sessions::Session;

use crate::app::state::AppState;
use crate::auth::{password, token};
use crate::db::accounts::{self, is_unique_violation};
use crate::db::audit::{AuditAction, audit};
use crate::db::invitations::{self, InvitationView};
use crate::web::kit::csrf_cookie::FormToken;
use crate::web::kit::error::{AppError, error_page};
use crate::web::kit::extract::Path;
use crate::web::kit::forms::{FieldErrors, email_problem, name_problem};
use crate::web::kit::layout::{FlashKind, Layout, push_flash};
use crate::web::kit::member::{self as auth, CurrentUser, sign_in, switch_team};

/// Shown for a used, revoked or expired link.
const LINK_GONE: &str = "This invitation has already been used, was revoked, or has expired. Ask a team admin for a \
     new link.";

/// The account fields of the accept form (ignored when already signed in). `Debug` leaves the
/// password out.
#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct AcceptForm {
    display_name: String,
    email: String,
    password: String,
}

impl std::fmt::Debug for AcceptForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AcceptForm")
            .field("display_name", &self.display_name)
            .field("email", &self.email)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// Why an invitation made for one email cannot be accepted by another.
fn other_email(bound: &str) -> String {
    format!("This invitation is for {bound}. Only that email address can accept it.")
}

/// Whether `email` may accept `invitation` (any email when the admin named none).
fn email_fits(invitation: &InvitationView, email: &str) -> bool {
    invitation
        .email
        .as_deref()
        .is_none_or(|bound| bound.trim().eq_ignore_ascii_case(email.trim()))
}

#[derive(Template)]
#[template(path = "accounts/invite.html")]
struct InvitePage {
    layout: Layout,
    invitation: InvitationView,
    token: String,
    user: Option<CurrentUser>,
    form: AcceptForm,
    errors: FieldErrors,
}

async fn usable(state: &AppState, secret: &str) -> Result<InvitationView, AppError> {
    let invitation = invitations::find(&state.db, &token::hash(secret))
        .await?
        .ok_or(AppError::NotFound)?;
    if !invitation.usable {
        return Err(AppError::Gone(LINK_GONE.into()));
    }
    Ok(invitation)
}

async fn render(
    session: &Session,
    form_token: FormToken,
    status: StatusCode,
    page: InvitePage,
) -> Result<Response, AppError> {
    let mut page = page;
    let title = format!("Join {}", page.invitation.team_name);
    page.layout = Layout::open(title, session, form_token).await;
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /invite/{token}`
pub(super) async fn show(
    State(state): State<AppState>,
    session: Session,
    form_token: FormToken,
    Path(secret): Path<String>,
) -> Result<Response, AppError> {
    let invitation = usable(&state, &secret).await?;
    let user = auth::signed_in(&session, &state.db).await?;
    let form = AcceptForm {
        email: invitation.email.clone().unwrap_or_default(),
        ..AcceptForm::default()
    };
    let page = InvitePage {
        layout: Layout::default(),
        invitation,
        token: secret,
        user,
        form,
        errors: FieldErrors::new(),
    };
    render(&session, form_token, StatusCode::OK, page).await
}

/// `POST /invite/{token}`: joins (creating the account first when nobody is signed in).
pub(super) async fn accept(
    State(state): State<AppState>,
    session: Session,
    form_token: FormToken,
    Path(secret): Path<String>,
    Form(mut form): Form<AcceptForm>,
) -> Result<Response, AppError> {
    let invitation = usable(&state, &secret).await?;
    let hash = token::hash(&secret);
    let user = auth::signed_in(&session, &state.db).await?;

    let (user_id, email, new_account) = match &user {
        Some(user) => {
            if !email_fits(&invitation, &user.user.email) {
                let bound = invitation.email.clone().unwrap_or_default();
                tracing::warn!(user_id = %user.user.id, "invitation refused: another email");
                return Ok(error_page(StatusCode::FORBIDDEN, Some(other_email(&bound))));
            }
            (user.user.id, user.user.email.clone(), None)
        }
        None => {
            form.display_name = form.display_name.trim().to_owned();
            form.email = form.email.trim().to_owned();
            let mut errors = FieldErrors::new();
            errors.check(
                "display_name",
                name_problem(&form.display_name, "your name"),
            );
            errors.check("email", email_problem(&form.email));
            if !email_fits(&invitation, &form.email) {
                let bound = invitation.email.clone().unwrap_or_default();
                errors.add("email", other_email(&bound));
            }
            errors.check("password", password::password_problem(&form.password));
            if !errors.is_empty() {
                return reject(&session, form_token, invitation, secret, form, errors).await;
            }
            let password = SecretString::from(std::mem::take(&mut form.password));
            let password_hash = password::hash(password).await?;
            (uuid::Uuid::nil(), form.email.clone(), Some(password_hash))
        }
    };

    let mut tx = state.db.begin().await?;
    let user_id = match &new_account {
        Some(password_hash) => {
            match accounts::insert_user(&mut *tx, &email, &form.display_name, password_hash).await {
                Ok(id) => id,
                Err(error) if is_unique_violation(&error) => {
                    let mut errors = FieldErrors::new();
                    errors.add(
                        "email",
                        "An account with this email already exists: sign in first, then open \
                         this link again.",
                    );
                    return reject(&session, form_token, invitation, secret, form, errors).await;
                }
                Err(error) => return Err(error.into()),
            }
        }
        None => user_id,
    };
    let Some((team_id, role, added)) = invitations::accept(&mut tx, &hash, user_id).await? else {
        return Err(AppError::Gone(LINK_GONE.into()));
    };
    if added {
        let target = format!("{email} as {}", role.as_str());
        audit(
            &mut *tx,
            team_id,
            Some(user_id),
            AuditAction::MemberJoined,
            &target,
        )
        .await?;
    }
    tx.commit().await?;

    if new_account.is_some() {
        sign_in(&session, user_id, 0, Some(team_id)).await?;
    } else {
        switch_team(&session, team_id).await?;
    }
    let message = if added {
        format!("Welcome to “{}”.", invitation.team_name)
    } else {
        format!("You already belong to “{}”.", invitation.team_name)
    };
    push_flash(&session, FlashKind::Success, message).await;
    Ok(Redirect::to("/").into_response())
}

async fn reject(
    session: &Session,
    form_token: FormToken,
    invitation: InvitationView,
    secret: String,
    mut form: AcceptForm,
    errors: FieldErrors,
) -> Result<Response, AppError> {
    form.password.clear();
    let page = InvitePage {
        layout: Layout::default(),
        invitation,
        token: secret,
        user: None,
        form,
        errors,
    };
    render(session, form_token, StatusCode::UNPROCESSABLE_ENTITY, page).await
}
