//! Runs: lifecycle in scaled time, the concurrency limit, cancel, determinism.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::StatusCode;
use ringside::simulator::SimulatorConfig;
use serde_json::{Value, json};

use super::{assert_error, assert_timestamp, sim, sim_with};

fn in_flight(run: &Value) -> usize {
    run["attempts"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|x| !x["callId"].is_null() && x["result"].is_null())
                .count()
        })
        .unwrap_or(0)
}

#[tokio::test]
async fn a_run_goes_queued_running_completed_within_the_concurrency_limit() {
    let s = sim_with(SimulatorConfig {
        speed: 500.0,
        ..SimulatorConfig::default_for_tests()
    })
    .await;
    let suite = s
        .suite_with(
            4,
            &[
                ("Always [sim:pass]", 2),
                ("Never [sim:fail]", 1),
                ("Third [sim:pass]", 2),
            ],
        )
        .await;
    let (status, started) = s
        .post(
            &format!("/test-suites/{suite}/runs"),
            json!({"name": "Nightly"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let run = &started["data"];
    assert_eq!(run["status"], "queued");
    assert_eq!(run["name"], "Nightly");
    assert_eq!(run["totalTests"], 5);
    assert_eq!(run["passedTests"], 0);
    assert_eq!(run["failedTests"], 0);
    assert!(run["startedAt"].is_null() && run["completedAt"].is_null());
    let attempts = run["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 5);
    assert!(
        attempts
            .iter()
            .all(|a| a["result"].is_null() && a["callId"].is_null())
    );
    let numbers: Vec<i64> = attempts
        .iter()
        .filter_map(|a| a["attemptNumber"].as_i64())
        .collect();
    assert_eq!(numbers, vec![1, 2, 1, 1, 2]);
    let id = run["id"].as_str().expect("id").to_owned();

    let mut seen = HashSet::new();
    let began = std::time::Instant::now();
    let done = loop {
        let (_, body) = s.get(&format!("/test-suites/{suite}/runs/{id}")).await;
        let run = body["data"].clone();
        assert!(in_flight(&run) <= 2, "floor(4/2) attempts at most: {run}");
        let status = run["status"].as_str().unwrap_or_default().to_owned();
        seen.insert(status.clone());
        if status == "completed" {
            break run;
        }
        assert!(began.elapsed() < Duration::from_secs(10), "run too slow");
        tokio::time::sleep(Duration::from_millis(3)).await;
    };
    assert!(seen.contains("running"), "{seen:?}");
    let at = |key: &str| {
        let raw = done[key].as_str().unwrap_or_default();
        time::OffsetDateTime::parse(raw, &time::format_description::well_known::Rfc3339)
            .unwrap_or_else(|e| panic!("{key}: {raw}: {e}"))
    };
    let took = at("completedAt") - at("createdAt");
    assert!(
        took < time::Duration::seconds(1),
        "a 5-attempt run at speed 500 took {took}"
    );
    assert_eq!(done["passedTests"], 4);
    assert_eq!(done["failedTests"], 1);
    assert_timestamp(&done["startedAt"]);
    assert_timestamp(&done["completedAt"]);
    let attempts = done["attempts"].as_array().expect("attempts");
    let finished: HashSet<&str> = attempts
        .iter()
        .filter_map(|a| a["completedAt"].as_str())
        .collect();
    assert_eq!(finished.len(), 5, "attempts finish one at a time");
    for a in attempts {
        let reasoning = a["reasoning"].as_str().expect("reasoning");
        assert!(
            reasoning.contains("confirms the date, time and party size"),
            "{reasoning}"
        );
        let transcript = a["transcript"].as_array().expect("transcript");
        assert!((6..=14).contains(&transcript.len()));
        assert_eq!(transcript[0]["role"], "assistant");
        assert!(transcript.iter().any(|t| t["role"] == "user"));
        assert!(
            transcript
                .iter()
                .all(|t| t["content"].is_string() && t["secondsFromStart"].is_number())
        );
        assert!(!a["inboundCallId"].is_null());
        assert_timestamp(&a["startedAt"]);
    }
    let fail = attempts
        .iter()
        .find(|a| a["result"] == "fail")
        .expect("a failure");
    assert_eq!(fail["testCaseName"], "Never [sim:fail]");

    let (_, list) = s.get(&format!("/test-suites/{suite}/runs")).await;
    assert_eq!(list["data"][0]["id"], id.as_str());
    assert_eq!(list["data"][0]["status"], "completed");
    assert_eq!(s.sim.stats().runs_started, 1);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn cancel_freezes_a_running_run_and_twice_is_409() {
    let s = sim_with(SimulatorConfig {
        speed: 40.0,
        ..SimulatorConfig::default_for_tests()
    })
    .await;
    let suite = s
        .suite_with(2, &[("One", 1), ("Two", 1), ("Three", 1)])
        .await;
    let run = s.start(&suite).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (status, body) = s
        .post(
            &format!("/test-suites/{suite}/runs/{run}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cancelled = &body["data"];
    assert_eq!(cancelled["status"], "cancelled");
    assert_timestamp(&cancelled["completedAt"]);
    assert_timestamp(&cancelled["startedAt"]);
    let attempts = cancelled["attempts"].as_array().expect("attempts");
    assert!(attempts.iter().any(|a| a["result"].is_null()));
    let dialed = attempts
        .iter()
        .find(|a| !a["callId"].is_null())
        .expect("one dialed");
    let call = dialed["callId"].as_str().expect("call id");
    let (_, call) = s.get(&format!("/calls/{call}")).await;
    assert_eq!(call["data"]["status"], "CANCELED");

    let (status, err) = s
        .post(
            &format!("/test-suites/{suite}/runs/{run}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&err, "conflict");
    tokio::time::sleep(Duration::from_millis(100)).await;
    let (_, later) = s.get(&format!("/test-suites/{suite}/runs/{run}")).await;
    assert_eq!(later["data"]["status"], "cancelled");
    assert_eq!(later["data"]["passedTests"], cancelled["passedTests"]);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn cancel_from_queued_and_after_completion() {
    let s = sim_with(SimulatorConfig {
        speed: 1.0,
        ..SimulatorConfig::default_for_tests()
    })
    .await;
    let suite = s.suite_with(2, &[("Only", 1)]).await;
    let run = s.start(&suite).await;
    let (status, body) = s
        .post(
            &format!("/test-suites/{suite}/runs/{run}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["status"], "cancelled");
    assert!(body["data"]["startedAt"].is_null());
    assert!(body["data"]["attempts"][0]["callId"].is_null());
    s.sim.shutdown().await;

    let s = sim().await;
    let suite = s.suite_with(2, &[("Only", 1)]).await;
    let run = s.start(&suite).await;
    s.wait_terminal(&suite, &run).await;
    let (status, err) = s
        .post(
            &format!("/test-suites/{suite}/runs/{run}/cancel"),
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&err, "conflict");
    s.sim.shutdown().await;
}

/// Everything of a simulator that the seed decides: suites, tests, run history and verdicts.
async fn fingerprint(seed: u64) -> Vec<Value> {
    let s = sim_with(SimulatorConfig {
        seed,
        ..SimulatorConfig::default_for_tests()
    })
    .await;
    let mut out = Vec::new();
    let (_, suites) = s.get("/test-suites").await;
    for suite in suites["data"].as_array().cloned().unwrap_or_default() {
        let id = suite["id"].as_str().unwrap_or_default().to_owned();
        out.push(json!([suite["id"], suite["name"], suite["targetAgentId"]]));
        let (_, tests) = s.get(&format!("/test-suites/{id}/tests")).await;
        out.push(
            tests["data"]
                .as_array()
                .map(|t| t.iter().map(|x| x["id"].clone()).collect::<Vec<_>>())
                .into(),
        );
        let (_, runs) = s.get(&format!("/test-suites/{id}/runs")).await;
        for run in runs["data"].as_array().cloned().unwrap_or_default() {
            out.push(json!([
                run["id"],
                run["passedTests"],
                run["failedTests"],
                run["status"]
            ]));
        }
    }
    let (_, first) = s.get("/test-suites").await;
    let suite = first["data"][0]["id"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let run = s.start(&suite).await;
    let done = s.wait_terminal(&suite, &run).await;
    for a in done["attempts"].as_array().cloned().unwrap_or_default() {
        out.push(json!([a["id"], a["result"], a["transcript"], a["callId"]]));
    }
    s.sim.shutdown().await;
    out
}

#[tokio::test]
async fn the_same_seed_gives_the_same_world() {
    let a = fingerprint(7).await;
    let b = fingerprint(7).await;
    assert_eq!(a, b);
    let c = fingerprint(8).await;
    assert_ne!(a, c);
}

#[tokio::test]
async fn seeded_history_has_reliable_failing_and_flaky_cases() {
    let s = sim().await;
    let (_, suites) = s.get("/test-suites").await;
    let mut per_case: std::collections::HashMap<String, (u32, u32)> = Default::default();
    for suite in suites["data"].as_array().cloned().unwrap_or_default() {
        let id = suite["id"].as_str().unwrap_or_default().to_owned();
        let (_, runs) = s.get(&format!("/test-suites/{id}/runs")).await;
        for run in runs["data"].as_array().cloned().unwrap_or_default() {
            let rid = run["id"].as_str().unwrap_or_default();
            let (_, full) = s.get(&format!("/test-suites/{id}/runs/{rid}")).await;
            for a in full["data"]["attempts"]
                .as_array()
                .cloned()
                .unwrap_or_default()
            {
                let entry = per_case
                    .entry(a["testCaseName"].as_str().unwrap_or_default().to_owned())
                    .or_default();
                match a["result"].as_str() {
                    Some("pass") => entry.0 += 1,
                    Some("fail") => entry.1 += 1,
                    _ => {}
                }
            }
        }
    }
    let always_pass = per_case.values().filter(|(p, f)| *p > 0 && *f == 0).count();
    let always_fail = per_case.values().filter(|(p, f)| *p == 0 && *f > 0).count();
    let mixed = per_case.values().filter(|(p, f)| *p > 0 && *f > 0).count();
    assert!(
        always_pass >= 5 && always_fail >= 1 && mixed >= 2,
        "{per_case:?}"
    );
    s.sim.shutdown().await;
}

#[tokio::test]
async fn a_run_started_elsewhere_is_visible_but_not_counted_as_ours() {
    let s = sim().await;
    let suite = s.suite_with(2, &[("Only", 1)]).await;
    let run = s
        .sim
        .start_run(&s.key, &suite, Some("From the dashboard"))
        .expect("started");
    assert_eq!(run["status"], "queued");
    let (_, list) = s.get(&format!("/test-suites/{suite}/runs")).await;
    assert_eq!(list["data"][0]["name"], "From the dashboard");
    let stats = s.sim.stats();
    assert_eq!(stats.runs_started, 0);
    assert_eq!(stats.runs_started_elsewhere, 1);
    s.sim.shutdown().await;
}
