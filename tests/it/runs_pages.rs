//! Suites and runs over real HTTP: a signed-in team with a key on the simulator, a started run
//! followed to the end, one form submission starting one run, roles and team isolation.

use std::time::Duration;

use reqwest::StatusCode;
use ringside::auth::Role;
use tokio::time::Instant;
use uuid::Uuid;

use crate::support::accounts::{ADMIN_EMAIL, PASSWORD, Visitor, create_team, location, member};
use crate::support::app::{TestApp, serve_args};
use crate::support::html::Page;
use crate::support::runs::{DENTAL, RunsWorld, hidden};
use crate::support::sse::read_until_done;

/// Simulator speed for tests that follow a run live: slow enough that a run started by the
/// test is still going when its event stream connects, fast enough to end in seconds.
const LIVE_SPEED: f64 = 20.0;

/// How long a run followed live may take.
const LIVE_TIMEOUT: Duration = Duration::from_secs(90);

#[tokio::test]
async fn suites_page_lists_the_imported_suites_with_their_last_run() {
    let world = RunsWorld::new().await;
    let html = world.admin.page("/suites").await;
    assert!(html.contains(DENTAL), "{html}");
    assert!(html.contains("Staging"), "the key each suite came through");
    assert!(
        html.contains("badge-pass") || html.contains("badge-fail"),
        "a last-run status"
    );
    let suite = world
        .admin
        .page(&format!("/suites/{}", world.suite_id(DENTAL).await))
        .await;
    assert!(suite.contains("Test cases") && suite.contains("Start run"));
    assert!(suite.contains("/runs/"), "the imported history is listed");
}

#[tokio::test]
async fn twenty_concurrent_submissions_of_one_form_start_one_run() {
    let world = RunsWorld::new().await;
    let suite_path = format!("/suites/{}", world.suite_id(DENTAL).await);
    let form = world.admin.page(&suite_path).await;
    let token = hidden(&form, "form_token");
    let csrf = hidden(&form, "csrf_token");
    let before = world.sim.stats().runs_started;

    let posts = (0..20).map(|_| {
        let client = world.admin.client.clone();
        let url = world.app.url(&format!("{suite_path}/runs"));
        let fields = [
            ("csrf_token", csrf.clone()),
            ("form_token", token.clone()),
            ("name", "release 2.4".into()),
        ];
        tokio::spawn(async move { client.post(url).form(&fields).send().await.unwrap() })
    });
    let mut targets = Vec::new();
    for post in posts {
        let response = post.await.unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        targets.push(location(&response));
    }
    assert_eq!(
        world.sim.stats().runs_started - before,
        1,
        "exactly one upstream run"
    );
    assert!(targets[0].starts_with("/runs/"));
    assert!(
        targets.iter().all(|target| *target == targets[0]),
        "{targets:?}"
    );
}

#[tokio::test]
async fn a_started_run_is_followed_live_to_the_end() {
    // Slow enough that the run is still going when the page connects.
    let world = RunsWorld::with_speed(LIVE_SPEED).await;
    let response = world.submit_start(&[("name", "smoke")]).await;
    let run_path = location(&response);

    // The event stream opens with the live section at once, then sends it again on every
    // update the worker stores, and closes with the finished run.
    let mut events = world.admin.get(&format!("{run_path}/events")).await;
    assert_eq!(events.headers()["content-type"], "text/event-stream");
    let events = read_until_done(&mut events, Instant::now() + LIVE_TIMEOUT).await;
    let kinds: Vec<&str> = events.iter().map(|event| event.kind.as_str()).collect();
    assert_eq!(
        kinds.first(),
        Some(&"update"),
        "a snapshot of the running run first"
    );
    assert_eq!(kinds.last(), Some(&"done"), "{kinds:?}");
    assert!(
        kinds.len() >= 2,
        "an event after the snapshot, pushed by an update: {kinds:?}"
    );
    let first = Page::parse(&events[0].data);
    assert_ne!(first.text_of("#run-status"), "Completed");
    let last = Page::parse(&events[events.len() - 1].data);
    assert_eq!(last.text_of("#run-status"), "Completed");
    assert_eq!(last.attrs("#run-progress", "value"), ["100"]);
    assert_eq!(
        last.count("form[action$='/cancel'], a[href$='/cancel']"),
        0,
        "a finished run cannot be cancelled"
    );

    let html = Page::parse(&world.admin.page(&run_path).await);
    assert_eq!(html.text_of("main h1"), "smoke");
    assert_eq!(html.text_of("#run-status"), "Completed");
}

#[tokio::test]
async fn a_refused_start_is_explained_on_the_form() {
    let world = RunsWorld::new().await;
    let too_long = "x".repeat(129);
    let response = world.submit_start(&[("name", &too_long)]).await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("at most 128 characters"), "{html}");
    assert!(html.contains(&too_long), "the input is kept");
    assert_eq!(world.sim.stats().runs_started, 0);
}

#[tokio::test]
async fn viewers_cannot_start_or_cancel_and_other_teams_get_404() {
    let world = RunsWorld::new().await;
    let suite_id = world.suite_id(DENTAL).await;
    let run_id: Uuid = sqlx::query_scalar("SELECT id FROM runs WHERE suite_id = $1 LIMIT 1")
        .bind(suite_id)
        .fetch_one(&world.app.db)
        .await
        .unwrap();

    let (viewer, _) = member(&world.app, "vic@example.com", world.team_id, Role::Viewer).await;
    let page = viewer.page(&format!("/suites/{suite_id}")).await;
    assert!(!page.contains("Start run"), "viewers see no start form");
    let start = viewer
        .post(
            &format!("/suites/{suite_id}/runs"),
            &[("form_token", &Uuid::new_v4().to_string())],
        )
        .await;
    assert_eq!(start.status(), StatusCode::FORBIDDEN);
    let cancel = viewer.post(&format!("/runs/{run_id}/cancel"), &[]).await;
    assert_eq!(cancel.status(), StatusCode::FORBIDDEN);
    let refresh = viewer.post("/suites/refresh", &[]).await;
    assert_eq!(refresh.status(), StatusCode::FORBIDDEN);
    assert_eq!(world.sim.stats().runs_started, 0);

    let other_team = create_team(&world.app.db, "Other").await;
    let (outsider, _) = member(&world.app, "oz@example.com", other_team, Role::Admin).await;
    for path in [
        format!("/suites/{suite_id}"),
        format!("/runs/{run_id}"),
        format!("/runs/{run_id}/events"),
    ] {
        assert_eq!(
            outsider.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let start = outsider
        .post(
            &format!("/suites/{suite_id}/runs"),
            &[("form_token", &Uuid::new_v4().to_string())],
        )
        .await;
    assert_eq!(start.status(), StatusCode::NOT_FOUND);
    let cancel = outsider.post(&format!("/runs/{run_id}/cancel"), &[]).await;
    assert_eq!(cancel.status(), StatusCode::NOT_FOUND);
    assert!(!outsider.page("/runs").await.contains(DENTAL));
}

#[tokio::test]
async fn a_member_cancels_a_running_run() {
    let world = RunsWorld::with_speed(1.0).await;
    let run_path = world.start_run(&[]).await;
    assert!(world.admin.page(&run_path).await.contains("Cancel run"));
    // The button asks first: without scripts, a page with the question and the form.
    let ask = world.admin.page(&format!("{run_path}/cancel")).await;
    assert!(ask.contains("<h1>Cancel the run"), "{ask}");
    assert!(
        ask.contains(&format!(
            "<form method=\"post\" action=\"{run_path}/cancel\""
        )),
        "{ask}"
    );
    assert!(
        !world
            .admin
            .page(&run_path)
            .await
            .contains("run-status\">Cancelled"),
        "asking cancels nothing"
    );
    let cancelled = world.admin.post(&format!("{run_path}/cancel"), &[]).await;
    assert_eq!(location(&cancelled), run_path);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !world
        .admin
        .page(&run_path)
        .await
        .contains("id=\"run-status\">Cancelled")
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the run shows cancelled"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Attempts it never ran say so; none is left "pending" forever.
    let html = world.admin.page(&run_path).await;
    let run_id: Uuid = run_path.trim_start_matches("/runs/").parse().unwrap();
    let unrun: i64 =
        sqlx::query_scalar("SELECT count(*) FROM attempts WHERE run_id = $1 AND result IS NULL")
            .bind(run_id)
            .fetch_one(&world.app.db)
            .await
            .unwrap();
    assert!(unrun > 0, "the run was cancelled before every attempt ran");
    assert_eq!(
        html.matches("data-verdict=\"not-run\"").count() as i64,
        unrun,
        "{html}"
    );
    assert!(!html.contains(">pending<"), "{html}");
    let audit = world.admin.page("/audit").await;
    assert!(
        audit.contains("run.started") && audit.contains("run.cancelled"),
        "{audit}"
    );
    assert!(
        !audit.contains("started run"),
        "audit entries read naturally: {audit}"
    );
}

#[tokio::test]
async fn an_update_stored_by_one_process_reaches_a_page_served_by_another() {
    let world = RunsWorld::with_speed(LIVE_SPEED).await;
    // A second replica on the same database that does not poll RevRing itself.
    let replica_args = serve_args(&["--revring-base-url", &world.sim.base_url(), "--no-sync"]);
    let replica = TestApp::spawn_on(replica_args, world.app.db.clone()).await;
    let reader = Visitor::at(replica.url(""));
    assert_eq!(
        reader.login(ADMIN_EMAIL, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    let run_path = world.start_run(&[]).await;

    // The snapshot on connect shows the run going; only a NOTIFY from the other process's
    // worker can make the replica send anything after it.
    let mut events = reader.get(&format!("{run_path}/events")).await;
    let events = read_until_done(&mut events, Instant::now() + LIVE_TIMEOUT).await;
    let kinds: Vec<&str> = events.iter().map(|event| event.kind.as_str()).collect();
    assert_eq!(kinds.first(), Some(&"update"), "{kinds:?}");
    assert_ne!(
        Page::parse(&events[0].data).text_of("#run-status"),
        "Completed",
        "the run was still going at connect"
    );
    assert!(kinds.len() >= 2, "an event after the snapshot: {kinds:?}");
    assert_eq!(kinds.last(), Some(&"done"), "{kinds:?}");
    let last = Page::parse(&events[events.len() - 1].data);
    assert_eq!(last.text_of("#run-status"), "Completed");
}

#[tokio::test]
async fn a_graceful_stop_ends_open_live_pages_instead_of_waiting_for_them() {
    // Real-time speed: the run is still going when the server stops.
    let world = RunsWorld::with_speed(1.0).await;
    let run_path = world.start_run(&[]).await;

    let args = serve_args(&["--revring-base-url", &world.sim.base_url(), "--no-sync"]);
    let app = ringside::app::startup::Application::build(&args, world.app.db.clone())
        .await
        .unwrap();
    let reader = Visitor::at(format!("http://{}", app.local_addr()));
    let (stop, stop_signal) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until_stopped(async {
        let _ = stop_signal.await;
    }));
    assert_eq!(
        reader.login(ADMIN_EMAIL, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let mut events = reader.get(&format!("{run_path}/events")).await;
    assert!(
        events.chunk().await.unwrap().is_some(),
        "the live page is streaming"
    );

    stop.send(()).unwrap();
    let stopped = tokio::time::timeout(Duration::from_secs(10), server).await;
    stopped
        .expect("the server stopped with a live page open")
        .unwrap()
        .unwrap();
    let drained = tokio::time::timeout(Duration::from_secs(5), async {
        while let Ok(Some(_)) = events.chunk().await {}
    })
    .await;
    assert!(drained.is_ok(), "the event stream ended");
}

#[tokio::test]
async fn a_trend_page_follows_the_members_teams_as_they_are_now() {
    let world = RunsWorld::new().await;
    let trend = format!("/suites/{}/trend", world.suite_id(DENTAL).await);
    let other = create_team(&world.app.db, "Another team").await;
    let (visitor, user) = member(&world.app, "mo@example.com", world.team_id, Role::Member).await;
    ringside::db::accounts::add_member(&world.app.db, other, user, Role::Member)
        .await
        .unwrap();
    let team = world.team_id.to_string();
    visitor
        .post("/teams/switch", &[("team_id", team.as_str())])
        .await;
    assert_eq!(visitor.get(&trend).await.status(), StatusCode::OK);

    // Removed from the team the session remembers: its data is not shown any more.
    sqlx::query("DELETE FROM memberships WHERE team_id = $1 AND user_id = $2")
        .bind(world.team_id)
        .bind(user)
        .execute(&world.app.db)
        .await
        .unwrap();
    assert_eq!(visitor.get(&trend).await.status(), StatusCode::NOT_FOUND);

    let stranger = Visitor::new(&world.app);
    let response = stranger.get(&trend).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(location(&response).starts_with("/login?next="));
}
