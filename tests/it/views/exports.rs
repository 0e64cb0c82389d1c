//! Exports of a run: JUnit XML as CI tools read it, CSV with one row per attempt, JSON.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};

use crate::support::TestApp;
use crate::support::accounts::setup;
use crate::support::app::new_client;
use crate::support::app::serve_args;
use crate::support::built;
use crate::support::views::ViewsFixture;

#[tokio::test]
async fn junit_csv_and_json_exports_match_the_run() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let attempt = fx.failed_attempt(run.id).await;
    fx.rewrite_attempt(
        attempt,
        serde_json::json!([]),
        "Refused the refund <politely> & \"firmly\"",
    )
    .await;
    let (total, failed, errors): (i64, i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE result = 'fail'),
                count(*) FILTER (WHERE result = 'error')
         FROM attempts WHERE run_id = $1",
    )
    .bind(run.id)
    .fetch_one(&fx.app.db)
    .await
    .unwrap();
    assert_eq!(total, i64::from(run.attempts_total));

    let response = fx.admin.get(&format!("/runs/{}/export.xml", run.id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("xml")
    );
    assert!(
        response.headers()[CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(".xml")
    );
    let xml = response.text().await.unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let count = |node: roxmltree::Node, name: &str| -> i64 {
        node.attribute(name).unwrap().parse().unwrap()
    };
    assert_eq!(count(root, "tests"), total);
    assert_eq!(count(root, "failures"), failed);
    assert_eq!(count(root, "errors"), errors);
    assert_eq!(failed + errors, i64::from(run.attempts_failed));
    let suites: Vec<_> = root
        .children()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    assert_eq!(suites.len(), 1);
    let suite = suites[0];
    assert_eq!(count(suite, "tests"), total);
    assert_eq!(count(suite, "failures"), failed);
    let cases: Vec<_> = suite
        .children()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert_eq!(cases.len() as i64, total);
    assert!(
        cases
            .iter()
            .all(|c| c.attribute("name").is_some() && c.attribute("classname").is_some())
    );
    let failures: Vec<_> = cases
        .iter()
        .filter_map(|c| c.children().find(|n| n.has_tag_name("failure")))
        .collect();
    assert_eq!(failures.len() as i64, failed);
    assert!(
        failures
            .iter()
            .any(|f| f.text() == Some("Refused the refund <politely> & \"firmly\"")),
        "a failure carries the reasoning"
    );
    assert!(failures.iter().all(|f| f.attribute("message").is_some()));

    let response = fx.admin.get(&format!("/runs/{}/export.csv", run.id)).await;
    assert_eq!(response.status(), StatusCode::OK);
    let disposition = response.headers()[CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    let (suite_name, revring_run_id): (String, String) = sqlx::query_as(
        "SELECT s.name, r.revring_id FROM runs r JOIN suites s ON s.id = r.suite_id
             WHERE r.id = $1",
    )
    .bind(run.id)
    .fetch_one(&fx.app.db)
    .await
    .unwrap();
    let slug: String = suite_name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("-")
        .to_lowercase();
    assert!(
        disposition.contains(&format!("filename=\"{slug}-")) && disposition.ends_with(".csv\""),
        "named after the suite and run: {disposition}"
    );
    assert!(!disposition.contains(&run.id.to_string()), "{disposition}");
    let csv_text = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("a {name} column in {headers:?}"))
    };
    let (case, result, reasoning) = (column("test_case"), column("result"), column("reasoning"));
    let (ours, theirs, url) = (
        column("ringside_run_id"),
        column("revring_run_id"),
        column("attempt_url"),
    );
    assert!(!headers.iter().any(|h| h == "run_id"), "ids are named");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as i64, total);
    assert!(rows.iter().all(|r| !r[case].is_empty()));
    assert_eq!(
        rows.iter().filter(|r| &r[result] == "fail").count() as i64,
        failed
    );
    assert!(
        rows.iter()
            .any(|r| &r[reasoning] == "Refused the refund <politely> & \"firmly\"")
    );
    assert!(rows.iter().all(|r| r[ours] == run.id.to_string()));
    assert!(rows.iter().all(|r| r[theirs] == revring_run_id));
    let link = rows
        .iter()
        .map(|r| r[url].to_owned())
        .find(|u| u.ends_with(&attempt.to_string()))
        .expect("a link to the rewritten attempt");
    assert!(
        link.starts_with("http") && link.contains(&format!("/runs/{}/attempts/", run.id)),
        "{link}"
    );
    let path = &link[link.find("/runs/").unwrap()..];
    let page = fx.admin.page(path).await;
    assert!(
        page.contains("Refused the refund"),
        "the link opens the attempt"
    );

    let json: serde_json::Value = fx
        .admin
        .get(&format!("/runs/{}/export.json", run.id))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["attempts"].as_array().unwrap().len() as i64, total);
    assert_eq!(json["run"]["attempts"]["failed"], run.attempts_failed);
    assert!(json["attempts"][0]["transcript"].is_array());
}

/// One stored attempt, as the exports must show it.
#[derive(Debug, sqlx::FromRow)]
struct Stored {
    id: uuid::Uuid,
    revring_id: String,
    test_case_revring_id: String,
    test_case_name: String,
    attempt_number: i32,
    result: Option<String>,
    reasoning: Option<String>,
    transcript: serde_json::Value,
    call_id: Option<String>,
    started_at: Option<time::OffsetDateTime>,
    completed_at: Option<time::OffsetDateTime>,
}

fn rfc3339(at: Option<time::OffsetDateTime>) -> String {
    at.map(|at| {
        at.to_offset(time::UtcOffset::UTC)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap()
    })
    .unwrap_or_default()
}

#[tokio::test]
async fn every_export_carries_each_stored_attempt_field_by_field() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let suite = built::suite(&app.db, team_id, "Refunds", &["a", "b", "c", "d"]).await;
    let run = built::run_with_status(
        &app.db,
        &suite,
        "exp-1",
        0,
        "failed",
        &[
            ("a", 1, Some("pass")),
            ("b", 1, Some("fail")),
            ("b", 2, Some("error")),
            ("c", 1, None),
            ("d", 1, Some("inconclusive")),
        ],
    )
    .await;
    // A multi-line reasoning with markup, a call and timings on the failed attempt.
    sqlx::query(
        "UPDATE attempts SET reasoning = $2, call_id = 'call-77',
                started_at = '2026-03-01T10:00:00Z', completed_at = '2026-03-01T10:01:35Z'
         WHERE run_id = $1 AND revring_id = 'exp-1-att-1'",
    )
    .bind(run)
    .bind("Refused the refund <politely> & \"firmly\"\nthen hung up")
    .execute(&app.db)
    .await
    .unwrap();
    let stored: Vec<Stored> = sqlx::query_as(
        "SELECT id, revring_id, test_case_revring_id, test_case_name, attempt_number, result,
                reasoning, transcript, call_id, started_at, completed_at
         FROM attempts WHERE run_id = $1 ORDER BY revring_id",
    )
    .bind(run)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(stored.len(), 5);
    let (status, total, done, passed, failed): (String, i32, i32, i32, i32) = sqlx::query_as(
        "SELECT status, attempts_total, attempts_done, attempts_passed, attempts_failed
         FROM runs WHERE id = $1",
    )
    .bind(run)
    .fetch_one(&app.db)
    .await
    .unwrap();

    // CSV: one row per attempt, every column from the stored attempt.
    let csv_text = admin.page(&format!("/runs/{run}/export.csv")).await;
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        header,
        [
            "ringside_run_id",
            "revring_run_id",
            "run_name",
            "suite",
            "test_case",
            "attempt",
            "result",
            "reasoning",
            "started_at",
            "completed_at",
            "duration_seconds",
            "call_id",
            "revring_attempt_id",
            "ringside_attempt_id",
            "attempt_url",
            "effective_result",
            "review",
            "review_comment",
            "review_ticket"
        ]
    );
    let mut rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    rows.sort_by(|a, b| a[12].cmp(&b[12]));
    // Each row links to its attempt's page on this portal.
    for (row, attempt) in rows.iter_mut().zip(&stored) {
        let url = row.remove(14);
        assert!(
            url.starts_with("http")
                && url.ends_with(&format!("/runs/{run}/attempts/{}", attempt.id)),
            "{url}"
        );
    }
    let expected: Vec<Vec<String>> = stored
        .iter()
        .map(|a| {
            let duration = match (a.started_at, a.completed_at) {
                (Some(start), Some(end)) => format!("{:.0}", (end - start).as_seconds_f64()),
                _ => String::new(),
            };
            vec![
                run.to_string(),
                "exp-1".to_owned(),
                "Run exp-1".to_owned(),
                "Refunds".to_owned(),
                a.test_case_name.clone(),
                a.attempt_number.to_string(),
                a.result.clone().unwrap_or_else(|| "pending".to_owned()),
                a.reasoning.clone().unwrap_or_default(),
                rfc3339(a.started_at),
                rfc3339(a.completed_at),
                duration,
                a.call_id.clone().unwrap_or_default(),
                a.revring_id.clone(),
                a.id.to_string(),
                // Nobody reviewed: the effective result is the judge's.
                a.result.clone().unwrap_or_else(|| "pending".to_owned()),
                String::new(),
                String::new(),
                String::new(),
            ]
        })
        .collect();
    assert_eq!(rows, expected);
    assert_eq!(rows[1][10], "95", "the failed attempt lasted 1 min 35 s");

    // JSON: the run's counters and every attempt's fields, transcript included.
    let json: serde_json::Value = admin
        .get(&format!("/runs/{run}/export.json"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(json["run"]["id"], run.to_string());
    assert_eq!(json["run"]["revringId"], "exp-1");
    assert_eq!(json["run"]["name"], "Run exp-1");
    assert_eq!(json["run"]["suite"], "Refunds");
    assert_eq!(json["run"]["status"], status);
    assert_eq!(
        json["run"]["attempts"],
        serde_json::json!({
            "total": total, "done": done, "passed": passed, "failed": failed,
            // Nobody reviewed: the effective counts are the judge's.
            "judgedPassed": passed, "judgedFailed": failed,
            "effectivePassed": passed, "effectiveFailed": failed,
        })
    );
    assert_eq!((total, done, passed, failed), (5, 4, 1, 3));
    let mut attempts = json["attempts"].as_array().unwrap().clone();
    attempts.sort_by_key(|a| a["id"].as_str().unwrap().to_owned());
    for (attempt, row) in attempts.iter_mut().zip(&stored) {
        let url = attempt.as_object_mut().unwrap().remove("url").unwrap();
        let url = url.as_str().unwrap();
        assert!(
            url.ends_with(&format!("/runs/{run}/attempts/{}", row.id)),
            "{url}"
        );
    }
    let expected: Vec<serde_json::Value> = stored
        .iter()
        .map(|a| {
            serde_json::json!({
                "id": a.revring_id,
                "ringsideId": a.id,
                "testCaseId": a.test_case_revring_id,
                "testCaseName": a.test_case_name,
                "attemptNumber": a.attempt_number,
                "result": a.result,
                "judgedResult": a.result,
                "effectiveResult": a.result,
                "review": null,
                "reasoning": a.reasoning,
                "callId": a.call_id,
                "inboundCallId": null,
                "startedAt": a.started_at.map(|at| rfc3339(Some(at))),
                "completedAt": a.completed_at.map(|at| rfc3339(Some(at))),
                "transcript": a.transcript,
            })
        })
        .collect();
    assert_eq!(attempts, expected);

    // JUnit: one testcase per attempt; fail and error carry the reasoning, pending and unknown
    // verdicts are skipped with a reason.
    let xml = admin.page(&format!("/runs/{run}/export.xml")).await;
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let cases: Vec<roxmltree::Node> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let outcome = |name: &str| -> (String, Option<String>, Option<String>) {
        let case = cases
            .iter()
            .find(|c| c.attribute("name") == Some(name))
            .unwrap_or_else(|| panic!("testcase {name}"));
        assert_eq!(case.attribute("classname"), Some("Refunds"));
        let link = case
            .descendants()
            .find(|n| n.attribute("name") == Some("ringside.attempt_url"))
            .and_then(|n| n.attribute("value"))
            .unwrap_or_else(|| panic!("testcase {name} links to its attempt"));
        assert!(link.contains(&format!("/runs/{run}/attempts/")), "{link}");
        let child = case.children().find(|n| {
            n.is_element() && !n.has_tag_name("system-out") && !n.has_tag_name("properties")
        });
        match child {
            None => ("pass".to_owned(), None, None),
            Some(node) => (
                node.tag_name().name().to_owned(),
                node.attribute("message").map(str::to_owned),
                node.text().map(str::to_owned),
            ),
        }
    };
    assert_eq!(cases.len(), 5);
    assert_eq!(outcome("Case a #1"), ("pass".into(), None, None));
    assert_eq!(
        outcome("Case b #1"),
        (
            "failure".into(),
            Some("Refused the refund <politely> & \"firmly\"".into()),
            Some("Refused the refund <politely> & \"firmly\"\nthen hung up".into())
        )
    );
    assert_eq!(
        outcome("Case b #2"),
        (
            "error".into(),
            Some("judged error".into()),
            Some("judged error".into())
        )
    );
    assert_eq!(outcome("Case c #1").0, "skipped");
    assert_eq!(outcome("Case c #1").1.as_deref(), Some("not judged"));
    assert_eq!(outcome("Case d #1").0, "skipped");
    assert_eq!(
        outcome("Case d #1").1.as_deref(),
        Some("verdict \"inconclusive\"")
    );
    let suite_node = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .unwrap();
    for (attribute, value) in [
        ("tests", "5"),
        ("failures", "1"),
        ("errors", "1"),
        ("skipped", "2"),
    ] {
        assert_eq!(suite_node.attribute(attribute), Some(value), "{attribute}");
    }
}

#[tokio::test]
async fn a_formula_run_name_reaches_the_csv_inert_and_links_export_no_internals() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let formula = "=HYPERLINK(\"http://evil.example/\",\"x\")";
    let admin_id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM users LIMIT 1")
        .fetch_one(&fx.app.db)
        .await
        .unwrap();
    sqlx::query("UPDATE runs SET name = $2, started_by = $3 WHERE id = $1")
        .bind(run.id)
        .bind(formula)
        .bind(admin_id)
        .execute(&fx.app.db)
        .await
        .unwrap();

    let link = crate::views::share::create_link(&fx.admin, "run", run.id, "7d").await;
    let shared = format!("{}/runs/{}", &link[link.find("/s/").unwrap()..], run.id);
    for base in [format!("/runs/{}", run.id), shared.clone()] {
        let csv_text = if base.starts_with("/s/") {
            let response = new_client()
                .get(fx.app.url(&format!("{base}/export.csv")))
                .send()
                .await
                .unwrap();
            response.text().await.unwrap()
        } else {
            fx.admin.page(&format!("{base}/export.csv")).await
        };
        let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
        assert_eq!(&reader.headers().unwrap()[2], "run_name");
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert!(!rows.is_empty());
        for row in &rows {
            assert_eq!(&row[2], format!("'{formula}"), "{base}");
            assert!(!row[2].starts_with('='));
        }
        let call_ids = rows.iter().filter(|row| !row[11].is_empty()).count();
        if base.starts_with("/s/") {
            assert_eq!(call_ids, 0, "a link's CSV carries no call ids");
        } else {
            assert!(call_ids > 0, "members see call ids");
        }
    }

    let member_json: serde_json::Value = fx
        .admin
        .get(&format!("/runs/{}/export.json", run.id))
        .await
        .json()
        .await
        .unwrap();
    assert!(member_json["run"]["startedBy"].is_string());
    assert!(member_json["attempts"][0].get("callId").is_some());
    let link_json: serde_json::Value = new_client()
        .get(fx.app.url(&format!("{shared}/export.json")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(link_json["run"].get("startedBy").is_none(), "{link_json}");
    // The shared run page names nobody and shows no sync error; the member's page does.
    sqlx::query(
        "UPDATE runs SET last_error = 'RevRing said: upstream key rr_x rejected' WHERE id = $1",
    )
    .bind(run.id)
    .execute(&fx.app.db)
    .await
    .unwrap();
    let member_page = fx.admin.page(&format!("/runs/{}", run.id)).await;
    assert!(member_page.contains("Started by") && member_page.contains("upstream key rr_x"));
    let shared_page = new_client()
        .get(fx.app.url(&shared))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        shared_page.contains("Attempts by test case"),
        "{shared_page}"
    );
    assert!(!shared_page.contains("Started by"), "{shared_page}");
    assert!(!shared_page.contains("upstream key rr_x"), "{shared_page}");
    for attempt in link_json["attempts"].as_array().unwrap() {
        assert!(attempt.get("callId").is_none() && attempt.get("inboundCallId").is_none());
        assert!(attempt["transcript"].is_array());
    }
}
