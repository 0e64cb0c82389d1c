//! The audit log: who did what to a team's keys, members, runs and share links, and when.

use sqlx::PgExecutor;
use uuid::Uuid;

/// Actions written by this crate's account pages; other areas add their own
/// (`run.started`, `run.cancelled`, `share.created`, `share.revoked`).
pub mod actions {
    /// An API key was added.
    pub const KEY_ADDED: &str = "key.added";
    /// An API key got a new secret.
    pub const KEY_ROTATED: &str = "key.rotated";
    /// An API key was revoked.
    pub const KEY_REVOKED: &str = "key.revoked";
    /// An invitation link was created.
    pub const MEMBER_INVITED: &str = "member.invited";
    /// An invitation was revoked before use.
    pub const INVITATION_REVOKED: &str = "invitation.revoked";
    /// Someone joined through an invitation.
    pub const MEMBER_JOINED: &str = "member.joined";
    /// A member's role changed.
    pub const ROLE_CHANGED: &str = "member.role_changed";
    /// A member was removed by an admin.
    pub const MEMBER_REMOVED: &str = "member.removed";
    /// A member left the team.
    pub const MEMBER_LEFT: &str = "member.left";
    /// The team was created.
    pub const TEAM_CREATED: &str = "team.created";
}

/// One line of the audit log page.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// When.
    pub at: time::OffsetDateTime,
    /// Who (None: the account was deleted, or the system did it).
    pub actor: Option<String>,
    /// Machine name of the action, e.g. `key.added`.
    pub action: String,
    /// What it was done to, in words (a key label, an email, a run name).
    pub target: String,
}

/// Records that `user_id` did `action` to `target` in `team_id`. Never put secrets in `target`.
pub async fn audit(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    user_id: Option<Uuid>,
    action: &str,
    target: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO audit_log (team_id, user_id, action, target) VALUES ($1, $2, $3, $4)",
        team_id,
        user_id,
        action,
        target
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The team's most recent entries, newest first.
pub async fn recent(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<AuditEntry>> {
    sqlx::query_as!(
        AuditEntry,
        r#"SELECT a.at, u.display_name AS "actor?", a.action, a.target
           FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
           WHERE a.team_id = $1
           ORDER BY a.at DESC, a.id DESC
           LIMIT $2"#,
        team_id,
        limit
    )
    .fetch_all(db)
    .await
}

/// How an action reads on the audit page.
pub fn describe(action: &str) -> &str {
    match action {
        actions::KEY_ADDED => "added API key",
        actions::KEY_ROTATED => "rotated API key",
        actions::KEY_REVOKED => "revoked API key",
        actions::MEMBER_INVITED => "invited",
        actions::INVITATION_REVOKED => "revoked invitation",
        actions::MEMBER_JOINED => "joined",
        actions::ROLE_CHANGED => "changed role of",
        actions::MEMBER_REMOVED => "removed member",
        actions::MEMBER_LEFT => "left the team",
        actions::TEAM_CREATED => "created the team",
        "run.started" => "started run",
        "run.cancelled" => "cancelled run",
        "share.created" => "created share link for",
        "share.revoked" => "revoked share link for",
        other => other,
    }
}
