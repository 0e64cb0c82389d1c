//! `/test-suites` and `/test-suites/{id}`: list, get, create (201), update (PATCH), delete (200).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::error::{ApiError, ApiResult, data, ok};
use super::ids::{self, ser_ts};
use super::input::{self, Field, JsonBody};
use super::state::{AppState, Caller};
use super::store::{Org, Suite};

/// Longest suite name, in characters (docs/revring-api.md §3.2).
pub(super) const MAX_NAME: usize = 128;
/// Smallest `maxConcurrency` (two calls per attempt).
pub(super) const MIN_CONCURRENCY: i64 = 2;
/// Largest `maxConcurrency`.
pub(super) const MAX_CONCURRENCY: i64 = 100;
/// `maxConcurrency` when omitted or null.
pub(super) const DEFAULT_CONCURRENCY: u32 = 2;
/// Longest agent id accepted in a body.
const MAX_ID: usize = 200;

/// The TestSuite JSON object.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct SuiteView {
    id: Uuid,
    organization_id: Uuid,
    name: String,
    target_agent_id: Uuid,
    tester_agent_id: Option<Uuid>,
    max_concurrency: u32,
    default_variables: Map<String, Value>,
    test_count: usize,
    #[serde(serialize_with = "ser_ts")]
    created_at: OffsetDateTime,
    #[serde(serialize_with = "ser_ts")]
    updated_at: OffsetDateTime,
}

/// The JSON of `suite`.
pub(super) fn view(org: &Org, suite: &Suite) -> SuiteView {
    SuiteView {
        id: suite.id,
        organization_id: org.id,
        name: suite.name.clone(),
        target_agent_id: suite.target_agent_id,
        tester_agent_id: suite.tester_agent_id,
        max_concurrency: suite.max_concurrency,
        default_variables: suite.default_variables.clone(),
        test_count: org.tests.iter().filter(|t| t.suite_id == suite.id).count(),
        created_at: suite.created_at,
        updated_at: suite.updated_at,
    }
}

/// `GET /test-suites`: every suite, newest first.
pub(super) async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult {
    state.with_org(&caller, |org, _| {
        let all: Vec<SuiteView> = org.suites.iter().rev().map(|s| view(org, s)).collect();
        Ok(ok(all))
    })
}

/// `GET /test-suites/{id}`.
pub(super) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    state.with_org(&caller, |org, _| {
        let idx = org.suite_index(&id)?;
        Ok(ok(view(org, &org.suites[idx])))
    })
}

fn tester(org: &Org, body: &Map<String, Value>) -> Result<Field<Uuid>, ApiError> {
    Ok(match input::text(body, "testerAgentId", MAX_ID)? {
        Field::Absent => Field::Absent,
        Field::Null => Field::Null,
        Field::Set(raw) => Field::Set(org.agent_ref(&raw, "testerAgentId")?),
    })
}

fn check_pair(target: Uuid, tester: Option<Uuid>) -> Result<(), ApiError> {
    if tester == Some(target) {
        return Err(ApiError::validation(
            "`testerAgentId` must be a different agent than `targetAgentId`",
        ));
    }
    Ok(())
}

fn concurrency(body: &Map<String, Value>) -> Result<Field<u32>, ApiError> {
    Ok(
        match input::integer(body, "maxConcurrency", MIN_CONCURRENCY, MAX_CONCURRENCY)? {
            Field::Set(n) => Field::Set(n as u32),
            Field::Null => Field::Null,
            Field::Absent => Field::Absent,
        },
    )
}

/// `POST /test-suites`: 201 with the new suite.
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult {
    state.with_org(&caller, |org, now| {
        let name = input::required_text(&body, "name", MAX_NAME)?;
        let target_raw = input::required_text(&body, "targetAgentId", MAX_ID)?;
        let target = org.agent_ref(&target_raw, "targetAgentId")?;
        let tester = tester(org, &body)?.set();
        check_pair(target, tester)?;
        let max_concurrency = concurrency(&body)?.set().unwrap_or(DEFAULT_CONCURRENCY);
        let default_variables = input::object(&body, "defaultVariables")?
            .set()
            .unwrap_or_default();
        let now = ids::millis(now);
        let suite = Suite {
            id: org.new_id(),
            name,
            target_agent_id: target,
            tester_agent_id: tester,
            max_concurrency,
            default_variables,
            created_at: now,
            updated_at: now,
        };
        let body = view(org, &suite);
        org.suites.push(suite);
        Ok(data(StatusCode::CREATED, body))
    })
}

/// `PATCH /test-suites/{id}`: any subset of the create fields, same limits. A null
/// `testerAgentId` switches to the system tester; a null `maxConcurrency` resets it to 2.
pub(super) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    state.with_org(&caller, |org, now| {
        let idx = org.suite_index(&id)?;
        let name = input::text(&body, "name", MAX_NAME)?.set();
        let target = match input::text(&body, "targetAgentId", MAX_ID)? {
            Field::Set(raw) => Some(org.agent_ref(&raw, "targetAgentId")?),
            _ => None,
        };
        let tester = tester(org, &body)?;
        let max_concurrency = concurrency(&body)?;
        let variables = input::object(&body, "defaultVariables")?;
        let suite = &org.suites[idx];
        let new_target = target.unwrap_or(suite.target_agent_id);
        let new_tester = match tester {
            Field::Absent => suite.tester_agent_id,
            Field::Null => None,
            Field::Set(t) => Some(t),
        };
        check_pair(new_target, new_tester)?;
        let suite = &mut org.suites[idx];
        if let Some(name) = name {
            suite.name = name;
        }
        suite.target_agent_id = new_target;
        suite.tester_agent_id = new_tester;
        match max_concurrency {
            Field::Set(n) => suite.max_concurrency = n,
            Field::Null => suite.max_concurrency = DEFAULT_CONCURRENCY,
            Field::Absent => {}
        }
        match variables {
            Field::Set(v) => suite.default_variables = v,
            Field::Null => suite.default_variables = Map::new(),
            Field::Absent => {}
        }
        suite.updated_at = ids::millis(now);
        Ok(ok(view(org, &org.suites[idx])))
    })
}

/// `DELETE /test-suites/{id}`: 200 `{"data": {"id", "deleted": true}}`; cascades to the suite's
/// test cases, runs and calls (even a run in progress).
pub(super) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    state.with_org(&caller, |org, _| {
        let idx = org.suite_index(&id)?;
        let suite = org.delete_suite(idx);
        Ok(ok(json!({ "id": suite.id, "deleted": true })))
    })
}
