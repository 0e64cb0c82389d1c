//! Command line and environment configuration. Every flag can also be set by an environment
//! variable, so the same binary is configured the same way by hand, in CI and in containers.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use secrecy::SecretString;
use url::Url;

use crate::db::DatabaseConfig;
use crate::simulator::{self, SimulatorConfig};
use crate::tools::generate;

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
    Simulate(SimulateArgs),
    /// Fill the database with a large generated run history (for trying and measuring the
    /// trend pages; needs no RevRing).
    Generate(GenerateArgs),
    /// Measure the daily pages against the generated history: full HTTP responses and the
    /// bare SQL each page needs, side by side; optionally under concurrent load.
    Bench(BenchArgs),
    /// Ask a running portal whether it is ready (`GET /readyz`): exit 0 when it answers 200,
    /// 1 otherwise. For container healthchecks.
    Health(HealthArgs),
    /// Manage the team API tokens that scripts and CI use (`token create`).
    Token(TokenArgs),
    /// Start suites through a Ringside portal from CI, wait for them, gate the build on the
    /// results and write JUnit. Exits 0 (gate passed), 1 (gate failed), 2 (usage or
    /// configuration error), 3 (portal or RevRing unreachable, run errored or timed out).
    Ci(CiArgs),
}

/// Options of `ringside health`.
#[derive(Args, Debug, Clone)]
pub struct HealthArgs {
    /// The portal's listening address (an unspecified address such as 0.0.0.0 is asked on
    /// loopback).
    #[arg(long, env = "RINGSIDE_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 5)]
    pub timeout_secs: u64,
}

impl ServeArgs {
    /// `ringside serve` options from command-line words (environment variables apply too), for
    /// tools that run a portal in process.
    pub fn parse_from<I, T>(words: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let argv = ["ringside", "serve"].map(std::ffi::OsString::from);
        let words = argv.into_iter().chain(words.into_iter().map(Into::into));
        match Cli::try_parse_from(words)?.command {
            Command::Serve(args) => Ok(args),
            _ => unreachable!("parsed as `ringside serve`"),
        }
    }
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

    /// Where the database is, for the database layer.
    pub fn config(&self) -> DatabaseConfig {
        DatabaseConfig {
            url: self.database_url.clone(),
            data_dir: self.data_dir.clone(),
        }
    }
}

/// A CIDR (`10.0.0.0/8`) or a single address (`10.0.0.5`).
fn parse_cidr(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{text:?} is neither an address nor a CIDR such as 10.0.0.0/8"))
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

    /// Milliseconds between polls of a run that is not finished (half that while attempts are
    /// in flight).
    #[arg(long, env = "RINGSIDE_SYNC_INTERVAL_MS", default_value_t = 2000)]
    pub sync_interval_ms: u64,

    /// Seconds between background refreshes of each key's suites and run history.
    #[arg(long, env = "RINGSIDE_REFRESH_INTERVAL_SECS", default_value_t = 600)]
    pub refresh_interval_secs: u64,

    /// Do not run the sync worker in this process (another replica polls).
    #[arg(long, env = "RINGSIDE_NO_SYNC")]
    pub no_sync: bool,

    /// Hosts (`host` or `host:port`, comma-separated) whose call recordings are fetched even
    /// on a private address; other recording links must be public or on the API's origin.
    #[arg(long, env = "RINGSIDE_RECORDING_HOSTS", value_delimiter = ',')]
    pub recording_hosts: Vec<String>,

    /// Proxies (CIDRs, comma-separated) whose `X-Forwarded-For`/`Forwarded` headers name the
    /// client's address; without them the TCP peer is the client.
    #[arg(long, env = "RINGSIDE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_cidr)]
    pub trusted_proxies: Vec<ipnet::IpNet>,

    /// The longest a share link works, in days: "never" becomes this, and older links stop.
    #[arg(long, env = "RINGSIDE_SHARE_MAX_DAYS", value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub share_max_days: Option<u32>,
    /// Serve Prometheus metrics at `/metrics` to requests bearing this token
    /// (`Authorization: Bearer …`). Metrics are off unless this or `--metrics-bind` is set.
    #[arg(long, env = "RINGSIDE_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<SecretString>,
    /// Serve Prometheus metrics at `/metrics` on this separate address (e.g. an internal
    /// interface), also asking for the token when one is set.
    #[arg(long, env = "RINGSIDE_METRICS_BIND")]
    pub metrics_bind: Option<SocketAddr>,
    /// Let alert webhooks go to loopback and private networks (self-hosted chat servers).
    #[arg(long, env = "RINGSIDE_ALLOW_PRIVATE_TARGETS")]
    pub allow_private_targets: bool,
    /// SMTP server for alert e-mail; e-mail channels cannot send while unset.
    #[arg(long, env = "RINGSIDE_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// SMTP port.
    #[arg(long, env = "RINGSIDE_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    /// SMTP encryption: `starttls`, `tls` (implicit TLS) or `none`.
    #[arg(long, env = "RINGSIDE_SMTP_TLS", default_value = "starttls",
          value_parser = ["starttls", "tls", "none"])]
    pub smtp_tls: String,
    /// SMTP login name.
    #[arg(long, env = "RINGSIDE_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    /// SMTP password.
    #[arg(long, env = "RINGSIDE_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<SecretString>,
    /// Sender of alert e-mail.
    #[arg(
        long,
        env = "RINGSIDE_SMTP_FROM",
        default_value = "Ringside <ringside@localhost>"
    )]
    pub smtp_from: String,
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

    /// How alerts are delivered, from these flags.
    pub fn delivery_settings(&self) -> crate::sync::deliver::DeliverySettings {
        let smtp = self
            .smtp_host
            .as_ref()
            .map(|host| crate::sync::deliver::SmtpSettings {
                host: host.clone(),
                port: self.smtp_port,
                tls: self.smtp_tls.clone(),
                username: self.smtp_username.clone(),
                password: self.smtp_password.clone(),
                from: self.smtp_from.clone(),
            });
        crate::sync::deliver::DeliverySettings {
            allow_private_targets: self.allow_private_targets,
            smtp,
            public_url: self.public_url.clone(),
        }
    }

    /// The master key: `RINGSIDE_MASTER_KEY`, or in local mode the data dir's key file.
    pub fn master_key(&self) -> anyhow::Result<crate::crypto::MasterKey> {
        let local_dir = self
            .database
            .is_local()
            .then_some(self.database.data_dir.as_path());
        crate::crypto::resolve_master_key(self.master_key.as_ref(), local_dir)
    }

    /// True when session cookies must carry the `Secure` attribute.
    pub fn secure_cookies(&self) -> bool {
        self.public_url
            .as_ref()
            .is_some_and(|url| url.scheme() == "https")
    }
}

/// Command-line options of `ringside simulate`.
#[derive(Args, Debug, Clone)]
pub struct SimulateArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "RINGSIDE_SIM_BIND", default_value = simulator::DEFAULT_BIND)]
    pub bind: SocketAddr,
    /// An API key; repeat for more. Each key is its own organization with its own seeded data.
    #[arg(long = "key", env = "RINGSIDE_SIM_KEYS", value_delimiter = ',', default_values_t = simulator::default_keys())]
    pub keys: Vec<String>,
    /// Seed of all generated data, verdicts and fault rates.
    #[arg(long, env = "RINGSIDE_SIM_SEED", default_value_t = simulator::DEFAULT_SEED)]
    pub seed: u64,
    /// Time scale of runs: 1.0 is real time, 30 a demo, 1000+ tests.
    #[arg(long, env = "RINGSIDE_SIM_SPEED", default_value_t = simulator::DEFAULT_SPEED)]
    pub speed: f64,
    /// Milliseconds of latency added to every API request.
    #[arg(long, env = "RINGSIDE_SIM_LATENCY_MS", default_value_t = 0)]
    pub latency_ms: u64,
    /// Probability (0..1) of answering a request with a 500.
    #[arg(long, env = "RINGSIDE_SIM_ERROR_RATE", default_value_t = 0.0)]
    pub error_rate: f64,
    /// Probability (0..1) of answering a request with a 429.
    #[arg(long, env = "RINGSIDE_SIM_RATE_LIMIT_RATE", default_value_t = 0.0)]
    pub rate_limit_rate: f64,
    /// `Retry-After` seconds of injected 429s.
    #[arg(long, env = "RINGSIDE_SIM_RETRY_AFTER_SECS", default_value_t = simulator::faults::DEFAULT_RETRY_AFTER_SECS)]
    pub retry_after_secs: u64,
    /// Probability (0..1) of holding a response (after handling it) for `--timeout-ms`.
    #[arg(long, env = "RINGSIDE_SIM_TIMEOUT_RATE", default_value_t = 0.0)]
    pub timeout_rate: f64,
    /// How long an injected timeout holds the response, in milliseconds.
    #[arg(long, env = "RINGSIDE_SIM_TIMEOUT_MS", default_value_t = simulator::faults::DEFAULT_TIMEOUT_MS)]
    pub timeout_ms: u64,
    /// Probability (0..1) of truncating a response body.
    #[arg(long, env = "RINGSIDE_SIM_MALFORMED_RATE", default_value_t = 0.0)]
    pub malformed_rate: f64,
}

impl From<SimulateArgs> for SimulatorConfig {
    fn from(args: SimulateArgs) -> Self {
        SimulatorConfig {
            bind: args.bind,
            keys: args.keys,
            seed: args.seed,
            speed: args.speed,
            latency_ms: args.latency_ms,
            error_rate: args.error_rate,
            rate_limit_rate: args.rate_limit_rate,
            retry_after_secs: args.retry_after_secs,
            timeout_rate: args.timeout_rate,
            timeout_ms: args.timeout_ms,
            malformed_rate: args.malformed_rate,
        }
    }
}

/// Options of `ringside generate`.
#[derive(Args, Debug, Clone)]
pub struct GenerateArgs {
    /// Database location.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Suites to generate.
    #[arg(long, default_value_t = 20)]
    pub suites: usize,
    /// Runs in all, shared out between the suites.
    #[arg(long, default_value_t = 50_000)]
    pub runs: usize,
    /// Attempts in all (about; every run of a suite has the same number).
    #[arg(long, default_value_t = 1_000_000)]
    pub attempts: usize,
    /// Days of history, ending now.
    #[arg(long, default_value_t = 365)]
    pub days: i64,
    /// Name of the team that gets the history (created when missing).
    #[arg(long, default_value = "Generated team")]
    pub team: String,
    /// Email of the team's admin (created when missing; its password is reset).
    #[arg(long, default_value = generate::DEFAULT_EMAIL)]
    pub email: String,
    /// The admin's password; a random one is generated and printed when absent.
    #[arg(long, env = "RINGSIDE_GENERATE_PASSWORD", hide_env_values = true)]
    pub password: Option<SecretString>,
    /// Seed of the generated history (same seed, same verdicts).
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
}

/// Options of `ringside bench`.
#[derive(Args, Debug, Clone)]
pub struct BenchArgs {
    /// Database location (the generated history).
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// A running portal to measure instead of an in-process one (on the same database).
    #[arg(long)]
    pub url: Option<Url>,
    /// Email to sign in with.
    #[arg(long, env = "RINGSIDE_BENCH_EMAIL", default_value = generate::DEFAULT_EMAIL)]
    pub email: String,
    /// Password to sign in with (the one `ringside generate` printed or was given); not needed
    /// with `--live`.
    #[arg(
        long,
        env = "RINGSIDE_BENCH_PASSWORD",
        hide_env_values = true,
        required_unless_present = "live"
    )]
    pub password: Option<SecretString>,
    /// Timed requests per page (and as many timed SQL loads).
    #[arg(long, default_value_t = 200)]
    pub requests: usize,
    /// Untimed requests per page first (warm caches and prepared statements).
    #[arg(long, default_value_t = 20)]
    pub warmup: usize,
    /// Then browse every page with this many clients at once and report throughput and p99
    /// per page (0: skip).
    #[arg(long, default_value_t = 0)]
    pub concurrency: usize,
    /// How long the concurrent clients browse, in seconds.
    #[arg(long, default_value_t = 60)]
    pub seconds: u64,
    /// Measure live updates instead of pages: an in-process simulator and portal (default
    /// sync settings) on a throwaway database beside this one, the time from an attempt
    /// finishing upstream to its run page's event stream showing it, and the CPU and memory
    /// of many streams open on one run.
    #[arg(long, conflicts_with_all = ["url", "concurrency"])]
    pub live: bool,
    /// With `--live`: event streams opened on one run.
    #[arg(long, default_value_t = 500)]
    pub live_streams: usize,
    /// With `--live`: seconds those streams stay open (and the longest the attempts to time
    /// may take).
    #[arg(long, default_value_t = 30)]
    pub live_seconds: u64,
}

impl BenchArgs {
    /// The sign-in password, which every mode but `--live` needs.
    pub fn password(&self) -> anyhow::Result<&SecretString> {
        self.password
            .as_ref()
            .ok_or_else(|| anyhow::anyhow!("--password is needed to sign in"))
    }
}

/// `ringside token …`
#[derive(Args, Debug, Clone)]
pub struct TokenArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: TokenCommand,
}

/// The subcommands of `ringside token`.
#[derive(Subcommand, Debug, Clone)]
pub enum TokenCommand {
    /// Create a team API token and print it (once) on standard output.
    Create(TokenCreateArgs),
}

/// Options of `ringside token create`.
#[derive(Args, Debug, Clone)]
pub struct TokenCreateArgs {
    /// Database location.
    #[command(flatten)]
    pub database: DatabaseArgs,
    /// Name of the team the token acts for.
    #[arg(long)]
    pub team: String,
    /// Name of the token, e.g. "GitHub Actions".
    #[arg(long)]
    pub name: String,
    /// What it may do: read, run or admin.
    #[arg(long, default_value = "run")]
    pub scope: String,
    /// Lifetime, e.g. 90d, 12h, 2w; never expires when absent.
    #[arg(long)]
    pub expires_in: Option<String>,
}

/// Options of `ringside ci`.
#[derive(Args, Debug, Clone)]
pub struct CiArgs {
    /// The portal's address, e.g. https://ringside.example.com.
    #[arg(long, env = "RINGSIDE_URL")]
    pub url: String,
    /// A team API token with the run scope.
    #[arg(long, env = "RINGSIDE_TOKEN", hide_env_values = true)]
    pub token: SecretString,
    /// A suite to run, by name or id; repeat for several.
    #[arg(long = "suite", required = true)]
    pub suites: Vec<String>,
    /// A label for the runs, key=value; repeat for several. branch, commit and build_url are
    /// filled from the CI environment unless given.
    #[arg(long = "label")]
    pub labels: Vec<String>,
    /// Wait for the runs to finish and gate on their results.
    #[arg(long)]
    pub wait: bool,
    /// Longest wait, e.g. 30m or 2h.
    #[arg(long, default_value = "30m")]
    pub timeout: String,
    /// Write a JUnit XML report here (with --wait).
    #[arg(long)]
    pub junit: Option<PathBuf>,
    /// When the gate fails: any (any failed attempt), regression (a case that passed in the
    /// previous finished run on the same branch now fails), or below:PCT (pass rate under PCT).
    #[arg(long, default_value = "any")]
    pub fail_on: String,
    /// The key that makes a retried job reuse its runs; derived from the CI environment when
    /// absent.
    #[arg(long)]
    pub idempotency_key: Option<String>,
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

    fn simulator_config(cli: Cli) -> SimulatorConfig {
        let Command::Simulate(args) = cli.command else {
            panic!("expected simulate");
        };
        args.into()
    }

    #[test]
    fn flags_parse_with_defaults_and_repeats() {
        let args = simulator_config(
            Cli::try_parse_from(["ringside", "simulate"]).expect("defaults parse"),
        );
        assert_eq!(args.bind.to_string(), simulator::DEFAULT_BIND);
        assert_eq!(args.keys, simulator::default_keys());
        assert_eq!(args.seed, simulator::DEFAULT_SEED);
        assert_eq!(args.faults(), simulator::Faults::default());
        let args = simulator_config(
            Cli::try_parse_from([
                "ringside",
                "simulate",
                "--key",
                "rr_a",
                "--key",
                "rr_b",
                "--seed",
                "7",
                "--speed",
                "30",
                "--error-rate",
                "0.1",
                "--retry-after-secs",
                "3",
                "--bind",
                "127.0.0.1:0",
            ])
            .expect("flags parse"),
        );
        assert_eq!(args.keys, ["rr_a", "rr_b"]);
        assert_eq!(args.speed, 30.0);
        assert_eq!(args.faults().error_rate, 0.1);
        assert_eq!(args.faults().retry_after_secs, 3);
        assert!(args.validate().is_ok());
    }
}
