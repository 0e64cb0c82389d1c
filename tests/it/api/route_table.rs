//! Team isolation over the whole API, operation by operation, driven by the served OpenAPI
//! document: every operation that names a team's object by id answers another team's token 404
//! and changes nothing of the owner's, while the owner's token gets its real answer to the very
//! same request; every operation without ids shows another team nothing of the owner's.
//!
//! `OPERATIONS` must cover every operation of the document: a new endpoint fails
//! `the_table_covers_every_documented_operation` until it has a line here, with a request that
//! is valid for the owner (its body is checked against the document's schema), so a 404 can
//! only come from the ids.

use reqwest::{Method, StatusCode};
use ringside::auth::Role;
use serde_json::Value;

use super::{Api, create_token, input_value};
use crate::support::TestApp;
use crate::support::accounts::{create_team, member};
use crate::support::api_ids::{ApiIds, changed_rows, fill_placeholders, team_rows};
use crate::support::app::serve_args;
use crate::support::runs::RunsWorld;
use crate::support::team_ids::Ids;

/// What another team's token gets.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Stranger {
    /// 404 in JSON, the owner's data unchanged.
    NotFound,
    /// The owner's status, no id of the owner's in the answer, the owner's data unchanged.
    SeesNothing,
}
use Stranger::{NotFound, SeesNothing};

/// A request: method, path (`{suite}`, `{run}`… stand for the owner's ids, see `ApiIds::id`),
/// JSON body (placeholders filled the same way), the status the owner's own token gets, and
/// what another team's token gets.
type Operation = (
    &'static str,
    &'static str,
    Option<&'static str>,
    u16,
    Stranger,
);

/// Every operation of the API with a valid request. Add a line for each new endpoint.
const OPERATIONS: &[Operation] = &[
    ("GET", "/api/v1/suites", None, 200, SeesNothing),
    ("GET", "/api/v1/suites/{suite}", None, 200, NotFound),
    ("GET", "/api/v1/suites/{suite}/runs", None, 200, NotFound),
    (
        "POST",
        "/api/v1/suites/{suite}/runs",
        Some(r#"{"name": "Table check", "labels": {"branch": "main"}}"#),
        201,
        NotFound,
    ),
    ("GET", "/api/v1/suites/{suite}/trend", None, 200, NotFound),
    (
        "GET",
        "/api/v1/suites/{suite}/schedules",
        None,
        200,
        NotFound,
    ),
    (
        "POST",
        "/api/v1/suites/{suite}/schedules",
        Some(r#"{"name": "Hourly", "cron": "0 * * * *", "timezone": "UTC"}"#),
        201,
        NotFound,
    ),
    (
        "PATCH",
        "/api/v1/schedules/{schedule}",
        Some(r#"{"name": "Renamed", "paused": true}"#),
        200,
        NotFound,
    ),
    (
        "DELETE",
        "/api/v1/schedules/{schedule}",
        None,
        204,
        NotFound,
    ),
    ("GET", "/api/v1/runs", None, 200, SeesNothing),
    ("GET", "/api/v1/runs?suite={suite}", None, 200, SeesNothing),
    ("GET", "/api/v1/runs/{run}", None, 200, NotFound),
    (
        "POST",
        "/api/v1/runs/{live_run}/cancel",
        None,
        202,
        NotFound,
    ),
    ("GET", "/api/v1/runs/{run}/export.csv", None, 200, NotFound),
    ("GET", "/api/v1/runs/{run}/export.xml", None, 200, NotFound),
    ("GET", "/api/v1/runs/{run}/export.json", None, 200, NotFound),
    (
        "POST",
        "/api/v1/runs/{run}/reviews",
        Some(r#"{"attempt_ids": ["{attempt}"], "kind": "flaky", "comment": "Line noise"}"#),
        200,
        NotFound,
    ),
    ("GET", "/api/v1/attempts/{attempt}", None, 200, NotFound),
    (
        "PUT",
        "/api/v1/attempts/{attempt}/review",
        Some(r#"{"kind": "confirmed_bug", "comment": "Seen twice"}"#),
        200,
        NotFound,
    ),
    (
        "DELETE",
        "/api/v1/attempts/{attempt}/review",
        None,
        200,
        NotFound,
    ),
    ("GET", "/api/v1/known-issues", None, 200, SeesNothing),
    (
        "POST",
        "/api/v1/known-issues",
        Some(r#"{"title": "Transfers drop"}"#),
        201,
        SeesNothing,
    ),
    ("GET", "/api/v1/alert-channels", None, 200, SeesNothing),
    (
        "POST",
        "/api/v1/alert-channels",
        Some(r#"{"kind": "email", "name": "Leads", "to": "qa@example.com"}"#),
        201,
        SeesNothing,
    ),
    (
        "POST",
        "/api/v1/alert-channels/{channel}/test",
        None,
        200,
        NotFound,
    ),
    ("GET", "/api/v1/alert-rules", None, 200, SeesNothing),
    (
        "POST",
        "/api/v1/alert-rules",
        Some(r#"{"suite_id": "{suite}", "channel_id": "{channel}", "kind": "new_failures"}"#),
        201,
        NotFound,
    ),
    ("GET", "/api/v1/alert-deliveries", None, 200, SeesNothing),
];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Whether the table's path (query aside) has the shape of the document's: the same literal
/// segments, a placeholder wherever the document has a parameter.
fn same_shape(documented: &str, template: &str) -> bool {
    let template = template.split('?').next().unwrap_or_default();
    let is_param = |segment: &str| segment.starts_with('{') && segment.ends_with('}');
    let (a, b): (Vec<&str>, Vec<&str>) = (
        documented.split('/').collect(),
        template.split('/').collect(),
    );
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(d, t)| match (is_param(d), is_param(t)) {
                (true, true) => true,
                (false, false) => d == t,
                _ => false,
            })
}

/// The document's operations as `(method, path)`, methods upper-case.
fn documented(doc: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("the document has paths") {
        for method in item.as_object().unwrap().keys() {
            if METHODS.contains(&method.as_str()) {
                found.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    found
}

/// The table's lines for one documented operation.
fn lines_for<'t>(method: &str, path: &str) -> Vec<&'t Operation> {
    OPERATIONS
        .iter()
        .filter(|(m, template, ..)| *m == method && same_shape(path, template))
        .collect()
}

/// Fails unless every documented operation has a line, every line is a documented operation,
/// operations with an id in their path answer strangers 404 (and document it), and every body
/// is valid for the document and present exactly when the document takes one.
fn assert_table_covers(doc: &Value) {
    let operations = documented(doc);
    assert!(operations.len() >= 27, "{operations:?}");
    for (method, path) in &operations {
        let lines = lines_for(method, path);
        assert!(
            !lines.is_empty(),
            "{method} {path} is in the API but not in OPERATIONS of tests/it/api/route_table.rs: \
             add a line with a valid request, the owner's status and what another team gets"
        );
        let described = &doc["paths"][path][method.to_lowercase()];
        for (_, template, body, _, stranger) in lines {
            if path.contains('{') {
                assert_eq!(
                    *stranger, NotFound,
                    "{method} {template} names an object by id"
                );
                assert!(
                    described["responses"]["404"].is_object(),
                    "{method} {path} documents its 404"
                );
            }
            let schema = &described["requestBody"]["content"]["application/json"]["schema"];
            match body {
                Some(body) => assert_valid(doc, schema, body, &format!("{method} {template}")),
                None => assert!(
                    described["requestBody"]["required"] != true,
                    "{method} {template} needs a body in OPERATIONS"
                ),
            }
        }
    }
    for (method, template, ..) in OPERATIONS {
        let matching = operations
            .iter()
            .filter(|(m, path)| m == method && same_shape(path, template))
            .count();
        assert_eq!(
            matching, 1,
            "{method} {template} is one operation of the document"
        );
    }
}

/// Checks a table body (ids filled with made-up ones) against the document's request schema.
fn assert_valid(doc: &Value, schema: &Value, body: &str, what: &str) {
    assert!(schema.is_object(), "{what}: the document takes a JSON body");
    let filled = fill_placeholders(body, |_| uuid::Uuid::nil().to_string());
    let body: Value = serde_json::from_str(&filled).expect("the table's body is JSON");
    let mut root = schema.clone();
    root.as_object_mut()
        .unwrap()
        .insert("components".into(), doc["components"].clone());
    let validator = jsonschema::validator_for(&root).expect("the schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&body)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}");
}

async fn document(app: &TestApp) -> Value {
    let response = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_table_covers_every_documented_operation() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    assert_table_covers(&document(&app).await);
}

/// A request of the table with its ids filled: status and body as text.
async fn send(api: &Api, ids: &ApiIds, operation: &Operation) -> (StatusCode, String) {
    let (method, template, body, ..) = operation;
    let method = Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = api.request(method, &ids.fill(template));
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(ids.fill(body));
    }
    let response = request.send().await.unwrap();
    (response.status(), response.text().await.unwrap())
}

/// An admin token of a second team, which has objects of its own.
async fn strangers_token(world: &RunsWorld) -> String {
    let team = create_team(&world.app.db, "Away").await;
    let (boss, boss_id) = member(&world.app, "boss@away.example", team, Role::Admin).await;
    Ids::create(&world.app, team, boss_id, "Away").await;
    let fields = [("name", "Away CI"), ("scope", "admin"), ("expires", "90d")];
    let response = boss.post("/tokens", &fields).await;
    assert_eq!(response.status(), StatusCode::OK);
    input_value(&response.text().await.unwrap(), "new-token")
}

#[tokio::test]
async fn every_api_operation_keeps_a_teams_objects_from_other_teams() {
    let world = RunsWorld::without_sync().await;
    let doc = document(&world.app).await;
    assert_table_covers(&doc);
    let home = ApiIds::create(&world).await;
    let owner = Api::new(&world, &create_token(&world, "Home CI", "admin").await);
    let stranger = Api::new(&world, &strangers_token(&world).await);
    let theirs = home.all();
    let db = &world.app.db;

    // Another team's token, operation by operation as the document lists them.
    let initial = team_rows(db, world.team_id).await;
    let mut checked = Vec::new();
    for (method, path) in documented(&doc) {
        for operation in lines_for(&method, &path) {
            let (_, template, _, control, expected) = operation;
            let before = team_rows(db, world.team_id).await;
            let (status, answer) = send(&stranger, &home, operation).await;
            let changed = changed_rows(&before, &team_rows(db, world.team_id).await);
            let what = format!("{method} {template} with another team's token");
            assert!(
                changed.is_empty(),
                "{what} changed the owner's data: {changed:#?}"
            );
            match expected {
                NotFound => {
                    assert_eq!(status, StatusCode::NOT_FOUND, "{what}: {answer}");
                    let body: Value = serde_json::from_str(&answer).unwrap();
                    assert_eq!(body["error"]["code"], "not_found", "{what}: {answer}");
                }
                SeesNothing => {
                    assert_eq!(status.as_u16(), *control, "{what}: {answer}");
                    let seen: Vec<&String> =
                        theirs.iter().filter(|id| answer.contains(*id)).collect();
                    assert!(
                        seen.is_empty(),
                        "{what} shows the owner's {seen:?}: {answer}"
                    );
                }
            }
            checked.push(operation);
        }
    }
    assert_eq!(checked.len(), OPERATIONS.len(), "every line was sent");

    // The owner's token, the very same requests: the ids are real and the bodies valid. Deletes
    // go last so that they remove nothing another request names.
    checked.sort_by_key(|(method, ..)| *method == "DELETE");
    for operation in checked {
        let (method, template, _, control, expected) = operation;
        let (status, answer) = send(&owner, &home, operation).await;
        let what = format!("{method} {template} with the owner's token");
        assert_eq!(status.as_u16(), *control, "{what}: {answer}");
        if *expected == SeesNothing && *method == "GET" {
            assert!(
                theirs.iter().any(|id| answer.contains(id)),
                "{what} lists the owner's objects (so the stranger's answer proves something): \
                 {answer}"
            );
        }
    }
    // The owner's requests changed the owner's rows, so a stranger's change would have shown.
    let changed = changed_rows(&initial, &team_rows(db, world.team_id).await);
    for table in [
        "schedules ",
        "attempt_review_history ",
        "alert_rules ",
        "known_issues ",
        "runs ",
    ] {
        assert!(
            changed.iter().any(|row| row[2..].starts_with(table)),
            "the owner's requests changed {table}: {changed:#?}"
        );
    }
}
