//! The public `/s/` pages are rate-limited per client address.

use std::time::Instant;

use reqwest::StatusCode;

use crate::support::TestApp;
use crate::support::app::{new_client, serve_args};

/// Requests an address may make at once (`sharing::throttle::BURST`) and per second after.
const BURST: f64 = 60.0;
const PER_SECOND: f64 = 2.0;

#[tokio::test]
async fn one_address_hammering_share_links_is_slowed_down_and_others_are_not() {
    let app = TestApp::spawn_with(serve_args(&["--trusted-proxies", "127.0.0.1/32"])).await;
    let client = new_client();
    let get = |from: &'static str| {
        client
            .get(app.url("/s/guessed-token-guessed-token-guessed-token0"))
            .header("x-forwarded-for", from)
            .send()
    };
    let started = Instant::now();
    let burst = futures_util::future::join_all((0..120).map(|_| get("203.0.113.9"))).await;
    let elapsed = started.elapsed().as_secs_f64();
    let statuses: Vec<StatusCode> = burst.iter().map(|r| r.as_ref().unwrap().status()).collect();
    let served = statuses
        .iter()
        .filter(|s| **s == StatusCode::NOT_FOUND)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(served + limited, 120, "{statuses:?}");
    assert!(
        (served as f64) <= BURST + PER_SECOND * elapsed + 1.0,
        "{served} served in {elapsed:.1}s"
    );
    assert!(limited > 0);

    // Another visitor behind the same proxy is not affected.
    let other = get("198.51.100.7").await.unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}
