//! The audit log page: who changed keys, members, runs and share links, and when (admins).

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use tower_sessions::Session;

use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::audit::{self, AuditAction, AuditEntry};
use crate::web::kit::error::AppError;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;

/// How many entries the page shows.
pub(super) const AUDIT_PAGE_SIZE: i64 = 500;

#[derive(Template)]
#[template(path = "accounts/audit.html")]
struct AuditPage {
    layout: Layout,
    entries: Vec<AuditEntry>,
}

impl AuditPage {
    /// The stored name, for scripts and tests that read the page.
    fn machine_name(&self, action: &Option<AuditAction>) -> &'static str {
        action.map_or("unknown", AuditAction::as_str)
    }

    /// How an action reads on the page.
    fn describe(&self, action: &Option<AuditAction>) -> &'static str {
        let Some(action) = action else {
            return "did something this version does not know to";
        };
        match action {
            AuditAction::KeyAdded => "added API key",
            AuditAction::KeyRotated => "rotated API key",
            AuditAction::KeyRevoked => "revoked API key",
            AuditAction::MemberInvited => "invited",
            AuditAction::InvitationRevoked => "revoked invitation",
            AuditAction::MemberJoined => "joined",
            AuditAction::RoleChanged => "changed role of",
            AuditAction::MemberRemoved => "removed member",
            AuditAction::MemberLeft => "left the team",
            AuditAction::TeamCreated => "created the team",
            AuditAction::RunStarted => "started",
            AuditAction::RunCancelled => "cancelled",
            AuditAction::ShareCreated => "created a share link to",
            AuditAction::ShareRevoked => "revoked a share link to",
            AuditAction::AttemptReviewed => "reviewed",
            AuditAction::ReviewRemoved => "removed the review of",
            AuditAction::KnownIssueCreated => "recorded known issue",
            AuditAction::KnownIssueResolved => "resolved known issue",
            AuditAction::KnownIssueReopened => "reopened known issue",
            AuditAction::KnownIssueLinked => "linked a test case to known issue",
            AuditAction::ScheduleCreated => "created",
            AuditAction::ScheduleChanged => "changed",
            AuditAction::SchedulePaused => "paused",
            AuditAction::ScheduleResumed => "resumed",
            AuditAction::ScheduleDeleted => "deleted",
            AuditAction::AlertChannelAdded => "added alert channel",
            AuditAction::AlertChannelRemoved => "removed alert channel",
            AuditAction::AlertChannelTested => "sent a test alert to",
            AuditAction::AlertRuleAdded => "added alert rule",
            AuditAction::AlertRuleRemoved => "removed alert rule",
            AuditAction::TokenCreated => "created API token",
            AuditAction::TokenRevoked => "revoked API token",
            AuditAction::TokenDenied => "was refused with API token",
        }
    }
}

/// `GET /audit`
pub(super) async fn show(
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
