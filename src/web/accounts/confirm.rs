//! The confirm steps of the accounts' destructive actions: revoking a key, removing a member,
//! leaving the team. Each GET answers a page that asks, then posts to the same URL.

use axum::extract::State;
use axum::response::Html;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::{accounts, api_keys};
use crate::web::kit::confirm::{self, Question};
use crate::web::kit::error::AppError;
use crate::web::kit::extract::Path;
use crate::web::kit::member::CurrentMember;

/// `GET /keys/{id}/revoke`: asks before revoking an active key of the team (admins).
pub(super) async fn revoke_key(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
) -> Result<Html<String>, AppError> {
    member.require(Role::Admin)?;
    let key = api_keys::list(&state.db, member.team_id)
        .await?
        .into_iter()
        .find(|key| key.id == id && key.revoked_at.is_none())
        .ok_or(AppError::NotFound)?;
    let question = Question {
        question: format!("Revoke the key “{}”?", key.label),
        detail: "Ringside stops using it at once: runs that need it can no longer be started \
                 or followed, and its secret is erased. This cannot be undone."
            .into(),
        action: format!("/keys/{id}/revoke"),
        button: "Revoke key",
        back: "/keys".into(),
    };
    confirm::page(&member, &session, "keys", question).await
}

/// `GET /team/members/{user_id}/remove`: asks before removing a member (admins).
pub(super) async fn remove_member(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(user_id): Path<Uuid>,
) -> Result<Html<String>, AppError> {
    member.require(Role::Admin)?;
    let other = accounts::members(&state.db, member.team_id)
        .await?
        .into_iter()
        .find(|row| row.user_id == user_id)
        .ok_or(AppError::NotFound)?;
    let question = Question {
        question: format!("Remove {} from “{}”?", other.display_name, member.team_name),
        detail: format!(
            "{} ({}) loses access to the team's runs, keys and share links at once. \
             An admin can invite them again later.",
            other.display_name, other.email
        ),
        action: format!("/team/members/{user_id}/remove"),
        button: "Remove member",
        back: "/team".into(),
    };
    confirm::page(&member, &session, "team", question).await
}

/// `GET /team/leave`: asks before leaving the current team.
pub(super) async fn leave(
    session: Session,
    member: CurrentMember,
) -> Result<Html<String>, AppError> {
    let question = Question {
        question: format!("Leave “{}”?", member.team_name),
        detail: "You lose access to its runs and keys at once; an admin can invite you again. \
                 A team's last admin cannot leave."
            .into(),
        action: "/team/leave".into(),
        button: "Leave team",
        back: "/team".into(),
    };
    confirm::page(&member, &session, "team", question).await
}
