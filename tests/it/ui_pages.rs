//! Pages that read right: malformed addresses, confirm steps before destructive actions, the
//! account page's name and password, and what a share link's viewer is told.

use reqwest::StatusCode;
use ringside::auth::Role;
use uuid::Uuid;

use crate::support::TestApp;
use crate::support::accounts::{ADMIN_EMAIL, PASSWORD, Visitor, location, member, setup};
use crate::support::app::{new_client, serve_args};
use crate::support::views::ViewsFixture;
use crate::views::share::{create_link, path_of};

#[tokio::test]
async fn ui_pages_malformed_ids_are_404_and_bad_query_values_a_plain_400() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, _) = setup(&app, "QA").await;
    for path in [
        "/suites/not-a-uuid",
        "/suites/not-a-uuid/trend",
        "/runs/12345",
        "/keys/nope/revoke",
        "/team/members/nope/remove",
    ] {
        assert_eq!(
            admin.get(path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let response = admin.get("/compare?run=not-a-uuid").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = response.text().await.unwrap();
    assert!(body.contains("“run”"), "names the field: {body}");
    for parser_words in ["UUID", "deserialize", "invalid character"] {
        assert!(!body.contains(parser_words), "{parser_words}: {body}");
    }
    let response = admin.get("/runs?page=first").await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body = response.text().await.unwrap();
    assert!(
        body.contains("“page”") && !body.contains("deserialize"),
        "{body}"
    );
}

#[tokio::test]
async fn ui_pages_destructive_actions_ask_first_without_scripts() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let (_, bob) = member(&app, "bob@example.com", team_id, Role::Member).await;

    let team = admin.page("/team").await;
    let remove = format!("/team/members/{bob}/remove");
    assert!(
        team.contains(&format!(
            "<a href=\"{remove}\" class=\"button danger small confirm-link\""
        )),
        "removing is a link to its confirm step: {team}"
    );
    assert!(
        !team.contains(&format!("<form method=\"post\" action=\"{remove}\"")),
        "no one-click removal"
    );
    let ask = admin.page(&remove).await;
    assert!(ask.contains("<h1>Remove bob from “QA”?</h1>"), "{ask}");
    assert!(ask.contains(&format!("<form method=\"post\" action=\"{remove}\"")));
    assert!(ask.contains("href=\"/team\" class=\"button secondary\">Keep it</a>"));
    assert!(
        admin.page("/team").await.contains("bob@example.com"),
        "still a member"
    );
    let unknown = format!("/team/members/{}/remove", Uuid::new_v4());
    assert_eq!(admin.get(&unknown).await.status(), StatusCode::NOT_FOUND);
    let done = admin.post(&remove, &[]).await;
    assert_eq!(location(&done), "/team");
    assert!(
        !admin.page("/team").await.contains(&remove),
        "bob is no longer listed"
    );

    let leave = admin.page("/team/leave").await;
    assert!(leave.contains("<h1>Leave “QA”?</h1>"), "{leave}");
    assert!(leave.contains("<form method=\"post\" action=\"/team/leave\""));
}

#[tokio::test]
async fn ui_pages_account_name_and_password_change_and_sign_out_other_sessions() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, _) = setup(&app, "QA").await;
    let elsewhere = Visitor::new(&app);
    assert_eq!(
        elsewhere.login(ADMIN_EMAIL, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    let account = admin.page("/account").await;
    assert!(
        account.contains("href=\"/suites\""),
        "the account page keeps the main navigation"
    );

    let renamed = admin
        .post("/account/name", &[("display_name", "  Ada Lovelace ")])
        .await;
    assert_eq!(location(&renamed), "/account");
    assert!(admin.page("/account").await.contains("Ada Lovelace"));
    let empty = admin.post("/account/name", &[("display_name", " ")]).await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let new_password = "a much longer new secret";
    let wrong = admin
        .post(
            "/account/password",
            &[
                ("current_password", "not it at all"),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("That is not your current password.")
    );
    assert_eq!(
        elsewhere.get("/account").await.status(),
        StatusCode::OK,
        "nothing changed yet"
    );

    let changed = admin
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", new_password),
                ("confirm_password", new_password),
            ],
        )
        .await;
    assert_eq!(location(&changed), "/account");
    assert_eq!(
        admin.get("/account").await.status(),
        StatusCode::OK,
        "this session stays signed in"
    );
    let other = elsewhere.get("/account").await;
    assert_eq!(
        other.status(),
        StatusCode::SEE_OTHER,
        "the other session ended"
    );
    assert!(location(&other).starts_with("/login"));

    let fresh = Visitor::new(&app);
    assert_ne!(
        fresh.login(ADMIN_EMAIL, PASSWORD).await.status(),
        StatusCode::SEE_OTHER,
        "the old password no longer works"
    );
    assert_eq!(
        fresh.login(ADMIN_EMAIL, new_password).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn ui_pages_a_share_link_names_its_team_and_expiry() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let path = path_of(&create_link(&fx.admin, "run", run.id, "7d").await);
    let html = new_client()
        .get(fx.app.url(&path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html
        .find("id=\"share-note\"")
        .expect("a note on the shared page");
    let note = &html[start..start + html[start..].find("</p>").unwrap()];
    assert!(note.contains("<strong>Voice QA</strong>"), "{note}");
    assert!(
        note.contains("this link expires") && note.contains("<time datetime=\""),
        "{note}"
    );

    // The members' own page has no such note.
    let own = fx.admin.page(&format!("/runs/{}", run.id)).await;
    assert!(!own.contains("id=\"share-note\""));

    // Revoking the link and the team's key asks first, naming what goes.
    let link_id: Uuid =
        sqlx::query_scalar("SELECT id FROM share_links WHERE team_id = $1 AND target_id = $2")
            .bind(fx.team_id)
            .bind(run.id)
            .fetch_one(&fx.app.db)
            .await
            .unwrap();
    let ask = fx.admin.page(&format!("/shares/{link_id}/revoke")).await;
    assert!(ask.contains("<h1>Revoke this share link?</h1>"), "{ask}");
    assert!(ask.contains(&format!("action=\"/shares/{link_id}/revoke\"")));
    let key_id: Uuid = sqlx::query_scalar("SELECT id FROM api_keys WHERE team_id = $1")
        .bind(fx.team_id)
        .fetch_one(&fx.app.db)
        .await
        .unwrap();
    let ask = fx.admin.page(&format!("/keys/{key_id}/revoke")).await;
    assert!(
        ask.contains("<h1>Revoke the key “Production”?</h1>"),
        "{ask}"
    );
    let still = new_client().get(fx.app.url(&path)).send().await.unwrap();
    assert_eq!(still.status(), StatusCode::OK, "asking revokes nothing");

    // A new link is offered once, with a copy button (shown by the script).
    let target = run.id.to_string();
    let made = fx
        .admin
        .post(
            "/share",
            &[
                ("target_kind", "run"),
                ("target_id", &target),
                ("expires", "never"),
            ],
        )
        .await;
    assert_eq!(location(&made), "/shares");
    let shares = fx.admin.page("/shares").await;
    assert!(shares.contains("data-copy=\"share-link\""), "{shares}");
}

#[tokio::test]
async fn ui_pages_suites_name_their_target_agents() {
    let fx = ViewsFixture::new().await;
    let agents: serde_json::Value = new_client()
        .get(format!("{}/agents", fx.sim.base_url()))
        .header("x-api-key", crate::support::upstream::PRODUCTION)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let target: String = sqlx::query_scalar(
        "SELECT target_agent_id FROM suites WHERE team_id = $1 ORDER BY lower(name) LIMIT 1",
    )
    .bind(fx.team_id)
    .fetch_one(&fx.app.db)
    .await
    .unwrap();
    let name = agents["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|agent| agent["id"] == target.as_str())
        .and_then(|agent| agent["name"].as_str())
        .expect("RevRing names the suite's target agent")
        .replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;");
    let suites = fx.admin.page("/suites").await;
    assert!(
        suites.contains(&format!("<span title=\"Agent {target}\">{name}</span>")),
        "the agent's name, not its id: {suites}"
    );
}
