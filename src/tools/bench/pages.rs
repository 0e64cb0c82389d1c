//! The pages `ringside bench` measures and what each is about (their bare SQL is in `sql.rs`).

use anyhow::Context;
use sqlx::PgPool;
use uuid::Uuid;

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
    CasePage,
    ApiRun,
}

impl Target {
    /// Every page, trend pages first.
    pub(super) const ALL: [Target; 12] = [
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
        Target::CasePage,
        Target::ApiRun,
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
            Target::CasePage => "case_page",
            Target::ApiRun => "api_run",
        }
    }

    /// Whether the page is an API endpoint (asked with a bearer token, no session).
    pub(super) fn is_api(&self) -> bool {
        matches!(self, Target::ApiRun)
    }
}

/// A word in many attempts of the generated history (one test case in 24 is about refunds).
pub(super) const COMMON_WORDS: &str = "refund";

/// Words together in few attempts of the generated history (failed Spanish calls the judge
/// says were misheard: about one attempt in a thousand).
pub(super) const RARE_WORDS: &str = "misheard spanish";

/// Runs in the case history measured (its maximum).
pub(super) const HISTORY_RUNS: i64 = crate::web::trends::cases::MAX_HISTORY_RUNS;

/// What the measured pages are about.
pub(super) struct Subject {
    pub(super) team_id: Uuid,
    pub(super) suite_id: Uuid,
    pub(super) run_id: Uuid,
    pub(super) attempt_id: Uuid,
    /// RevRing's id of the attempt's test case (the case page's).
    pub(super) case_id: String,
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
            Target::CasePage => crate::web::cases::case_href(self.suite_id, &self.case_id),
            Target::ApiRun => format!("/api/v1/runs/{}", self.run_id),
        }
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
    let attempt = crate::db::attempts::get(db, row.team_id, run_id, attempt_id)
        .await?
        .context("the latest run's attempt is gone")?;
    Ok(Subject {
        team_id: row.team_id,
        suite_id: row.suite_id,
        run_id,
        attempt_id,
        case_id: attempt.test_case_revring_id,
        user_id: row.user_id,
    })
}
