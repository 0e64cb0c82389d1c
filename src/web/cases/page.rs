//! The case page: the script and rubric, the case's result in each recent run (effective and
//! judged, with durations), its flake score and the evidence, its last failing transcript, its
//! reviews and the known issues linked to it (members link it to an open one here).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Html;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::case_results::{self, CaseAttempt, CaseRunRow};
use crate::db::known_issues::{self, KnownIssue};
use crate::db::reviews::{self, CaseReview};
use crate::db::suites::{self, CaseRow};
use crate::domain::flake::{self, FlakeScore};
use crate::domain::trend::CaseCounts;
use crate::web::kit::error::AppError;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;
use crate::web::runs::line::human_duration;
use crate::web::trends::cases::FLAKE_WINDOW_RUNS;
use crate::web::trends::compare::{Turn, turns};
use crate::web::triage::{kind_label, ticket_label};

/// Reviews the page lists.
const REVIEWS_SHOWN: i64 = 20;

#[derive(Deserialize)]
pub(super) struct CasePath {
    suite_id: String,
    case_id: String,
}

/// The case's last failure with its transcript.
struct LastFailure {
    run_id: Uuid,
    attempt: CaseAttempt,
    turns: Vec<Turn>,
}

#[derive(Template)]
#[template(path = "cases/show.html")]
struct CasePage {
    layout: Layout,
    suite_id: Uuid,
    suite_name: String,
    case_id: String,
    name: String,
    case: Option<CaseRow>,
    runs: Vec<CaseRunRow>,
    score: FlakeScore,
    last_failure: Option<LastFailure>,
    reviews: Vec<CaseReview>,
    issues: Vec<KnownIssue>,
    open_issues: Vec<KnownIssue>,
}

impl CasePage {
    fn cell(&self, counts: CaseCounts) -> (&'static str, String) {
        let outcome = counts.outcome();
        (
            outcome.css(),
            format!("{} {}/{}", outcome.label(), counts.passed, counts.judged()),
        )
    }

    fn duration(&self, run: &CaseRunRow) -> String {
        run.mean_seconds
            .map_or_else(|| "—".to_owned(), |s| human_duration(s.round() as i64))
    }

    fn run_title(&self, run: &CaseRunRow) -> String {
        match &run.run_name {
            Some(name) if !name.trim().is_empty() => name.clone(),
            _ => format!(
                "Run {}",
                run.run_revring_id.get(..8).unwrap_or(&run.run_revring_id)
            ),
        }
    }

    fn reviewed(&self, run: &CaseRunRow) -> bool {
        run.row.effective_counts() != run.row.judged_counts()
    }

    fn score_text(&self) -> String {
        format!("{:.2}", self.score.score)
    }

    fn kind(&self, review: &CaseReview) -> &'static str {
        kind_label(&review.review.kind)
    }

    fn ticket(&self, link: &str) -> String {
        ticket_label(link)
    }
}

/// `GET /suites/{suite_id}/cases/{case_id}`
pub(super) async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(path): Path<CasePath>,
) -> Result<Html<String>, AppError> {
    let suite_id = Uuid::parse_str(&path.suite_id).map_err(|_| AppError::NotFound)?;
    let (team, db) = (member.team_id, &state.db);
    let case_id = path.case_id;
    // Shared with every request that sees the same data (see `kit::page_data`).
    let read = async {
        Ok(tokio::try_join!(
            suites::get(db, team, suite_id),
            suites::case(db, team, suite_id, &case_id),
            case_results::case_history(db, team, suite_id, &case_id, FLAKE_WINDOW_RUNS),
            case_results::last_failure(db, team, suite_id, &case_id),
            reviews::for_case(db, team, suite_id, &case_id, REVIEWS_SHOWN),
            known_issues::for_case(db, team, suite_id, &case_id),
            known_issues::list(db, team),
        )?)
    };
    let page = format!("case suite={suite_id} case={case_id}");
    let (suite, case, runs, last, reviews, issues, all_issues) = state
        .page_data
        .get(team, &member.snapshot, page, read)
        .await?;
    let suite = suite.ok_or(AppError::NotFound)?;
    let name = match (&case, runs.first()) {
        (Some(case), _) => case.name.clone(),
        (None, Some(run)) => run.row.test_case_name.clone(),
        (None, None) => return Err(AppError::NotFound),
    };
    // Flake scoring reads the runs oldest first, with effective results.
    let history: Vec<CaseCounts> = runs
        .iter()
        .rev()
        .map(|run| run.row.effective_counts())
        .collect();
    let open_issues = all_issues
        .into_iter()
        .filter(|issue| issue.open && !issues.iter().any(|linked| linked.id == issue.id))
        .collect();
    let layout = Layout::for_member(name.clone(), "suites", &member, &session).await;
    let page = CasePage {
        layout,
        suite_id: suite.id,
        suite_name: suite.name,
        case_id,
        name,
        case,
        score: flake::score(&history),
        runs,
        last_failure: last.map(|(run_id, attempt)| LastFailure {
            run_id,
            turns: turns(&attempt.transcript),
            attempt,
        }),
        reviews,
        issues,
        open_issues,
    };
    Ok(Html(page.render()?))
}
