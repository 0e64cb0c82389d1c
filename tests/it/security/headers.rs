//! Headers that keep sessions safe: no caching of signed-in pages, HSTS and a `__Host-` cookie
//! behind https, and a CSRF origin check that compares scheme, host and port.

use reqwest::StatusCode;
use reqwest::header::{CACHE_CONTROL, SET_COOKIE, STRICT_TRANSPORT_SECURITY};

use crate::support::TestApp;
use crate::support::accounts::{Visitor, setup};
use crate::support::app::serve_args;

#[tokio::test]
async fn pages_that_need_a_session_are_never_stored() {
    let app = TestApp::spawn().await;
    let (admin, _) = setup(&app, "QA").await;
    for path in [
        "/", "/team", "/account", "/keys", "/runs", "/suites", "/login",
    ] {
        let response = admin.get(path).await;
        assert_eq!(response.headers()[CACHE_CONTROL], "no-store", "{path}");
    }
    // Static assets may still be cached.
    let css = admin.get("/static/app.css").await;
    assert_ne!(
        css.headers()
            .get(CACHE_CONTROL)
            .map(|v| v.to_str().unwrap()),
        Some("no-store")
    );
    assert!(
        admin
            .get("/")
            .await
            .headers()
            .get(STRICT_TRANSPORT_SECURITY)
            .is_none(),
        "no HSTS over plain http"
    );
}

#[tokio::test]
async fn behind_https_the_portal_sends_hsts_and_a_host_prefixed_cookie() {
    let app = TestApp::spawn_with(serve_args(&[
        "--public-url",
        "https://ringside.example.com",
    ]))
    .await;
    let response = Visitor::new(&app).get("/setup").await;
    assert!(
        response.headers()[STRICT_TRANSPORT_SECURITY]
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    // The form's cookie (no session yet) and then the session's carry the prefix.
    let form_cookie = response.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        form_cookie.starts_with("__Host-ringside_csrf="),
        "{form_cookie}"
    );
    let token = crate::support::accounts::csrf_in(&response.text().await.unwrap()).unwrap();
    let response = crate::support::app::new_client()
        .post(app.url("/setup"))
        .header("cookie", form_cookie.split(';').next().unwrap())
        .form(&[
            ("team_name", "QA"),
            ("display_name", "Ada Admin"),
            ("email", crate::support::accounts::ADMIN_EMAIL),
            ("password", crate::support::accounts::PASSWORD),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let session_cookie = response.headers()[SET_COOKIE].to_str().unwrap();
    for cookie in [form_cookie.as_str(), session_cookie] {
        assert!(
            cookie.starts_with("__Host-ringside_session=")
                || cookie.starts_with("__Host-ringside_csrf="),
            "{cookie}"
        );
        assert!(
            cookie.contains("Secure") && cookie.contains("Path=/"),
            "{cookie}"
        );
        assert!(!cookie.contains("Domain"), "{cookie}");
    }
    assert!(session_cookie.starts_with("__Host-ringside_session="));
    assert!(form_cookie.contains("SameSite=Strict") && form_cookie.contains("HttpOnly"));
}

#[tokio::test]
async fn an_origin_with_another_scheme_or_port_is_refused() {
    let app = TestApp::spawn().await;
    let (admin, _) = setup(&app, "QA").await;
    let token = admin.csrf().await;
    let body = [("role", "member"), ("csrf_token", token.as_str())];
    let port = app.addr.port();
    for origin in [
        format!("https://127.0.0.1:{port}"),
        format!("http://127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        let response = admin
            .client
            .post(app.url("/team/invitations"))
            .header("origin", &origin)
            .form(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN, "{origin}");
    }
    let same = admin
        .client
        .post(app.url("/team/invitations"))
        .header("origin", format!("http://127.0.0.1:{port}"))
        .form(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), StatusCode::SEE_OTHER);
}
