//! Schedules against the simulator with an injected clock: two replicas fire one run per slot, a
//! restart during a slot neither loses nor repeats it, downtime catches up with one run, and a
//! schedule whose key or suite is gone pauses itself.

use std::time::Duration;

use ringside::db::schedules::{self, ScheduleFields};
use ringside::db::suites::Suite;
use ringside::sync::scheduler::{Scheduler, run_name};
use serde_json::json;
use time::OffsetDateTime;
use time::macros::datetime;
use uuid::Uuid;

use crate::support::sync::SyncFixture;

/// A slot of the hourly schedules below.
const SLOT: OffsetDateTime = datetime!(2026-11-30 02:00 UTC);

/// Lease of test schedulers: short, so a "restarted" process takes over quickly.
const LEASE: Duration = Duration::from_secs(30);

async fn hourly(fx: &SyncFixture, suite: &Suite, name: &str) -> Uuid {
    let labels = json!({"environment": "production"});
    let fields = ScheduleFields {
        name,
        cron: "0 * * * *",
        timezone: "UTC",
        labels: &labels,
    };
    schedules::insert(
        &fx.db,
        fx.team_id,
        suite.id,
        &fields,
        SLOT,
        Some(fx.user_id),
    )
    .await
    .unwrap()
}

fn scheduler(fx: &SyncFixture, replica: &str) -> Scheduler {
    Scheduler::new(fx.access.clone(), replica).with_lease(LEASE)
}

/// Runs Ringside stored for the schedule: (name, trigger, schedule name, labels).
async fn scheduled_runs(
    fx: &SyncFixture,
    schedule_id: Uuid,
) -> Vec<(Option<String>, String, String, serde_json::Value)> {
    sqlx::query_as(
        "SELECT name, trigger, schedule_name, labels FROM runs
         WHERE team_id = $1 AND schedule_id = $2 ORDER BY created_at",
    )
    .bind(fx.team_id)
    .bind(schedule_id)
    .fetch_all(&fx.db)
    .await
    .unwrap()
}

/// Runs RevRing has for the suite with this name.
async fn upstream_named(fx: &SyncFixture, suite: &Suite, name: &str) -> usize {
    let client = fx.access.client_for(fx.team_id, fx.key_id).await.unwrap();
    let runs = client.list_runs(&suite.revring_id).await.unwrap();
    runs.iter()
        .filter(|run| run.name.as_deref() == Some(name))
        .count()
}

#[tokio::test]
async fn two_replicas_fire_one_run_per_slot() {
    let fx = SyncFixture::new().await;
    fx.refresh().await;
    let suite = fx.suite().await;
    let id = hourly(&fx, &suite, "Nightly").await;
    let (a, b) = (scheduler(&fx, "replica-a"), scheduler(&fx, "replica-b"));
    let now = SLOT + time::Duration::seconds(3);
    let (fired_a, fired_b) = tokio::join!(a.tick(now), b.tick(now));
    assert_eq!(
        fired_a.unwrap() + fired_b.unwrap(),
        1,
        "one replica fired the slot"
    );
    // Both replicas look again within the same slot: nothing more.
    let later = now + time::Duration::seconds(20);
    let (again_a, again_b) = tokio::join!(a.tick(later), b.tick(later));
    assert_eq!(again_a.unwrap() + again_b.unwrap(), 0);
    let runs = scheduled_runs(&fx, id).await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    let (name, trigger, schedule_name, labels) = &runs[0];
    assert_eq!(name.as_deref(), Some(run_name("Nightly", SLOT).as_str()));
    assert_eq!(trigger, "schedule");
    assert_eq!(schedule_name, "Nightly");
    assert_eq!(labels["environment"], "production");
    assert_eq!(
        upstream_named(&fx, &suite, &run_name("Nightly", SLOT)).await,
        1
    );
    // The next slot fires once more.
    let next = SLOT + time::Duration::hours(1);
    let (next_a, next_b) = tokio::join!(a.tick(next), b.tick(next));
    assert_eq!(next_a.unwrap() + next_b.unwrap(), 1);
    assert_eq!(scheduled_runs(&fx, id).await.len(), 2);
}

#[tokio::test]
async fn a_restart_during_a_slot_neither_loses_nor_repeats_it() {
    let fx = SyncFixture::new().await;
    fx.refresh().await;
    let suite = fx.suite().await;

    // Process A claimed the slot and stopped before asking RevRing: B takes over and starts it.
    let lost = hourly(&fx, &suite, "Claimed then stopped").await;
    let schedule = schedules::get(&fx.db, fx.team_id, lost)
        .await
        .unwrap()
        .unwrap();
    let now = SLOT + time::Duration::seconds(1);
    let next = Some(SLOT + time::Duration::hours(1));
    let claim = schedules::claim_slot(&fx.db, &schedule, SLOT, 0, next, "stopped-a", 30.0, now);
    assert!(claim.await.unwrap().is_some());
    let b = scheduler(&fx, "replica-b");
    assert_eq!(
        b.tick(now + time::Duration::seconds(5)).await.unwrap(),
        0,
        "lease still held"
    );
    assert_eq!(b.tick(now + time::Duration::seconds(31)).await.unwrap(), 1);
    assert_eq!(scheduled_runs(&fx, lost).await.len(), 1);

    // Process A started the run upstream and stopped before recording it: B finds it by its
    // slot's name instead of starting a second one.
    let started = hourly(&fx, &suite, "Started then stopped").await;
    let schedule = schedules::get(&fx.db, fx.team_id, started)
        .await
        .unwrap()
        .unwrap();
    let claim = schedules::claim_slot(&fx.db, &schedule, SLOT, 0, next, "stopped-a", 30.0, now);
    assert!(claim.await.unwrap().is_some());
    let name = run_name("Started then stopped", SLOT);
    let client = fx.access.client_for(fx.team_id, fx.key_id).await.unwrap();
    client
        .start_run(&suite.revring_id, Some(&name))
        .await
        .unwrap();
    assert_eq!(b.tick(now + time::Duration::seconds(31)).await.unwrap(), 1);
    assert_eq!(scheduled_runs(&fx, started).await.len(), 1);
    assert_eq!(
        upstream_named(&fx, &suite, &name).await,
        1,
        "no second run upstream"
    );
}

#[tokio::test]
async fn after_downtime_only_the_latest_missed_slot_fires() {
    let fx = SyncFixture::new().await;
    fx.refresh().await;
    let suite = fx.suite().await;
    let id = hourly(&fx, &suite, "Hourly").await;
    // Down from 01:59 to 07:10: slots 02:00 … 07:00 passed; only 07:00 fires.
    let back = SLOT + time::Duration::minutes(5 * 60 + 10);
    assert_eq!(scheduler(&fx, "r").tick(back).await.unwrap(), 1);
    let runs = scheduled_runs(&fx, id).await;
    assert_eq!(runs.len(), 1);
    let latest = SLOT + time::Duration::hours(5);
    assert_eq!(
        runs[0].0.as_deref(),
        Some(run_name("Hourly", latest).as_str())
    );
    let fires = schedules::recent_fires(&fx.db, fx.team_id, id, 10)
        .await
        .unwrap();
    assert_eq!(fires.len(), 1);
    assert_eq!((fires[0].slot_at, fires[0].missed), (latest, 5));
    let schedule = schedules::get(&fx.db, fx.team_id, id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        schedule.next_fire_at,
        Some(latest + time::Duration::hours(1))
    );
}

#[tokio::test]
async fn a_schedule_pauses_itself_when_its_key_is_revoked_or_its_suite_is_gone() {
    let fx = SyncFixture::new().await;
    fx.refresh().await;
    let suite = fx.suite().await;
    let gone = hourly(&fx, &suite, "Suite gone").await;
    sqlx::query("UPDATE suites SET removed_at = now() WHERE id = $1")
        .bind(suite.id)
        .execute(&fx.db)
        .await
        .unwrap();
    let now = SLOT + time::Duration::seconds(1);
    scheduler(&fx, "r").tick(now).await.unwrap();
    let schedule = schedules::get(&fx.db, fx.team_id, gone)
        .await
        .unwrap()
        .unwrap();
    assert!(schedule.paused_at.is_some());
    assert!(schedule.pause_reason.unwrap().contains("no longer exists"));
    assert_eq!(schedule.next_fire_at, None);

    sqlx::query("UPDATE suites SET removed_at = NULL WHERE id = $1")
        .bind(suite.id)
        .execute(&fx.db)
        .await
        .unwrap();
    let revoked = hourly(&fx, &suite, "Key revoked").await;
    sqlx::query("UPDATE api_keys SET revoked_at = now() WHERE id = $1")
        .bind(fx.key_id)
        .execute(&fx.db)
        .await
        .unwrap();
    scheduler(&fx, "r").tick(now).await.unwrap();
    let schedule = schedules::get(&fx.db, fx.team_id, revoked)
        .await
        .unwrap()
        .unwrap();
    assert!(schedule.pause_reason.unwrap().contains("was revoked"));
    assert!(scheduled_runs(&fx, revoked).await.is_empty());
    assert!(scheduled_runs(&fx, gone).await.is_empty());
    // The audit log says so, with no person as the actor.
    let paused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE team_id = $1 AND action = 'schedule.paused'
         AND user_id IS NULL",
    )
    .bind(fx.team_id)
    .fetch_one(&fx.db)
    .await
    .unwrap();
    assert_eq!(paused, 2);
}
