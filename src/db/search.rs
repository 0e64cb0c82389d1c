//! Full-text search over the team's attempts: transcripts and the judge's reasoning, through the
//! `attempts.search` vector and its GIN index, with the matching passages highlighted by
//! Postgres (`ts_headline`).
//!
//! Highlights are delimited by two private-use characters ([`MARK_START`], [`MARK_END`]) rather
//! than HTML, so the page can escape every character of the text and still mark the matches;
//! every `<` is guarded ([`GUARDED_LT`]) on the way in so that `ts_headline` keeps tag-like text.

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::revring::AttemptResult;

/// Starts a highlighted match in headlines (U+E000, never typed by anyone).
pub const MARK_START: char = '\u{E000}';
/// Ends a highlighted match in headlines (U+E001).
pub const MARK_END: char = '\u{E001}';
/// Follows every `<` in the text given to `ts_headline`, which would otherwise take anything
/// tag-like for markup and drop it: `<` + U+200B (zero-width space), turned back into `<` by
/// [`unguard`].
pub const GUARDED_LT: &str = "<\u{200B}";

/// Texts (turns, reasoning) up to this many characters are shown whole with their matches
/// marked; longer ones as up to two fragments around the matches.
pub const WHOLE_TEXT_CHARS: i32 = 400;

/// A headline with its `<` guards removed.
pub fn unguard(headline: &str) -> String {
    headline.replace(GUARDED_LT, "<")
}

/// Which side's turns must contain the match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpeakerFilter {
    /// Anywhere: reasoning or any turn.
    Any,
    /// A turn of the agent under test (`assistant`, `agent`, …).
    Agent,
    /// A turn of the tester (`user`, `tester`, …).
    Tester,
}

impl SpeakerFilter {
    fn sql(self) -> Option<&'static str> {
        match self {
            Self::Any => None,
            Self::Agent => Some("agent"),
            Self::Tester => Some("tester"),
        }
    }
}

/// What to look for.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    /// Web-search syntax: words, `"a phrase"`, `-excluded`, `or`.
    pub text: String,
    /// Only attempts with this verdict (`pass`, `fail`, `error`).
    pub verdict: Option<String>,
    /// Whose turns must match.
    pub speaker: SpeakerFilter,
}

/// One matching attempt.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// The attempt.
    pub id: Uuid,
    /// Its run.
    pub run_id: Uuid,
    /// The run's name.
    pub run_name: Option<String>,
    /// The run's RevRing id (for a stand-in name).
    pub run_revring_id: String,
    /// The suite's name.
    pub suite_name: String,
    /// The suite.
    pub suite_id: Uuid,
    /// The test case's RevRing id.
    pub test_case_revring_id: String,
    /// The test case's name.
    pub test_case_name: String,
    /// 1-based attempt number.
    pub attempt_number: i32,
    /// Verdict.
    pub result: Option<AttemptResult>,
    /// When the attempt finished (or its run was created).
    pub at: OffsetDateTime,
    /// The reasoning's matching passages, when the reasoning matches.
    pub reasoning_headline: Option<String>,
    /// Matching turns: `[{"turn": n, "speaker": "...", "text": "headline"}]`, at most a few.
    pub turns: serde_json::Value,
}

/// Newest matching attempts of the team, `limit` from `offset`. An empty or stop-word-only
/// query matches nothing.
pub async fn attempts(
    db: &PgPool,
    team_id: Uuid,
    query: &SearchQuery,
    limit: i64,
    offset: i64,
) -> sqlx::Result<Vec<SearchHit>> {
    sqlx::query_as!(
        SearchHit,
        r#"WITH q AS (
               SELECT websearch_to_tsquery('english', $2) AS q,
                      'StartSel=' || chr(57344) || ', StopSel=' || chr(57345)
                      || ', MaxFragments=2, MinWords=8, MaxWords=24, FragmentDelimiter=" … "'
                      AS opts,
                      'StartSel=' || chr(57344) || ', StopSel=' || chr(57345)
                      || ', HighlightAll=true' AS all_opts
           ),
           hits AS (
               SELECT a.id, a.run_id, a.test_case_name, a.attempt_number, a.result, a.reasoning,
                      a.test_case_revring_id, r.suite_id,
                      coalesce(a.completed_at, r.created_at) AS at,
                      r.name AS run_name, r.revring_id AS run_revring_id, s.name AS suite_name
               FROM attempts a CROSS JOIN q
               JOIN runs r ON r.id = a.run_id AND r.team_id = a.team_id
               JOIN suites s ON s.id = r.suite_id
               WHERE a.team_id = $1 AND a.search @@ q.q
                 AND ($3::text IS NULL OR a.result = $3)
                 AND ($4::text IS NULL OR EXISTS (
                     SELECT 1 FROM jsonb_array_elements(
                         CASE WHEN jsonb_typeof(a.transcript) = 'array'
                              THEN a.transcript ELSE '[]'::jsonb END) AS t(e)
                     WHERE CASE WHEN lower(coalesce(t.e->>'role', t.e->>'speaker', t.e->>'from'))
                                     IN ('assistant', 'agent', 'bot', 'ai', 'target',
                                         'target_agent') THEN 'agent'
                                WHEN lower(coalesce(t.e->>'role', t.e->>'speaker', t.e->>'from'))
                                     IN ('user', 'tester', 'human', 'customer', 'caller',
                                         'tester_agent') THEN 'tester'
                           END = $4
                       AND to_tsvector('english', coalesce(t.e->>'content', t.e->>'text',
                                                           t.e->>'message', '')) @@ q.q))
               ORDER BY at DESC, a.id
               LIMIT $5 OFFSET $6
           )
           SELECT h.id AS "id!", h.run_id AS "run_id!", h.run_name, h.run_revring_id AS "run_revring_id!",
                  h.suite_name AS "suite_name!", h.suite_id AS "suite_id!",
                  h.test_case_revring_id AS "test_case_revring_id!",
                  h.test_case_name AS "test_case_name!",
                  h.attempt_number AS "attempt_number!", h.result AS "result: AttemptResult", h.at AS "at!",
                  CASE WHEN to_tsvector('english', coalesce(h.reasoning, '')) @@ q.q
                       THEN ts_headline('english', replace(h.reasoning, '<', '<' || chr(8203)), q.q,
                                        CASE WHEN length(h.reasoning) <= $7 THEN q.all_opts ELSE q.opts END) END
                      AS "reasoning_headline?",
                  coalesce((
                      SELECT jsonb_agg(jsonb_build_object(
                                 'turn', t.turn, 'speaker', t.speaker,
                                 'text', ts_headline('english', replace(t.text, '<', '<' || chr(8203)), q.q,
                                                     CASE WHEN length(t.text) <= $7 THEN q.all_opts
                                                          ELSE q.opts END))
                             ORDER BY t.turn)
                      FROM (SELECT t.n - 1 AS turn,
                                   coalesce(t.e->>'role', t.e->>'speaker', t.e->>'from') AS speaker,
                                   coalesce(t.e->>'content', t.e->>'text', t.e->>'message', '')
                                       AS text
                            FROM attempts a,
                                 jsonb_array_elements(
                                     CASE WHEN jsonb_typeof(a.transcript) = 'array'
                                          THEN a.transcript ELSE '[]'::jsonb END)
                                     WITH ORDINALITY AS t(e, n)
                            WHERE a.id = h.id
                              AND to_tsvector('english', coalesce(t.e->>'content', t.e->>'text',
                                                                  t.e->>'message', '')) @@ q.q
                            ORDER BY t.n LIMIT 3) t
                  ), '[]'::jsonb) AS "turns!"
           FROM hits h CROSS JOIN q
           ORDER BY h.at DESC, h.id"#,
        team_id,
        query.text,
        query.verdict,
        query.speaker.sql(),
        limit,
        offset,
        WHOLE_TEXT_CHARS,
    )
    .fetch_all(db)
    .await
}
