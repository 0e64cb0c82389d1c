//! The JUnit report of `ringside ci`: one `testsuite` per run, a `testcase` per attempt, the
//! judge's reasoning and a transcript excerpt in failures, the run's link in its properties.

use std::collections::BTreeMap;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::Value;

/// Transcript lines kept in a failure's excerpt.
const EXCERPT_LINES: usize = 12;

/// Longest transcript line kept in an excerpt.
const EXCERPT_LINE_CHARS: usize = 300;

/// One finished (or given-up) run for the report.
pub(super) struct RunReport<'a> {
    /// The run's JSON with attempts.
    pub(super) run: &'a Value,
    /// Its absolute link.
    pub(super) link: String,
    /// Transcripts of failed attempts, by attempt id.
    pub(super) transcripts: &'a BTreeMap<String, Value>,
}

/// The report as XML.
pub(super) fn render(runs: &[RunReport<'_>]) -> Result<String, quick_junit::SerializeError> {
    let mut report = Report::new("ringside");
    for entry in runs {
        let run = entry.run;
        let suite_name = run["suite_name"].as_str().unwrap_or("suite");
        let mut suite = TestSuite::new(suite_name);
        suite.add_property(Property::new("run_url", entry.link.as_str()));
        suite.add_property(Property::new(
            "run_id",
            run["id"].as_str().unwrap_or_default(),
        ));
        suite.add_property(Property::new(
            "status",
            run["status"].as_str().unwrap_or_default(),
        ));
        for (key, value) in run["labels"].as_object().into_iter().flatten() {
            suite.add_property(Property::new(
                format!("label.{key}"),
                value.as_str().unwrap_or_default(),
            ));
        }
        for attempt in run["attempts"].as_array().into_iter().flatten() {
            suite.add_test_case(test_case(suite_name, attempt, entry.transcripts));
        }
        report.add_test_suite(suite);
    }
    report.to_string()
}

fn test_case(suite_name: &str, attempt: &Value, transcripts: &BTreeMap<String, Value>) -> TestCase {
    let name = format!(
        "{} #{}",
        attempt["test_case_name"].as_str().unwrap_or("case"),
        attempt["attempt_number"].as_u64().unwrap_or(1)
    );
    let reasoning = attempt["reasoning"].as_str().unwrap_or_default();
    let status = match attempt["verdict"].as_str() {
        Some("pass") => TestCaseStatus::success(),
        None => {
            let mut status = TestCaseStatus::skipped();
            status.set_message("not judged: the run ended before this attempt was");
            status
        }
        Some(verdict) => {
            let kind = if verdict == "error" {
                NonSuccessKind::Error
            } else {
                NonSuccessKind::Failure
            };
            let mut status = TestCaseStatus::non_success(kind);
            let first_line = reasoning.lines().next().unwrap_or(verdict);
            status.set_message(first_line.chars().take(200).collect::<String>());
            status.set_type(verdict);
            let id = attempt["id"].as_str().unwrap_or_default();
            let excerpt = transcripts.get(id).map(excerpt).unwrap_or_default();
            status.set_description(if excerpt.is_empty() {
                reasoning.to_owned()
            } else {
                format!("{reasoning}\n\nTranscript (excerpt):\n{excerpt}")
            });
            status
        }
    };
    let mut case = TestCase::new(name, status);
    case.set_classname(suite_name);
    case
}

/// The first lines of a transcript as `speaker: text`.
pub(super) fn excerpt(transcript: &Value) -> String {
    transcript
        .as_array()
        .into_iter()
        .flatten()
        .take(EXCERPT_LINES)
        .map(|entry| {
            let speaker = ["role", "speaker"]
                .iter()
                .find_map(|k| entry[*k].as_str())
                .unwrap_or("?");
            let text = ["content", "text", "message"]
                .iter()
                .find_map(|k| entry[*k].as_str())
                .unwrap_or_default();
            let text: String = text.chars().take(EXCERPT_LINE_CHARS).collect();
            format!("{speaker}: {text}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}
