//! Triage: reviews of verdicts and what they change (trend counts, flake scores, grid, exports,
//! comparisons), bulk reviews, known issues and their automatic marking, the case page, and who
//! may change what.

mod api;
mod counts;
mod known;
mod reviews;

use sqlx::PgPool;
use uuid::Uuid;

/// The HTML of the element that carries `marker` (an attribute), up to the end of its `tag`.
pub(crate) fn element<'a>(html: &'a str, marker: &str, tag: &str) -> &'a str {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("an element with {marker}"));
    let open = html[..at]
        .rfind(&format!("<{tag}"))
        .unwrap_or_else(|| panic!("a <{tag}> around {marker}"));
    let close = format!("</{tag}>");
    let end = html[at..].find(&close).expect("the element ends") + at + close.len();
    &html[open..end]
}

/// The table row whose first header or cell links `text`.
pub(crate) fn row_naming<'a>(html: &'a str, text: &str) -> &'a str {
    element(html, &format!(">{text}</a>"), "tr")
}

/// The team's attempt `revring_id` of its run `revring_run`.
pub(crate) async fn attempt_id(db: &PgPool, run_id: Uuid, revring_id: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM attempts WHERE run_id = $1 AND revring_id = $2")
        .bind(run_id)
        .bind(revring_id)
        .fetch_one(db)
        .await
        .unwrap()
}

/// The stored review shifts equal those recomputed from the attempts and their reviews, for
/// every run and every case of every run.
pub(crate) async fn assert_shifts_match_reviews(db: &PgPool) {
    let wrong_cases: i64 = sqlx::query_scalar(
        "WITH eff AS (
             SELECT a.run_id, a.test_case_revring_id, a.result,
                    CASE WHEN rv.kind = 'false_failure' AND a.result <> 'pass' THEN 'pass'
                         WHEN rv.kind = 'false_pass' AND a.result = 'pass' THEN 'fail'
                         ELSE a.result END AS e
             FROM attempts a LEFT JOIN attempt_reviews rv ON rv.attempt_id = a.id
         ), fresh AS (
             SELECT run_id, test_case_revring_id,
                    (count(*) FILTER (WHERE e = 'pass') - count(*) FILTER (WHERE result = 'pass'))::int AS p,
                    (count(*) FILTER (WHERE e = 'fail') - count(*) FILTER (WHERE result = 'fail'))::int AS f,
                    (count(*) FILTER (WHERE e NOT IN ('pass', 'fail'))
                     - count(*) FILTER (WHERE result NOT IN ('pass', 'fail')))::int AS x
             FROM eff GROUP BY run_id, test_case_revring_id
         )
         SELECT count(*) FROM fresh f JOIN run_case_results c USING (run_id, test_case_revring_id)
         WHERE (c.review_passed, c.review_failed, c.review_errored) <> (f.p, f.f, f.x)",
    )
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(wrong_cases, 0, "every case's review shift is exact");
    let wrong_runs: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM runs r
         WHERE r.review_pass_delta <> coalesce(
             (SELECT sum(review_passed) FROM run_case_results c WHERE c.run_id = r.id), 0)",
    )
    .fetch_one(db)
    .await
    .unwrap();
    assert_eq!(wrong_runs, 0, "every run's review shift is exact");
}
