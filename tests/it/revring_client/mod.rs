//! The RevRing client against a scripted local server: request shape, retry rules, timeouts and
//! error classification.

mod errors;
mod requests;
mod retries;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use ringside::revring::{
    Client, Error, ErrorKind, NewSuite, RetryPolicy, RevRing, RunStatus, SecretString,
};
use serde_json::{Value, json};

const KEY: &str = "rr_test_key_0123456789";

/// One scripted answer.
#[derive(Clone)]
struct Reply {
    status: u16,
    body: String,
    retry_after: Option<&'static str>,
    delay: Duration,
}

fn reply(status: u16, body: Value) -> Reply {
    Reply {
        status,
        body: if body.is_null() {
            String::new()
        } else {
            body.to_string()
        },
        retry_after: None,
        delay: Duration::ZERO,
    }
}

/// What the server saw.
#[derive(Clone, Debug)]
struct Seen {
    method: Method,
    path: String,
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Clone, Default)]
struct Fake {
    /// `http://127.0.0.1:port/v1/`, with the trailing slash the client must cope with.
    base_url: String,
    script: Arc<Vec<Reply>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Fake {
    fn hits(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// Answers the n-th request with `script[n]`, repeating the last reply once the script runs out.
async fn answer(
    State(fake): State<Fake>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let n = {
        let mut seen = fake.seen.lock().unwrap();
        seen.push(Seen {
            method,
            path: uri.path().to_owned(),
            headers,
            body,
        });
        seen.len() - 1
    };
    let reply = fake.script[n.min(fake.script.len() - 1)].clone();
    tokio::time::sleep(reply.delay).await;
    let mut response = (StatusCode::from_u16(reply.status).unwrap(), reply.body).into_response();
    if let Some(wait) = reply.retry_after {
        response
            .headers_mut()
            .insert("retry-after", wait.parse().unwrap());
    }
    response
}

/// Starts a server playing `script` and a client for it with fast retries.
async fn serve(script: Vec<Reply>) -> (Fake, Client) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fake = Fake {
        base_url: format!("http://{}/v1/", listener.local_addr().unwrap()),
        script: Arc::new(script),
        ..Fake::default()
    };
    let app = Router::new().fallback(answer).with_state(fake.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let revring = RevRing::new(&fake.base_url)
        .unwrap()
        .with_timeout(Duration::from_secs(2))
        .with_retry(fast_retries());
    (fake, revring.client(SecretString::from(KEY)))
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_secs(2),
    }
}

fn run_body(status: &str) -> Value {
    json!({"data": {"id": "run-1", "testSuiteId": "suite-1", "status": status, "attempts": []}})
}
