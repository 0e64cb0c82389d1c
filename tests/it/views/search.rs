//! Full-text search over transcripts and reasoning.

use ringside::auth::Role;
use serde_json::json;

use super::ViewsFixture;
use super::fixture::escaped;
use crate::support::accounts::{create_team, member};

#[tokio::test]
async fn search_finds_a_phrase_in_one_transcript_highlighted_and_only_in_the_team() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let attempts = fx.attempts(run.id).await;
    let (one, other) = (attempts[0].0, attempts[1].0);
    fx.rewrite_attempt(
        one,
        json!([
            {"role": "user", "content": "Can you help with my booking?"},
            {"role": "assistant", "content": "Sure, I issued a zephyr harbor voucher <b>today</b>."}
        ]),
        "Fine.",
    )
    .await;
    // The same words, not as that phrase.
    fx.rewrite_attempt(
        other,
        json!([{"role": "user", "content": "A voucher? The harbor was calm, the zephyr too."}]),
        "Fine.",
    )
    .await;

    let hits = fx.admin.page("/search?q=%22zephyr+harbor+voucher%22").await;
    assert_eq!(hits.matches("class=\"search-hit\"").count(), 1, "{hits}");
    assert!(hits.contains(&format!("/runs/{}/attempts/{one}#turn-1", run.id)));
    assert!(hits.contains("<mark>zephyr</mark> <mark>harbor</mark> <mark>voucher</mark>"));
    assert!(
        hits.contains(&escaped("<b>today</b>")),
        "matched text stays text: {hits}"
    );
    assert!(!hits.contains(&other.to_string()));

    // All three words, anywhere: both attempts.
    let words = fx.admin.page("/search?q=zephyr+harbor+voucher").await;
    assert_eq!(words.matches("class=\"search-hit\"").count(), 2);
    assert!(
        words.contains("<strong>2 attempts match</strong>"),
        "the page counts its matches: {words}"
    );
    // Said by the agent: only the first (the other's words were the tester's).
    let agent = fx.admin.page("/search?q=zephyr&speaker=agent").await;
    assert_eq!(agent.matches("class=\"search-hit\"").count(), 1);
    assert!(agent.contains(&one.to_string()));
    let tester = fx.admin.page("/search?q=zephyr&speaker=tester").await;
    assert!(tester.contains(&other.to_string()) && !tester.contains(&one.to_string()));

    // Speaker labels and keys are not words anyone said.
    for label in ["assistant", "role", "content"] {
        let hits = fx.admin.page(&format!("/search?q={label}")).await;
        assert!(hits.contains("No attempt matches"), "{label}: {hits}");
    }

    // A word too common to search is explained rather than answered "no match".
    let common = fx.admin.page("/search?q=the").await;
    assert!(common.contains("id=\"too-common\""), "{common}");
    assert!(!common.contains("No attempt matches"));

    // Another team finds nothing.
    let team = create_team(&fx.app.db, "Elsewhere").await;
    let (outsider, _) = member(&fx.app, "eve@example.com", team, Role::Admin).await;
    let none = outsider.page("/search?q=zephyr").await;
    assert!(none.contains("No attempt matches"));

    // Matching goes through the GIN index (forced here: the table is small).
    let mut conn = fx.app.db.acquire().await.unwrap();
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT id FROM attempts
         WHERE team_id = $1 AND search @@ websearch_to_tsquery('english', 'zephyr')",
    )
    .bind(fx.team_id)
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    sqlx::query("RESET enable_seqscan")
        .execute(&mut *conn)
        .await
        .unwrap();
    assert!(plan.join("\n").contains("attempts_search"), "{plan:?}");
}
