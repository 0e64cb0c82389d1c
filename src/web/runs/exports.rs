//! Exports of one run: CSV (one row per attempt), JUnit XML (one `testcase` per attempt,
//! failures carrying the judge's reasoning, for CI tools) and JSON (everything, with
//! transcripts).

use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use serde_json::json;
use sqlx::PgPool;

use crate::app::state::AppState;
use crate::db::attempts::{self, AttemptDetail};
use crate::db::runs::RunRow;
use crate::revring::AttemptResult;
use crate::web::kit::error::AppError;
use crate::web::kit::format::iso;
use crate::web::runs::access::RunAccess;
use crate::web::runs::line::RunLine;

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
    access: RunAccess,
) -> Result<Response, AppError> {
    export(&state.db, access, Format::Csv).await
}

/// `GET …/export.xml` below a run page (members and share links).
pub(crate) async fn junit(
    State(state): State<AppState>,
    access: RunAccess,
) -> Result<Response, AppError> {
    export(&state.db, access, Format::Junit).await
}

/// `GET …/export.json` below a run page (members and share links).
pub(crate) async fn json(
    State(state): State<AppState>,
    access: RunAccess,
) -> Result<Response, AppError> {
    export(&state.db, access, Format::Json).await
}

/// The run's attempts exported as `format`, as a download.
async fn export(db: &PgPool, access: RunAccess, format: Format) -> Result<Response, AppError> {
    let run = access.run;
    let rows = attempts::details_for_run(db, access.team_id, run.id).await?;
    let body = match format {
        Format::Csv => to_csv(&run, &rows)?,
        Format::Junit => to_junit(&run, &rows)?,
        Format::Json => serde_json::to_string_pretty(&to_json(&run, &rows))
            .map_err(|e| AppError::Internal(e.into()))?,
    };
    let file = format!(
        "attachment; filename=\"run-{}.{}\"",
        run.id,
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

fn seconds(attempt: &AttemptDetail) -> Option<f64> {
    let (start, end) = (attempt.started_at?, attempt.completed_at?);
    Some((end - start).as_seconds_f64().max(0.0))
}

/// One CSV row per attempt, with a header row.
pub(crate) fn to_csv(run: &RunRow, rows: &[AttemptDetail]) -> Result<String, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::Internal(e.into());
    out.write_record([
        "run_id",
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
        "attempt_id",
    ])
    .map_err(fail)?;
    let title = RunLine::from(run.clone()).title();
    for a in rows {
        out.write_record([
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
            a.call_id.as_deref().unwrap_or(""),
            a.revring_id.as_str(),
        ])
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
pub(crate) fn to_junit(run: &RunRow, rows: &[AttemptDetail]) -> Result<String, AppError> {
    let title = RunLine::from(run.clone()).title();
    let mut report = Report::new(format!("{} — {title}", run.suite_name));
    let mut suite = TestSuite::new(title);
    suite.add_property(Property::new("ringside.run_id", run.id.to_string()));
    suite.add_property(Property::new("revring.run_id", run.revring_id.as_str()));
    suite.add_property(Property::new("revring.status", run.status.as_str()));
    suite.add_property(Property::new("created_at", iso(&run.created_at)));
    for a in rows {
        let reasoning = a.reasoning.clone().unwrap_or_default();
        let status = match &a.result {
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
        if a.result == Some(AttemptResult::Pass) && !reasoning.is_empty() {
            case.set_system_out(reasoning.as_str());
        }
        suite.add_test_case(case);
    }
    report.add_test_suite(suite);
    report
        .to_string()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("junit: {e}")))
}

/// The run and its attempts, transcripts included.
pub(crate) fn to_json(run: &RunRow, rows: &[AttemptDetail]) -> serde_json::Value {
    let line = RunLine::from(run.clone());
    json!({
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
            },
        },
        "attempts": rows.iter().map(|a| json!({
            "id": a.revring_id,
            "testCaseId": a.test_case_revring_id,
            "testCaseName": a.test_case_name,
            "attemptNumber": a.attempt_number,
            "result": a.result,
            "reasoning": a.reasoning,
            "callId": a.call_id,
            "inboundCallId": a.inbound_call_id,
            "startedAt": a.started_at.as_ref().map(iso),
            "completedAt": a.completed_at.as_ref().map(iso),
            "transcript": a.transcript,
        })).collect::<Vec<_>>(),
    })
}
