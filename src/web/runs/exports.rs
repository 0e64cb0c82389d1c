//! Exports of one run: CSV (one row per attempt), JUnit XML (one `testcase` per attempt,
//! failures carrying the judge's reasoning, for CI tools) and JSON (everything, with
//! transcripts). CSV cells that a spreadsheet would run as a formula are neutralised. Through
//! a share link, who started the run and the call ids are left out.
//! transcripts). Each carries both verdicts: the judge's, and the effective one after reviews
//! (JUnit reports the effective one and names the judge's where a review changed it).

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::json;
use sqlx::PgPool;

use crate::app::state::AppState;
use std::collections::BTreeMap;

use uuid::Uuid;

use crate::db::attempts::{self, AttemptDetail};
use crate::db::reviews::{self, Review};
use crate::db::runs::RunRow;
use crate::domain::review::{Outcome, effective};
use crate::revring::AttemptResult;
use crate::web::kit::error::AppError;
use crate::web::kit::format::{base_url, iso};
use crate::web::runs::access::RunAccess;
use crate::web::runs::line::RunLine;
use crate::web::triage::kind_label;

/// Longest first line of the reasoning kept as a JUnit failure's `message` attribute (the
/// full reasoning is the element's text).
const MAX_MESSAGE_CHARS: usize = 200;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// `export.csv`
    Csv,
    /// `export.xml` (JUnit)
    Junit,
    /// `export.json`
    Json,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Junit => "application/xml; charset=utf-8",
            Self::Json => "application/json",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Junit => "xml",
            Self::Json => "json",
        }
    }
}

/// `GET …/export.csv` below a run page (members and share links).
pub(crate) async fn csv(
    State(state): State<AppState>,
    headers: HeaderMap,
    access: RunAccess,
) -> Result<Response, AppError> {
    let origin = base_url(&state, &headers);
    export(&state.db, access, Format::Csv, &origin).await
}

/// `GET …/export.xml` below a run page (members and share links).
pub(crate) async fn junit(
    State(state): State<AppState>,
    headers: HeaderMap,
    access: RunAccess,
) -> Result<Response, AppError> {
    let origin = base_url(&state, &headers);
    export(&state.db, access, Format::Junit, &origin).await
}

/// `GET …/export.json` below a run page (members and share links).
pub(crate) async fn json(
    State(state): State<AppState>,
    headers: HeaderMap,
    access: RunAccess,
) -> Result<Response, AppError> {
    let origin = base_url(&state, &headers);
    export(&state.db, access, Format::Json, &origin).await
}

/// The run's attempts exported as `format`, as a download.
async fn export(
    db: &PgPool,
    access: RunAccess,
    format: Format,
    origin: &str,
) -> Result<Response, AppError> {
    let shared = access.is_link();
    let run = access.run;
    let rows = attempts::details_for_run(db, access.team_id, run.id).await?;
    // Attempt links for whoever exports: the member's pages, or the share link's.
    let links = format!("{origin}{}/attempts/", access.base);
    let reviews = reviews::for_run(db, access.team_id, run.id).await?;
    let body = match format {
        Format::Csv => to_csv(&run, &rows, &links, shared, &reviews)?,
        Format::Junit => to_junit(&run, &rows, &links, &reviews)?,
        Format::Json => {
            serde_json::to_string_pretty(&to_json(&run, &rows, &links, shared, &reviews))
                .map_err(|e| AppError::Internal(e.into()))?
        }
    };
    let file = format!(
        "attachment; filename=\"{}.{}\"",
        file_stem(&run),
        format.extension()
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&file).map_err(|e| AppError::Internal(e.into()))?,
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("private")),
        ],
        body,
    )
        .into_response())
}

/// Longest file name stem of an export, in characters.
const MAX_FILE_STEM: usize = 80;

/// An export's file name without extension, after the suite and the run:
/// `billing-line-nightly-42` (ASCII letters, digits and dashes; `run-<id>` when nothing is left).
pub(super) fn file_stem(run: &RunRow) -> String {
    let title = RunLine::from(run.clone()).title();
    let mut stem = String::new();
    for c in format!("{} {title}", run.suite_name).chars() {
        if c.is_ascii_alphanumeric() {
            stem.push(c.to_ascii_lowercase());
        } else if !stem.is_empty() && !stem.ends_with('-') {
            stem.push('-');
        }
    }
    let stem: String = stem.chars().take(MAX_FILE_STEM).collect();
    let stem = stem.trim_end_matches('-');
    if stem.is_empty() {
        format!("run-{}", run.id)
    } else {
        stem.to_owned()
    }
}

/// The stored verdict the effective result corresponds to: the judge's, or `pass` / `fail`
/// where a review changed it (`pending` without a verdict).
fn effective_verdict<'a>(attempt: &'a AttemptDetail, review: Option<&Review>) -> &'a str {
    let judged_text = attempt
        .result
        .as_ref()
        .map_or("pending", AttemptResult::as_str);
    let judged = Outcome::of_verdict(attempt.result.as_ref().map(AttemptResult::as_str));
    match effective(judged, review.map(|r| r.kind)) {
        counted if counted == judged => judged_text,
        Outcome::Passed => "pass",
        _ => "fail",
    }
}

fn seconds(attempt: &AttemptDetail) -> Option<f64> {
    let (start, end) = (attempt.started_at?, attempt.completed_at?);
    Some((end - start).as_seconds_f64().max(0.0))
}

/// Characters that make a spreadsheet read a cell as a formula (or hide one behind them).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A CSV cell that no spreadsheet runs: text starting like a formula gets a leading `'`.
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// One CSV row per attempt, with a header row; `shared` (a share link) leaves call ids blank.
pub(crate) fn to_csv(
    run: &RunRow,
    rows: &[AttemptDetail],
    links: &str,
    shared: bool,
    reviews: &BTreeMap<Uuid, Review>,
) -> Result<String, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::Internal(e.into());
    let ringside_run_id = run.id.to_string();
    out.write_record([
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
        "review_ticket",
    ])
    .map_err(fail)?;
    let title = RunLine::from(run.clone()).title();
    for a in rows {
        let review = reviews.get(&a.id);
        let call_id = if shared {
            ""
        } else {
            a.call_id.as_deref().unwrap_or("")
        };
        let record = [
            ringside_run_id.as_str(),
            run.revring_id.as_str(),
            title.as_str(),
            run.suite_name.as_str(),
            a.test_case_name.as_str(),
            &a.attempt_number.to_string(),
            a.result.as_ref().map_or("pending", AttemptResult::as_str),
            a.reasoning.as_deref().unwrap_or(""),
            &a.started_at.as_ref().map(iso).unwrap_or_default(),
            &a.completed_at.as_ref().map(iso).unwrap_or_default(),
            &seconds(a).map(|s| format!("{s:.0}")).unwrap_or_default(),
            call_id,
            a.revring_id.as_str(),
            &a.id.to_string(),
            &format!("{links}{}", a.id),
            effective_verdict(a, review),
            review.map_or("", |r| r.kind.as_str()),
            review.map_or("", |r| r.comment.as_str()),
            review.and_then(|r| r.ticket_url.as_deref()).unwrap_or(""),
        ];
        out.write_record(record.iter().map(|cell| inert(cell).into_owned()))
            .map_err(fail)?;
    }
    let bytes = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))?;
    String::from_utf8(bytes).map_err(|e| AppError::Internal(e.into()))
}

/// A JUnit report: one `testsuite` (the run) with one `testcase` per attempt. `fail` verdicts
/// are `<failure>`s and `error` verdicts `<error>`s, both carrying the reasoning; attempts
/// without a verdict are `<skipped>`.
pub(crate) fn to_junit(
    run: &RunRow,
    rows: &[AttemptDetail],
    links: &str,
    reviews: &BTreeMap<Uuid, Review>,
) -> Result<String, AppError> {
    let title = RunLine::from(run.clone()).title();
    let mut report = Report::new(format!("{} — {title}", run.suite_name));
    let mut suite = TestSuite::new(title);
    suite.add_property(Property::new("ringside.run_id", run.id.to_string()));
    suite.add_property(Property::new("revring.run_id", run.revring_id.as_str()));
    suite.add_property(Property::new("revring.status", run.status.as_str()));
    suite.add_property(Property::new("created_at", iso(&run.created_at)));
    for a in rows {
        let review = reviews.get(&a.id);
        let judged = a.result.as_ref().map_or("pending", AttemptResult::as_str);
        let counted = effective_verdict(a, review);
        let mut reasoning = a.reasoning.clone().unwrap_or_default();
        if let Some(review) = review {
            let note = format!(
                "Judged {judged}; reviewed as {}{}{}",
                kind_label(&review.kind),
                if review.comment.is_empty() { "" } else { ": " },
                review.comment
            );
            reasoning = if reasoning.is_empty() {
                note
            } else {
                format!("{note}\n{reasoning}")
            };
        }
        let result = (counted != judged)
            .then(|| AttemptResult::from_api(counted))
            .or_else(|| a.result.clone());
        let status = match &result {
            Some(AttemptResult::Pass) => TestCaseStatus::success(),
            Some(verdict @ (AttemptResult::Fail | AttemptResult::Error)) => {
                let kind = verdict.as_str();
                let mut status = TestCaseStatus::non_success(match verdict {
                    AttemptResult::Fail => NonSuccessKind::Failure,
                    _ => NonSuccessKind::Error,
                });
                let first_line: String = reasoning
                    .lines()
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(MAX_MESSAGE_CHARS)
                    .collect();
                status
                    .set_message(first_line)
                    .set_type(kind)
                    .set_description(reasoning.as_str());
                status
            }
            other => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(match other {
                    Some(unknown) => format!("verdict {:?}", unknown.as_str()),
                    None => "not judged".to_owned(),
                });
                status
            }
        };
        let mut case = TestCase::new(
            format!("{} #{}", a.test_case_name, a.attempt_number),
            status,
        );
        case.set_classname(run.suite_name.as_str());
        if let Some(secs) = seconds(a) {
            case.set_time(Duration::from_secs_f64(secs));
        }
        case.add_property(Property::new(
            "ringside.attempt_url",
            format!("{links}{}", a.id),
        ));
        if result == Some(AttemptResult::Pass) && !reasoning.is_empty() {
            case.set_system_out(reasoning.as_str());
        }
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    report
        .to_string()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("junit: {e}")))
}

/// The run and its attempts, transcripts included; `shared` (a share link) leaves out who
/// started the run and the call ids.
pub(crate) fn to_json(
    run: &RunRow,
    rows: &[AttemptDetail],
    links: &str,
    shared: bool,
    reviews: &BTreeMap<Uuid, Review>,
) -> serde_json::Value {
    let line = RunLine::from(run.clone());
    let judged = line.clone().judged(true);
    let mut value = json!({
        "run": {
            "id": run.id,
            "revringId": run.revring_id,
            "name": line.title(),
            "suite": run.suite_name,
            "status": run.status,
            "startedBy": run.started_by_name,
            "createdAt": iso(&run.created_at),
            "startedAt": run.started_at.as_ref().map(iso),
            "completedAt": run.completed_at.as_ref().map(iso),
            "attempts": {
                "total": run.attempts_total,
                "done": run.attempts_done,
                "passed": run.attempts_passed,
                "failed": run.attempts_failed,
                "judgedPassed": judged.passed(),
                "judgedFailed": judged.failed(),
                "effectivePassed": line.passed(),
                "effectiveFailed": line.failed(),
            },
        },
        "attempts": rows.iter().map(|a| {
            let review = reviews.get(&a.id);
            json!({
            "id": a.revring_id,
            "ringsideId": a.id,
            "url": format!("{links}{}", a.id),
            "testCaseId": a.test_case_revring_id,
            "testCaseName": a.test_case_name,
            "attemptNumber": a.attempt_number,
            "result": a.result,
            "judgedResult": a.result,
            "effectiveResult": (a.result.is_some()).then(|| effective_verdict(a, review)),
            "review": review.map(|r| json!({
                "kind": r.kind.as_str(),
                "comment": r.comment,
                "ticketUrl": r.ticket_url,
                "reviewedBy": r.reviewer,
                "reviewedAt": iso(&r.reviewed_at),
            })),
            "reasoning": a.reasoning,
            "callId": a.call_id,
            "inboundCallId": a.inbound_call_id,
            "startedAt": a.started_at.as_ref().map(iso),
            "completedAt": a.completed_at.as_ref().map(iso),
            "transcript": a.transcript,
        })}).collect::<Vec<_>>(),
    });
    if shared {
        if let Some(run) = value["run"].as_object_mut() {
            run.remove("startedBy");
        }
        for attempt in value["attempts"].as_array_mut().into_iter().flatten() {
            if let Some(attempt) = attempt.as_object_mut() {
                attempt.remove("callId");
                attempt.remove("inboundCallId");
            }
        }
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_start_like_formulas_are_neutralised() {
        assert_eq!(
            inert("=HYPERLINK(\"http://evil.example/\",\"x\")"),
            "'=HYPERLINK(\"http://evil.example/\",\"x\")"
        );
        for start in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(inert(start).starts_with('\''), "{start:?}");
        }
        assert_eq!(inert("Refund policy"), "Refund policy");
        assert_eq!(inert(""), "");
    }
}
