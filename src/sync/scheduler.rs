//! The schedule worker: fires each due slot of every active schedule once, across replicas and
//! restarts. A slot is claimed in the database (one row per schedule and slot) before RevRing
//! is asked for a run; a claim left unsettled by a process that stopped is taken over after its
//! lease, and settled by looking for the slot's run upstream before starting one. After a pause
//! in service only the latest missed slot fires. Every function takes the clock as `now`.

use std::time::Duration;

use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

use super::RevRingAccess;
use super::keys::KeyProblem;
use crate::db::schedules::{self, ClaimedSlot, Schedule};
use crate::db::{runs, suites};
use crate::domain::timetable::Timetable;
use crate::revring::ErrorKind;

/// How long a claimed slot stays with its process before another may take it over; longer
/// than a start request with its retries.
pub const SLOT_LEASE: Duration = Duration::from_secs(120);

/// Most schedules looked at per tick.
const BATCH: i64 = 50;

/// One process's schedule worker.
#[derive(Clone)]
pub struct Scheduler {
    access: RevRingAccess,
    owner: String,
    lease: Duration,
}

/// The run name a slot's run gets: the schedule's name and the slot, unique per slot, so a
/// run whose start was interrupted can be found again.
pub fn run_name(schedule_name: &str, slot: OffsetDateTime) -> String {
    let format = format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    let when = slot.format(&format).unwrap_or_default();
    format!("{schedule_name} · {when}")
}

impl Scheduler {
    /// A scheduler acting as `owner` in leases.
    pub fn new(access: RevRingAccess, owner: impl Into<String>) -> Self {
        Self {
            access,
            owner: owner.into(),
            lease: SLOT_LEASE,
        }
    }

    /// With another slot lease (tests).
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Fires every slot due at `now`; returns how many slots it settled.
    pub async fn tick(&self, now: OffsetDateTime) -> anyhow::Result<usize> {
        let db = &self.access.db;
        let lease = self.lease.as_secs_f64();
        let mut claimed = schedules::retake_stale(db, &self.owner, lease, now, BATCH).await?;
        for schedule in schedules::due(db, now, BATCH).await? {
            let Some(expected) = schedule.next_fire_at else {
                continue;
            };
            let timetable = match Timetable::new(&schedule.cron, &schedule.timezone) {
                Ok(timetable) => timetable,
                Err(_) => {
                    let reason = "Its timing can no longer be read; edit it and resume it.";
                    schedules::pause(db, schedule.team_id, schedule.id, Some(reason)).await?;
                    continue;
                }
            };
            let next = timetable.next_after(now);
            let Some(due) = timetable.due(expected, now) else {
                // The stored next slot is not a slot of this timetable: move on without firing.
                schedules::move_next(db, &schedule, next).await?;
                continue;
            };
            if due.missed > 0 {
                tracing::info!(schedule = %schedule.id, missed = due.missed,
                    "schedule: catching up with the latest missed slot only");
            }
            let slot = schedules::claim_slot(
                db,
                &schedule,
                due.slot,
                due.missed,
                next,
                &self.owner,
                lease,
                now,
            )
            .await?;
            claimed.extend(slot);
        }
        let count = claimed.len();
        for slot in claimed {
            if let Err(error) = self.fire(&slot).await {
                // The claim stays pending; it is taken over when its lease ends.
                tracing::warn!(schedule = %slot.schedule_id, %error, "schedule: firing failed");
            }
        }
        Ok(count)
    }

    async fn fire(&self, slot: &ClaimedSlot) -> anyhow::Result<()> {
        let db = &self.access.db;
        let Some(schedule) = schedules::get(db, slot.team_id, slot.schedule_id).await? else {
            return Ok(());
        };
        let suite = suites::get(db, slot.team_id, schedule.suite_id).await?;
        let Some(suite) = suite.filter(|suite| suite.removed_at.is_none()) else {
            let reason = "Its suite no longer exists in RevRing.";
            return self.give_up(slot, &schedule, reason, true).await;
        };
        let client = match self.access.client_for(slot.team_id, suite.api_key_id).await {
            Ok(client) => client,
            Err(KeyProblem::Database(error)) => return Err(error.into()),
            Err(KeyProblem::Revoked) => {
                let reason = format!(
                    "The API key “{}” its suite uses was revoked.",
                    suite.key_label
                );
                return self.give_up(slot, &schedule, &reason, true).await;
            }
            Err(problem) => {
                let reason = format!("Cannot use its suite's key: {problem}.");
                return self.give_up(slot, &schedule, &reason, true).await;
            }
        };
        let name = run_name(&schedule.name, slot.slot_at);
        let found = if slot.retaken {
            client
                .list_runs(&suite.revring_id)
                .await?
                .into_iter()
                .find(|run| run.name.as_deref() == Some(name.as_str()))
        } else {
            None
        };
        let run = match found {
            Some(run) => run,
            None => match client.start_run(&suite.revring_id, Some(&name)).await {
                Ok(run) => run,
                Err(error) if error.outcome_unknown() => {
                    // Leave the claim pending: after its lease the run is looked for by name.
                    anyhow::bail!("RevRing did not answer the start: {error}");
                }
                Err(error) if error.kind() == ErrorKind::NotFound => {
                    let reason = "Its suite no longer exists in RevRing.";
                    return self.give_up(slot, &schedule, reason, true).await;
                }
                Err(error) if error.kind() == ErrorKind::Unauthorized => {
                    let reason = format!(
                        "RevRing refused the API key “{}” its suite uses.",
                        suite.key_label
                    );
                    return self.give_up(slot, &schedule, &reason, true).await;
                }
                Err(error) => {
                    let reason = error.user_message();
                    return self.give_up(slot, &schedule, &reason, false).await;
                }
            },
        };
        let run_id: Uuid =
            runs::upsert_discovered(db, suite.team_id, suite.id, suite.api_key_id, &run, None)
                .await?;
        schedules::settle_started(db, slot, &self.owner, run_id, &schedule).await?;
        runs::poll_soon(db, run_id).await?;
        tracing::info!(schedule = %schedule.id, run = %run_id, "schedule fired");
        Ok(())
    }

    /// Settles the slot as failed; pauses the schedule when it cannot work until someone acts.
    async fn give_up(
        &self,
        slot: &ClaimedSlot,
        schedule: &Schedule,
        reason: &str,
        pause: bool,
    ) -> anyhow::Result<()> {
        let db = &self.access.db;
        schedules::settle_failed(db, slot, &self.owner, reason).await?;
        if pause {
            schedules::pause(db, schedule.team_id, schedule.id, Some(reason)).await?;
            crate::db::audit::audit(
                db,
                schedule.team_id,
                None,
                crate::db::audit::AuditAction::SchedulePaused,
                &format!("schedule “{}”: {reason}", schedule.name),
            )
            .await?;
            tracing::warn!(schedule = %schedule.id, reason, "schedule paused itself");
        }
        Ok(())
    }

    /// Runs forever, ticking every `interval`; abort the handle to stop.
    pub fn spawn(self, interval: Duration) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                if let Err(error) = self.tick(OffsetDateTime::now_utc()).await {
                    tracing::warn!(%error, "schedule worker tick failed");
                }
                tokio::time::sleep(interval).await;
            }
        })
    }
}
