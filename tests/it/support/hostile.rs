//! A hostile upstream and what it aims at: a proxy in front of the simulator that rewrites its
//! answers (e.g. recording links pointing at a private service), and that private service,
//! which counts every request it receives.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;

/// The body the private service answers with.
pub(crate) const SECRET_BODY: &str = "<html><body>TOP SECRET internal admin page</body></html>";

/// A service on loopback that nobody outside should reach through Ringside.
pub(crate) struct PrivateService {
    addr: SocketAddr,
    hits: Arc<AtomicUsize>,
}

impl PrivateService {
    /// Starts it on a free loopback port; it answers every request with an HTML page.
    pub(crate) async fn start() -> Self {
        let hits = Arc::new(AtomicUsize::new(0));
        let counter = hits.clone();
        let app = axum::Router::new().fallback(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::SeqCst);
                Response::builder()
                    .header("content-type", "text/html")
                    .body(Body::from(SECRET_BODY))
                    .unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, hits }
    }

    /// `127.0.0.1:PORT`.
    pub(crate) fn authority(&self) -> String {
        self.addr.to_string()
    }

    /// Requests received so far.
    pub(crate) fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }
}

#[derive(Clone)]
struct Rewrite {
    target: String,
    from: String,
    to: String,
    client: reqwest::Client,
}

/// Forwards every request to `target` and replaces `from` by `to` in every answer's body.
pub(crate) async fn rewriting_proxy(target: &str, from: &str, to: &str) -> String {
    let rewrite = Rewrite {
        target: target.trim_end_matches('/').to_owned(),
        from: from.to_owned(),
        to: to.to_owned(),
        client: reqwest::Client::new(),
    };
    let app = axum::Router::new().fallback(forward).with_state(rewrite);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{addr}")
}

async fn forward(State(rewrite): State<Rewrite>, request: Request) -> Response {
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or("/", |pq| pq.as_str())
        .to_owned();
    let (parts, body) = request.into_parts();
    let body = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let mut headers = parts.headers;
    headers.remove("host");
    let upstream = rewrite
        .client
        .request(parts.method, format!("{}{path_and_query}", rewrite.target))
        .headers(headers)
        .body(body)
        .send()
        .await;
    let Ok(upstream) = upstream else {
        return Response::builder().status(502).body(Body::empty()).unwrap();
    };
    let mut builder = Response::builder().status(upstream.status());
    for (name, value) in upstream.headers() {
        if !matches!(
            name.as_str(),
            "transfer-encoding" | "connection" | "content-length"
        ) {
            builder = builder.header(name, value);
        }
    }
    let bytes = upstream.bytes().await.unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes).replace(&rewrite.from, &rewrite.to);
    builder.body(Body::from(text)).unwrap()
}
