//! Several workers on one database, and workers that die mid-ingest.

use std::time::Duration;

use ringside::revring::RevRing;
use ringside::simulator::SimulatorConfig;
use ringside::sync::start::{StartOutcome, start_run};
use ringside::sync::{RevRingAccess, SyncSettings, Worker};
use uuid::Uuid;

use super::fixture::{FAST_POLL, SyncFixture};
use crate::support::proxy::CountingProxy;

async fn start(fixture: &SyncFixture, name: &str) -> Uuid {
    let suite = fixture.suite().await;
    match start_run(&fixture.access, &suite, None, Some(name), Uuid::new_v4())
        .await
        .unwrap()
    {
        StartOutcome::Started(run_id) => run_id,
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn two_workers_never_poll_one_run_at_once_and_store_no_duplicates() {
    let fixture = SyncFixture::with_sim(SimulatorConfig {
        speed: 300.0,
        latency_ms: 20,
        ..SimulatorConfig::default_for_tests()
    })
    .await;
    fixture.refresh().await;
    for name in ["a", "b", "c", "d"] {
        start(&fixture, name).await;
    }
    let proxy = CountingProxy::start(&fixture.sim.root_url()).await;
    let via_proxy = RevRingAccess {
        revring: RevRing::new(&format!("{}/v1", proxy.url())).unwrap(),
        ..fixture.access.clone()
    };
    let settings = SyncSettings::with_interval(FAST_POLL);
    let first = Worker::new(via_proxy.clone(), settings.clone()).spawn();
    let second = Worker::new(via_proxy, settings).spawn();

    let run_ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM runs")
        .fetch_all(&fixture.db)
        .await
        .unwrap();
    for run_id in &run_ids {
        fixture.wait_finished(*run_id).await;
    }
    first.abort();
    second.abort();

    assert!(
        proxy.max_in_flight_total() >= 2,
        "the workers really polled side by side"
    );
    assert_eq!(
        proxy.max_in_flight_per_path(),
        1,
        "no run was polled twice at once"
    );
    for run_id in run_ids {
        fixture.assert_equals_upstream(run_id).await;
    }
}

#[tokio::test]
async fn a_worker_killed_mid_ingest_loses_nothing() {
    let fixture = SyncFixture::with_sim(SimulatorConfig {
        speed: 100.0,
        ..SimulatorConfig::default_for_tests()
    })
    .await;
    fixture.refresh().await;
    let run_id = start(&fixture, "interrupted").await;
    let doomed = fixture.worker().spawn();
    // Wait for a first ingest, so the next one has attempt rows to update.
    loop {
        let attempts: i64 = sqlx::query_scalar("SELECT count(*) FROM attempts WHERE run_id = $1")
            .bind(run_id)
            .fetch_one(&fixture.db)
            .await
            .unwrap();
        if attempts > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Hold one attempt row so the worker's next ingest stops half-way through its transaction.
    let mut blocker = fixture.db.begin().await.unwrap();
    sqlx::query("SELECT id FROM attempts WHERE run_id = $1 FOR UPDATE")
        .bind(run_id)
        .fetch_all(&mut *blocker)
        .await
        .unwrap();
    loop {
        let waiting: i64 = sqlx::query_scalar("SELECT count(*) FROM pg_locks WHERE NOT granted")
            .fetch_one(&fixture.db)
            .await
            .unwrap();
        if waiting > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    doomed.abort();
    let _ = doomed.await;
    blocker.commit().await.unwrap();

    let successor = fixture.worker().spawn();
    fixture.wait_finished(run_id).await;
    successor.abort();
    fixture.assert_equals_upstream(run_id).await;
}
