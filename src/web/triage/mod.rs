//! Triage: reviews of the judge's verdicts (one attempt, or several of a run at once), the
//! team's known issues, and the switch between effective and judged numbers. Templates in
//! `templates/triage/`.

pub(crate) mod known_issues;
pub(crate) mod reviews;
pub(crate) mod toggle;

use axum::Router;
use axum::routing::{get, post};

use crate::app::state::AppState;
use crate::domain::review::{MAX_COMMENT_CHARS, MAX_TICKET_URL_CHARS};
use crate::domain::review::{ReviewKind, is_web_link, ticket_key};

/// Review and known-issue routes (members change, viewers read).
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/runs/{run_id}/attempts/{attempt_id}/review",
            post(reviews::save),
        )
        .route(
            "/runs/{run_id}/attempts/{attempt_id}/review/delete",
            post(reviews::remove),
        )
        .route("/runs/{run_id}/reviews", post(reviews::bulk))
        .route(
            "/known-issues",
            get(known_issues::index).post(known_issues::create),
        )
        .route("/known-issues/{id}", get(known_issues::show))
        .route("/known-issues/{id}/status", post(known_issues::status))
        .route("/known-issues/{id}/cases", post(known_issues::link))
}

/// How a review kind reads on pages.
pub(crate) fn kind_label(kind: &ReviewKind) -> &'static str {
    match kind {
        ReviewKind::ConfirmedBug => "confirmed bug",
        ReviewKind::FalseFailure => "false failure",
        ReviewKind::FalsePass => "false pass",
        ReviewKind::Flaky => "flaky",
        ReviewKind::Infrastructure => "infrastructure (telephony, RevRing)",
        ReviewKind::Expected => "expected",
    }
}

/// How a ticket link reads: its key (`QA-12`, `acme/agent#4`), else its host.
pub(crate) fn ticket_label(link: &str) -> String {
    ticket_key(link).unwrap_or_else(|| {
        url::Url::parse(link)
            .ok()
            .and_then(|url| url.host_str().map(str::to_owned))
            .unwrap_or_else(|| "ticket".to_owned())
    })
}

/// A submitted ticket link, trimmed: `Ok(None)` when empty, an explanation when unusable.
pub(crate) fn ticket_field(raw: &str) -> Result<Option<String>, String> {
    let link = raw.trim();
    if link.is_empty() {
        return Ok(None);
    }
    if link.chars().count() > MAX_TICKET_URL_CHARS {
        return Err(format!(
            "The ticket link is too long (at most {MAX_TICKET_URL_CHARS} characters)."
        ));
    }
    if !is_web_link(link) {
        return Err("The ticket link must be a web address starting with https://.".into());
    }
    Ok(Some(link.to_owned()))
}

/// A submitted review comment, trimmed, or an explanation.
pub(crate) fn comment_field(raw: &str) -> Result<String, String> {
    let comment = raw.trim();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(format!(
            "The comment is too long (at most {MAX_COMMENT_CHARS} characters)."
        ));
    }
    Ok(comment.to_owned())
}

/// The effective verdict of an attempt judged `result` under `review`, in RevRing's spelling:
/// the judge's verdict, or `pass` / `fail` where the review changes it (`None` while pending).
pub(crate) fn effective_result(
    result: Option<&crate::revring::AttemptResult>,
    review: Option<ReviewKind>,
) -> Option<String> {
    use crate::domain::review::{Outcome, effective};
    let result = result?;
    let judged = Outcome::of_verdict(Some(result.as_str()));
    Some(match effective(judged, review) {
        counted if counted == judged => result.as_str().to_owned(),
        Outcome::Passed => "pass".to_owned(),
        _ => "fail".to_owned(),
    })
}
