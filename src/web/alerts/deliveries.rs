//! The delivery log: each alert, its channel, attempts, the receiver's answer and the last error.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use tower_sessions::Session;

use super::page::{channel_kind_words, rule_words};
use crate::app::state::AppState;
use crate::db::alert_deliveries::{self, DeliveryRow};
use crate::web::kit::error::AppError;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;

/// Deliveries shown.
const LOG_LINES: i64 = 200;

#[derive(Template)]
#[template(path = "alerts/deliveries.html")]
struct DeliveriesPage {
    layout: Layout,
    deliveries: Vec<DeliveryRow>,
}

impl DeliveriesPage {
    fn what(&self, row: &DeliveryRow) -> String {
        rule_words(&row.kind, None).replace(" under 0%", " under the threshold")
    }

    fn kind_words(&self, row: &DeliveryRow) -> &'static str {
        channel_kind_words(&row.channel_kind)
    }

    fn state_words(&self, row: &DeliveryRow) -> &'static str {
        match (row.state.as_str(), row.attempts) {
            ("delivered", _) => "Delivered",
            ("failed", _) => "Gave up",
            (_, 0) => "Queued",
            _ => "Retrying",
        }
    }

    fn state_css(&self, row: &DeliveryRow) -> &'static str {
        match row.state.as_str() {
            "delivered" => "badge-pass",
            "failed" => "badge-fail",
            _ => "badge-running",
        }
    }
}

/// `GET /alerts/deliveries`
pub(super) async fn index(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
) -> Result<Html<String>, AppError> {
    let page = DeliveriesPage {
        layout: Layout::for_member("Alert deliveries", "alerts", &member, &session).await,
        deliveries: alert_deliveries::log(&state.db, member.team_id, LOG_LINES).await?,
    };
    Ok(Html(page.render()?))
}
