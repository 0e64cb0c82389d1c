//! The account flow in a real browser: setup → sign in → add a key (checked by the simulator)
//! → see it masked → invite a member → sign in as that member.

use fantoccini::Locator;

use crate::auth_keys::{PRODUCTION, simulator};
use crate::support::app::serve_args;
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

/// Submits the form posting to `action` with its button, and waits until the answer has
/// replaced the page (the click can return before that).
async fn submit(browser: &Browser, action: &str) {
    let page = browser.find(Locator::Css("html")).await.unwrap();
    browser
        .find(Locator::Css(&format!("form[action='{action}'] button")))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..200 {
        if page.tag_name().await.is_err() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
}

async fn heading(browser: &Browser) -> String {
    text_of(browser, "main h1").await
}

async fn body(browser: &Browser) -> String {
    text_of(browser, "body").await
}

/// The text of the element at `css`. A click that submits a form can return while the old
/// page is still shown: an element found on it goes stale as the new page replaces it, and is
/// then looked up again on the new page.
async fn text_of(browser: &Browser, css: &str) -> String {
    for _ in 0..50 {
        let found = browser.find(Locator::Css(css)).await.unwrap();
        match found.text().await {
            Ok(text) => return text,
            Err(error) if error.to_string().contains("stale") => {
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            Err(error) => panic!("text of {css}: {error}"),
        }
    }
    panic!("{css} kept going stale");
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
    assert_eq!(heading(&browser).await, "Welcome to Ringside");
    fill(&browser, "/setup", "team_name", "Voice QA").await;
    fill(&browser, "/setup", "display_name", "Ada Admin").await;
    fill(&browser, "/setup", "email", "ada@example.com").await;
    fill(&browser, "/setup", "password", "correct horse battery").await;
    submit(&browser, "/setup").await;
    assert_eq!(heading(&browser).await, "Voice QA");

    // Sign out, then in again with the new account.
    submit(&browser, "/logout").await;
    assert_eq!(heading(&browser).await, "Sign in");
    sign_in(&browser, &app, "ada@example.com", "wrong password").await;
    assert!(
        body(&browser)
            .await
            .contains("Incorrect email or password.")
    );
    sign_in(&browser, &app, "ada@example.com", "correct horse battery").await;
    assert_eq!(heading(&browser).await, "Voice QA");

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
    let keys = body(&browser).await;
    assert!(keys.contains("Added the key “Production”"), "{keys}");
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

    // The invitee creates an account through the link…
    browser.goto(&link).await.unwrap();
    assert_eq!(heading(&browser).await, "Join Voice QA");
    let action = link.trim_start_matches(&app.url(""));
    fill(&browser, action, "display_name", "Max Member").await;
    fill(&browser, action, "password", "another long password").await;
    submit(&browser, action).await;
    assert!(body(&browser).await.contains("Welcome to “Voice QA”"));
    submit(&browser, "/logout").await;

    // …and signs in as a member: the key is visible, masked, and cannot be managed.
    sign_in(&browser, &app, "max@example.com", "another long password").await;
    assert_eq!(heading(&browser).await, "Voice QA");
    assert!(body(&browser).await.contains("Max Member"));
    browser.goto(&app.url("/keys")).await.unwrap();
    let keys = body(&browser).await;
    assert!(keys.contains("Production") && keys.contains("••••a1b2"));
    assert!(!keys.contains("Verify and save"));
    assert!(
        browser
            .find(Locator::Css("nav a[href='/audit']"))
            .await
            .is_err()
    );

    browser.quit().await;
}
