//! The first page in a real browser (first-start setup): it renders, its stylesheet loads, it
//! works on a phone.

use fantoccini::Locator;

use crate::support::{Browser, TestApp};

#[tokio::test]
async fn front_page_renders_styled_in_chromium() {
    let app = TestApp::spawn().await;
    let browser = Browser::start().await;

    browser.goto(&app.url("/")).await.unwrap();
    let heading = browser.find(Locator::Css("main h1")).await.unwrap();
    assert_eq!(heading.text().await.unwrap(), "Welcome to Ringside");
    assert_eq!(browser.title().await.unwrap(), "Set up Ringside · Ringside");

    // The stylesheet arrived through its cache-busting URL and applies.
    let background = browser
        .execute(
            "return getComputedStyle(document.body).backgroundColor;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(background.as_str(), Some("rgb(246, 247, 251)"));

    // An unknown address shows the error page, styled too.
    browser.goto(&app.url("/no/such/page")).await.unwrap();
    let heading = browser.find(Locator::Css("main h1")).await.unwrap();
    assert_eq!(heading.text().await.unwrap(), "Page not found");

    // A phone-sized window needs no horizontal scrolling.
    browser.set_window_size(390, 844).await.unwrap();
    browser.goto(&app.url("/")).await.unwrap();
    let overflow = browser
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(overflow.as_bool(), Some(false));

    browser.quit().await;
}
