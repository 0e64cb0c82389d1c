//! Whatever RevRing does wrong, every run still ends equal to upstream.

use ringside::simulator::Faults;
use ringside::sync::start::{StartOutcome, start_run};
use uuid::Uuid;

use crate::support::sync::SyncFixture;

#[tokio::test]
async fn runs_end_equal_to_upstream_despite_5xx_429_latency_and_malformed_bodies() {
    let fixture = SyncFixture::new().await;
    fixture.refresh().await;
    let suite = fixture.suite().await;
    let mut run_ids = Vec::new();
    for name in ["one", "two", "three"] {
        let outcome = start_run(&fixture.access, &suite, None, Some(name), Uuid::new_v4())
            .await
            .unwrap();
        let StartOutcome::Started(run_id) = outcome else {
            panic!("{outcome:?}");
        };
        run_ids.push(run_id);
    }
    fixture.sim.set_faults(Faults {
        method: Some("GET".into()),
        latency_ms: 5,
        error_rate: 0.25,
        rate_limit_rate: 0.15,
        retry_after_secs: 1,
        malformed_rate: 0.15,
        ..Faults::default()
    });

    let worker = fixture.worker().spawn();
    for run_id in &run_ids {
        fixture.wait_finished(*run_id).await;
    }
    worker.abort();
    let injected = fixture.sim.stats().faults_injected;
    for kind in ["error", "rate_limit", "malformed"] {
        assert!(
            injected.get(kind).copied().unwrap_or(0) > 0,
            "{kind} faults happened: {injected:?}"
        );
    }

    fixture.sim.set_faults(Faults::default());
    for run_id in run_ids {
        fixture.assert_equals_upstream(run_id).await;
    }
}

#[tokio::test]
async fn a_failing_poll_keeps_the_reason_and_backs_off() {
    let fixture = SyncFixture::new().await;
    fixture.refresh().await;
    let suite = fixture.suite().await;
    let StartOutcome::Started(run_id) =
        start_run(&fixture.access, &suite, None, None, Uuid::new_v4())
            .await
            .unwrap()
    else {
        panic!("not started");
    };
    fixture.sim.set_faults(Faults {
        method: Some("GET".into()),
        error_rate: 1.0,
        ..Faults::default()
    });
    let worker = fixture.worker();
    // The imported history is due too; poll batches until this run's turn came.
    for _ in 0..20 {
        worker.poll_due_runs().await.unwrap();
        let failures: i32 = sqlx::query_scalar("SELECT sync_failures FROM runs WHERE id = $1")
            .bind(run_id)
            .fetch_one(&fixture.db)
            .await
            .unwrap();
        if failures > 0 {
            break;
        }
    }
    let (failures, error, wait): (i32, Option<String>, f64) = sqlx::query_as(
        "SELECT sync_failures, last_error,
                extract(epoch FROM next_poll_at - now())::float8 FROM runs WHERE id = $1",
    )
    .bind(run_id)
    .fetch_one(&fixture.db)
    .await
    .unwrap();
    assert_eq!(failures, 1);
    assert!(
        error.unwrap().contains("RevRing"),
        "a readable reason is kept"
    );
    assert!(wait > 0.0, "the next poll waits");

    fixture.sim.set_faults(Faults::default());
    let handle = worker.spawn();
    fixture.wait_finished(run_id).await;
    handle.abort();
    fixture.assert_equals_upstream(run_id).await;
}
