//! The team dashboard at `/`: every suite with its latest pass rate, the change against the
//! previous run and against 30 days ago, a sparkline, its last run, and the test cases failing
//! most. A team without suites is pointed to its API keys.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::api_keys;
use crate::db::run_labels;
use crate::db::trends::{self, DashboardRow, FailingCase};
use crate::domain::chart;
use crate::domain::trend::{change_css, format_change, format_rate, pass_rate};
use crate::web::kit::error::AppError;
use crate::web::kit::labels::Narrow;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;
use crate::web::runs::line::status_badge;

/// Finished runs a sparkline shows.
pub const SPARK_RUNS: i64 = 20;

/// The "against N days ago" comparison looks this far back.
pub const PAST_DAYS: i32 = 30;

/// "Failing most" looks at this many latest finished runs of each suite.
pub const FAILING_WINDOW_RUNS: i64 = 10;

/// "Failing most" lists at most this many cases.
pub const FAILING_LIMIT: i64 = 10;

/// Sparkline size in viewBox units.
const SPARK_WIDTH: f64 = 120.0;
/// Sparkline height in viewBox units.
const SPARK_HEIGHT: f64 = 28.0;

/// What the dashboard shows.
pub struct DashboardData {
    /// Every current suite with its recent pass counts.
    pub suites: Vec<DashboardRow>,
    /// The cases failing most.
    pub failing: Vec<FailingCase>,
}

/// Loads the dashboard's data (two concurrent queries): the SQL the page needs, which
/// `ringside bench` also times on its own.
pub async fn load(db: &PgPool, team_id: Uuid) -> Result<DashboardData, AppError> {
    let (suites, failing) = tokio::try_join!(
        trends::dashboard(db, team_id, SPARK_RUNS, PAST_DAYS),
        trends::failing_most(db, team_id, FAILING_WINDOW_RUNS, FAILING_LIMIT),
    )?;
    Ok(DashboardData { suites, failing })
}

/// The dashboard narrowed to runs carrying `labels` (a non-empty JSON object): the suites'
/// pass rates over those runs only; "failing most" is not narrowed, so it is left out.
async fn load_narrowed(
    db: &PgPool,
    team_id: Uuid,
    labels: &serde_json::Value,
) -> Result<DashboardData, AppError> {
    let suites = run_labels::dashboard_labelled(db, team_id, SPARK_RUNS, PAST_DAYS, labels).await?;
    Ok(DashboardData {
        suites,
        failing: Vec::new(),
    })
}

/// `?branch=&environment=` narrowing the dashboard to labelled runs.
#[derive(Debug, Default, serde::Deserialize)]
pub struct DashboardQuery {
    /// Only runs labelled with this branch.
    #[serde(default)]
    pub branch: String,
    /// Only runs labelled with this environment.
    #[serde(default)]
    pub environment: String,
}

/// A suite as a dashboard line.
struct SuiteLine {
    row: DashboardRow,
    rates: Vec<f64>,
    past: Option<f64>,
}

impl SuiteLine {
    fn new(row: DashboardRow) -> Self {
        let rates = row
            .recent_passed
            .iter()
            .zip(&row.recent_judged)
            .filter_map(|(passed, judged)| pass_rate(*passed, *judged))
            .collect();
        let past = row
            .past_passed
            .zip(row.past_judged)
            .and_then(|(p, j)| pass_rate(p, j));
        Self { row, rates, past }
    }

    fn latest(&self) -> Option<f64> {
        self.rates.last().copied()
    }

    fn previous(&self) -> Option<f64> {
        self.rates.len().checked_sub(2).map(|i| self.rates[i])
    }

    fn latest_text(&self) -> String {
        format_rate(self.latest())
    }

    fn vs_previous(&self) -> String {
        format_change(self.latest(), self.previous())
    }

    fn vs_previous_css(&self) -> &'static str {
        change_css(self.latest(), self.previous())
    }

    fn vs_past(&self) -> String {
        format_change(self.latest(), self.past)
    }

    fn vs_past_css(&self) -> &'static str {
        change_css(self.latest(), self.past)
    }

    fn spark(&self) -> String {
        chart::sparkline(SPARK_WIDTH, SPARK_HEIGHT, &self.rates, 100.0)
    }

    fn status_badge(&self) -> &'static str {
        self.row
            .last_status
            .as_ref()
            .map_or("badge-unknown", status_badge)
    }
}

/// Figures about the team and the installation, shown while the team has no suites yet.
struct Overview {
    members: i64,
    keys: usize,
    database_version: String,
    revring_base_url: String,
}

#[derive(Template)]
#[template(path = "trends/dashboard.html")]
struct HomePage {
    layout: Layout,
    team_name: String,
    overview: Option<Overview>,
    suites: Vec<SuiteLine>,
    failing: Vec<FailingCase>,
    has_keys: bool,
    spark_box: String,
    past_days: i32,
    /// The branch / environment the page is narrowed to.
    narrow: Narrow,
    /// Why the narrowing was refused, if it was.
    narrow_error: Option<String>,
    /// The dashboard has no range to keep.
    narrow_range: Option<String>,
}

impl HomePage {
    fn failing_share(&self, case: &FailingCase) -> String {
        format!("{} of {}", case.failing_runs, case.runs)
    }
}

/// `GET /`
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Query(query): Query<DashboardQuery>,
) -> Result<Html<String>, AppError> {
    let narrow = Narrow {
        branch: query.branch,
        environment: query.environment,
    };
    let (data, narrow_error) = match narrow.labels() {
        Ok(labels) if !narrow.is_empty() => (
            load_narrowed(&state.db, member.team_id, &labels).await?,
            None,
        ),
        Ok(_) => (load(&state.db, member.team_id).await?, None),
        Err(problem) => (load(&state.db, member.team_id).await?, Some(problem)),
    };
    let overview = if data.suites.is_empty() {
        Some(overview(&state, member.team_id).await?)
    } else {
        None
    };
    let has_keys = overview.as_ref().is_none_or(|overview| overview.keys > 0);
    let page = HomePage {
        layout: Layout::for_member("Dashboard", "home", &member, &session).await,
        team_name: member.team_name.clone(),
        overview,
        suites: data.suites.into_iter().map(SuiteLine::new).collect(),
        failing: data.failing,
        has_keys,
        spark_box: format!("0 0 {SPARK_WIDTH} {SPARK_HEIGHT}"),
        past_days: PAST_DAYS,
        narrow,
        narrow_error,
        narrow_range: None,
    };
    Ok(Html(page.render()?))
}

async fn overview(state: &AppState, team_id: Uuid) -> Result<Overview, AppError> {
    let row = sqlx::query!(
        r#"SELECT
             (SELECT count(*) FROM memberships WHERE team_id = $1) AS "members!",
             current_setting('server_version') AS "database_version!""#,
        team_id
    )
    .fetch_one(&state.db)
    .await?;
    Ok(Overview {
        members: row.members,
        keys: api_keys::active_keys(&state.db, team_id).await?.len(),
        database_version: row.database_version,
        revring_base_url: state.settings.revring_base_url.to_string(),
    })
}
