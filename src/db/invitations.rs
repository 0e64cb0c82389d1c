//! Invitations: one-time links that add a person to a team with a preset role.

use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::auth::Role;

/// How long an invitation link stays valid.
pub const INVITATION_TTL: time::Duration = time::Duration::days(7);

/// A pending invitation as the team page lists it.
#[derive(Debug, Clone)]
pub struct PendingInvitation {
    /// The invitation.
    pub id: Uuid,
    /// Role the invitee gets.
    pub role: Role,
    /// Who it is meant for, if the admin said.
    pub email: Option<String>,
    /// Who created it.
    pub created_by: Option<String>,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// An invitation looked up by its token, whatever its state.
#[derive(Debug, Clone)]
pub struct InvitationView {
    /// The invitation.
    pub id: Uuid,
    /// The team it adds to.
    pub team_id: Uuid,
    /// That team's name.
    pub team_name: String,
    /// Role the invitee gets.
    pub role: Role,
    /// Who it is meant for, if the admin said.
    pub email: Option<String>,
    /// True while it can still be accepted.
    pub usable: bool,
}

/// Stores a new invitation (only the token's hash).
pub async fn create(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    role: Role,
    email: Option<&str>,
    created_by: Uuid,
    token_hash: &[u8],
) -> sqlx::Result<Uuid> {
    let expires_at = OffsetDateTime::now_utc() + INVITATION_TTL;
    sqlx::query_scalar!(
        "INSERT INTO invitations (team_id, role, email, created_by, token_hash, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        team_id,
        role as Role,
        email,
        created_by,
        token_hash,
        expires_at
    )
    .fetch_one(db)
    .await
}

/// The team's invitations that can still be accepted.
pub async fn pending(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
) -> sqlx::Result<Vec<PendingInvitation>> {
    sqlx::query_as!(
        PendingInvitation,
        r#"SELECT i.id, i.role AS "role: Role", i.email, u.display_name AS "created_by?",
                  i.expires_at
           FROM invitations i LEFT JOIN users u ON u.id = i.created_by
           WHERE i.team_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
             AND i.expires_at > now()
           ORDER BY i.created_at DESC"#,
        team_id
    )
    .fetch_all(db)
    .await
}

/// Revokes a pending invitation of this team; its email (or "a link") if there was one.
pub async fn revoke(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<Option<String>>> {
    sqlx::query_scalar!(
        "UPDATE invitations SET revoked_at = now()
         WHERE team_id = $1 AND id = $2 AND accepted_at IS NULL AND revoked_at IS NULL
         RETURNING email",
        team_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// The invitation behind a token hash, if any.
pub async fn find(
    db: impl PgExecutor<'_>,
    token_hash: &[u8],
) -> sqlx::Result<Option<InvitationView>> {
    sqlx::query_as!(
        InvitationView,
        r#"SELECT i.id, i.team_id, t.name AS team_name, i.role AS "role: Role", i.email,
                  (i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now())
                    AS "usable!"
           FROM invitations i JOIN teams t ON t.id = i.team_id
           WHERE i.token_hash = $1"#,
        token_hash
    )
    .fetch_optional(db)
    .await
}

/// Uses up the invitation for `user_id` and adds them to its team, in the caller's
/// transaction. `None` when it was already used, revoked or expired (checked under the row
/// lock, so a link works exactly once). The bool says whether a membership was added.
pub async fn accept(
    tx: &mut PgConnection,
    token_hash: &[u8],
    user_id: Uuid,
) -> sqlx::Result<Option<(Uuid, Role, bool)>> {
    let accepted = sqlx::query!(
        r#"UPDATE invitations SET accepted_at = now(), accepted_by = $2
           WHERE token_hash = $1 AND accepted_at IS NULL AND revoked_at IS NULL
             AND expires_at > now()
           RETURNING team_id, role AS "role: Role""#,
        token_hash,
        user_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = accepted else {
        return Ok(None);
    };
    let added = super::accounts::add_member(&mut *tx, row.team_id, user_id, row.role).await?;
    Ok(Some((row.team_id, row.role, added)))
}
