//! The managed local PostgreSQL: created once, reused, survives crashes, explains what is missing.

use std::path::PathBuf;

use ringside::db::local::{LocalPostgres, find_bin_dir};
use sqlx::{Connection, PgConnection};

fn scratch_dir() -> PathBuf {
    std::env::temp_dir().join(format!("ringside-cluster-{}", uuid::Uuid::new_v4()))
}

async fn count_notes(cluster: &LocalPostgres) -> i64 {
    let mut conn = PgConnection::connect_with(&cluster.connect_options())
        .await
        .unwrap();
    sqlx::query_scalar("SELECT count(*) FROM notes")
        .fetch_one(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn data_survives_a_restart_and_a_running_cluster_is_reused() {
    let dir = scratch_dir();
    let cluster = LocalPostgres::start(&dir).await.unwrap();
    let mut conn = PgConnection::connect_with(&cluster.connect_options())
        .await
        .unwrap();
    sqlx::raw_sql("CREATE TABLE notes (body text); INSERT INTO notes VALUES ('kept')")
        .execute(&mut conn)
        .await
        .unwrap();
    drop(conn);

    // A second Ringside on the same data dir reuses the running cluster, and its stop leaves
    // the cluster to the process that started it.
    let second = LocalPostgres::start(&dir).await.unwrap();
    assert_eq!(count_notes(&second).await, 1);
    second.stop().await.unwrap();
    assert!(cluster.is_running().await.unwrap());

    cluster.stop().await.unwrap();
    let restarted = LocalPostgres::start(&dir).await.unwrap();
    assert_eq!(count_notes(&restarted).await, 1);
    restarted.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn a_crash_leaves_nothing_that_blocks_the_next_start() {
    let dir = scratch_dir();
    let cluster = LocalPostgres::start(&dir).await.unwrap();
    let pid_file = cluster.pgdata().join("postmaster.pid");
    let pid: i32 = std::fs::read_to_string(&pid_file)
        .unwrap()
        .lines()
        .next()
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // Crash: kill the postmaster outright, then leave a pid file naming a live process that is
    // not PostgreSQL (this test process), as a reused pid after a reboot would.
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let stale = std::fs::read_to_string(&pid_file).unwrap();
    let reused = stale.replacen(&pid.to_string(), &std::process::id().to_string(), 1);
    std::fs::write(&pid_file, reused).unwrap();

    let restarted = LocalPostgres::start(&dir).await.unwrap();
    assert!(restarted.is_running().await.unwrap());
    let mut conn = PgConnection::connect_with(&restarted.connect_options())
        .await
        .unwrap();
    let one: i32 = sqlx::query_scalar("SELECT 1")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(one, 1);
    drop(conn);
    restarted.stop().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn missing_server_binaries_get_an_actionable_error() {
    let empty = scratch_dir();
    std::fs::create_dir_all(&empty).unwrap();
    let error = find_bin_dir(Some(empty.clone())).unwrap_err().to_string();
    assert!(error.contains("initdb"), "{error}");
    assert!(error.contains("apt-get install postgresql"), "{error}");
    assert!(error.contains("DATABASE_URL"), "{error}");
    let _ = std::fs::remove_dir_all(&empty);
}
