//! The run page's body, the same for members and share links: the header facts, then the
//! attempts grouped by test case, each case compared with the suite's previous run.

use std::collections::BTreeMap;

use sqlx::PgPool;
use uuid::Uuid;

use crate::db::attempts::{self, AttemptRow};
use crate::db::case_results::{self, CaseResultRow};
use crate::db::known_issues::{self, KnownMark};
use crate::db::reviews::{self, Review};
use crate::db::runs::{self, RunRow};
use crate::domain::review::{Outcome, effective};
use crate::domain::run_diff::{self, DiffKind};
use crate::web::runs::line::{RunLine, verdict_badge};
use crate::web::triage::{kind_label, ticket_label};

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
    /// Current reviews of the run's attempts.
    pub reviews: BTreeMap<Uuid, Review>,
    /// Failures marked with a known issue.
    pub known: BTreeMap<Uuid, KnownMark>,
    /// Whether the viewer may review (members; not viewers, not share links).
    pub can_review: bool,
    /// Path of this page showing the other numbers (effective or judged).
    pub switch_href: String,
}

impl RunBody {
    /// Loads the run's attempts and its baseline's verdicts and groups them.
    pub(crate) async fn load(
        db: &PgPool,
        team_id: Uuid,
        run: RunRow,
        base: String,
        failures_only: bool,
        judged_only: bool,
    ) -> sqlx::Result<Self> {
        let rows = attempts::for_run(db, team_id, run.id).await?;
        let baseline = runs::previous_judged(db, team_id, &run).await?;
        let changes = case_changes(db, team_id, run.id, baseline, judged_only).await?;
        let reviews = reviews::for_run(db, team_id, run.id).await?;
        let known = known_issues::marks_for_run(db, team_id, run.id).await?;
        let mut cases: Vec<CaseGroup> = Vec::new();
        for attempt in rows {
            let counted = if judged_only {
                Outcome::of_verdict(attempt.result.as_ref().map(|r| r.as_str()))
            } else {
                effective_of(&attempt, reviews.get(&attempt.id))
            };
            if failures_only && counted.passed() != Some(false) {
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
        let mut switch_href = base.clone();
        if failures_only {
            switch_href.push_str("?failures=1");
        }
        if !judged_only {
            switch_href.push_str(if failures_only { "&" } else { "?" });
            switch_href.push_str("verdicts=judged");
        }
        Ok(Self {
            line: RunLine::from(run).judged(judged_only),
            cases,
            baseline,
            failures_only,
            base,
            link_baseline: true,
            shared: false,
            reviews,
            known,
            can_review: false,
            switch_href,
        })
    }

    /// The attempt's review, if any.
    pub(crate) fn review(&self, attempt: &AttemptRow) -> Option<&Review> {
        self.reviews.get(&attempt.id)
    }

    /// The review as a line: "reviewed as false failure by Ana".
    pub(crate) fn review_text(&self, review: &Review) -> String {
        let by = review.reviewer.as_deref().unwrap_or("a former member");
        format!("reviewed as {} by {by}", kind_label(&review.kind))
    }

    /// How a ticket link reads.
    pub(crate) fn ticket(&self, link: &str) -> String {
        ticket_label(link)
    }

    /// The known issue an attempt's failure was marked with.
    pub(crate) fn known_mark(&self, attempt: &AttemptRow) -> Option<&KnownMark> {
        self.known.get(&attempt.id)
    }

    /// Failures (as counted) marked known, and new ones.
    pub(crate) fn failure_split(&self) -> (usize, usize) {
        let mut known = 0;
        let mut new = 0;
        for attempt in self.cases.iter().flat_map(|case| &case.attempts) {
            let counted = if self.line.judged_only {
                Outcome::of_verdict(attempt.result.as_ref().map(|r| r.as_str()))
            } else {
                effective_of(attempt, self.reviews.get(&attempt.id))
            };
            if counted.passed() == Some(false) {
                if self.known.contains_key(&attempt.id) {
                    known += 1;
                } else {
                    new += 1;
                }
            }
        }
        (known, new)
    }

    /// Link to the attempt's case page.
    pub(crate) fn case_href(&self, case: &CaseGroup) -> String {
        crate::web::cases::case_href(self.line.run.suite_id, &case.case_id)
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
    judged_only: bool,
) -> sqlx::Result<BTreeMap<String, DiffKind>> {
    let ids: Vec<Uuid> = std::iter::once(run_id).chain(baseline).collect();
    let rows = case_results::for_runs(db, team_id, &ids).await?;
    let (now, before): (Vec<CaseResultRow>, Vec<CaseResultRow>) =
        rows.into_iter().partition(|row| row.run_id == run_id);
    let now: Vec<_> = now
        .into_iter()
        .map(|row| row.into_case(judged_only))
        .collect();
    let changes = match baseline {
        Some(_) => {
            let before: Vec<_> = before
                .into_iter()
                .map(|row| row.into_case(judged_only))
                .collect();
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

/// An attempt's effective outcome under its review.
fn effective_of(attempt: &AttemptRow, review: Option<&Review>) -> Outcome {
    effective(
        Outcome::of_verdict(attempt.result.as_ref().map(|r| r.as_str())),
        review.map(|r| r.kind),
    )
}
