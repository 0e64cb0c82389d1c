//! Several `ringside serve` processes on one data directory (the built binary, as operators run
//! it): they start together on a fresh directory, and a rolling restart never takes the managed
//! database from the process still serving.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use reqwest::StatusCode;
use tokio::process::{Child, Command};

/// How long a process may take to become ready (the first one creates the cluster).
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// A `ringside serve` child process.
struct Replica {
    child: Child,
    base: String,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

impl Replica {
    fn spawn(data_dir: &Path) -> Self {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_ringside"))
            .args(["serve", "--no-sync", "--bind", &format!("127.0.0.1:{port}")])
            .args(["--revring-base-url", "http://127.0.0.1:9/v1"])
            .env("RINGSIDE_DATA_DIR", data_dir)
            .env_remove("DATABASE_URL")
            .env_remove("RINGSIDE_MASTER_KEY")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn ringside serve");
        Self {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    async fn readyz(&self) -> Option<StatusCode> {
        let client = reqwest::Client::new();
        let response = client
            .get(format!("{}/readyz", self.base))
            .timeout(Duration::from_secs(10))
            .send()
            .await;
        response.ok().map(|response| response.status())
    }

    async fn wait_ready(&mut self) {
        let deadline = tokio::time::Instant::now() + READY_TIMEOUT;
        while self.readyz().await != Some(StatusCode::OK) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("ringside serve exited before it was ready: {status}");
            }
            assert!(tokio::time::Instant::now() < deadline, "never ready");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// SIGTERM, then waits for a clean exit.
    async fn stop(mut self) {
        let pid = Pid::from_raw(self.child.id().unwrap() as i32);
        kill(pid, Signal::SIGTERM).unwrap();
        let status = tokio::time::timeout(Duration::from_secs(60), self.child.wait())
            .await
            .expect("exits after SIGTERM")
            .unwrap();
        assert!(status.success(), "clean exit: {status}");
    }

    /// Asserts `/readyz` answers 200 every time over a couple of seconds.
    async fn stays_ready(&self, what: &str) {
        for _ in 0..10 {
            assert_eq!(self.readyz().await, Some(StatusCode::OK), "{what}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join(format!(
        "ringside-rolling-{}",
        uuid::Uuid::new_v4().simple()
    ))
}

fn cluster_runs(data_dir: &Path) -> bool {
    data_dir.join("postgres/pgdata/postmaster.pid").exists()
}

#[tokio::test]
async fn two_replicas_start_together_and_survive_a_rolling_restart() {
    let dir = scratch_dir();
    // Both start at once on a fresh data dir: one cluster, one master key, both ready.
    let mut first = Replica::spawn(&dir);
    let mut second = Replica::spawn(&dir);
    first.wait_ready().await;
    second.wait_ready().await;
    let key = std::fs::read_to_string(dir.join("master.key")).unwrap();
    assert_eq!(key.trim().len(), 44, "a whole base64 key");
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|entry| {
            entry
                .file_name()
                .to_string_lossy()
                .starts_with(".master.key")
        })
        .collect();
    assert!(leftovers.is_empty(), "no temp key files left");

    // Rolling restart: stop the one that may have started the cluster; the other keeps it.
    first.stop().await;
    second
        .stays_ready("the second replica after the first stopped")
        .await;
    let mut third = Replica::spawn(&dir);
    third.wait_ready().await;
    second.stop().await;
    third
        .stays_ready("the restarted replica after the second stopped")
        .await;
    assert_eq!(
        std::fs::read_to_string(dir.join("master.key")).unwrap(),
        key,
        "the key never changes"
    );

    // The last one out stops the cluster.
    assert!(cluster_runs(&dir));
    third.stop().await;
    assert!(!cluster_runs(&dir), "the last replica stopped the cluster");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_replica_starts_the_cluster_again_when_it_is_stopped_under_it() {
    let dir = scratch_dir();
    let mut replica = Replica::spawn(&dir);
    replica.wait_ready().await;
    let pgdata = dir.join("postgres/pgdata");
    let pg_ctl = ringside::db::local::find_bin_dir(None)
        .unwrap()
        .join("pg_ctl");
    let mut stop = std::process::Command::new("runuser");
    if !nix::unistd::geteuid().is_root() {
        stop = std::process::Command::new(&pg_ctl);
    } else {
        stop.args(["-u", "postgres", "--"]).arg(&pg_ctl);
    }
    let status = stop
        .args(["stop", "-m", "fast", "-w", "-D"])
        .arg(&pgdata)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "pg_ctl stop");
    // Within a few watch intervals the replica has started it again.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    while replica.readyz().await != Some(StatusCode::OK) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "cluster never came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    replica.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
