//! Fault injection (flags, `Simulator::set_faults` and `/_sim/faults`) and request counters.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use ringside::simulator::{Faults, SimulatorConfig};
use serde_json::{Value, json};

use super::{assert_error, sim, sim_with};

#[tokio::test]
async fn the_next_n_requests_fail_with_5xx_then_recover() {
    let s = sim().await;
    s.sim.set_faults(Faults {
        error_next: 3,
        error_status: 503,
        ..Faults::default()
    });
    for _ in 0..3 {
        let (status, err) = s.get("/agents").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_error(&err, "internal_error");
    }
    let (status, _) = s.get("/agents").await;
    assert_eq!(status, StatusCode::OK);
    let stats = s.sim.stats();
    assert_eq!(stats.faults_injected.get("error"), Some(&3));
    assert_eq!(stats.route("GET /v1/agents"), 4);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn scoped_faults_hit_gets_and_spare_posts() {
    let s = sim().await;
    s.sim.set_faults(Faults {
        method: Some("GET".into()),
        error_rate: 1.0,
        ..Faults::default()
    });
    let (status, _) = s.get("/test-suites").await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    let target = {
        s.sim.set_faults(Faults::default());
        let id = s.target_agent().await;
        s.sim.set_faults(Faults {
            method: Some("GET".into()),
            error_rate: 1.0,
            ..Faults::default()
        });
        id
    };
    let (status, _) = s
        .post(
            "/test-suites",
            json!({"name": "ok", "targetAgentId": target}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let s = sim().await;
    s.sim.set_faults(Faults {
        rate_limit_next: 1,
        retry_after_secs: 7,
        ..Faults::default()
    });
    let resp = s
        .http
        .get(format!("{}/agents", s.base))
        .header("x-api-key", &s.key)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "7");
    let err: Value = resp.json().await.expect("json");
    assert_error(&err, "rate_limited");
    let (status, _) = s.get("/agents").await;
    assert_eq!(status, StatusCode::OK);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn a_timed_out_start_still_creates_the_run() {
    let s = sim().await;
    let suite = s.suite_with(2, &[("Only", 1)]).await;
    s.sim.set_faults(Faults {
        route: Some("POST /v1/test-suites/{id}/runs".into()),
        timeout_next: 1,
        timeout_ms: 1_500,
        ..Faults::default()
    });
    let impatient = reqwest::Client::builder()
        .timeout(Duration::from_millis(300))
        .build()
        .expect("client");
    let err = impatient
        .post(format!("{}/test-suites/{suite}/runs", s.base))
        .header("x-api-key", &s.key)
        .json(&json!({"name": "Lost response"}))
        .send()
        .await
        .expect_err("times out");
    assert!(err.is_timeout(), "{err}");
    let (status, runs) = s.get(&format!("/test-suites/{suite}/runs")).await;
    assert_eq!(status, StatusCode::OK, "GETs are out of the fault's scope");
    assert_eq!(runs["data"][0]["name"], "Lost response");
    let stats = s.sim.stats();
    assert_eq!(stats.runs_started, 1);
    assert_eq!(stats.faults_injected.get("timeout"), Some(&1));
    s.sim.shutdown().await;
}

#[tokio::test]
async fn malformed_bodies_keep_the_status_but_do_not_parse() {
    let s = sim().await;
    s.sim.set_faults(Faults {
        malformed_next: 1,
        ..Faults::default()
    });
    let resp = s
        .http
        .get(format!("{}/test-suites", s.base))
        .header("x-api-key", &s.key)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    let text = resp.text().await.expect("text");
    assert!(text.starts_with("{\"data\""), "{text}");
    assert!(serde_json::from_str::<Value>(&text).is_err());
    s.sim.shutdown().await;
}

#[tokio::test]
async fn latency_flag_delays_every_request() {
    let s = sim_with(SimulatorConfig {
        latency_ms: 150,
        ..SimulatorConfig::default_for_tests()
    })
    .await;
    let began = Instant::now();
    let (status, _) = s.get("/agents").await;
    assert_eq!(status, StatusCode::OK);
    assert!(began.elapsed() >= Duration::from_millis(150));
    s.sim.shutdown().await;
}

#[tokio::test]
async fn seeded_error_rate_is_reproducible() {
    async fn pattern() -> Vec<u16> {
        let s = sim_with(SimulatorConfig {
            error_rate: 0.5,
            ..SimulatorConfig::default_for_tests()
        })
        .await;
        let mut out = Vec::new();
        for _ in 0..20 {
            out.push(s.get("/agents").await.0.as_u16());
        }
        s.sim.shutdown().await;
        out
    }
    let a = pattern().await;
    assert_eq!(a, pattern().await);
    assert!(a.contains(&500) && a.contains(&200), "{a:?}");
}

#[tokio::test]
async fn admin_endpoints_set_faults_and_read_and_reset_stats() {
    let s = sim().await;
    let root = s.sim.root_url();
    let resp = s
        .http
        .put(format!("{root}/_sim/faults"))
        .json(&json!({"fail_next": 2, "method": "GET"}))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    let faults: Value = s
        .http
        .get(format!("{root}/_sim/faults"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(faults["error_next"], 2);
    assert_eq!(s.get("/agents").await.0, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(s.sim.faults().error_next, 1);
    let resp = s
        .http
        .put(format!("{root}/_sim/faults"))
        .json(&json!({"error_rate": 2}))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
    let resp = s
        .http
        .delete(format!("{root}/_sim/faults"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(s.get("/agents").await.0, StatusCode::OK);

    let _ = s.call_as(None, reqwest::Method::GET, "/agents", None).await;
    let stats: Value = s
        .http
        .get(format!("{root}/_sim/stats"))
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(stats["by_route"]["GET /v1/agents"], 3);
    assert_eq!(stats["by_key"][&s.key], 2);
    assert_eq!(stats["by_key"]["(none)"], 1);
    assert_eq!(stats["by_key_route"][&s.key]["GET /v1/agents"], 2);
    let resp = s
        .http
        .post(format!("{root}/_sim/stats/reset"))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(s.sim.stats().requests_total, 0);
    s.sim.shutdown().await;
}

#[tokio::test]
async fn stats_count_routes_keys_and_runs_started_per_key() {
    let s = sim().await;
    let suite = s.suite_with(2, &[("Only", 1)]).await;
    s.sim.reset_stats();
    s.start(&suite).await;
    s.start(&suite).await;
    let _ = s.get(&format!("/test-suites/{suite}/runs")).await;
    let stats = s.sim.stats();
    assert_eq!(stats.route("POST /v1/test-suites/{id}/runs"), 2);
    assert_eq!(stats.route("GET /v1/test-suites/{id}/runs"), 1);
    assert_eq!(stats.key_route(&s.key, "POST /v1/test-suites/{id}/runs"), 2);
    assert_eq!(stats.key(&s.other), 0);
    assert_eq!(stats.runs_started, 2);
    assert_eq!(stats.runs_started_by_key.get(&s.key), Some(&2));
    assert_eq!(stats.requests_total, 3);
    s.sim.shutdown().await;
}
