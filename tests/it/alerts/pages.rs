//! Schedule and alert pages over real HTTP: members manage schedules and viewers see them; the
//! next five fire times and a catch-up note; channels whose secrets are shown once, a "send
//! test" that reaches a real receiver, rules, the delivery log; private targets refused.

use reqwest::StatusCode;
use ringside::auth::Role;
use uuid::Uuid;

use super::html::{element, rows, strip_tags};
use super::receivers::HttpReceiver;
use crate::support::accounts::{location, member, setup};
use crate::support::app::{TestApp, serve_args};
use crate::support::runs::RunsWorld;

async fn first_suite(world: &RunsWorld) -> Uuid {
    sqlx::query_scalar(
        "SELECT id FROM suites WHERE team_id = $1 AND test_case_count > 0 ORDER BY name LIMIT 1",
    )
    .bind(world.team_id)
    .fetch_one(&world.app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn members_manage_schedules_and_viewers_see_them() {
    let world = RunsWorld::new().await;
    let suite = first_suite(&world).await;
    let new_path = format!("/suites/{suite}/schedules/new");
    assert_eq!(world.admin.get(&new_path).await.status(), StatusCode::OK);
    let create = format!("/suites/{suite}/schedules");
    let refused = world
        .admin
        .post(
            &create,
            &[
                ("name", "Bad"),
                ("mode", "cron"),
                ("cron", "every day"),
                ("timezone", "Mars/Base"),
            ],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(
        html.contains("Enter a cron expression with five fields"),
        "{html}"
    );
    let zone = world
        .admin
        .post(
            &create,
            &[
                ("name", "Bad"),
                ("mode", "daily"),
                ("at", "06:00"),
                ("timezone", "Mars/Base"),
            ],
        )
        .await;
    assert!(
        zone.text()
            .await
            .unwrap()
            .contains("Enter a time zone name")
    );

    let created = world
        .admin
        .post(
            &create,
            &[
                ("name", "Morning check"),
                ("mode", "weekdays"),
                ("at", "06:30"),
                ("timezone", "Europe/Paris"),
                ("labels", "environment=production"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let schedule_path = location(&created);
    let page = world.admin.page(&schedule_path).await;
    let upcoming = element(&page, "upcoming");
    let times: Vec<&str> = upcoming.split("<li>").skip(1).collect();
    assert_eq!(times.len(), 5, "{upcoming}");
    assert!(
        times
            .iter()
            .all(|t| t.contains("06:30") && !t.contains("Sat") && !t.contains("Sun")),
        "{upcoming}"
    );
    let suite_page = world.admin.page(&format!("/suites/{suite}")).await;
    let listed = rows(&element(&suite_page, "schedules"));
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0][0], "Morning check");
    assert_eq!(listed[0][1], "30 6 * * 1-5 (Europe/Paris)");
    assert_eq!(listed[0][2], "environment=production");

    // The page says when a slot caught up after downtime.
    let schedule_id: Uuid = schedule_path.rsplit('/').next().unwrap().parse().unwrap();
    sqlx::query(
        "INSERT INTO schedule_fires (schedule_id, slot_at, team_id, missed, state, error)
                 VALUES ($1, now() - interval '1 hour', $2, 4, 'failed', 'RevRing was down.')",
    )
    .bind(schedule_id)
    .bind(world.team_id)
    .execute(&world.app.db)
    .await
    .unwrap();
    let page = world.admin.page(&schedule_path).await;
    let fires = rows(&element(&page, "fires"));
    assert_eq!(fires.len(), 1);
    assert_eq!(fires[0][1], "Started nothing");
    assert!(
        fires[0][2].starts_with("Caught up after downtime: 4 earlier slot(s) were skipped"),
        "{:?}",
        fires[0]
    );

    // Viewers see schedules and cannot change them.
    let (viewer, _) = member(&world.app, "val@example.com", world.team_id, Role::Viewer).await;
    let seen = viewer.page(&schedule_path).await;
    assert!(seen.contains("Morning check") && !seen.contains("/pause\""));
    let tried = viewer
        .post(
            &create,
            &[
                ("name", "Mine"),
                ("mode", "hours"),
                ("every_hours", "6"),
                ("timezone", "UTC"),
            ],
        )
        .await;
    assert_eq!(tried.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        viewer
            .post(&format!("{schedule_path}/pause"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // Pause and resume, audited.
    let paused = world
        .admin
        .post(&format!("{schedule_path}/pause"), &[])
        .await;
    assert_eq!(paused.status(), StatusCode::SEE_OTHER);
    let page = world.admin.page(&schedule_path).await;
    assert!(element(&page, "paused").contains("Paused by a member"));
    world
        .admin
        .post(&format!("{schedule_path}/resume"), &[])
        .await;
    let page = world.admin.page(&schedule_path).await;
    assert_eq!(element(&page, "upcoming").matches("<li>").count(), 5);
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE team_id = $1 AND action LIKE 'schedule.%' ORDER BY id",
    )
    .bind(world.team_id)
    .fetch_all(&world.app.db)
    .await
    .unwrap();
    assert_eq!(
        actions,
        ["schedule.created", "schedule.paused", "schedule.resumed"]
    );
}

#[tokio::test]
async fn channels_keep_secrets_send_tests_and_log_deliveries() {
    let app = TestApp::spawn_with(serve_args(&["--allow-private-targets", "--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let receiver = HttpReceiver::start(0).await;
    let added = admin
        .post(
            "/alerts/channels",
            &[
                ("kind", "webhook"),
                ("name", "Ops hook"),
                ("url", &receiver.url()),
            ],
        )
        .await;
    assert_eq!(added.status(), StatusCode::OK);
    let html = added.text().await.unwrap();
    let shown = strip_tags(&element(&html, "new-secret"));
    let secret = shown
        .split_whitespace()
        .find(|w| w.starts_with("whsec_"))
        .unwrap()
        .to_owned();
    receiver.expect_secret(&secret);
    let page = admin.page("/alerts").await;
    assert!(
        !page.contains(&receiver.url()) && !page.contains(&secret),
        "never shown again"
    );
    let channels = rows(&element(&page, "channels"));
    assert_eq!(
        channels[0][..3],
        [
            "Ops hook".to_owned(),
            "Webhook".to_owned(),
            "http://127.0.0.1/…hook".to_owned()
        ]
    );
    let stored: Vec<u8> =
        sqlx::query_scalar("SELECT url_ciphertext FROM alert_channels WHERE team_id = $1")
            .bind(team_id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(!String::from_utf8_lossy(&stored).contains("127.0.0.1"));

    let channel_id: Uuid = sqlx::query_scalar("SELECT id FROM alert_channels WHERE team_id = $1")
        .bind(team_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let tested = admin
        .post(&format!("/alerts/channels/{channel_id}/test"), &[])
        .await;
    assert_eq!(location(&tested), "/alerts");
    assert!(
        admin
            .page("/alerts")
            .await
            .contains("Test alert delivered to “Ops hook”.")
    );
    let (requests, accepted, valid) = receiver.seen();
    assert_eq!((requests, accepted.len(), valid), (1, 1, true));
    let log = rows(&element(
        &admin.page("/alerts/deliveries").await,
        "deliveries",
    ));
    assert_eq!(log.len(), 1);
    assert_eq!(
        log[0][1..8],
        [
            "Test alert",
            "—",
            "Ops hook (Webhook)",
            "Delivered",
            "1",
            "200",
            "—"
        ]
        .map(String::from)
    );

    let bad = admin
        .post(
            "/alerts/rules",
            &[
                ("kind", "pass_rate_below"),
                ("threshold", "150"),
                ("channel_id", &channel_id.to_string()),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("Enter a pass rate from 1 to 100 percent.")
    );
    let good = admin
        .post(
            "/alerts/rules",
            &[
                ("kind", "pass_rate_below"),
                ("threshold", "80"),
                ("channel_id", &channel_id.to_string()),
            ],
        )
        .await;
    assert_eq!(good.status(), StatusCode::SEE_OTHER);
    let rules = rows(&element(&admin.page("/alerts").await, "rules"));
    assert_eq!(
        rules[0][..4],
        [
            "Pass rate under 80%",
            "Every suite",
            "When it changes",
            "Ops hook"
        ]
        .map(String::from)
    );

    let (viewer, _) = member(&app, "val@example.com", team_id, Role::Member).await;
    let tried = viewer
        .post(
            "/alerts/channels",
            &[
                ("kind", "webhook"),
                ("name", "Mine"),
                ("url", &receiver.url()),
            ],
        )
        .await;
    assert_eq!(
        tried.status(),
        StatusCode::FORBIDDEN,
        "only admins manage channels"
    );
    assert!(viewer.page("/alerts").await.contains("Ops hook"));
}

#[tokio::test]
async fn a_private_target_is_refused_on_the_form() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    for url in [
        "http://127.0.0.1:9/hook",
        "http://localhost/hook",
        "http://10.0.0.8/hook",
        "http://[::1]/x",
    ] {
        let refused = admin
            .post(
                "/alerts/channels",
                &[("kind", "slack"), ("name", "Local"), ("url", url)],
            )
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{url}");
        let html = refused.text().await.unwrap();
        assert!(
            element(&html, "add-channel").contains("is on a private or loopback network"),
            "{url}"
        );
    }
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_channels WHERE team_id = $1")
        .bind(team_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 0);
}
