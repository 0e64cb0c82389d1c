//! Test cases × runs: the data behind the case history and flaky pages, loaded from the run
//! counters and `run_case_results` (never from the attempts).

use std::collections::HashMap;

use sqlx::PgPool;
use uuid::Uuid;

use crate::db::case_results::{self, CaseResultRow};
use crate::db::suites::{self, Suite};
use crate::db::trends::{self, TrendRun};
use crate::domain::trend::{CaseCounts, CaseOutcome};
use crate::web::kit::error::AppError;

/// A suite's latest runs and how every case came out in each.
#[derive(Clone)]
pub struct CaseGrid {
    /// The suite.
    pub suite: Suite,
    /// Its latest runs, newest first.
    pub runs: Vec<TrendRun>,
    /// One line per test case seen in those runs, in name order.
    pub cases: Vec<CaseLine>,
}

/// One test case across the grid's runs.
#[derive(Debug, Clone)]
pub struct CaseLine {
    /// RevRing's test case id.
    pub case_id: String,
    /// Its name (as in its newest run).
    pub name: String,
    /// Its counts per run, aligned with the grid's runs (newest first); `None` where not run.
    pub cells: Vec<Option<CaseCounts>>,
}

impl CaseLine {
    /// Runs in which it has a verdict.
    pub fn judged_runs(&self) -> usize {
        self.outcomes().filter(CaseOutcome::is_judged).count()
    }

    /// Runs it did not pass (failed or mixed).
    pub fn failing_runs(&self) -> usize {
        self.outcomes()
            .filter(|outcome| matches!(outcome, CaseOutcome::Fail | CaseOutcome::Mixed))
            .count()
    }

    /// `failing_runs / judged_runs`, 0..=1 (0 when never judged).
    pub fn failure_rate(&self) -> f64 {
        match self.judged_runs() {
            0 => 0.0,
            judged => self.failing_runs() as f64 / judged as f64,
        }
    }

    /// Its counts in the runs it was in, oldest first (flake scoring reads them so).
    pub fn history(&self) -> Vec<CaseCounts> {
        self.cells.iter().rev().flatten().copied().collect()
    }

    fn outcomes(&self) -> impl Iterator<Item = CaseOutcome> + '_ {
        self.cells.iter().flatten().map(CaseCounts::outcome)
    }
}

/// [`load`], shared with every request that sees the same data (see `kit::page_data`).
pub(crate) async fn shared_load(
    state: &crate::app::state::AppState,
    member: &crate::web::kit::member::CurrentMember,
    suite_id: Uuid,
    runs: i64,
    judged_only: bool,
) -> Result<CaseGrid, AppError> {
    let (team_id, snapshot) = (member.team_id, &member.snapshot);
    let page = format!("grid suite={suite_id} runs={runs} judged_only={judged_only}");
    let read = load(&state.db, team_id, suite_id, runs, judged_only);
    state.page_data.get(team_id, snapshot, page, read).await
}

/// Loads the suite, its `runs` latest runs and their case results (effective unless
/// `judged_only`), concurrently: the SQL the
/// case history and flaky pages need (`ringside bench` times it on its own).
pub async fn load(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    runs: i64,
    judged_only: bool,
) -> Result<CaseGrid, AppError> {
    let (suite, latest, rows) = tokio::try_join!(
        suites::get(db, team_id, suite_id),
        trends::latest_runs(db, team_id, suite_id, runs, judged_only),
        case_results::for_latest_runs(db, team_id, suite_id, runs),
    )?;
    let suite = suite.ok_or(AppError::NotFound)?;
    Ok(CaseGrid {
        cases: arrange(&latest, rows, judged_only),
        runs: latest,
        suite,
    })
}

/// Lines up case results with `runs` (newest first): one line per case, in name order, with
/// effective counts (the judge's when `judged_only`).
pub fn arrange(runs: &[TrendRun], rows: Vec<CaseResultRow>, judged_only: bool) -> Vec<CaseLine> {
    let column: HashMap<Uuid, usize> = runs.iter().enumerate().map(|(i, r)| (r.id, i)).collect();
    let mut lines: HashMap<String, (usize, CaseLine)> = HashMap::new();
    for row in rows {
        let Some(&index) = column.get(&row.run_id) else {
            continue;
        };
        let counts = row.counts(judged_only);
        let (newest, line) = lines
            .entry(row.test_case_revring_id.clone())
            .or_insert_with(|| {
                (
                    usize::MAX,
                    CaseLine {
                        case_id: row.test_case_revring_id.clone(),
                        name: row.test_case_name.clone(),
                        cells: vec![None; runs.len()],
                    },
                )
            });
        if index < *newest {
            *newest = index;
            line.name = row.test_case_name;
        }
        line.cells[index] = Some(counts);
    }
    let mut lines: Vec<CaseLine> = lines.into_values().map(|(_, line)| line).collect();
    lines.sort_by(|a, b| {
        (a.name.to_lowercase(), &a.case_id).cmp(&(b.name.to_lowercase(), &b.case_id))
    });
    lines
}
