//! The pages `ringside bench` measures, what each is about, and the bare SQL each needs: every
//! statement the page runs, in the same order — the session row, the sign-in check (the user and
//! their teams), then the page's own loaders as its handler calls them.

use anyhow::Context;
use sqlx::PgPool;
use tower_sessions::SessionStore;
use uuid::Uuid;

use super::client::SignedIn;
use crate::db::search::{self, SearchQuery, SpeakerFilter};

/// A page measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Target {
    Dashboard,
    SuiteTrend,
    CaseHistory,
    Flaky,
    Compare,
    RunsList,
    RunPage,
    AttemptPage,
    SearchCommon,
    SearchRare,
}

impl Target {
    /// Every page, trend pages first.
    pub(super) const ALL: [Target; 10] = [
        Target::Dashboard,
        Target::SuiteTrend,
        Target::CaseHistory,
        Target::Flaky,
        Target::Compare,
        Target::RunsList,
        Target::RunPage,
        Target::AttemptPage,
        Target::SearchCommon,
        Target::SearchRare,
    ];

    /// The page's name in the printed lines.
    pub(super) fn name(&self) -> &'static str {
        match self {
            Target::Dashboard => "dashboard",
            Target::SuiteTrend => "suite_trend",
            Target::CaseHistory => "case_history",
            Target::Flaky => "flaky_cases",
            Target::Compare => "run_comparison",
            Target::RunsList => "runs_list",
            Target::RunPage => "run_page",
            Target::AttemptPage => "attempt_page",
            Target::SearchCommon => "search_common",
            Target::SearchRare => "search_rare",
        }
    }
}

/// A word in many attempts of the generated history (one test case in 24 is about refunds).
pub(super) const COMMON_WORDS: &str = "refund";

/// Words together in few attempts of the generated history (failed Spanish calls the judge
/// says were misheard: about one attempt in a thousand).
pub(super) const RARE_WORDS: &str = "misheard spanish";

/// Runs per page of the runs list (as the page asks).
const RUNS_PER_PAGE: i64 = 26;

/// Search hits per page (as the page asks: a page and one more).
const HITS_PER_PAGE: i64 = 26;

/// Matches the search page counts at most.
const COUNT_CAP: i64 = 1000;

/// Runs in the case history measured (its maximum).
const HISTORY_RUNS: i64 = crate::web::trends::cases::MAX_HISTORY_RUNS;

/// What the measured pages are about.
pub(super) struct Subject {
    pub(super) team_id: Uuid,
    pub(super) suite_id: Uuid,
    pub(super) run_id: Uuid,
    pub(super) attempt_id: Uuid,
    pub(super) user_id: Uuid,
}

impl Subject {
    /// The page's path.
    pub(super) fn path(&self, target: Target) -> String {
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        match target {
            Target::Dashboard => "/".into(),
            Target::SuiteTrend => format!("/suites/{}/trend", self.suite_id),
            Target::CaseHistory => format!("/suites/{}/cases?runs={HISTORY_RUNS}", self.suite_id),
            Target::Flaky => format!("/suites/{}/flaky", self.suite_id),
            Target::Compare => format!("/compare?run={}", self.run_id),
            Target::RunsList => "/runs".into(),
            Target::RunPage => format!("/runs/{}", self.run_id),
            Target::AttemptPage => format!("/runs/{}/attempts/{}", self.run_id, self.attempt_id),
            Target::SearchCommon => format!("/search?q={}", encode(COMMON_WORDS)),
            Target::SearchRare => format!("/search?q={}", encode(RARE_WORDS)),
        }
    }

    /// Runs the bare SQL of `target`'s page once.
    pub(super) async fn sql(
        &self,
        db: &PgPool,
        signed_in: &SignedIn,
        target: Target,
    ) -> anyhow::Result<()> {
        use crate::web::trends::{cases, compare, dashboard, grid, suite as trend};
        signed_in
            .store
            .load(&signed_in.session)
            .await
            .map_err(|error| anyhow::anyhow!("loading the session: {error}"))?
            .context("the bench's session is gone")?;
        crate::db::accounts::user_with_teams(db, self.user_id)
            .await?
            .context("the bench's account is gone")?;
        let (team, suite) = (self.team_id, self.suite_id);
        match target {
            Target::Dashboard => drop(dashboard::load(db, team, false).await?),
            Target::SuiteTrend => {
                drop(trend::load(db, team, suite, Default::default(), false).await?);
            }
            Target::CaseHistory => drop(grid::load(db, team, suite, HISTORY_RUNS, false).await?),
            Target::Flaky => {
                let runs = cases::FLAKE_WINDOW_RUNS;
                drop(grid::load(db, team, suite, runs, false).await?);
            }
            Target::Compare => drop(compare::load(db, team, self.run_id, None, false).await?),
            Target::RunsList => {
                drop(crate::db::runs::page_for_team(db, team, RUNS_PER_PAGE, 0).await?);
            }
            Target::RunPage => self.run_page_sql(db).await?,
            Target::AttemptPage => self.attempt_page_sql(db).await?,
            Target::SearchCommon => self.search_sql(db, COMMON_WORDS).await?,
            Target::SearchRare => self.search_sql(db, RARE_WORDS).await?,
        }
        Ok(())
    }

    async fn run_page_sql(&self, db: &PgPool) -> anyhow::Result<()> {
        let run = crate::db::runs::get(db, self.team_id, self.run_id)
            .await?
            .context("the bench's run is gone")?;
        let base = format!("/runs/{}", self.run_id);
        crate::web::runs::body::RunBody::load(db, self.team_id, run, base, false, false).await?;
        Ok(())
    }

    async fn attempt_page_sql(&self, db: &PgPool) -> anyhow::Result<()> {
        let (team, run_id) = (self.team_id, self.run_id);
        let run = crate::db::runs::get(db, team, run_id)
            .await?
            .context("the bench's run is gone")?;
        let attempt = crate::db::attempts::get(db, team, run_id, self.attempt_id)
            .await?
            .context("the bench's attempt is gone")?;
        crate::db::suites::case(db, team, run.suite_id, &attempt.test_case_revring_id).await?;
        crate::db::attempts::for_run(db, team, run_id).await?;
        // The call's details: the run's key, looked up (the generated one is revoked).
        if (attempt.call_id.is_some() || attempt.inbound_call_id.is_some())
            && let Some(key) = crate::db::runs::api_key_of(db, team, run_id).await?
        {
            crate::db::api_keys::find_active(db, team, key).await?;
        }
        Ok(())
    }

    async fn search_sql(&self, db: &PgPool, words: &str) -> anyhow::Result<()> {
        let query = SearchQuery {
            text: words.to_owned(),
            verdict: None,
            speaker: SpeakerFilter::Any,
        };
        search::searchable_words(db, words).await?;
        let hits = search::attempts(db, self.team_id, &query, None, HITS_PER_PAGE);
        let count = search::count(db, self.team_id, &query, COUNT_CAP);
        tokio::try_join!(hits, count)?;
        Ok(())
    }
}

/// The team of `email` and its suite with the most runs, that suite's latest run and one of
/// its attempts.
pub(super) async fn subject(db: &PgPool, email: &str) -> anyhow::Result<Subject> {
    let row = sqlx::query!(
        r#"SELECT u.id AS user_id, m.team_id, r.suite_id, count(*) AS "runs!"
           FROM users u
           JOIN memberships m ON m.user_id = u.id
           JOIN runs r ON r.team_id = m.team_id
           WHERE lower(u.email) = lower($1)
           GROUP BY u.id, m.team_id, r.suite_id
           ORDER BY count(*) DESC
           LIMIT 1"#,
        email
    )
    .fetch_optional(db)
    .await?
    .context("that account's teams have no runs: run `ringside generate` first")?;
    let run_id = sqlx::query_scalar!(
        "SELECT id FROM runs WHERE team_id = $1 AND suite_id = $2
         ORDER BY created_at DESC, id DESC LIMIT 1",
        row.team_id,
        row.suite_id
    )
    .fetch_one(db)
    .await?;
    let attempt_id = sqlx::query_scalar!(
        "SELECT id FROM attempts WHERE team_id = $1 AND run_id = $2
         ORDER BY test_case_name, attempt_number LIMIT 1",
        row.team_id,
        run_id
    )
    .fetch_optional(db)
    .await?
    .context("the latest run has no attempts")?;
    Ok(Subject {
        team_id: row.team_id,
        suite_id: row.suite_id,
        run_id,
        attempt_id,
        user_id: row.user_id,
    })
}
