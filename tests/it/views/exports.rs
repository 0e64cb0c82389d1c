//! Exports of a run: JUnit XML as CI tools read it, CSV with one row per attempt, JSON.

use reqwest::StatusCode;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};

use super::ViewsFixture;

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
