//! Share links: read-only `/s/{token}` links to a run, a suite's run history or a suite's trend
//! page. Only the token's SHA-256 is stored.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// A share link as the list of links shows it.
#[derive(Debug, Clone)]
pub struct ShareLinkRow {
    /// Ringside's id.
    pub id: Uuid,
    /// `run`, `suite` or `suite_trend`.
    pub target_kind: String,
    /// The run's or suite's id.
    pub target_id: Uuid,
    /// What it shows, in words (the run's or suite's name), when the target still exists.
    pub target_name: Option<String>,
    /// Who created it (None: the account is gone).
    pub created_by: Option<Uuid>,
    /// Their name.
    pub created_by_name: Option<String>,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it stops working (None: never).
    pub expires_at: Option<OffsetDateTime>,
    /// When it was revoked.
    pub revoked_at: Option<OffsetDateTime>,
}

/// A link found by its token, whatever its state.
#[derive(Debug, Clone)]
pub struct ResolvedLink {
    /// Ringside's id.
    pub id: Uuid,
    /// The team whose page it shows.
    pub team_id: Uuid,
    /// `run`, `suite` or `suite_trend`.
    pub target_kind: String,
    /// The run's or suite's id.
    pub target_id: Uuid,
    /// Whether it has expired or was revoked.
    pub ended: bool,
    /// The team's name, shown to the link's viewers.
    pub team_name: String,
    /// When the link stops working (`None`: never).
    pub expires_at: Option<OffsetDateTime>,
    /// The database snapshot the link was read in ([`crate::db::snapshot`]): the key of the
    /// shared reads of the pages it opens (`web::kit::page_data`).
    pub snapshot: String,
}

/// Stores a new link; returns its id.
pub async fn insert(
    db: &PgPool,
    team_id: Uuid,
    token_hash: &[u8],
    target_kind: &str,
    target_id: Uuid,
    created_by: Uuid,
    expires_at: Option<OffsetDateTime>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "INSERT INTO share_links (team_id, token_hash, target_kind, target_id, created_by,
                                  expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id",
        team_id,
        token_hash,
        target_kind,
        target_id,
        created_by,
        expires_at,
    )
    .fetch_one(db)
    .await
}

/// The link whose token hashes to `token_hash`, with whether it has ended: revoked, expired,
/// or older than `max_days` (the operator's maximum lifetime, applied to links made before it
/// was set too).
pub async fn resolve(
    db: &PgPool,
    token_hash: &[u8],
    max_days: Option<i32>,
) -> sqlx::Result<Option<ResolvedLink>> {
    sqlx::query_as!(
        ResolvedLink,
        r#"SELECT l.id, l.team_id, l.target_kind, l.target_id,
                  (l.revoked_at IS NOT NULL OR coalesce(l.expires_at <= now(), false)
                   OR coalesce(l.created_at + make_interval(days => $2) <= now(), false))
                    AS "ended!",
                  t.name AS team_name, l.expires_at,
                  pg_current_snapshot()::text AS "snapshot!"
           FROM share_links l JOIN teams t ON t.id = l.team_id
           WHERE l.token_hash = $1"#,
        token_hash,
        max_days,
    )
    .fetch_optional(db)
    .await
}

/// The team's links, newest first; only `created_by`'s when given.
pub async fn list(
    db: &PgPool,
    team_id: Uuid,
    created_by: Option<Uuid>,
) -> sqlx::Result<Vec<ShareLinkRow>> {
    sqlx::query_as!(
        ShareLinkRow,
        r#"SELECT l.id, l.target_kind, l.target_id,
                  coalesce(r.name, rs.name, s.name) AS "target_name?",
                  l.created_by, u.display_name AS "created_by_name?",
                  l.created_at, l.expires_at, l.revoked_at
           FROM share_links l
           LEFT JOIN runs r ON l.target_kind = 'run' AND r.id = l.target_id AND r.team_id = l.team_id
           LEFT JOIN suites rs ON rs.id = r.suite_id
           LEFT JOIN suites s ON l.target_kind <> 'run' AND s.id = l.target_id
                             AND s.team_id = l.team_id
           LEFT JOIN users u ON u.id = l.created_by
           WHERE l.team_id = $1 AND ($2::uuid IS NULL OR l.created_by = $2)
           ORDER BY l.created_at DESC, l.id"#,
        team_id,
        created_by,
    )
    .fetch_all(db)
    .await
}

/// One of the team's links.
pub async fn get(db: &PgPool, team_id: Uuid, id: Uuid) -> sqlx::Result<Option<ShareLinkRow>> {
    sqlx::query_as!(
        ShareLinkRow,
        r#"SELECT l.id, l.target_kind, l.target_id, NULL::text AS "target_name?",
                  l.created_by, NULL::text AS "created_by_name?",
                  l.created_at, l.expires_at, l.revoked_at
           FROM share_links l
           WHERE l.team_id = $1 AND l.id = $2"#,
        team_id,
        id,
    )
    .fetch_optional(db)
    .await
}

/// Revokes the team's link (once; later calls change nothing). True if it was active.
pub async fn revoke(db: &PgPool, team_id: Uuid, id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE share_links SET revoked_at = now()
         WHERE team_id = $1 AND id = $2 AND revoked_at IS NULL",
        team_id,
        id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// How many of the team's links `created_by` made that still work (not revoked or expired).
pub async fn active_count_by(db: &PgPool, team_id: Uuid, created_by: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM share_links
           WHERE team_id = $1 AND created_by = $2 AND revoked_at IS NULL
             AND coalesce(expires_at > now(), true)"#,
        team_id,
        created_by
    )
    .fetch_one(db)
    .await
}

/// Whether `created_by` ever made a link of the team (revoked and expired ones count).
pub async fn any_created_by(db: &PgPool, team_id: Uuid, created_by: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar!(
        r#"SELECT EXISTS (SELECT 1 FROM share_links WHERE team_id = $1 AND created_by = $2)
               AS "any!""#,
        team_id,
        created_by
    )
    .fetch_one(db)
    .await
}

/// Revokes every working link of the team that `created_by` made; returns how many.
pub async fn revoke_all_by(db: &PgPool, team_id: Uuid, created_by: Uuid) -> sqlx::Result<u64> {
    let done = sqlx::query!(
        "UPDATE share_links SET revoked_at = now()
         WHERE team_id = $1 AND created_by = $2 AND revoked_at IS NULL",
        team_id,
        created_by
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}
