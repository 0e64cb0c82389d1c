//! Share links: members create, list and revoke them (`links`); anyone holding one sees the
//! linked page read-only (`public`). Templates in `templates/sharing/`.

pub(crate) mod links;
pub(crate) mod public;
pub(crate) mod throttle;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::AppState;

/// The members' pages that manage links (the public pages are [`public::routes`]).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/share", post(links::create))
        .route("/shares", get(links::index))
        .route(
            "/shares/{id}/revoke",
            get(links::confirm_revoke).post(links::revoke),
        )
        .route("/shares/by/{user_id}/revoke", post(links::revoke_all_by))
}
