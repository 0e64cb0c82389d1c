//! Sign-in throttling holds under a parallel burst, delays instead of locking out, and keys on
//! the client's address behind trusted proxies only.

use std::time::Duration;

use reqwest::StatusCode;

use crate::support::TestApp;
use crate::support::accounts::{ADMIN_EMAIL, PASSWORD, Visitor, setup};
use crate::support::app::serve_args;

/// Free failures per account and address before the delay starts (`login_failures`).
const FREE_PAIR: usize = 5;

#[tokio::test]
async fn a_parallel_burst_of_wrong_passwords_is_not_all_checked() {
    let app = TestApp::spawn().await;
    setup(&app, "QA").await;
    let visitor = Visitor::new(&app);
    let token = visitor.csrf().await;
    let fields = [
        ("email", ADMIN_EMAIL),
        ("password", "wrong guess number n"),
        ("csrf_token", token.as_str()),
    ];
    let burst = (0..30).map(|_| visitor.post_raw("/login", &fields));
    let statuses: Vec<StatusCode> = futures_util::future::join_all(burst)
        .await
        .iter()
        .map(reqwest::Response::status)
        .collect();
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| {
            matches!(
                **s,
                StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE
            )
        })
        .count();
    assert!(
        checked <= FREE_PAIR,
        "{checked} passwords checked: {statuses:?}"
    );
    assert_eq!(checked + refused, 30, "{statuses:?}");

    // Sequential failures then meet a delay, not a lockout: once it passes, the owner signs in.
    let mut throttled = None;
    for _ in 0..=FREE_PAIR {
        let response = visitor.post_raw("/login", &fields).await;
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            throttled = Some(response);
            break;
        }
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
    let throttled = throttled.expect("the delay starts after the free failures");
    assert!(
        throttled
            .headers()
            .contains_key(reqwest::header::RETRY_AFTER)
    );
    let page = throttled.text().await.unwrap();
    assert!(
        page.contains("Please wait 1 second and try again"),
        "{page}"
    );
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let signed_in = visitor.login(ADMIN_EMAIL, PASSWORD).await;
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_forwarded_client_has_its_own_count() {
    let app = TestApp::spawn_with(serve_args(&["--trusted-proxies", "127.0.0.0/8"])).await;
    setup(&app, "QA").await;
    let visitor = Visitor::new(&app);
    let token = visitor.csrf().await;
    let attempt = |client: &'static str, email: String| {
        let token = token.clone();
        let request = visitor
            .client
            .post(app.url("/login"))
            .header("x-forwarded-for", client);
        async move {
            let fields = [
                ("email", email.as_str()),
                ("password", "wrong guess number n"),
                ("csrf_token", token.as_str()),
            ];
            request.form(&fields).send().await.unwrap().status()
        }
    };
    // One client sprays 31 accounts: its address is slowed down…
    for n in 0..31 {
        attempt("203.0.113.9", format!("spray{n}@example.com")).await;
    }
    let sprayer = attempt("203.0.113.9", "another@example.com".into()).await;
    assert_eq!(sprayer, StatusCode::TOO_MANY_REQUESTS);
    // …while another client behind the same proxy is not.
    let neighbour = attempt("198.51.100.7", "another@example.com".into()).await;
    assert_eq!(neighbour, StatusCode::UNAUTHORIZED);
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT address FROM login_failures ORDER BY address")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert_eq!(stored, ["198.51.100.7", "203.0.113.9"]);
}

#[tokio::test]
async fn forwarded_headers_from_an_untrusted_peer_are_ignored() {
    let app = TestApp::spawn().await;
    setup(&app, "QA").await;
    let visitor = Visitor::new(&app);
    let token = visitor.csrf().await;
    let fields = [
        ("email", "nobody@example.com"),
        ("password", "wrong guess number n"),
        ("csrf_token", token.as_str()),
    ];
    let response = visitor
        .client
        .post(app.url("/login"))
        .header("x-forwarded-for", "203.0.113.9")
        .header("forwarded", "for=198.51.100.7")
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let stored: String = sqlx::query_scalar("SELECT address FROM login_failures")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(stored, "127.0.0.1");
}
