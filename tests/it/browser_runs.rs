//! In a real browser: start a run from the suite page and watch the progress bar fill.

use std::time::Duration;

use fantoccini::Locator;

use crate::support::Browser;
use crate::support::accounts::{ADMIN_EMAIL, PASSWORD};
use crate::support::runs::RunsWorld;

#[tokio::test]
async fn browser_starts_a_run_and_watches_the_progress_bar_reach_100() {
    // Slow enough that the page is open while the run goes on.
    let world = RunsWorld::with_speed(200.0).await;
    let suite_id = world.suite_id("Dental clinic receptionist").await;
    let browser = Browser::start().await;

    browser.goto(&world.app.url("/login")).await.unwrap();
    browser
        .find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys(ADMIN_EMAIL)
        .await
        .unwrap();
    browser
        .find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    browser
        .find(Locator::Css("form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    browser
        .wait_for_path("the dashboard", |path| path != "/login")
        .await;

    browser
        .goto(&world.app.url(&format!("/suites/{suite_id}")))
        .await
        .unwrap();
    let name = browser
        .find(Locator::Css("#start-run input[name=name]"))
        .await
        .unwrap();
    name.send_keys("from the browser").await.unwrap();
    browser
        .find(Locator::Css("#start-run button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The run page opens (wait for the navigation: the suite page may still be unloading)…
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let on_run_page = browser
            .current_url()
            .await
            .is_ok_and(|url| url.path().starts_with("/runs/"));
        let heading = match browser.find(Locator::Css("main h1")).await {
            Ok(heading) => heading.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if on_run_page && heading == "from the browser" {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the run page opened: {heading:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // …and updates itself (server-sent events), without a reload.
    browser
        .execute("window.notReloaded = true;", vec![])
        .await
        .unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    loop {
        let value = browser
            .execute(
                "return document.getElementById('run-progress').value;",
                vec![],
            )
            .await
            .unwrap()
            .as_f64()
            .unwrap_or(0.0);
        if seen.last() != Some(&value) {
            seen.push(value);
        }
        if value >= 100.0 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "progress reached 100%: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let same_page = browser
        .execute("return window.notReloaded === true;", vec![])
        .await
        .unwrap();
    assert_eq!(
        same_page.as_bool(),
        Some(true),
        "updated live, not by reloading"
    );
    assert!(seen.len() > 2, "the bar moved in steps: {seen:?}");
    let status = browser
        .find(Locator::Id("run-status"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(status, "Completed");
    browser.quit().await;
}
