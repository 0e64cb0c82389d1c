//! Anonymous pages with forms store no session: their CSRF token lives in a signed cookie, and
//! a session row appears only when someone signs in.

use reqwest::StatusCode;
use reqwest::header::SET_COOKIE;

use crate::support::TestApp;
use crate::support::accounts::{ADMIN_EMAIL, PASSWORD, Visitor, csrf_in, location, setup};
use crate::support::app::new_client;

/// Rows in the session store.
async fn sessions(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM tower_sessions.session")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// Whether a response sets the session cookie.
fn sets_session(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|value| value.to_str().unwrap().contains("ringside_session="))
}

#[tokio::test]
async fn crawlers_and_failed_sign_ins_leave_no_session_rows() {
    let app = TestApp::spawn().await;
    for _ in 0..5 {
        let response = new_client().get(app.url("/setup")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(!sets_session(&response));
    }
    assert_eq!(
        sessions(&app).await,
        0,
        "the first-start page stored nothing"
    );
    let (admin, _) = setup(&app, "QA").await;
    let before = sessions(&app).await;
    assert_eq!(before, 1, "the admin's session");

    for _ in 0..20 {
        let response = new_client().get(app.url("/login")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(!sets_session(&response));
        assert!(csrf_in(&response.text().await.unwrap()).is_some());
    }
    let invitation = admin
        .post(
            "/team/invitations",
            &[("role", "member"), ("email", "new@example.com")],
        )
        .await;
    assert_eq!(invitation.status(), StatusCode::SEE_OTHER);
    let team_page = admin.page("/team").await;
    let start = team_page.find("/invite/").expect("the invitation link");
    let invite: String = team_page[start..]
        .chars()
        .take_while(|c| !matches!(c, '"' | '<' | ' '))
        .collect();
    let response = new_client().get(app.url(&invite)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{invite}");
    assert!(!sets_session(&response));
    assert_eq!(sessions(&app).await, before, "crawling stored nothing");

    // A wrong password, a missing token and another visitor's token store nothing either.
    let visitor = Visitor::new(&app);
    let wrong = visitor.login(ADMIN_EMAIL, "not the password").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(!sets_session(&wrong));
    let missing = visitor
        .post_raw("/login", &[("email", ADMIN_EMAIL), ("password", PASSWORD)])
        .await;
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    let foreign = Visitor::new(&app).csrf().await;
    let mismatched = visitor
        .post_raw(
            "/login",
            &[
                ("email", ADMIN_EMAIL),
                ("password", PASSWORD),
                ("csrf_token", &foreign),
            ],
        )
        .await;
    assert_eq!(mismatched.status(), StatusCode::FORBIDDEN);
    assert_eq!(sessions(&app).await, before);

    // Signing in still works, and only it creates a session.
    let signed_in = visitor.login(ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    assert!(sets_session(&signed_in));
    assert_eq!(sessions(&app).await, before + 1);
    assert_eq!(visitor.get("/team").await.status(), StatusCode::OK);

    // Signing out everywhere leaves nothing stored for the signed-out visitor either.
    let out = visitor.post("/logout/everywhere", &[]).await;
    assert_eq!(location(&out), "/login?signed_out=everywhere");
    assert!(!sets_session(&visitor.get(&location(&out)).await));
    assert_eq!(
        sessions(&app).await,
        before,
        "the visitor's session is gone"
    );
}

#[tokio::test]
async fn the_form_cookie_is_strict_http_only_and_signed() {
    let app = TestApp::spawn().await;
    setup(&app, "QA").await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client.get(app.url("/login")).send().await.unwrap();
    let cookie = page.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(cookie.starts_with("ringside_csrf="), "{cookie}");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    let value = cookie["ringside_csrf=".len()..]
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let token = csrf_in(&page.text().await.unwrap()).unwrap();
    let sign_in = |cookie: String, token: String| {
        client
            .post(app.url("/login"))
            .header("cookie", cookie)
            .form(&[
                ("email", ADMIN_EMAIL),
                ("password", PASSWORD),
                ("csrf_token", token.as_str()),
            ])
            .send()
    };

    // A cookie Ringside did not sign is refused even when the field matches it.
    let forged = format!("{}0", value);
    let response = sign_in(format!("ringside_csrf={forged}"), forged)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // The page's token without its cookie is refused.
    let response = sign_in(String::new(), token.clone()).await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    // The pair goes through.
    let response = sign_in(format!("ringside_csrf={value}"), token)
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
}
