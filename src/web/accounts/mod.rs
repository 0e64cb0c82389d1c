//! Accounts and teams: first-start setup, signing in and out, invitations, the user's own page,
//! the team page, RevRing keys and the audit log. Templates in `templates/accounts/`.

mod account;
mod audit;
mod invite;
mod keys;
mod login;
pub(crate) mod setup;
mod team;
pub(crate) mod tokens;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::AppState;

/// The account and team pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/setup", get(setup::show).post(setup::create))
        .route("/login", get(login::show).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/logout/everywhere", post(login::logout_everywhere))
        .route("/account", get(account::show))
        .route("/teams", post(account::create_team))
        .route("/teams/switch", post(account::switch))
        .route("/team", get(team::show))
        .route("/team/invitations", post(team::invite))
        .route(
            "/team/invitations/{id}/revoke",
            post(team::revoke_invitation),
        )
        .route("/team/members/{user_id}/role", post(team::change_role))
        .route("/team/members/{user_id}/remove", post(team::remove))
        .route("/team/leave", post(team::leave))
        .route("/invite/{token}", get(invite::show).post(invite::accept))
        .route("/keys", get(keys::show).post(keys::add))
        .route("/keys/{id}/rotate", post(keys::rotate))
        .route("/keys/{id}/revoke", post(keys::revoke))
        .route("/audit", get(audit::show))
        .route("/tokens", get(tokens::show).post(tokens::create))
        .route("/tokens/{id}/revoke", post(tokens::revoke))
}
