//! Test runs through the client: start → `queued` → `running` → `completed` seen through
//! `get_run`, counts consistent with the attempts at every step, `list_runs`, cancel, and the
//! refusals (docs/revring-api.md §3.5–3.8, §7, §9.3–9.6, §9.13).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use ringside::revring::{AttemptResult, CallStatus, ErrorKind, RunStatus, TestRun};

use super::{env, env_at};

fn rank(status: &RunStatus) -> u8 {
    match status {
        RunStatus::Queued => 0,
        RunStatus::Running => 1,
        _ => 2,
    }
}

fn count(run: &TestRun, want: &AttemptResult) -> u32 {
    run.attempts
        .iter()
        .filter(|a| a.result.as_ref() == Some(want))
        .count() as u32
}

/// What must hold for any snapshot of a run.
fn assert_consistent(run: &TestRun) {
    assert_eq!(run.total_tests as usize, run.attempts.len(), "{run:?}");
    assert_eq!(
        run.passed_tests,
        count(run, &AttemptResult::Pass),
        "{run:?}"
    );
    assert_eq!(
        run.failed_tests,
        count(run, &AttemptResult::Fail),
        "{run:?}"
    );
    for a in &run.attempts {
        assert_eq!(a.result.is_some(), a.completed_at.is_some(), "{a:?}");
        assert_eq!(a.result.is_some(), a.reasoning.is_some(), "{a:?}");
        assert_eq!(a.call_id.is_some(), a.started_at.is_some(), "{a:?}");
        assert!(
            a.result.is_none() || a.call_id.is_some(),
            "judged means dialed: {a:?}"
        );
    }
    if run.status == RunStatus::Queued {
        assert!(run.started_at.is_none() && run.judged_attempts() == 0);
    }
    if run.status == RunStatus::Completed {
        assert_eq!(run.judged_attempts(), run.attempts.len());
        assert!(run.completed_at >= run.started_at && run.started_at.is_some());
    }
}

#[tokio::test]
async fn a_new_run_is_queued_with_unjudged_attempts_and_cancels_cleanly() {
    // Real time: the run stays queued for 3 s, so `get_run` sees `queued` for sure.
    let e = env_at(1.0).await;
    let suite = e.suite_with(2, &[("Books", 2), ("Cancels", 1)]).await;
    let run = e
        .client
        .start_run(&suite.id, Some("Contract run"))
        .await
        .expect("started");
    assert_eq!(run.status, RunStatus::Queued);
    assert_eq!(run.name.as_deref(), Some("Contract run"));
    assert_eq!(run.test_suite_id, suite.id);
    assert_eq!(
        (run.total_tests, run.passed_tests, run.failed_tests),
        (3, 0, 0)
    );
    assert!(run.started_at.is_none() && run.completed_at.is_none());
    let numbers: Vec<u32> = run.attempts.iter().map(|a| a.attempt_number).collect();
    assert_eq!(numbers, [1, 2, 1]);
    assert!(
        run.attempts
            .iter()
            .all(|a| a.call_id.is_none() && !a.is_judged())
    );
    assert_consistent(&run);

    let fetched = e.client.get_run(&suite.id, &run.id).await.expect("get");
    assert_eq!(fetched.status, RunStatus::Queued);
    assert_eq!(fetched.attempts.len(), 3);
    let listed = e.client.list_runs(&suite.id).await.expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, run.id);
    assert_eq!(listed[0].status, RunStatus::Queued);

    let cancelled = e
        .client
        .cancel_run(&suite.id, &run.id)
        .await
        .expect("cancel");
    assert_eq!(cancelled.status, RunStatus::Cancelled);
    assert!(cancelled.completed_at.is_some());
    assert!(
        cancelled
            .attempts
            .iter()
            .all(|a| a.result.is_none() && a.call_id.is_none())
    );
    assert_consistent(&cancelled);
    let fetched = e.client.get_run(&suite.id, &run.id).await.expect("get");
    assert_eq!(fetched.status, RunStatus::Cancelled);
    e.sim.shutdown().await;
}

#[tokio::test]
async fn a_run_completes_one_verdict_at_a_time_with_consistent_counts() {
    let e = env_at(500.0).await;
    let suite = e
        .suite_with(
            4,
            &[
                ("Books [sim:pass]", 2),
                ("Refuses [sim:fail]", 1),
                ("Silent [sim:error]", 1),
            ],
        )
        .await;
    let started = e.client.start_run(&suite.id, None).await.expect("started");
    assert_eq!(started.status, RunStatus::Queued);
    assert_eq!(started.name.as_deref(), Some("Run #1"), "a generated name");

    let mut statuses = vec![started.status.clone()];
    let mut judged = 0;
    let mut partial = false;
    let began = Instant::now();
    let done = loop {
        let run = e.client.get_run(&suite.id, &started.id).await.expect("get");
        assert_consistent(&run);
        assert!(
            rank(&run.status) >= rank(statuses.last().expect("one")),
            "{statuses:?}"
        );
        assert!(
            run.judged_attempts() >= judged,
            "verdicts are never withdrawn"
        );
        judged = run.judged_attempts();
        let in_flight = run
            .attempts
            .iter()
            .filter(|a| a.call_id.is_some() && !a.is_judged())
            .count();
        assert!(in_flight <= 2, "floor(maxConcurrency / 2) at most: {run:?}");
        partial |= run.status == RunStatus::Running && (1..4).contains(&judged);
        if statuses.last() != Some(&run.status) {
            statuses.push(run.status.clone());
        }
        if run.is_terminal() {
            break run;
        }
        assert!(began.elapsed() < Duration::from_secs(10), "run too slow");
        tokio::time::sleep(Duration::from_millis(2)).await;
    };
    assert_eq!(
        statuses,
        [RunStatus::Queued, RunStatus::Running, RunStatus::Completed]
    );
    assert!(partial, "a running snapshot with some verdicts was seen");
    assert_eq!(
        (done.total_tests, done.passed_tests, done.failed_tests),
        (4, 2, 1)
    );
    assert_eq!(count(&done, &AttemptResult::Error), 1);
    let finished: HashSet<_> = done.attempts.iter().map(|a| a.completed_at).collect();
    assert_eq!(finished.len(), 4, "attempts are judged one at a time");
    for a in &done.attempts {
        let spoke = !a.transcript.is_empty();
        assert_eq!(spoke, a.result != Some(AttemptResult::Error), "{a:?}");
        assert!(a.inbound_call_id.is_some());
        assert!(a.test_case_name.contains("[sim:"));
    }

    let listed = e.client.list_runs(&suite.id).await.expect("list");
    assert_eq!(listed[0].id, done.id);
    assert_eq!(listed[0].status, RunStatus::Completed);
    assert_eq!((listed[0].passed_tests, listed[0].failed_tests), (2, 1));
    assert_eq!(e.sim.stats().runs_started, 1);
    e.sim.shutdown().await;
}

#[tokio::test]
async fn cancelling_a_running_run_leaves_unfinished_attempts_unjudged() {
    let e = env_at(40.0).await;
    let suite = e
        .suite_with(2, &[("One", 1), ("Two", 1), ("Three", 1)])
        .await;
    let run = e.client.start_run(&suite.id, None).await.expect("started");
    let began = Instant::now();
    while e
        .client
        .get_run(&suite.id, &run.id)
        .await
        .expect("get")
        .status
        != RunStatus::Running
    {
        assert!(began.elapsed() < Duration::from_secs(5), "never started");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let cancelled = e
        .client
        .cancel_run(&suite.id, &run.id)
        .await
        .expect("cancel");
    assert_eq!(cancelled.status, RunStatus::Cancelled);
    assert!(cancelled.started_at.is_some() && cancelled.completed_at.is_some());
    assert_consistent(&cancelled);
    assert!(cancelled.judged_attempts() < 3, "{cancelled:?}");
    let dialed = cancelled
        .attempts
        .iter()
        .find(|a| a.call_id.is_some() && !a.is_judged())
        .expect("one had dialed");
    let call = e
        .client
        .get_call(dialed.call_id.as_deref().unwrap_or_default())
        .await;
    assert_eq!(
        call.expect("call").status,
        Some(CallStatus::Canceled),
        "single L"
    );

    let again = e.client.cancel_run(&suite.id, &run.id).await.unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Validation, "{again:?}");
    assert_eq!(again.status().map(|s| s.as_u16()), Some(409));
    assert!(
        again
            .upstream_message()
            .is_some_and(|m| m.contains("cancelled"))
    );
    assert!(!again.is_retryable() && !again.outcome_unknown());

    let later = e.client.get_run(&suite.id, &run.id).await.expect("get");
    assert_eq!(later.status, RunStatus::Cancelled);
    assert_eq!(
        later.judged_attempts(),
        cancelled.judged_attempts(),
        "frozen"
    );
    e.sim.shutdown().await;
}

#[tokio::test]
async fn cancelling_a_finished_run_is_a_validation_error() {
    let e = env().await;
    let (suite, done) = e.finished_run(&[("Only [sim:pass]", 1)]).await;
    assert_eq!(done.status, RunStatus::Completed);
    let error = e.client.cancel_run(&suite.id, &done.id).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation, "{error:?}");
    let message = error.upstream_message().expect("RevRing's message");
    assert!(message.contains("completed"), "{message}");
    assert!(error.user_message().contains(message));
    assert!(!error.outcome_unknown(), "a 4xx is a definite refusal");
    let after = e.client.get_run(&suite.id, &done.id).await.expect("get");
    assert_eq!(after.status, RunStatus::Completed);
    e.sim.shutdown().await;
}

#[tokio::test]
async fn starting_an_empty_suite_is_refused_with_a_message_about_test_cases() {
    let e = env().await;
    let suite = e.suite_with(2, &[]).await;
    let error = e
        .client
        .start_run(&suite.id, Some("Empty"))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Validation, "{error:?}");
    assert_eq!(error.status().map(|s| s.as_u16()), Some(400));
    let message = error.upstream_message().expect("RevRing's message");
    assert!(message.contains("test case"), "{message}");
    assert!(error.user_message().contains("test case"));
    assert!(!error.outcome_unknown() && !error.is_retryable());
    assert!(
        e.client
            .list_runs(&suite.id)
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(e.sim.stats().runs_started, 0);
    e.sim.shutdown().await;
}

#[tokio::test]
async fn runs_started_elsewhere_are_listed_and_readable() {
    let e = env().await;
    let suite = e.suite_with(2, &[("Only", 1)]).await;
    let ours = e
        .client
        .start_run(&suite.id, Some("Ours"))
        .await
        .expect("started");
    let theirs = e
        .sim
        .start_run(&e.key, &suite.id, Some("From the dashboard"))
        .expect("started elsewhere");
    let theirs_id = theirs["id"].as_str().expect("id");
    let listed = e.client.list_runs(&suite.id).await.expect("list");
    let names: Vec<Option<&str>> = listed.iter().map(|r| r.name.as_deref()).collect();
    assert_eq!(
        names,
        [Some("From the dashboard"), Some("Ours")],
        "newest first"
    );
    assert_eq!(listed[1].id, ours.id);
    let fetched = e.client.get_run(&suite.id, theirs_id).await.expect("get");
    assert_eq!(fetched.attempts.len(), 1);
    let stats = e.sim.stats();
    assert_eq!((stats.runs_started, stats.runs_started_elsewhere), (1, 1));
    e.sim.shutdown().await;
}
