//! Share links: created by members, shown logged out, limited to their target, ended by
//! revocation or expiry with a 410, stored hashed.

use reqwest::StatusCode;
use ringside::auth::Role;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::ViewsFixture;
use super::fixture::PickedRun;
use crate::support::accounts::{ADMIN_EMAIL, Visitor, location, member};
use crate::support::app::new_client;

/// Creates a link as `who`; returns its URL as shown once on `/shares`.
pub(crate) async fn create_link(who: &Visitor, kind: &str, target: Uuid, expires: &str) -> String {
    let target = target.to_string();
    let response = who
        .post(
            "/share",
            &[
                ("target_kind", kind),
                ("target_id", &target),
                ("expires", expires),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/shares");
    let page = who.page("/shares").await;
    let marker = "id=\"share-link\"";
    assert!(page.contains(marker), "{page}");
    let start = page.find("readonly value=\"").unwrap() + "readonly value=\"".len();
    page[start..].chars().take_while(|c| *c != '"').collect()
}

fn path_of(link: &str) -> String {
    let start = link.find("/s/").expect("a share path");
    link[start..].to_owned()
}

async fn anonymous(path: &str, fx: &ViewsFixture) -> reqwest::Response {
    new_client().get(fx.app.url(path)).send().await.unwrap()
}

async fn first_attempt(fx: &ViewsFixture, run: &PickedRun) -> Uuid {
    fx.attempts(run.id).await[0].0
}

#[tokio::test]
async fn a_run_link_shows_that_run_logged_out_and_nothing_else() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let link = create_link(&fx.admin, "run", run.id, "7d").await;
    let path = path_of(&link);
    let token = path.trim_start_matches("/s/").to_owned();
    assert!(token.len() >= 22, "at least 128 random bits");

    let response = anonymous(&path, &fx).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    assert!(
        response.headers()["x-robots-tag"]
            .to_str()
            .unwrap()
            .contains("noindex")
    );
    assert!(
        response.headers().get("set-cookie").is_none(),
        "no session for visitors"
    );
    let page = response.text().await.unwrap();
    assert!(page.contains("noindex") && page.contains("Attempts by test case"));
    for leak in [
        ADMIN_EMAIL,
        "/keys",
        "csrf_token",
        "Sign out",
        "href=\"/runs",
        "href=\"/suites",
    ] {
        assert!(!page.contains(leak), "shared page leaks {leak:?}");
    }

    // The run's attempts and recordings are reachable below the link; exports too.
    let attempt = fx.failed_attempt(run.id).await;
    let attempt_path = format!("{path}/runs/{}/attempts/{attempt}", run.id);
    let page = anonymous(&attempt_path, &fx).await.text().await.unwrap();
    assert!(page.contains("Conversation") && !page.contains(ADMIN_EMAIL));
    let audio = anonymous(&format!("{attempt_path}/recording"), &fx).await;
    assert_eq!(audio.status(), StatusCode::OK);
    assert_eq!(&audio.bytes().await.unwrap()[..4], b"RIFF");
    let junit = anonymous(&format!("{path}/runs/{}/export.xml", run.id), &fx).await;
    assert_eq!(junit.status(), StatusCode::OK);

    // Never another run, of this suite or another, nor their attempts.
    let sibling = fx.other_run(&run, true).await;
    let stranger = fx.other_run(&run, false).await;
    for other in [&sibling, &stranger] {
        let other_attempt = first_attempt(&fx, other).await;
        for probe in [
            format!("{path}/runs/{}", other.id),
            format!("{path}/runs/{}/attempts/{other_attempt}", other.id),
            format!("{path}/runs/{}/attempts/{other_attempt}", run.id),
            format!(
                "{path}/runs/{}/attempts/{other_attempt}/recording",
                other.id
            ),
            format!("{path}/runs/{}/export.csv", other.id),
        ] {
            let response = anonymous(&probe, &fx).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{probe}");
        }
    }

    // Stored hashed.
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM share_links")
        .fetch_one(&fx.app.db)
        .await
        .unwrap();
    assert_eq!(stored, Sha256::digest(token.as_bytes()).to_vec());
    let dump: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM share_links WHERE position($1::bytea IN token_hash) > 0",
    )
    .bind(token.as_bytes())
    .fetch_one(&fx.app.db)
    .await
    .unwrap();
    assert_eq!(dump, 0, "the token itself is not stored");

    // Revoked: 410 everywhere below the link.
    let id: Uuid = sqlx::query_scalar("SELECT id FROM share_links")
        .fetch_one(&fx.app.db)
        .await
        .unwrap();
    let response = fx.admin.post(&format!("/shares/{id}/revoke"), &[]).await;
    assert_eq!(location(&response), "/shares");
    for gone in [path.clone(), attempt_path] {
        let response = anonymous(&gone, &fx).await;
        assert_eq!(response.status(), StatusCode::GONE, "{gone}");
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("expired or was revoked")
        );
    }
    assert!(fx.admin.page("/shares").await.contains("revoked"));
    let unknown = anonymous("/s/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", &fx).await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn expired_links_answer_410_and_suite_links_show_only_their_suite() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let link = path_of(&create_link(&fx.admin, "run", run.id, "1d").await);
    assert_eq!(anonymous(&link, &fx).await.status(), StatusCode::OK);
    sqlx::query("UPDATE share_links SET expires_at = now() - interval '1 second'")
        .execute(&fx.app.db)
        .await
        .unwrap();
    assert_eq!(anonymous(&link, &fx).await.status(), StatusCode::GONE);

    let suite_link = path_of(&create_link(&fx.admin, "suite", run.suite_id, "never").await);
    let page = anonymous(&suite_link, &fx).await.text().await.unwrap();
    assert!(
        page.contains(&format!("{suite_link}/runs/{}", run.id)),
        "{suite_link} {} {page}",
        run.id
    );
    let sibling = fx.other_run(&run, true).await;
    let stranger = fx.other_run(&run, false).await;
    assert!(!page.contains(&stranger.id.to_string()));
    let sibling_page = anonymous(&format!("{suite_link}/runs/{}", sibling.id), &fx).await;
    assert_eq!(sibling_page.status(), StatusCode::OK);
    let foreign = anonymous(&format!("{suite_link}/runs/{}", stranger.id), &fx).await;
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn members_create_and_revoke_their_links_admins_see_all_viewers_cannot_share() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let (bob, _) = member(&fx.app, "bob@example.com", fx.team_id, Role::Member).await;
    let (vic, _) = member(&fx.app, "vic@example.com", fx.team_id, Role::Viewer).await;
    create_link(&bob, "run", run.id, "30d").await;
    create_link(&fx.admin, "suite", run.suite_id, "7d").await;

    let bobs = bob.page("/shares").await;
    assert_eq!(
        bobs.matches("/revoke\"").count(),
        1,
        "bob sees his own link only"
    );
    let admins = fx.admin.page("/shares").await;
    assert_eq!(
        admins.matches("/revoke\"").count(),
        2,
        "the admin sees both"
    );
    assert!(admins.contains("bob"));

    let admin_link: Uuid =
        sqlx::query_scalar("SELECT id FROM share_links WHERE target_kind = 'suite'")
            .fetch_one(&fx.app.db)
            .await
            .unwrap();
    let refused = bob.post(&format!("/shares/{admin_link}/revoke"), &[]).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    let target = run.id.to_string();
    let fields = [
        ("target_kind", "run"),
        ("target_id", target.as_str()),
        ("expires", "7d"),
    ];
    assert_eq!(
        vic.post("/share", &fields).await.status(),
        StatusCode::FORBIDDEN
    );
    let trend = [
        ("target_kind", "suite_trend"),
        ("target_id", target.as_str()),
        ("expires", "7d"),
    ];
    assert_eq!(
        bob.post("/share", &trend).await.status(),
        StatusCode::NOT_FOUND,
        "a trend link names a suite, not a run"
    );
    let unknown = Uuid::new_v4().to_string();
    let missing = [
        ("target_kind", "run"),
        ("target_id", unknown.as_str()),
        ("expires", "7d"),
    ];
    assert_eq!(
        bob.post("/share", &missing).await.status(),
        StatusCode::NOT_FOUND
    );
    let audit: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'share.created'")
            .fetch_one(&fx.app.db)
            .await
            .unwrap();
    assert_eq!(audit, 2);
}

#[tokio::test]
async fn a_trend_link_shows_the_suite_trend_logged_out_and_nothing_else() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let trend_page = fx
        .admin
        .page(&format!("/suites/{}/trend", run.suite_id))
        .await;
    assert!(
        trend_page.contains("value=\"suite_trend\""),
        "members get a share button"
    );

    let link = path_of(&create_link(&fx.admin, "suite_trend", run.suite_id, "30d").await);
    let response = anonymous(&link, &fx).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
    assert!(response.headers().get("set-cookie").is_none());
    let page = response.text().await.unwrap();
    assert!(page.contains("<svg"), "the charts are in the page");
    assert!(page.contains("Pass rate per run"));
    assert!(!page.contains("href=\"/runs/"), "no links into the team");
    assert!(!page.contains(ADMIN_EMAIL));
    // It opens no run: run paths under a trend link are refused.
    let below = anonymous(&format!("{link}/runs/{}", run.id), &fx).await;
    assert_eq!(below.status(), StatusCode::NOT_FOUND);

    sqlx::query("UPDATE share_links SET revoked_at = now() WHERE target_kind = 'suite_trend'")
        .execute(&fx.app.db)
        .await
        .unwrap();
    assert_eq!(anonymous(&link, &fx).await.status(), StatusCode::GONE);
}
