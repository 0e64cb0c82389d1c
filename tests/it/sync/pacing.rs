//! Pacing: a run in a status Ringside does not know is polled like a running one, so it is seen
//! finished within a poll of finishing upstream (not a minute later).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use ringside::revring::RevRing;
use ringside::sync::start::{StartOutcome, start_run};
use ringside::sync::{RevRingAccess, SyncSettings, Worker};
use uuid::Uuid;

use crate::support::sync::{FAST_POLL, SyncFixture};

/// An upstream in front of the simulator that reports finished runs as `judging` (a
/// post-processing phase the reference does not document) while `hold` is set.
#[derive(Clone)]
struct Judging {
    target: String,
    hold: Arc<AtomicBool>,
}

async fn forward(State(upstream): State<Judging>, request: Request) -> Response {
    let url = format!("{}{}", upstream.target, request.uri());
    let key = request.headers().get("x-api-key").cloned();
    let mut outgoing = reqwest::Client::new().request(request.method().clone(), url);
    if let Some(key) = key {
        outgoing = outgoing.header("x-api-key", key);
    }
    let body = axum::body::to_bytes(request.into_body(), usize::MAX)
        .await
        .unwrap();
    let answer = outgoing
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = answer.status();
    let mut text = answer.text().await.unwrap();
    if upstream.hold.load(Ordering::SeqCst) {
        text = text.replace("\"status\":\"completed\"", "\"status\":\"judging\"");
    }
    Response::builder()
        .status(status.as_u16())
        .header("content-type", "application/json")
        .body(Body::from(text))
        .unwrap()
}

#[tokio::test]
async fn a_run_in_an_unknown_status_is_polled_at_the_active_pace() {
    let fixture = SyncFixture::new().await;
    fixture.refresh().await;
    let upstream = Judging {
        target: fixture.sim.root_url(),
        hold: Arc::new(AtomicBool::new(true)),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = axum::Router::new()
        .fallback(forward)
        .with_state(upstream.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });
    let access = RevRingAccess {
        revring: RevRing::new(&format!("http://{addr}/v1")).unwrap(),
        ..fixture.access.clone()
    };
    let mut settings = SyncSettings::with_interval(FAST_POLL);
    settings.lease = Duration::from_secs(5);
    let worker = Worker::new(access.clone(), settings).spawn();

    let suite = fixture.suite().await;
    let outcome = start_run(&access, &suite, None, None, Uuid::new_v4())
        .await
        .unwrap();
    let StartOutcome::Started(run_id) = outcome else {
        panic!("expected a started run, got {outcome:?}");
    };

    // Every attempt judged, the run "judging": still polled, at the active pace.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (status, gap): (String, Option<f64>) = sqlx::query_as(
            "SELECT status, extract(epoch FROM next_poll_at - synced_at)::float8
             FROM runs WHERE id = $1",
        )
        .bind(run_id)
        .fetch_one(&fixture.db)
        .await
        .unwrap();
        if status == "judging" {
            let gap = gap.expect("a judging run is still polled");
            assert!(gap < 1.0, "polled again in {gap} s, like a running run");
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never judging");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // RevRing completes it: seen within a few polls, not a minute later.
    upstream.hold.store(false, Ordering::SeqCst);
    let released = tokio::time::Instant::now();
    let deadline = released + Duration::from_secs(5);
    loop {
        let status: String = sqlx::query_scalar("SELECT status FROM runs WHERE id = $1")
            .bind(run_id)
            .fetch_one(&fixture.db)
            .await
            .unwrap();
        if status == "completed" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still {status} {:?} after RevRing completed it",
            released.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    fixture.wait_finished(run_id).await;
    worker.abort();
}
