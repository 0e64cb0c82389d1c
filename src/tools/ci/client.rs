//! The portal's API as `ringside ci` uses it, with every failure sorted into a usage /
//! configuration problem (exit 2) or an infrastructure one (exit 3), told in one line.

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use url::Url;

/// Time allowed for one request to the portal (a start waits for RevRing).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// Times a request is retried after a 429 or a connection failure.
const RETRIES: u32 = 3;

/// Longest pause honoured from a `Retry-After`.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Why `ringside ci` stops, and with which exit code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Failure {
    /// Usage or configuration: bad flags, unknown suite, refused token, wrong scope (exit 2).
    Config(String),
    /// Infrastructure: the portal or RevRing unreachable, a run errored or timed out (exit 3).
    Infra(String),
}

/// The portal at `base` with one token.
pub(super) struct Portal {
    base: Url,
    token: SecretString,
    http: reqwest::Client,
}

/// A suite as listed.
#[derive(Debug, Clone, Deserialize)]
pub(super) struct SuiteItem {
    /// Ringside's id.
    pub(super) id: String,
    /// Its name.
    pub(super) name: String,
}

#[derive(Deserialize)]
struct Envelope<T> {
    data: T,
}

impl Portal {
    /// A client for the portal at `base`.
    pub(super) fn new(base: Url, token: SecretString) -> Result<Self, Failure> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("ringside-ci/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Failure::Infra(format!("Cannot set up HTTP: {e}")))?;
        Ok(Self { base, token, http })
    }

    /// An absolute link for a path or URL the API gave.
    pub(super) fn link(&self, url: &str) -> String {
        self.base
            .join(url)
            .map_or_else(|_| url.to_owned(), |u| u.to_string())
    }

    /// The team's suites.
    pub(super) async fn suites(&self) -> Result<Vec<SuiteItem>, Failure> {
        self.get("/api/v1/suites", &[]).await
    }

    /// Starts a run of `suite_id` (idempotent under `key`); the run's JSON.
    pub(super) async fn start(
        &self,
        suite_id: &str,
        key: &str,
        labels: &Value,
    ) -> Result<Value, Failure> {
        let path = format!("/api/v1/suites/{suite_id}/runs");
        let body = serde_json::json!({ "labels": labels });
        self.send(reqwest::Method::POST, &path, &[], Some((key, &body)))
            .await
    }

    /// One run with its attempts.
    pub(super) async fn run(&self, run_id: &str) -> Result<Value, Failure> {
        self.get(&format!("/api/v1/runs/{run_id}"), &[]).await
    }

    /// One attempt with its transcript.
    pub(super) async fn attempt(&self, attempt_id: &str) -> Result<Value, Failure> {
        self.get(&format!("/api/v1/attempts/{attempt_id}"), &[])
            .await
    }

    /// The suite's runs with `query` filters, newest first (one page).
    pub(super) async fn suite_runs(
        &self,
        suite_id: &str,
        query: &[(&str, String)],
    ) -> Result<Vec<Value>, Failure> {
        self.get(&format!("/api/v1/suites/{suite_id}/runs"), query)
            .await
    }

    async fn get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T, Failure> {
        self.send(reqwest::Method::GET, path, query, None).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<(&str, &Value)>,
    ) -> Result<T, Failure> {
        let url = self.base.join(path).map_err(|_| {
            Failure::Config(format!("--url {} cannot be joined with {path}", self.base))
        })?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut request = self
                .http
                .request(method.clone(), url.clone())
                .query(query)
                .bearer_auth(self.token.expose_secret())
                .header("accept", "application/json");
            if let Some((key, body)) = body {
                request = request.header("idempotency-key", key).json(body);
            }
            let response = match request.send().await {
                Ok(response) => response,
                Err(error) if attempt <= RETRIES && (error.is_connect() || error.is_timeout()) => {
                    tokio::time::sleep(Duration::from_secs(u64::from(attempt))).await;
                    continue;
                }
                Err(error) => return Err(unreachable(&self.base, &error)),
            };
            let status = response.status();
            // 429, or 409 "the first start with this key is still starting": both say when.
            let busy = status == reqwest::StatusCode::TOO_MANY_REQUESTS
                || (status == reqwest::StatusCode::CONFLICT
                    && response.headers().contains_key("retry-after"));
            if busy && attempt <= RETRIES {
                let wait = retry_after(&response).min(MAX_RETRY_AFTER);
                tokio::time::sleep(wait).await;
                continue;
            }
            return read(response, &self.base).await;
        }
    }
}

fn unreachable(base: &Url, error: &reqwest::Error) -> Failure {
    let why = if error.is_timeout() {
        "it did not answer in time"
    } else if error.is_connect() {
        "nothing answered"
    } else {
        "the connection failed"
    };
    Failure::Infra(format!(
        "Cannot reach the Ringside portal at {base}: {why}."
    ))
}

fn retry_after(response: &reqwest::Response) -> Duration {
    response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .map_or(Duration::from_secs(5), Duration::from_secs)
}

async fn read<T: DeserializeOwned>(response: reqwest::Response, base: &Url) -> Result<T, Failure> {
    let status = response.status();
    let is_json = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_json {
        return Err(if status.is_server_error() {
            Failure::Infra(format!(
                "The portal at {base} failed with HTTP {} (and answered no JSON).",
                status.as_u16()
            ))
        } else {
            Failure::Config(format!(
                "{base} answered HTTP {} with a page, not the Ringside API: check --url.",
                status.as_u16()
            ))
        });
    }
    let body: Value = response
        .json()
        .await
        .map_err(|_| Failure::Infra(format!("The portal at {base} sent a damaged JSON answer.")))?;
    if status.is_success() {
        let envelope: Envelope<T> = serde_json::from_value(body).map_err(|_| {
            Failure::Config(format!(
                "{base} answered JSON that is not the Ringside API's: check --url, and that the \
                 portal is the same version as this command."
            ))
        })?;
        return Ok(envelope.data);
    }
    let message = body["error"]["message"]
        .as_str()
        .unwrap_or("no explanation given")
        .to_owned();
    Err(match status.as_u16() {
        401 => Failure::Config(format!("The API token was refused: {message}")),
        403 => Failure::Config(format!("The API token may not do this: {message}")),
        404 => Failure::Config(format!("Not found: {message}")),
        400 | 409 | 422 => Failure::Config(format!("The portal refused the request: {message}")),
        _ => Failure::Infra(format!(
            "The portal answered HTTP {}: {message}",
            status.as_u16()
        )),
    })
}
