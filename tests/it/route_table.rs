//! Promises that hold route by route, over the whole router: every state-changing route refuses
//! a form without its CSRF token (403), and every route given another team's ids answers 404.
//!
//! The routes are read from the router's own source (`src/web`), so a state-changing route or
//! a route with ids that is missing from the tables below fails `the_tables_cover_every_route`.
//! To add a route: add a line to `STATE_CHANGING` (with the fields of a valid submission) and,
//! if it takes ids, make sure `Ids::fill` knows what its placeholders name.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use ringside::auth::Role;
use uuid::Uuid;

use crate::support::TestApp;
use crate::support::accounts::{Visitor, create_member, create_team, setup};
use crate::support::app::serve_args;
use crate::support::routes::declared_routes;
use crate::support::team_ids::Ids;

/// A method, a path as the router spells it, and form fields.
type Route = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// Every route that changes state, with the form fields a valid submission carries (without
/// the CSRF token). `{name}` in a value is filled like a path placeholder.
/// (`/setup` first: it exists only until the portal is set up.)
const STATE_CHANGING: &[Route] = &[
    (
        "POST",
        "/setup",
        &[
            ("team_name", "Again"),
            ("display_name", "Eve"),
            ("email", "eve@example.com"),
            ("password", "correct horse battery"),
        ],
    ),
    (
        "POST",
        "/login",
        &[
            ("email", "ada@example.com"),
            ("password", "correct horse battery"),
        ],
    ),
    ("POST", "/logout", &[]),
    ("POST", "/logout/everywhere", &[]),
    ("POST", "/account/name", &[("display_name", "Ada L.")]),
    (
        "POST",
        "/account/password",
        &[
            ("current_password", "correct horse battery"),
            ("new_password", "another horse battery"),
            ("confirm_password", "another horse battery"),
        ],
    ),
    ("POST", "/teams", &[("name", "Side project")]),
    ("POST", "/teams/switch", &[("team_id", "{team_id}")]),
    (
        "POST",
        "/team/invitations",
        &[("role", "viewer"), ("email", "new@example.com")],
    ),
    ("POST", "/team/invitations/{id}/revoke", &[]),
    ("POST", "/team/members/{user_id}/role", &[("role", "admin")]),
    ("POST", "/team/members/{user_id}/remove", &[]),
    ("POST", "/team/leave", &[]),
    ("POST", "/invite/{token}", &[]),
    (
        "POST",
        "/keys",
        &[
            ("label", "Another"),
            ("secret", "rr_sim_x_SECRETPLAIN_0000"),
        ],
    ),
    (
        "POST",
        "/keys/{id}/rotate",
        &[("secret", "rr_sim_x_SECRETPLAIN_0000")],
    ),
    ("POST", "/keys/{id}/revoke", &[]),
    ("POST", "/suites/refresh", &[]),
    (
        "POST",
        "/suites/{id}/runs",
        &[("form_token", "{form_token}"), ("name", "smoke")],
    ),
    ("POST", "/runs/{run_id}/cancel", &[]),
    (
        "POST",
        "/share",
        &[
            ("target_kind", "run"),
            ("target_id", "{run_id}"),
            ("expires", "7d"),
        ],
    ),
    ("POST", "/shares/{id}/revoke", &[]),
    ("POST", "/shares/by/{user_id}/revoke", &[]),
    (
        "POST",
        "/tokens",
        &[("name", "Nightly CI"), ("scope", "run"), ("expires", "90d")],
    ),
    ("POST", "/tokens/{id}/revoke", &[]),
    (
        "POST",
        "/runs/{run_id}/attempts/{attempt_id}/review",
        &[("kind", "false_failure"), ("comment", "The judge misheard")],
    ),
    (
        "POST",
        "/runs/{run_id}/attempts/{attempt_id}/review/delete",
        &[],
    ),
    (
        "POST",
        "/runs/{run_id}/reviews",
        &[
            ("attempt", "{attempt_id}"),
            ("kind", "flaky"),
            ("comment", "Line noise"),
        ],
    ),
    (
        "POST",
        "/known-issues",
        &[("title", "Transfers drop"), ("ticket_url", "")],
    ),
    (
        "POST",
        "/known-issues/{id}/status",
        &[("status", "resolved")],
    ),
    (
        "POST",
        "/known-issues/{id}/cases",
        &[("suite_id", "{suite_id}"), ("case_id", "a")],
    ),
    (
        "POST",
        "/suites/{id}/schedules",
        &[
            ("name", "Hourly"),
            ("mode", "cron"),
            ("cron", "0 * * * *"),
            ("timezone", "UTC"),
        ],
    ),
    ("POST", "/schedules/{id}/pause", &[]),
    ("POST", "/schedules/{id}/resume", &[]),
    ("POST", "/schedules/{id}/delete", &[]),
    (
        "POST",
        "/alerts/channels",
        &[
            ("kind", "email"),
            ("name", "Mail"),
            ("to", "qa@example.com"),
        ],
    ),
    ("POST", "/alerts/channels/{id}/test", &[]),
    ("POST", "/alerts/channels/{id}/delete", &[]),
    (
        "POST",
        "/alerts/rules",
        &[("channel_id", "{channel_id}"), ("kind", "new_failures")],
    ),
    ("POST", "/alerts/rules/{id}/delete", &[]),
];

/// Where the token-authenticated API lives: no sessions, so no CSRF; its isolation is by token.
const API_PREFIX: &str = "/api/";

/// Every route under [`API_PREFIX`] that the router declares with `.route(…)`: the document and
/// the catch-all that answers unknown API paths in JSON. The resources themselves are declared
/// through utoipa (`routes!`): `api::route_table` reads them from the OpenAPI document and tests
/// each with another team's token.
const API_ROUTES: &[(&str, &str)] = &[
    ("GET", "/api/v1/openapi.json"),
    ("GET", "/api/v1/{*rest}"),
    ("POST", "/api/v1/{*rest}"),
];

/// Routes that are not a team's data, or whose ids are a credential of their own.
const WITHOUT_TEAM_IDS: &[&str] = &["/invite/{token}", "/s/{token}", "/static/{*path}"];

/// Two teams on one portal: the admin of "Home", and "Away"'s ids.
async fn two_teams() -> (TestApp, Visitor, Ids, Ids) {
    two_teams_on(TestApp::spawn_with(serve_args(&["--no-sync"])).await).await
}

/// [`two_teams`] on a portal that is not set up yet.
async fn two_teams_on(app: TestApp) -> (TestApp, Visitor, Ids, Ids) {
    let (admin, home_team) = setup(&app, "Home").await;
    let admin_id: Uuid = sqlx::query_scalar("SELECT id FROM users")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let home = Ids::create(&app, home_team, admin_id, "Home").await;
    let away_team = create_team(&app.db, "Away").await;
    let away_admin = create_member(&app.db, "boss@away.example", away_team, Role::Admin).await;
    let away = Ids::create(&app, away_team, away_admin, "Away").await;
    (app, admin, home, away)
}

#[test]
fn the_tables_cover_every_route() {
    let declared = declared_routes();
    let api: BTreeSet<(String, String)> = declared
        .iter()
        .filter(|(_, path)| path.starts_with(API_PREFIX))
        .cloned()
        .collect();
    let listed_api: BTreeSet<(String, String)> = API_ROUTES
        .iter()
        .map(|(method, path)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    assert_eq!(
        api, listed_api,
        "API_ROUTES lists exactly the router's {API_PREFIX} routes (test each with another \
         team's token)"
    );
    let state_changing: BTreeSet<(String, String)> = declared
        .iter()
        .filter(|(method, path)| method != "GET" && !path.starts_with(API_PREFIX))
        .cloned()
        .collect();
    let listed: BTreeSet<(String, String)> = STATE_CHANGING
        .iter()
        .map(|(method, path, _)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    assert_eq!(
        state_changing, listed,
        "STATE_CHANGING lists exactly the router's state-changing routes"
    );
    assert!(declared.contains(&("GET".into(), "/runs/{run_id}/attempts/{attempt_id}".into())));
}

#[tokio::test]
async fn every_state_changing_route_refuses_a_form_without_its_csrf_token() {
    // First start: setting up is the only thing there is to do, and it needs the token too.
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (_, _, setup_fields) = STATE_CHANGING[0];
    let stranger = Visitor::new(&app);
    let _ = stranger.get("/setup").await;
    let response = stranger.post_raw("/setup", setup_fields).await;
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "POST /setup without a CSRF token"
    );
    let teams: i64 = sqlx::query_scalar("SELECT count(*) FROM teams")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(teams, 0, "nothing was set up");

    // Once set up, every other route.
    let (app, admin, home, _away) = two_teams_on(app).await;
    let audit_before: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&app.db)
        .await
        .unwrap();
    for (method, pattern, fields) in &STATE_CHANGING[1..] {
        assert_eq!(*method, "POST", "forms post");
        let path = home.fill(pattern);
        let response = admin.post_raw(&path, &as_pairs(&home.form(fields))).await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{method} {pattern} without a CSRF token"
        );
    }
    let audit_after: i64 = sqlx::query_scalar("SELECT count(*) FROM audit_log")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(audit_before, audit_after, "no refused form did anything");
    // Still signed in, still an admin: nothing was changed.
    assert_eq!(admin.get("/keys").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn every_route_given_another_teams_ids_answers_404() {
    let (app, admin, home, away) = two_teams().await;
    let mut checked = Vec::new();
    let with_ids = declared_routes().into_iter().filter(|(_, path)| {
        path.contains('{')
            && !WITHOUT_TEAM_IDS.contains(&path.as_str())
            && !path.starts_with(API_PREFIX)
    });
    for (method, pattern) in with_ids {
        let path = away.fill(&pattern);
        let response = if method == "GET" {
            admin.get(&path).await
        } else {
            let fields = STATE_CHANGING
                .iter()
                .find(|(m, p, _)| *m == method && *p == pattern)
                .map(|(_, _, fields)| away.form(fields))
                .unwrap_or_default();
            admin.post(&path, &as_pairs(&fields)).await
        };
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "{method} {pattern} with another team's ids"
        );
        checked.push(pattern);
    }
    assert!(checked.len() >= 15, "{checked:?}");

    // Ids in the query string or the form, and ids of two teams mixed in one path.
    let suite = away.suite.suite_id;
    let gets = [
        format!("/compare?run={}", away.run),
        format!("/compare?run={}&base={}", home.run, away.run),
        format!("/compare/case?run={}&case=a", away.run),
        format!("/runs/{}/attempts/{}", home.run, away.attempt),
        format!("/runs/{}/attempts/{}/recording", home.run, away.attempt),
        format!("/suites/{suite}/trend?range=all"),
    ];
    for path in gets {
        assert_eq!(
            admin.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "GET {path}"
        );
    }
    let posts: [(&str, Vec<(String, String)>); 3] = [
        (
            "/share",
            away.form(&[
                ("target_kind", "run"),
                ("target_id", "{run_id}"),
                ("expires", "7d"),
            ]),
        ),
        (
            "/share",
            away.form(&[
                ("target_kind", "suite"),
                ("target_id", &suite.to_string()),
                ("expires", "7d"),
            ]),
        ),
        ("/teams/switch", away.form(&[("team_id", "{team_id}")])),
    ];
    for (path, fields) in posts {
        let response = admin.post(path, &as_pairs(&fields)).await;
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "POST {path} {fields:?}"
        );
    }
    // Nothing of the other team's changed: its link, key, invitation and member are as they were.
    let (revoked_links, revoked_keys, revoked_invitations, away_members): (i64, i64, i64, i64) =
        sqlx::query_as(
            "SELECT (SELECT count(*) FROM share_links WHERE team_id = $1 AND revoked_at IS NOT NULL),
                    (SELECT count(*) FROM api_keys WHERE team_id = $1 AND revoked_at IS NOT NULL),
                    (SELECT count(*) FROM invitations WHERE team_id = $1 AND revoked_at IS NOT NULL),
                    (SELECT count(*) FROM memberships WHERE team_id = $1)",
        )
        .bind(away.team_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        (
            revoked_links,
            revoked_keys,
            revoked_invitations,
            away_members
        ),
        (0, 0, 0, 2)
    );
    let away_links: i64 = sqlx::query_scalar("SELECT count(*) FROM share_links WHERE team_id = $1")
        .bind(away.team_id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(away_links, 1, "no link to the other team's run was made");
}

fn as_pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(name, value)| (name.as_str(), value.as_str()))
        .collect()
}
