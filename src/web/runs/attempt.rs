//! The attempt page: the transcript as a conversation beside the test case's script and
//! rubric and the judge's reasoning, the call's details from RevRing, the recording (streamed
//! through Ringside), and links to the previous and next failed attempt of the run. Members
//! reach it at `/runs/{run_id}/attempts/{attempt_id}`, share links below their run's path.

use askama::Template;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{Html, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::attempts::{self, AttemptDetail};
use crate::db::known_issues::KnownMark;
use crate::db::reviews::{Review, ReviewChange};
use crate::db::suites::CaseRow;
use crate::domain::review::{Outcome, ReviewKind, effective};
use crate::revring::{Call, Speaker, TranscriptEntry};
use crate::web::kit::error::AppError;
use crate::web::kit::extract::Path;
use crate::web::kit::layout::Layout;
use crate::web::runs::access::RunAccess;
use crate::web::runs::attempt_data::AttemptData;
use crate::web::runs::calls::{self, CallView};
use crate::web::runs::line::{RunLine, human_duration, verdict_badge};
use crate::web::runs::recording;
use crate::web::triage::{kind_label, ticket_label};

/// One turn of the conversation as shown.
#[derive(Debug, Clone)]
pub(super) struct Turn {
    /// 0-based position (the `#turn-N` anchor).
    pub index: usize,
    /// `Agent`, `Tester`, `System`, or the speaker as RevRing spelled it.
    pub speaker: String,
    /// CSS modifier: `agent`, `tester` or `other`.
    pub side: &'static str,
    /// Position in the call (`0:05`), when RevRing gives one.
    pub offset: Option<String>,
    /// The same position in seconds, for seeking the recording.
    pub seconds: Option<f64>,
    /// Whether the judge's reasoning quotes this turn.
    pub cited: bool,
    /// Wall-clock time, when RevRing gives one instead.
    pub at: Option<OffsetDateTime>,
    /// What was said (shown as text, never as markup).
    pub text: String,
}

impl Turn {
    fn from_entry(index: usize, entry: &TranscriptEntry) -> Self {
        let (speaker, side) = match entry.speaker_kind() {
            Speaker::Agent => ("Agent".to_owned(), "agent"),
            Speaker::Tester => ("Tester".to_owned(), "tester"),
            Speaker::System => ("System".to_owned(), "other"),
            Speaker::Unknown(raw) if raw.is_empty() => ("Unknown".to_owned(), "other"),
            Speaker::Unknown(raw) => (raw, "other"),
        };
        Self {
            index,
            speaker,
            side,
            offset: entry
                .seconds_from_start()
                .map(crate::web::kit::format::call_offset),
            seconds: entry.seconds_from_start(),
            cited: false,
            at: entry.at(),
            text: entry.text().unwrap_or_default().to_owned(),
        }
    }
}

/// Shortest quotation of the reasoning that is matched against the turns: shorter ones ("yes")
/// would match turns by chance.
const MIN_QUOTE_CHARS: usize = 12;

/// Lowercase words only, so a quotation matches a turn despite punctuation and spacing.
fn words_of(text: &str) -> String {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Marks the turns the judge's `reasoning` quotes: a quotation (in straight or curly double
/// quotes) of at least [`MIN_QUOTE_CHARS`] that a turn's text contains, or that contains a whole
/// turn. Turns that cannot be matched stay unmarked.
fn mark_cited(turns: &mut [Turn], reasoning: &str) {
    let quotes: Vec<String> = reasoning
        .split(['"', '“', '”'])
        .skip(1)
        .step_by(2)
        .map(words_of)
        .filter(|quote| quote.chars().count() >= MIN_QUOTE_CHARS)
        .collect();
    for turn in turns.iter_mut() {
        let said = words_of(&turn.text);
        if said.chars().count() < MIN_QUOTE_CHARS {
            continue;
        }
        turn.cited = quotes
            .iter()
            .any(|quote| said.contains(quote.as_str()) || quote.contains(said.as_str()));
    }
}

#[derive(Template)]
#[template(path = "runs/attempt.html")]
struct AttemptPage {
    layout: Layout,
    line: RunLine,
    attempt: AttemptDetail,
    case: Option<CaseRow>,
    turns: Vec<Turn>,
    call: CallView,
    run_base: String,
    previous_failed: Option<Uuid>,
    next_failed: Option<Uuid>,
    shared: bool,
    review: Option<Review>,
    history: Vec<ReviewChange>,
    known: Option<KnownMark>,
    can_review: bool,
}

impl AttemptPage {
    fn verdict_class(&self) -> &'static str {
        verdict_badge(self.attempt.result.as_ref())
    }

    /// The first turn the judge's reasoning quotes, if any.
    fn first_cited(&self) -> Option<usize> {
        self.turns
            .iter()
            .find(|turn| turn.cited)
            .map(|turn| turn.index)
    }

    /// What the review makes of the verdict: "judged fail · reviewed as false failure by Ana".
    fn review_line(&self, review: &Review) -> String {
        let judged = self
            .attempt
            .result
            .as_ref()
            .map_or("pending".to_owned(), ToString::to_string);
        let by = review.reviewer.as_deref().unwrap_or("a former member");
        format!(
            "judged {judged} · reviewed as {} by {by}",
            kind_label(&review.kind)
        )
    }

    /// The attempt's effective result, when a review changes it.
    fn effective_text(&self) -> Option<&'static str> {
        let judged = Outcome::of_verdict(self.attempt.result.as_ref().map(|r| r.as_str()));
        let counted = effective(judged, self.review.as_ref().map(|r| r.kind));
        (counted != judged).then_some(if counted.passed() == Some(true) {
            "counts as a pass"
        } else {
            "counts as a failure"
        })
    }

    fn change_text(&self, change: &ReviewChange) -> String {
        let by = change.changed_by.as_deref().unwrap_or("a former member");
        match &change.kind {
            Some(kind) => format!("{by} set it to {}", kind_label(kind)),
            None => format!("{by} removed the review"),
        }
    }

    fn ticket(&self, link: &str) -> String {
        ticket_label(link)
    }

    fn kinds(&self) -> [ReviewKind; 6] {
        ReviewKind::ALL
    }

    fn kind_text(&self, kind: &ReviewKind) -> &'static str {
        kind_label(kind)
    }

    fn is_current(&self, kind: &ReviewKind) -> bool {
        self.review.as_ref().is_some_and(|r| r.kind == *kind)
    }

    fn attempt_href(&self, id: &Uuid) -> String {
        format!("{}/attempts/{id}", self.run_base)
    }

    fn recording_src(&self) -> String {
        format!("{}/attempts/{}/recording", self.run_base, self.attempt.id)
    }

    fn duration(call: &Call) -> String {
        call.duration_seconds
            .map_or_else(|| "—".to_owned(), |s| human_duration(i64::from(s)))
    }
}

/// Path of an attempt below its run.
#[derive(Deserialize)]
pub(crate) struct AttemptPath {
    attempt_id: String,
}

impl AttemptPath {
    /// The attempt's id; a malformed one names no attempt (404).
    fn id(&self) -> Result<Uuid, AppError> {
        Uuid::parse_str(&self.attempt_id).map_err(|_| AppError::NotFound)
    }
}

/// `GET /runs/{run_id}/attempts/{attempt_id}` and its share-link twin: the attempt page.
pub(crate) async fn show(
    State(state): State<AppState>,
    access: RunAccess,
    Path(path): Path<AttemptPath>,
) -> Result<Html<String>, AppError> {
    let data = AttemptData::shared(&state, &access, path.id()?).await?;
    let attempt = data.attempt;
    let entries: Vec<TranscriptEntry> = match &attempt.transcript {
        serde_json::Value::Array(items) => items.iter().cloned().map(TranscriptEntry).collect(),
        _ => Vec::new(),
    };
    let mut turns: Vec<Turn> = entries
        .iter()
        .enumerate()
        .map(|(i, entry)| Turn::from_entry(i, entry))
        .collect();
    if let Some(reasoning) = &attempt.reasoning {
        mark_cited(&mut turns, reasoning);
    }
    let layout = access
        .layout(format!(
            "{} · attempt {}",
            attempt.test_case_name, attempt.attempt_number
        ))
        .await;
    let page = AttemptPage {
        layout,
        shared: access.is_link(),
        can_review: access.can_change(),
        review: data.review,
        history: data.history,
        known: data.known,
        line: RunLine::from(access.run),
        attempt,
        case: data.case,
        turns,
        call: data.call,
        run_base: access.base,
        previous_failed: data.previous_failed,
        next_failed: data.next_failed,
    };
    Ok(Html(page.render()?))
}

/// `GET /runs/{run_id}/attempts/{attempt_id}/recording` and its share-link twin: streams the
/// attempt's recording (404 when the attempt, its call or the recording is missing).
pub(crate) async fn recording(
    State(state): State<AppState>,
    access: RunAccess,
    Path(path): Path<AttemptPath>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (team_id, run_id) = (access.team_id, access.run.id);
    let attempt = attempts::get(&state.db, team_id, run_id, path.id()?)
        .await?
        .ok_or(AppError::NotFound)?;
    let lookup = calls::call_of(&state, team_id, &attempt).await;
    let url = recording_url(lookup.view)?;
    let client = calls::client_for_run(&state, team_id, run_id)
        .await
        .map_err(|why| AppError::Unavailable(format!("The recording is unavailable: {why}.")))?;
    let range = headers
        .get(axum::http::header::RANGE)
        .and_then(|value| value.to_str().ok());
    let upstream = match client.fetch_recording(&url, range).await {
        Ok(upstream) => upstream,
        // A kept link may have expired upstream: ask RevRing for the call once more.
        Err(error) if lookup.kept && recording::may_have_expired(&error) => {
            let fresh = recording_url(calls::fetch(&state, team_id, &attempt).await)?;
            if fresh == url {
                return Err(recording::refusal(&error));
            }
            client
                .fetch_recording(&fresh, range)
                .await
                .map_err(|error| recording::refusal(&error))?
        }
        Err(error) => return Err(recording::refusal(&error)),
    };
    Ok(recording::stream(upstream, range))
}

/// The call's recording link (404 when the attempt has no call or the call no recording).
fn recording_url(view: CallView) -> Result<String, AppError> {
    match view {
        CallView::Found(call) => call.recording_url.ok_or(AppError::NotFound),
        CallView::None => Err(AppError::NotFound),
        CallView::Unavailable(why) => Err(AppError::Unavailable(format!(
            "The recording is unavailable: {why}."
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn turn(index: usize, text: &str) -> Turn {
        Turn {
            index,
            speaker: "Agent".into(),
            side: "agent",
            offset: None,
            seconds: None,
            at: None,
            cited: false,
            text: text.into(),
        }
    }

    #[test]
    fn the_turn_the_judge_quotes_is_marked() {
        let mut turns = vec![
            turn(0, "Hello, thanks for calling Acme."),
            turn(1, "I'd like a refund for order 1234, please."),
            turn(2, "Sure — I've issued the refund; it takes 3 days."),
            turn(3, "Thanks!"),
        ];
        mark_cited(
            &mut turns,
            "Fail. Rubric: \"Confirm the order number\" At 0:12 the agent answered              “Sure, I've issued the refund”, without confirming. \"Thanks!\"",
        );
        let cited: Vec<usize> = turns.iter().filter(|t| t.cited).map(|t| t.index).collect();
        assert_eq!(cited, vec![2]);
        let mut none = vec![turn(0, "Hello, thanks for calling Acme.")];
        mark_cited(&mut none, "The agent did well.");
        assert!(!none[0].cited);
    }
}
