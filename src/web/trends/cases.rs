//! The case history grid (test cases × the latest runs) and the flaky cases page.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::trends::TrendRun;
use crate::domain::flake::{self, FlakeScore};
use crate::domain::trend::{CaseCounts, CaseOutcome};
use crate::web::kit::error::AppError;
use crate::web::kit::extract::{Path, Query};
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;
use crate::web::trends::grid::{self, CaseLine};
use crate::web::triage::toggle::VerdictToggle;

/// Runs the case history shows unless asked otherwise.
pub const DEFAULT_HISTORY_RUNS: i64 = 30;

/// Most runs the case history shows.
pub const MAX_HISTORY_RUNS: i64 = 100;

/// Runs a flake score is computed over: recent enough to describe the case as it is now,
/// enough to carry evidence.
pub const FLAKE_WINDOW_RUNS: i64 = 50;

/// `?runs=&sort=` of the case history.
#[derive(Debug, Deserialize)]
pub struct HistoryQuery {
    /// How many latest runs (1..=100).
    pub runs: Option<i64>,
    /// `failure` (default: highest failure rate first) or `name`.
    pub sort: Option<String>,
}

/// The link to a case's attempts in a run.
pub fn attempts_href(run_id: Uuid, case_id: &str) -> String {
    let case: String = url::form_urlencoded::byte_serialize(case_id.as_bytes()).collect();
    format!("/compare/case?run={run_id}&case={case}")
}

#[derive(Template)]
#[template(path = "trends/cases.html")]
struct HistoryPage {
    layout: Layout,
    tab: &'static str,
    suite_id: Uuid,
    suite_name: String,
    runs: Vec<TrendRun>,
    cases: Vec<CaseLine>,
    run_count: i64,
    by_name: bool,
    toggle: VerdictToggle,
}

impl HistoryPage {
    fn outcome(&self, cell: &Option<CaseCounts>) -> (&'static str, &'static str) {
        match cell.map(|counts| counts.outcome()) {
            None => ("cell-none", "–"),
            Some(CaseOutcome::Pass) => ("cell-pass", "✓"),
            Some(CaseOutcome::Fail) => ("cell-fail", "✗"),
            Some(CaseOutcome::Mixed) => ("cell-mixed", "±"),
            Some(CaseOutcome::Pending) => ("cell-pending", "…"),
        }
    }

    fn cell_title(&self, cell: &Option<CaseCounts>) -> String {
        match cell {
            None => "not run".to_owned(),
            Some(c) => format!("{} {}/{}", c.outcome().label(), c.passed, c.judged()),
        }
    }

    fn href(&self, run: &TrendRun, case: &CaseLine) -> String {
        attempts_href(run.id, &case.case_id)
    }

    fn case_href(&self, case: &CaseLine) -> String {
        crate::web::cases::case_href(self.suite_id, &case.case_id)
    }

    fn rate(&self, case: &CaseLine) -> String {
        if case.judged_runs() == 0 {
            return "—".into();
        }
        format!("{}%", (case.failure_rate() * 100.0).round())
    }
}

/// `GET /suites/{id}/cases?runs=&sort=`
pub(crate) async fn history(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(suite_id): Path<Uuid>,
    Query(query): Query<HistoryQuery>,
    toggle: VerdictToggle,
) -> Result<Html<String>, AppError> {
    let run_count = query
        .runs
        .unwrap_or(DEFAULT_HISTORY_RUNS)
        .clamp(1, MAX_HISTORY_RUNS);
    let by_name = query.sort.as_deref() == Some("name");
    let grid = grid::shared_load(&state, &member, suite_id, run_count, toggle.judged_only).await?;
    let mut cases = grid.cases;
    if !by_name {
        // Stable sort: equal rates keep name order.
        cases.sort_by(|a, b| b.failure_rate().total_cmp(&a.failure_rate()));
    }
    let title = format!("{} · case history", grid.suite.name);
    let page = HistoryPage {
        layout: Layout::for_member(title, "suites", &member, &session).await,
        tab: "cases",
        suite_id: grid.suite.id,
        suite_name: grid.suite.name,
        runs: grid.runs,
        cases,
        run_count,
        by_name,
        toggle,
    };
    Ok(Html(page.render()?))
}

/// A case with its flake score.
struct ScoredCase {
    line: CaseLine,
    score: FlakeScore,
}

#[derive(Template)]
#[template(path = "trends/flaky.html")]
struct FlakyPage {
    layout: Layout,
    tab: &'static str,
    suite_id: Uuid,
    suite_name: String,
    window: usize,
    cases: Vec<ScoredCase>,
    min_runs: usize,
    threshold: f64,
    toggle: VerdictToggle,
}

impl FlakyPage {
    fn score(&self, case: &ScoredCase) -> String {
        format!("{:.2}", case.score.score)
    }

    fn failing(&self, case: &ScoredCase) -> String {
        format!("{}%", (case.score.failure_share() * 100.0).round())
    }

    fn case_href(&self, case: &ScoredCase) -> String {
        crate::web::cases::case_href(self.suite_id, &case.line.case_id)
    }

    fn flaky_count(&self) -> usize {
        self.cases
            .iter()
            .filter(|case| case.score.verdict == flake::FlakeVerdict::Flaky)
            .count()
    }
}

/// `GET /suites/{id}/flaky`
pub(crate) async fn flaky(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(suite_id): Path<Uuid>,
    toggle: VerdictToggle,
) -> Result<Html<String>, AppError> {
    let grid = grid::shared_load(
        &state,
        &member,
        suite_id,
        FLAKE_WINDOW_RUNS,
        toggle.judged_only,
    )
    .await?;
    let mut cases: Vec<ScoredCase> = grid
        .cases
        .into_iter()
        .map(|line| ScoredCase {
            score: flake::score(&line.history()),
            line,
        })
        .collect();
    cases.sort_by(|a, b| {
        a.score
            .verdict
            .rank()
            .cmp(&b.score.verdict.rank())
            .then(b.score.score.total_cmp(&a.score.score))
    });
    let title = format!("{} · flaky cases", grid.suite.name);
    let page = FlakyPage {
        layout: Layout::for_member(title, "suites", &member, &session).await,
        tab: "flaky",
        suite_id: grid.suite.id,
        suite_name: grid.suite.name,
        window: grid.runs.len(),
        cases,
        min_runs: flake::MIN_RUNS,
        threshold: flake::FLAKY_THRESHOLD,
        toggle,
    };
    Ok(Html(page.render()?))
}
