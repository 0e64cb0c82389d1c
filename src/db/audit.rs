//! The audit log: who did what to a team's keys, members, runs, share links, reviews and known
//! issues, and when.

use sqlx::PgExecutor;
use uuid::Uuid;

/// What an audit entry records, stored as its machine name (`key.added`, …) in `audit_log.action`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    /// An API key was added.
    KeyAdded,
    /// An API key got a new secret.
    KeyRotated,
    /// An API key was revoked.
    KeyRevoked,
    /// An invitation link was created.
    MemberInvited,
    /// An invitation was revoked before use.
    InvitationRevoked,
    /// Someone joined through an invitation.
    MemberJoined,
    /// A member's role changed.
    RoleChanged,
    /// A member was removed by an admin.
    MemberRemoved,
    /// A member left the team.
    MemberLeft,
    /// The team was created.
    TeamCreated,
    /// A run was started from Ringside.
    RunStarted,
    /// A run was cancelled from Ringside.
    RunCancelled,
    /// A share link was created.
    ShareCreated,
    /// A share link was revoked.
    ShareRevoked,
    /// An attempt's review was recorded or changed.
    AttemptReviewed,
    /// An attempt's review was removed.
    ReviewRemoved,
    /// A known issue was recorded.
    KnownIssueCreated,
    /// A known issue was resolved.
    KnownIssueResolved,
    /// A resolved known issue was opened again.
    KnownIssueReopened,
    /// A test case was linked to a known issue.
    KnownIssueLinked,
    /// A schedule was created.
    ScheduleCreated,
    /// A schedule was changed.
    ScheduleChanged,
    /// A schedule was paused (by a person, or by itself with the reason).
    SchedulePaused,
    /// A schedule was resumed.
    ScheduleResumed,
    /// A schedule was deleted.
    ScheduleDeleted,
    /// An alert channel was added.
    AlertChannelAdded,
    /// An alert channel was removed.
    AlertChannelRemoved,
    /// A test alert was sent to a channel.
    AlertChannelTested,
    /// An alert rule was added.
    AlertRuleAdded,
    /// An alert rule was removed.
    AlertRuleRemoved,
    /// An API token was created (on the tokens page or by `ringside token create`).
    TokenCreated,
    /// An API token was revoked.
    TokenRevoked,
    /// An API token was refused: revoked, expired, or its scope does not allow the action.
    TokenDenied,
}

impl AuditAction {
    /// Every action, for mapping stored names back.
    pub const ALL: [AuditAction; 33] = [
        Self::KeyAdded,
        Self::KeyRotated,
        Self::KeyRevoked,
        Self::MemberInvited,
        Self::InvitationRevoked,
        Self::MemberJoined,
        Self::RoleChanged,
        Self::MemberRemoved,
        Self::MemberLeft,
        Self::TeamCreated,
        Self::RunStarted,
        Self::RunCancelled,
        Self::ShareCreated,
        Self::ShareRevoked,
        Self::AttemptReviewed,
        Self::ReviewRemoved,
        Self::KnownIssueCreated,
        Self::KnownIssueResolved,
        Self::KnownIssueReopened,
        Self::KnownIssueLinked,
        Self::ScheduleCreated,
        Self::ScheduleChanged,
        Self::SchedulePaused,
        Self::ScheduleResumed,
        Self::ScheduleDeleted,
        Self::AlertChannelAdded,
        Self::AlertChannelRemoved,
        Self::AlertChannelTested,
        Self::AlertRuleAdded,
        Self::AlertRuleRemoved,
        Self::TokenCreated,
        Self::TokenRevoked,
        Self::TokenDenied,
    ];

    /// The stored machine name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::KeyAdded => "key.added",
            Self::KeyRotated => "key.rotated",
            Self::KeyRevoked => "key.revoked",
            Self::MemberInvited => "member.invited",
            Self::InvitationRevoked => "invitation.revoked",
            Self::MemberJoined => "member.joined",
            Self::RoleChanged => "member.role_changed",
            Self::MemberRemoved => "member.removed",
            Self::MemberLeft => "member.left",
            Self::TeamCreated => "team.created",
            Self::RunStarted => "run.started",
            Self::RunCancelled => "run.cancelled",
            Self::ShareCreated => "share.created",
            Self::ShareRevoked => "share.revoked",
            Self::AttemptReviewed => "attempt.reviewed",
            Self::ReviewRemoved => "attempt.review_removed",
            Self::KnownIssueCreated => "known_issue.created",
            Self::KnownIssueResolved => "known_issue.resolved",
            Self::KnownIssueReopened => "known_issue.reopened",
            Self::KnownIssueLinked => "known_issue.linked",
            Self::ScheduleCreated => "schedule.created",
            Self::ScheduleChanged => "schedule.changed",
            Self::SchedulePaused => "schedule.paused",
            Self::ScheduleResumed => "schedule.resumed",
            Self::ScheduleDeleted => "schedule.deleted",
            Self::AlertChannelAdded => "alert_channel.added",
            Self::AlertChannelRemoved => "alert_channel.removed",
            Self::AlertChannelTested => "alert_channel.tested",
            Self::AlertRuleAdded => "alert_rule.added",
            Self::AlertRuleRemoved => "alert_rule.removed",
            Self::TokenCreated => "token.created",
            Self::TokenRevoked => "token.revoked",
            Self::TokenDenied => "token.denied",
        }
    }

    /// The action stored under `name`, if Ringside writes it.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|action| action.as_str() == name)
    }
}

/// One line of the audit log page.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    /// When.
    pub at: time::OffsetDateTime,
    /// Who (None: the account was deleted, or the system did it).
    pub actor: Option<String>,
    /// The action (`None`: a name this version does not write).
    pub action: Option<AuditAction>,
    /// What it was done to, in words (a key label, an email, a run name).
    pub target: String,
}

/// Records that `user_id` did `action` to `target` in `team_id`. Never put secrets in `target`.
pub async fn audit(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    user_id: Option<Uuid>,
    action: AuditAction,
    target: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "INSERT INTO audit_log (team_id, user_id, action, target) VALUES ($1, $2, $3, $4)",
        team_id,
        user_id,
        action.as_str(),
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
    let rows = sqlx::query!(
        r#"SELECT a.at, u.display_name AS "actor?", a.action, a.target
           FROM audit_log a LEFT JOIN users u ON u.id = a.user_id
           WHERE a.team_id = $1
           ORDER BY a.at DESC, a.id DESC
           LIMIT $2"#,
        team_id,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| AuditEntry {
            at: row.at,
            actor: row.actor,
            action: AuditAction::parse(&row.action),
            target: row.target,
        })
        .collect())
}
