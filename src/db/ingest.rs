//! Writing one fetched run into the cache: the run, all its attempts and its per-case summary
//! (`run_case_results`, with how reviews shift it), the known-issue marks of new failures, in one
//! transaction, guarded by the poller's lease, announced with
//! `NOTIFY run_updated`. A run seen finishing also writes its alerts to the outbox there.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::revring::{AttemptResult, RunStatus, TestRun};

/// Postgres channel on which run changes are announced; the payload is the run's id.
pub const RUN_UPDATED_CHANNEL: &str = "run_updated";

/// What an ingest did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    /// Stored; `finished` when the run reached a terminal status and polling stopped.
    Stored {
        /// True when the run will not be polled again.
        finished: bool,
    },
    /// Another worker took the run over (our lease expired); nothing was written.
    LeaseLost,
}

/// Counts derived from a run's attempts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AttemptCounts {
    /// All attempts.
    pub total: i32,
    /// Attempts with any verdict.
    pub done: i32,
    /// Attempts that passed.
    pub passed: i32,
    /// Attempts that failed or errored.
    pub failed: i32,
}

impl AttemptCounts {
    /// Counts the attempts of `run`.
    pub fn of(run: &TestRun) -> Self {
        run.attempts
            .iter()
            .fold(Self::default(), |mut counts, attempt| {
                counts.total += 1;
                match &attempt.result {
                    Some(AttemptResult::Pass) => {
                        counts.done += 1;
                        counts.passed += 1;
                    }
                    Some(_) => {
                        counts.done += 1;
                        counts.failed += 1;
                    }
                    None => {}
                }
                counts
            })
    }
}

/// Stores `run` as fetched by `owner`, and schedules the next poll in `next_poll_secs` unless
/// the run is terminal (then polling stops: the cache now equals upstream).
pub async fn store_run(
    db: &PgPool,
    run_id: Uuid,
    owner: &str,
    run: &TestRun,
    next_poll_secs: f64,
) -> sqlx::Result<Ingested> {
    let mut tx = db.begin().await?;
    let lease = sqlx::query!(
        "SELECT team_id, lease_owner, status FROM runs WHERE id = $1 FOR UPDATE",
        run_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let (team_id, was_finished) = match lease {
        Some(row) if row.lease_owner.as_deref() == Some(owner) => {
            (row.team_id, RunStatus::from_api(&row.status).is_terminal())
        }
        _ => return Ok(Ingested::LeaseLost),
    };

    // Attempts written with a failing verdict this time: open known issues mark them.
    let mut new_failures: Vec<Uuid> = Vec::new();
    let before: std::collections::HashMap<String, Option<String>> = sqlx::query!(
        "SELECT revring_id, result FROM attempts WHERE run_id = $1",
        run_id
    )
    .fetch_all(&mut *tx)
    .await?
    .into_iter()
    .map(|row| (row.revring_id, row.result))
    .collect();
    for attempt in &run.attempts {
        let transcript = serde_json::to_value(&attempt.transcript).unwrap_or_default();
        let written = sqlx::query!(
            r#"INSERT INTO attempts (team_id, run_id, revring_id, test_case_revring_id,
                                     test_case_name, attempt_number, result, reasoning, transcript,
                                     call_id, inbound_call_id, created_at, started_at, completed_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
               ON CONFLICT (run_id, revring_id) DO UPDATE SET
                   test_case_revring_id = EXCLUDED.test_case_revring_id,
                   test_case_name = EXCLUDED.test_case_name,
                   attempt_number = EXCLUDED.attempt_number, result = EXCLUDED.result,
                   reasoning = EXCLUDED.reasoning, transcript = EXCLUDED.transcript,
                   call_id = EXCLUDED.call_id, inbound_call_id = EXCLUDED.inbound_call_id,
                   created_at = EXCLUDED.created_at, started_at = EXCLUDED.started_at,
                   completed_at = EXCLUDED.completed_at
               WHERE (attempts.result, attempts.reasoning, attempts.transcript, attempts.call_id,
                      attempts.inbound_call_id, attempts.started_at, attempts.completed_at,
                      attempts.test_case_name, attempts.attempt_number)
                     IS DISTINCT FROM
                     (EXCLUDED.result, EXCLUDED.reasoning, EXCLUDED.transcript, EXCLUDED.call_id,
                      EXCLUDED.inbound_call_id, EXCLUDED.started_at, EXCLUDED.completed_at,
                      EXCLUDED.test_case_name, EXCLUDED.attempt_number)
               RETURNING id"#,
            team_id,
            run_id,
            attempt.id,
            attempt.test_case_id,
            attempt.test_case_name,
            attempt.attempt_number as i32,
            attempt.result.as_ref().map(|result| result.as_str()),
            attempt.reasoning,
            transcript,
            attempt.call_id,
            attempt.inbound_call_id,
            attempt.created_at,
            attempt.started_at,
            attempt.completed_at,
        )
        .fetch_optional(&mut *tx)
        .await?;
        let verdict = attempt.result.as_ref().map(|result| result.as_str());
        let newly_judged = before
            .get(&attempt.id)
            .is_none_or(|old| old.as_deref() != verdict);
        let failing = verdict.is_some_and(|verdict| verdict != "pass");
        if written.is_some()
            && attempt.result.is_some()
            && let Some(finished) = attempt.completed_at
        {
            // Sync lag: from the attempt finishing upstream to its verdict being stored here.
            let lag = (OffsetDateTime::now_utc() - finished).as_seconds_f64();
            metrics::histogram!("ringside_sync_lag_seconds").record(lag.max(0.0));
        }
        if let Some(row) = written
            && newly_judged
            && failing
        {
            new_failures.push(row.id);
        }
    }
    crate::db::known_issues::mark_new_failures(&mut tx, run_id, &new_failures).await?;
    // Upstream is the truth: attempts it no longer lists are dropped from the cache.
    let listed: Vec<String> = run
        .attempts
        .iter()
        .map(|attempt| attempt.id.clone())
        .collect();
    sqlx::query!(
        "DELETE FROM attempts WHERE run_id = $1 AND revring_id <> ALL($2)",
        run_id,
        &listed
    )
    .execute(&mut *tx)
    .await?;

    let counts = AttemptCounts::of(run);
    let finished = run.is_terminal();
    sqlx::query!(
        r#"UPDATE runs SET
               name = $2, status = $3, total_tests = $4, passed_tests = $5, failed_tests = $6,
               attempts_total = $7, attempts_done = $8, attempts_passed = $9, attempts_failed = $10,
               created_at = coalesce($11, created_at), started_at = $12, completed_at = $13,
               synced_at = now(), sync_failures = 0, last_error = NULL,
               changed_at = CASE WHEN changed_at IS NULL
                                   OR (status, attempts_done, attempts_total)
                                      IS DISTINCT FROM ($3, $8, $7)
                                 THEN now() ELSE changed_at END,
               next_poll_at = CASE WHEN $14 THEN NULL ELSE now() + make_interval(secs => $15) END,
               lease_owner = NULL, lease_until = NULL
           WHERE id = $1"#,
        run_id,
        run.name,
        run.status.as_str(),
        run.total_tests as i32,
        run.passed_tests as i32,
        run.failed_tests as i32,
        counts.total,
        counts.done,
        counts.passed,
        counts.failed,
        run.created_at,
        run.started_at,
        run.completed_at,
        finished,
        next_poll_secs,
    )
    .execute(&mut *tx)
    .await?;
    crate::db::case_results::rebuild_for_run(&mut tx, run_id).await?;
    // Reviews of re-stored (or dropped) attempts: the run's shift follows its cases'.
    sqlx::query!(
        "UPDATE runs SET review_pass_delta = coalesce(
             (SELECT sum(review_passed) FROM run_case_results WHERE run_id = $1), 0)
         WHERE id = $1",
        run_id
    )
    .execute(&mut *tx)
    .await?;
    // Alerts go out when Ringside sees a run finish, not for history imported already finished;
    // the outbox rows commit with the run or not at all.
    if finished && !was_finished {
        crate::db::alert_outbox::enqueue_for_run(&mut tx, team_id, run_id).await?;
    }
    sqlx::query!(
        "SELECT pg_notify($1, $2)",
        RUN_UPDATED_CHANNEL,
        run_id.to_string()
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Ingested::Stored { finished })
}
