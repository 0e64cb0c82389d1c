//! Several workers on one database, and workers that die mid-ingest.

use std::time::Duration;

use ringside::db::ingest::{Ingested, store_run};
use ringside::db::runs;
use ringside::revring::RevRing;
use ringside::simulator::SimulatorConfig;
use ringside::sync::start::{StartOutcome, start_run};
use ringside::sync::{RevRingAccess, SyncSettings, Worker};
use sqlx::PgPool;
use tokio::time::Instant;
use uuid::Uuid;

use crate::support::built::assert_summaries_match_attempts;
use crate::support::proxy::CountingProxy;
use crate::support::sync::{FAST_POLL, SyncFixture};

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

/// How long a test waits for the worker to reach a given point.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);

/// Polls `check` until it returns true; panics with `what` at the deadline.
async fn wait_until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + STEP_TIMEOUT;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// What other sessions can see of a run as stored by an ingest: its row, its attempts and its
/// per-case summary. (Not its lease: claiming one commits apart from the ingest.)
#[derive(Debug, PartialEq)]
struct Visible {
    run: (String, i32, i32, i32, i32, Option<String>),
    attempts: Vec<(String, Option<String>, Option<String>, serde_json::Value)>,
    summary: Vec<(String, i32, i32, i32, i32)>,
}

async fn visible(db: &PgPool, run_id: Uuid) -> Visible {
    Visible {
        run: sqlx::query_as(
            "SELECT status, attempts_total, attempts_done, attempts_passed, attempts_failed,
                    synced_at::text
             FROM runs WHERE id = $1",
        )
        .bind(run_id)
        .fetch_one(db)
        .await
        .unwrap(),
        attempts: sqlx::query_as(
            "SELECT revring_id, result, reasoning, transcript FROM attempts
             WHERE run_id = $1 ORDER BY revring_id",
        )
        .bind(run_id)
        .fetch_all(db)
        .await
        .unwrap(),
        summary: sqlx::query_as(
            "SELECT test_case_revring_id, passed, failed, errored, pending FROM run_case_results
             WHERE run_id = $1 ORDER BY test_case_revring_id",
        )
        .bind(run_id)
        .fetch_all(db)
        .await
        .unwrap(),
    }
}

/// Asserts the run's counters are those of its attempt rows.
async fn assert_counters_match_attempts(db: &PgPool, run_id: Uuid) {
    let counters: (i32, i32, i32, i32) = sqlx::query_as(
        "SELECT attempts_total, attempts_done, attempts_passed, attempts_failed
         FROM runs WHERE id = $1",
    )
    .bind(run_id)
    .fetch_one(db)
    .await
    .unwrap();
    let counted: (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(result), count(*) FILTER (WHERE result = 'pass'),
                count(*) FILTER (WHERE result <> 'pass')
         FROM attempts WHERE run_id = $1",
    )
    .bind(run_id)
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(
        (
            i64::from(counters.0),
            i64::from(counters.1),
            i64::from(counters.2),
            i64::from(counters.3)
        ),
        counted,
        "the run's counters match its attempt rows"
    );
}

#[tokio::test]
async fn a_worker_killed_mid_ingest_loses_nothing() {
    // Slow enough that the run is still being polled while the test interrupts an ingest.
    let fixture = SyncFixture::with_sim(SimulatorConfig {
        speed: 20.0,
        ..SimulatorConfig::default_for_tests()
    })
    .await;
    fixture.refresh().await;
    let run_id = start(&fixture, "interrupted").await;
    let doomed = fixture.worker().spawn();
    // Wait for a first ingest, so there is a summary for the next one to rewrite.
    wait_until("the first ingest stored the run's summary", || async {
        let rows: i64 =
            sqlx::query_scalar("SELECT count(*) FROM run_case_results WHERE run_id = $1")
                .bind(run_id)
                .fetch_one(&fixture.db)
                .await
                .unwrap();
        rows > 0
    })
    .await;

    // Hold the run's summary rows: an ingest rewrites them last, after the attempts and the
    // run's counters, so the worker's next ingest stops with everything else written but not
    // committed. From here on no ingest of this run can commit, so what is visible now is the
    // last committed state.
    // (An ingest committing while the lock is taken replaces the rows; then try again.)
    let deadline = Instant::now() + STEP_TIMEOUT;
    let (blocker, blocker_pid) = loop {
        let mut tx = fixture.db.begin().await.unwrap();
        let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(&mut *tx)
            .await
            .unwrap();
        let locked = sqlx::query("SELECT 1 FROM run_case_results WHERE run_id = $1 FOR UPDATE")
            .bind(run_id)
            .fetch_all(&mut *tx)
            .await
            .unwrap()
            .len();
        let current: i64 =
            sqlx::query_scalar("SELECT count(*) FROM run_case_results WHERE run_id = $1")
                .bind(run_id)
                .fetch_one(&mut *tx)
                .await
                .unwrap();
        if locked > 0 && i64::try_from(locked).unwrap() == current {
            break (tx, pid);
        }
        tx.rollback().await.unwrap();
        assert!(Instant::now() < deadline, "could not hold the summary rows");
    };
    let before = visible(&fixture.db, run_id).await;
    assert_counters_match_attempts(&fixture.db, run_id).await;

    // The worker's own backend, and no other, is stuck behind the blocker.
    let deadline = Instant::now() + STEP_TIMEOUT;
    let worker_pid: i32 = loop {
        let blocked: Option<i32> = sqlx::query_scalar(
            "SELECT pid FROM pg_stat_activity
             WHERE $1 = ANY(pg_blocking_pids(pid)) AND datname = current_database()",
        )
        .bind(blocker_pid)
        .fetch_optional(&fixture.db)
        .await
        .unwrap();
        if let Some(pid) = blocked {
            break pid;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting until the worker's ingest waits on the held rows"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    let in_transaction: bool =
        sqlx::query_scalar("SELECT xact_start IS NOT NULL FROM pg_stat_activity WHERE pid = $1")
            .bind(worker_pid)
            .fetch_one(&fixture.db)
            .await
            .unwrap();
    assert!(
        in_transaction,
        "the worker is inside its ingest transaction"
    );
    assert_eq!(
        visible(&fixture.db, run_id).await,
        before,
        "nothing of the half-done ingest is visible"
    );

    doomed.abort();
    let _ = doomed.await;
    blocker.commit().await.unwrap();
    // The dead worker's transaction ends without committing.
    wait_until("the dead worker's transaction ended", || async {
        let open: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                            WHERE pid = $1 AND xact_start IS NOT NULL)",
        )
        .bind(worker_pid)
        .fetch_one(&fixture.db)
        .await
        .unwrap();
        !open
    })
    .await;
    assert_eq!(
        visible(&fixture.db, run_id).await,
        before,
        "the previous state is intact after the abort"
    );
    assert_counters_match_attempts(&fixture.db, run_id).await;
    assert_summaries_match_attempts(&fixture.db).await;

    // Another worker takes over once the dead one's lease runs out, and finishes the run.
    let successor = fixture.worker().spawn();
    fixture.wait_finished(run_id).await;
    successor.abort();
    fixture.assert_equals_upstream(run_id).await;
    assert_counters_match_attempts(&fixture.db, run_id).await;
}

#[tokio::test]
async fn a_worker_whose_lease_was_taken_over_writes_nothing() {
    let fixture = SyncFixture::new().await;
    fixture.refresh().await;
    let run_id = start(&fixture, "contested").await;
    sqlx::query("UPDATE runs SET next_poll_at = now() WHERE id = $1")
        .bind(run_id)
        .execute(&fixture.db)
        .await
        .unwrap();

    // Worker "slow" claims the run with a lease that runs out at once; "fast" then claims it.
    // (Imported history runs are due too; only this run matters here.)
    let slow = runs::claim_due(&fixture.db, "slow", 1000, 0.0)
        .await
        .unwrap();
    assert!(slow.iter().any(|run| run.id == run_id), "slow claimed it");
    let fast = runs::claim_due(&fixture.db, "fast", 1000, 60.0)
        .await
        .unwrap();
    assert!(fast.iter().any(|run| run.id == run_id), "fast claimed it");
    let before = visible(&fixture.db, run_id).await;

    // The slow worker's answer arrives late: refused, and nothing of it is written.
    let fetched = fixture.upstream_run(run_id).await;
    assert!(
        !fetched.attempts.is_empty(),
        "the upstream run has attempts"
    );
    let stored = store_run(&fixture.db, run_id, "slow", &fetched, 0.05)
        .await
        .unwrap();
    assert!(matches!(stored, Ingested::LeaseLost), "{stored:?}");
    assert_eq!(visible(&fixture.db, run_id).await, before);
    let owner: Option<String> = sqlx::query_scalar("SELECT lease_owner FROM runs WHERE id = $1")
        .bind(run_id)
        .fetch_one(&fixture.db)
        .await
        .unwrap();
    assert_eq!(
        owner.as_deref(),
        Some("fast"),
        "the lease stays with its holder"
    );

    // The holder's answer is stored, and frees the lease.
    let stored = store_run(&fixture.db, run_id, "fast", &fetched, 0.05)
        .await
        .unwrap();
    assert!(matches!(stored, Ingested::Stored { .. }), "{stored:?}");
    let after = visible(&fixture.db, run_id).await;
    assert_eq!(after.attempts.len(), fetched.attempts.len());
    let owner: Option<String> = sqlx::query_scalar("SELECT lease_owner FROM runs WHERE id = $1")
        .bind(run_id)
        .fetch_one(&fixture.db)
        .await
        .unwrap();
    assert_eq!(owner, None, "the lease is released");
    assert_counters_match_attempts(&fixture.db, run_id).await;
}
