//! Fault tests of the retry rules, counted on the simulator's side: GETs are repeated on 5xx,
//! 429 and timeouts up to `max_attempts`; POST, PATCH and DELETE never are; a lost start-run
//! response leaves a run upstream that reconciliation must find (docs/revring-api.md §3.6, §9.2, §9.8).

use std::time::{Duration, Instant};

use ringside::revring::{ErrorKind, RetryPolicy, SuitePatch, TestCasePatch};
use ringside::simulator::Faults;

use super::{HOLD_MS, SHORT_TIMEOUT, case, client_for, env, fast_retries};

const GET_RUN: &str = "GET /v1/test-suites/{id}/runs/{run_id}";
const START_RUN: &str = "POST /v1/test-suites/{id}/runs";

/// Faults limited to one `"METHOD /template"` route.
fn on(route: &str, faults: Faults) -> Faults {
    Faults {
        route: Some(route.to_owned()),
        ..faults
    }
}

#[tokio::test]
async fn a_get_succeeds_after_two_server_errors_in_exactly_three_requests() {
    let e = env().await;
    let (suite, run) = e.finished_run(&[("Only [sim:pass]", 1)]).await;
    e.sim.reset_stats();
    e.sim.set_faults(on(
        GET_RUN,
        Faults {
            error_next: 2,
            ..Faults::default()
        },
    ));
    let fetched = e
        .client
        .get_run(&suite.id, &run.id)
        .await
        .expect("third time lucky");
    assert_eq!(fetched, run);
    let stats = e.sim.stats();
    assert_eq!(stats.route(GET_RUN), 3);
    assert_eq!(stats.requests_total, 3);
    assert_eq!(stats.faults_injected.get("error"), Some(&2));
    e.sim.shutdown().await;
}

#[tokio::test]
async fn a_get_waits_out_retry_after_then_succeeds() {
    let e = env().await;
    e.sim.set_faults(on(
        "GET /v1/test-suites",
        Faults {
            rate_limit_next: 1,
            retry_after_secs: 1,
            ..Faults::default()
        },
    ));
    let began = Instant::now();
    let suites = e.client.list_suites().await.expect("after the wait");
    let waited = began.elapsed();
    assert_eq!(suites.len(), 4);
    assert!(
        waited >= Duration::from_secs(1),
        "Retry-After: 1 honoured, waited {waited:?}"
    );
    assert_eq!(e.sim.stats().route("GET /v1/test-suites"), 2);
    e.sim.shutdown().await;
}

#[tokio::test]
async fn a_get_gives_up_after_max_attempts_with_the_last_error() {
    let e = env().await;
    let policy = RetryPolicy {
        max_attempts: 4,
        ..fast_retries()
    };
    let client = client_for(&e.sim, &e.key, super::TIMEOUT, policy);
    e.sim.set_faults(on(
        "GET /v1/agents",
        Faults {
            error_next: 10,
            ..Faults::default()
        },
    ));
    let error = client.list_agents().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(500));
    assert!(!error.outcome_unknown(), "a failed GET changed nothing");
    assert_eq!(
        e.sim.stats().route("GET /v1/agents"),
        4,
        "exactly max_attempts"
    );
    assert_eq!(e.sim.faults().error_next, 6);

    // A timed-out GET is retried too, and one success ends the loop.
    e.sim.set_faults(on(
        "GET /v1/agents",
        Faults {
            timeout_next: 1,
            timeout_ms: HOLD_MS,
            ..Faults::default()
        },
    ));
    let quick = client_for(&e.sim, &e.key, SHORT_TIMEOUT, fast_retries());
    e.sim.reset_stats();
    assert_eq!(quick.list_agents().await.expect("second try").len(), 5);
    assert_eq!(e.sim.stats().route("GET /v1/agents"), 2);
    e.sim.shutdown().await;
}

#[tokio::test]
async fn a_failed_start_run_is_sent_once_and_starts_nothing() {
    let e = env().await;
    let suite = e.suite_with(2, &[("Only", 1)]).await;
    e.sim.set_faults(on(
        START_RUN,
        Faults {
            error_next: 1,
            ..Faults::default()
        },
    ));
    let error = e
        .client
        .start_run(&suite.id, Some("Nightly"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error:?}");
    assert!(
        error.outcome_unknown(),
        "from the client's side a 5xx on a POST is unknown"
    );
    let stats = e.sim.stats();
    assert_eq!(stats.route(START_RUN), 1, "never retried");
    assert_eq!(stats.runs_started, 0);
    assert!(
        e.client
            .list_runs(&suite.id)
            .await
            .expect("list")
            .is_empty()
    );

    // 429 on a POST is a refusal: not retried either, and nothing is unknown.
    e.sim.set_faults(on(
        START_RUN,
        Faults {
            rate_limit_next: 1,
            retry_after_secs: 0,
            ..Faults::default()
        },
    ));
    let error = e.client.start_run(&suite.id, None).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert!(!error.outcome_unknown());
    assert_eq!(e.sim.stats().route(START_RUN), 2);
    assert_eq!(e.sim.stats().runs_started, 0);
    e.sim.shutdown().await;
}

#[tokio::test]
async fn a_timed_out_start_run_may_have_applied_and_the_run_exists() {
    let e = env().await;
    let suite = e.suite_with(2, &[("Only", 1)]).await;
    let client = client_for(&e.sim, &e.key, SHORT_TIMEOUT, fast_retries());
    e.sim.set_faults(on(
        START_RUN,
        Faults {
            timeout_next: 1,
            timeout_ms: HOLD_MS,
            ..Faults::default()
        },
    ));
    let error = client
        .start_run(&suite.id, Some("Lost answer"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error:?}");
    assert!(error.outcome_unknown());
    assert!(error.user_message().contains("may or may not"));
    let stats = e.sim.stats();
    assert_eq!(stats.route(START_RUN), 1, "never retried");
    assert_eq!(stats.runs_started, 1, "RevRing did start it");

    // Reconciliation: the run is there to be found, exactly once.
    let runs = e.client.list_runs(&suite.id).await.expect("list");
    let found: Vec<_> = runs
        .iter()
        .filter(|r| r.name.as_deref() == Some("Lost answer"))
        .collect();
    assert_eq!(found.len(), 1, "{runs:?}");
    let run = e
        .client
        .get_run(&suite.id, &found[0].id)
        .await
        .expect("get");
    assert_eq!(run.total_tests, 1);
    e.sim.shutdown().await;
}

#[tokio::test]
async fn a_garbled_start_run_answer_is_a_decode_error_yet_the_run_exists() {
    let e = env().await;
    let suite = e.suite_with(2, &[("Only", 1)]).await;
    e.sim.set_faults(on(
        START_RUN,
        Faults {
            malformed_next: 1,
            ..Faults::default()
        },
    ));
    let error = e
        .client
        .start_run(&suite.id, Some("Garbled"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode, "{error:?}");
    assert_eq!(
        error.status().map(|s| s.as_u16()),
        Some(201),
        "RevRing said created"
    );
    assert!(!error.is_retryable());
    assert!(
        error.outcome_unknown(),
        "a 2xx means it was applied: callers reconcile"
    );
    assert_eq!(e.sim.stats().route(START_RUN), 1, "never retried");
    let runs = e.client.list_runs(&suite.id).await.expect("list");
    let names: Vec<_> = runs.iter().map(|r| r.name.as_deref()).collect();
    assert_eq!(names, [Some("Garbled")]);
    e.sim.shutdown().await;
}

#[tokio::test]
async fn patch_and_delete_are_never_retried() {
    let e = env().await;
    let suite = e.suite_with(2, &[]).await;
    let test = e
        .client
        .create_test(&suite.id, &case("Only", 1))
        .await
        .expect("test");
    let patch = SuitePatch {
        name: Some("Renamed".into()),
        ..SuitePatch::default()
    };
    let routes = [
        "PATCH /v1/test-suites/{id}",
        "PATCH /v1/test-suites/{id}/tests/{test_id}",
        "DELETE /v1/test-suites/{id}/tests/{test_id}",
        "DELETE /v1/test-suites/{id}",
    ];
    for route in routes {
        e.sim.set_faults(on(
            route,
            Faults {
                error_next: 3,
                ..Faults::default()
            },
        ));
        let result = match route {
            "PATCH /v1/test-suites/{id}" => {
                e.client.update_suite(&suite.id, &patch).await.map(drop)
            }
            "PATCH /v1/test-suites/{id}/tests/{test_id}" => e
                .client
                .update_test(&suite.id, &test.id, &TestCasePatch::default())
                .await
                .map(drop),
            "DELETE /v1/test-suites/{id}/tests/{test_id}" => {
                e.client.delete_test(&suite.id, &test.id).await
            }
            _ => e.client.delete_suite(&suite.id).await,
        };
        let error = result.expect_err(route);
        assert_eq!(error.kind(), ErrorKind::Unavailable, "{route}: {error:?}");
        assert!(error.outcome_unknown(), "{route}");
        assert_eq!(e.sim.stats().route(route), 1, "{route} sent once");
    }
    e.sim.set_faults(Faults::default());
    assert_eq!(
        e.client.get_suite(&suite.id).await.expect("untouched").name,
        suite.name
    );

    // A DELETE whose answer is lost did happen; the client says so and does not repeat it.
    let client = client_for(&e.sim, &e.key, SHORT_TIMEOUT, fast_retries());
    let route = "DELETE /v1/test-suites/{id}";
    e.sim.set_faults(on(
        route,
        Faults {
            timeout_next: 1,
            timeout_ms: HOLD_MS,
            ..Faults::default()
        },
    ));
    let error = client.delete_suite(&suite.id).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout);
    assert!(error.outcome_unknown());
    assert_eq!(e.sim.stats().route(route), 2);
    let gone = e.client.get_suite(&suite.id).await.unwrap_err();
    assert_eq!(gone.kind(), ErrorKind::NotFound);
    e.sim.shutdown().await;
}
