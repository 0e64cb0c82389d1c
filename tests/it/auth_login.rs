//! First-start setup, signing in and out, sessions and login throttling, over real HTTP.

use reqwest::StatusCode;
use ringside::auth::Role;

use crate::support::TestApp;
use crate::support::accounts::{ADMIN_EMAIL, PASSWORD, Visitor, location, member, setup};

#[tokio::test]
async fn setup_exists_only_while_there_is_no_user() {
    let app = TestApp::spawn().await;
    let visitor = Visitor::new(&app);
    for path in ["/", "/login", "/team", "/keys"] {
        let response = visitor.get(path).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER, "{path}");
        assert_eq!(location(&response), "/setup");
    }

    // Invalid input is explained next to each field, and what was typed is kept.
    let response = visitor
        .post(
            "/setup",
            &[
                ("team_name", "QA"),
                ("display_name", ""),
                ("email", "not-an-email"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = response.text().await.unwrap();
    assert!(html.contains("Enter your name."), "{html}");
    assert!(html.contains("Enter an email address"));
    assert!(html.contains("at least 10 characters"));
    assert!(html.contains("value=\"QA\"") && html.contains("value=\"not-an-email\""));
    assert!(
        !html.contains("value=\"short\""),
        "passwords are never echoed"
    );

    let (admin, _) = setup(&app, "QA").await;
    let home = admin.page("/").await;
    assert!(home.contains("<h1>QA</h1>"), "{home}");
    assert!(home.contains("Ada Admin"));
    let role: Role = sqlx::query_scalar("SELECT role FROM memberships")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(role, Role::Admin);

    // Setup is gone for good, for everyone.
    assert_eq!(admin.get("/setup").await.status(), StatusCode::NOT_FOUND);
    let stranger = Visitor::new(&app);
    assert_eq!(stranger.get("/setup").await.status(), StatusCode::NOT_FOUND);
    let again = stranger
        .post_raw("/setup", &[("team_name", "Evil"), ("email", "e@x.io")])
        .await;
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
    assert_eq!(location(&stranger.get("/").await), "/login");
}

#[tokio::test]
async fn the_session_id_changes_at_login_and_the_old_one_is_worthless() {
    let app = TestApp::spawn().await;
    setup(&app, "QA").await;
    let visitor = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login_page = visitor.get(app.url("/login")).send().await.unwrap();
    assert_eq!(
        Visitor::session_cookie(&login_page),
        None,
        "the form needs no session"
    );
    let form_cookie = login_page.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let token = crate::support::accounts::csrf_in(&login_page.text().await.unwrap()).unwrap();

    // An id planted before sign-in (fixation) is not the one the sign-in gets.
    let before = "AAAAAAAAAAAAAAAAAAAAAA";
    let response = visitor
        .post(app.url("/login"))
        .header(
            "cookie",
            format!("{form_cookie}; ringside_session={before}"),
        )
        .form(&[
            ("email", ADMIN_EMAIL),
            ("password", PASSWORD),
            ("csrf_token", &token),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .map(|value| value.to_str().unwrap().to_owned())
        .find(|value| value.starts_with("ringside_session="))
        .expect("a session cookie");
    let after = Visitor::session_cookie(&response).expect("a new session cookie");
    assert_ne!(before, after, "a new session id at login");
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"));
    assert!(!cookie.contains("Secure"), "plain http: no Secure flag");
    let home = |id: String| {
        visitor
            .get(app.url("/"))
            .header("cookie", format!("ringside_session={id}"))
            .send()
    };
    assert_eq!(home(after).await.unwrap().status(), StatusCode::OK);

    // Someone holding the planted id is not signed in.
    let response = home(before.to_owned()).await.unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), "/login");
}

#[tokio::test]
async fn an_https_public_url_makes_the_cookie_secure() {
    let app = TestApp::spawn_with(crate::support::app::serve_args(&[
        "--public-url",
        "https://ringside.example.com",
    ]))
    .await;
    let response = Visitor::new(&app).get("/setup").await;
    let cookie = response.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap();
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

#[tokio::test]
async fn failures_say_the_same_for_unknown_emails_and_wrong_passwords_and_are_throttled() {
    let app = TestApp::spawn().await;
    setup(&app, "QA").await;
    let visitor = Visitor::new(&app);

    let unknown = visitor.login("nobody@example.com", PASSWORD).await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    let unknown = unknown.text().await.unwrap();
    let wrong = visitor.login(ADMIN_EMAIL, "wrong password!").await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong = wrong.text().await.unwrap();
    assert!(unknown.contains("Incorrect email or password."));
    assert!(wrong.contains("Incorrect email or password."));
    assert!(
        wrong.contains(&format!("value=\"{ADMIN_EMAIL}\"")),
        "email kept"
    );

    // Five failures on one account make the next attempt wait, even with the right password.
    for _ in 0..4 {
        visitor
            .login(&ADMIN_EMAIL.to_uppercase(), "nope nope nope")
            .await;
    }
    let locked = visitor.login(ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(
        locked
            .text()
            .await
            .unwrap()
            .contains("Too many failed sign-in attempts")
    );

    // Another account from the same address is not locked yet…
    let team: uuid::Uuid = sqlx::query_scalar("SELECT id FROM teams")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let (_other, _) = member(&app, "bob@example.com", team, Role::Member).await;

    // …but the address is, after enough failures across accounts.
    for n in 0..30 {
        visitor
            .login(&format!("spray{n}@example.com"), "guess guess")
            .await;
    }
    let response = visitor.login("bob@example.com", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn next_redirects_stay_on_this_site() {
    let app = TestApp::spawn().await;
    setup(&app, "QA").await;

    let visitor = Visitor::new(&app);
    let response = visitor.get("/team?tab=members").await;
    assert_eq!(location(&response), "/login?next=%2Fteam%3Ftab%3Dmembers");

    let response = visitor
        .post(
            "/login",
            &[
                ("email", ADMIN_EMAIL),
                ("password", PASSWORD),
                ("next", "/team?tab=members"),
            ],
        )
        .await;
    assert_eq!(location(&response), "/team?tab=members");

    for evil in [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
    ] {
        let visitor = Visitor::new(&app);
        let response = visitor
            .post(
                "/login",
                &[
                    ("email", ADMIN_EMAIL),
                    ("password", PASSWORD),
                    ("next", evil),
                ],
            )
            .await;
        assert_eq!(location(&response), "/", "{evil}");
        // A signed-in visit to /login?next=… is checked the same way.
        let response = visitor.get(&format!("/login?next={evil}")).await;
        assert_eq!(location(&response), "/", "{evil}");
    }
}

#[tokio::test]
async fn sign_out_ends_one_session_and_sign_out_everywhere_ends_all() {
    let app = TestApp::spawn().await;
    let (laptop, _) = setup(&app, "QA").await;
    let phone = Visitor::new(&app);
    assert_eq!(
        phone.login(ADMIN_EMAIL, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let tablet = Visitor::new(&app);
    assert_eq!(
        tablet.login(ADMIN_EMAIL, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    let response = tablet.post("/logout", &[]).await;
    assert_eq!(location(&response), "/login");
    assert_eq!(location(&tablet.get("/").await), "/login");
    assert_eq!(phone.get("/").await.status(), StatusCode::OK, "others stay");

    let response = laptop.post("/logout/everywhere", &[]).await;
    let notice = location(&response);
    assert_eq!(notice, "/login?signed_out=everywhere");
    let page = crate::support::html::Page::parse(&laptop.page(&notice).await);
    assert_eq!(
        page.text_of("div.flash"),
        "You were signed out on every device."
    );
    assert_eq!(location(&phone.get("/").await), "/login");
    assert_eq!(location(&laptop.get("/").await), "/login");

    // Signing in again works as usual.
    assert_eq!(
        phone.login(ADMIN_EMAIL, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(phone.get("/").await.status(), StatusCode::OK);
}
