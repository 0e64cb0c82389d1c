//! Schedules and the slots they fired. Every query a person's request runs is scoped by
//! `team_id`; the worker's queries take the clock (`now`) as a parameter so tests can drive it.

use serde_json::Value;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// A schedule as stored.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Its id.
    pub id: Uuid,
    /// The owning team.
    pub team_id: Uuid,
    /// The suite it runs.
    pub suite_id: Uuid,
    /// Name, also given to the runs it starts.
    pub name: String,
    /// Five-field cron expression.
    pub cron: String,
    /// IANA time zone the cron expression is read in.
    pub timezone: String,
    /// Labels given to its runs (`{"environment": "production"}`).
    pub labels: Value,
    /// Next slot (None while paused).
    pub next_fire_at: Option<OffsetDateTime>,
    /// Set while paused.
    pub paused_at: Option<OffsetDateTime>,
    /// Why it paused itself; None when a person paused it.
    pub pause_reason: Option<String>,
    /// When it was made.
    pub created_at: OffsetDateTime,
}

/// The fields a person sets.
#[derive(Debug, Clone)]
pub struct ScheduleFields<'a> {
    /// Name.
    pub name: &'a str,
    /// Cron expression.
    pub cron: &'a str,
    /// IANA zone.
    pub timezone: &'a str,
    /// Labels object.
    pub labels: &'a Value,
}

/// Creates a schedule whose first slot is `next_fire_at`.
pub async fn insert(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    fields: &ScheduleFields<'_>,
    next_fire_at: OffsetDateTime,
    created_by: Option<Uuid>,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "INSERT INTO schedules (team_id, suite_id, name, cron, timezone, labels, next_fire_at,
                                created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        team_id,
        suite_id,
        fields.name,
        fields.cron,
        fields.timezone,
        fields.labels,
        next_fire_at,
        created_by,
    )
    .fetch_one(db)
    .await
}

/// Changes what a person sets; the next slot is recomputed by the caller.
pub async fn update(
    db: &PgPool,
    team_id: Uuid,
    id: Uuid,
    fields: &ScheduleFields<'_>,
    next_fire_at: Option<OffsetDateTime>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE schedules SET name = $3, cron = $4, timezone = $5, labels = $6,
                next_fire_at = CASE WHEN paused_at IS NULL THEN $7::timestamptz ELSE NULL END
         WHERE team_id = $1 AND id = $2",
        team_id,
        id,
        fields.name,
        fields.cron,
        fields.timezone,
        fields.labels,
        next_fire_at,
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The team's schedule `id`.
pub async fn get(db: &PgPool, team_id: Uuid, id: Uuid) -> sqlx::Result<Option<Schedule>> {
    sqlx::query_as!(
        Schedule,
        "SELECT id, team_id, suite_id, name, cron, timezone, labels, next_fire_at, paused_at,
                pause_reason, created_at
         FROM schedules WHERE team_id = $1 AND id = $2",
        team_id,
        id
    )
    .fetch_optional(db)
    .await
}

/// The suite's schedules, oldest first.
pub async fn for_suite(db: &PgPool, team_id: Uuid, suite_id: Uuid) -> sqlx::Result<Vec<Schedule>> {
    sqlx::query_as!(
        Schedule,
        "SELECT id, team_id, suite_id, name, cron, timezone, labels, next_fire_at, paused_at,
                pause_reason, created_at
         FROM schedules WHERE team_id = $1 AND suite_id = $2 ORDER BY created_at, id",
        team_id,
        suite_id
    )
    .fetch_all(db)
    .await
}

/// Pauses (next slot cleared) with an optional reason the schedule gave itself.
pub async fn pause(
    db: &PgPool,
    team_id: Uuid,
    id: Uuid,
    reason: Option<&str>,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE schedules SET paused_at = coalesce(paused_at, now()), pause_reason = $3,
                next_fire_at = NULL
         WHERE team_id = $1 AND id = $2",
        team_id,
        id,
        reason
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Resumes from `next_fire_at` (slots while paused are not caught up).
pub async fn resume(
    db: &PgPool,
    team_id: Uuid,
    id: Uuid,
    next_fire_at: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "UPDATE schedules SET paused_at = NULL, pause_reason = NULL, next_fire_at = $3
         WHERE team_id = $1 AND id = $2",
        team_id,
        id,
        next_fire_at
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Deletes the schedule (its runs stay, with its name).
pub async fn delete(db: &PgPool, team_id: Uuid, id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query!(
        "DELETE FROM schedules WHERE team_id = $1 AND id = $2",
        team_id,
        id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One slot a schedule fired.
#[derive(Debug, Clone)]
pub struct Fire {
    /// The slot.
    pub slot_at: OffsetDateTime,
    /// Earlier slots skipped for it (downtime).
    pub missed: i32,
    /// pending, started or failed.
    pub state: String,
    /// The run it started.
    pub run_id: Option<Uuid>,
    /// Why it failed.
    pub error: Option<String>,
}

/// The schedule's latest fired slots, newest first.
pub async fn recent_fires(
    db: &PgPool,
    team_id: Uuid,
    schedule_id: Uuid,
    limit: i64,
) -> sqlx::Result<Vec<Fire>> {
    sqlx::query_as!(
        Fire,
        "SELECT slot_at, missed, state, run_id, error FROM schedule_fires
         WHERE team_id = $1 AND schedule_id = $2 ORDER BY slot_at DESC LIMIT $3",
        team_id,
        schedule_id,
        limit
    )
    .fetch_all(db)
    .await
}

/// Active schedules whose next slot is at or before `now`.
pub async fn due(db: &PgPool, now: OffsetDateTime, limit: i64) -> sqlx::Result<Vec<Schedule>> {
    sqlx::query_as!(
        Schedule,
        "SELECT id, team_id, suite_id, name, cron, timezone, labels, next_fire_at, paused_at,
                pause_reason, created_at
         FROM schedules WHERE paused_at IS NULL AND next_fire_at <= $1
         ORDER BY next_fire_at LIMIT $2",
        now,
        limit
    )
    .fetch_all(db)
    .await
}

/// A slot to fire, claimed by this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClaimedSlot {
    /// The schedule.
    pub schedule_id: Uuid,
    /// The team.
    pub team_id: Uuid,
    /// The slot.
    pub slot_at: OffsetDateTime,
    /// True when an earlier claim's process died: look for its run before starting one.
    pub retaken: bool,
}

/// Claims `slot` of `schedule` and moves its next slot to `next_fire_at`, in one transaction.
/// False when the schedule moved on already (another replica claimed it) or the slot fired
/// before: the unique (schedule, slot) row makes a slot fire once.
#[allow(clippy::too_many_arguments)]
pub async fn claim_slot(
    db: &PgPool,
    schedule: &Schedule,
    slot: OffsetDateTime,
    missed: i32,
    next_fire_at: Option<OffsetDateTime>,
    owner: &str,
    lease_secs: f64,
    now: OffsetDateTime,
) -> sqlx::Result<Option<ClaimedSlot>> {
    let mut tx = db.begin().await?;
    let moved = sqlx::query!(
        "UPDATE schedules SET next_fire_at = $3
         WHERE id = $1 AND paused_at IS NULL AND next_fire_at = $2",
        schedule.id,
        schedule.next_fire_at,
        next_fire_at
    )
    .execute(&mut *tx)
    .await?;
    if moved.rows_affected() != 1 {
        return Ok(None);
    }
    let inserted = sqlx::query!(
        "INSERT INTO schedule_fires (schedule_id, slot_at, team_id, missed, lease_owner,
                                     lease_until, claimed_at)
         VALUES ($1, $2, $3, $4, $5, $6::timestamptz + make_interval(secs => $7), $6)
         ON CONFLICT (schedule_id, slot_at) DO NOTHING",
        schedule.id,
        slot,
        schedule.team_id,
        missed,
        owner,
        now,
        lease_secs
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok((inserted.rows_affected() == 1).then_some(ClaimedSlot {
        schedule_id: schedule.id,
        team_id: schedule.team_id,
        slot_at: slot,
        retaken: false,
    }))
}

/// Moves an active schedule's next slot from what the caller read to `next_fire_at`.
pub async fn move_next(
    db: &PgPool,
    schedule: &Schedule,
    next_fire_at: Option<OffsetDateTime>,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE schedules SET next_fire_at = $3 WHERE id = $1 AND next_fire_at = $2",
        schedule.id,
        schedule.next_fire_at,
        next_fire_at
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Takes over slots whose claiming process stopped before it settled them (lease expired).
pub async fn retake_stale(
    db: &PgPool,
    owner: &str,
    lease_secs: f64,
    now: OffsetDateTime,
    limit: i64,
) -> sqlx::Result<Vec<ClaimedSlot>> {
    let rows = sqlx::query!(
        "UPDATE schedule_fires f SET lease_owner = $1,
                lease_until = $2::timestamptz + make_interval(secs => $3)
         FROM (SELECT schedule_id, slot_at FROM schedule_fires
               WHERE state = 'pending' AND lease_until < $2
               ORDER BY slot_at LIMIT $4 FOR UPDATE SKIP LOCKED) stale
         WHERE f.schedule_id = stale.schedule_id AND f.slot_at = stale.slot_at
         RETURNING f.schedule_id, f.team_id, f.slot_at",
        owner,
        now,
        lease_secs,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ClaimedSlot {
            schedule_id: row.schedule_id,
            team_id: row.team_id,
            slot_at: row.slot_at,
            retaken: true,
        })
        .collect())
}

/// Records the run a slot started and tags the run with the schedule, if this process still
/// holds the slot.
pub async fn settle_started(
    db: &PgPool,
    slot: &ClaimedSlot,
    owner: &str,
    run_id: Uuid,
    schedule: &Schedule,
) -> sqlx::Result<()> {
    let mut tx = db.begin().await?;
    sqlx::query!(
        "UPDATE schedule_fires SET state = 'started', run_id = $4, error = NULL,
                lease_owner = NULL, lease_until = NULL
         WHERE schedule_id = $1 AND slot_at = $2 AND lease_owner = $3",
        slot.schedule_id,
        slot.slot_at,
        owner,
        run_id
    )
    .execute(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE runs SET trigger = 'schedule', schedule_id = $3, schedule_name = $4, labels = $5
         WHERE team_id = $1 AND id = $2",
        slot.team_id,
        run_id,
        schedule.id,
        schedule.name,
        schedule.labels
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Records why a slot started nothing.
pub async fn settle_failed(
    db: &PgPool,
    slot: &ClaimedSlot,
    owner: &str,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query!(
        "UPDATE schedule_fires SET state = 'failed', error = $4, lease_owner = NULL,
                lease_until = NULL
         WHERE schedule_id = $1 AND slot_at = $2 AND lease_owner = $3",
        slot.schedule_id,
        slot.slot_at,
        owner,
        error
    )
    .execute(db)
    .await?;
    Ok(())
}
