//! Teams and roles: isolation between teams, what viewers may not do, invitations, the last
//! admin, switching teams and the audit log.

use reqwest::StatusCode;
use ringside::auth::Role;
use ringside::crypto::MasterKey;
use uuid::Uuid;

use crate::support::TestApp;
use crate::support::accounts::{Visitor, create_member, create_team, location, member, setup};
use crate::support::upstream::stored_key;

async fn scalar(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.db).await.unwrap()
}

#[tokio::test]
async fn a_member_of_team_a_gets_404_for_every_team_b_url() {
    let app = TestApp::spawn().await;
    let (admin_a, _team_a) = setup(&app, "Team A").await;
    let team_b = create_team(&app.db, "Team B").await;
    let bob = create_member(&app.db, "bob@b.example", team_b, Role::Admin).await;
    let key_b = stored_key(
        &app,
        &MasterKey::generate(),
        team_b,
        "B production",
        "rr_b_secret_9999",
    )
    .await;
    let invitation_b: Uuid = sqlx::query_scalar(
        "INSERT INTO invitations (team_id, role, token_hash, expires_at)
         VALUES ($1, 'member', sha256('b-token'), now() + interval '1 day') RETURNING id",
    )
    .bind(team_b)
    .fetch_one(&app.db)
    .await
    .unwrap();

    // Admin of A: the role allows all of these, so only team scoping can refuse them.
    let posts = [
        (format!("/keys/{key_b}/revoke"), vec![]),
        (
            format!("/keys/{key_b}/rotate"),
            vec![("secret", "rr_new_secret_0000")],
        ),
        (
            format!("/team/members/{bob}/role"),
            vec![("role", "viewer")],
        ),
        (format!("/team/members/{bob}/remove"), vec![]),
        (format!("/team/invitations/{invitation_b}/revoke"), vec![]),
    ];
    for (path, fields) in &posts {
        let response = admin_a.post(path, fields).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let team_b_string = team_b.to_string();
    let response = admin_a
        .post("/teams/switch", &[("team_id", team_b_string.as_str())])
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    // Nothing of B's changed, and none of A's pages show it.
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL"
        )
        .await,
        1
    );
    assert_eq!(scalar(&app, "SELECT count(*) FROM memberships WHERE role = 'admin' AND user_id NOT IN (SELECT id FROM users WHERE email = 'ada@example.com')").await, 1);
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM invitations WHERE revoked_at IS NULL"
        )
        .await,
        1
    );
    for path in ["/", "/keys", "/team", "/audit", "/account"] {
        let html = admin_a.page(path).await;
        assert!(
            !html.contains("B production") && !html.contains("bob@b.example"),
            "{path}"
        );
        assert!(!html.contains("Team B"), "{path}");
    }
}

#[tokio::test]
async fn a_viewers_state_changing_requests_are_refused() {
    let app = TestApp::spawn().await;
    let (_admin, team) = setup(&app, "QA").await;
    let key = stored_key(
        &app,
        &MasterKey::generate(),
        team,
        "Production",
        "rr_live_abcd1234",
    )
    .await;
    let (viewer, viewer_id) = member(&app, "vic@example.com", team, Role::Viewer).await;
    let (member_visitor, _) = member(&app, "meg@example.com", team, Role::Member).await;
    let ada: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = 'ada@example.com'")
        .fetch_one(&app.db)
        .await
        .unwrap();

    let posts = [
        (
            "/keys".to_owned(),
            vec![("label", "Mine"), ("secret", "rr_x_1234")],
        ),
        (format!("/keys/{key}/rotate"), vec![("secret", "rr_x_1234")]),
        (format!("/keys/{key}/revoke"), vec![]),
        ("/team/invitations".to_owned(), vec![("role", "admin")]),
        (
            format!("/team/members/{viewer_id}/role"),
            vec![("role", "admin")],
        ),
        (format!("/team/members/{ada}/remove"), vec![]),
    ];
    for (path, fields) in &posts {
        for (who, visitor) in [("viewer", &viewer), ("member", &member_visitor)] {
            let response = visitor.post(path, fields).await;
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{who} {path}");
            assert!(response.text().await.unwrap().contains("Not allowed"));
        }
    }
    assert_eq!(viewer.get("/audit").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL"
        )
        .await,
        1
    );
    assert_eq!(scalar(&app, "SELECT count(*) FROM invitations").await, 0);
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM memberships WHERE role = 'admin'"
        )
        .await,
        1
    );

    // Reading is fine, and the page offers no controls the viewer cannot use.
    let keys = viewer.page("/keys").await;
    assert!(keys.contains("Production") && keys.contains("••••1234"));
    assert!(!keys.contains("Verify and save") && !keys.contains("Revoke"));
    let team_page = viewer.page("/team").await;
    assert!(!team_page.contains("Create invitation link"));
    assert!(!viewer.page("/").await.contains("href=\"/audit\""));
}

/// The invitation link shown once on the team page after creating it.
async fn create_invitation(admin: &Visitor, role: &str, email: &str) -> String {
    let response = admin
        .post("/team/invitations", &[("role", role), ("email", email)])
        .await;
    assert_eq!(location(&response), "/team");
    let html = admin.page("/team").await;
    let start = html.find("/invite/").expect("the link is shown");
    let token: String = html[start + "/invite/".len()..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    // Shown once only.
    assert!(!admin.page("/team").await.contains(&token));
    format!("/invite/{token}")
}

#[tokio::test]
async fn an_invitation_link_works_once_and_not_after_expiry() {
    let app = TestApp::spawn().await;
    let (admin, team) = setup(&app, "QA").await;
    let link = create_invitation(&admin, "member", "newbie@example.com").await;
    let token = link.trim_start_matches("/invite/");
    let stored: Vec<u8> = sqlx::query_scalar("SELECT token_hash FROM invitations")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, ringside::auth::token::hash(token), "stored hashed");

    let newbie = Visitor::new(&app);
    let page = newbie.page(&link).await;
    assert!(page.contains("Join QA") && page.contains("value=\"newbie@example.com\""));

    // Mistakes are explained inline.
    let response = newbie
        .post(
            &link,
            &[
                ("display_name", "Newbie"),
                ("email", "newbie@example.com"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("at least 10 characters")
    );

    let response = newbie
        .post(
            &link,
            &[
                ("display_name", "Newbie"),
                ("email", "newbie@example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/");
    let home = newbie.page("/").await;
    assert!(home.contains("Welcome to “QA”") && home.contains("Newbie"));
    let role: Role = sqlx::query_scalar(
        "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = 'newbie@example.com'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(role, Role::Member);

    // A second use fails, whoever tries.
    let latecomer = Visitor::new(&app);
    assert_eq!(latecomer.get(&link).await.status(), StatusCode::GONE);
    let response = latecomer
        .post(
            &link,
            &[
                ("display_name", "Late"),
                ("email", "late@example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM users WHERE email = 'late@example.com'"
        )
        .await,
        0
    );

    // An expired link fails too; an unknown one is simply not found.
    let expiring = create_invitation(&admin, "viewer", "").await;
    sqlx::query(
        "UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE accepted_at IS NULL",
    )
    .execute(&app.db)
    .await
    .unwrap();
    assert_eq!(latecomer.get(&expiring).await.status(), StatusCode::GONE);
    let response = latecomer
        .post(
            &expiring,
            &[
                ("display_name", "Late"),
                ("email", "late@example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::GONE);
    assert_eq!(
        latecomer.get("/invite/nonsense").await.status(),
        StatusCode::NOT_FOUND
    );

    // A signed-in user of another team joins with their own account, and can switch.
    let other_team = create_team(&app.db, "Other").await;
    let (carol, _) = member(&app, "carol@example.com", other_team, Role::Admin).await;
    let link = create_invitation(&admin, "viewer", "").await;
    assert!(carol.page(&link).await.contains("Signed in as"));
    assert_eq!(location(&carol.post(&link, &[]).await), "/");
    let home = carol.page("/").await;
    assert!(home.contains("<h1>QA</h1>") && home.contains("action=\"/teams/switch\""));
    let other = other_team.to_string();
    carol
        .post("/teams/switch", &[("team_id", other.as_str())])
        .await;
    assert!(carol.page("/").await.contains("<h1>Other</h1>"));
    let _ = team;

    let audit = admin.page("/audit").await;
    assert!(audit.contains("invited") && audit.contains("newbie@example.com as member"));
    assert!(audit.contains("joined"));
}

#[tokio::test]
async fn the_last_admin_cannot_leave_or_be_demoted() {
    let app = TestApp::spawn().await;
    let (admin, team) = setup(&app, "QA").await;
    let ada: Uuid = sqlx::query_scalar("SELECT id FROM users")
        .fetch_one(&app.db)
        .await
        .unwrap();

    let response = admin
        .post(&format!("/team/members/{ada}/role"), &[("role", "member")])
        .await;
    assert_eq!(location(&response), "/team");
    assert!(
        admin
            .page("/team")
            .await
            .contains("A team needs at least one admin")
    );
    let response = admin.post("/team/leave", &[]).await;
    assert_eq!(location(&response), "/team");
    assert!(
        admin
            .page("/team")
            .await
            .contains("A team needs at least one admin")
    );
    assert_eq!(
        scalar(
            &app,
            "SELECT count(*) FROM memberships WHERE role = 'admin'"
        )
        .await,
        1
    );

    // With a second admin, the first may step down; the second can then remove the first.
    let (second, bea) = member(&app, "bea@example.com", team, Role::Member).await;
    admin
        .post(&format!("/team/members/{bea}/role"), &[("role", "admin")])
        .await;
    let response = admin
        .post(&format!("/team/members/{ada}/role"), &[("role", "viewer")])
        .await;
    assert_eq!(location(&response), "/team");
    assert!(admin.page("/team").await.contains("is now Viewer"));
    assert_eq!(
        admin
            .post("/team/invitations", &[("role", "member")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    second
        .post(&format!("/team/members/{ada}/remove"), &[])
        .await;
    assert_eq!(scalar(&app, "SELECT count(*) FROM memberships").await, 1);
    // Ada belongs to no team now: she is sent to her account page to create one.
    assert_eq!(location(&admin.get("/").await), "/account");
    let audit = second.page("/audit").await;
    assert!(
        audit.contains("changed role of") && audit.contains("ada@example.com (admin → viewer)")
    );
    assert!(audit.contains("removed member"));
}

#[tokio::test]
async fn an_invitation_for_an_email_admits_only_that_address() {
    let app = TestApp::spawn().await;
    let (admin, team) = setup(&app, "QA").await;
    let link = create_invitation(&admin, "admin", "boss@example.com").await;

    // Someone else holding the link cannot create an account with it…
    let stranger = Visitor::new(&app);
    let response = stranger
        .post(
            &link,
            &[
                ("display_name", "Eve"),
                ("email", "eve@example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("This invitation is for boss@example.com")
    );
    let eve = "SELECT count(*) FROM users WHERE email = 'eve@example.com'";
    assert_eq!(scalar(&app, eve).await, 0);

    // …nor join while signed in as another account.
    let elsewhere = create_team(&app.db, "Elsewhere").await;
    let (mallory, mallory_id) = member(&app, "mallory@example.com", elsewhere, Role::Viewer).await;
    let response = mallory.post(&link, &[]).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let joined: i64 =
        sqlx::query_scalar("SELECT count(*) FROM memberships WHERE team_id = $1 AND user_id = $2")
            .bind(team)
            .bind(mallory_id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(joined, 0);

    // The invited address joins, whatever its case.
    let boss = Visitor::new(&app);
    let response = boss
        .post(
            &link,
            &[
                ("display_name", "Boss"),
                ("email", "Boss@Example.com"),
                ("password", "a long password"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/");
    let role: Role = sqlx::query_scalar(
        "SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
         WHERE lower(u.email) = 'boss@example.com' AND m.team_id = $1",
    )
    .bind(team)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(role, Role::Admin);
}
