//! `/test-suites/{id}/tests`: list, get, create (201), update (PATCH), delete (200).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Serialize;
use serde_json::{Map, Value, json};
use time::OffsetDateTime;
use uuid::Uuid;

use super::error::{ApiResult, data, ok};
use super::ids::{self, ser_ts};
use super::input::{self, Field, JsonBody};
use super::routes_suites::MAX_NAME;
use super::state::{AppState, Caller};
use super::store::TestCase;
use super::verdict;

/// Longest test script, in characters (docs/revring-api.md §3.3).
pub(super) const MAX_SCRIPT: usize = 10_000;
/// Longest scoring rubric, in characters.
pub(super) const MAX_RUBRIC: usize = 5_000;
/// Fewest attempts per run.
pub(super) const MIN_ATTEMPTS: i64 = 1;
/// Most attempts per run.
pub(super) const MAX_ATTEMPTS: i64 = 10;
/// `attemptsPerRun` when omitted.
pub(super) const DEFAULT_ATTEMPTS: u32 = 1;

/// The TestCase JSON object.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TestCaseView {
    id: Uuid,
    test_suite_id: Uuid,
    name: String,
    script: String,
    scoring_rubric: String,
    attempts_per_run: u32,
    variables: Map<String, Value>,
    #[serde(serialize_with = "ser_ts")]
    created_at: OffsetDateTime,
    #[serde(serialize_with = "ser_ts")]
    updated_at: OffsetDateTime,
}

/// The JSON of a test case.
pub(super) fn view(t: &TestCase) -> TestCaseView {
    TestCaseView {
        id: t.id,
        test_suite_id: t.suite_id,
        name: t.name.clone(),
        script: t.script.clone(),
        scoring_rubric: t.scoring_rubric.clone(),
        attempts_per_run: t.attempts_per_run,
        variables: t.variables.clone(),
        created_at: t.created_at,
        updated_at: t.updated_at,
    }
}

/// `GET /test-suites/{id}/tests`: the suite's test cases, newest first.
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    state.with_org(&caller, |org, _| {
        let suite_id = org.suites[org.suite_index(&id)?].id;
        let all: Vec<TestCaseView> = org
            .tests
            .iter()
            .rev()
            .filter(|t| t.suite_id == suite_id)
            .map(view)
            .collect();
        Ok(ok(all))
    })
}

/// `GET /test-suites/{id}/tests/{testId}`.
pub(super) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, test_id)): Path<(String, String)>,
) -> ApiResult {
    state.with_org(&caller, |org, _| {
        let suite_id = org.suites[org.suite_index(&id)?].id;
        let idx = org.test_index(suite_id, &test_id)?;
        Ok(ok(view(&org.tests[idx])))
    })
}

fn attempts(body: &Map<String, Value>) -> Result<Field<i64>, super::error::ApiError> {
    input::integer(body, "attemptsPerRun", MIN_ATTEMPTS, MAX_ATTEMPTS)
}

/// `POST /test-suites/{id}/tests`: 201 with the new test case. `name`, `script` and
/// `scoringRubric` are required; `attemptsPerRun` defaults to 1, `variables` to `{}`.
pub(super) async fn create(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    state.with_org(&caller, |org, now| {
        let suite_id = org.suites[org.suite_index(&id)?].id;
        let name = input::required_text(&body, "name", MAX_NAME)?;
        let script = input::required_text(&body, "script", MAX_SCRIPT)?;
        let scoring_rubric = input::required_text(&body, "scoringRubric", MAX_RUBRIC)?;
        let attempts_per_run = attempts(&body)?
            .set()
            .map_or(DEFAULT_ATTEMPTS, |n| n as u32);
        let variables = input::object(&body, "variables")?.set().unwrap_or_default();
        let now = ids::millis(now);
        let profile = verdict::profile_for(&name, &script, org.seed);
        let test = TestCase {
            id: org.new_id(),
            suite_id,
            name,
            script,
            scoring_rubric,
            attempts_per_run,
            variables,
            created_at: now,
            updated_at: now,
            profile,
            spec: None,
        };
        let body = view(&test);
        org.tests.push(test);
        Ok(data(StatusCode::CREATED, body))
    })
}

/// `PATCH /test-suites/{id}/tests/{testId}`: any subset of the five fields, same limits.
pub(super) async fn update(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, test_id)): Path<(String, String)>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    state.with_org(&caller, |org, now| {
        let suite_id = org.suites[org.suite_index(&id)?].id;
        let idx = org.test_index(suite_id, &test_id)?;
        let name = input::text(&body, "name", MAX_NAME)?.set();
        let script = input::text(&body, "script", MAX_SCRIPT)?.set();
        let rubric = input::text(&body, "scoringRubric", MAX_RUBRIC)?.set();
        let attempts = attempts(&body)?;
        let variables = input::object(&body, "variables")?;
        let seed = org.seed;
        let t = &mut org.tests[idx];
        if let Some(name) = name {
            t.name = name;
        }
        if let Some(script) = script {
            if script != t.script {
                t.spec = None;
            }
            t.script = script;
        }
        if let Some(rubric) = rubric {
            t.scoring_rubric = rubric;
        }
        match attempts {
            Field::Set(n) => t.attempts_per_run = n as u32,
            Field::Null => t.attempts_per_run = DEFAULT_ATTEMPTS,
            Field::Absent => {}
        }
        match variables {
            Field::Set(v) => t.variables = v,
            Field::Null => t.variables = Map::new(),
            Field::Absent => {}
        }
        if let Some(p) = verdict::marker(&t.name, &t.script) {
            t.profile = p;
        } else if t.spec.is_none() && name_or_script_changed(&body) {
            t.profile = verdict::profile_for(&t.name, &t.script, seed);
        }
        t.updated_at = ids::millis(now);
        Ok(ok(view(t)))
    })
}

fn name_or_script_changed(body: &Map<String, Value>) -> bool {
    body.contains_key("name") || body.contains_key("script")
}

/// `DELETE /test-suites/{id}/tests/{testId}`: 200 `{"data": {"id", "deleted": true}}`. Runs
/// already started keep their attempts of the case.
pub(super) async fn delete(
    State(state): State<AppState>,
    caller: Caller,
    Path((id, test_id)): Path<(String, String)>,
) -> ApiResult {
    state.with_org(&caller, |org, _| {
        let suite_id = org.suites[org.suite_index(&id)?].id;
        let idx = org.test_index(suite_id, &test_id)?;
        let t = org.tests.remove(idx);
        Ok(ok(json!({ "id": t.id, "deleted": true })))
    })
}
