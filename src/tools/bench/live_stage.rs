//! The stage of `ringside bench --live`: a throwaway database beside the bench's (same server,
//! named `<database>_live_<pid>`, dropped at the end), an in-process RevRing simulator with a
//! suite made for the bench, and an in-process portal with its sync worker on default settings,
//! holding one team whose key is on the simulator and a signed-in member of it.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use tokio::sync::oneshot;
use uuid::Uuid;

use super::client::{SignedIn, sign_in};
use crate::app::startup::Application;
use crate::cli::{BenchArgs, ServeArgs};
use crate::crypto::MasterKey;
use crate::db::{accounts, api_keys, suites};
use crate::revring::{NewSuite, NewTestCase, RevRing};
use crate::simulator::{Simulator, SimulatorConfig};
use crate::sync::RevRingAccess;
use crate::sync::start::{StartOutcome, start_run};

/// Test cases of each of the bench's suites, one attempt each.
const CASES: usize = 50;

/// The bench's suites.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SuiteKind {
    /// Every attempt of a run in flight at once: a run ends within `--live-seconds`.
    AllAtOnce,
    /// Ten attempts at a time: a run goes on well past `--live-seconds`, a verdict every
    /// second or so.
    Long,
}

impl SuiteKind {
    const ALL: [SuiteKind; 2] = [SuiteKind::AllAtOnce, SuiteKind::Long];

    fn name(self) -> &'static str {
        match self {
            SuiteKind::AllAtOnce => "Ringside bench: live updates",
            SuiteKind::Long => "Ringside bench: many streams",
        }
    }

    /// `maxConcurrency` (twice the attempts in flight).
    fn max_concurrency(self) -> u32 {
        match self {
            SuiteKind::AllAtOnce => 100,
            SuiteKind::Long => 20,
        }
    }
}

/// Virtual seconds the longest attempt of a run takes upstream (a 3 s queue, up to 6 s of
/// ringing, 90 s of talk and 4 s of judging, plus room for verdicts spaced a second apart):
/// the simulator's pace is chosen so that a run ends within `--live-seconds`.
const RUN_VIRTUAL_SECS: f64 = 120.0;

/// The member the bench signs in as.
const EMAIL: &str = "live@bench.ringside.invalid";

/// Everything the live bench runs against.
pub(super) struct Stage {
    /// The throwaway database.
    pub(super) db: PgPool,
    /// The portal's base URL.
    pub(super) base: String,
    /// The portal's address.
    pub(super) addr: std::net::SocketAddr,
    /// The signed-in member.
    pub(super) member: SignedIn,
    pub(super) team_id: Uuid,
    access: RevRingAccess,
    suites: Vec<(SuiteKind, suites::Suite)>,
    user_id: Uuid,
    sim: Simulator,
    stop: oneshot::Sender<()>,
    portal: tokio::task::JoinHandle<anyhow::Result<()>>,
    name: String,
}

impl Stage {
    /// Sets everything up on a new database beside `bench_db`.
    pub(super) async fn build(bench_db: &PgPool, args: &BenchArgs) -> anyhow::Result<Self> {
        let name = throwaway_name(bench_db).await?;
        sqlx::query(&format!("CREATE DATABASE \"{name}\""))
            .execute(bench_db)
            .await
            .with_context(|| format!("creating the throwaway database {name}"))?;
        let options = (*bench_db.connect_options()).clone().database(&name);
        let db = crate::db::pool_options().connect_with(options).await?;
        let built = Self::build_on(db.clone(), name.clone(), args).await;
        if built.is_err() {
            db.close().await;
            drop_database(bench_db, &name).await;
        }
        built
    }

    async fn build_on(db: PgPool, name: String, args: &BenchArgs) -> anyhow::Result<Self> {
        crate::db::MIGRATOR.run(&db).await?;
        let speed = (RUN_VIRTUAL_SECS / args.live_seconds.max(1) as f64).max(1.0);
        let sim = Simulator::start(SimulatorConfig {
            speed,
            ..SimulatorConfig::default_for_tests()
        })
        .await?;
        let sim_key = SecretString::from(sim.keys()[0].clone());
        for kind in SuiteKind::ALL {
            make_suite(&sim, &sim_key, kind).await?;
        }

        let master = MasterKey::generate();
        let password = SecretString::from(crate::auth::token::generate());
        let hash = crate::auth::password::hash(password.clone()).await?;
        let mut tx = db.begin().await?;
        let user_id = accounts::insert_user(&mut *tx, EMAIL, "Bench", &hash).await?;
        let team_id = accounts::insert_team_with_admin(&mut tx, "Bench live", user_id).await?;
        tx.commit().await?;
        let key_id =
            api_keys::insert(&db, &master, team_id, "Simulator", &sim_key, user_id).await?;
        let access = RevRingAccess {
            db: db.clone(),
            master_key: Arc::new(MasterKey::from_base64(&master.to_base64())?),
            revring: RevRing::new(&sim.base_url())?,
        };
        crate::sync::refresh::refresh_key(&access, team_id, key_id)
            .await
            .map_err(|error| anyhow::anyhow!("importing the simulator's suites: {error}"))?;
        let listed = suites::list(&db, team_id).await?;
        let mut made = Vec::new();
        for kind in SuiteKind::ALL {
            let summary = listed
                .iter()
                .find(|suite| suite.name == kind.name())
                .context("the bench's suite was not imported")?;
            let suite = suites::get(&db, team_id, summary.id)
                .await?
                .context("the bench's suite is gone")?;
            made.push((kind, suite));
        }

        let serve = ServeArgs::parse_from([
            "--bind",
            "127.0.0.1:0",
            "--revring-base-url",
            &sim.base_url(),
            "--master-key",
            master.to_base64().expose_secret(),
        ])?;
        let app = Application::build(&serve, db.clone()).await?;
        let addr = app.local_addr();
        let base = format!("http://{addr}");
        let (stop, stopped) = oneshot::channel::<()>();
        let portal = tokio::spawn(app.run_until_stopped(async {
            let _ = stopped.await;
        }));
        let member = sign_in(&db, &base, EMAIL, &password).await?;
        Ok(Self {
            db,
            base,
            addr,
            member,
            team_id,
            access,
            suites: made,
            user_id,
            sim,
            stop,
            portal,
            name,
        })
    }

    /// Starts a run of one of the bench's suites, as the start form does; returns its id.
    pub(super) async fn start_run(&self, kind: SuiteKind) -> anyhow::Result<Uuid> {
        let (_, suite) = self
            .suites
            .iter()
            .find(|(made, _)| *made == kind)
            .context("the bench's suite is missing")?;
        let user = Some(self.user_id);
        match start_run(&self.access, suite, user, None, Uuid::new_v4()).await? {
            StartOutcome::Started(run_id) => Ok(run_id),
            other => bail!("the simulator did not start a run: {other:?}"),
        }
    }

    /// The signed-in member's session cookie, for streams opened without `reqwest`.
    pub(super) fn cookie(&self) -> String {
        format!("ringside_session={}", self.member.session)
    }

    /// Stops the portal and the simulator and drops the throwaway database.
    pub(super) async fn tear_down(self, bench_db: &PgPool) {
        let _ = self.stop.send(());
        if tokio::time::timeout(Duration::from_secs(5), self.portal)
            .await
            .is_err()
        {
            tracing::warn!("the live bench's portal did not stop in time");
        }
        self.sim.shutdown().await;
        self.db.close().await;
        drop_database(bench_db, &self.name).await;
    }
}

/// `<database>_live_<pid>`, of letters, digits and underscores only.
async fn throwaway_name(db: &PgPool) -> anyhow::Result<String> {
    let current: String = sqlx::query_scalar("SELECT current_database()")
        .fetch_one(db)
        .await?;
    let stem: String = current
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(40)
        .collect();
    Ok(format!("{stem}_live_{}", std::process::id()))
}

/// Drops the throwaway database, closing what still uses it (the portal's event listener).
async fn drop_database(bench_db: &PgPool, name: &str) {
    let dropped = sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(bench_db)
        .await;
    if let Err(error) = dropped {
        eprintln!("Could not drop the throwaway database {name}: {error}");
    }
}

/// One of the bench's suites upstream: [`CASES`] one-attempt cases.
async fn make_suite(sim: &Simulator, key: &SecretString, kind: SuiteKind) -> anyhow::Result<()> {
    let client = RevRing::new(&sim.base_url())?.client(key.clone());
    let agents = client.list_agents().await?;
    let agent = agents.first().context("the simulator has no agents")?;
    let suite = client
        .create_suite(&NewSuite {
            name: kind.name().into(),
            target_agent_id: agent.id.clone(),
            tester_agent_id: None,
            max_concurrency: Some(kind.max_concurrency()),
            default_variables: Default::default(),
        })
        .await?;
    for number in 1..=CASES {
        client
            .create_test(
                &suite.id,
                &NewTestCase {
                    name: format!("Books an appointment ({number})"),
                    script: "You want a cleaning next week; accept the first slot offered.".into(),
                    scoring_rubric: "The agent books a slot and confirms the day and time.".into(),
                    attempts_per_run: Some(1),
                    variables: Default::default(),
                },
            )
            .await?;
    }
    Ok(())
}
