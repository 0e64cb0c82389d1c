//! The shape every audited action shares: the audit row as done by the member in their team
//! (inside the action's transaction where it has one), then a success message shown once on
//! the page the browser is sent to.

use axum::response::Redirect;
use sqlx::PgExecutor;
use tower_sessions::Session;

use crate::db::audit::{AuditAction, audit};
use crate::web::kit::error::AppError;
use crate::web::kit::layout::{FlashKind, push_flash};
use crate::web::kit::member::CurrentMember;

/// Writes `action` on `target` to the audit log, done by `member` in their current team.
pub(crate) async fn record(
    db: impl PgExecutor<'_>,
    member: &CurrentMember,
    action: AuditAction,
    target: &str,
) -> Result<(), AppError> {
    audit(db, member.team_id, Some(member.user_id), action, target).await?;
    Ok(())
}

/// Ends an action that worked: `message` is shown once on `to`, where the browser goes next.
pub(crate) async fn done(session: &Session, message: impl Into<String>, to: &str) -> Redirect {
    push_flash(session, FlashKind::Success, message).await;
    Redirect::to(to)
}
