//! Real local receivers for alerts: an HTTP endpoint that checks `X-Ringside-Signature` the way
//! the docs tell receivers to, and can fail its first N requests; and an SMTP sink that speaks
//! just enough SMTP to accept one message at a time.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// What the HTTP receiver saw.
#[derive(Default)]
pub(crate) struct Seen {
    /// Every request: (signature valid, body).
    pub requests: Vec<(bool, serde_json::Value)>,
    /// Bodies it answered 200 to.
    pub accepted: Vec<serde_json::Value>,
}

#[derive(Clone)]
struct Receiver {
    secret: Arc<Mutex<Option<String>>>,
    fail_first: usize,
    seen: Arc<Mutex<Seen>>,
}

/// A running HTTP receiver.
pub(crate) struct HttpReceiver {
    pub addr: SocketAddr,
    secret: Arc<Mutex<Option<String>>>,
    seen: Arc<Mutex<Seen>>,
}

fn valid_signature(secret: &str, headers: &HeaderMap, body: &[u8]) -> bool {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (Some(timestamp), Some(signature)) = (
        header("x-ringside-timestamp"),
        header("x-ringside-signature"),
    ) else {
        return false;
    };
    let Some(hex) = signature.strip_prefix("sha256=") else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    expected == hex
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let secret = receiver.secret.lock().unwrap().clone();
    let valid = secret.is_some_and(|secret| valid_signature(&secret, &headers, &body));
    let json: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
    let mut seen = receiver.seen.lock().unwrap();
    seen.requests.push((valid, json.clone()));
    if seen.requests.len() <= receiver.fail_first {
        return StatusCode::INTERNAL_SERVER_ERROR;
    }
    seen.accepted.push(json);
    StatusCode::OK
}

impl HttpReceiver {
    /// Starts a receiver answering 500 to its first `fail_first` requests, 200 after.
    pub(crate) async fn start(fail_first: usize) -> Self {
        let secret = Arc::new(Mutex::new(None));
        let seen = Arc::new(Mutex::new(Seen::default()));
        let state = Receiver {
            secret: secret.clone(),
            fail_first,
            seen: seen.clone(),
        };
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(state);
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { addr, secret, seen }
    }

    /// Its URL.
    pub(crate) fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Sets the secret signatures are checked with.
    pub(crate) fn expect_secret(&self, secret: &str) {
        *self.secret.lock().unwrap() = Some(secret.to_owned());
    }

    /// What it saw so far: (requests, accepted bodies, signatures all valid).
    pub(crate) fn seen(&self) -> (usize, Vec<serde_json::Value>, bool) {
        let seen = self.seen.lock().unwrap();
        let valid = seen.requests.iter().all(|(valid, _)| *valid);
        (seen.requests.len(), seen.accepted.clone(), valid)
    }
}

/// An SMTP sink: accepts every message and keeps its DATA.
pub(crate) struct SmtpSink {
    pub port: u16,
    messages: Arc<Mutex<Vec<String>>>,
}

impl SmtpSink {
    pub(crate) async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let messages = Arc::new(Mutex::new(Vec::new()));
        let kept = messages.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let kept = kept.clone();
                tokio::spawn(async move {
                    let (read, mut write) = socket.into_split();
                    let mut lines = BufReader::new(read).lines();
                    write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                    while let Ok(Some(line)) = lines.next_line().await {
                        let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                        let reply: &[u8] = match verb.as_str() {
                            "EHLO" | "HELO" => b"250 sink\r\n",
                            "DATA" => {
                                write.write_all(b"354 go ahead\r\n").await.unwrap();
                                let mut data = String::new();
                                while let Ok(Some(line)) = lines.next_line().await {
                                    if line == "." {
                                        break;
                                    }
                                    data.push_str(&line);
                                    data.push('\n');
                                }
                                kept.lock().unwrap().push(data);
                                b"250 queued\r\n"
                            }
                            "QUIT" => {
                                let _ = write.write_all(b"221 bye\r\n").await;
                                return;
                            }
                            _ => b"250 ok\r\n",
                        };
                        write.write_all(reply).await.unwrap();
                    }
                });
            }
        });
        Self { port, messages }
    }

    pub(crate) fn messages(&self) -> Vec<String> {
        self.messages.lock().unwrap().clone()
    }
}
