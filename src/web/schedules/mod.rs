//! Schedules: suites that run themselves. The section on a suite's page, the new-schedule form,
//! one schedule's page, pause / resume / delete. Templates in `templates/schedules/`.

pub(crate) mod form;
mod pages;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::AppState;
pub(crate) use pages::{ScheduleLine, create_schedule, lines_for_suite};

/// The schedule pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/suites/{id}/schedules/new", get(pages::new))
        .route("/suites/{id}/schedules", post(pages::create))
        .route("/schedules/{id}", get(pages::show))
        .route("/schedules/{id}/pause", post(pages::pause))
        .route("/schedules/{id}/resume", post(pages::resume))
        .route("/schedules/{id}/delete", post(pages::delete))
}
