//! A pass-through HTTP proxy that measures how many requests are in flight, per path and in all:
//! it observes the sync workers from the network, without hooks in the code under test.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;

#[derive(Default)]
struct Counters {
    in_flight: HashMap<String, usize>,
    total: usize,
    max_per_path: usize,
    max_total: usize,
}

#[derive(Clone)]
struct Shared {
    target: String,
    client: reqwest::Client,
    counters: Arc<Mutex<Counters>>,
}

/// A running proxy.
pub(crate) struct CountingProxy {
    addr: SocketAddr,
    counters: Arc<Mutex<Counters>>,
}

impl CountingProxy {
    /// Proxies every request to `target` (e.g. `http://127.0.0.1:4010`).
    pub(crate) async fn start(target: &str) -> Self {
        let counters = Arc::new(Mutex::new(Counters::default()));
        let shared = Shared {
            target: target.trim_end_matches('/').to_owned(),
            client: reqwest::Client::new(),
            counters: counters.clone(),
        };
        let app = axum::Router::new().fallback(forward).with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, counters }
    }

    /// The proxy's base URL.
    pub(crate) fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Most requests seen in flight on one path at once.
    pub(crate) fn max_in_flight_per_path(&self) -> usize {
        self.counters.lock().unwrap().max_per_path
    }

    /// Most requests seen in flight at once, over all paths.
    pub(crate) fn max_in_flight_total(&self) -> usize {
        self.counters.lock().unwrap().max_total
    }
}

async fn forward(State(shared): State<Shared>, request: Request) -> Response {
    let path = request.uri().path().to_owned();
    let query = request
        .uri()
        .query()
        .map(|q| format!("?{q}"))
        .unwrap_or_default();
    {
        let mut counters = shared.counters.lock().unwrap();
        let here = counters.in_flight.entry(path.clone()).or_default();
        *here += 1;
        let here = *here;
        counters.total += 1;
        counters.max_per_path = counters.max_per_path.max(here);
        counters.max_total = counters.max_total.max(counters.total);
    }
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let upstream = shared
        .client
        .request(parts.method, format!("{}{path}{query}", shared.target))
        .headers(parts.headers)
        .body(body)
        .send()
        .await;
    let response = match upstream {
        Ok(upstream) => {
            let mut builder = Response::builder().status(upstream.status());
            for (name, value) in upstream.headers() {
                if name != "transfer-encoding" && name != "connection" {
                    builder = builder.header(name, value);
                }
            }
            let bytes = upstream.bytes().await.unwrap_or_default();
            builder.body(Body::from(bytes)).unwrap()
        }
        Err(_) => Response::builder().status(502).body(Body::empty()).unwrap(),
    };
    let mut counters = shared.counters.lock().unwrap();
    *counters.in_flight.get_mut(&path).unwrap() -= 1;
    counters.total -= 1;
    response
}
