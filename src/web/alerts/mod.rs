//! Alerts: channels (Slack, signed webhook, e-mail) with a "send test" button, rules that say
//! when a finished run alerts, and the delivery log. Templates in `templates/alerts/`.

pub(crate) mod channels;
mod deliveries;
pub(crate) mod page;
pub(crate) mod rules;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::AppState;

/// The alert pages.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/alerts", get(page::index))
        .route("/alerts/channels", post(channels::create))
        .route("/alerts/channels/{id}/delete", post(channels::delete))
        .route("/alerts/channels/{id}/test", post(channels::test))
        .route("/alerts/rules", post(rules::create))
        .route("/alerts/rules/{id}/delete", post(rules::delete))
        .route("/alerts/deliveries", get(deliveries::index))
}
