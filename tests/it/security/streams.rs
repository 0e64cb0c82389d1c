//! A live-run event stream ends when its member loses access, instead of carrying on.

use std::time::Duration;

use reqwest::StatusCode;
use ringside::auth::Role;

use crate::support::accounts::member;
use crate::support::runs::RunsWorld;

/// The events after access was lost: whatever was already on its way, then `gone`, then
/// nothing: the stream ends (without the re-check it would run on with every poll).
fn assert_ends_with_gone(rest: &str, ended: bool) {
    assert!(ended, "the stream ended: {rest}");
    let gone = rest.find("event: gone").expect("a gone event");
    assert!(!rest[gone..].contains("event: update"), "{rest}");
    assert!(!rest[gone..].contains("attempt-row"), "{rest}");
}

/// Reads the stream until it ends (or `limit` passes); returns what came.
async fn rest_of(events: &mut reqwest::Response, limit: Duration) -> (String, bool) {
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(deadline, events.chunk()).await {
            Ok(Ok(Some(chunk))) => text.push_str(&String::from_utf8_lossy(&chunk)),
            Ok(_) => return (text, true),
            Err(_) => return (text, false),
        }
    }
}

/// Tells every live page that the run changed, as the sync worker does.
async fn notify(world: &RunsWorld, run_id: &str) {
    sqlx::query("SELECT pg_notify('run_updated', $1)")
        .bind(run_id)
        .execute(&world.app.db)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_removed_members_open_stream_gets_no_more_verdicts() {
    // Real-time speed: the run is still going while the stream is open.
    let world = RunsWorld::with_speed(1.0).await;
    let run_path = world.start_run(&[]).await;
    let run_id = run_path.trim_start_matches("/runs/").to_owned();
    let (viewer, viewer_id) = member(
        &world.app,
        "viewer@example.com",
        world.team_id,
        Role::Viewer,
    )
    .await;

    let mut events = viewer.get(&format!("{run_path}/events")).await;
    assert_eq!(events.status(), StatusCode::OK);
    let first = events.chunk().await.unwrap().expect("the first event");
    assert!(String::from_utf8_lossy(&first).contains("event: update"));

    let removed = world
        .admin
        .post(&format!("/team/members/{viewer_id}/remove"), &[])
        .await;
    assert_eq!(removed.status(), StatusCode::SEE_OTHER);
    notify(&world, &run_id).await;

    let (rest, ended) = rest_of(&mut events, Duration::from_secs(10)).await;
    assert_ends_with_gone(&rest, ended);
}

#[tokio::test]
async fn signing_out_everywhere_ends_open_streams() {
    let world = RunsWorld::with_speed(1.0).await;
    let run_path = world.start_run(&[]).await;
    let run_id = run_path.trim_start_matches("/runs/").to_owned();
    let (viewer, _) = member(
        &world.app,
        "viewer@example.com",
        world.team_id,
        Role::Viewer,
    )
    .await;
    let mut events = viewer.get(&format!("{run_path}/events")).await;
    events.chunk().await.unwrap().expect("the first event");

    // The same user signs out everywhere from another device.
    let other_device = crate::support::accounts::Visitor::new(&world.app);
    let signed_in = other_device
        .login("viewer@example.com", crate::support::accounts::PASSWORD)
        .await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let out = other_device.post("/logout/everywhere", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    notify(&world, &run_id).await;

    let (rest, ended) = rest_of(&mut events, Duration::from_secs(10)).await;
    assert_ends_with_gone(&rest, ended);
}
