//! `ringside bench`: times the trend pages on the data in the database (made by `ringside
//! generate`). For each page it requests the full HTTP response and, side by side in the same
//! loop, runs the bare SQL that page needs — every statement the page runs, in the same order:
//! loading the session row, the sign-in check (the user and their teams), then the page's own
//! loader as the handler calls it — and prints
//! `page=NAME p50_ms=X p99_ms=Y sql_p50_ms=Z ratio=R` with R = X / Z, so R is what HTTP,
//! routing, the session layer's bookkeeping and rendering add on top of the database.
//!
//! The portal runs in-process on a loopback port (or is reached at `--url`).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use tower_sessions::SessionStore;
use tower_sessions::session::Id;
use tower_sessions_sqlx_store::PostgresStore;
use uuid::Uuid;

use crate::app::startup::Application;
use crate::cli::{BenchArgs, DatabaseArgs, ServeArgs};
use crate::db::Database;

/// The pages measured: name, path, and the bare SQL the page needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Dashboard,
    SuiteTrend,
    CaseHistory,
    Flaky,
    Compare,
}

impl Target {
    const ALL: [Target; 5] = [
        Target::Dashboard,
        Target::SuiteTrend,
        Target::CaseHistory,
        Target::Flaky,
        Target::Compare,
    ];

    fn name(&self) -> &'static str {
        match self {
            Target::Dashboard => "dashboard",
            Target::SuiteTrend => "suite_trend",
            Target::CaseHistory => "case_history",
            Target::Flaky => "flaky_cases",
            Target::Compare => "run_comparison",
        }
    }
}

/// What the measured pages are about.
struct Subject {
    team_id: Uuid,
    suite_id: Uuid,
    run_id: Uuid,
    user_id: Uuid,
}

/// The signed-in visitor's session, to load it the way each page request does.
struct SignedIn {
    client: reqwest::Client,
    store: PostgresStore,
    session: Id,
}

/// Runs in the case history measured (its maximum).
const HISTORY_RUNS: i64 = crate::web::trends::cases::MAX_HISTORY_RUNS;

impl Subject {
    fn path(&self, target: Target) -> String {
        match target {
            Target::Dashboard => "/".into(),
            Target::SuiteTrend => format!("/suites/{}/trend", self.suite_id),
            Target::CaseHistory => format!("/suites/{}/cases?runs={HISTORY_RUNS}", self.suite_id),
            Target::Flaky => format!("/suites/{}/flaky", self.suite_id),
            Target::Compare => format!("/compare?run={}", self.run_id),
        }
    }

    async fn sql(&self, db: &PgPool, signed_in: &SignedIn, target: Target) -> anyhow::Result<()> {
        use crate::web::trends::{cases, compare, dashboard, grid, suite as trend};
        signed_in
            .store
            .load(&signed_in.session)
            .await
            .map_err(|error| anyhow::anyhow!("loading the session: {error}"))?
            .context("the bench's session is gone")?;
        crate::db::accounts::user_with_teams(db, self.user_id)
            .await?
            .context("the bench's account is gone")?;
        let (team, suite) = (self.team_id, self.suite_id);
        match target {
            Target::Dashboard => drop(dashboard::load(db, team, false).await?),
            Target::SuiteTrend => {
                drop(trend::load(db, team, suite, Default::default(), false).await?);
            }
            Target::CaseHistory => drop(grid::load(db, team, suite, HISTORY_RUNS, false).await?),
            Target::Flaky => {
                let runs = cases::FLAKE_WINDOW_RUNS;
                drop(grid::load(db, team, suite, runs, false).await?);
            }
            Target::Compare => drop(compare::load(db, team, self.run_id, None, false).await?),
        }
        Ok(())
    }
}

/// The team of `email` and its suite with the most runs, and that suite's latest run.
async fn subject(db: &PgPool, email: &str) -> anyhow::Result<Subject> {
    let row = sqlx::query!(
        r#"SELECT u.id AS user_id, m.team_id, r.suite_id, count(*) AS "runs!"
           FROM users u
           JOIN memberships m ON m.user_id = u.id
           JOIN runs r ON r.team_id = m.team_id
           WHERE lower(u.email) = lower($1)
           GROUP BY u.id, m.team_id, r.suite_id
           ORDER BY count(*) DESC
           LIMIT 1"#,
        email
    )
    .fetch_optional(db)
    .await?
    .context("that account's teams have no runs: run `ringside generate` first")?;
    let run_id = sqlx::query_scalar!(
        "SELECT id FROM runs WHERE team_id = $1 AND suite_id = $2
         ORDER BY created_at DESC, id DESC LIMIT 1",
        row.team_id,
        row.suite_id
    )
    .fetch_one(db)
    .await?;
    Ok(Subject {
        team_id: row.team_id,
        suite_id: row.suite_id,
        run_id,
        user_id: row.user_id,
    })
}

/// What one page measured.
#[derive(Debug, Clone, PartialEq)]
pub struct PageFigures {
    /// The page's name.
    pub page: &'static str,
    /// Median full HTTP response, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile full HTTP response, in milliseconds.
    pub p99_ms: f64,
    /// Median of the page's bare SQL, in milliseconds.
    pub sql_p50_ms: f64,
}

impl PageFigures {
    /// `p50_ms / sql_p50_ms`: what the web stack adds on top of the database.
    pub fn ratio(&self) -> f64 {
        self.p50_ms / self.sql_p50_ms.max(f64::MIN_POSITIVE)
    }
}

impl std::fmt::Display for PageFigures {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "page={} p50_ms={:.2} p99_ms={:.2} sql_p50_ms={:.2} ratio={:.2}",
            self.page,
            self.p50_ms,
            self.p99_ms,
            self.sql_p50_ms,
            self.ratio()
        )
    }
}

/// `ringside bench`.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    let database = Database::connect(&args.database.config()).await?;
    let result = measure(&database.pool, &args, |figures| println!("{figures}")).await;
    database.close().await?;
    result.map(drop)
}

/// Measures every page on `db`, calling `report` as each page is done.
pub async fn measure(
    db: &PgPool,
    args: &BenchArgs,
    mut report: impl FnMut(&PageFigures),
) -> anyhow::Result<Vec<PageFigures>> {
    let mut all = Vec::new();
    let subject = subject(db, &args.email).await?;
    let base = match &args.url {
        Some(url) => url.as_str().trim_end_matches('/').to_owned(),
        None => {
            let serve = in_process_args(&args.database)?;
            let app = Application::build(&serve, db.clone()).await?;
            let addr = app.local_addr();
            tokio::spawn(app.run_until_stopped(std::future::pending()));
            format!("http://{addr}")
        }
    };
    let signed_in = sign_in(db, &base, &args.email, &args.password).await?;
    let client = &signed_in.client;
    for target in Target::ALL {
        let url = format!("{base}{}", subject.path(target));
        for _ in 0..args.warmup {
            fetch(client, &url).await?;
            subject.sql(db, &signed_in, target).await?;
        }
        let mut http = Vec::with_capacity(args.requests);
        let mut sql = Vec::with_capacity(args.requests);
        for _ in 0..args.requests.max(1) {
            let started = Instant::now();
            fetch(client, &url).await?;
            http.push(started.elapsed());
            let started = Instant::now();
            subject.sql(db, &signed_in, target).await?;
            sql.push(started.elapsed());
        }
        let figures = PageFigures {
            page: target.name(),
            p50_ms: ms(percentile(&mut http, 0.50)),
            p99_ms: ms(percentile(&mut http, 0.99)),
            sql_p50_ms: ms(percentile(&mut sql, 0.50)),
        };
        report(&figures);
        all.push(figures);
    }
    Ok(all)
}

/// Serve arguments of the in-process portal: loopback, no sync worker, a throwaway master key
/// unless one is configured (the generated history holds no usable key).
fn in_process_args(database: &DatabaseArgs) -> anyhow::Result<ServeArgs> {
    let mut argv = vec!["--bind".to_owned()];
    argv.push("127.0.0.1:0".into());
    argv.push("--no-sync".into());
    if std::env::var_os("RINGSIDE_MASTER_KEY").is_none() {
        argv.push("--master-key".into());
        argv.push(
            crate::crypto::MasterKey::generate()
                .to_base64()
                .expose_secret()
                .to_owned(),
        );
    }
    let mut serve = ServeArgs::parse_from(argv)?;
    serve.database = database.clone();
    Ok(serve)
}

async fn sign_in(
    db: &PgPool,
    base: &str,
    email: &str,
    password: &SecretString,
) -> anyhow::Result<SignedIn> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await?
        .text()
        .await?;
    let marker = "name=\"csrf_token\" value=\"";
    let start = page
        .find(marker)
        .context("the login page has no CSRF token")?
        + marker.len();
    let token: String = page[start..].chars().take_while(|c| *c != '"').collect();
    let response = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", email),
            ("password", password.expose_secret()),
            ("csrf_token", &token),
        ])
        .send()
        .await?;
    if response.status() != reqwest::StatusCode::SEE_OTHER {
        bail!("signing in as {email} failed ({})", response.status());
    }
    let session = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|cookie| cookie.strip_prefix("ringside_session="))
        .and_then(|rest| rest.split(';').next())
        .context("signing in set no session cookie")?
        .parse::<Id>()
        .context("the session cookie holds no session id")?;
    Ok(SignedIn {
        client,
        store: PostgresStore::new(db.clone()),
        session,
    })
}

async fn fetch(client: &reqwest::Client, url: &str) -> anyhow::Result<()> {
    let response = client.get(url).send().await?;
    if !response.status().is_success() {
        bail!("GET {url} answered {}", response.status());
    }
    response.bytes().await?;
    Ok(())
}

fn percentile(samples: &mut [Duration], quantile: f64) -> Duration {
    samples.sort_unstable();
    let index = ((samples.len() as f64 * quantile).ceil() as usize).clamp(1, samples.len()) - 1;
    samples[index]
}

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_pick_the_nearest_rank() {
        let mut samples: Vec<Duration> = (1..=100).rev().map(Duration::from_millis).collect();
        assert_eq!(percentile(&mut samples, 0.5), Duration::from_millis(50));
        assert_eq!(percentile(&mut samples, 0.99), Duration::from_millis(99));
        let mut one = [Duration::from_millis(7)];
        assert_eq!(percentile(&mut one, 0.99), Duration::from_millis(7));
    }
}
