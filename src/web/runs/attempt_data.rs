//! What the attempt page reads, in one go and shared with every request that sees the same data
//! (`kit::page_data`): members and share-link viewers of one attempt are served one read per
//! database snapshot. That includes the call's details (`calls.rs`): kept ones are data like
//! the rest; a call not over yet is fetched from RevRing and kept, which commits, so the next
//! view fetches again; only an answer that is not kept (RevRing failing, the run's key revoked)
//! is served to the attempt's other viewers until something commits or 10 s pass, rather than
//! asked of RevRing once per view.

use sqlx::PgPool;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::attempts::{self, AttemptDetail};
use crate::db::known_issues::{self, KnownMark};
use crate::db::reviews::{self, Review, ReviewChange};
use crate::db::suites::{self, CaseRow};
use crate::web::kit::error::AppError;
use crate::web::runs::access::RunAccess;
use crate::web::runs::calls::{self, CallView};
use crate::web::runs::line::failed;

/// The attempt and what its page shows around it.
#[derive(Debug, Clone)]
pub(super) struct AttemptData {
    /// The attempt, with its transcript and reasoning.
    pub attempt: AttemptDetail,
    /// Its test case as the suite holds it (gone when the suite no longer has it).
    pub case: Option<CaseRow>,
    /// The failed attempt before it in the run page's order.
    pub previous_failed: Option<Uuid>,
    /// The failed attempt after it.
    pub next_failed: Option<Uuid>,
    /// Its review, if any.
    pub review: Option<Review>,
    /// Every change to its review, newest first.
    pub history: Vec<ReviewChange>,
    /// The known issue it is marked with, if any.
    pub known: Option<KnownMark>,
    /// Its call's details, or why they are missing.
    pub call: CallView,
}

impl AttemptData {
    /// The attempt `attempt_id` of the run `access` shows (404 when the run has no such
    /// attempt), shared with every request of the same snapshot.
    pub(super) async fn shared(
        state: &AppState,
        access: &RunAccess,
        attempt_id: Uuid,
    ) -> Result<Self, AppError> {
        let (team_id, run_id) = (access.team_id, access.run.id);
        let page = format!("attempt run={run_id} attempt={attempt_id}");
        let read = Self::load(state, team_id, access.run.suite_id, run_id, attempt_id);
        state
            .page_data
            .get(team_id, &access.snapshot, page, read)
            .await
    }

    async fn load(
        state: &AppState,
        team_id: Uuid,
        suite_id: Uuid,
        run_id: Uuid,
        attempt_id: Uuid,
    ) -> Result<Self, AppError> {
        let db = &state.db;
        let attempt = attempts::get(db, team_id, run_id, attempt_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let (case, (previous_failed, next_failed), mut reviews, history, mut known) = tokio::try_join!(
            suites::case(db, team_id, suite_id, &attempt.test_case_revring_id),
            failed_neighbours(db, team_id, run_id, attempt_id),
            reviews::for_run(db, team_id, run_id),
            reviews::history(db, team_id, attempt_id),
            known_issues::marks_for_run(db, team_id, run_id),
        )?;
        let call = calls::call_of(state, team_id, &attempt).await.view;
        Ok(Self {
            call,
            review: reviews.remove(&attempt_id),
            known: known.remove(&attempt_id),
            attempt,
            case,
            previous_failed,
            next_failed,
            history,
        })
    }
}

/// The previous and next failed attempt around `current`, in the run page's order.
async fn failed_neighbours(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
    current: Uuid,
) -> sqlx::Result<(Option<Uuid>, Option<Uuid>)> {
    let all = attempts::for_run(db, team_id, run_id).await?;
    let Some(position) = all.iter().position(|a| a.id == current) else {
        return Ok((None, None));
    };
    let failed = |a: &&attempts::AttemptRow| failed(a.result.as_ref());
    let previous = all[..position].iter().rev().find(failed).map(|a| a.id);
    let next = all[position + 1..].iter().find(failed).map(|a| a.id);
    Ok((previous, next))
}
