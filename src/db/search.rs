//! Full-text search over the team's attempts: transcripts and the judge's reasoning, through the
//! `attempts.search` vector and its GIN index, with the matching passages highlighted by
//! Postgres (`ts_headline`).
//!
//! Results come newest first, a page at a time after a keyset [`Cursor`] on (time, id): the
//! `attempts_team_found_at` index serves that order, so a common word costs one page of the
//! index and a rare one a short GIN lookup and sort, whatever the size of the history. How many
//! match is counted only up to a cap ([`count`]).
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
    /// The attempt's place in the newest-first order (see [`Cursor`]).
    pub found_at: OffsetDateTime,
    /// The reasoning's matching passages, when the reasoning matches.
    pub reasoning_headline: Option<String>,
    /// Matching turns: `[{"turn": n, "speaker": "...", "text": "headline"}]`, at most a few.
    pub turns: serde_json::Value,
}

/// Longest a search may run: a broad word over a long history is slow, and a search must never
/// hold a connection that pages and the sync worker need (page queries have a longer limit).
pub const SEARCH_STATEMENT_TIMEOUT: &str = "3s";

/// Where a page of results starts: just after the hit with this time and id (the last one of
/// the previous page). Written into links as `SECONDS.NANOS_ID`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    /// The hit's `found_at`.
    pub at: OffsetDateTime,
    /// The hit's id.
    pub id: Uuid,
}

impl Cursor {
    /// The cursor just after `hit`.
    pub fn after(hit: &SearchHit) -> Self {
        Self {
            at: hit.found_at,
            id: hit.id,
        }
    }

    /// The cursor as written in a link.
    pub fn encode(&self) -> String {
        let nanos = self.at.unix_timestamp_nanos();
        format!("{}_{}", nanos, self.id.simple())
    }

    /// Reads a cursor written by [`Cursor::encode`]; `None` for anything else.
    pub fn decode(text: &str) -> Option<Self> {
        let (nanos, id) = text.split_once('_')?;
        let at = OffsetDateTime::from_unix_timestamp_nanos(nanos.parse().ok()?).ok()?;
        Some(Self {
            at,
            id: Uuid::parse_str(id).ok()?,
        })
    }

    /// Before every hit: the start of the first page.
    fn start() -> Self {
        Self {
            at: time::macros::datetime!(9999-12-31 0:00 UTC),
            id: Uuid::max(),
        }
    }
}

/// How many attempts match, counted up to a cap so that a common word costs no more than a
/// rare one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchCount {
    /// This many, counted.
    Exactly(i64),
    /// At least this many (the cap); counting went no further.
    AtLeast(i64),
    /// Not counted: counting would have taken longer than [`COUNT_STATEMENT_TIMEOUT`] (a
    /// common word over a long history); the page says how many it has shown, and "+".
    NotCounted,
}

/// Longest a count of matches may run: past it the page shows no total rather than make
/// everyone wait for one.
pub const COUNT_STATEMENT_TIMEOUT: &str = "150ms";

/// PostgreSQL's code for a statement cancelled by `statement_timeout`.
const QUERY_CANCELED: &str = "57014";

/// How many words of `text` can be searched for: 0 when it holds only words too common to be
/// indexed ("the", "and", …) or none at all.
pub async fn searchable_words(db: &PgPool, text: &str) -> sqlx::Result<i32> {
    sqlx::query_scalar!(
        r#"SELECT numnode(websearch_to_tsquery('english', $1)) AS "n!""#,
        text
    )
    .fetch_one(db)
    .await
}

/// How many of the team's attempts match, counting no further than `cap`, and for no longer
/// than [`COUNT_STATEMENT_TIMEOUT`].
pub async fn count(
    db: &PgPool,
    team_id: Uuid,
    query: &SearchQuery,
    cap: i64,
) -> sqlx::Result<MatchCount> {
    let mut tx = db.begin().await?;
    sqlx::query_scalar!(
        r#"SELECT set_config('statement_timeout', $1, true) AS "timeout!""#,
        COUNT_STATEMENT_TIMEOUT
    )
    .fetch_one(&mut *tx)
    .await?;
    // Unnamed statements are planned with their values: a common word and a rare one get
    // different plans (a cached generic plan would serve one of them badly).
    let counted = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!" FROM (
               SELECT 1 FROM attempts a
               WHERE a.team_id = $1 AND a.search @@ websearch_to_tsquery('english', $2)
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
                                                           t.e->>'message', ''))
                           @@ websearch_to_tsquery('english', $2)))
               LIMIT $5
           ) AS matching"#,
        team_id,
        query.text,
        query.verdict,
        query.speaker.sql(),
        cap,
    )
    .persistent(false)
    .fetch_one(&mut *tx)
    .await;
    let counted = match counted {
        Ok(counted) => counted,
        Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some(QUERY_CANCELED) => {
            return Ok(MatchCount::NotCounted);
        }
        Err(error) => return Err(error),
    };
    tx.commit().await?;
    Ok(if counted >= cap {
        MatchCount::AtLeast(cap)
    } else {
        MatchCount::Exactly(counted)
    })
}

/// The team's newest matching attempts after `after` (from the newest when `None`), at most
/// `limit`. An empty or stop-word-only query matches nothing.
pub async fn attempts(
    db: &PgPool,
    team_id: Uuid,
    query: &SearchQuery,
    after: Option<Cursor>,
    limit: i64,
) -> sqlx::Result<Vec<SearchHit>> {
    let after = after.unwrap_or_else(Cursor::start);
    // Planned with this query's words every time: a cached generic plan would serve common and
    // rare words alike, and one of them badly.
    let mut tx = db.begin().await?;
    sqlx::query_scalar!(
        r#"SELECT set_config('plan_cache_mode', 'force_custom_plan', true)
                  || set_config('statement_timeout', $1, true) AS "mode!""#,
        SEARCH_STATEMENT_TIMEOUT
    )
    .fetch_one(&mut *tx)
    .await?;
    let hits = sqlx::query_as!(
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
               SELECT a.id, a.run_id, a.test_case_name, a.test_case_revring_id, a.attempt_number,
                      a.result, a.reasoning, a.completed_at,
                      coalesce(a.completed_at, a.created_at, '1970-01-01 00:00:00+00'::timestamptz)
                          AS found_at
               FROM attempts a
               WHERE a.team_id = $1 AND a.search @@ websearch_to_tsquery('english', $2)
                 AND (coalesce(a.completed_at, a.created_at, '1970-01-01 00:00:00+00'::timestamptz),
                      a.id) < ($5, $6)
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
                                                           t.e->>'message', ''))
                           @@ websearch_to_tsquery('english', $2)))
               ORDER BY coalesce(a.completed_at, a.created_at,
                                 '1970-01-01 00:00:00+00'::timestamptz) DESC, a.id DESC
               LIMIT $7
           )
           SELECT h.id AS "id!", h.run_id AS "run_id!", r.name AS run_name,
                  r.revring_id AS "run_revring_id!", s.name AS "suite_name!",
                  s.id AS "suite_id!", h.test_case_revring_id AS "test_case_revring_id!",
                  h.test_case_name AS "test_case_name!", h.attempt_number AS "attempt_number!",
                  h.result AS "result: AttemptResult",
                  coalesce(h.completed_at, r.created_at) AS "at!", h.found_at AS "found_at!",
                  CASE WHEN to_tsvector('english', coalesce(h.reasoning, '')) @@ q.q
                       THEN ts_headline('english', replace(h.reasoning, '<', '<' || chr(8203)), q.q,
                                        CASE WHEN length(h.reasoning) <= $8 THEN q.all_opts ELSE q.opts END) END
                      AS "reasoning_headline?",
                  coalesce((
                      SELECT jsonb_agg(jsonb_build_object(
                                 'turn', t.turn, 'speaker', t.speaker,
                                 'text', ts_headline('english', replace(t.text, '<', '<' || chr(8203)), q.q,
                                                     CASE WHEN length(t.text) <= $8 THEN q.all_opts
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
           JOIN runs r ON r.id = h.run_id AND r.team_id = $1
           JOIN suites s ON s.id = r.suite_id
           ORDER BY h.found_at DESC, h.id DESC"#,
        team_id,
        query.text,
        query.verdict,
        query.speaker.sql(),
        after.at,
        after.id,
        limit,
        WHOLE_TEXT_CHARS,
    )
    .fetch_all(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(hits)
}
