//! CSRF protection and security headers.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS};

use crate::support::TestApp;
use crate::support::accounts::{Visitor, setup};

async fn invitations(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM invitations")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_post_without_a_valid_csrf_token_is_refused() {
    let app = TestApp::spawn().await;
    let (admin, _) = setup(&app, "QA").await;
    let form = [("role", "member"), ("email", "new@example.com")];

    let missing = admin.post_raw("/team/invitations", &form).await;
    assert_eq!(missing.status(), StatusCode::FORBIDDEN);
    assert!(
        missing
            .text()
            .await
            .unwrap()
            .contains("This form has expired")
    );

    let wrong = admin
        .post_raw(
            "/team/invitations",
            &[("role", "member"), ("csrf_token", "forged")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);

    // Another session's token is no good either.
    let other = Visitor::new(&app);
    let foreign = other.csrf().await;
    let response = admin
        .post_raw(
            "/team/invitations",
            &[("role", "member"), ("csrf_token", &foreign)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);

    // Even the login form needs it (login CSRF).
    let response = other
        .post_raw("/login", &[("email", "a@b.c"), ("password", "x")])
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(invitations(&app).await, 0);

    // The right token from another site is refused by the origin checks.
    let token = admin.csrf().await;
    let body = [("role", "member"), ("csrf_token", token.as_str())];
    let cross_origin = admin
        .client
        .post(app.url("/team/invitations"))
        .header("origin", "https://evil.example")
        .form(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_origin.status(), StatusCode::FORBIDDEN);
    let cross_site = admin
        .client
        .post(app.url("/team/invitations"))
        .header("sec-fetch-site", "cross-site")
        .form(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    assert_eq!(invitations(&app).await, 0);

    // The same request from this site goes through.
    let same_site = admin
        .client
        .post(app.url("/team/invitations"))
        .header("origin", app.url(""))
        .header("sec-fetch-site", "same-origin")
        .form(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(same_site.status(), StatusCode::SEE_OTHER);
    assert_eq!(invitations(&app).await, 1);
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let (admin, _) = setup(&app, "QA").await;
    for path in ["/", "/login", "/team", "/no/such/page", "/healthz"] {
        let response = admin.get(path).await;
        let headers = response.headers();
        let csp = headers[CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(headers[X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        assert_eq!(headers[REFERRER_POLICY], "same-origin", "{path}");
    }
    // No page carries an inline script.
    let html = admin.page("/team").await;
    assert!(!html.contains("<script>") && !html.contains("onclick="));
}
