//! A team on a portal whose upstream is an in-process simulator, with its suites imported:
//! the world the run pages' tests start runs in.

use reqwest::StatusCode;
use ringside::simulator::{Simulator, SimulatorConfig};
use uuid::Uuid;

use super::accounts::{Visitor, location, setup};
use super::app::{TestApp, serve_args};

/// A team on a portal whose upstream is an in-process simulator, suites imported.
pub(crate) struct RunsWorld {
    pub app: TestApp,
    pub sim: Simulator,
    pub admin: Visitor,
    pub team_id: Uuid,
}

impl RunsWorld {
    pub(crate) async fn new() -> Self {
        Self::with_speed(SimulatorConfig::default_for_tests().speed).await
    }

    pub(crate) async fn with_speed(speed: f64) -> Self {
        Self::start(speed, &["--sync-interval-ms", "20"]).await
    }

    /// The same world without the sync worker, scheduler and deliverer (stored rows change only
    /// through requests), its simulator in real time (a started run is going for minutes).
    pub(crate) async fn without_sync() -> Self {
        Self::start(1.0, &["--no-sync"]).await
    }

    async fn start(speed: f64, extra: &[&str]) -> Self {
        let sim = Simulator::start(SimulatorConfig {
            speed,
            ..SimulatorConfig::default_for_tests()
        })
        .await
        .unwrap();
        let base_url = sim.base_url();
        let mut args = vec!["--revring-base-url", base_url.as_str()];
        args.extend_from_slice(extra);
        let args = serve_args(&args);
        let app = TestApp::spawn_with(args).await;
        let (admin, team_id) = setup(&app, "QA").await;
        let added = admin
            .post("/keys", &[("label", "Staging"), ("secret", &sim.keys()[0])])
            .await;
        assert_eq!(
            added.status(),
            StatusCode::SEE_OTHER,
            "the key was accepted"
        );
        let refreshed = admin.post("/suites/refresh", &[]).await;
        assert_eq!(location(&refreshed), "/suites");
        Self {
            app,
            sim,
            admin,
            team_id,
        }
    }

    /// Submits the dental suite's start-run form as the admin, with `extra` fields.
    pub(crate) async fn submit_start(&self, extra: &[(&str, &str)]) -> reqwest::Response {
        let suite_path = format!("/suites/{}", self.suite_id(DENTAL).await);
        let form = self.admin.page(&suite_path).await;
        let token = hidden(&form, "form_token");
        let mut fields = vec![("form_token", token.as_str())];
        fields.extend_from_slice(extra);
        self.admin
            .post(&format!("{suite_path}/runs"), &fields)
            .await
    }

    /// Starts a run of the dental suite from its form; returns the run page's path.
    pub(crate) async fn start_run(&self, extra: &[(&str, &str)]) -> String {
        location(&self.submit_start(extra).await)
    }

    /// The id of the team's suite called `name`.
    pub(crate) async fn suite_id(&self, name: &str) -> Uuid {
        sqlx::query_scalar("SELECT id FROM suites WHERE team_id = $1 AND name = $2")
            .bind(self.team_id)
            .bind(name)
            .fetch_one(&self.app.db)
            .await
            .unwrap()
    }
}

/// The value of the hidden `name` field in a page.
pub(crate) fn hidden(html: &str, name: &str) -> String {
    field(html, name).expect("the field is on the page")
}

/// The value of the `name` field in a page, if it has one.
pub(crate) fn field(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    Some(html[start..].chars().take_while(|c| *c != '"').collect())
}

/// The seeded suite the run tests start.
pub(crate) const DENTAL: &str = "Dental clinic receptionist";
