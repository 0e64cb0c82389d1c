//! Exports of a run: JUnit XML as CI tools read it, CSV with one row per attempt, JSON.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};

use super::ViewsFixture;
use crate::support::app::new_client;

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

    let csv_text = fx.admin.page(&format!("/runs/{}/export.csv", run.id)).await;
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[3], "test_case");
    assert_eq!(&headers[5], "result");
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len() as i64, total);
    assert_eq!(
        rows.iter().filter(|r| &r[5] == "fail").count() as i64,
        failed
    );
    assert!(
        rows.iter()
            .any(|r| &r[6] == "Refused the refund <politely> & \"firmly\"")
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

    let link = super::share::create_link(&fx.admin, "run", run.id, "7d").await;
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
        assert_eq!(&reader.headers().unwrap()[1], "run_name");
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert!(!rows.is_empty());
        for row in &rows {
            assert_eq!(&row[1], format!("'{formula}"), "{base}");
            assert!(!row[1].starts_with('='));
        }
        let call_ids = rows.iter().filter(|row| !row[10].is_empty()).count();
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
