//! Every error class of the client, produced by the simulator for real: bad key, unknown and
//! foreign ids, validation limits, 429, 5xx, a held response and a malformed body (docs/revring-api.md §1,
//! §3.2–3.3, §9.1–9.2, §9.8, §9.18). Clients here do not retry, so each error is one request.

use std::time::Duration;

use ringside::revring::{ErrorKind, NewSuite, NewTestCase, RetryPolicy, SuitePatch, TestCasePatch};
use ringside::simulator::Faults;

use super::{HOLD_MS, SHORT_TIMEOUT, TIMEOUT, case, client_for, env};

const UNKNOWN_ID: &str = "00000000-0000-4000-8000-000000000000";

#[tokio::test]
async fn a_bad_key_is_unauthorized_and_never_echoed() {
    let e = env().await;
    let key = "rr_live_not_a_real_key_8c1f2e";
    let client = client_for(&e.sim, key, TIMEOUT, super::fast_retries());
    let error = client.verify_key().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized, "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(401));
    assert_eq!(error.upstream_message(), Some("Invalid API key"));
    assert!(!error.is_retryable() && !error.outcome_unknown());
    for text in [
        error.user_message(),
        error.to_string(),
        format!("{error:?}"),
    ] {
        assert!(!text.contains(key), "{text}");
    }
    let error = client.list_suites().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unauthorized);
    assert_eq!(e.sim.stats().key("(unknown)"), 2, "401s are not retried");
    e.sim.shutdown().await;
}

#[tokio::test]
async fn foreign_and_unknown_ids_are_not_found() {
    let e = env().await;
    let (suite, run) = e.finished_run(&[("Only [sim:pass]", 1)]).await;
    let test = e
        .client
        .list_tests(&suite.id)
        .await
        .expect("tests")
        .remove(0);
    let call = run.attempts[0].call_id.clone().expect("dialed");

    let foreign = [
        e.other.get_suite(&suite.id).await.map(drop),
        e.other.list_tests(&suite.id).await.map(drop),
        e.other.list_runs(&suite.id).await.map(drop),
        e.other.get_run(&suite.id, &run.id).await.map(drop),
        e.other.start_run(&suite.id, None).await.map(drop),
        e.other.get_call(&call).await.map(drop),
        e.other.delete_test(&suite.id, &test.id).await,
        e.other
            .update_suite(&suite.id, &SuitePatch::default())
            .await
            .map(drop),
        e.other.delete_suite(&suite.id).await,
    ];
    for (i, result) in foreign.into_iter().enumerate() {
        let error = result.expect_err("another organization's object");
        assert_eq!(error.kind(), ErrorKind::NotFound, "#{i}: {error:?}");
        assert!(!error.outcome_unknown(), "#{i}: a 404 changed nothing");
    }
    assert_eq!(
        e.client.get_suite(&suite.id).await.expect("still there").id,
        suite.id
    );
    assert_eq!(
        e.client.list_tests(&suite.id).await.expect("tests").len(),
        1
    );
    assert_eq!(e.sim.stats().runs_started, 1, "only our own run");

    let unknown = [
        e.client.get_suite(UNKNOWN_ID).await.map(drop),
        e.client.get_suite("not-a-uuid").await.map(drop),
        e.client.get_run(&suite.id, UNKNOWN_ID).await.map(drop),
        e.client.cancel_run(&suite.id, UNKNOWN_ID).await.map(drop),
        e.client
            .update_test(&suite.id, UNKNOWN_ID, &TestCasePatch::default())
            .await
            .map(drop),
        e.client
            .create_test(UNKNOWN_ID, &case("x", 1))
            .await
            .map(drop),
        e.client.get_call(UNKNOWN_ID).await.map(drop),
    ];
    for (i, result) in unknown.into_iter().enumerate() {
        let error = result.expect_err("unknown id");
        assert_eq!(error.kind(), ErrorKind::NotFound, "#{i}: {error:?}");
        assert!(
            error
                .upstream_message()
                .is_some_and(|m| m.contains("not found"))
        );
    }
    e.sim.shutdown().await;
}

#[tokio::test]
async fn validation_limits_keep_revring_s_message() {
    let e = env().await;
    let target = e.agents().await.remove(0);
    let suite = |name: String, max_concurrency| NewSuite {
        name,
        target_agent_id: target.clone(),
        max_concurrency,
        ..NewSuite::default()
    };
    let refusals = [
        (
            e.client
                .create_suite(&suite("n".repeat(129), None))
                .await
                .map(drop),
            "`name` must be at most 128 characters",
        ),
        (
            e.client
                .create_suite(&suite("Concurrency".into(), Some(1)))
                .await
                .map(drop),
            "`maxConcurrency` must be an integer between 2 and 100",
        ),
        (
            e.client
                .create_suite(&NewSuite {
                    target_agent_id: UNKNOWN_ID.into(),
                    ..suite("Nobody".into(), None)
                })
                .await
                .map(drop),
            "`targetAgentId` does not name an agent of this organization",
        ),
    ];
    for (result, message) in refusals {
        let error = result.expect_err(message);
        assert_eq!(error.kind(), ErrorKind::Validation, "{error:?}");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
        assert_eq!(error.upstream_message(), Some(message));
        assert_eq!(
            error.user_message(),
            format!("RevRing did not accept the request: {message}")
        );
        assert!(!error.outcome_unknown() && !error.is_retryable());
    }
    let ok = e
        .client
        .create_suite(&suite("n".repeat(128), Some(2)))
        .await;
    let ok = ok.expect("128 characters and 2 calls are within the limits");

    let attempts = "`attemptsPerRun` must be an integer between 1 and 10";
    let error = e
        .client
        .create_test(&ok.id, &case("Eleven", 11))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    assert_eq!(error.upstream_message(), Some(attempts));
    let ten = e
        .client
        .create_test(&ok.id, &case("Ten", 10))
        .await
        .expect("10 is fine");
    let patch = TestCasePatch {
        attempts_per_run: Some(11),
        ..TestCasePatch::default()
    };
    let error = e
        .client
        .update_test(&ok.id, &ten.id, &patch)
        .await
        .unwrap_err();
    assert_eq!(error.upstream_message(), Some(attempts));
    let empty = NewTestCase {
        script: "s".into(),
        scoring_rubric: "r".into(),
        ..NewTestCase::default()
    };
    let error = e.client.create_test(&ok.id, &empty).await.unwrap_err();
    assert_eq!(error.upstream_message(), Some("`name` must not be empty"));
    let patch = SuitePatch {
        max_concurrency: Some(101),
        ..SuitePatch::default()
    };
    let error = e.client.update_suite(&ok.id, &patch).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation);
    let after = e.client.list_tests(&ok.id).await.expect("tests");
    assert_eq!(after, vec![ten], "refused requests changed nothing");
    e.sim.shutdown().await;
}

#[tokio::test]
async fn injected_failures_map_to_their_classes() {
    let e = env().await;
    let client = client_for(&e.sim, &e.key, TIMEOUT, RetryPolicy::none());
    let impatient = client_for(&e.sim, &e.key, SHORT_TIMEOUT, RetryPolicy::none());
    let suite = e.client.list_suites().await.expect("suites").remove(0);

    e.sim.set_faults(Faults {
        rate_limit_next: 1,
        retry_after_secs: 7,
        ..Faults::default()
    });
    let error = client.get_suite(&suite.id).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited, "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(429));
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));
    assert!(
        error
            .upstream_message()
            .is_some_and(|m| m.contains("retry after 7"))
    );
    assert!(error.is_retryable() && !error.outcome_unknown());
    assert!(error.user_message().contains("7 seconds"));

    e.sim.set_faults(Faults {
        error_next: 1,
        error_status: 503,
        ..Faults::default()
    });
    let error = client.get_suite(&suite.id).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(503));
    assert_eq!(error.upstream_message(), Some("Injected server error"));
    assert!(error.is_retryable() && !error.outcome_unknown());

    e.sim.set_faults(Faults {
        timeout_next: 1,
        timeout_ms: HOLD_MS,
        ..Faults::default()
    });
    let error = impatient.get_suite(&suite.id).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Timeout, "{error:?}");
    assert!(
        error.is_retryable() && !error.outcome_unknown(),
        "a GET changed nothing"
    );
    assert_eq!(error.status(), None);

    e.sim.set_faults(Faults {
        malformed_next: 1,
        ..Faults::default()
    });
    let error = client.get_suite(&suite.id).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Decode, "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(200));
    assert!(!error.is_retryable());

    let stats = e.sim.stats();
    for fault in ["rate_limit", "error", "timeout", "malformed"] {
        assert_eq!(stats.faults_injected.get(fault), Some(&1), "{fault}");
    }
    assert_eq!(
        stats.route("GET /v1/test-suites/{id}"),
        4,
        "one request each"
    );
    let fine = client.get_suite(&suite.id).await.expect("faults used up");
    assert_eq!(fine.id, suite.id);
    e.sim.shutdown().await;
}
