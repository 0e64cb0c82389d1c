//! Starting, following, importing and cancelling runs.

use ringside::revring::NewSuite;
use ringside::simulator::SimulatorConfig;
use ringside::sync::start::{StartOutcome, cancel_run, start_run};
use uuid::Uuid;

use crate::support::sync::SyncFixture;

async fn started(fixture: &SyncFixture, name: Option<&str>) -> Uuid {
    let suite = fixture.suite().await;
    let outcome = start_run(
        &fixture.access,
        &suite,
        Some(fixture.user_id),
        name,
        Uuid::new_v4(),
    )
    .await
    .unwrap();
    match outcome {
        StartOutcome::Started(run_id) => run_id,
        other => panic!("expected a started run, got {other:?}"),
    }
}

#[tokio::test]
async fn a_started_run_ends_completed_and_equal_to_upstream() {
    let fixture = SyncFixture::new().await;
    fixture.refresh().await;
    let worker = fixture.worker().spawn();
    let run_id = started(&fixture, Some("nightly")).await;
    fixture.wait_finished(run_id).await;
    worker.abort();

    fixture.assert_equals_upstream(run_id).await;
    let (status, name, by): (String, Option<String>, Option<Uuid>) =
        sqlx::query_as("SELECT status, name, started_by FROM runs WHERE id = $1")
            .bind(run_id)
            .fetch_one(&fixture.db)
            .await
            .unwrap();
    assert_eq!(status, "completed");
    assert_eq!(name.as_deref(), Some("nightly"));
    assert_eq!(by, Some(fixture.user_id));
    assert_eq!(fixture.sim.stats().runs_started, 1);
}

#[tokio::test]
async fn one_form_token_starts_one_run_even_when_sent_twenty_times_at_once() {
    let fixture = SyncFixture::new().await;
    fixture.refresh().await;
    let suite = fixture.suite().await;
    let token = Uuid::new_v4();
    let submissions = (0..20).map(|_| {
        let access = fixture.access.clone();
        let suite = suite.clone();
        let user = fixture.user_id;
        tokio::spawn(async move { start_run(&access, &suite, Some(user), None, token).await })
    });
    let outcomes: Vec<StartOutcome> = futures_outcomes(submissions).await;
    let first = outcomes[0].clone();
    assert!(matches!(first, StartOutcome::Started(_)), "{first:?}");
    assert!(
        outcomes.iter().all(|outcome| *outcome == first),
        "{outcomes:?}"
    );
    assert_eq!(fixture.sim.stats().runs_started, 1);
}

async fn futures_outcomes(
    handles: impl Iterator<Item = tokio::task::JoinHandle<anyhow::Result<StartOutcome>>>,
) -> Vec<StartOutcome> {
    let mut outcomes = Vec::new();
    for handle in handles {
        outcomes.push(handle.await.unwrap().unwrap());
    }
    outcomes
}

#[tokio::test]
async fn a_start_that_times_out_is_reconciled_not_retried() {
    let fixture = SyncFixture::new().await;
    fixture.refresh().await;
    let mut faults = fixture.sim.faults();
    faults.route = Some("POST /v1/test-suites/{id}/runs".into());
    faults.timeout_next = 1;
    faults.timeout_ms = 4_000;
    fixture.sim.set_faults(faults);

    let run_id = started(&fixture, Some("after a timeout")).await;
    assert_eq!(fixture.sim.stats().runs_started, 1, "no second start");
    let revring_id: String = sqlx::query_scalar("SELECT revring_id FROM runs WHERE id = $1")
        .bind(run_id)
        .fetch_one(&fixture.db)
        .await
        .unwrap();
    assert!(!revring_id.is_empty());
}

#[tokio::test]
async fn a_start_answered_with_a_garbled_body_is_reconciled_too() {
    let fixture = SyncFixture::new().await;
    fixture.refresh().await;
    let mut faults = fixture.sim.faults();
    faults.route = Some("POST /v1/test-suites/{id}/runs".into());
    faults.malformed_next = 1;
    fixture.sim.set_faults(faults);

    let run_id = started(&fixture, Some("garbled answer")).await;
    assert_eq!(fixture.sim.stats().runs_started, 1, "no second start");
    let worker = fixture.worker().spawn();
    fixture.wait_finished(run_id).await;
    worker.abort();
    fixture.assert_equals_upstream(run_id).await;
}

#[tokio::test]
async fn a_refused_start_says_why_and_stores_nothing() {
    let fixture = SyncFixture::new().await;
    let client = fixture
        .access
        .client_for(fixture.team_id, fixture.key_id)
        .await
        .unwrap();
    let agent = client.list_agents().await.unwrap().remove(0);
    client
        .create_suite(&NewSuite {
            name: "Empty suite".into(),
            target_agent_id: agent.id.clone(),
            ..NewSuite::default()
        })
        .await
        .unwrap();
    fixture.refresh().await;
    let empty = ringside::db::suites::list(&fixture.db, fixture.team_id)
        .await
        .unwrap()
        .into_iter()
        .find(|suite| suite.name == "Empty suite")
        .unwrap();
    let suite = ringside::db::suites::get(&fixture.db, fixture.team_id, empty.id)
        .await
        .unwrap()
        .unwrap();
    let outcome = start_run(&fixture.access, &suite, None, None, Uuid::new_v4())
        .await
        .unwrap();
    let StartOutcome::Refused(message) = outcome else {
        panic!("expected a refusal, got {outcome:?}");
    };
    assert!(message.to_lowercase().contains("test case"), "{message}");
    let runs: i64 = sqlx::query_scalar("SELECT count(*) FROM runs WHERE suite_id = $1")
        .bind(suite.id)
        .fetch_one(&fixture.db)
        .await
        .unwrap();
    assert_eq!(runs, 0);
}

#[tokio::test]
async fn history_and_runs_started_elsewhere_are_imported_in_full() {
    let fixture = SyncFixture::new().await;
    let report = fixture.refresh().await;
    assert!(report.suites > 0);
    assert!(report.imported_runs > 0, "the seeded history is imported");

    let suite = fixture.suite().await;
    fixture
        .sim
        .start_run(
            &fixture.sim.keys()[0],
            &suite.revring_id,
            Some("from the dashboard"),
        )
        .unwrap();
    let again = fixture.refresh().await;
    assert_eq!(again.imported_runs, 1, "only the new run is imported");

    let worker = fixture.worker().spawn();
    let run_ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM runs WHERE team_id = $1")
        .bind(fixture.team_id)
        .fetch_all(&fixture.db)
        .await
        .unwrap();
    for run_id in &run_ids {
        fixture.wait_finished(*run_id).await;
    }
    worker.abort();
    for run_id in run_ids {
        fixture.assert_equals_upstream(run_id).await;
    }
    let imported: Option<Uuid> =
        sqlx::query_scalar("SELECT started_by FROM runs WHERE name = 'from the dashboard'")
            .fetch_one(&fixture.db)
            .await
            .unwrap();
    assert_eq!(imported, None, "imported runs have no Ringside starter");
}

#[tokio::test]
async fn a_cancelled_run_ends_cancelled_in_the_cache() {
    // Real-time speed: the run is still going when the cancel arrives.
    let fixture = SyncFixture::with_sim(SimulatorConfig {
        speed: 1.0,
        ..SimulatorConfig::default_for_tests()
    })
    .await;
    fixture.refresh().await;
    let run_id = started(&fixture, None).await;
    cancel_run(&fixture.access, fixture.team_id, run_id)
        .await
        .unwrap()
        .unwrap();
    let worker = fixture.worker().spawn();
    fixture.wait_finished(run_id).await;
    worker.abort();
    fixture.assert_equals_upstream(run_id).await;
    let status: String = sqlx::query_scalar("SELECT status FROM runs WHERE id = $1")
        .bind(run_id)
        .fetch_one(&fixture.db)
        .await
        .unwrap();
    assert_eq!(status, "cancelled");
}
