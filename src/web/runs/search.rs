//! `/search`: full-text search over the team's transcripts and judge's reasoning, with the
//! matches highlighted. Matching and highlighting happen in Postgres (see [`crate::db::search`]);
//! this page turns the highlight markers into segments the template escapes and marks.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Html;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::search::{
    self, MARK_END, MARK_START, SearchHit, SearchQuery, SpeakerFilter, unguard,
};
use crate::revring::Speaker;
use crate::web::kit::error::AppError;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;
use crate::web::kit::paging::Page;
use crate::web::runs::line::verdict_badge;

/// Results per page.
const RESULTS_PER_PAGE: i64 = 25;

/// Longest query accepted, in characters.
const MAX_QUERY_CHARS: usize = 200;

/// A piece of highlighted text: `(text, is_match)`.
pub(super) type Segment = (String, bool);

/// Splits a Postgres headline into plain and matched segments.
pub(super) fn segments(headline: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut marked = false;
    for c in unguard(headline).chars() {
        match c {
            MARK_START | MARK_END => {
                if !current.is_empty() {
                    out.push((std::mem::take(&mut current), marked));
                }
                marked = c == MARK_START;
            }
            _ => current.push(c),
        }
    }
    if !current.is_empty() {
        out.push((current, marked));
    }
    out
}

/// The search form's fields.
#[derive(Debug, Default, Deserialize)]
pub(super) struct SearchParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    verdict: String,
    #[serde(default)]
    speaker: String,
    page: Option<i64>,
}

/// A matching turn as shown.
pub(super) struct TurnHit {
    turn: i64,
    speaker: String,
    segments: Vec<Segment>,
}

/// A matching attempt as shown.
pub(super) struct Hit {
    hit: SearchHit,
    reasoning: Option<Vec<Segment>>,
    turns: Vec<TurnHit>,
}

impl Hit {
    fn from_row(hit: SearchHit) -> Self {
        let turns = hit
            .turns
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .map(|item| TurnHit {
                        turn: item["turn"].as_i64().unwrap_or(0),
                        speaker: match Speaker::classify(item["speaker"].as_str().unwrap_or("")) {
                            Speaker::Agent => "Agent".into(),
                            Speaker::Tester => "Tester".into(),
                            Speaker::System => "System".into(),
                            Speaker::Unknown(raw) => raw,
                        },
                        segments: segments(item["text"].as_str().unwrap_or("")),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            reasoning: hit.reasoning_headline.as_deref().map(segments),
            turns,
            hit,
        }
    }

    fn href(&self) -> String {
        format!("/runs/{}/attempts/{}", self.hit.run_id, self.hit.id)
    }

    fn run_title(&self) -> String {
        match &self.hit.run_name {
            Some(name) if !name.trim().is_empty() => name.clone(),
            _ => format!(
                "Run {}",
                self.hit
                    .run_revring_id
                    .get(..8)
                    .unwrap_or(&self.hit.run_revring_id)
            ),
        }
    }

    fn verdict_class(&self) -> &'static str {
        verdict_badge(self.hit.result.as_ref())
    }

    fn case_href(&self) -> String {
        crate::web::cases::case_href(self.hit.suite_id, &self.hit.test_case_revring_id)
    }

    fn run_id(&self) -> Uuid {
        self.hit.run_id
    }
}

#[derive(Template)]
#[template(path = "runs/search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    verdict: String,
    speaker: String,
    hits: Vec<Hit>,
    page: Page,
    searched: bool,
}

impl SearchPage {
    fn page_href(&self, number: i64) -> String {
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        format!(
            "/search?q={}&verdict={}&speaker={}&page={number}",
            encode(&self.q),
            encode(&self.verdict),
            encode(&self.speaker)
        )
    }
}

/// `GET /search?q=…&verdict=…&speaker=…`
pub(super) async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Query(params): Query<SearchParams>,
) -> Result<Html<String>, AppError> {
    let q: String = params.q.trim().chars().take(MAX_QUERY_CHARS).collect();
    let verdict = match params.verdict.as_str() {
        v @ ("pass" | "fail" | "error") => v.to_owned(),
        _ => String::new(),
    };
    let speaker = match params.speaker.as_str() {
        "agent" => SpeakerFilter::Agent,
        "tester" => SpeakerFilter::Tester,
        _ => SpeakerFilter::Any,
    };
    let page = Page::new(params.page.unwrap_or(1), RESULTS_PER_PAGE);
    let mut rows = if q.is_empty() {
        Vec::new()
    } else {
        let query = SearchQuery {
            text: q.clone(),
            verdict: (!verdict.is_empty()).then(|| verdict.clone()),
            speaker,
        };
        search::attempts(
            &state.db,
            member.team_id,
            &query,
            page.fetch_limit(),
            page.offset(),
        )
        .await?
    };
    let page = page.with_more(&mut rows);
    let view = SearchPage {
        layout: Layout::for_member("Search", "search", &member, &session).await,
        searched: !q.is_empty(),
        q,
        verdict,
        speaker: match speaker {
            SpeakerFilter::Agent => "agent",
            SpeakerFilter::Tester => "tester",
            SpeakerFilter::Any => "",
        }
        .to_owned(),
        hits: rows.into_iter().map(Hit::from_row).collect(),
        page,
    };
    Ok(Html(view.render()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headlines_split_into_marked_segments() {
        let text = format!("a {MARK_START}refund{MARK_END} <\u{200B}b>now<\u{200B}/b>");
        assert_eq!(
            segments(&text),
            vec![
                ("a ".to_owned(), false),
                ("refund".to_owned(), true),
                (" <b>now</b>".to_owned(), false)
            ]
        );
        assert!(segments("").is_empty());
    }
}
