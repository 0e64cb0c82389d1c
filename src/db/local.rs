//! A PostgreSQL cluster that Ringside manages itself under its data directory, so that a fresh
//! machine needs no database set-up. Used when `DATABASE_URL` is absent, and by the test harness.
//!
//! The cluster listens on a Unix socket only (no TCP), in a directory only its owner can enter,
//! and trusts local connections. When Ringside runs as root the server runs as the `postgres`
//! user, because PostgreSQL refuses to run as root.
//!
//! Several Ringside processes may share one data directory (replicas, a rolling restart). Each
//! holds a shared lock on `.cluster.users` for as long as it uses the cluster; on stop, a process
//! stops the cluster only if no other process holds that lock, so the last one out stops it and
//! no process ever stops a cluster another one uses. Starting and stopping are serialised by
//! `.cluster.lock`. A lock dies with its process, so a `kill -9` never leaves a false user.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use sha2::{Digest, Sha256};
use sqlx::postgres::PgConnectOptions;
use tokio::process::Command;

/// Name of the database role and database Ringside creates in its own cluster.
pub const LOCAL_DB_NAME: &str = "ringside";

/// Longest socket directory path we use as is; a Unix socket path must fit in 107 bytes and
/// PostgreSQL appends `/.s.PGSQL.5432`.
const MAX_SOCKET_DIR_LEN: usize = 90;

/// How long `pg_ctl` waits for the server to start or stop.
const PG_CTL_WAIT_SECS: &str = "60";

/// How often a serving process checks that the cluster still runs (and starts it if not).
pub const WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

/// Lock file serialising starts and stops of the cluster.
const START_LOCK_FILE: &str = ".cluster.lock";

/// Lock file every process using the cluster holds shared.
const USERS_LOCK_FILE: &str = ".cluster.users";

/// The unprivileged account that runs the server when Ringside itself runs as root.
const SERVER_ACCOUNT: &str = "postgres";

/// A running local cluster, in use by this process until [`LocalPostgres::stop`] (or the
/// process's end): the cluster is stopped then only if no other process uses it.
#[derive(Debug)]
pub struct LocalPostgres {
    cluster: Cluster,
    /// Held shared while this process uses the cluster.
    _user: std::fs::File,
}

/// Where the cluster lives and how to drive it.
#[derive(Debug, Clone)]
struct Cluster {
    data_dir: PathBuf,
    bin_dir: PathBuf,
    pgdata: PathBuf,
    socket_dir: PathBuf,
    owner: Option<Account>,
}

#[derive(Debug, Clone, Copy)]
struct Account {
    uid: u32,
    gid: u32,
}

impl LocalPostgres {
    /// Creates the cluster under `data_dir` the first time, starts it unless it already runs,
    /// and makes sure the `ringside` database exists.
    pub async fn start(data_dir: &Path) -> anyhow::Result<Self> {
        let bin_dir = find_bin_dir(std::env::var_os("RINGSIDE_PG_BIN").map(PathBuf::from))?;
        let owner = server_account()?;
        std::fs::create_dir_all(data_dir)
            .with_context(|| format!("cannot create data directory {}", data_dir.display()))?;
        let data_dir = data_dir.canonicalize()?;
        let cluster_root = cluster_root(&data_dir, owner);
        let cluster = Cluster {
            pgdata: cluster_root.join("pgdata"),
            socket_dir: socket_dir_for(&cluster_root),
            data_dir,
            bin_dir,
            owner,
        };
        // Several processes (serve replicas, parallel tests) may start at once: one at a time.
        let start_lock = cluster.start_lock()?;
        // Registered as a user before the cluster runs, so no stopping process can miss us.
        let user = std::fs::File::create(cluster.data_dir.join(USERS_LOCK_FILE))?;
        user.lock_shared()?;
        for dir in [&cluster_root, &cluster.socket_dir] {
            std::fs::create_dir_all(dir)?;
            set_owner_only(dir, owner)?;
        }
        if !cluster.pgdata.join("PG_VERSION").exists() {
            cluster.initdb().await?;
        }
        cluster.start_unless_running().await?;
        // Still under the lock: two processes on a fresh cluster must not both create it.
        cluster.ensure_database().await?;
        drop(start_lock);
        Ok(LocalPostgres {
            cluster,
            _user: user,
        })
    }

    /// Starts the cluster again if it is gone (someone stopped it, or it crashed). A serving
    /// process calls this every [`WATCH_INTERVAL`] (see [`LocalPostgres::keep_running`]).
    pub async fn ensure_running(&self) -> anyhow::Result<()> {
        if self.cluster.is_running().await? {
            return Ok(());
        }
        let _start_lock = self.cluster.start_lock()?;
        self.cluster.start_unless_running().await
    }

    /// Watches the cluster in the background for as long as the returned task lives, starting
    /// it again whenever it is found stopped.
    pub fn keep_running(self: &std::sync::Arc<Self>) -> tokio::task::JoinHandle<()> {
        let this = std::sync::Arc::downgrade(self);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(WATCH_INTERVAL).await;
                let Some(cluster) = this.upgrade() else {
                    return;
                };
                if let Err(error) = cluster.ensure_running().await {
                    tracing::warn!(%error, "the local PostgreSQL is down and could not be started");
                }
            }
        })
    }

    /// Connection options for the `ringside` database of this cluster.
    pub fn connect_options(&self) -> PgConnectOptions {
        self.connect_options_for(LOCAL_DB_NAME)
    }

    /// Connection options for another database of this cluster (the test harness makes many).
    pub fn connect_options_for(&self, database: &str) -> PgConnectOptions {
        self.cluster.connect_options_for(database)
    }

    /// Stops using the cluster, and stops the cluster unless another process still uses it.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _start_lock = self.cluster.start_lock()?;
        let LocalPostgres { cluster, _user } = self;
        drop(_user);
        let last = std::fs::File::create(cluster.data_dir.join(USERS_LOCK_FILE))?;
        match last.try_lock() {
            Ok(()) => {
                if cluster.is_running().await? {
                    cluster.pg_ctl_stop().await?;
                }
                Ok(())
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                tracing::info!("local PostgreSQL left running: another Ringside process uses it");
                Ok(())
            }
            Err(std::fs::TryLockError::Error(error)) => Err(error.into()),
        }
    }

    /// The cluster's data directory (`PGDATA`).
    pub fn pgdata(&self) -> &Path {
        &self.cluster.pgdata
    }

    /// Whether a server is running on this cluster.
    pub async fn is_running(&self) -> anyhow::Result<bool> {
        self.cluster.is_running().await
    }
}

impl Cluster {
    fn start_lock(&self) -> anyhow::Result<std::fs::File> {
        let lock = std::fs::File::create(self.data_dir.join(START_LOCK_FILE))?;
        lock.lock()?;
        Ok(lock)
    }

    async fn start_unless_running(&self) -> anyhow::Result<()> {
        if !self.is_running().await? {
            self.remove_stale_pid_file()?;
            self.pg_ctl_start().await?;
        }
        Ok(())
    }

    fn connect_options_for(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new()
            .socket(&self.socket_dir)
            .username(LOCAL_DB_NAME)
            .database(database)
    }

    async fn pg_ctl_stop(&self) -> anyhow::Result<()> {
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        self.pg_ctl(&[
            "stop",
            "-D",
            &pgdata,
            "-m",
            "fast",
            "-w",
            "-t",
            PG_CTL_WAIT_SECS,
        ])
        .await
        .map(|_| tracing::info!("local PostgreSQL stopped"))
    }

    async fn initdb(&self) -> anyhow::Result<()> {
        tracing::info!(pgdata = %self.pgdata.display(), "creating local PostgreSQL cluster");
        std::fs::create_dir_all(&self.pgdata)?;
        set_owner_only(&self.pgdata, self.owner)?;
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        let args = [
            "-D",
            &pgdata,
            "-U",
            LOCAL_DB_NAME,
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--no-locale",
        ];
        self.run("initdb", &args).await?;
        Ok(())
    }

    async fn is_running(&self) -> anyhow::Result<bool> {
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        let status = self
            .command("pg_ctl")
            .args(["status", "-D", &pgdata])
            .output()
            .await?;
        // pg_ctl status: 0 = running, 3 = not running, 4 = no usable data directory.
        Ok(status.status.code() == Some(0) && self.pid_file_names_postgres())
    }

    /// After a crash or reboot the pid file can name a process id that is now free or that
    /// another program reuses; either way the file is stale and would block the next start.
    fn pid_file_names_postgres(&self) -> bool {
        let Ok(pid_file) = std::fs::read_to_string(self.pgdata.join("postmaster.pid")) else {
            return false;
        };
        let pid = pid_file.lines().next().unwrap_or_default().trim();
        std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .is_ok_and(|comm| comm.trim().starts_with("postgres"))
    }

    fn remove_stale_pid_file(&self) -> anyhow::Result<()> {
        let pid_file = self.pgdata.join("postmaster.pid");
        if pid_file.exists() {
            tracing::warn!("removing stale PostgreSQL pid file left by an unclean stop");
            std::fs::remove_file(&pid_file)?;
        }
        Ok(())
    }

    async fn pg_ctl_start(&self) -> anyhow::Result<()> {
        let pgdata = self.pgdata.to_string_lossy().into_owned();
        let log = self
            .pgdata
            .join("server.log")
            .to_string_lossy()
            .into_owned();
        let options = format!(
            "-c listen_addresses='' -c unix_socket_directories='{}' -c unix_socket_permissions=0700",
            self.socket_dir.display()
        );
        let args = [
            "start",
            "-D",
            &pgdata,
            "-l",
            &log,
            "-w",
            "-t",
            PG_CTL_WAIT_SECS,
            "-o",
            &options,
        ];
        self.pg_ctl(&args)
            .await
            .with_context(|| format!("local PostgreSQL did not start; its log is {log}"))?;
        tracing::info!(socket_dir = %self.socket_dir.display(), "local PostgreSQL started");
        Ok(())
    }

    async fn ensure_database(&self) -> anyhow::Result<()> {
        use sqlx::Connection;
        let mut conn = sqlx::PgConnection::connect_with(&self.connect_options_for("postgres"))
            .await
            .context("cannot connect to the local PostgreSQL cluster")?;
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(LOCAL_DB_NAME)
                .fetch_one(&mut conn)
                .await?;
        if !exists {
            sqlx::query(&format!("CREATE DATABASE {LOCAL_DB_NAME}"))
                .execute(&mut conn)
                .await?;
        }
        Ok(())
    }

    async fn pg_ctl(&self, args: &[&str]) -> anyhow::Result<String> {
        self.run("pg_ctl", args).await
    }

    async fn run(&self, program: &str, args: &[&str]) -> anyhow::Result<String> {
        let output = self
            .command(program)
            .args(args)
            .output()
            .await
            .with_context(|| format!("cannot run {program}"))?;
        if !output.status.success() {
            bail!(
                "{program} failed ({}): {}{}",
                output.status,
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            );
        }
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    fn command(&self, program: &str) -> Command {
        let mut command = Command::new(self.bin_dir.join(program));
        command.current_dir(self.pgdata.parent().unwrap_or(Path::new("/")));
        command
            .kill_on_drop(true)
            .stdin(std::process::Stdio::null());
        if let Some(account) = self.owner {
            command.uid(account.uid).gid(account.gid);
        }
        command
    }
}

/// What to do when no server binaries are found.
const NO_BINARIES_HELP: &str = "Install them (Debian/Ubuntu: `apt-get install postgresql`), \
     point RINGSIDE_PG_BIN at their directory, or set DATABASE_URL to use an existing database.";

/// Finds the directory holding `initdb` and `pg_ctl`: `explicit` (from `RINGSIDE_PG_BIN`), else
/// the newest `/usr/lib/postgresql/*/bin` (Debian, Ubuntu), else `PATH`.
pub fn find_bin_dir(explicit: Option<PathBuf>) -> anyhow::Result<PathBuf> {
    let has_tools = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(dir) = explicit {
        if has_tools(&dir) {
            return Ok(dir);
        }
        bail!(
            "PostgreSQL server binaries (initdb, pg_ctl) are not in RINGSIDE_PG_BIN={}. {NO_BINARIES_HELP}",
            dir.display()
        );
    }
    let mut versioned: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, dir)| has_tools(dir))
        .collect();
    versioned.sort();
    if let Some((_, dir)) = versioned.pop() {
        return Ok(dir);
    }
    std::env::var_os("PATH")
        .into_iter()
        .flat_map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .find(|dir| has_tools(dir))
        .with_context(|| {
            format!(
                "PostgreSQL server binaries (initdb, pg_ctl) were not found. {NO_BINARIES_HELP}"
            )
        })
}

/// The account that must own and run the cluster: `None` means the current user.
fn server_account() -> anyhow::Result<Option<Account>> {
    if !nix::unistd::geteuid().is_root() {
        return Ok(None);
    }
    let user = nix::unistd::User::from_name(SERVER_ACCOUNT)?.with_context(|| {
        format!(
            "Ringside runs as root, and PostgreSQL refuses to; create the `{SERVER_ACCOUNT}` \
             user (installing PostgreSQL does) or run Ringside as an ordinary user"
        )
    })?;
    Ok(Some(Account {
        uid: user.uid.as_raw(),
        gid: user.gid.as_raw(),
    }))
}

/// The cluster lives in the data directory, unless the server account cannot reach it (a data
/// directory inside root's home, say); then it lives under `/var/lib/ringside`, one per data dir.
fn cluster_root(data_dir: &Path, owner: Option<Account>) -> PathBuf {
    match owner {
        Some(account) if !reachable_by(data_dir, account) => {
            let digest = Sha256::digest(data_dir.as_os_str().as_encoded_bytes());
            let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
            let root = PathBuf::from("/var/lib/ringside/clusters").join(name);
            tracing::info!(
                cluster = %root.display(),
                "the data directory is closed to the postgres user; keeping the cluster outside it"
            );
            root
        }
        _ => data_dir.join("postgres"),
    }
}

fn socket_dir_for(cluster_root: &Path) -> PathBuf {
    let preferred = cluster_root.join("socket");
    if preferred.as_os_str().len() <= MAX_SOCKET_DIR_LEN {
        return preferred;
    }
    let digest = Sha256::digest(cluster_root.as_os_str().as_encoded_bytes());
    let name: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    std::env::temp_dir().join(format!("ringside-pg-{name}"))
}

/// Whether `account` may traverse every directory from `/` down to `dir`.
fn reachable_by(dir: &Path, account: Account) -> bool {
    dir.ancestors().all(|ancestor| {
        let Ok(meta) = std::fs::metadata(ancestor) else {
            return false;
        };
        let mode = meta.mode();
        if meta.uid() == account.uid {
            mode & 0o100 != 0
        } else if meta.gid() == account.gid {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        }
    })
}

fn set_owner_only(dir: &Path, owner: Option<Account>) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(account) = owner {
        std::os::unix::fs::chown(dir, Some(account.uid), Some(account.gid))
            .with_context(|| format!("cannot hand {} to the postgres user", dir.display()))?;
    }
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    Ok(())
}
