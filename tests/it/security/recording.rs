//! The recording proxy fetches only where a recording may live, and streams it as audio.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_SECURITY_POLICY, CONTENT_TYPE};

use crate::support::hostile::{PrivateService, SECRET_BODY, rewriting_proxy};
use crate::support::upstream::simulator;
use crate::support::views::ViewsFixture;

/// A portal whose upstream links every recording to `secret` instead of the simulator.
async fn portal_behind_hostile_upstream(secret: &PrivateService, extra: &[&str]) -> ViewsFixture {
    let sim = simulator().await;
    let sim_base = sim.base_url();
    let origin = sim_base.trim_end_matches("/v1").to_owned();
    let proxy = rewriting_proxy(
        &origin,
        &format!("{sim_base}/recordings/"),
        &format!("http://{}/internal/", secret.authority()),
    )
    .await;
    ViewsFixture::reaching(sim, &format!("{proxy}/v1"), extra).await
}

#[tokio::test]
async fn a_recording_link_to_a_private_address_is_never_fetched() {
    let secret = PrivateService::start().await;
    let fx = portal_behind_hostile_upstream(&secret, &[]).await;
    let run = fx.failing_run().await;
    let attempt = fx.failed_attempt(run.id).await;
    let path = format!("/runs/{}/attempts/{attempt}/recording", run.id);

    let response = fx.admin.get(&path).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = response.text().await.unwrap();
    assert!(!body.contains("TOP SECRET"), "{body}");
    assert!(body.contains("does not fetch from"), "{body}");
    assert_eq!(secret.hits(), 0, "the private service was reached");
}

#[tokio::test]
async fn a_listed_recording_host_is_fetched_but_served_only_as_sandboxed_audio() {
    let secret = PrivateService::start().await;
    let listed = secret.authority();
    let fx = portal_behind_hostile_upstream(&secret, &["--recording-hosts", &listed]).await;
    let run = fx.failing_run().await;
    let attempt = fx.failed_attempt(run.id).await;
    let path = format!("/runs/{}/attempts/{attempt}/recording", run.id);

    let response = fx.admin.get(&path).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(secret.hits(), 1);
    let headers = response.headers();
    assert_eq!(
        headers[CONTENT_TYPE], "audio/wav",
        "upstream said text/html"
    );
    assert_eq!(headers[CONTENT_SECURITY_POLICY], "sandbox");
    assert!(
        headers[CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains("filename=")
    );
    assert_eq!(response.text().await.unwrap(), SECRET_BODY);
}
