//! Retry rules: GETs retried with backoff and `Retry-After`, writes never; timeouts.

use super::*;

#[tokio::test]
async fn get_retries_5xx_then_succeeds() {
    let (fake, client) = serve(vec![
        reply(503, json!({"error": "down"})),
        reply(502, Value::Null),
        reply(200, run_body("running")),
    ])
    .await;
    let run = client.get_run("s", "r").await.unwrap();
    assert_eq!(run.status, RunStatus::Running);
    assert_eq!(fake.hits(), 3);
}

#[tokio::test]
async fn get_honours_retry_after() {
    let mut limited = reply(429, json!({"error": {"message": "slow down"}}));
    limited.retry_after = Some("1");
    let (fake, client) = serve(vec![limited, reply(200, json!({"data": []}))]).await;
    let started = Instant::now();
    assert!(client.list_suites().await.unwrap().is_empty());
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(fake.hits(), 2);
}

#[tokio::test]
async fn long_retry_after_is_returned_not_waited() {
    let mut limited = reply(429, json!({"message": "quota"}));
    limited.retry_after = Some("120");
    let (fake, client) = serve(vec![limited]).await;
    let error = client.list_runs("s").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(error.upstream_message(), Some("quota"));
    assert_eq!(fake.hits(), 1);
}

#[tokio::test]
async fn get_gives_up_after_max_attempts() {
    let (fake, client) = serve(vec![reply(500, json!({"error": "boom"}))]).await;
    let error = client.list_agents().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable);
    assert_eq!(error.status(), Some(StatusCode::INTERNAL_SERVER_ERROR));
    assert!(!error.outcome_unknown(), "a failed GET changed nothing");
    assert_eq!(fake.hits(), 3);
}

#[tokio::test]
async fn posts_are_never_retried() {
    let (fake, client) = serve(vec![
        reply(503, Value::Null),
        reply(201, run_body("queued")),
    ])
    .await;
    let error = client.start_run("s", None).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable);
    assert!(
        error.outcome_unknown(),
        "a 5xx on start may still have started the run"
    );
    assert_eq!(fake.hits(), 1);

    let mut limited = reply(429, Value::Null);
    limited.retry_after = Some("0");
    let (fake, client) = serve(vec![limited]).await;
    let suite = NewSuite {
        name: "n".into(),
        target_agent_id: "a".into(),
        ..NewSuite::default()
    };
    let error = client.create_suite(&suite).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::RateLimited);
    assert!(!error.outcome_unknown());
    assert_eq!(fake.hits(), 1);
}

#[tokio::test]
async fn timeouts_are_classified() {
    let mut slow = reply(200, run_body("queued"));
    slow.delay = Duration::from_millis(500);
    let (fake, _) = serve(vec![slow]).await;
    let revring = RevRing::new(&fake.base_url)
        .unwrap()
        .with_timeout(Duration::from_millis(100))
        .with_retry(RetryPolicy::none());
    let client = revring.client(SecretString::from(KEY));

    let error = client.get_run("s", "r").await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timeout {
                may_have_applied: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.is_retryable());

    let error = client.start_run("s", None).await.unwrap_err();
    assert!(
        matches!(
            error,
            Error::Timeout {
                may_have_applied: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.outcome_unknown());
    assert_eq!(fake.hits(), 2, "neither request was repeated");
}

#[tokio::test]
async fn refused_connections_are_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    drop(listener);
    let client = RevRing::new(&base)
        .unwrap()
        .with_retry(fast_retries())
        .client(SecretString::from(KEY));
    let error = client.list_suites().await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable, "{error:?}");
    let error = client.start_run("s", None).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Unavailable);
    assert!(!error.outcome_unknown(), "nothing was sent");
}
