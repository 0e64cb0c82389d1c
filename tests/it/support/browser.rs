//! A real headless Chromium, driven over WebDriver by Debian's `chromedriver`.

use std::ops::Deref;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;
use tokio::process::{Child, Command};

use super::app::free_port;

/// Where Debian installs the browser and its driver (packages `chromium`, `chromium-driver`).
const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long a navigation may take to land.
const NAVIGATION_TIMEOUT: Duration = Duration::from_secs(15);

/// How long chromedriver may take to accept connections.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(20);

/// A browser session with its own driver process and empty profile.
pub(crate) struct Browser {
    client: Client,
    _driver: Child,
    profile: PathBuf,
}

impl Browser {
    /// Starts chromedriver on a free port and opens a headless session.
    pub(crate) async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// A session whose pages prefer a dark colour scheme (`prefers-color-scheme: dark`).
    pub(crate) async fn start_dark() -> Self {
        Self::start_with(&[
            "--force-dark-mode",
            "--blink-settings=preferredColorScheme=0",
        ])
        .await
    }

    /// Starts a session with `extra` Chromium arguments.
    pub(crate) async fn start_with(extra: &[&str]) -> Self {
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|error| {
                panic!("cannot start {CHROMEDRIVER} ({error}); install Debian's chromium-driver")
            });
        let profile =
            std::env::temp_dir().join(format!("ringside-chrome-{}", uuid::Uuid::new_v4()));
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1280,900",
            "--autoplay-policy=no-user-gesture-required",
        ]
        .iter()
        .chain(extra)
        .map(|arg| (*arg).to_owned())
        .collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let capabilities = json!({
            "goog:chromeOptions": { "binary": CHROMIUM, "args": args }
        });
        let capabilities = capabilities.as_object().expect("an object").clone();
        let webdriver = format!("http://127.0.0.1:{port}");
        let deadline = tokio::time::Instant::now() + DRIVER_START_TIMEOUT;
        let client = loop {
            let attempt = ClientBuilder::new(HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&webdriver)
                .await;
            match attempt {
                Ok(client) => break client,
                Err(error) if tokio::time::Instant::now() > deadline => {
                    panic!("cannot open a Chromium session: {error}")
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Self {
            client,
            _driver: driver,
            profile,
        }
    }

    /// Waits (up to [`NAVIGATION_TIMEOUT`]) until the page's path satisfies `arrived`: a
    /// submitted form navigates asynchronously, and acting before it lands races it.
    pub(crate) async fn wait_for_path(&self, what: &str, arrived: impl Fn(&str) -> bool) {
        let deadline = tokio::time::Instant::now() + NAVIGATION_TIMEOUT;
        loop {
            let path = self
                .client
                .current_url()
                .await
                .map(|url| url.path().to_owned());
            if path.as_deref().is_ok_and(&arrived) {
                return;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the browser reached {what}: at {path:?}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Resizes the viewport to `width`×`height` CSS pixels (the headless window has no frame).
    pub(crate) async fn viewport(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("the window resizes");
        let inner = self
            .client
            .execute("return window.innerWidth", vec![])
            .await
            .expect("a width");
        assert_eq!(
            inner.as_u64(),
            Some(u64::from(width)),
            "the viewport's width"
        );
    }

    /// Ends the session and removes the profile.
    pub(crate) async fn quit(self) {
        let _ = self.client.clone().close().await;
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Deref for Browser {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}
