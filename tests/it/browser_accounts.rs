//! The account flow in a real browser: setup → sign in → add a key (checked by the simulator)
//! → see it masked → invite a member → sign in as that member.

use std::time::Duration;

use fantoccini::Locator;
use tokio::time::Instant;

use crate::support::app::serve_args;
use crate::support::upstream::{PRODUCTION, simulator};
use crate::support::{Browser, TestApp};

/// Types `text` into the field named `name` of the form posting to `action`.
async fn fill(browser: &Browser, action: &str, name: &str, text: &str) {
    let field = browser
        .find(Locator::Css(&format!(
            "form[action='{action}'] [name='{name}']"
        )))
        .await
        .unwrap_or_else(|error| panic!("field {name} of {action}: {error}"));
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

/// Submits the form posting to `action` with its button.
async fn submit(browser: &Browser, action: &str) {
    browser
        .find(Locator::Css(&format!("form[action='{action}'] button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// How long a page may take to show what a step expects.
const PAGE_TIMEOUT: Duration = Duration::from_secs(10);

/// Waits until `main h1` reads `expected` (the previous page may still be unloading).
async fn expect_heading(browser: &Browser, expected: &str) {
    let deadline = Instant::now() + PAGE_TIMEOUT;
    let mut seen = String::new();
    while Instant::now() < deadline {
        if let Ok(heading) = browser.find(Locator::Css("main h1")).await
            && let Ok(text) = heading.text().await
        {
            if text == expected {
                return;
            }
            seen = text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected the heading {expected:?}, saw {seen:?}");
}

/// Waits until the page's text contains `expected`; returns the text.
async fn expect_text(browser: &Browser, expected: &str) -> String {
    let deadline = Instant::now() + PAGE_TIMEOUT;
    let mut seen = String::new();
    while Instant::now() < deadline {
        if let Ok(body) = browser.find(Locator::Css("body")).await
            && let Ok(text) = body.text().await
        {
            if text.contains(expected) {
                return text;
            }
            seen = text;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("expected {expected:?} on the page, saw {seen:?}");
}

async fn sign_in(browser: &Browser, app: &TestApp, email: &str, password: &str) {
    browser.goto(&app.url("/login")).await.unwrap();
    fill(browser, "/login", "email", email).await;
    fill(browser, "/login", "password", password).await;
    submit(browser, "/login").await;
}

#[tokio::test]
async fn browser_setup_login_add_key_invite_and_member_login() {
    let sim = simulator().await;
    let app = TestApp::spawn_with(serve_args(&["--revring-base-url", &sim.base_url()])).await;
    let browser = Browser::start().await;

    // First start: every address leads to setup.
    browser.goto(&app.url("/keys")).await.unwrap();
    expect_heading(&browser, "Welcome to Ringside").await;
    fill(&browser, "/setup", "team_name", "Voice QA").await;
    fill(&browser, "/setup", "display_name", "Ada Admin").await;
    fill(&browser, "/setup", "email", "ada@example.com").await;
    fill(&browser, "/setup", "password", "correct horse battery").await;
    submit(&browser, "/setup").await;
    expect_heading(&browser, "Voice QA").await;

    // Sign out, then in again with the new account.
    submit(&browser, "/logout").await;
    expect_heading(&browser, "Sign in").await;
    sign_in(&browser, &app, "ada@example.com", "wrong password").await;
    expect_text(&browser, "Incorrect email or password.").await;
    sign_in(&browser, &app, "ada@example.com", "correct horse battery").await;
    expect_heading(&browser, "Voice QA").await;

    // Add a key: the simulator accepts it; it is shown masked only.
    browser
        .find(Locator::Css("nav a[href='/keys']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&browser, "/keys", "label", "Production").await;
    fill(&browser, "/keys", "secret", PRODUCTION).await;
    submit(&browser, "/keys").await;
    let keys = expect_text(&browser, "Added the key “Production”").await;
    assert!(keys.contains("••••a1b2"));
    let source = browser.source().await.unwrap();
    assert!(!source.contains(PRODUCTION));

    // Invite a member and read the link shown once.
    browser.goto(&app.url("/team")).await.unwrap();
    browser
        .find(Locator::Css(
            "form[action='/team/invitations'] select[name='role'] option[value='member']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    fill(&browser, "/team/invitations", "email", "max@example.com").await;
    submit(&browser, "/team/invitations").await;
    expect_heading(&browser, "Team").await;
    expect_text(&browser, "Invitation link").await;
    let link = browser
        .find(Locator::Css("#invite-link"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .expect("the invitation link");
    assert!(link.starts_with(&app.url("/invite/")), "{link}");
    submit(&browser, "/logout").await;
    // The sign-out must have landed before the next address is opened.
    expect_heading(&browser, "Sign in").await;

    // The invitee creates an account through the link…
    browser.goto(&link).await.unwrap();
    expect_heading(&browser, "Join Voice QA").await;
    let action = link.trim_start_matches(&app.url(""));
    fill(&browser, action, "display_name", "Max Member").await;
    fill(&browser, action, "password", "another long password").await;
    submit(&browser, action).await;
    expect_text(&browser, "Welcome to “Voice QA”").await;
    submit(&browser, "/logout").await;
    expect_heading(&browser, "Sign in").await;

    // …and signs in as a member: the key is visible, masked, and cannot be managed.
    sign_in(&browser, &app, "max@example.com", "another long password").await;
    expect_heading(&browser, "Voice QA").await;
    expect_text(&browser, "Max Member").await;
    browser.goto(&app.url("/keys")).await.unwrap();
    let keys = expect_text(&browser, "••••a1b2").await;
    assert!(keys.contains("Production"));
    assert!(!keys.contains("Verify and save"));
    assert!(
        browser
            .find(Locator::Css("nav a[href='/audit']"))
            .await
            .is_err()
    );

    browser.quit().await;
}
