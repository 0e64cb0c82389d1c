//! `/api/v1/suites`: the team's suites, and one suite with its test cases.

use axum::Json;
use axum::extract::State;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::suites;
use crate::web::api::auth::ApiCaller;
use crate::web::api::envelope::fraction;
use crate::web::api::envelope::{Data, List, all, data};
use crate::web::api::error::{ApiError, ErrorBody};
use crate::web::api::extract::ApiPath;

/// A suite in the list.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SuiteJson {
    /// Ringside's id.
    id: Uuid,
    /// Name in RevRing.
    name: String,
    /// The agent under test.
    target_agent_id: String,
    /// Number of current test cases.
    test_case_count: i32,
    /// Status of the latest run (`queued`, `running`, `completed`, `failed`, `cancelled`).
    last_run_status: Option<String>,
    /// When the latest run was created.
    #[serde(with = "time::serde::rfc3339::option")]
    last_run_at: Option<OffsetDateTime>,
    /// Share of judged attempts that passed in the latest run, 0 to 1.
    last_pass_rate: Option<f64>,
}

/// One suite with its test cases.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SuiteDetailJson {
    /// Ringside's id.
    id: Uuid,
    /// Name in RevRing.
    name: String,
    /// The agent under test.
    target_agent_id: String,
    /// The custom tester agent, if any.
    tester_agent_id: Option<String>,
    /// RevRing's concurrency setting.
    max_concurrency: Option<i32>,
    /// True when RevRing no longer lists the suite (its history stays).
    removed: bool,
    /// The current test cases, by name.
    cases: Vec<CaseJson>,
}

/// A test case.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CaseJson {
    /// RevRing's id of the case.
    id: String,
    /// Name.
    name: String,
    /// What the tester does.
    script: String,
    /// How the call is judged.
    scoring_rubric: String,
    /// Attempts per run.
    attempts_per_run: i32,
}

/// The suites endpoints.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(get))
}

/// The team's suites, by name (one page: `next_cursor` is always null).
#[utoipa::path(
    get,
    path = "/suites",
    tag = "suites",
    responses(
        (status = 200, description = "The team's current suites", body = List<SuiteJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 429, description = "Too many requests with this token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<List<SuiteJson>>, ApiError> {
    let rows = suites::list(&state.db, caller.team_id).await?;
    Ok(all(rows
        .into_iter()
        .map(|suite| SuiteJson {
            last_pass_rate: suite
                .last_passed
                .zip(suite.last_judged)
                .and_then(|(passed, judged)| fraction(passed, judged)),
            id: suite.id,
            name: suite.name,
            target_agent_id: suite.target_agent_id,
            test_case_count: suite.test_case_count,
            last_run_status: suite.last_status.map(|status| status.as_str().to_owned()),
            last_run_at: suite.last_run_at,
        })
        .collect()))
}

/// One suite of the team with its current test cases.
#[utoipa::path(
    get,
    path = "/suites/{id}",
    tag = "suites",
    params(("id" = Uuid, Path, description = "The suite's id")),
    responses(
        (status = 200, description = "The suite", body = Data<SuiteDetailJson>),
        (status = 400, description = "The id is not a UUID", body = ErrorBody),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 404, description = "No such suite in this team", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(suite_id): ApiPath<Uuid>,
) -> Result<Json<Data<SuiteDetailJson>>, ApiError> {
    let suite = suites::get(&state.db, caller.team_id, suite_id)
        .await?
        .ok_or_else(|| ApiError::not_found("suite"))?;
    let cases = suites::cases(&state.db, caller.team_id, suite.id).await?;
    Ok(data(SuiteDetailJson {
        id: suite.id,
        name: suite.name,
        target_agent_id: suite.target_agent_id,
        tester_agent_id: suite.tester_agent_id,
        max_concurrency: suite.max_concurrency,
        removed: suite.removed_at.is_some(),
        cases: cases
            .into_iter()
            .map(|case| CaseJson {
                id: case.revring_id,
                name: case.name,
                script: case.script,
                scoring_rubric: case.scoring_rubric,
                attempts_per_run: case.attempts_per_run,
            })
            .collect(),
    }))
}
