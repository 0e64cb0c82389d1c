//! The views in a real browser: run page → failed attempt → recording plays → share link →
//! the link opens in a fresh, logged-out browser.

use std::time::Duration;

use fantoccini::Locator;
use serde_json::json;

use crate::support::Browser;
use crate::support::accounts::{ADMIN_EMAIL, PASSWORD};
use crate::support::views::ViewsFixture;

/// How long the recording may take to start playing.
const PLAY_TIMEOUT: Duration = Duration::from_secs(20);

async fn text_of(browser: &Browser, css: &str) -> String {
    browser
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("{css}: {error}"))
        .text()
        .await
        .unwrap()
}

async fn click(browser: &Browser, css: &str) {
    browser
        .wait()
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|error| panic!("{css}: {error}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn browser_failed_attempt_recording_and_share_link_logged_out() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let browser = Browser::start().await;

    browser.goto(&fx.app.url("/login")).await.unwrap();
    let form = browser
        .form(Locator::Css("form[action='/login']"))
        .await
        .unwrap();
    form.set_by_name("email", ADMIN_EMAIL).await.unwrap();
    form.set_by_name("password", PASSWORD).await.unwrap();
    form.submit().await.unwrap();
    browser
        .wait_for_path("the dashboard", |path| path != "/login")
        .await;

    browser
        .goto(&fx.app.url(&format!("/runs/{}", run.id)))
        .await
        .unwrap();
    let title = text_of(&browser, "main h1").await;
    let expected = match run.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => name.to_owned(),
        _ => {
            let revring_id: String =
                sqlx::query_scalar("SELECT revring_id FROM runs WHERE id = $1")
                    .bind(run.id)
                    .fetch_one(&fx.app.db)
                    .await
                    .unwrap();
            format!("Run {}", &revring_id[..8.min(revring_id.len())])
        }
    };
    assert_eq!(title, expected, "the page is titled with the run's name");
    click(&browser, "#failures-only").await;
    let deadline = tokio::time::Instant::now() + PLAY_TIMEOUT;
    while !browser
        .current_url()
        .await
        .unwrap()
        .as_str()
        .ends_with("?failures=1")
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "failures only opened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    click(&browser, "a.attempt-link").await;
    browser
        .wait_for_path("the attempt page", |path| path.contains("/attempts/"))
        .await;
    assert_eq!(text_of(&browser, "#verdict").await, "fail");
    assert!(!text_of(&browser, ".transcript").await.is_empty());

    // The recording plays, streamed through Ringside.
    let started = browser
        .execute(
            "const audio = document.getElementById('recording');
             audio.muted = true;
             return audio.play().then(() => true, (e) => String(e));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(started, json!(true), "play() was refused");
    let deadline = tokio::time::Instant::now() + PLAY_TIMEOUT;
    loop {
        let state = browser
            .execute(
                "const a = document.getElementById('recording');
                 return [a.currentTime, a.error ? a.error.code : 0, a.duration];",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(state[1], json!(0), "the audio element reports an error");
        if state[0].as_f64().unwrap_or(0.0) > 0.0 {
            assert!(state[2].as_f64().unwrap_or(0.0) > 1.0, "{state}");
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "never played: {state}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Share the run and open the link in a fresh, logged-out browser.
    browser
        .goto(&fx.app.url(&format!("/runs/{}", run.id)))
        .await
        .unwrap();
    click(&browser, "form.share-form button").await;
    let link = browser
        .wait()
        .for_element(Locator::Id("share-link"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap()
        .expect("the new link");
    assert!(link.contains("/s/"), "{link}");

    let stranger = Browser::start().await;
    stranger.goto(&link).await.unwrap();
    assert_eq!(text_of(&stranger, "main h1").await, title);
    let body = text_of(&stranger, "body").await;
    assert!(body.contains("Shared read-only") && body.contains("Attempts by test case"));
    assert!(!body.contains("Sign out") && !body.contains(ADMIN_EMAIL));
    click(&stranger, "a.attempt-link").await;
    assert!(!text_of(&stranger, "#verdict").await.is_empty());
    stranger.quit().await;
    browser.quit().await;
}
