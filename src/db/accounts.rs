//! Users, teams and memberships.

use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

use crate::auth::Role;

/// What sign-in needs to know about an account (`Debug` leaves the hash out).
pub struct LoginRow {
    /// The user.
    pub id: Uuid,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Current session epoch (see [`bump_session_epoch`]).
    pub session_epoch: i32,
}

impl std::fmt::Debug for LoginRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRow")
            .field("id", &self.id)
            .field("password_hash", &"[redacted]")
            .field("session_epoch", &self.session_epoch)
            .finish()
    }
}

/// A signed-in user's account.
#[derive(Debug, Clone)]
pub struct UserRow {
    /// The user.
    pub id: Uuid,
    /// Email address, as entered.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Sessions carrying another epoch are signed out.
    pub session_epoch: i32,
    /// The database snapshot the row was read in ([`crate::db::snapshot`]): what a request's
    /// shared page reads are kept under, read here to save a round trip.
    pub snapshot: String,
}

/// One team a user belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamChoice {
    /// The team.
    pub team_id: Uuid,
    /// Its name.
    pub team_name: String,
    /// The user's role there.
    pub role: Role,
}

/// A member as the team page lists them.
#[derive(Debug, Clone)]
pub struct MemberRow {
    /// The user.
    pub user_id: Uuid,
    /// Email address.
    pub email: String,
    /// Name.
    pub display_name: String,
    /// Role in this team.
    pub role: Role,
    /// When they joined.
    pub joined_at: time::OffsetDateTime,
}

/// True once any account exists (setup is then over for good).
pub async fn any_user(db: impl PgExecutor<'_>) -> sqlx::Result<bool> {
    sqlx::query_scalar!(r#"SELECT EXISTS (SELECT 1 FROM users) AS "exists!""#)
        .fetch_one(db)
        .await
}

/// Inserts a user; fails with a unique violation when the email is taken.
pub async fn insert_user(
    db: impl PgExecutor<'_>,
    email: &str,
    display_name: &str,
    password_hash: &str,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "INSERT INTO users (email, display_name, password_hash) VALUES ($1, $2, $3) RETURNING id",
        email,
        display_name,
        password_hash
    )
    .fetch_one(db)
    .await
}

/// Creates a team with `user_id` as its admin.
pub async fn insert_team_with_admin(
    db: &mut sqlx::PgConnection,
    name: &str,
    user_id: Uuid,
) -> sqlx::Result<Uuid> {
    let team_id = sqlx::query_scalar!("INSERT INTO teams (name) VALUES ($1) RETURNING id", name)
        .fetch_one(&mut *db)
        .await?;
    add_member(&mut *db, team_id, user_id, Role::Admin).await?;
    Ok(team_id)
}

/// Adds a membership; does nothing when the user already belongs to the team. True if added.
pub async fn add_member(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> sqlx::Result<bool> {
    let result = sqlx::query!(
        "INSERT INTO memberships (team_id, user_id, role) VALUES ($1, $2, $3)
         ON CONFLICT (team_id, user_id) DO NOTHING",
        team_id,
        user_id,
        role as Role
    )
    .execute(db)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// The account behind an email (case-insensitive), for sign-in.
pub async fn find_login(db: impl PgExecutor<'_>, email: &str) -> sqlx::Result<Option<LoginRow>> {
    sqlx::query_as!(
        LoginRow,
        "SELECT id, password_hash, session_epoch FROM users WHERE lower(email) = lower($1)",
        email
    )
    .fetch_optional(db)
    .await
}

/// The user and every team they belong to, by name, in one round trip (it is on every page's
/// path). `None` when the account is gone.
pub async fn user_with_teams(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
) -> sqlx::Result<Option<(UserRow, Vec<TeamChoice>)>> {
    let rows = sqlx::query!(
        r#"SELECT u.id, u.email, u.display_name, u.session_epoch,
                  t.id AS "team_id?", t.name AS "team_name?", m.role AS "role?: Role",
                  pg_current_snapshot()::text AS "snapshot!"
           FROM users u
           LEFT JOIN memberships m ON m.user_id = u.id
           LEFT JOIN teams t ON t.id = m.team_id
           WHERE u.id = $1
           ORDER BY lower(t.name), t.id"#,
        user_id
    )
    .fetch_all(db)
    .await?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let user = UserRow {
        id: first.id,
        email: first.email.clone(),
        display_name: first.display_name.clone(),
        session_epoch: first.session_epoch,
        snapshot: first.snapshot.clone(),
    };
    let teams = rows
        .into_iter()
        .filter_map(|row| {
            Some(TeamChoice {
                team_id: row.team_id?,
                team_name: row.team_name?,
                role: row.role?,
            })
        })
        .collect();
    Ok(Some((user, teams)))
}

/// Every team the user belongs to, by name.
pub async fn teams_of(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<Vec<TeamChoice>> {
    sqlx::query_as!(
        TeamChoice,
        r#"SELECT t.id AS team_id, t.name AS team_name, m.role AS "role: Role"
           FROM memberships m JOIN teams t ON t.id = m.team_id
           WHERE m.user_id = $1
           ORDER BY lower(t.name), t.id"#,
        user_id
    )
    .fetch_all(db)
    .await
}

/// Ends every session of the user (they all carry the old epoch); returns the new epoch.
pub async fn bump_session_epoch(db: impl PgExecutor<'_>, user_id: Uuid) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        "UPDATE users SET session_epoch = session_epoch + 1 WHERE id = $1 RETURNING session_epoch",
        user_id
    )
    .fetch_one(db)
    .await
}

/// Renames the user.
pub async fn set_display_name(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    display_name: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE users SET display_name = $2 WHERE id = $1",
        user_id,
        display_name
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Replaces the user's password hash and ends every session of theirs (a new epoch, returned).
pub async fn set_password(
    db: impl PgExecutor<'_>,
    user_id: Uuid,
    password_hash: &str,
) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        "UPDATE users SET password_hash = $2, session_epoch = session_epoch + 1
         WHERE id = $1 RETURNING session_epoch",
        user_id,
        password_hash
    )
    .fetch_one(db)
    .await
}

/// The team's members, admins first.
pub async fn members(db: &PgPool, team_id: Uuid) -> sqlx::Result<Vec<MemberRow>> {
    sqlx::query_as!(
        MemberRow,
        r#"SELECT u.id AS user_id, u.email, u.display_name, m.role AS "role: Role",
                  m.created_at AS joined_at
           FROM memberships m JOIN users u ON u.id = m.user_id
           WHERE m.team_id = $1
           ORDER BY m.role DESC, lower(u.display_name), u.id"#,
        team_id
    )
    .fetch_all(db)
    .await
}

/// Why a membership change was refused.
#[derive(Debug, thiserror::Error)]
pub enum MembershipError {
    /// The user is not in this team (or the team is someone else's): a 404.
    #[error("no such member")]
    NotAMember,
    /// The change would leave the team without an admin.
    #[error("a team needs at least one admin")]
    LastAdmin,
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The member's email and old role, after changing (`Some(role)`) or removing (`None`) their
/// membership; refuses to leave the team without an admin.
pub async fn change_membership(
    db: &PgPool,
    team_id: Uuid,
    user_id: Uuid,
    new_role: Option<Role>,
) -> Result<(String, Role), MembershipError> {
    let mut tx = db.begin().await?;
    // Lock the team's memberships so two concurrent demotions cannot both see a second admin.
    let roles = sqlx::query!(
        r#"SELECT m.user_id, m.role AS "role: Role", u.email
           FROM memberships m JOIN users u ON u.id = m.user_id
           WHERE m.team_id = $1 FOR UPDATE OF m"#,
        team_id
    )
    .fetch_all(&mut *tx)
    .await?;
    let target = roles
        .iter()
        .find(|row| row.user_id == user_id)
        .ok_or(MembershipError::NotAMember)?;
    let admins = roles.iter().filter(|row| row.role == Role::Admin).count();
    if target.role == Role::Admin && new_role != Some(Role::Admin) && admins <= 1 {
        return Err(MembershipError::LastAdmin);
    }
    match new_role {
        Some(role) => {
            sqlx::query!(
                "UPDATE memberships SET role = $3 WHERE team_id = $1 AND user_id = $2",
                team_id,
                user_id,
                role as Role
            )
            .execute(&mut *tx)
            .await?;
        }
        None => {
            sqlx::query!(
                "DELETE FROM memberships WHERE team_id = $1 AND user_id = $2",
                team_id,
                user_id
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok((target.email.clone(), target.role))
}

/// True when a database error is a unique-constraint violation.
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|error| error.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_row_never_prints_its_hash() {
        let row = LoginRow {
            id: Uuid::nil(),
            password_hash: "$argon2id$v=19$secret-hash".into(),
            session_epoch: 3,
        };
        let printed = format!("{row:?}");
        assert!(
            !printed.contains("argon2id") && printed.contains("[redacted]"),
            "{printed}"
        );
    }
}
