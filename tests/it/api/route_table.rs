//! Team isolation over the whole API, operation by operation, driven by the served OpenAPI
//! document: every operation that names a team's object by id answers another team's token 404
//! and changes nothing of the owner's, while the owner's token gets its real answer to the very
//! same request; every operation without ids shows another team nothing of the owner's; and a
//! request mixing both teams' ids (the stranger's run, the owner's attempt) answers 404 too.
//!
//! `OPERATIONS` must cover every operation of the document: a new endpoint fails
//! `the_table_covers_every_documented_operation` until it has a line here, with a request that
//! is valid for the owner (its body is checked against the document's schema), so a 404 can
//! only come from the ids.

use reqwest::{Method, StatusCode};
use ringside::auth::Role;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{Api, create_token, input_value};
use crate::support::TestApp;
use crate::support::accounts::{create_team, member};
use crate::support::api_ids::{ApiIds, changed_rows, fill_placeholders, team_rows};
use crate::support::app::serve_args;
use crate::support::openapi::{assert_valid_request, document, operations, same_shape};
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
    let operations = operations(doc);
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
            match body {
                Some(body) => {
                    let filled = fill_placeholders(body, |_| Uuid::nil().to_string());
                    let body = serde_json::from_str(&filled).expect("the table's body is JSON");
                    assert_valid_request(doc, method, path, &body);
                }
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

/// Two teams on a portal without the sync worker: the world's ("Home", one of every object,
/// an admin token) and "Away" (objects of its own, an admin token).
struct TwoTeams {
    world: RunsWorld,
    home: ApiIds,
    owner: Api,
    away: Ids,
    stranger: Api,
}

impl TwoTeams {
    async fn new() -> Self {
        let world = RunsWorld::without_sync().await;
        let home = ApiIds::create(&world).await;
        let owner = Api::new(&world, &create_token(&world, "Home CI", "admin").await);
        let team = create_team(&world.app.db, "Away").await;
        let (boss, boss_id) = member(&world.app, "boss@away.example", team, Role::Admin).await;
        let away = Ids::create(&world.app, team, boss_id, "Away").await;
        let fields = [("name", "Away CI"), ("scope", "admin"), ("expires", "90d")];
        let response = boss.post("/tokens", &fields).await;
        assert_eq!(response.status(), StatusCode::OK);
        let stranger = Api::new(
            &world,
            &input_value(&response.text().await.unwrap(), "new-token"),
        );
        Self {
            world,
            home,
            owner,
            away,
            stranger,
        }
    }
}

#[tokio::test]
async fn every_api_operation_keeps_a_teams_objects_from_other_teams() {
    let TwoTeams {
        world,
        home,
        owner,
        stranger,
        ..
    } = TwoTeams::new().await;
    let doc = document(&world.app).await;
    assert_table_covers(&doc);
    let theirs = home.all();
    let db = &world.app.db;

    // Another team's token, operation by operation as the document lists them.
    let initial = team_rows(db, world.team_id).await;
    let mut checked = Vec::new();
    for (method, path) in operations(&doc) {
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

#[tokio::test]
async fn ids_of_two_teams_in_one_request_answer_404() {
    let TwoTeams {
        world,
        home,
        away,
        stranger,
        ..
    } = TwoTeams::new().await;
    let db = &world.app.db;
    // The stranger's own run or channel, with the owner's attempt or suite in the body.
    let reviews = format!("/api/v1/runs/{}/reviews", away.run);
    let review = |attempt: Uuid| json!({"attempt_ids": [attempt], "kind": "flaky"});
    let rule =
        |suite: Uuid| json!({"channel_id": away.channel, "suite_id": suite, "kind": "recovered"});
    let mixed = [
        (
            reviews.as_str(),
            review(home.ids.attempt),
            review(away.attempt),
            200,
        ),
        (
            "/api/v1/alert-rules",
            rule(home.suite),
            rule(away.suite.suite_id),
            201,
        ),
    ];
    for (path, theirs, own, control) in mixed {
        let before = team_rows(db, world.team_id).await;
        let (status, answer) = stranger.post(path, &theirs).await;
        let changed = changed_rows(&before, &team_rows(db, world.team_id).await);
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "POST {path} {theirs}: {answer}"
        );
        assert!(changed.is_empty(), "POST {path} {theirs}: {changed:#?}");
        // The same request with the stranger's own ids: only the owner's id made it 404.
        let (status, answer) = stranger.post(path, &own).await;
        assert_eq!(status.as_u16(), control, "POST {path} {own}: {answer}");
    }
}
