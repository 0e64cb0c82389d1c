//! A start cut off by a crash (the process dies between RevRing accepting the start and Ringside
//! storing it) is settled within seconds by any sync worker, and its form token ends in a clear
//! state; a worker's dead leases are taken over within seconds, not minutes.

use std::time::Duration;

use ringside::db::run_starts::{self, StartState};
use ringside::sync::start::{START_LEASE, StartOutcome, start_run};
use uuid::Uuid;

use crate::support::sync::SyncFixture;

/// How long a test waits for a worker to settle a start.
const SETTLE_TIMEOUT: Duration = Duration::from_secs(60);

async fn wait_settled(fixture: &SyncFixture, token: Uuid) -> run_starts::RunStart {
    let deadline = tokio::time::Instant::now() + SETTLE_TIMEOUT;
    loop {
        let start = run_starts::get(&fixture.db, fixture.team_id, token)
            .await
            .unwrap()
            .expect("the token exists");
        if start.state != StartState::Pending {
            return start;
        }
        assert!(tokio::time::Instant::now() < deadline, "still pending");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_start_cut_off_by_a_crash_is_found_and_its_token_ends_started() {
    let fixture = SyncFixture::new().await;
    fixture.refresh().await;
    // RevRing accepts the start, then its answer is held back (upstream latency).
    let mut faults = fixture.sim.faults();
    faults.route = Some("POST /v1/test-suites/{id}/runs".into());
    faults.timeout_next = 1;
    faults.timeout_ms = 30_000;
    fixture.sim.set_faults(faults);
    let suite = fixture.suite().await;
    let token = Uuid::new_v4();
    let (access, crashed_suite, user) = (fixture.access.clone(), suite.clone(), fixture.user_id);
    let starting = tokio::spawn(async move {
        start_run(&access, &crashed_suite, Some(user), Some("cut off"), token).await
    });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while fixture.sim.stats().runs_started == 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "RevRing never got the start"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The process dies here: no more of its code runs, its lease is no longer renewed.
    starting.abort();
    let _ = starting.await;
    let pending = run_starts::get(&fixture.db, fixture.team_id, token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pending.state, StartState::Pending);
    let known: i64 = sqlx::query_scalar("SELECT count(*) FROM runs")
        .fetch_one(&fixture.db)
        .await
        .unwrap();

    // A surviving (or restarted) process's worker settles it once the lease lapses.
    let worker = fixture.worker().spawn();
    let settled = wait_settled(&fixture, token).await;
    worker.abort();
    assert_eq!(settled.state, StartState::Started, "{:?}", settled.error);
    let run_id = settled.run_id.expect("the run is recorded");
    let (name, by): (Option<String>, Option<Uuid>) =
        sqlx::query_as("SELECT name, started_by FROM runs WHERE id = $1")
            .bind(run_id)
            .fetch_one(&fixture.db)
            .await
            .unwrap();
    assert_eq!(name.as_deref(), Some("cut off"));
    assert_eq!(by, Some(fixture.user_id));
    let now_known: i64 = sqlx::query_scalar("SELECT count(*) FROM runs")
        .fetch_one(&fixture.db)
        .await
        .unwrap();
    assert_eq!(now_known, known + 1, "exactly the one run");
    assert_eq!(fixture.sim.stats().runs_started, 1, "never started twice");

    // Re-posting the same form shows that run at once; nothing new is started.
    let again = start_run(&fixture.access, &suite, Some(user), Some("cut off"), token)
        .await
        .unwrap();
    assert_eq!(again, StartOutcome::Started(run_id));
    assert_eq!(fixture.sim.stats().runs_started, 1);
}

#[tokio::test]
async fn a_start_cut_off_before_revring_got_it_ends_failed_in_plain_words() {
    let fixture = SyncFixture::new().await;
    fixture.refresh().await;
    let suite = fixture.suite().await;
    let token = Uuid::new_v4();
    // The process took the token, then died before asking RevRing (its lease lapses at once).
    let claimed = run_starts::claim(
        &fixture.db,
        token,
        fixture.team_id,
        suite.id,
        Some(fixture.user_id),
        Some("never sent"),
        0.0,
    )
    .await
    .unwrap();
    assert!(claimed);

    let worker = fixture.worker().spawn();
    let settled = wait_settled(&fixture, token).await;
    worker.abort();
    assert_eq!(settled.state, StartState::Failed);
    let why = settled.error.unwrap();
    assert!(why.contains("nothing was started"), "{why}");
    assert_eq!(fixture.sim.stats().runs_started, 0);
    let again = start_run(&fixture.access, &suite, None, Some("never sent"), token)
        .await
        .unwrap();
    assert_eq!(again, StartOutcome::Refused(why));
}

#[tokio::test]
async fn a_live_start_keeps_its_lease_while_revring_is_slow() {
    let fixture = SyncFixture::new().await;
    fixture.refresh().await;
    // The answer takes longer than the lease: the starting process must keep its token.
    let mut faults = fixture.sim.faults();
    faults.route = Some("POST /v1/test-suites/{id}/runs".into());
    faults.latency_ms = (START_LEASE + Duration::from_secs(3)).as_millis() as u64;
    fixture.sim.set_faults(faults);
    let mut access = fixture.access.clone();
    access.revring = access.revring.with_timeout(START_LEASE * 3);
    let suite = fixture.suite().await;
    // A worker looking for crashed starts runs all along: it must leave this one alone.
    let worker = fixture.worker().spawn();
    let token = Uuid::new_v4();
    let outcome = start_run(&access, &suite, None, Some("slow"), token)
        .await
        .unwrap();
    worker.abort();
    let StartOutcome::Started(run_id) = outcome else {
        panic!("{outcome:?}")
    };
    let start = run_starts::get(&fixture.db, fixture.team_id, token)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (start.state, start.run_id),
        (StartState::Started, Some(run_id))
    );
    assert_eq!(fixture.sim.stats().runs_started, 1);
}

#[tokio::test]
async fn runs_leased_by_a_dead_worker_resume_within_seconds() {
    let fixture = SyncFixture::new().await;
    fixture.refresh().await;
    let suite = fixture.suite().await;
    let outcome = start_run(&fixture.access, &suite, None, None, Uuid::new_v4())
        .await
        .unwrap();
    let StartOutcome::Started(run_id) = outcome else {
        panic!("{outcome:?}")
    };
    // A worker claims it with the default (short) lease and dies without renewing.
    let lease = ringside::sync::SyncSettings::default().lease;
    assert!(lease <= Duration::from_secs(15), "leases are short");
    let claimed =
        ringside::db::runs::claim_due(&fixture.db, "dead-worker", 10_000, lease.as_secs_f64())
            .await
            .unwrap();
    assert!(claimed.iter().any(|run| run.id == run_id));
    let worker = fixture.worker().spawn();
    fixture.wait_finished(run_id).await;
    worker.abort();
    fixture.assert_equals_upstream(run_id).await;
}
