//! HTTP-level tests of `ringside simulate`, with raw `reqwest` against an in-process simulator.

mod calls;
mod crud;
mod faults;
mod runs;

use std::time::Duration;

use reqwest::{Method, StatusCode};
use ringside::simulator::{Simulator, SimulatorConfig};
use serde_json::{Value, json};

/// A running simulator plus a plain HTTP client.
pub(crate) struct Sim {
    pub sim: Simulator,
    pub http: reqwest::Client,
    pub base: String,
    /// The first organization's key.
    pub key: String,
    /// The second organization's key.
    pub other: String,
}

/// A simulator with the test defaults.
pub(crate) async fn sim() -> Sim {
    sim_with(SimulatorConfig::default_for_tests()).await
}

/// A simulator with `args`.
pub(crate) async fn sim_with(args: SimulatorConfig) -> Sim {
    let sim = Simulator::start(args).await.expect("simulator starts");
    let base = sim.base_url();
    let key = sim.keys()[0].clone();
    let other = sim.keys()[1].clone();
    Sim {
        sim,
        http: reqwest::Client::new(),
        base,
        key,
        other,
    }
}

impl Sim {
    /// Sends `method path` with `key` and an optional JSON body; returns status and parsed body
    /// (`Value::Null` when the body is not JSON).
    pub(crate) async fn call_as(
        &self,
        key: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(key) = key {
            req = req.header("x-api-key", key);
        }
        if let Some(body) = body {
            req = req.json(&body);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.expect("body read");
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    pub(crate) async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call_as(Some(&self.key), Method::GET, path, None).await
    }

    pub(crate) async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call_as(Some(&self.key), Method::POST, path, Some(body))
            .await
    }

    pub(crate) async fn patch(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call_as(Some(&self.key), Method::PATCH, path, Some(body))
            .await
    }

    pub(crate) async fn delete(&self, path: &str) -> (StatusCode, Value) {
        self.call_as(Some(&self.key), Method::DELETE, path, None)
            .await
    }

    /// The id of a target agent of the first organization.
    pub(crate) async fn target_agent(&self) -> String {
        let (_, agents) = self.get("/agents").await;
        agents["data"][0]["id"]
            .as_str()
            .expect("agent id")
            .to_owned()
    }

    /// Creates a suite with `max_concurrency` and one test case per `(name, attempts)`.
    pub(crate) async fn suite_with(&self, max_concurrency: u32, cases: &[(&str, u32)]) -> String {
        let target = self.target_agent().await;
        let (status, suite) = self
            .post(
                "/test-suites",
                json!({"name": "IT suite", "targetAgentId": target, "maxConcurrency": max_concurrency}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{suite}");
        let id = suite["data"]["id"].as_str().expect("suite id").to_owned();
        for (name, attempts) in cases {
            let (status, body) = self
                .post(
                    &format!("/test-suites/{id}/tests"),
                    json!({
                        "name": name,
                        "script": "You are a customer who wants to book a table for two. Ask for Friday at 7 PM.",
                        "scoringRubric": "The agent confirms the date, time and party size before ending the call.",
                        "attemptsPerRun": attempts,
                    }),
                )
                .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        id
    }

    /// Starts a run of `suite` and returns its id.
    pub(crate) async fn start(&self, suite: &str) -> String {
        let (status, run) = self
            .post(&format!("/test-suites/{suite}/runs"), json!({}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{run}");
        run["data"]["id"].as_str().expect("run id").to_owned()
    }

    /// Polls the run until it is terminal (at most 10 s), returning it.
    pub(crate) async fn wait_terminal(&self, suite: &str, run: &str) -> Value {
        for _ in 0..2_000 {
            let (_, body) = self.get(&format!("/test-suites/{suite}/runs/{run}")).await;
            let status = body["data"]["status"].as_str().unwrap_or_default();
            if status == "completed" || status == "cancelled" {
                return body["data"].clone();
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        panic!("run {run} did not finish");
    }
}

/// Asserts the error envelope `{"error": {"code", "message"}}`.
pub(crate) fn assert_error(body: &Value, code: &str) {
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
}

/// Asserts an ISO-8601 UTC timestamp ending in `Z`.
pub(crate) fn assert_timestamp(v: &Value) {
    let s = v
        .as_str()
        .unwrap_or_else(|| panic!("timestamp expected, got {v}"));
    assert!(
        s.ends_with('Z') && s.len() >= 20 && &s[10..11] == "T",
        "{s}"
    );
}
