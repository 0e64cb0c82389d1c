//! The shared HTTP machinery: configuration, URL building, auth, timeouts, retries, tracing.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use tracing::Instrument;
use url::Url;

use super::error::{Error, ErrorKind, Upstream};
use super::public_address::{PublicResolver, is_listed, is_public};
use super::retry::{DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT, Decision, RetryPolicy};

/// Sent as `User-Agent` on every request.
const USER_AGENT: &str = concat!("ringside/", env!("CARGO_PKG_VERSION"));
/// Header that carries the API key.
const API_KEY_HEADER: &str = "x-api-key";
/// Keys shorter than this are not scrubbed from error bodies (it would mangle the text).
const MIN_REDACTED_KEY_LEN: usize = 4;

/// The RevRing connection settings, built once from configuration and shared by every team.
///
/// Holds one `reqwest::Client` (one connection pool); [`RevRing::client`] hands out cheap
/// per-key clients that reuse it.
#[derive(Debug, Clone)]
pub struct RevRing {
    shared: Arc<Shared>,
}

#[derive(Debug, Clone)]
struct Shared {
    http: reqwest::Client,
    /// Fetches recording links that are neither on the API's origin nor on a listed host:
    /// connects only to public addresses, follows no redirects.
    public_http: reqwest::Client,
    /// Hosts (`host` or `host:port`) whose recording links are fetched wherever they point.
    recording_hosts: Vec<String>,
    base_url: Url,
    timeout: Duration,
    policy: RetryPolicy,
}

impl RevRing {
    /// Connects to the API at `base_url`, e.g. `https://api.revring.ai/v1` or
    /// `http://127.0.0.1:4010/v1` (a trailing slash is fine; query and fragment are dropped).
    /// Uses [`DEFAULT_TIMEOUT`] and the default [`RetryPolicy`]. Redirects are not followed,
    /// so the key is never sent to another host.
    pub fn new(base_url: &str) -> Result<Self, Error> {
        let invalid = |message: String| Error::InvalidInput { message };
        let mut url = Url::parse(base_url.trim())
            .map_err(|e| invalid(format!("base URL {base_url:?} is not a URL: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
            return Err(invalid(format!("base URL {base_url:?} must be http(s)")));
        }
        url.set_query(None);
        url.set_fragment(None);
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty();
        }
        let http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| invalid(format!("cannot build the HTTP client: {e}")))?;
        let public_http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .dns_resolver(Arc::new(PublicResolver))
            .build()
            .map_err(|e| invalid(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            shared: Arc::new(Shared {
                http,
                public_http,
                recording_hosts: Vec::new(),
                base_url: url,
                timeout: DEFAULT_TIMEOUT,
                policy: RetryPolicy::default(),
            }),
        })
    }

    /// Sets the timeout of each request (connect to last body byte).
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        Arc::make_mut(&mut self.shared).timeout = timeout;
        self
    }

    /// Trusts recording links on these hosts (`host` or `host:port`) wherever they resolve,
    /// e.g. a storage service on a private network (`RINGSIDE_RECORDING_HOSTS`).
    pub fn with_recording_hosts(mut self, hosts: Vec<String>) -> Self {
        Arc::make_mut(&mut self.shared).recording_hosts = hosts;
        self
    }

    /// Sets how `GET`s are retried.
    pub fn with_retry(mut self, policy: RetryPolicy) -> Self {
        Arc::make_mut(&mut self.shared).policy = policy;
        self
    }

    /// A client acting with `key` (a team's RevRing API key). Cheap: shares the pool.
    pub fn client(&self, key: SecretString) -> super::Client {
        super::Client {
            transport: Transport {
                shared: Arc::clone(&self.shared),
                key,
            },
        }
    }

    /// The API base URL, without a trailing slash.
    pub fn base_url(&self) -> &Url {
        &self.shared.base_url
    }
}

/// A [`RevRing`] plus one API key: sends requests. The key appears in no output.
#[derive(Debug, Clone)]
pub(crate) struct Transport {
    shared: Arc<Shared>,
    key: SecretString,
}

/// The `outcome` label of upstream request metrics.
fn outcome_label(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Unauthorized => "unauthorized",
        ErrorKind::NotFound => "not_found",
        ErrorKind::Validation => "refused",
        ErrorKind::RateLimited => "rate_limited",
        ErrorKind::Unavailable => "unavailable",
        ErrorKind::Timeout => "timeout",
        ErrorKind::Decode => "undecodable",
        ErrorKind::Other => "other",
        ErrorKind::InvalidInput => "invalid_input",
    }
}

impl Transport {
    /// Sends one request, retrying `GET`s per the policy; returns the 2xx status and body.
    ///
    /// `template` names the endpoint in traces (`/test-suites/{id}`); `segments` are the real
    /// path segments after the base URL, each percent-encoded.
    pub(crate) async fn send(
        &self,
        method: Method,
        template: &'static str,
        segments: &[&str],
        body: Option<Vec<u8>>,
    ) -> Result<(StatusCode, Vec<u8>), Error> {
        let url = self.url(segments)?;
        let span = tracing::info_span!(
            "revring",
            method = %method,
            path = template,
            status = tracing::field::Empty,
            attempts = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
        );
        let started = Instant::now();
        async {
            let mut attempt = 1;
            let result = loop {
                let error = match self.attempt(&method, &url, body.as_deref()).await {
                    Ok(ok) => break Ok(ok),
                    Err(error) => error,
                };
                if method != Method::GET || !error.is_retryable() {
                    break Err(error);
                }
                match self.shared.policy.decide(attempt, error.retry_after()) {
                    Decision::GiveUp => break Err(error),
                    Decision::RetryAfter(wait) => {
                        tracing::warn!(attempt, wait_ms = wait.as_millis() as u64, %error,
                            "RevRing request failed; retrying");
                        tokio::time::sleep(wait).await;
                        attempt += 1;
                    }
                }
            };
            let outcome = match &result {
                Ok(_) => "ok",
                Err(error) => outcome_label(error.kind()),
            };
            metrics::histogram!(
                "ringside_upstream_request_duration_seconds",
                "endpoint" => format!("{method} {template}"),
                "outcome" => outcome,
            )
            .record(started.elapsed().as_secs_f64());
            let span = tracing::Span::current();
            span.record("attempts", attempt);
            span.record("elapsed_ms", started.elapsed().as_millis() as u64);
            match &result {
                Ok((status, _)) => {
                    span.record("status", status.as_u16());
                    tracing::debug!("RevRing request succeeded");
                }
                Err(error) => {
                    if let Some(status) = error.status() {
                        span.record("status", status.as_u16());
                    }
                    // Refusals (4xx) are answers, not incidents; keep warnings for outages.
                    if error.is_retryable() || error.kind() == ErrorKind::Decode {
                        tracing::warn!(%error, "RevRing request failed");
                    } else {
                        tracing::info!(%error, "RevRing refused the request");
                    }
                }
            }
            result
        }
        .instrument(span)
        .await
    }

    /// One try, no retries.
    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
    ) -> Result<(StatusCode, Vec<u8>), Error> {
        let mut key =
            // Keys pasted with surrounding whitespace are common; RevRing would reject them.
            HeaderValue::from_str(self.key.expose_secret().trim()).map_err(|_| Error::InvalidInput {
                message: "the API key contains characters not allowed in an HTTP header".into(),
            })?;
        key.set_sensitive(true);
        let writes = method != Method::GET;
        let mut request = self
            .shared
            .http
            .request(method.clone(), url.clone())
            .timeout(self.shared.timeout)
            .header(API_KEY_HEADER, key)
            .header(ACCEPT, "application/json");
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(e, writes))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| super::retry::parse_retry_after(v, SystemTime::now()));
        let bytes = response
            .bytes()
            .await
            .map_err(|e| self.transport_error(e, writes))?;
        if status.is_success() {
            return Ok((status, bytes.to_vec()));
        }
        let text = self.redact(&String::from_utf8_lossy(&bytes));
        Err(Error::from_status(
            Upstream::new(status, &text),
            retry_after,
            writes,
        ))
    }

    /// `GET` of a file RevRing links to (a call recording), returning the response with its
    /// body unread so it can be streamed on. The API key goes along only when `url` is on the
    /// API's own origin (scheme, host and port): a link to a storage host never receives it.
    /// `range` is forwarded as the `Range` header. Not retried; non-2xx answers are errors.
    /// A link on neither the API's origin nor a listed host is fetched only from a public
    /// address (see `public_address`); anything else is refused before any connection.
    pub(crate) async fn get_file(
        &self,
        url: &Url,
        range: Option<&str>,
    ) -> Result<reqwest::Response, Error> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Error::InvalidInput {
                message: "the recording link is not an http(s) URL".into(),
            });
        }
        let same_origin = url.origin() == self.shared.base_url.origin();
        let http = if same_origin || is_listed(url, &self.shared.recording_hosts) {
            &self.shared.http
        } else {
            let literal = match url.host() {
                Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
                Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
                _ => None,
            };
            if literal.is_some_and(|ip| !is_public(ip)) {
                return Err(Error::InvalidInput {
                    message: "the recording link points to a private address".into(),
                });
            }
            &self.shared.public_http
        };
        let mut request = http.get(url.clone()).timeout(self.shared.timeout);
        if same_origin {
            let mut key = HeaderValue::from_str(self.key.expose_secret().trim()).map_err(|_| {
                Error::InvalidInput {
                    message: "the API key contains characters not allowed in an HTTP header".into(),
                }
            })?;
            key.set_sensitive(true);
            request = request.header(API_KEY_HEADER, key);
        }
        if let Some(range) = range {
            request = request.header(reqwest::header::RANGE, range);
        }
        let response = request
            .send()
            .await
            .map_err(|e| self.transport_error(e, false))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let text = response.text().await.unwrap_or_default();
        Err(Error::from_status(
            Upstream::new(status, &self.redact(&text)),
            None,
            false,
        ))
    }

    /// Classifies a failure without a (complete) response.
    fn transport_error(&self, error: reqwest::Error, writes: bool) -> Error {
        let error = error.without_url();
        // A failure while connecting means nothing was sent; anything later is unknown.
        let sent = !error.is_connect();
        if error.is_timeout() {
            return Error::Timeout {
                after: self.shared.timeout,
                may_have_applied: writes && sent,
            };
        }
        let cause = self.redact(&error_chain(&error));
        if error.is_connect() || error.is_request() || error.is_body() || error.is_decode() {
            return Error::Unavailable {
                upstream: None,
                cause: Some(cause),
                retry_after: None,
                may_have_applied: writes && sent,
            };
        }
        Error::Other {
            upstream: None,
            message: cause,
        }
    }

    /// Builds `base_url/segment/...`, percent-encoding each segment.
    fn url(&self, segments: &[&str]) -> Result<Url, Error> {
        if let Some(bad) = segments
            .iter()
            .find(|s| matches!(s.trim(), "" | "." | ".."))
        {
            return Err(Error::InvalidInput {
                message: format!("{bad:?} is not a valid RevRing ID"),
            });
        }
        let mut url = self.shared.base_url.clone();
        url.path_segments_mut()
            .map_err(|()| Error::InvalidInput {
                message: "the base URL cannot take a path".into(),
            })?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    /// Removes the API key from text that came back from the server, in case it was echoed.
    pub(crate) fn redact(&self, text: &str) -> String {
        let key = self.key.expose_secret();
        if key.len() < MIN_REDACTED_KEY_LEN {
            return text.to_owned();
        }
        text.replace(key, "[redacted]")
    }
}

/// `error: cause: cause`, without the URL.
fn error_chain(error: &reqwest::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
