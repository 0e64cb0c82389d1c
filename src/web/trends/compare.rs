//! Comparing two runs (by default a run and the previous run of its suite): new failures, fixed,
//! still failing, flaky, and cases present in only one; and one case's attempts in both runs
//! side by side.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::case_results::{self, CaseAttempt, CaseResultRow};
use crate::db::runs::{self, RunRow};
use crate::db::trends::{self, TrendRun};
use crate::domain::run_diff::{self, CaseDiff, DiffKind};
use crate::domain::trend::CaseCounts;
use crate::revring::AttemptResult;
use crate::revring::{Speaker, TranscriptEntry};
use crate::web::kit::error::AppError;
use crate::web::kit::extract::Query;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;
use crate::web::runs::line::{RunLine, verdict_badge};
use crate::web::triage::toggle::VerdictToggle;

/// Runs offered as the base of a comparison.
const BASE_CHOICES: i64 = 30;

/// `?run=&base=` of the comparison.
#[derive(Debug, Deserialize)]
pub struct CompareQuery {
    /// The run looked at.
    pub run: Uuid,
    /// The run it is compared with; the previous run of its suite when absent.
    pub base: Option<Uuid>,
}

/// Two runs and how their cases differ.
pub struct Comparison {
    /// The run looked at.
    pub run: RunRow,
    /// The run it is compared with, if there is one.
    pub base: Option<RunRow>,
    /// Every case of either run, classified.
    pub diffs: Vec<CaseDiff>,
    /// Runs of the suite that can be chosen as the base.
    pub choices: Vec<TrendRun>,
}

/// Loads both runs, their case results (effective unless `judged_only`) and the base choices
/// (two round trips of concurrent queries): the SQL the comparison page needs (`ringside bench` times it on its own).
pub async fn load(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
    base_id: Option<Uuid>,
    judged_only: bool,
) -> Result<Comparison, AppError> {
    let (run, base_id) = match base_id {
        Some(base_id) => (runs::get(db, team_id, run_id).await?, Some(base_id)),
        None => tokio::try_join!(
            runs::get(db, team_id, run_id),
            trends::previous_run(db, team_id, run_id)
        )?,
    };
    let run = run.ok_or(AppError::NotFound)?;
    let ids: Vec<Uuid> = std::iter::once(run_id).chain(base_id).collect();
    let (base, rows, choices) = tokio::try_join!(
        async {
            match base_id {
                Some(id) => runs::get(db, team_id, id).await,
                None => Ok(None),
            }
        },
        case_results::for_runs(db, team_id, &ids),
        trends::latest_runs(db, team_id, run.suite_id, BASE_CHOICES, judged_only),
    )?;
    if base_id.is_some() && base.is_none() {
        return Err(AppError::NotFound);
    }
    let (mine, theirs): (Vec<CaseResultRow>, Vec<CaseResultRow>) =
        rows.into_iter().partition(|row| row.run_id == run_id);
    let diffs = match &base {
        Some(_) => run_diff::diff(
            &theirs
                .into_iter()
                .map(|row| row.into_case(judged_only))
                .collect::<Vec<_>>(),
            &mine
                .into_iter()
                .map(|row| row.into_case(judged_only))
                .collect::<Vec<_>>(),
        ),
        None => Vec::new(),
    };
    Ok(Comparison {
        run,
        base,
        diffs,
        choices,
    })
}

/// A section of the comparison: one kind and its cases.
struct Group {
    kind: DiffKind,
    cases: Vec<CaseDiff>,
}

#[derive(Template)]
#[template(path = "trends/compare.html")]
struct ComparePage {
    layout: Layout,
    run: RunLine,
    base: Option<RunLine>,
    groups: Vec<Group>,
    summary: Vec<(DiffKind, usize)>,
    choices: Vec<TrendRun>,
    toggle: VerdictToggle,
}

impl ComparePage {
    fn counts(&self, counts: &Option<CaseCounts>) -> (&'static str, String) {
        match counts {
            None => ("cell-none", "not in run".into()),
            Some(c) => (
                c.outcome().css(),
                format!(
                    "{} · {}/{} passed",
                    c.outcome().label(),
                    c.passed,
                    c.judged()
                ),
            ),
        }
    }

    fn side_by_side(&self, case: &CaseDiff) -> String {
        let case_id: String =
            url::form_urlencoded::byte_serialize(case.case_id.as_bytes()).collect();
        let base = self
            .base
            .as_ref()
            .map(|base| format!("&base={}", base.id()))
            .unwrap_or_default();
        format!("/compare/case?run={}{base}&case={case_id}", self.run.id())
    }

    fn choice_title(&self, run: &TrendRun) -> String {
        format!(
            "{} · {}",
            crate::web::trends::charts::run_title(run),
            crate::web::kit::format::when(&run.created_at)
        )
    }

    fn is_base(&self, run: &TrendRun) -> bool {
        self.base.as_ref().is_some_and(|base| base.id() == run.id)
    }
}

/// `GET /compare?run=&base=`
pub(crate) async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Query(query): Query<CompareQuery>,
    toggle: VerdictToggle,
) -> Result<Html<String>, AppError> {
    let comparison = load(
        &state.db,
        member.team_id,
        query.run,
        query.base,
        toggle.judged_only,
    )
    .await?;
    let summary: Vec<(DiffKind, usize)> = DiffKind::ALL
        .iter()
        .map(|kind| {
            (
                *kind,
                comparison.diffs.iter().filter(|d| d.kind == *kind).count(),
            )
        })
        .collect();
    let groups = DiffKind::ALL
        .iter()
        .map(|kind| Group {
            kind: *kind,
            cases: comparison
                .diffs
                .iter()
                .filter(|d| d.kind == *kind)
                .cloned()
                .collect(),
        })
        .filter(|group| !group.cases.is_empty())
        .collect();
    let run = RunLine::from(comparison.run);
    let title = format!("Compare {}", run.title());
    let page = ComparePage {
        layout: Layout::for_member(title, "runs", &member, &session).await,
        base: comparison.base.map(RunLine::from),
        run,
        groups,
        summary,
        choices: comparison.choices,
        toggle,
    };
    Ok(Html(page.render()?))
}

/// `?run=&base=&case=` of the side-by-side view.
#[derive(Debug, Deserialize)]
pub struct CaseQuery {
    /// The run looked at.
    pub run: Uuid,
    /// The run compared with, if any.
    pub base: Option<Uuid>,
    /// RevRing's test case id.
    pub case: String,
}

/// One turn of a transcript as shown.
pub(crate) struct Turn {
    /// Who spoke, in words.
    pub(crate) speaker: String,
    /// Whether the agent under test spoke.
    pub(crate) agent: bool,
    /// What was said.
    pub(crate) text: String,
}

/// One run's attempts of the case.
struct Side {
    run: RunLine,
    attempts: Vec<(CaseAttempt, Vec<Turn>)>,
}

/// A stored transcript as turns.
pub(crate) fn turns(transcript: &serde_json::Value) -> Vec<Turn> {
    let entries: Vec<TranscriptEntry> =
        serde_json::from_value(transcript.clone()).unwrap_or_default();
    entries
        .iter()
        .map(|entry| {
            let kind = entry.speaker_kind();
            Turn {
                speaker: match &kind {
                    Speaker::Agent => "Agent".into(),
                    Speaker::Tester => "Tester".into(),
                    Speaker::System => "System".into(),
                    Speaker::Unknown(raw) => raw.clone(),
                },
                agent: kind == Speaker::Agent,
                text: entry.text().unwrap_or_default().to_owned(),
            }
        })
        .collect()
}

#[derive(Template)]
#[template(path = "trends/compare_case.html")]
struct CasePage {
    layout: Layout,
    case_name: String,
    back: String,
    sides: Vec<Side>,
}

impl CasePage {
    fn badge(&self, result: &Option<AttemptResult>) -> &'static str {
        verdict_badge(result.as_ref())
    }
}

/// `GET /compare/case?run=&base=&case=`: the case's attempts in the base run (when given) and
/// in the run, side by side.
pub async fn case(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Query(query): Query<CaseQuery>,
) -> Result<Html<String>, AppError> {
    let db = &state.db;
    let team = member.team_id;
    let mut sides = Vec::new();
    for run_id in query.base.into_iter().chain([query.run]) {
        let (run, attempts) = tokio::try_join!(
            runs::get(db, team, run_id),
            case_results::case_attempts(db, team, run_id, &query.case)
        )?;
        let run = RunLine::from(run.ok_or(AppError::NotFound)?);
        let attempts = attempts
            .into_iter()
            .map(|attempt| {
                let turns = turns(&attempt.transcript);
                (attempt, turns)
            })
            .collect();
        sides.push(Side { run, attempts });
    }
    let case_name = sides
        .iter()
        .flat_map(|side| side.attempts.iter())
        .map(|(attempt, _)| attempt.test_case_name.clone())
        .next_back()
        .unwrap_or_else(|| query.case.clone());
    let back = match query.base {
        Some(base) => format!("/compare?run={}&base={base}", query.run),
        None => format!("/runs/{}", query.run),
    };
    let page = CasePage {
        layout: Layout::for_member(case_name.clone(), "runs", &member, &session).await,
        case_name,
        back,
        sides,
    };
    Ok(Html(page.render()?))
}
