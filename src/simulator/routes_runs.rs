//! `/test-suites/{id}/runs`: start (201), list, get (with attempts), cancel.

use axum::extract::{Path, State};
use axum::http::StatusCode;

use super::error::{ApiError, ApiResult, data, ok};
use super::input::{self, JsonBody};
use super::lifecycle::RunPhase;
use super::runs::RunView;
use super::state::{AppState, Caller};
use super::store::Org;

/// Longest run name accepted, in characters (the reference caps it at 128, docs/revring-api.md §3.6).
pub(super) const MAX_RUN_NAME: usize = 128;

/// Starts a run of suite `suite_id` in `org` now; the shared core of the endpoint and
/// [`super::Simulator::start_run`].
pub(super) fn start_in(
    org: &mut Org,
    suite_id: &str,
    name: Option<String>,
    speed: f64,
) -> Result<RunView, ApiError> {
    let idx = org.suite_index(suite_id)?;
    let now = time::OffsetDateTime::now_utc();
    let run = org.start_run(idx, name, now, speed)?;
    Ok(run.view(now, true))
}

/// `POST /test-suites/{id}/runs`: 201 with the new run, `queued`, attempts pre-created with
/// `result: null`. Body `{"name"?}`; an empty body is fine. 400 when the suite has no test case.
pub(super) async fn start(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let name = input::text(&body, "name", MAX_RUN_NAME)?.set();
    let speed = state.0.speed;
    let run = state.with_org(&caller, |org, _| start_in(org, &id, name, speed))?;
    state.stats().run_started(&caller.key);
    Ok(data(StatusCode::CREATED, run))
}

/// `GET /test-suites/{id}/runs`: the suite's runs, newest first, with `attempts: []` (the
/// attempts come with `GET` of one run).
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    state.with_org(&caller, |org, now| {
        let suite_id = org.suites[org.suite_index(&id)?].id;
        let all: Vec<RunView> = org
            .runs
            .iter()
            .rev()
            .filter(|r| r.suite_id == suite_id)
            .map(|r| r.view(now, false))
            .collect();
        Ok(ok(all))
    })
}

/// `GET /test-suites/{id}/runs/{runId}`: the run with every attempt and transcript.
pub(super) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, run_id)): Path<(String, String)>,
) -> ApiResult {
    state.with_org(&caller, |org, now| {
        let suite_id = org.suites[org.suite_index(&id)?].id;
        let idx = org.run_index(suite_id, &run_id)?;
        Ok(ok(org.runs[idx].view(now, true)))
    })
}

/// `POST /test-suites/{id}/runs/{runId}/cancel`: 200 with the run, now `cancelled`; finished
/// attempts keep their results, unfinished ones stay `result: null`. 409 when the run is already
/// completed or cancelled.
pub(super) async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, run_id)): Path<(String, String)>,
) -> ApiResult {
    state.with_org(&caller, |org, now| {
        let suite_id = org.suites[org.suite_index(&id)?].id;
        let idx = org.run_index(suite_id, &run_id)?;
        let run = &mut org.runs[idx];
        match run.phase(now) {
            RunPhase::Completed | RunPhase::Cancelled => Err(ApiError::conflict(format!(
                "The test run is already {}",
                run.phase(now).as_str()
            ))),
            RunPhase::Queued | RunPhase::Running => {
                run.cancelled_at = Some(now);
                Ok(ok(run.view(now, true)))
            }
        }
    })
}
