//! The RevRing endpoints Ringside uses, one method each.
//!
//! Reads (`GET`) are retried per the [`RetryPolicy`](super::RetryPolicy); writes never are. See
//! [`Error`] for what a failed write means, in particular [`Error::outcome_unknown`].

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::calls::{Agent, BATCH_GET_MAX_IDS, BatchGet, Call};
use super::envelope;
use super::error::Error;
use super::runs::TestRun;
use super::suites::{
    GenerateTestsRequest, GeneratedTests, NewSuite, NewTestCase, SuitePatch, TestCase,
    TestCasePatch, TestSuite,
};
use super::transport::Transport;

/// A RevRing client acting with one team's API key; made by [`RevRing::client`](super::RevRing).
/// Cloning is cheap. `Debug` shows the key as `[REDACTED]`.
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) transport: Transport,
}

impl Client {
    /// Checks that the key is accepted, with `GET /agents`: the cheapest read that is
    /// documented (the test-suite list endpoint is not), and one every key should be allowed.
    /// `Ok` means RevRing accepted the key; [`Error::Unauthorized`] means it did not.
    pub async fn verify_key(&self) -> Result<(), Error> {
        self.transport
            .send(Method::GET, "/agents", &["agents"], None)
            .await
            .map(drop)
    }

    /// `GET /agents`: every agent in the organisation.
    pub async fn list_agents(&self) -> Result<Vec<Agent>, Error> {
        self.get_list("/agents", &["agents"]).await
    }

    /// `GET /test-suites`: every suite.
    pub async fn list_suites(&self) -> Result<Vec<TestSuite>, Error> {
        self.get_list("/test-suites", &["test-suites"]).await
    }

    /// `GET /test-suites/{id}`.
    pub async fn get_suite(&self, id: &str) -> Result<TestSuite, Error> {
        self.get("/test-suites/{id}", &["test-suites", id]).await
    }

    /// `POST /test-suites`.
    pub async fn create_suite(&self, suite: &NewSuite) -> Result<TestSuite, Error> {
        let body = json(suite)?;
        self.request(Method::POST, "/test-suites", &["test-suites"], Some(body))
            .await
    }

    /// `PATCH /test-suites/{id}`. If RevRing answers without the suite, it is fetched.
    pub async fn update_suite(&self, id: &str, patch: &SuitePatch) -> Result<TestSuite, Error> {
        let body = json(patch)?;
        let segments = ["test-suites", id];
        match self
            .request_optional(Method::PATCH, "/test-suites/{id}", &segments, Some(body))
            .await?
        {
            Some(suite) => Ok(suite),
            None => self.get_suite(id).await,
        }
    }

    /// `DELETE /test-suites/{id}` (RevRing also deletes its tests and runs). Any 2xx is success.
    pub async fn delete_suite(&self, id: &str) -> Result<(), Error> {
        self.transport
            .send(
                Method::DELETE,
                "/test-suites/{id}",
                &["test-suites", id],
                None,
            )
            .await
            .map(drop)
    }

    /// `GET /test-suites/{id}/tests`.
    pub async fn list_tests(&self, suite: &str) -> Result<Vec<TestCase>, Error> {
        self.get_list("/test-suites/{id}/tests", &["test-suites", suite, "tests"])
            .await
    }

    /// `POST /test-suites/{id}/tests`.
    pub async fn create_test(&self, suite: &str, test: &NewTestCase) -> Result<TestCase, Error> {
        let segments = ["test-suites", suite, "tests"];
        let body = json(test)?;
        self.request(
            Method::POST,
            "/test-suites/{id}/tests",
            &segments,
            Some(body),
        )
        .await
    }

    /// `PATCH /test-suites/{id}/tests/{testId}`. If RevRing answers without the test case, it
    /// is looked up in the suite's list.
    pub async fn update_test(
        &self,
        suite: &str,
        test: &str,
        patch: &TestCasePatch,
    ) -> Result<TestCase, Error> {
        let segments = ["test-suites", suite, "tests", test];
        let template = "/test-suites/{id}/tests/{testId}";
        let body = json(patch)?;
        if let Some(case) = self
            .request_optional(Method::PATCH, template, &segments, Some(body))
            .await?
        {
            return Ok(case);
        }
        let tests = self.list_tests(suite).await?;
        tests
            .into_iter()
            .find(|t| t.id == test)
            .ok_or_else(|| Error::Decode {
                status: reqwest::StatusCode::OK,
                message: format!("test case {test:?} was updated but is not in its suite"),
                body: String::new(),
            })
    }

    /// `DELETE /test-suites/{id}/tests/{testId}`. Any 2xx is success.
    pub async fn delete_test(&self, suite: &str, test: &str) -> Result<(), Error> {
        let segments = ["test-suites", suite, "tests", test];
        self.transport
            .send(
                Method::DELETE,
                "/test-suites/{id}/tests/{testId}",
                &segments,
                None,
            )
            .await
            .map(drop)
    }

    /// `POST /test-suites/{id}/runs`: starts a run, which places real phone calls.
    ///
    /// Never retried. On an error with [`Error::outcome_unknown`] the run may exist: reconcile
    /// with [`Client::list_runs`] before starting another one.
    pub async fn start_run(&self, suite: &str, name: Option<&str>) -> Result<TestRun, Error> {
        #[derive(Serialize)]
        struct StartRun<'a> {
            #[serde(skip_serializing_if = "Option::is_none")]
            name: Option<&'a str>,
        }
        let segments = ["test-suites", suite, "runs"];
        let body = json(&StartRun { name })?;
        self.request(
            Method::POST,
            "/test-suites/{id}/runs",
            &segments,
            Some(body),
        )
        .await
    }

    /// `GET /test-suites/{id}/runs`: the suite's runs (attempts may be left out).
    pub async fn list_runs(&self, suite: &str) -> Result<Vec<TestRun>, Error> {
        self.get_list("/test-suites/{id}/runs", &["test-suites", suite, "runs"])
            .await
    }

    /// `GET /test-suites/{id}/runs/{runId}`: one run with its attempts.
    pub async fn get_run(&self, suite: &str, run: &str) -> Result<TestRun, Error> {
        let segments = ["test-suites", suite, "runs", run];
        self.get("/test-suites/{id}/runs/{runId}", &segments).await
    }

    /// `POST /test-suites/{id}/runs/{runId}/cancel`. If RevRing answers without the run (e.g.
    /// 204), the run is fetched.
    pub async fn cancel_run(&self, suite: &str, run: &str) -> Result<TestRun, Error> {
        let segments = ["test-suites", suite, "runs", run, "cancel"];
        let template = "/test-suites/{id}/runs/{runId}/cancel";
        match self
            .request_optional(Method::POST, template, &segments, None)
            .await?
        {
            Some(run) => Ok(run),
            None => self.get_run(suite, run).await,
        }
    }

    /// `POST /test-suites/{id}/generate-tests`: suggestions only, nothing is saved.
    pub async fn generate_tests(
        &self,
        suite: &str,
        request: &GenerateTestsRequest,
    ) -> Result<GeneratedTests, Error> {
        let segments = ["test-suites", suite, "generate-tests"];
        let body = json(request)?;
        let template = "/test-suites/{id}/generate-tests";
        self.request(Method::POST, template, &segments, Some(body))
            .await
    }

    /// `GET /calls/{id}`: a call with its transcript and recording URL.
    pub async fn get_call(&self, id: &str) -> Result<Call, Error> {
        self.get("/calls/{id}", &["calls", id]).await
    }

    /// `GET` of a call's `recordingUrl`, body unread (for streaming it on). The key is sent
    /// only to the API's own origin; `range` is forwarded as the `Range` header.
    pub async fn fetch_recording(
        &self,
        recording_url: &str,
        range: Option<&str>,
    ) -> Result<reqwest::Response, Error> {
        let url = url::Url::parse(recording_url).map_err(|e| Error::InvalidInput {
            message: format!("the recording link is not a URL: {e}"),
        })?;
        self.transport.get_file(&url, range).await
    }

    /// `POST /calls/batch-get`. No IDs means no request; more than [`BATCH_GET_MAX_IDS`] are
    /// fetched in several requests. `minimal` leaves out transcripts, summaries and metrics.
    pub async fn batch_get_calls(&self, ids: &[String], minimal: bool) -> Result<Vec<Call>, Error> {
        let mut calls = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BATCH_GET_MAX_IDS) {
            let body = json(&BatchGet {
                ids: chunk,
                minimal,
            })?;
            let (status, bytes) = self
                .transport
                .send(
                    Method::POST,
                    "/calls/batch-get",
                    &["calls", "batch-get"],
                    Some(body),
                )
                .await?;
            calls.extend(self.redacted(envelope::decode_list(status, &bytes))?);
        }
        Ok(calls)
    }

    async fn get<T: DeserializeOwned>(
        &self,
        template: &'static str,
        segments: &[&str],
    ) -> Result<T, Error> {
        self.request(Method::GET, template, segments, None).await
    }

    async fn get_list<T: DeserializeOwned>(
        &self,
        template: &'static str,
        segments: &[&str],
    ) -> Result<Vec<T>, Error> {
        let (status, bytes) = self
            .transport
            .send(Method::GET, template, segments, None)
            .await?;
        self.redacted(envelope::decode_list(status, &bytes))
    }

    /// Sends any request and decodes the payload as `T`.
    async fn request<T: DeserializeOwned>(
        &self,
        method: Method,
        template: &'static str,
        segments: &[&str],
        body: Option<Vec<u8>>,
    ) -> Result<T, Error> {
        let (status, bytes) = self
            .transport
            .send(method, template, segments, body)
            .await?;
        self.redacted(envelope::decode(status, &bytes))
    }

    /// Sends any request; a 2xx without a payload object is `None`.
    async fn request_optional<T: DeserializeOwned>(
        &self,
        method: Method,
        template: &'static str,
        segments: &[&str],
        body: Option<Vec<u8>>,
    ) -> Result<Option<T>, Error> {
        let (status, bytes) = self
            .transport
            .send(method, template, segments, body)
            .await?;
        self.redacted(envelope::decode_optional(status, &bytes))
    }

    /// Scrubs the key from the raw body kept by a decode error.
    fn redacted<T>(&self, result: Result<T, Error>) -> Result<T, Error> {
        result.map_err(|error| match error {
            Error::Decode {
                status,
                message,
                body,
            } => Error::Decode {
                status,
                message: self.transport.redact(&message),
                body: self.transport.redact(&body),
            },
            other => other,
        })
    }
}

/// Serializes a request body.
fn json<T: Serialize>(body: &T) -> Result<Vec<u8>, Error> {
    serde_json::to_vec(body).map_err(|e| Error::InvalidInput {
        message: format!("cannot encode the request body: {e}"),
    })
}
