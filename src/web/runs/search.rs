//! `/search`: full-text search over the team's transcripts and judge's reasoning, with the
//! matches highlighted. Matching and highlighting happen in Postgres (see [`crate::db::search`]);
//! this page turns the highlight markers into segments the template escapes and marks.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::search::{
    self, Cursor, MARK_END, MARK_START, MatchCount, SearchHit, SearchQuery, SpeakerFilter, unguard,
};
use crate::revring::Speaker;
use crate::web::kit::error::AppError;
use crate::web::kit::extract::Query;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;
use crate::web::runs::line::verdict_badge;

/// Results per page.
const RESULTS_PER_PAGE: i64 = 25;

/// Matches counted at most: beyond, the page says "1,000+" (counting further would cost a
/// common word more than showing its newest matches).
const COUNT_CAP: i64 = 1000;

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
    /// Where the page starts: the cursor of the previous page's last hit.
    #[serde(default)]
    after: String,
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

/// The hits of one test case on the page, in the order its first hit came.
pub(super) struct CaseHits {
    suite_name: String,
    test_case_name: String,
    hits: Vec<Hit>,
}

/// Groups hits by suite and test case, keeping the order of each group's first hit.
fn group_by_case(hits: Vec<Hit>) -> Vec<CaseHits> {
    let mut groups: Vec<CaseHits> = Vec::new();
    for hit in hits {
        let found = groups.iter_mut().find(|group| {
            group.suite_name == hit.hit.suite_name && group.test_case_name == hit.hit.test_case_name
        });
        match found {
            Some(group) => group.hits.push(hit),
            None => groups.push(CaseHits {
                suite_name: hit.hit.suite_name.clone(),
                test_case_name: hit.hit.test_case_name.clone(),
                hits: vec![hit],
            }),
        }
    }
    groups
}

#[derive(Template)]
#[template(path = "runs/search.html")]
struct SearchPage {
    layout: Layout,
    q: String,
    verdict: String,
    speaker: String,
    groups: Vec<CaseHits>,
    searched: bool,
    /// The query holds only words too common to be searched ("the", "and", …).
    too_common: bool,
    /// How many attempts match, when searched.
    count: Option<MatchCount>,
    /// Whether this page follows another (it started after a cursor).
    continued: bool,
    /// The cursor of the next (older) page, when there is one.
    next: Option<String>,
}

impl SearchPage {
    fn href(&self, after: Option<&str>) -> String {
        let encode =
            |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let mut href = format!(
            "/search?q={}&verdict={}&speaker={}",
            encode(&self.q),
            encode(&self.verdict),
            encode(&self.speaker)
        );
        if let Some(after) = after {
            href.push_str("&after=");
            href.push_str(after);
        }
        href
    }

    /// The link to the next (older) page.
    fn next_href(&self) -> String {
        self.href(self.next.as_deref())
    }

    /// The link to the first (newest) page.
    fn first_href(&self) -> String {
        self.href(None)
    }

    /// How many match, in words: "1 attempt", "240 attempts", "1,000+ attempts".
    fn count_words(&self) -> String {
        let noun = |n: i64| if n == 1 { "attempt" } else { "attempts" };
        match self.count {
            Some(MatchCount::Exactly(n)) => format!("{} {}", thousands(n), noun(n)),
            Some(MatchCount::AtLeast(n)) => format!("{}+ attempts", thousands(n)),
            Some(MatchCount::NotCounted) | None => String::new(),
        }
    }
}

/// `12345` → `12,345`.
fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
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
    let after = Cursor::decode(params.after.trim());
    let query = SearchQuery {
        text: q.clone(),
        verdict: (!verdict.is_empty()).then(|| verdict.clone()),
        speaker,
    };
    // Shared with every request that asks the same under the same snapshot (see
    // `kit::page_data`): a team refreshing one search reads it once.
    let key = format!(
        "search q={q:?} verdict={verdict} speaker={speaker:?} after={:?}",
        after.map(|cursor| cursor.encode())
    );
    let read = async {
        let searchable = !q.is_empty() && search::searchable_words(&state.db, &q).await? > 0;
        if !searchable {
            return Ok::<_, AppError>((false, Vec::new(), None));
        }
        let rows = search::attempts(
            &state.db,
            member.team_id,
            &query,
            after,
            RESULTS_PER_PAGE + 1,
        );
        let count = search::count(&state.db, member.team_id, &query, COUNT_CAP);
        let (rows, count) = tokio::try_join!(rows, count)?;
        Ok((true, rows, Some(count)))
    };
    let (searchable, mut rows, count) = state
        .page_data
        .get(member.team_id, &member.snapshot, key, read)
        .await?;
    let next = (rows.len() as i64 > RESULTS_PER_PAGE).then(|| {
        rows.truncate(RESULTS_PER_PAGE as usize);
        rows.last().map(|hit| Cursor::after(hit).encode())
    });
    // Too costly to count: say what this page proves (all of them, when it is the first and
    // last page; else at least a page's worth).
    let count = count.map(|count| match count {
        MatchCount::NotCounted if after.is_none() && next.is_none() => {
            MatchCount::Exactly(rows.len() as i64)
        }
        MatchCount::NotCounted => MatchCount::AtLeast(rows.len() as i64),
        counted => counted,
    });
    let view = SearchPage {
        layout: Layout::for_member("Search", "search", &member, &session).await,
        searched: !q.is_empty(),
        too_common: !q.is_empty() && !searchable,
        continued: after.is_some(),
        next: next.flatten(),
        count,
        q,
        verdict,
        speaker: match speaker {
            SpeakerFilter::Agent => "agent",
            SpeakerFilter::Tester => "tester",
            SpeakerFilter::Any => "",
        }
        .to_owned(),
        groups: group_by_case(rows.into_iter().map(Hit::from_row).collect()),
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

    #[test]
    fn counts_are_written_with_thousands_separators() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
