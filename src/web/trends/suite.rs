//! The suite trend page: pass rate, passed/failed counts and duration per run over a date range,
//! as SVG drawn on the server. Also rendered for anonymous viewers of a share link.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;
use sqlx::PgPool;
use time::OffsetDateTime;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::run_labels;
use crate::db::share_links::ResolvedLink;
use crate::db::suites::{self, Suite};
use crate::db::trends::{self, TrendRun};
use crate::domain::trend::{TrendRange, format_rate, pass_rate};
use crate::web::kit::error::AppError;
use crate::web::kit::extract::{Path, Query};
use crate::web::kit::labels::Narrow;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;
use crate::web::trends::drawn::DrawnCharts;
use crate::web::triage::toggle::VerdictToggle;

/// Most runs one trend page charts; a longer range shows its latest this-many runs and says so.
pub const MAX_TREND_RUNS: i64 = 500;

/// Bytes of the trend page besides its charts' marks, about.
const PAGE_BYTES: usize = 24 * 1024;

/// `?range=` of the trend page, and `?branch=&environment=` to narrow it.
#[derive(Debug, Deserialize)]
pub struct TrendQuery {
    /// `7d`, `30d` (default), `90d` or `all`.
    pub range: Option<String>,
    /// Only runs labelled with this branch.
    #[serde(default)]
    branch: String,
    /// Only runs labelled with this environment.
    #[serde(default)]
    environment: String,
}

/// What the trend page shows, loaded in one go.
#[derive(Clone)]
pub struct TrendData {
    /// The suite.
    pub suite: Suite,
    /// Its finished runs in range, oldest first.
    pub runs: Vec<TrendRun>,
    /// True when the range holds more runs than are shown.
    pub truncated: bool,
}

/// [`load`], shared with every request that sees the same data (see `kit::page_data`).
/// `page` is the page's [`page_key`].
async fn shared_load(
    state: &AppState,
    member: &CurrentMember,
    page: &str,
    suite_id: Uuid,
    range: TrendRange,
    judged_only: bool,
) -> Result<TrendData, AppError> {
    let (team_id, snapshot) = (member.team_id, &member.snapshot);
    let read = load(&state.db, team_id, suite_id, range, judged_only);
    state
        .page_data
        .get(team_id, snapshot, page.to_owned(), read)
        .await
}

/// What names one trend page's data in the shared reads and its charts in the memo.
fn page_key(suite_id: Uuid, range: TrendRange, judged_only: bool) -> String {
    format!("trend suite={suite_id} range={range:?} judged_only={judged_only}")
}

/// Loads the trend page's data (the suite and its runs in range with effective counts unless
/// `judged_only`, concurrently): the SQL the
/// page needs, which `ringside bench` also times on its own.
pub async fn load(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    range: TrendRange,
    judged_only: bool,
) -> Result<TrendData, AppError> {
    let since = range.since(OffsetDateTime::now_utc());
    let (suite, mut runs) = tokio::try_join!(
        suites::get(db, team_id, suite_id),
        trends::finished_runs_since(
            db,
            team_id,
            suite_id,
            since,
            MAX_TREND_RUNS + 1,
            judged_only
        ),
    )?;
    let suite = suite.ok_or(AppError::NotFound)?;
    let truncated = runs.len() as i64 > MAX_TREND_RUNS;
    runs.truncate(MAX_TREND_RUNS as usize);
    runs.reverse();
    Ok(TrendData {
        suite,
        runs,
        truncated,
    })
}

/// [`load`] narrowed to runs carrying `labels` (a non-empty JSON object).
async fn load_narrowed(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    range: TrendRange,
    labels: &serde_json::Value,
    judged_only: bool,
) -> Result<TrendData, AppError> {
    let since = range.since(OffsetDateTime::now_utc());
    let (suite, mut runs) = tokio::try_join!(
        suites::get(db, team_id, suite_id),
        run_labels::finished_runs_since_labelled(
            db,
            team_id,
            suite_id,
            since,
            labels,
            MAX_TREND_RUNS + 1,
            judged_only
        ),
    )?;
    let suite = suite.ok_or(AppError::NotFound)?;
    let truncated = runs.len() as i64 > MAX_TREND_RUNS;
    runs.truncate(MAX_TREND_RUNS as usize);
    runs.reverse();
    Ok(TrendData {
        suite,
        runs,
        truncated,
    })
}

#[derive(Template)]
#[template(path = "trends/suite.html")]
struct TrendPage {
    layout: Layout,
    shared: bool,
    tab: &'static str,
    suite_id: Uuid,
    suite_name: String,
    range: TrendRange,
    ranges: [TrendRange; 4],
    truncated: bool,
    /// Newest first.
    runs: Vec<TrendRun>,
    /// The charts (see `drawn`).
    drawn: Arc<DrawnCharts>,
    /// Effective or judged counts (share links show effective ones, without the switch).
    toggle: VerdictToggle,
    /// The branch / environment the page is narrowed to.
    narrow: Narrow,
    /// Why the narrowing was refused, if it was.
    narrow_error: Option<String>,
    /// The range the narrowing form keeps.
    narrow_range: Option<String>,
}

impl TrendPage {
    fn new(
        layout: Layout,
        data: TrendData,
        range: TrendRange,
        shared: bool,
        toggle: VerdictToggle,
        drawn: Arc<DrawnCharts>,
    ) -> Self {
        let mut page = Self {
            layout,
            shared,
            tab: "trend",
            suite_id: data.suite.id,
            suite_name: data.suite.name,
            range,
            ranges: TrendRange::ALL,
            truncated: data.truncated,
            drawn,
            runs: data.runs,
            toggle,
            narrow: Narrow::default(),
            narrow_error: None,
            narrow_range: Some(range.key().to_owned()),
        };
        page.runs.reverse();
        page
    }

    /// The page's HTML, in a buffer sized for its charts up front (they are most of it).
    fn to_html(&self) -> Result<Html<String>, AppError> {
        let mut html = String::with_capacity(self.drawn.markup_bytes() + PAGE_BYTES);
        self.render_into(&mut html)?;
        Ok(Html(html))
    }

    fn latest_rate(&self) -> String {
        self.runs.first().map_or("—".into(), |run| self.rate(run))
    }

    fn mean_rate(&self) -> String {
        let (passed, judged) = self.runs.iter().fold((0, 0), |(p, j), run| {
            (
                p + run.attempts_passed,
                j + run.attempts_passed + run.attempts_failed,
            )
        });
        format_rate(pass_rate(passed, judged))
    }

    fn rate(&self, run: &TrendRun) -> String {
        format_rate(pass_rate(
            run.attempts_passed,
            run.attempts_passed + run.attempts_failed,
        ))
    }
}

/// `GET /suites/{id}/trend?range=`
pub(crate) async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(suite_id): Path<Uuid>,
    Query(query): Query<TrendQuery>,
    toggle: VerdictToggle,
) -> Result<Html<String>, AppError> {
    let range = TrendRange::parse(query.range.as_deref());
    let narrow = Narrow {
        branch: query.branch,
        environment: query.environment,
    };
    let judged_only = toggle.judged_only;
    let mut page = page_key(suite_id, range, judged_only);
    let (data, narrow_error) = match narrow.labels() {
        Ok(labels) if !narrow.is_empty() => {
            page.push_str(&format!(" labels={labels}"));
            let (db, team_id) = (&state.db, member.team_id);
            let data = load_narrowed(db, team_id, suite_id, range, &labels, judged_only).await?;
            (data, None)
        }
        labels => {
            let data = shared_load(&state, &member, &page, suite_id, range, judged_only).await?;
            (data, labels.err())
        }
    };
    let title = format!("{} · trend", data.suite.name);
    let layout = Layout::for_member(title, "suites", &member, &session).await;
    let drawn = state
        .chart_memo
        .charts(member.team_id, page, &data.runs, true);
    let mut page = TrendPage::new(layout, data, range, false, toggle, drawn);
    page.narrow = narrow;
    page.narrow_error = narrow_error;
    page.to_html()
}

/// The suite trend page for an anonymous viewer of a share link: the default range, no
/// navigation, no member data, runs named but not linked.
pub async fn shared_suite_trend(
    state: &AppState,
    team_id: Uuid,
    suite_id: Uuid,
) -> Result<Html<String>, AppError> {
    let range = TrendRange::default();
    let data = load(&state.db, team_id, suite_id, range, false).await?;
    let layout = Layout::bare(format!("{} · trend", data.suite.name));
    let toggle = VerdictToggle::default();
    let drawn = shared_charts(state, &data);
    TrendPage::new(layout, data, range, true, toggle, drawn).to_html()
}

/// [`shared_suite_trend`] as opened through `link`: the page names the team that shared it and
/// when the link expires.
pub async fn shared_suite_trend_for(
    state: &AppState,
    link: &ResolvedLink,
) -> Result<Html<String>, AppError> {
    let range = TrendRange::default();
    let data = load(&state.db, link.team_id, link.target_id, range, false).await?;
    let layout = Layout::shared(format!("{} · trend", data.suite.name), link);
    let toggle = VerdictToggle::default();
    let drawn = shared_charts(state, &data);
    TrendPage::new(layout, data, range, true, toggle, drawn).to_html()
}

/// The charts of a shared page: its points are not linked.
fn shared_charts(state: &AppState, data: &TrendData) -> Arc<DrawnCharts> {
    let page = page_key(data.suite.id, TrendRange::default(), false);
    state
        .chart_memo
        .charts(data.suite.team_id, page, &data.runs, false)
}
