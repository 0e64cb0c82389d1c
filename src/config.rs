//! Command line and environment configuration. Every flag can also be set by an environment
//! variable, so the same binary is configured the same way by hand, in CI and in containers.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;
use url::Url;

/// Default RevRing API base URL.
pub const DEFAULT_REVRING_BASE_URL: &str = "https://api.revring.ai/v1";

/// Ringside: a portal for QA teams that test voice AI agents with RevRing.
#[derive(Parser, Debug)]
#[command(name = "ringside", version, about)]
pub struct Cli {
    /// What to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands of the `ringside` binary.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the portal. Applies database migrations at boot.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate(DatabaseArgs),
    /// Run everything on embedded defaults: local PostgreSQL, the RevRing simulator and the
    /// portal, with a seeded demo team. Prints the URL and a login.
    Demo(ServeArgs),
    /// Run a RevRing-compatible sandbox API on loopback (for demos, tests and CI wiring).
    Simulate(crate::simulator::SimulateArgs),
    /// Fill the database with a large generated run history (for trying and measuring the
    /// trend pages; needs no RevRing).
    Generate(crate::generate::GenerateArgs),
    /// Measure the trend pages against the generated history: full HTTP responses and the
    /// bare SQL each page needs, side by side.
    Bench(crate::bench::BenchArgs),
}

/// Where the database is, or where the managed local cluster lives.
#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// PostgreSQL connection URL. When absent, Ringside manages a local PostgreSQL cluster under
    /// the data directory.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    pub database_url: Option<SecretString>,

    /// Directory for Ringside's local state (managed database cluster, generated master key).
    #[arg(long, env = "RINGSIDE_DATA_DIR", default_value = ".ringside")]
    pub data_dir: PathBuf,
}

impl DatabaseArgs {
    /// True when Ringside runs its own PostgreSQL cluster (no `DATABASE_URL` given).
    pub fn is_local(&self) -> bool {
        self.database_url.is_none()
    }
}

/// Options of `ringside serve` (and `ringside demo`).
#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Database location.
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Address the portal listens on.
    #[arg(long, env = "RINGSIDE_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// Base URL of the RevRing API (or of `ringside simulate`).
    #[arg(long, env = "REVRING_BASE_URL", default_value = DEFAULT_REVRING_BASE_URL)]
    pub revring_base_url: Url,

    /// Key that encrypts stored RevRing API keys (base64 of 32 bytes). Generated into the data
    /// directory in local mode; required when `DATABASE_URL` is set.
    #[arg(long, env = "RINGSIDE_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<SecretString>,

    /// Public URL of the portal, for absolute links; `https` makes cookies `Secure`.
    #[arg(long, env = "RINGSIDE_PUBLIC_URL")]
    pub public_url: Option<Url>,

    /// Milliseconds between polls of a queued or running run.
    #[arg(long, env = "RINGSIDE_SYNC_INTERVAL_MS", default_value_t = 2000)]
    pub sync_interval_ms: u64,

    /// Seconds between background refreshes of each key's suites and run history.
    #[arg(long, env = "RINGSIDE_REFRESH_INTERVAL_SECS", default_value_t = 600)]
    pub refresh_interval_secs: u64,

    /// Do not run the sync worker in this process (another replica polls).
    #[arg(long, env = "RINGSIDE_NO_SYNC")]
    pub no_sync: bool,
}

impl ServeArgs {
    /// The sync worker's pacing from these flags.
    pub fn sync_settings(&self) -> crate::sync::SyncSettings {
        let mut settings = crate::sync::SyncSettings::with_interval(
            std::time::Duration::from_millis(self.sync_interval_ms.max(1)),
        );
        settings.refresh_interval =
            std::time::Duration::from_secs(self.refresh_interval_secs.max(1));
        settings
    }

    /// True when session cookies must carry the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|url| url.scheme() == "https")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serve_defaults_are_local_and_loopback() {
        let cli = Cli::try_parse_from(["ringside", "serve"]).unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("expected serve");
        };
        assert_eq!(args.bind.to_string(), "127.0.0.1:3000");
        assert!(!args.secure_cookies());
        assert_eq!(args.revring_base_url.as_str(), DEFAULT_REVRING_BASE_URL);
    }

    #[test]
    fn https_public_url_makes_cookies_secure() {
        let cli = Cli::try_parse_from([
            "ringside",
            "serve",
            "--public-url",
            "https://ringside.example.com",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("expected serve");
        };
        assert!(args.secure_cookies());
    }

    #[test]
    fn database_url_is_not_printed_by_debug() {
        let cli = Cli::try_parse_from([
            "ringside",
            "migrate",
            "--database-url",
            "postgres://user:hunter2@db/ringside",
        ])
        .unwrap();
        assert!(!format!("{cli:?}").contains("hunter2"));
    }
}
