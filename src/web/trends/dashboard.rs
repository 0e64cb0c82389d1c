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
use crate::auth::Role;
use crate::db::api_keys;
use crate::db::run_labels;
use crate::db::trends::{self, DashboardRow, FailingCase, WeekTotals};
use crate::domain::chart;
use crate::domain::trend::{change_css, format_change, format_rate, pass_rate};
use crate::revring::RunStatus;
use crate::web::kit::error::AppError;
use crate::web::kit::labels::Narrow;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;
use crate::web::runs::line::status_badge;
use crate::web::triage::toggle::VerdictToggle;

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
#[derive(Clone)]
pub struct DashboardData {
    /// Every current suite with its recent pass counts.
    pub suites: Vec<DashboardRow>,
    /// The cases failing most.
    pub failing: Vec<FailingCase>,
    /// The team's runs and attempts this week and last.
    pub week: WeekTotals,
}

/// Loads the dashboard's data (three concurrent queries; effective results unless `judged_only`): the SQL the page needs, which
/// `ringside bench` also times on its own.
pub async fn load(
    db: &PgPool,
    team_id: Uuid,
    judged_only: bool,
) -> Result<DashboardData, AppError> {
    let (suites, failing, week) = tokio::try_join!(
        trends::dashboard(db, team_id, SPARK_RUNS, PAST_DAYS, judged_only),
        trends::failing_most(db, team_id, FAILING_WINDOW_RUNS, FAILING_LIMIT, judged_only),
        trends::week_totals(db, team_id),
    )?;
    Ok(DashboardData {
        suites,
        failing,
        week,
    })
}

/// The team's headline numbers as the dashboard says them.
struct Headline {
    week: WeekTotals,
}

impl Headline {
    fn rate(passed: i64, judged: i64) -> Option<f64> {
        (judged > 0).then(|| passed as f64 * 100.0 / judged as f64)
    }

    fn this_rate(&self) -> Option<f64> {
        Self::rate(self.week.passed_this_week, self.week.judged_this_week)
    }

    fn last_rate(&self) -> Option<f64> {
        Self::rate(self.week.passed_last_week, self.week.judged_last_week)
    }

    /// This week's pass rate: `84%`, or a dash without judged attempts.
    fn rate_text(&self) -> String {
        format_rate(self.this_rate())
    }

    /// How this week's pass rate moved from last week's, in words.
    fn rate_change(&self) -> String {
        match (self.this_rate(), self.last_rate()) {
            (Some(_), Some(_)) => format!(
                "{} vs last week ({})",
                format_change(self.this_rate(), self.last_rate()),
                format_rate(self.last_rate())
            ),
            (_, None) => "no judged runs last week".into(),
            (None, Some(_)) => format!("last week {}", format_rate(self.last_rate())),
        }
    }

    fn rate_change_css(&self) -> &'static str {
        change_css(self.this_rate(), self.last_rate())
    }

    /// How this week's number of runs compares with last week's.
    fn runs_change(&self) -> String {
        let before = self.week.runs_last_week;
        let runs = if before == 1 { "run" } else { "runs" };
        format!("{before} {runs} last week")
    }
}

/// The dashboard narrowed to runs carrying `labels` (a non-empty JSON object): the suites'
/// pass rates over those runs only; "failing most" is not narrowed, so it is left out.
async fn load_narrowed(
    db: &PgPool,
    team_id: Uuid,
    labels: &serde_json::Value,
    judged_only: bool,
) -> Result<DashboardData, AppError> {
    let suites =
        run_labels::dashboard_labelled(db, team_id, SPARK_RUNS, PAST_DAYS, labels, judged_only)
            .await?;
    let week = trends::week_totals(db, team_id).await?;
    Ok(DashboardData {
        suites,
        failing: Vec::new(),
        week,
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

    /// Which run the "vs 30 days ago" figure compares with.
    fn vs_past_title(&self) -> String {
        match self.row.past_created_at {
            Some(at) => format!(
                "Compared with the run of {}",
                crate::web::kit::format::when(&at)
            ),
            None => "No finished run from about a month ago".into(),
        }
    }

    /// The sparkline's values in words, for its tooltip and screen readers.
    fn spark_title(&self) -> String {
        let rates: Vec<String> = self
            .rates
            .iter()
            .map(|rate| format!("{}%", rate.round()))
            .collect();
        format!(
            "Pass rate of the last {} runs, oldest first: {}",
            rates.len(),
            rates.join(", ")
        )
    }

    fn spark(&self) -> String {
        chart::sparkline(SPARK_WIDTH, SPARK_HEIGHT, &self.rates, 100.0)
    }

    /// The last run's badge, coloured by outcome: a completed run by its pass rate (every
    /// attempt passed: green; some: amber; none: red), others by status.
    fn status_badge(&self) -> &'static str {
        match (&self.row.last_status, self.latest()) {
            (Some(RunStatus::Completed), Some(rate)) if rate >= 100.0 => "badge-pass",
            (Some(RunStatus::Completed), Some(rate)) if rate <= 0.0 => "badge-fail",
            (Some(RunStatus::Completed), Some(_)) => "badge-mixed",
            (status, _) => status.as_ref().map_or("badge-unknown", status_badge),
        }
    }
}

/// Figures about the team and, for admins, the installation, shown while the team has no
/// suites yet.
struct Overview {
    members: i64,
    keys: usize,
    installation: Option<Installation>,
}

/// What the installation runs on: admins only.
struct Installation {
    database_version: String,
    /// The RevRing base URL without any userinfo (`user:password@`).
    revring_base_url: String,
}

/// `url` as it may be shown: without user name and password.
fn without_userinfo(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
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
    headline: Headline,
    toggle: VerdictToggle,
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

    fn case_href(&self, case: &FailingCase) -> String {
        crate::web::cases::case_href(case.suite_id, &case.test_case_revring_id)
    }
}

/// `GET /`
pub(crate) async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Query(query): Query<DashboardQuery>,
    toggle: VerdictToggle,
) -> Result<Html<String>, AppError> {
    let narrow = Narrow {
        branch: query.branch,
        environment: query.environment,
    };
    let judged_only = toggle.judged_only;
    let (data, narrow_error) = match narrow.labels() {
        Ok(labels) if !narrow.is_empty() => (
            load_narrowed(&state.db, member.team_id, &labels, judged_only).await?,
            None,
        ),
        Ok(_) => (shared_load(&state, &member, judged_only).await?, None),
        Err(problem) => (
            shared_load(&state, &member, judged_only).await?,
            Some(problem),
        ),
    };
    let overview = if data.suites.is_empty() {
        Some(overview(&state, member.team_id, member.role >= Role::Admin).await?)
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
        headline: Headline { week: data.week },
        has_keys,
        spark_box: format!("0 0 {SPARK_WIDTH} {SPARK_HEIGHT}"),
        past_days: PAST_DAYS,
        toggle,
        narrow,
        narrow_error,
        narrow_range: None,
    };
    Ok(Html(page.render()?))
}

/// [`load`], shared with every request that sees the same data (see `kit::page_data`).
async fn shared_load(
    state: &AppState,
    member: &CurrentMember,
    judged_only: bool,
) -> Result<DashboardData, AppError> {
    let (team_id, snapshot) = (member.team_id, &member.snapshot);
    let page = format!("dashboard judged_only={judged_only}");
    let read = load(&state.db, team_id, judged_only);
    state.page_data.get(team_id, snapshot, page, read).await
}

async fn overview(state: &AppState, team_id: Uuid, admin: bool) -> Result<Overview, AppError> {
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
        installation: admin.then(|| Installation {
            database_version: row.database_version,
            revring_base_url: without_userinfo(&state.settings.revring_base_url),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shown_base_url_has_no_userinfo() {
        let url = url::Url::parse("https://user:hunter2@api.example.com/v1").unwrap();
        assert_eq!(without_userinfo(&url), "https://api.example.com/v1");
    }
}
