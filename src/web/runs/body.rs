//! The run page's body, the same for members and share links: the header facts, then the
//! attempts grouped by test case, each case compared with the suite's previous run.

use std::collections::BTreeMap;

use sqlx::PgPool;
use uuid::Uuid;

use crate::db::attempts::{self, AttemptRow};
use crate::db::case_results::{self, CaseResultRow};
use crate::db::runs::{self, RunRow};
use crate::domain::run_diff::{self, DiffKind};
use crate::web::runs::line::{RunLine, failed, verdict_badge};

/// One test case of the run with its attempts (all, or only failed ones).
#[derive(Debug, Clone)]
pub(crate) struct CaseGroup {
    /// RevRing's test case id.
    pub case_id: String,
    /// The case's name.
    pub name: String,
    /// How it did compared with the suite's previous run.
    pub change: DiffKind,
    /// Its attempts shown, by attempt number.
    pub attempts: Vec<AttemptRow>,
}

/// Everything the run page shows below its title.
#[derive(Debug, Clone)]
pub(crate) struct RunBody {
    /// The run.
    pub line: RunLine,
    /// Test cases with their attempts (cases without a shown attempt are left out).
    pub cases: Vec<CaseGroup>,
    /// The previous run of the suite the cases are compared with.
    pub baseline: Option<Uuid>,
    /// Whether only failed attempts are shown.
    pub failures_only: bool,
    /// Path of this run page (`/runs/{id}` or `/s/{token}/runs/{id}`); attempt links hang
    /// below it.
    pub base: String,
    /// Whether the baseline run may be linked (not on share links: they show one run only).
    pub link_baseline: bool,
    /// Whether a share link is looking: internals (who started the run, sync errors) hidden.
    pub shared: bool,
}

impl RunBody {
    /// Loads the run's attempts and its baseline's verdicts and groups them.
    pub(crate) async fn load(
        db: &PgPool,
        team_id: Uuid,
        run: RunRow,
        base: String,
        failures_only: bool,
    ) -> sqlx::Result<Self> {
        let rows = attempts::for_run(db, team_id, run.id).await?;
        let baseline = runs::previous_judged(db, team_id, &run).await?;
        let changes = case_changes(db, team_id, run.id, baseline).await?;
        let mut cases: Vec<CaseGroup> = Vec::new();
        for attempt in rows {
            if failures_only && !failed(attempt.result.as_ref()) {
                continue;
            }
            match cases.last_mut() {
                Some(group) if group.case_id == attempt.test_case_revring_id => {
                    group.attempts.push(attempt);
                }
                _ => cases.push(CaseGroup {
                    case_id: attempt.test_case_revring_id.clone(),
                    name: attempt.test_case_name.clone(),
                    change: changes
                        .get(&attempt.test_case_revring_id)
                        .copied()
                        .unwrap_or(DiffKind::Pending),
                    attempts: vec![attempt],
                }),
            }
        }
        Ok(Self {
            line: RunLine::from(run),
            cases,
            baseline,
            failures_only,
            base,
            link_baseline: true,
            shared: false,
        })
    }

    /// Whether the run is over, so attempts without a verdict will never get one.
    fn ended(&self) -> bool {
        self.line.run.status.is_terminal()
    }

    /// Badge class of an attempt's verdict.
    pub(crate) fn verdict_class(&self, attempt: &AttemptRow) -> &'static str {
        if attempt.result.is_none() && self.ended() {
            return "badge-cancelled";
        }
        verdict_badge(attempt.result.as_ref())
    }

    /// An attempt's verdict as the page says it: `pass`, `fail`, `error`, `pending` while the
    /// run goes on, `not run` once the run ended (cancelled, say) without calling it.
    pub(crate) fn verdict_word(&self, attempt: &AttemptRow) -> String {
        match &attempt.result {
            Some(result) => result.to_string(),
            None if self.ended() => "not run".into(),
            None => "pending".into(),
        }
    }

    /// A case's change badge: a case that never got a verdict in an ended run was not run.
    pub(crate) fn change_word(&self, case: &CaseGroup) -> &'static str {
        if case.change == DiffKind::Pending && self.ended() {
            "not run"
        } else {
            case.change.badge()
        }
    }

    /// Link to one attempt of this run.
    pub(crate) fn attempt_href(&self, attempt: &AttemptRow) -> String {
        format!("{}/attempts/{}", self.base, attempt.id)
    }

    /// Whether the run has any attempts at all (as opposed to none shown by the filter).
    pub(crate) fn has_attempts(&self) -> bool {
        self.line.run.attempts_total > 0 || !self.cases.is_empty()
    }
}

/// Each case of `run_id` classified against the same case in `baseline`, by case id, from the
/// per-case summaries (the attempts of the baseline are not read).
async fn case_changes(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
    baseline: Option<Uuid>,
) -> sqlx::Result<BTreeMap<String, DiffKind>> {
    let ids: Vec<Uuid> = std::iter::once(run_id).chain(baseline).collect();
    let rows = case_results::for_runs(db, team_id, &ids).await?;
    let (now, before): (Vec<CaseResultRow>, Vec<CaseResultRow>) =
        rows.into_iter().partition(|row| row.run_id == run_id);
    let now: Vec<_> = now.into_iter().map(CaseResultRow::into_case).collect();
    let changes = match baseline {
        Some(_) => {
            let before: Vec<_> = before.into_iter().map(CaseResultRow::into_case).collect();
            run_diff::diff(&before, &now)
                .into_iter()
                .map(|diff| (diff.case_id, diff.kind))
                .collect()
        }
        // No earlier run: every judged case is new to the comparison.
        None => now
            .into_iter()
            .map(|case| {
                (
                    case.case_id,
                    DiffKind::of(None, Some(case.counts.outcome())),
                )
            })
            .collect(),
    };
    Ok(changes)
}
