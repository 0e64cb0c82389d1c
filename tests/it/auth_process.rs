//! The shipped binary with stored keys: the master key generated into the data directory
//! (0600), no plaintext key in the logs, and a restart under another master key that names the
//! unreadable keys instead of crashing.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use reqwest::StatusCode;
use ringside::crypto::MasterKey;
use secrecy::ExposeSecret;
use tokio::process::{Child, Command};

use crate::support::accounts::{ADMIN_EMAIL, PASSWORD, Visitor, location};
use crate::support::app::free_port;
use crate::support::upstream::{PRODUCTION, simulator};

/// Starts `ringside serve` in local mode on `data_dir`, logging at debug level into `log`.
/// Ready means this child logged that it listens and answers `/readyz` (another process may
/// have taken the port in between; then it exits and we try another).
async fn serve(data_dir: &Path, revring: &str, log: &Path) -> (Child, String) {
    for _ in 0..5 {
        let port = free_port();
        let file = std::fs::File::create(log).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_ringside"))
            .arg("serve")
            .env("RINGSIDE_DATA_DIR", data_dir)
            .env("RINGSIDE_BIND", format!("127.0.0.1:{port}"))
            .env("REVRING_BASE_URL", revring)
            .env("RUST_LOG", "debug")
            .env_remove("DATABASE_URL")
            .env_remove("RINGSIDE_MASTER_KEY")
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file))
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let base = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        for _ in 0..300 {
            if child.try_wait().unwrap().is_some() {
                break;
            }
            let listening = std::fs::read_to_string(log)
                .unwrap_or_default()
                .contains("Ringside is listening");
            if listening
                && let Ok(response) = client.get(format!("{base}/readyz")).send().await
                && response.status() == StatusCode::OK
            {
                return (child, base);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = child.kill().await;
    }
    panic!(
        "ringside serve did not become ready: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

async fn stop(mut child: Child) {
    let pid = nix::unistd::Pid::from_raw(child.id().unwrap() as i32);
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("exits after SIGTERM")
        .unwrap();
    assert!(status.success(), "clean exit: {status}");
}

#[tokio::test]
async fn keys_stay_out_of_logs_and_another_master_key_is_reported_clearly() {
    let sim = simulator().await;
    let data_dir = std::env::temp_dir().join(format!("ringside-keys-{}", uuid::Uuid::new_v4()));
    let log = data_dir.with_extension("log");
    std::fs::create_dir_all(&data_dir).unwrap();

    let (child, base) = serve(&data_dir, &sim.base_url(), &log).await;
    let key_file = data_dir.join("master.key");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the generated master key is private");
    }
    let admin = Visitor::at(base.clone());
    let response = admin
        .post(
            "/setup",
            &[
                ("team_name", "QA"),
                ("display_name", "Ada"),
                ("email", ADMIN_EMAIL),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(location(&response), "/");
    let response = admin
        .post(
            "/keys",
            &[("label", "Production"), ("secret", "rr_wrong_SECRETPLAIN")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let response = admin
        .post("/keys", &[("label", "Production"), ("secret", PRODUCTION)])
        .await;
    assert_eq!(location(&response), "/keys");
    assert!(admin.page("/keys").await.contains("••••a1b2"));
    stop(child).await;

    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(
        logs.contains("Ringside is listening"),
        "the log was captured"
    );
    for secret in [PRODUCTION, "rr_wrong_SECRETPLAIN", PASSWORD, "SECRETPLAIN"] {
        assert!(!logs.contains(secret), "the log shows {secret}");
    }
    let master = std::fs::read_to_string(&key_file).unwrap();
    assert!(
        !logs.contains(master.trim()),
        "the log shows the master key"
    );

    // Restart with another master key: it starts, names the key, and the page says so.
    std::fs::write(&key_file, MasterKey::generate().to_base64().expose_secret()).unwrap();
    let (child, base) = serve(&data_dir, &sim.base_url(), &log).await;
    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(
        logs.contains("cannot be decrypted with this master key")
            && logs.contains("Production")
            && logs.contains("QA"),
        "{logs}"
    );
    let admin = Visitor::at(base);
    assert_eq!(location(&admin.login(ADMIN_EMAIL, PASSWORD).await), "/");
    assert!(admin.page("/keys").await.contains("Cannot be decrypted"));
    stop(child).await;
    let _ = std::fs::remove_dir_all(&data_dir);
    let _ = std::fs::remove_file(&log);
}

/// How long the worker gets to meet the injected faults.
const FAULTS_TIMEOUT: Duration = Duration::from_secs(60);

#[tokio::test]
async fn keys_stay_out_of_logs_while_syncing_and_when_the_upstream_fails() {
    let sim = simulator().await;
    let data_dir = std::env::temp_dir().join(format!("ringside-sync-log-{}", uuid::Uuid::new_v4()));
    let log = data_dir.with_extension("log");
    std::fs::create_dir_all(&data_dir).unwrap();
    let (child, base) = serve(&data_dir, &sim.base_url(), &log).await;
    let admin = Visitor::at(base);
    let response = admin
        .post(
            "/setup",
            &[
                ("team_name", "QA"),
                ("display_name", "Ada"),
                ("email", ADMIN_EMAIL),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(location(&response), "/");
    let response = admin
        .post("/keys", &[("label", "Production"), ("secret", PRODUCTION)])
        .await;
    assert_eq!(location(&response), "/keys");

    // The worker imports the key's history and polls its runs; then the upstream fails often
    // (500s, 429s, truncated bodies) while it goes on polling and starting runs.
    let response = admin.post("/suites/refresh", &[]).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let polls = |stats: &ringside::simulator::Stats| -> u64 {
        stats
            .by_route
            .iter()
            .filter(|(route, _)| route.starts_with("GET /v1/test-suites/{id}/runs/"))
            .map(|(_, count)| count)
            .sum()
    };
    let deadline = tokio::time::Instant::now() + FAULTS_TIMEOUT;
    while polls(&sim.stats()) < 5 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker polled runs: {:?}",
            sim.stats()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sim.set_faults(
        ringside::simulator::SimulatorConfig {
            error_rate: 0.3,
            rate_limit_rate: 0.1,
            retry_after_secs: 0,
            malformed_rate: 0.2,
            ..ringside::simulator::SimulatorConfig::default_for_tests()
        }
        .faults(),
    );
    let suites = admin.page("/suites").await;
    let suite_links: Vec<String> =
        crate::support::html::Page::parse(&suites).attrs("table a[href^='/suites/']", "href");
    for suite in suite_links.iter().take(3) {
        let form = admin.get(suite).await.text().await.unwrap();
        if let Some(token) = crate::support::runs::field(&form, "form_token") {
            let _ = admin
                .post(
                    &format!("{suite}/runs"),
                    &[("form_token", &token), ("name", "faulty")],
                )
                .await;
        }
    }
    let _ = admin.post("/suites/refresh", &[]).await;
    while sim.stats().faults_injected.values().sum::<u64>() < 10 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the worker met the faults: {:?}",
            sim.stats()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Then the upstream is gone altogether: every call fails to connect.
    sim.shutdown().await;
    let _ = admin.page("/suites").await;
    let response = admin.post("/suites/refresh", &[]).await;
    assert!(response.status().is_redirection() || response.status().is_client_error());
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop(child).await;

    let logs = std::fs::read_to_string(&log).unwrap();
    assert!(
        logs.contains("Ringside is listening"),
        "the log was captured"
    );
    assert!(
        logs.contains("WARN") || logs.contains("ERROR"),
        "the failures were logged: {logs}"
    );
    for secret in [
        PRODUCTION,
        &PRODUCTION[..PRODUCTION.len() - 4],
        "SECRETPLAIN",
        PASSWORD,
    ] {
        assert!(!logs.contains(secret), "the log shows {secret}");
    }
    let master = std::fs::read_to_string(data_dir.join("master.key")).unwrap();
    assert!(
        !logs.contains(master.trim()),
        "the log shows the master key"
    );
    let _ = std::fs::remove_dir_all(&data_dir);
    let _ = std::fs::remove_file(&log);
}
