//! Call details are kept per team once a call is over, so attempt pages and recordings, share
//! links' included, ask RevRing (`GET /calls/{id}`) once per finished call, not per view.

use reqwest::StatusCode;
use ringside::auth::Role;
use uuid::Uuid;

use crate::support::accounts::{create_team, location, member};
use crate::support::app::new_client;
use crate::support::hostile::rewriting_proxy;
use crate::support::html::Page;
use crate::support::upstream::{PRODUCTION, simulator};
use crate::support::views::ViewsFixture;
use crate::views::share::{create_link, path_of};

/// The simulator's counter of call-detail requests.
const GET_CALL: &str = "GET /v1/calls/{id}";

/// The call details as the attempt page shows them: duration, hangup cause, status.
fn call_cells(html: &str) -> Vec<String> {
    Page::parse(html).texts("table.kv.compact td")
}

/// How many call rows `team` keeps.
async fn kept(fx: &ViewsFixture, team: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM calls WHERE team_id = $1")
        .bind(team)
        .fetch_one(&fx.app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_finished_call_is_fetched_once_for_members_and_share_links() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let attempt = fx.failed_attempt(run.id).await;
    let link = path_of(&create_link(&fx.admin, "run", run.id, "7d").await);
    let member_path = format!("/runs/{}/attempts/{attempt}", run.id);
    let shared_path = format!("{link}/runs/{}/attempts/{attempt}", run.id);
    fx.sim.reset_stats();

    let first = call_cells(&fx.admin.page(&member_path).await);
    assert_eq!(first.len(), 3, "duration, hangup cause, status: {first:?}");
    assert!(first.iter().all(|cell| cell != "—"), "{first:?}");
    assert_eq!(fx.sim.stats().route(GET_CALL), 1);
    for _ in 0..3 {
        assert_eq!(call_cells(&fx.admin.page(&member_path).await), first);
        let shared = new_client().get(fx.app.url(&shared_path)).send().await;
        let shared = shared.unwrap();
        assert_eq!(shared.status(), StatusCode::OK);
        assert_eq!(call_cells(&shared.text().await.unwrap()), first);
    }
    let recordings = [
        fx.admin.get(&format!("{member_path}/recording")).await,
        new_client()
            .get(fx.app.url(&format!("{shared_path}/recording")))
            .send()
            .await
            .unwrap(),
    ];
    for response in recordings {
        assert_eq!(response.status(), StatusCode::OK);
        assert!(!response.bytes().await.unwrap().is_empty());
    }
    assert_eq!(
        fx.sim.stats().route(GET_CALL),
        1,
        "seven views and two recordings asked RevRing once"
    );
    assert_eq!(kept(&fx, fx.team_id).await, 1);
}

#[tokio::test]
async fn a_call_not_over_yet_is_fetched_again_and_kept_once() {
    // RevRing answers with a call status Ringside does not know: not over, as far as it knows.
    let sim = simulator().await;
    let origin = sim.base_url().trim_end_matches("/v1").to_owned();
    let proxy = rewriting_proxy(
        &origin,
        "\"status\":\"COMPLETED\"",
        "\"status\":\"WRAP_UP\"",
    )
    .await;
    let fx = ViewsFixture::reaching(sim, &format!("{proxy}/v1"), &[]).await;
    let run = fx.failing_run().await;
    let attempt = fx.failed_attempt(run.id).await;
    let path = format!("/runs/{}/attempts/{attempt}", run.id);
    fx.sim.reset_stats();

    for _ in 0..3 {
        let cells = call_cells(&fx.admin.page(&path).await);
        assert_eq!(
            cells.last().map(String::as_str),
            Some("Wrap up"),
            "{cells:?}"
        );
    }
    assert_eq!(fx.sim.stats().route(GET_CALL), 3);
    assert_eq!(kept(&fx, fx.team_id).await, 1, "re-fetches replace the row");
}

#[tokio::test]
async fn another_team_never_sees_a_kept_call() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let attempt = fx.failed_attempt(run.id).await;
    let call_id: String = sqlx::query_scalar("SELECT call_id FROM attempts WHERE id = $1")
        .bind(attempt)
        .fetch_one(&fx.app.db)
        .await
        .unwrap();

    // A second team with the same RevRing key holds the same calls in its own runs.
    let other_team = create_team(&fx.app.db, "Other QA").await;
    let (other, _) = member(&fx.app, "olga@example.com", other_team, Role::Admin).await;
    let response = other
        .post("/keys", &[("label", "Same org"), ("secret", PRODUCTION)])
        .await;
    assert_eq!(location(&response), "/keys");
    assert_eq!(
        other.post("/suites/refresh", &[]).await.status(),
        StatusCode::SEE_OTHER
    );
    let (other_run, other_attempt) = same_call_in(&fx, other_team, &call_id).await;
    fx.sim.reset_stats();

    fx.admin
        .page(&format!("/runs/{}/attempts/{attempt}", run.id))
        .await;
    assert_eq!(fx.sim.stats().route(GET_CALL), 1);
    let theirs = format!("/runs/{other_run}/attempts/{other_attempt}");
    other.page(&theirs).await;
    assert_eq!(
        fx.sim.stats().route(GET_CALL),
        2,
        "the other team's view is not served from the first team's row"
    );
    other.page(&theirs).await;
    assert_eq!(fx.sim.stats().route(GET_CALL), 2);
    assert_eq!(kept(&fx, fx.team_id).await, 1);
    assert_eq!(kept(&fx, other_team).await, 1);
    let mine = format!("/runs/{}/attempts/{attempt}", run.id);
    assert_eq!(other.get(&mine).await.status(), StatusCode::NOT_FOUND);
}

/// Waits until `team` has synced an attempt of call `call_id`; its run and attempt.
async fn same_call_in(fx: &ViewsFixture, team: Uuid, call_id: &str) -> (Uuid, Uuid) {
    for _ in 0..900 {
        let found: Option<(Uuid, Uuid)> =
            sqlx::query_as("SELECT run_id, id FROM attempts WHERE team_id = $1 AND call_id = $2")
                .bind(team)
                .bind(call_id)
                .fetch_optional(&fx.app.db)
                .await
                .unwrap();
        if let Some(found) = found {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the other team never synced call {call_id}");
}

#[tokio::test]
async fn an_expired_recording_link_is_replaced_by_asking_revring_once_more() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let attempt = fx.failed_attempt(run.id).await;
    let path = format!("/runs/{}/attempts/{attempt}", run.id);
    fx.admin.page(&path).await;
    let kept_url: String = sqlx::query_scalar("SELECT recording_url FROM calls")
        .fetch_one(&fx.app.db)
        .await
        .unwrap();
    // The kept link stops working upstream.
    sqlx::query("UPDATE calls SET recording_url = $1")
        .bind(format!("{}/recordings/expired.wav", fx.sim.base_url()))
        .execute(&fx.app.db)
        .await
        .unwrap();
    fx.sim.reset_stats();

    let response = fx.admin.get(&format!("{path}/recording")).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(fx.sim.stats().route(GET_CALL), 1, "asked for the call once");
    let renewed: String = sqlx::query_scalar("SELECT recording_url FROM calls")
        .fetch_one(&fx.app.db)
        .await
        .unwrap();
    assert_eq!(renewed, kept_url, "the new link is kept");
    let again = fx.admin.get(&format!("{path}/recording")).await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(fx.sim.stats().route(GET_CALL), 1);
}
