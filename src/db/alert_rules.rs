//! Alert rules: per team (every suite) or per suite, one kind of change, one channel.

use sqlx::{PgExecutor, PgPool};
use time::OffsetDateTime;
use uuid::Uuid;

/// A rule as pages show it.
#[derive(Debug, Clone)]
pub struct RuleRow {
    /// Its id.
    pub id: Uuid,
    /// The suite it watches; None for every suite of the team.
    pub suite_id: Option<Uuid>,
    /// That suite's name.
    pub suite_name: Option<String>,
    /// Where it sends.
    pub channel_id: Uuid,
    /// The channel's name.
    pub channel_name: String,
    /// Stored kind (`new_failures`, ...).
    pub kind: String,
    /// Percent, for `pass_rate_below`.
    pub threshold: Option<i32>,
    /// Fire on every run in the alerting state.
    pub every_run: bool,
    /// When it was added.
    pub created_at: OffsetDateTime,
}

/// What a new rule holds.
#[derive(Debug, Clone, Copy)]
pub struct NewRule<'a> {
    /// Suite, or None for the team.
    pub suite_id: Option<Uuid>,
    /// Channel.
    pub channel_id: Uuid,
    /// Stored kind.
    pub kind: &'a str,
    /// Percent, for `pass_rate_below`.
    pub threshold: Option<i32>,
    /// Fire on every run.
    pub every_run: bool,
}

/// Adds a rule; the suite and channel must be the team's (checked in SQL: None otherwise).
pub async fn insert(
    db: &PgPool,
    team_id: Uuid,
    rule: &NewRule<'_>,
    created_by: Option<Uuid>,
) -> sqlx::Result<Option<Uuid>> {
    sqlx::query_scalar!(
        "INSERT INTO alert_rules (team_id, suite_id, channel_id, kind, threshold, every_run,
                                  created_by)
         SELECT $1, $2, c.id, $4, $5, $6, $7 FROM alert_channels c
         WHERE c.team_id = $1 AND c.id = $3
           AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM suites s
                                            WHERE s.team_id = $1 AND s.id = $2))
         RETURNING id",
        team_id,
        rule.suite_id,
        rule.channel_id,
        rule.kind,
        rule.threshold,
        rule.every_run,
        created_by,
    )
    .fetch_optional(db)
    .await
}

/// The team's rules, oldest first.
pub async fn list(db: &PgPool, team_id: Uuid) -> sqlx::Result<Vec<RuleRow>> {
    sqlx::query_as!(
        RuleRow,
        r#"SELECT r.id, r.suite_id, s.name AS "suite_name?", r.channel_id,
                  c.name AS channel_name, r.kind, r.threshold, r.every_run, r.created_at
           FROM alert_rules r
           JOIN alert_channels c ON c.team_id = r.team_id AND c.id = r.channel_id
           LEFT JOIN suites s ON s.team_id = r.team_id AND s.id = r.suite_id
           WHERE r.team_id = $1 ORDER BY r.created_at, r.id"#,
        team_id
    )
    .fetch_all(db)
    .await
}

/// Removes a rule. True when it existed.
pub async fn delete(db: &PgPool, team_id: Uuid, id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "DELETE FROM alert_rules WHERE team_id = $1 AND id = $2",
        team_id,
        id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A rule as the evaluation needs it.
#[derive(Debug, Clone)]
pub struct ActiveRule {
    /// Its id.
    pub id: Uuid,
    /// Its channel.
    pub channel_id: Uuid,
    /// Stored kind.
    pub kind: String,
    /// Percent, for `pass_rate_below`.
    pub threshold: Option<i32>,
    /// Fire on every run.
    pub every_run: bool,
}

/// The rules that watch `suite_id`: its own and the team's.
pub async fn for_suite(
    db: impl PgExecutor<'_>,
    team_id: Uuid,
    suite_id: Uuid,
) -> sqlx::Result<Vec<ActiveRule>> {
    sqlx::query_as!(
        ActiveRule,
        "SELECT id, channel_id, kind, threshold, every_run FROM alert_rules
         WHERE team_id = $1 AND (suite_id IS NULL OR suite_id = $2) ORDER BY created_at, id",
        team_id,
        suite_id
    )
    .fetch_all(db)
    .await
}
