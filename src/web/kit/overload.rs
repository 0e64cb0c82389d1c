//! Overload: answer 503 with `Retry-After` instead of queueing without end or failing with 500.
//!
//! [`Admission`] lets at most [`MAX_IN_FLIGHT`] requests work at once (fewer than the page pool
//! has connections, so a request never waits for a connection), keeps at most [`MAX_WAITING`]
//! waiting, each for at most [`MAX_WAIT`], and sheds the rest with 503 before the pool is
//! exhausted. [`session_store_errors`] turns the session layer's bare 500 (its store, the
//! database, failed) into the same 503.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::web::kit::error::{RETRY_AFTER_SECS, error_page};

/// Requests that work at once; fewer than the page pool's connections (see `app::startup`).
pub const MAX_IN_FLIGHT: usize = 12;

/// Requests that may wait for a turn; more are shed at once.
pub const MAX_WAITING: usize = 512;

/// Longest a request waits for a turn before it is shed.
pub const MAX_WAIT: Duration = Duration::from_secs(3);

/// Paths that are never held back: static files use no database, and probes must answer
/// under load.
const EXEMPT_PREFIXES: [&str; 3] = ["/static/", "/healthz", "/readyz"];

/// The admission gate shared by every request of one router.
#[derive(Debug, Clone)]
pub(crate) struct Admission {
    working: Arc<Semaphore>,
    waiting: Arc<AtomicUsize>,
}

impl Default for Admission {
    fn default() -> Self {
        Self {
            working: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
            waiting: Arc::new(AtomicUsize::new(0)),
        }
    }
}

impl Admission {
    /// A turn to work: at once when one is free, else after waiting up to [`MAX_WAIT`] among
    /// at most [`MAX_WAITING`]; `None` when the request is to be shed.
    async fn turn(&self) -> Option<OwnedSemaphorePermit> {
        if let Ok(permit) = self.working.clone().try_acquire_owned() {
            return Some(permit);
        }
        // Counted out when the wait ends, however it ends: a client that hangs up while
        // waiting drops this future, and must not stay counted as waiting.
        let _waiting = Waiting::join(&self.waiting)?;
        tokio::time::timeout(MAX_WAIT, self.working.clone().acquire_owned())
            .await
            .ok()?
            .ok()
    }
}

/// Middleware: admits the request when a turn frees up in time, sheds it with 503 otherwise.
/// The turn is held until the response's headers are ready (an event stream does not keep it).
pub(crate) async fn admit(State(gate): State<Admission>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    if EXEMPT_PREFIXES
        .iter()
        .any(|prefix| path.starts_with(prefix))
    {
        return next.run(request).await;
    }
    let Some(permit) = gate.turn().await else {
        return busy();
    };
    let response = next.run(request).await;
    drop(permit);
    response
}

/// One request counted among those waiting for a turn, until dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    /// Counts one more waiting request, unless [`MAX_WAITING`] already wait.
    fn join(waiting: &'a AtomicUsize) -> Option<Self> {
        if waiting.fetch_add(1, Ordering::AcqRel) >= MAX_WAITING {
            waiting.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(Self(waiting))
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Middleware directly outside the session layer: its own failures (loading or saving a
/// session when the database is busy) come out as an empty 500; answer 503 instead.
pub(crate) async fn session_store_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let bare = response.status() == StatusCode::INTERNAL_SERVER_ERROR
        && !response.headers().contains_key(header::CONTENT_TYPE);
    if bare {
        tracing::warn!("session store failed; answering 503");
        return busy();
    }
    response
}

/// The overload answer: 503 with `Retry-After`, as the error page.
pub(crate) fn busy() -> Response {
    let mut page = error_page(
        StatusCode::SERVICE_UNAVAILABLE,
        Some("Ringside is busy right now. Please try again in a few seconds.".into()),
    );
    page.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
    page
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn requests_dropped_while_waiting_are_no_longer_counted() {
        let gate = Admission::default();
        let busy = gate
            .working
            .clone()
            .try_acquire_many_owned(MAX_IN_FLIGHT as u32)
            .unwrap();
        // More clients than may wait hang up while waiting, one after another.
        for _ in 0..MAX_WAITING + 10 {
            let gave_up = tokio::time::timeout(Duration::from_millis(1), gate.turn()).await;
            assert!(gave_up.is_err(), "no turn is free");
        }
        assert_eq!(gate.waiting.load(Ordering::Acquire), 0);
        // The next one still waits for its turn and gets it when one frees up.
        let next = tokio::spawn({
            let gate = gate.clone();
            async move { gate.turn().await.is_some() }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        drop(busy);
        assert!(next.await.unwrap(), "admitted once a turn freed up");
    }
}
