//! Runs through the API: idempotent starts, scopes, labels and filters, cursors, a run with its
//! attempts, an attempt with its transcript, cancel, exports, trend, and team isolation.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{Api, create_token, make_suite, wait_finished};
use crate::runs_pages::RunsWorld;
use crate::support::accounts::create_team;

fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn twenty_concurrent_starts_with_one_idempotency_key_start_one_run() {
    let world = RunsWorld::new().await;
    let (suite, _) = make_suite(&world, "Checkout", &["Pays [sim:pass]"]).await;
    let token = create_token(&world, "CI", "run").await;
    let before = world.sim.stats().runs_started;
    let starts = (0..20).map(|_| {
        let request = Api::new(&world, &token)
            .request(
                reqwest::Method::POST,
                &format!("/api/v1/suites/{suite}/runs"),
            )
            .header("Idempotency-Key", "gh-123-1")
            .json(&json!({"labels": {"branch": "main"}}));
        tokio::spawn(async move { super::read(request.send().await.unwrap()).await })
    });
    let mut ids = Vec::new();
    for start in starts {
        let (status, body) = start.await.unwrap();
        assert!(
            status == StatusCode::CREATED || status == StatusCode::OK,
            "{status} {body}"
        );
        ids.push(body["data"]["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(
        world.sim.stats().runs_started - before,
        1,
        "one upstream run"
    );
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");

    // A later retry with the same key replays; another key starts another run.
    let api = Api::new(&world, &token);
    let replay = api
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/suites/{suite}/runs"),
        )
        .header("Idempotency-Key", "gh-123-1")
        .send()
        .await
        .unwrap();
    let (status, body) = super::read(replay).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["id"], ids[0].as_str());
    assert_eq!(body["data"]["labels"]["branch"], "main");
    let fresh = api
        .request(
            reqwest::Method::POST,
            &format!("/api/v1/suites/{suite}/runs"),
        )
        .header("Idempotency-Key", "gh-124-1")
        .send()
        .await
        .unwrap();
    assert_eq!(fresh.status(), StatusCode::CREATED);
    assert_eq!(world.sim.stats().runs_started - before, 2);
}

#[tokio::test]
async fn a_read_token_cannot_start_or_cancel_and_the_refusal_is_audited() {
    let world = RunsWorld::new().await;
    let (suite, _) = make_suite(&world, "Checkout", &["Pays [sim:pass]"]).await;
    let read = Api::new(&world, &create_token(&world, "Dashboards", "read").await);
    let (status, body) = read
        .post(&format!("/api/v1/suites/{suite}/runs"), &json!({}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "insufficient_scope")
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("run scope")
    );
    assert_eq!(world.sim.stats().runs_started, 0);
    let audit = world.admin.page("/audit").await;
    assert!(audit.contains("token.denied") && audit.contains("Dashboards"));
}

#[tokio::test]
async fn a_run_reads_back_with_attempts_labels_filters_and_exports() {
    let world = RunsWorld::new().await;
    let (suite, _) = make_suite(
        &world,
        "Checkout",
        &["Pays [sim:pass]", "Refunds [sim:fail]"],
    )
    .await;
    let api = Api::new(&world, &create_token(&world, "CI", "run").await);
    let labels = json!({"branch": "feature/x", "environment": "staging",
                        "build_url": "https://ci.example.com/b/7", "commit": "abc1234"});
    let (status, body) = api
        .post(
            &format!("/api/v1/suites/{suite}/runs"),
            &json!({"name": "nightly", "labels": labels}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let run_id = body["data"]["id"].as_str().unwrap().to_owned();
    let run = wait_finished(&api, &run_id).await;
    assert_eq!(run["labels"], labels);
    let attempts = run["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    let failed = attempts
        .iter()
        .find(|a| a["verdict"] == "fail")
        .expect("a failure");
    let (status, attempt) = api
        .get(&format!(
            "/api/v1/attempts/{}",
            failed["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(!attempt["data"]["transcript"].as_array().unwrap().is_empty());
    assert!(attempt["data"]["reasoning"].as_str().is_some());

    // Filters: by label, by status, by suite; bad filters are explained.
    let (_, listed) = api.get("/api/v1/runs?label=branch=feature/x").await;
    let ids: Vec<&str> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [run_id.as_str()]);
    let (_, none) = api.get("/api/v1/runs?label=branch=main").await;
    assert!(none["data"].as_array().unwrap().is_empty());
    let (_, by_suite) = api
        .get(&format!("/api/v1/suites/{suite}/runs?status=completed"))
        .await;
    assert_eq!(by_suite["data"].as_array().unwrap().len(), 1);
    let (status, body) = api.get("/api/v1/runs?status=done").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
    let (status, _) = api.get("/api/v1/runs?since=yesterday").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Labels are validated.
    let (status, body) = api
        .post(
            &format!("/api/v1/suites/{suite}/runs"),
            &json!({"labels": {"build_url": "javascript:x"}}),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
    );

    let junit = api
        .request(
            reqwest::Method::GET,
            &format!("/api/v1/runs/{run_id}/export.xml"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(junit.status(), StatusCode::OK);
    let xml = junit.text().await.unwrap();
    let doc = roxmltree::Document::parse(&xml).unwrap();
    assert_eq!(
        doc.descendants()
            .filter(|n| n.has_tag_name("testcase"))
            .count(),
        2
    );

    let (status, trend) = api
        .get(&format!("/api/v1/suites/{suite}/trend?branch=feature/x"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(trend["data"]["runs"], 1);
    assert_eq!(trend["data"]["pass_rate"], 0.5);
}

#[tokio::test]
async fn the_run_list_pages_by_cursor_without_gaps_or_repeats() {
    let world = RunsWorld::new().await;
    let api = Api::new(&world, &create_token(&world, "Reader", "read").await);
    let mut seen = Vec::new();
    let mut path = "/api/v1/runs?limit=7".to_owned();
    loop {
        let (status, body) = api.get(&path).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        seen.extend(
            body["data"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_owned()),
        );
        match body["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/runs?limit=7&cursor={cursor}"),
            None => break,
        }
    }
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM runs WHERE team_id = $1")
        .bind(world.team_id)
        .fetch_one(&world.app.db)
        .await
        .unwrap();
    assert!(total > 7, "the imported history spans pages");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len() as i64, unique.len() as i64), (total, total));
    let (status, body) = api.get("/api/v1/runs?cursor=garbage").await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
}

#[tokio::test]
async fn another_teams_run_and_attempt_are_not_found_and_cannot_be_cancelled() {
    let world = RunsWorld::with_speed(1.0).await;
    let (suite, _) = make_suite(&world, "Checkout", &["Pays [sim:pass]"]).await;
    let api = Api::new(&world, &create_token(&world, "CI", "run").await);
    let (_, body) = api
        .post(&format!("/api/v1/suites/{suite}/runs"), &json!({}))
        .await;
    let run_id = body["data"]["id"].as_str().unwrap().to_owned();

    let other = create_team(&world.app.db, "Other").await;
    let secret = ringside::auth::token::generate_api_token();
    sqlx::query(
        "INSERT INTO api_tokens (team_id, name, prefix, token_hash, scope) VALUES ($1, 'x', 'rst_x', $2, 'admin')",
    )
    .bind(other)
    .bind(ringside::auth::token::hash(&secret))
    .execute(&world.app.db)
    .await
    .unwrap();
    let outsider = Api::new(&world, &secret);
    for path in [
        format!("/api/v1/runs/{run_id}"),
        format!("/api/v1/suites/{suite}/runs"),
        format!("/api/v1/runs/{run_id}/export.csv"),
    ] {
        let (status, body) = outsider.get(&path).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "not_found"),
            "{path}"
        );
    }
    let (status, _) = outsider
        .post(&format!("/api/v1/runs/{run_id}/cancel"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = outsider
        .post(&format!("/api/v1/suites/{suite}/runs"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, listed) = outsider.get("/api/v1/runs").await;
    assert!(listed["data"].as_array().unwrap().is_empty());

    // The owner cancels it.
    let (status, body) = api
        .post(&format!("/api/v1/runs/{run_id}/cancel"), &json!({}))
        .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let run = wait_finished(&api, &run_id).await;
    assert_eq!(run["status"], "cancelled");
    let (status, body) = api
        .post(&format!("/api/v1/runs/{run_id}/cancel"), &json!({}))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::CONFLICT, "run_finished")
    );
}
