//! The bare SQL of each page `ringside bench` measures: every statement the page runs, in the
//! same order — for pages, the session row, the sign-in check (the user and their teams), then
//! the page's own loaders as its handler calls them; for API endpoints, the token check and the
//! endpoint's loaders.

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use tower_sessions::SessionStore;

use super::client::SignedIn;
use super::pages::{COMMON_WORDS, HISTORY_RUNS, RARE_WORDS, Subject, Target};
use crate::db::search::{self, SearchQuery, SpeakerFilter};

/// Runs per page of the runs list (as the page asks).
const RUNS_PER_PAGE: i64 = 26;

/// Search hits per page (as the page asks: a page and one more).
const HITS_PER_PAGE: i64 = 26;

/// Matches the search page counts at most.
const COUNT_CAP: i64 = 1000;

/// Reviews the case page lists (as the page asks).
const CASE_REVIEWS_SHOWN: i64 = 20;

impl Subject {
    /// Runs the bare SQL of `target`'s page once; `token` is the API token an endpoint is
    /// asked with.
    pub(super) async fn sql(
        &self,
        db: &PgPool,
        signed_in: &SignedIn,
        token: Option<&SecretString>,
        target: Target,
    ) -> anyhow::Result<()> {
        use crate::web::trends::{cases, compare, dashboard, grid, suite as trend};
        if target.is_api() {
            let token = token.context("an API endpoint is asked with a token")?;
            return self.api_run_sql(db, token).await;
        }
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
                let filter = crate::db::run_labels::RunFilter {
                    labels: serde_json::json!({}),
                    ..Default::default()
                };
                let limit = RUNS_PER_PAGE;
                drop(crate::db::run_labels::list(db, team, &filter, limit, 0).await?);
            }
            Target::RunPage => self.run_page_sql(db).await?,
            Target::AttemptPage => self.attempt_page_sql(db).await?,
            Target::SearchCommon => self.search_sql(db, COMMON_WORDS).await?,
            Target::SearchRare => self.search_sql(db, RARE_WORDS).await?,
            Target::CasePage => self.case_page_sql(db).await?,
            Target::ApiRun => unreachable!("answered above"),
        }
        Ok(())
    }

    async fn run_page_sql(&self, db: &PgPool) -> anyhow::Result<()> {
        let run = crate::db::runs::get(db, self.team_id, self.run_id)
            .await?
            .context("the bench's run is gone")?;
        let base = format!("/runs/{}", self.run_id);
        tokio::try_join!(
            crate::web::runs::body::RunBody::load(db, self.team_id, run, base, false, false),
            crate::db::run_labels::labels_of(db, self.team_id, self.run_id),
        )?;
        Ok(())
    }

    /// The attempt page's loaders as its handler runs them: the run, the attempt, what is
    /// around it at once, then its kept call (or the run's key, to ask RevRing for it).
    async fn attempt_page_sql(&self, db: &PgPool) -> anyhow::Result<()> {
        use crate::db::{attempts, calls, known_issues, reviews, suites};
        let (team, run_id, attempt_id) = (self.team_id, self.run_id, self.attempt_id);
        let run = crate::db::runs::get(db, team, run_id)
            .await?
            .context("the bench's run is gone")?;
        let attempt = attempts::get(db, team, run_id, attempt_id)
            .await?
            .context("the bench's attempt is gone")?;
        tokio::try_join!(
            suites::case(db, team, run.suite_id, &attempt.test_case_revring_id),
            attempts::for_run(db, team, run_id),
            reviews::for_run(db, team, run_id),
            reviews::history(db, team, attempt_id),
            known_issues::marks_for_run(db, team, run_id),
        )?;
        let call_id = attempt
            .call_id
            .as_deref()
            .or(attempt.inbound_call_id.as_deref());
        if let Some(call_id) = call_id {
            let kept = calls::get(db, team, call_id).await?;
            // Not kept yet: the run's key, looked up (the generated one is revoked).
            if !kept.is_some_and(|call| call.is_final())
                && let Some(key) = crate::db::runs::api_key_of(db, team, run_id).await?
            {
                crate::db::api_keys::find_active(db, team, key).await?;
            }
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

    /// The case page's loaders, at once as its handler runs them.
    async fn case_page_sql(&self, db: &PgPool) -> anyhow::Result<()> {
        use crate::db::{case_results, known_issues, reviews, suites};
        let (team, suite, case) = (self.team_id, self.suite_id, self.case_id.as_str());
        let runs = crate::web::trends::cases::FLAKE_WINDOW_RUNS;
        tokio::try_join!(
            suites::get(db, team, suite),
            suites::case(db, team, suite, case),
            case_results::case_history(db, team, suite, case, runs),
            case_results::last_failure(db, team, suite, case),
            reviews::for_case(db, team, suite, case, CASE_REVIEWS_SHOWN),
            known_issues::for_case(db, team, suite, case),
            known_issues::list(db, team),
        )?;
        Ok(())
    }

    /// `GET /api/v1/runs/{id}`: the token check (and its use noted), then the run with its
    /// labels, its attempts and their reviews.
    async fn api_run_sql(&self, db: &PgPool, token: &SecretString) -> anyhow::Result<()> {
        use crate::db::{api_tokens, attempts, reviews, run_labels};
        let hash = crate::auth::token::hash(token.expose_secret());
        let found = api_tokens::find_by_hash(db, &hash)
            .await?
            .context("the bench's API token is gone")?;
        api_tokens::touch(db, found.id).await?;
        let (team, run) = (self.team_id, self.run_id);
        run_labels::get(db, team, run)
            .await?
            .context("the bench's run is gone")?;
        attempts::for_run(db, team, run).await?;
        reviews::for_run(db, team, run).await?;
        Ok(())
    }
}
