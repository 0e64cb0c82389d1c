//! The team's suites: the list (refreshed from RevRing on demand), one suite with its test
//! cases and runs, and the start-run form. Templates in `templates/suites/`.

mod agents;
mod pages;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::AppState;

/// The suite pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/suites", get(pages::index))
        .route("/suites/refresh", post(pages::refresh))
        .route("/suites/{id}", get(pages::show))
        .route("/suites/{id}/runs", post(pages::start))
}
