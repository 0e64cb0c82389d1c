//! The team's RevRing API keys: added and rotated only after RevRing accepts them, stored
//! encrypted, shown only as label and last four characters, revoked when no longer wanted.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::accounts::is_unique_violation;
use crate::db::api_keys::{self, KeyRow};
use crate::db::audit::AuditAction;
use crate::web::kit::audited::{done, record};
use crate::web::kit::error::AppError;
use crate::web::kit::extract::Path;
use crate::web::kit::forms::{FieldErrors, name_problem};
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;

/// Longest API key accepted (RevRing keys are far shorter).
pub(super) const MAX_SECRET_CHARS: usize = 512;

/// The add-key form (`Debug` leaves the secret out).
#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct AddKeyForm {
    label: String,
    secret: String,
}

impl std::fmt::Debug for AddKeyForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AddKeyForm")
            .field("label", &self.label)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// The rotate form (`Debug` leaves the secret out).
#[derive(Default, Deserialize)]
#[serde(default)]
pub(super) struct RotateForm {
    secret: String,
}

impl std::fmt::Debug for RotateForm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RotateForm")
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// A key row plus whether the current master key can read it.
struct KeyLine {
    key: KeyRow,
    readable: bool,
}

#[derive(Template)]
#[template(path = "accounts/keys.html")]
struct KeysPage {
    layout: Layout,
    keys: Vec<KeyLine>,
    label: String,
    errors: FieldErrors,
    rotate_error: Option<(Uuid, String)>,
}

impl KeysPage {
    fn rotate_error_for(&self, id: &Uuid) -> Option<&str> {
        self.rotate_error
            .as_ref()
            .filter(|(key, _)| key == id)
            .map(|(_, message)| message.as_str())
    }

    fn unreadable(&self) -> usize {
        self.keys
            .iter()
            .filter(|line| line.key.revoked_at.is_none() && !line.readable)
            .count()
    }
}

async fn render(
    state: &AppState,
    session: &Session,
    member: &CurrentMember,
    status: StatusCode,
    label: String,
    errors: FieldErrors,
    rotate_error: Option<(Uuid, String)>,
) -> Result<Response, AppError> {
    let keys = api_keys::list(&state.db, member.team_id)
        .await?
        .into_iter()
        .map(|key| KeyLine {
            readable: api_keys::open(
                &state.master_key,
                member.team_id,
                key.id,
                &key.ciphertext,
                &key.nonce,
                key.aad_version,
            )
            .is_ok(),
            key,
        })
        .collect();
    let page = KeysPage {
        layout: Layout::for_member("API keys", "keys", member, session).await,
        keys,
        label,
        errors,
        rotate_error,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /keys`
pub(super) async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
) -> Result<Response, AppError> {
    render(
        &state,
        &session,
        &member,
        StatusCode::OK,
        String::new(),
        FieldErrors::new(),
        None,
    )
    .await
}

/// What is wrong with a pasted key, if anything.
fn secret_problem(secret: &str) -> Option<String> {
    if secret.is_empty() {
        Some("Paste the API key from the RevRing dashboard.".into())
    } else if secret.chars().count() > MAX_SECRET_CHARS {
        Some(format!(
            "An API key has at most {MAX_SECRET_CHARS} characters."
        ))
    } else if secret.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some("An API key contains no spaces or line breaks.".into())
    } else {
        None
    }
}

/// Asks RevRing whether it accepts the key; the refusal explained in a sentence.
async fn verify(state: &AppState, secret: &SecretString) -> Result<(), String> {
    state
        .revring
        .client(secret.clone())
        .verify_key()
        .await
        .map_err(|error| {
            tracing::info!(kind = ?error.kind(), "RevRing did not accept a key");
            error.user_message()
        })
}

/// `POST /keys` (admins): verifies, encrypts and stores a new key.
pub(super) async fn add(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Form(form): Form<AddKeyForm>,
) -> Result<Response, AppError> {
    member.require(Role::Admin)?;
    let label = form.label.trim().to_owned();
    let secret = SecretString::from(form.secret.trim().to_owned());
    let mut errors = FieldErrors::new();
    errors.check("label", name_problem(&label, "a label, like “Production”"));
    errors.check("secret", secret_problem(secret.expose_secret()));
    if errors.is_empty()
        && let Err(message) = verify(&state, &secret).await
    {
        errors.add("secret", message);
    }
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(&state, &session, &member, status, label, errors, None).await;
    }
    let mut tx = state.db.begin().await?;
    match api_keys::insert(
        &mut *tx,
        &state.master_key,
        member.team_id,
        &label,
        &secret,
        member.user_id,
    )
    .await
    {
        Ok(_) => {}
        Err(error) if is_unique_violation(&error) => {
            errors.add(
                "label",
                "An active key already has this label. Choose another.",
            );
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render(&state, &session, &member, status, label, errors, None).await;
        }
        Err(error) => return Err(error.into()),
    }
    record(&mut *tx, &member, AuditAction::KeyAdded, &label).await?;
    tx.commit().await?;
    Ok(done(&session, format!("Added the key “{label}”."), "/keys")
        .await
        .into_response())
}

/// `POST /keys/{id}/rotate` (admins): replaces the secret, keeping label and history.
pub(super) async fn rotate(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
    Form(form): Form<RotateForm>,
) -> Result<Response, AppError> {
    member.require(Role::Admin)?;
    let key = api_keys::find_active(&state.db, member.team_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let secret = SecretString::from(form.secret.trim().to_owned());
    let problem = match secret_problem(secret.expose_secret()) {
        Some(problem) => Some(problem),
        None => verify(&state, &secret).await.err(),
    };
    if let Some(message) = problem {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        let errors = FieldErrors::new();
        let rotate_error = Some((id, message));
        return render(
            &state,
            &session,
            &member,
            status,
            String::new(),
            errors,
            rotate_error,
        )
        .await;
    }
    let mut tx = state.db.begin().await?;
    if !api_keys::rotate(&mut *tx, &state.master_key, member.team_id, id, &secret).await? {
        return Err(AppError::NotFound);
    }
    record(&mut *tx, &member, AuditAction::KeyRotated, &key.label).await?;
    tx.commit().await?;
    Ok(done(
        &session,
        format!("Rotated the key “{}”.", key.label),
        "/keys",
    )
    .await
    .into_response())
}

/// `POST /keys/{id}/revoke` (admins).
pub(super) async fn revoke(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin)?;
    let mut tx = state.db.begin().await?;
    let label = api_keys::revoke(&mut *tx, member.team_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    record(&mut *tx, &member, AuditAction::KeyRevoked, &label).await?;
    tx.commit().await?;
    Ok(done(&session, format!("Revoked the key “{label}”."), "/keys").await)
}

#[cfg(test)]
mod tests {
    use super::{AddKeyForm, RotateForm, secret_problem};

    #[test]
    fn key_forms_never_print_the_secret() {
        let add = AddKeyForm {
            label: "Production".into(),
            secret: "rr_live_SECRETPLAIN".into(),
        };
        let rotate = RotateForm {
            secret: "rr_live_SECRETPLAIN".into(),
        };
        for printed in [format!("{add:?}"), format!("{rotate:?}")] {
            assert!(!printed.contains("SECRETPLAIN"), "{printed}");
        }
        assert!(format!("{add:?}").contains("Production"));
    }

    #[test]
    fn pasted_keys_are_checked_before_asking_revring() {
        assert!(secret_problem("").is_some());
        assert!(secret_problem("rr_abc def").is_some());
        assert!(secret_problem(&"x".repeat(600)).is_some());
        assert!(secret_problem("rr_live_1234").is_none());
    }
}
