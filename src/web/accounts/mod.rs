//! Accounts and teams: first-start setup, signing in and out, invitations, the user's own page,
//! the team page, RevRing keys and the audit log. Templates in `templates/accounts/`.

pub(crate) mod account;
mod audit;
mod confirm;
mod invite;
mod keys;
mod login;
mod profile;
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
        .route("/account/name", post(profile::change_name))
        .route("/account/password", post(profile::change_password))
        .route("/teams", post(account::create_team))
        .route("/teams/switch", post(account::switch))
        .route("/team", get(team::show))
        .route("/team/invitations", post(team::invite))
        .route(
            "/team/invitations/{id}/revoke",
            post(team::revoke_invitation),
        )
        .route("/team/members/{user_id}/role", post(team::change_role))
        .route(
            "/team/members/{user_id}/remove",
            get(confirm::remove_member).post(team::remove),
        )
        .route("/team/leave", get(confirm::leave).post(team::leave))
        .route("/invite/{token}", get(invite::show).post(invite::accept))
        .route("/keys", get(keys::show).post(keys::add))
        .route("/keys/{id}/rotate", post(keys::rotate))
        .route(
            "/keys/{id}/revoke",
            get(confirm::revoke_key).post(keys::revoke),
        )
        .route("/audit", get(audit::show))
        .route("/tokens", get(tokens::show).post(tokens::create))
        .route("/tokens/{id}/revoke", post(tokens::revoke))
}
