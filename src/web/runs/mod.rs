//! Runs: the team's list, the run page (live for members), an attempt with its recording, the
//! exports, and search over transcripts. Templates in `templates/runs/`.

pub(crate) mod access;
mod attempt;
mod attempt_data;
pub(crate) mod body;
mod calls;
pub(crate) mod exports;
pub(crate) mod line;
mod list;
pub(crate) mod live;
mod live_cache;
mod recording;
mod search;

use axum::Router;
use axum::routing::get;

use crate::app::state::AppState;

/// The members' run pages, plus the list, live events, cancel and search.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/runs", get(list::index))
        .route("/runs/{run_id}/events", get(live::events))
        .route(
            "/runs/{run_id}/cancel",
            get(live::confirm_cancel).post(live::cancel),
        )
        .route("/search", get(search::show))
        .merge(run_pages("/runs/{run_id}"))
}

/// The pages of one run below `prefix` (`/runs/{run_id}` for members,
/// `/s/{token}/runs/{run_id}` for share links): the same handlers for both, told apart by
/// [`access::RunAccess`].
pub(crate) fn run_pages(prefix: &str) -> Router<AppState> {
    Router::new()
        .route(prefix, get(live::show))
        .route(&format!("{prefix}/export.csv"), get(exports::csv))
        .route(&format!("{prefix}/export.xml"), get(exports::junit))
        .route(&format!("{prefix}/export.json"), get(exports::json))
        .route(
            &format!("{prefix}/attempts/{{attempt_id}}"),
            get(attempt::show),
        )
        .route(
            &format!("{prefix}/attempts/{{attempt_id}}/recording"),
            get(attempt::recording),
        )
}
