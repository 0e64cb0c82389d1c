//! Alert deliveries: the outbox rows a worker claims under a lease, the record of each attempt,
//! and the delivery log. Rows are written by `db::alert_outbox` (with the finished run) and by
//! "send test".

use serde_json::Value;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

/// Queues a test alert for a channel; returns the delivery id.
pub async fn enqueue_test(
    db: &PgPool,
    team_id: Uuid,
    channel_id: Uuid,
    payload: &Value,
) -> sqlx::Result<Uuid> {
    sqlx::query_scalar!(
        "INSERT INTO alert_deliveries (team_id, channel_id, kind, payload)
         VALUES ($1, $2, 'test', $3) RETURNING id",
        team_id,
        channel_id,
        payload
    )
    .fetch_one(db)
    .await
}

/// A delivery claimed by a worker.
#[derive(Debug, Clone)]
pub struct DueDelivery {
    /// Its id (sent to receivers, for de-duplication).
    pub id: Uuid,
    /// The team.
    pub team_id: Uuid,
    /// The channel.
    pub channel_id: Uuid,
    /// The stored alert.
    pub payload: Value,
    /// Attempts made before this one.
    pub attempts: i32,
}

/// Claims up to `limit` deliveries due at `now` for `owner` until `now + lease_secs`.
pub async fn claim_due(
    db: &PgPool,
    owner: &str,
    lease_secs: f64,
    now: OffsetDateTime,
    limit: i64,
    only: Option<Uuid>,
) -> sqlx::Result<Vec<DueDelivery>> {
    sqlx::query_as!(
        DueDelivery,
        "UPDATE alert_deliveries d SET lease_owner = $1,
                lease_until = $2::timestamptz + make_interval(secs => $3)
         FROM (SELECT id FROM alert_deliveries
               WHERE state = 'pending' AND next_attempt_at <= $2
                 AND (lease_until IS NULL OR lease_until < $2)
                 AND ($5::uuid IS NULL OR id = $5)
               ORDER BY next_attempt_at LIMIT $4 FOR UPDATE SKIP LOCKED) due
         WHERE d.id = due.id
         RETURNING d.id, d.team_id, d.channel_id, d.payload, d.attempts",
        owner,
        now,
        lease_secs,
        limit,
        only
    )
    .fetch_all(db)
    .await
}

#[allow(clippy::too_many_arguments)]
/// Records an attempt by `owner` (ignored if its lease was lost): delivered, retried at
/// `retry_at`, or given up (`retry_at` None).
pub async fn record_attempt(
    db: &PgPool,
    id: Uuid,
    owner: &str,
    delivered: bool,
    status: Option<i32>,
    error: Option<&str>,
    retry_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    let state = match (delivered, retry_at) {
        (true, _) => "delivered",
        (false, Some(_)) => "pending",
        (false, None) => "failed",
    };
    sqlx::query!(
        "UPDATE alert_deliveries SET state = $3, attempts = attempts + 1, last_status = $4,
                last_error = $5, next_attempt_at = coalesce($6, next_attempt_at),
                delivered_at = CASE WHEN $3 = 'delivered' THEN $7::timestamptz END,
                lease_owner = NULL, lease_until = NULL
         WHERE id = $1 AND lease_owner = $2",
        id,
        owner,
        state,
        status,
        error,
        retry_at,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}

/// One line of the delivery log.
#[derive(Debug, Clone)]
pub struct DeliveryRow {
    /// Its id.
    pub id: Uuid,
    /// When the alert was raised.
    pub created_at: OffsetDateTime,
    /// The channel's name.
    pub channel_name: String,
    /// The channel's kind.
    pub channel_kind: String,
    /// The rule kind, or `test`.
    pub kind: String,
    /// pending, delivered or failed.
    pub state: String,
    /// Attempts made.
    pub attempts: i32,
    /// The receiver's last HTTP status (or SMTP code).
    pub last_status: Option<i32>,
    /// The last error, in plain words.
    pub last_error: Option<String>,
    /// The run it is about.
    pub run_id: Option<Uuid>,
    /// The suite's name, from the payload.
    pub suite_name: Option<String>,
    /// When it was delivered.
    pub delivered_at: Option<OffsetDateTime>,
}

/// The team's latest deliveries, newest first.
pub async fn log(db: &PgPool, team_id: Uuid, limit: i64) -> sqlx::Result<Vec<DeliveryRow>> {
    sqlx::query_as!(
        DeliveryRow,
        r#"SELECT d.id, d.created_at, c.name AS channel_name, c.kind AS channel_kind, d.kind,
                  d.state, d.attempts, d.last_status, d.last_error, d.run_id,
                  d.payload -> 'suite' ->> 'name' AS suite_name, d.delivered_at
           FROM alert_deliveries d
           JOIN alert_channels c ON c.team_id = d.team_id AND c.id = d.channel_id
           WHERE d.team_id = $1 ORDER BY d.created_at DESC, d.id LIMIT $2"#,
        team_id,
        limit
    )
    .fetch_all(db)
    .await
}

/// The team's delivery `id`.
pub async fn get(db: &PgPool, team_id: Uuid, id: Uuid) -> sqlx::Result<Option<DeliveryRow>> {
    sqlx::query_as!(
        DeliveryRow,
        r#"SELECT d.id, d.created_at, c.name AS channel_name, c.kind AS channel_kind, d.kind,
                  d.state, d.attempts, d.last_status, d.last_error, d.run_id,
                  d.payload -> 'suite' ->> 'name' AS suite_name, d.delivered_at
           FROM alert_deliveries d
           JOIN alert_channels c ON c.team_id = d.team_id AND c.id = d.channel_id
           WHERE d.team_id = $1 AND d.id = $2"#,
        team_id,
        id
    )
    .fetch_optional(db)
    .await
}
