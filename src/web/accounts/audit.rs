//! The audit log page: who changed keys, members, runs and share links, and when (admins).

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use tower_sessions::Session;

use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::audit::{self, AuditEntry};
use crate::web::kit::error::AppError;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;

/// How many entries the page shows.
pub const AUDIT_PAGE_SIZE: i64 = 500;

#[derive(Template)]
#[template(path = "accounts/audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<AuditEntry>,
}

impl AuditPage {
    fn describe<'a>(&self, action: &'a str) -> &'a str {
        audit::describe(action)
    }
}

/// `GET /audit`
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
) -> Result<Html<String>, AppError> {
    member.require(Role::Admin)?;
    let entries = audit::recent(&state.db, member.team_id, AUDIT_PAGE_SIZE).await?;
    let page = AuditPage {
        layout: Layout::for_member("Audit log", "audit", &member, &session).await,
        entries,
    };
    Ok(Html(page.render()?))
}
