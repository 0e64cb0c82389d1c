//! Call details fetched from RevRing, kept per team (`calls`), so that attempt pages and
//! recordings ask RevRing once a call is over instead of on every view (share links included).
//! Only what the pages show is kept, never a key.

use sqlx::PgPool;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

use crate::revring::{Call, CallStatus};

/// How long after a connected call ended its details are fetched again while they carry no
/// recording link: RevRing may attach the recording a little after the call is over.
pub const RECORDING_GRACE: Duration = Duration::minutes(10);

/// A call's details as kept.
#[derive(Debug, Clone)]
pub struct StoredCall {
    /// RevRing's call id.
    pub call_id: String,
    /// RevRing's status when fetched.
    pub status: Option<CallStatus>,
    /// Duration in seconds.
    pub duration_seconds: Option<i32>,
    /// Why the call ended.
    pub hangup_cause: Option<String>,
    /// What went wrong, for failed calls.
    pub error_message: Option<String>,
    /// Where the recording was, when fetched (links may expire: see the recording proxy).
    pub recording_url: Option<String>,
    /// When the call ended.
    pub ended_at: Option<OffsetDateTime>,
    /// When the details were fetched.
    pub fetched_at: OffsetDateTime,
}

impl StoredCall {
    /// Whether the kept details can be served at `now` without asking RevRing again: the call
    /// was over when fetched (an unknown status is not over), and a connected call either has
    /// its recording link or ended more than [`RECORDING_GRACE`] before it was fetched.
    pub fn is_final(&self) -> bool {
        let Some(status) = &self.status else {
            return false;
        };
        if !status.is_terminal() {
            return false;
        }
        let connected = matches!(status, CallStatus::Completed | CallStatus::Transferred);
        let settled_at = self.ended_at.unwrap_or(self.fetched_at) + RECORDING_GRACE;
        self.recording_url.is_some() || !connected || self.fetched_at >= settled_at
    }

    /// The details as a call, for the pages that show one.
    pub fn to_call(&self) -> Call {
        Call {
            id: self.call_id.clone(),
            status: self.status.clone(),
            duration_seconds: self.duration_seconds.and_then(|s| u32::try_from(s).ok()),
            hangup_cause: self.hangup_cause.clone(),
            error_message: self.error_message.clone(),
            recording_url: self.recording_url.clone(),
            ended_at: self.ended_at,
            ..Call::default()
        }
    }
}

/// The team's kept details of call `call_id`, if any.
pub async fn get(db: &PgPool, team_id: Uuid, call_id: &str) -> sqlx::Result<Option<StoredCall>> {
    sqlx::query_as!(
        StoredCall,
        r#"SELECT call_id, status AS "status: CallStatus", duration_seconds, hangup_cause,
                  error_message, recording_url, ended_at, fetched_at
           FROM calls WHERE team_id = $1 AND call_id = $2"#,
        team_id,
        call_id
    )
    .fetch_optional(db)
    .await
}

/// Keeps `call` as fetched now for the team's attempt `attempt_id`, replacing what was kept of
/// the same call (a re-fetch never adds a row).
pub async fn store(
    db: &PgPool,
    team_id: Uuid,
    attempt_id: Uuid,
    call_id: &str,
    call: &Call,
) -> sqlx::Result<()> {
    let duration = call.duration_seconds.and_then(|s| i32::try_from(s).ok());
    sqlx::query!(
        r#"INSERT INTO calls (team_id, call_id, attempt_id, status, duration_seconds,
                              hangup_cause, error_message, recording_url, ended_at, fetched_at)
           SELECT $1, $2, a.id, $4, $5, $6, $7, $8, $9, now()
           FROM attempts a WHERE a.team_id = $1 AND a.id = $3
           ON CONFLICT (team_id, call_id) DO UPDATE SET
               attempt_id = EXCLUDED.attempt_id, status = EXCLUDED.status,
               duration_seconds = EXCLUDED.duration_seconds,
               hangup_cause = EXCLUDED.hangup_cause, error_message = EXCLUDED.error_message,
               recording_url = EXCLUDED.recording_url, ended_at = EXCLUDED.ended_at,
               fetched_at = EXCLUDED.fetched_at"#,
        team_id,
        call_id,
        attempt_id,
        call.status.as_ref() as Option<&CallStatus>,
        duration,
        call.hangup_cause.as_deref(),
        call.error_message.as_deref(),
        call.recording_url.as_deref(),
        call.ended_at,
    )
    .execute(db)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stored(
        status: Option<&str>,
        recording: bool,
        ended_minutes_before_fetch: i64,
    ) -> StoredCall {
        let fetched_at = OffsetDateTime::now_utc();
        StoredCall {
            call_id: "c1".into(),
            status: status.map(CallStatus::from_api),
            duration_seconds: Some(61),
            hangup_cause: None,
            error_message: None,
            recording_url: recording.then(|| "https://rec.example/c1.wav".to_owned()),
            ended_at: Some(fetched_at - Duration::minutes(ended_minutes_before_fetch)),
            fetched_at,
        }
    }

    #[test]
    fn only_calls_that_are_over_are_final() {
        assert!(stored(Some("COMPLETED"), true, 0).is_final());
        assert!(stored(Some("NO_ANSWER"), false, 0).is_final());
        assert!(stored(Some("CANCELED"), false, 0).is_final());
        assert!(!stored(Some("ONGOING"), false, 0).is_final());
        assert!(!stored(Some("INITIATED"), false, 0).is_final());
        assert!(
            !stored(Some("POST_PROCESSING"), true, 0).is_final(),
            "unknown"
        );
        assert!(!stored(None, true, 0).is_final(), "no status");
    }

    #[test]
    fn a_connected_call_waits_a_while_for_its_recording() {
        assert!(!stored(Some("COMPLETED"), false, 1).is_final());
        assert!(stored(Some("COMPLETED"), false, 11).is_final());
        assert!(stored(Some("TRANSFERRED"), true, 1).is_final());
    }
}
