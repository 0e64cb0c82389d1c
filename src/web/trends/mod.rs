//! Trends: the team dashboard, a suite's trend with its charts, the case history grid, flaky
//! cases and run comparison. Templates in `templates/trends/`. The loaders are public because
//! `ringside bench` measures the SQL each page needs beside the full page.

pub mod cases;
mod charts;
pub mod compare;
pub mod dashboard;
pub mod drawn;
pub mod grid;
mod marks;
pub mod suite;

use axum::Router;
use axum::routing::get;

use crate::app::state::AppState;

/// The trend pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(dashboard::show))
        .route("/suites/{id}/trend", get(suite::show))
        .route("/suites/{id}/cases", get(cases::history))
        .route("/suites/{id}/flaky", get(cases::flaky))
        .route("/compare", get(compare::show))
        .route("/compare/case", get(compare::case))
}
