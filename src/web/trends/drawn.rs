//! The suite trend's three charts, drawn once for a list of runs and kept while that list stays
//! the same.
//!
//! The charts are a pure function of the runs they show (and of whether points link to their
//! runs). The page still reads its runs on every visit (or shares the read, see
//! `kit::page_data`), then compares them with the runs its kept charts were drawn from: any
//! change (a run finishing, a review shifting a count, a rename) gives a different list and
//! the charts are drawn again. A commit elsewhere in the database (another suite's run, a
//! session, another team) changes the snapshot but not this list, and the drawing is reused:
//! for up to 500 runs that drawing costs about as much as the page's SQL.

use std::sync::Arc;

use uuid::Uuid;

use crate::db::trends::TrendRun;
use crate::web::trends::charts::{self, BarChart, LineChart};

/// Bytes of drawn charts kept at most (a 500-run page's charts and runs are about 400 KB).
pub const MEMO_BYTES: u64 = 8 * 1024 * 1024;

/// Pages' charts kept at most, about (the byte budget usually binds first).
pub const MEMO_PAGES: usize = 64;

/// Bytes a kept run counts for, besides its markup (its fields and strings, about).
const RUN_BYTES: u64 = 200;

/// The trend page's charts.
#[derive(Debug)]
pub(super) struct DrawnCharts {
    /// Pass rate per run (points link to their runs unless the page is shared).
    pub pass: LineChart,
    /// Passed and failed attempts per run.
    pub counts: BarChart,
    /// Run duration per run.
    pub duration: LineChart,
}

impl DrawnCharts {
    /// Draws the charts of `runs` (oldest first).
    fn draw(runs: &[TrendRun], linked: bool) -> Self {
        Self {
            pass: charts::pass_rate_chart(runs, linked),
            counts: charts::counts_chart(runs),
            duration: charts::duration_chart(runs),
        }
    }

    /// Bytes of their markup.
    pub(super) fn markup_bytes(&self) -> usize {
        self.pass.points.markup.len()
            + self.counts.bars.markup.len()
            + self.duration.points.markup.len()
    }
}

/// Which page's charts: the team, and every parameter of the page that changes its runs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct PageKey {
    team_id: Uuid,
    page: String,
    linked: bool,
}

/// Charts and the runs they were drawn from.
struct Drawing {
    runs: Vec<TrendRun>,
    charts: Arc<DrawnCharts>,
}

#[derive(Clone)]
struct DrawingWeight;

impl quick_cache::Weighter<PageKey, Arc<Drawing>> for DrawingWeight {
    fn weight(&self, _key: &PageKey, drawing: &Arc<Drawing>) -> u64 {
        drawing.charts.markup_bytes() as u64 + drawing.runs.len() as u64 * RUN_BYTES + 1
    }
}

/// The charts drawn lately, one drawing per page.
#[derive(Clone)]
pub struct ChartMemo {
    kept: Arc<quick_cache::sync::Cache<PageKey, Arc<Drawing>, DrawingWeight>>,
}

impl Default for ChartMemo {
    fn default() -> Self {
        Self {
            kept: Arc::new(quick_cache::sync::Cache::with_weighter(
                MEMO_PAGES,
                MEMO_BYTES,
                DrawingWeight,
            )),
        }
    }
}

impl ChartMemo {
    /// The charts of `runs` for the team's `page` (which must name every parameter that
    /// changes its runs): those drawn before if they were drawn from exactly these runs,
    /// else drawn now and kept.
    pub(super) fn charts(
        &self,
        team_id: Uuid,
        page: String,
        runs: &[TrendRun],
        linked: bool,
    ) -> Arc<DrawnCharts> {
        let key = PageKey {
            team_id,
            page,
            linked,
        };
        if let Some(drawing) = self.kept.get(&key)
            && drawing.runs == runs
        {
            return drawing.charts.clone();
        }
        let charts = Arc::new(DrawnCharts::draw(runs, linked));
        let drawing = Drawing {
            runs: runs.to_vec(),
            charts: charts.clone(),
        };
        self.kept.insert(key, Arc::new(drawing));
        charts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revring::RunStatus;
    use time::macros::datetime;

    fn runs(passed: i32) -> Vec<TrendRun> {
        vec![TrendRun {
            id: Uuid::from_u128(7),
            name: Some("Nightly".into()),
            revring_id: "run_1".into(),
            status: RunStatus::Completed,
            created_at: datetime!(2026-11-24 09:05 UTC),
            started_at: Some(datetime!(2026-11-24 09:05 UTC)),
            completed_at: Some(datetime!(2026-11-24 09:09 UTC)),
            attempts_total: 4,
            attempts_passed: passed,
            attempts_failed: 4 - passed,
            review_pass_delta: 0,
        }]
    }

    #[test]
    fn charts_are_reused_only_for_the_same_runs_page_and_team() {
        let memo = ChartMemo::default();
        let team = Uuid::from_u128(1);
        let page = || "trend suite=1".to_owned();
        let first = memo.charts(team, page(), &runs(3), true);
        let again = memo.charts(team, page(), &runs(3), true);
        assert!(Arc::ptr_eq(&first, &again), "same runs, same drawing");
        assert!(first.pass.points.markup.contains("75% passed"));

        let changed = memo.charts(team, page(), &runs(1), true);
        assert!(!Arc::ptr_eq(&first, &changed), "a changed count redraws");
        assert!(changed.pass.points.markup.contains("25% passed"));

        let other_team = memo.charts(Uuid::from_u128(2), page(), &runs(1), true);
        assert!(!Arc::ptr_eq(&changed, &other_team), "teams never share");
        let shared = memo.charts(team, page(), &runs(1), false);
        assert!(!shared.pass.points.markup.contains("href"), "unlinked");
    }
}
