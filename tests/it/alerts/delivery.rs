//! Delivering alerts to real local receivers with an injected clock: retries with backoff end in
//! exactly one accepted delivery, signatures verify, e-mail carries both parts, private targets
//! are refused, and a finished run writes its alert with the run.

use std::sync::Arc;

use ringside::crypto::MasterKey;
use ringside::db::alert_channels::{self, NewChannel};
use ringside::db::alert_deliveries;
use ringside::db::alert_rules::{self, NewRule};
use ringside::revring::SecretString;
use ringside::sync::deliver::{Deliverer, DeliverySettings, SmtpSettings, retry_delay};
use serde_json::json;
use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use super::receivers::{HttpReceiver, SmtpSink};
use crate::support::db::fresh_database;
use crate::support::sync::SyncFixture;

async fn team(db: &PgPool) -> Uuid {
    sqlx::query_scalar("INSERT INTO teams (name) VALUES ('QA') RETURNING id")
        .fetch_one(db)
        .await
        .unwrap()
}

/// Stores a webhook channel to `url` signed with `secret`.
async fn webhook(
    db: &PgPool,
    master: &MasterKey,
    team_id: Uuid,
    kind: &str,
    url: &str,
    secret: Option<&str>,
) -> Uuid {
    let channel = NewChannel {
        kind,
        name: "Receiver",
        url: Some(master.encrypt(&SecretString::from(url.to_owned()))),
        secret: secret.map(|s| master.encrypt(&SecretString::from(s.to_owned()))),
        email_to: None,
        hint: "http://127.0.0.1/…hook",
    };
    alert_channels::insert(db, team_id, &channel, None)
        .await
        .unwrap()
}

fn deliverer(db: &PgPool, master: MasterKey, settings: DeliverySettings) -> Deliverer {
    Deliverer::new(db.clone(), Arc::new(master), Arc::new(settings), "worker-1")
}

fn allow_private() -> DeliverySettings {
    DeliverySettings {
        allow_private_targets: true,
        ..DeliverySettings::default()
    }
}

async fn delivery_state(db: &PgPool, id: Uuid) -> (String, i32, Option<i32>, Option<String>) {
    sqlx::query_as(
        "SELECT state, attempts, last_status, last_error FROM alert_deliveries WHERE id = $1",
    )
    .bind(id)
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_receiver_failing_three_times_then_succeeding_gets_exactly_one_delivery() {
    let (db, _database) = fresh_database().await;
    let team_id = team(&db).await;
    let master = MasterKey::generate();
    let receiver = HttpReceiver::start(3).await;
    receiver.expect_secret("whsec_test");
    let channel = webhook(
        &db,
        &master,
        team_id,
        "webhook",
        &receiver.url(),
        Some("whsec_test"),
    )
    .await;
    let payload = json!({"event": "test", "channel": "Receiver"});
    let id = alert_deliveries::enqueue_test(&db, team_id, channel, &payload)
        .await
        .unwrap();
    let worker = deliverer(&db, master, allow_private());
    let mut now = OffsetDateTime::now_utc();
    for failures in 1..=3 {
        assert_eq!(
            worker.tick(now, None).await.unwrap(),
            1,
            "attempt {failures}"
        );
        let (state, attempts, status, _) = delivery_state(&db, id).await;
        assert_eq!(
            (state.as_str(), attempts, status),
            ("pending", failures, Some(500))
        );
        // Not due again before its backoff.
        assert_eq!(
            worker
                .tick(now + time::Duration::seconds(1), None)
                .await
                .unwrap(),
            0
        );
        now += retry_delay(failures);
    }
    assert_eq!(worker.tick(now, None).await.unwrap(), 1);
    assert_eq!(
        delivery_state(&db, id).await,
        ("delivered".into(), 4, Some(200), None)
    );
    for later in 1..=3 {
        let at = now + time::Duration::hours(later);
        assert_eq!(worker.tick(at, None).await.unwrap(), 0);
    }
    let (requests, accepted, signatures_valid) = receiver.seen();
    assert_eq!((requests, accepted.len()), (4, 1));
    assert!(signatures_valid, "every request carried a valid signature");
    assert_eq!(accepted[0]["id"], json!(id));
    assert_eq!(accepted[0]["event"], "test");
}

#[tokio::test]
async fn two_workers_never_send_one_alert_twice() {
    let (db, _database) = fresh_database().await;
    let team_id = team(&db).await;
    let master = MasterKey::generate();
    let receiver = HttpReceiver::start(0).await;
    let channel = webhook(&db, &master, team_id, "slack", &receiver.url(), None).await;
    for n in 0..5 {
        let payload = json!({"event": "test", "channel": format!("n{n}")});
        alert_deliveries::enqueue_test(&db, team_id, channel, &payload)
            .await
            .unwrap();
    }
    let key = master.to_base64();
    let second = MasterKey::from_base64(&key).unwrap();
    let settings = Arc::new(allow_private());
    let a = Deliverer::new(db.clone(), Arc::new(master), settings.clone(), "a");
    let b = Deliverer::new(db.clone(), Arc::new(second), settings, "b");
    let now = OffsetDateTime::now_utc();
    let (sent_a, sent_b) = tokio::join!(a.tick(now, None), b.tick(now, None));
    assert_eq!(sent_a.unwrap() + sent_b.unwrap(), 5);
    let (requests, accepted, _) = receiver.seen();
    assert_eq!((requests, accepted.len()), (5, 5));
}

#[tokio::test]
async fn a_private_target_is_refused_and_not_retried() {
    let (db, _database) = fresh_database().await;
    let team_id = team(&db).await;
    let master = MasterKey::generate();
    let receiver = HttpReceiver::start(0).await;
    let channel = webhook(&db, &master, team_id, "webhook", &receiver.url(), Some("s")).await;
    let id = alert_deliveries::enqueue_test(&db, team_id, channel, &json!({"event": "test"}))
        .await
        .unwrap();
    let worker = deliverer(&db, master, DeliverySettings::default());
    worker.tick(OffsetDateTime::now_utc(), None).await.unwrap();
    let (state, attempts, _, error) = delivery_state(&db, id).await;
    assert_eq!((state.as_str(), attempts), ("failed", 1));
    assert!(error.unwrap().contains("private or loopback"));
    assert_eq!(receiver.seen().0, 0, "nothing reached the receiver");
}

#[tokio::test]
async fn email_goes_out_over_smtp_with_text_and_html_parts() {
    let (db, _database) = fresh_database().await;
    let team_id = team(&db).await;
    let master = MasterKey::generate();
    let sink = SmtpSink::start().await;
    let channel = NewChannel {
        kind: "email",
        name: "QA leads",
        url: None,
        secret: None,
        email_to: Some("qa@example.com, lead@example.com"),
        hint: "qa@example.com, lead@example.com",
    };
    let channel = alert_channels::insert(&db, team_id, &channel, None)
        .await
        .unwrap();
    let payload = json!({
        "event": "alert", "rule": "new_failures",
        "suite": {"name": "Checkout"}, "run": {"path": "/runs/r1", "status": "completed"},
        "pass_rate": 0.5, "previous_pass_rate": 1.0,
        "new_failures": [{"case_id": "c", "name": "Refund request", "attempt_paths": ["/runs/r1/attempts/a1"]}],
        "failing": [], "recovered": [], "flaky": [],
    });
    sqlx::query("INSERT INTO alert_deliveries (team_id, channel_id, kind, payload) VALUES ($1, $2, 'new_failures', $3)")
        .bind(team_id)
        .bind(channel)
        .bind(&payload)
        .execute(&db)
        .await
        .unwrap();
    let settings = DeliverySettings {
        smtp: Some(SmtpSettings {
            host: "127.0.0.1".into(),
            port: sink.port,
            tls: "none".into(),
            username: None,
            password: None,
            from: "Ringside <ringside@example.com>".into(),
        }),
        public_url: Some("https://ringside.example/".parse().unwrap()),
        ..DeliverySettings::default()
    };
    let worker = deliverer(&db, master, settings);
    assert_eq!(
        worker.tick(OffsetDateTime::now_utc(), None).await.unwrap(),
        1
    );
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let mail = &messages[0];
    assert!(mail.contains("Subject: Checkout: 1 new failure"), "{mail}");
    assert!(mail.contains("multipart/alternative"), "{mail}");
    assert!(
        mail.contains("text/plain") && mail.contains("text/html"),
        "{mail}"
    );
    assert!(
        mail.contains("https://ringside.example/runs/r1/attempts/a1"),
        "{mail}"
    );
    let state: String =
        sqlx::query_scalar("SELECT state FROM alert_deliveries WHERE channel_id = $1")
            .bind(channel)
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(state, "delivered");
}

#[tokio::test]
async fn a_finished_run_writes_its_alert_with_the_run_once() {
    let fx = SyncFixture::new().await;
    fx.refresh().await;
    let suite = fx.suite().await;
    let receiver = HttpReceiver::start(0).await;
    let master = MasterKey::from_base64(&fx.access.master_key.to_base64()).unwrap();
    let channel = webhook(
        &fx.db,
        &master,
        fx.team_id,
        "webhook",
        &receiver.url(),
        Some("k"),
    )
    .await;
    let rule = NewRule {
        suite_id: Some(suite.id),
        channel_id: channel,
        kind: "errored_or_cancelled",
        threshold: None,
        every_run: false,
    };
    alert_rules::insert(&fx.db, fx.team_id, &rule, None)
        .await
        .unwrap()
        .unwrap();
    let started = ringside::sync::start::start_run(
        &fx.access,
        &suite,
        None,
        Some("to cancel"),
        Uuid::new_v4(),
    )
    .await
    .unwrap();
    let ringside::sync::start::StartOutcome::Started(run_id) = started else {
        panic!("started: {started:?}");
    };
    ringside::sync::start::cancel_run(&fx.access, fx.team_id, run_id)
        .await
        .unwrap()
        .unwrap();
    let worker = fx.worker().spawn();
    fx.wait_finished(run_id).await;
    worker.abort();
    let rows: Vec<(String, serde_json::Value)> =
        sqlx::query_as("SELECT kind, payload FROM alert_deliveries WHERE run_id = $1")
            .bind(run_id)
            .fetch_all(&fx.db)
            .await
            .unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].0, "errored_or_cancelled");
    assert_eq!(rows[0].1["run"]["status"], "cancelled");
    assert_eq!(rows[0].1["suite"]["name"], suite.name.as_str());
    // Polling the finished run again (a cancel click, a refresh) writes no second alert.
    ringside::db::runs::poll_soon(&fx.db, run_id).await.unwrap();
    let worker = fx.worker();
    worker.poll_due_runs().await.unwrap();
    let count: i64 = sqlx::query_scalar("SELECT count(*) FROM alert_deliveries WHERE run_id = $1")
        .bind(run_id)
        .fetch_one(&fx.db)
        .await
        .unwrap();
    assert_eq!(count, 1);
}
