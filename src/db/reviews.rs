//! Reviews of attempts' verdicts, with their history. Writing a review shifts the run's and the
//! case's summary counters (`runs.review_pass_delta`, `run_case_results.review_*`) by exactly
//! the attempts whose effective result changed, in the same transaction: trend pages stay
//! right without recomputing anything. `store_run` recomputes the shifts when it rewrites a run.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::PgPool;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::domain::review::{Outcome, ReviewKind, Shift, effective};

/// Who writes a review: a member, or an API token (by its name).
#[derive(Debug, Clone, Copy)]
pub enum Reviewer<'a> {
    /// A signed-in member.
    User(Uuid),
    /// An API token of the team.
    Token(&'a str),
}

impl Reviewer<'_> {
    fn user(&self) -> Option<Uuid> {
        match self {
            Self::User(id) => Some(*id),
            Self::Token(_) => None,
        }
    }

    fn token(&self) -> Option<&str> {
        match self {
            Self::User(_) => None,
            Self::Token(name) => Some(name),
        }
    }
}

/// What a reviewer records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewInput {
    /// The kind.
    pub kind: ReviewKind,
    /// A comment (may be empty).
    pub comment: String,
    /// A ticket link (checked by the caller to be an http(s) link).
    pub ticket_url: Option<String>,
}

/// The current review of an attempt.
#[derive(Debug, Clone)]
pub struct Review {
    /// The attempt.
    pub attempt_id: Uuid,
    /// The kind.
    pub kind: ReviewKind,
    /// The comment.
    pub comment: String,
    /// The ticket link.
    pub ticket_url: Option<String>,
    /// Who (None: the account was deleted).
    pub reviewer: Option<String>,
    /// When it was last changed.
    pub reviewed_at: OffsetDateTime,
}

/// One change of an attempt's review.
#[derive(Debug, Clone)]
pub struct ReviewChange {
    /// The kind it was set to; `None` when the review was removed.
    pub kind: Option<ReviewKind>,
    /// The comment it was set to.
    pub comment: String,
    /// The ticket link it was set to.
    pub ticket_url: Option<String>,
    /// Who.
    pub changed_by: Option<String>,
    /// When.
    pub changed_at: OffsetDateTime,
}

fn kind_of(name: &str) -> ReviewKind {
    // The column's CHECK allows only the kinds Ringside writes.
    ReviewKind::parse(name).unwrap_or(ReviewKind::ConfirmedBug)
}

/// Sets (`Some`) or removes (`None`) the review of the given attempts of the team's run, in one
/// transaction, recording each change in the history and shifting the summaries. Returns how
/// many attempts changed, or `None` (nothing written) when the run or any attempt is not the
/// team's, or not in that run.
pub async fn apply(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
    attempt_ids: &[Uuid],
    review: Option<&ReviewInput>,
    by: Reviewer<'_>,
) -> sqlx::Result<Option<usize>> {
    let ids: Vec<Uuid> = attempt_ids
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut tx = db.begin().await?;
    // The run row first, as store_run locks it: the two never interleave on a run.
    let run = sqlx::query_scalar!(
        "SELECT id FROM runs WHERE team_id = $1 AND id = $2 FOR UPDATE",
        team_id,
        run_id
    )
    .fetch_optional(&mut *tx)
    .await?;
    if run.is_none() {
        return Ok(None);
    }
    let rows = sqlx::query!(
        r#"SELECT a.id, a.test_case_revring_id, a.result, rv.kind AS "kind?",
                  rv.comment AS "comment?", rv.ticket_url
           FROM attempts a LEFT JOIN attempt_reviews rv ON rv.attempt_id = a.id
           WHERE a.team_id = $1 AND a.run_id = $2 AND a.id = ANY($3)
           FOR UPDATE OF a"#,
        team_id,
        run_id,
        &ids
    )
    .fetch_all(&mut *tx)
    .await?;
    if rows.len() != ids.len() {
        return Ok(None);
    }
    let mut run_shift = Shift::default();
    let mut case_shifts: BTreeMap<String, Shift> = BTreeMap::new();
    let mut changed: Vec<Uuid> = Vec::new();
    for row in rows {
        let old = row.kind.as_deref().map(kind_of);
        let same = match review {
            None => old.is_none(),
            Some(new) => {
                old == Some(new.kind)
                    && row.comment.as_deref() == Some(new.comment.as_str())
                    && row.ticket_url == new.ticket_url
            }
        };
        if same {
            continue;
        }
        changed.push(row.id);
        let judged = Outcome::of_verdict(row.result.as_deref());
        let (from, to) = (
            effective(judged, old),
            effective(judged, review.map(|r| r.kind)),
        );
        run_shift.add(from, to);
        case_shifts
            .entry(row.test_case_revring_id)
            .or_default()
            .add(from, to);
    }
    if changed.is_empty() {
        tx.commit().await?;
        return Ok(Some(0));
    }
    match review {
        Some(new) => {
            sqlx::query!(
                r#"INSERT INTO attempt_reviews (attempt_id, team_id, run_id, kind, comment,
                                               ticket_url, reviewed_by, via_token)
                   SELECT id, $2, $3, $4, $5, $6, $7, $8 FROM unnest($1::uuid[]) AS t(id)
                   ON CONFLICT (attempt_id) DO UPDATE SET
                       kind = EXCLUDED.kind, comment = EXCLUDED.comment,
                       ticket_url = EXCLUDED.ticket_url, reviewed_by = EXCLUDED.reviewed_by,
                       via_token = EXCLUDED.via_token, reviewed_at = now()"#,
                &changed,
                team_id,
                run_id,
                new.kind.as_str(),
                new.comment,
                new.ticket_url,
                by.user(),
                by.token(),
            )
            .execute(&mut *tx)
            .await?;
        }
        None => {
            sqlx::query!(
                "DELETE FROM attempt_reviews WHERE team_id = $1 AND attempt_id = ANY($2)",
                team_id,
                &changed
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    sqlx::query!(
        r#"INSERT INTO attempt_review_history (team_id, attempt_id, kind, comment, ticket_url,
                                              changed_by, via_token)
           SELECT $2, id, $3, $4, $5, $6, $7 FROM unnest($1::uuid[]) AS t(id)"#,
        &changed,
        team_id,
        review.map(|r| r.kind.as_str()),
        review.map_or("", |r| r.comment.as_str()),
        review.and_then(|r| r.ticket_url.clone()),
        by.user(),
        by.token(),
    )
    .execute(&mut *tx)
    .await?;
    if run_shift.passed != 0 {
        sqlx::query!(
            "UPDATE runs SET review_pass_delta = review_pass_delta + $2 WHERE id = $1",
            run_id,
            run_shift.passed
        )
        .execute(&mut *tx)
        .await?;
    }
    for (case_id, shift) in case_shifts.into_iter().filter(|(_, s)| !s.is_zero()) {
        sqlx::query!(
            "UPDATE run_case_results SET review_passed = review_passed + $3,
                    review_failed = review_failed + $4, review_errored = review_errored + $5
             WHERE run_id = $1 AND test_case_revring_id = $2",
            run_id,
            case_id,
            shift.passed,
            shift.failed,
            shift.errored
        )
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(Some(changed.len()))
}

/// The current reviews of the team's run's attempts, by attempt.
pub async fn for_run(
    db: &PgPool,
    team_id: Uuid,
    run_id: Uuid,
) -> sqlx::Result<BTreeMap<Uuid, Review>> {
    let rows = sqlx::query!(
        r#"SELECT rv.attempt_id, rv.kind, rv.comment, rv.ticket_url,
                  coalesce(u.display_name, 'API token “' || rv.via_token || '”') AS "reviewer?", rv.reviewed_at
           FROM attempt_reviews rv LEFT JOIN users u ON u.id = rv.reviewed_by
           WHERE rv.team_id = $1 AND rv.run_id = $2"#,
        team_id,
        run_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let review = Review {
                attempt_id: row.attempt_id,
                kind: kind_of(&row.kind),
                comment: row.comment,
                ticket_url: row.ticket_url,
                reviewer: row.reviewer,
                reviewed_at: row.reviewed_at,
            };
            (row.attempt_id, review)
        })
        .collect())
}

/// The history of the team's attempt's review, oldest first.
pub async fn history(
    db: &PgPool,
    team_id: Uuid,
    attempt_id: Uuid,
) -> sqlx::Result<Vec<ReviewChange>> {
    let rows = sqlx::query!(
        r#"SELECT h.kind, h.comment, h.ticket_url, coalesce(u.display_name, 'API token “' || h.via_token || '”') AS "changed_by?", h.changed_at
           FROM attempt_review_history h LEFT JOIN users u ON u.id = h.changed_by
           WHERE h.team_id = $1 AND h.attempt_id = $2
           ORDER BY h.id"#,
        team_id,
        attempt_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| ReviewChange {
            kind: row.kind.as_deref().map(kind_of),
            comment: row.comment,
            ticket_url: row.ticket_url,
            changed_by: row.changed_by,
            changed_at: row.changed_at,
        })
        .collect())
}

/// A review of one of a test case's attempts, for the case page.
#[derive(Debug, Clone)]
pub struct CaseReview {
    /// The review.
    pub review: Review,
    /// The attempt's run.
    pub run_id: Uuid,
    /// The attempt's number.
    pub attempt_number: i32,
}

/// The latest `limit` reviews of a test case's attempts in the team's suite, newest first.
pub async fn for_case(
    db: &PgPool,
    team_id: Uuid,
    suite_id: Uuid,
    case_id: &str,
    limit: i64,
) -> sqlx::Result<Vec<CaseReview>> {
    let rows = sqlx::query!(
        r#"SELECT rv.attempt_id, rv.kind, rv.comment, rv.ticket_url,
                  coalesce(u.display_name, 'API token “' || rv.via_token || '”') AS "reviewer?", rv.reviewed_at, a.run_id, a.attempt_number
           FROM attempt_reviews rv
           JOIN attempts a ON a.id = rv.attempt_id
           JOIN runs r ON r.id = a.run_id
           LEFT JOIN users u ON u.id = rv.reviewed_by
           WHERE rv.team_id = $1 AND r.suite_id = $2 AND a.test_case_revring_id = $3
           ORDER BY rv.reviewed_at DESC
           LIMIT $4"#,
        team_id,
        suite_id,
        case_id,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| CaseReview {
            review: Review {
                attempt_id: row.attempt_id,
                kind: kind_of(&row.kind),
                comment: row.comment,
                ticket_url: row.ticket_url,
                reviewer: row.reviewer,
                reviewed_at: row.reviewed_at,
            },
            run_id: row.run_id,
            attempt_number: row.attempt_number,
        })
        .collect())
}
