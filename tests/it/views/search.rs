//! Full-text search over transcripts and reasoning.

use ringside::auth::Role;
use serde_json::json;

use uuid::Uuid;

use crate::support::TestApp;
use crate::support::accounts::{Visitor, create_team, member, setup};
use crate::support::app::serve_args;
use crate::support::built;
use crate::support::html::Page;
use crate::support::views::{ViewsFixture, escaped};

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
         WHERE search @@ websearch_to_tsquery('english', 'zephyr')",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    sqlx::query("RESET enable_seqscan")
        .execute(&mut *conn)
        .await
        .unwrap();
    assert!(plan.join("\n").contains("attempts_search"), "{plan:?}");
}

/// The attempt links of a results page, and the link to the next page if any.
fn hits_and_next(html: &str) -> (Vec<String>, Vec<String>, Option<String>) {
    let page = Page::parse(html);
    let hrefs = page.attrs("li.search-hit a.hit-title", "href");
    let verdicts = page.texts("li.search-hit .hit-head .badge");
    let next = page
        .select("nav.pager a")
        .into_iter()
        .find(|link| link.text().collect::<String>().contains("Older"))
        .and_then(|link| link.value().attr("href").map(str::to_owned));
    (hrefs, verdicts, next)
}

/// Follows "Older" from `first` to the last page; returns every hit and verdict in order.
async fn all_pages(visitor: &Visitor, first: &str) -> (Vec<String>, Vec<String>, usize) {
    let (mut hrefs, mut verdicts, mut next) = hits_and_next(&visitor.page(first).await);
    let mut pages = 1;
    while let Some(href) = next {
        let path = if href.starts_with('/') {
            href
        } else {
            format!("/search{href}")
        };
        let (more, more_verdicts, after) = hits_and_next(&visitor.page(&path).await);
        assert!(!more.is_empty(), "a page reached by Older has results");
        hrefs.extend(more);
        verdicts.extend(more_verdicts);
        next = after;
        pages += 1;
        assert!(pages < 10, "the pager ends");
    }
    (hrefs, verdicts, pages)
}

#[tokio::test]
async fn search_reads_reasoning_filters_by_verdict_and_pages_without_loss() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let names = ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j"];
    let suite = built::suite(&app.db, team_id, "Zoo line", &names).await;
    // Four runs of ten attempts: three all failed, one half passed and half errored.
    let mut expected: Vec<(String, &str)> = Vec::new();
    for (i, verdicts) in [
        ["fail"; 10],
        ["fail"; 10],
        ["fail"; 10],
        [
            "pass", "pass", "pass", "pass", "pass", "error", "error", "error", "error", "error",
        ],
    ]
    .iter()
    .enumerate()
    {
        let attempts: Vec<built::AttemptSpec<'_>> = names
            .iter()
            .zip(verdicts)
            .map(|(case, verdict)| (*case, 1, Some(*verdict)))
            .collect();
        let run = built::run(&app.db, &suite, &format!("z{i}"), 4 - i as i64, &attempts).await;
        let ids: Vec<(Uuid, Option<String>)> =
            sqlx::query_as("SELECT id, result FROM attempts WHERE run_id = $1")
                .bind(run)
                .fetch_all(&app.db)
                .await
                .unwrap();
        for (id, result) in ids {
            let verdict = match result.as_deref() {
                Some("pass") => "pass",
                Some("fail") => "fail",
                _ => "error",
            };
            expected.push((format!("/runs/{run}/attempts/{id}"), verdict));
        }
    }
    // The word is only in the judge's reasoning, never in a transcript.
    sqlx::query(
        "UPDATE attempts SET reasoning = 'The agent quoted the quokka clause ' || revring_id
         WHERE team_id = $1",
    )
    .bind(team_id)
    .execute(&app.db)
    .await
    .unwrap();

    // Every match once, over two pages (25 per page), none lost or repeated.
    let (hrefs, _, pages) = all_pages(&admin, "/search?q=quokka").await;
    assert_eq!(pages, 2);
    let mut found = hrefs.clone();
    found.sort();
    let mut all: Vec<String> = expected.iter().map(|(href, _)| href.clone()).collect();
    all.sort();
    assert_eq!(found, all, "every attempt once");

    // The judge's line is shown, the word marked.
    let first = Page::parse(&admin.page("/search?q=quokka").await);
    let judge = first.texts("li.search-hit p.hit-line");
    assert!(
        judge[0].starts_with("Judge The agent quoted the quokka clause z"),
        "{judge:?}"
    );
    assert_eq!(first.texts("li.search-hit mark")[0], "quokka");

    // With a verdict, only that verdict, across pages too: 30 failures over two pages.
    for (verdict, count, page_count) in [("fail", 30, 2), ("pass", 5, 1), ("error", 5, 1)] {
        let (hrefs, verdicts, pages) =
            all_pages(&admin, &format!("/search?q=quokka&verdict={verdict}")).await;
        assert_eq!(pages, page_count, "{verdict}");
        assert!(
            verdicts.iter().all(|v| v == verdict),
            "{verdict}: {verdicts:?}"
        );
        let mut found = hrefs;
        found.sort();
        let mut wanted: Vec<String> = expected
            .iter()
            .filter(|(_, v)| *v == verdict)
            .map(|(href, _)| href.clone())
            .collect();
        wanted.sort();
        assert_eq!(found.len(), count, "{verdict}");
        assert_eq!(found, wanted, "{verdict}: every such attempt once");
    }
}

#[tokio::test]
async fn search_pages_newest_first_with_a_cursor_and_an_honest_count() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let newest_first = attempts_saying(&fx, run.id, "quokka", 30).await;

    let first = fx.admin.page("/search?q=quokka").await;
    assert_eq!(
        hit_ids(&first),
        newest_first[..25],
        "the 25 newest, newest first"
    );
    assert!(first.contains("30 attempts match"), "{first}");
    let older = link(&first, "Older →").expect("a link to older matches");
    assert!(
        older.contains("after="),
        "keyset cursor, not an offset: {older}"
    );

    let second = fx.admin.page(&older).await;
    assert_eq!(
        hit_ids(&second),
        newest_first[25..],
        "the 5 oldest, no repeats"
    );
    assert!(link(&second, "Older →").is_none(), "nothing older");
    assert_eq!(
        link(&second, "← Newest").as_deref(),
        Some("/search?q=quokka&verdict=&speaker="),
    );

    // A cursor made up or mangled starts from the newest, never fails.
    let mangled = fx.admin.page("/search?q=quokka&after=yesterday").await;
    assert_eq!(hit_ids(&mangled), newest_first[..25]);

    // One match reads in the singular.
    attempts_saying(&fx, run.id, "wombat", 1).await;
    let one = fx.admin.page("/search?q=wombat").await;
    assert!(one.contains("1 attempt match"), "{one}");

    // Words too common to index get a clear answer, not "no match".
    let common = fx.admin.page("/search?q=the+and").await;
    assert!(hit_ids(&common).is_empty());
    assert!(common.contains("too common to search for"), "{common}");
}

#[tokio::test]
async fn search_counts_only_up_to_its_cap() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    attempts_saying(&fx, run.id, "capybara", 1001).await;
    let page = fx.admin.page("/search?q=capybara").await;
    assert!(page.contains("1,000+ attempts match"), "{page}");
    assert_eq!(hit_ids(&page).len(), 25);
}

/// Adds `count` judged attempts saying `word` to `run`, one minute apart, newest last; returns
/// their ids newest first.
async fn attempts_saying(fx: &ViewsFixture, run: Uuid, word: &str, count: i64) -> Vec<Uuid> {
    sqlx::query_scalar(
        "INSERT INTO attempts (team_id, run_id, revring_id, test_case_revring_id, test_case_name,
                               attempt_number, result, reasoning, transcript, completed_at)
         SELECT $1, $2, $3 || '-' || n, 'case-x', 'Case ' || n, 1, 'pass', 'Fine.',
                jsonb_build_array(jsonb_build_object('role', 'user', 'content',
                                                     'About the ' || $3 || ' again')),
                now() - make_interval(mins => ($4 - n)::int)
         FROM generate_series(1, $4) AS n
         ORDER BY n DESC
         RETURNING id",
    )
    .bind(fx.team_id)
    .bind(run)
    .bind(word)
    .bind(count)
    .fetch_all(&fx.app.db)
    .await
    .unwrap()
}

/// The attempt ids of a results page, in the order shown.
fn hit_ids(page: &str) -> Vec<Uuid> {
    page.split("class=\"search-hit\"")
        .skip(1)
        .filter_map(|hit| {
            let start = hit.find("/attempts/")? + "/attempts/".len();
            hit.get(start..start + 36)?.parse().ok()
        })
        .collect()
}

/// The `href` of the link labelled `label`, its escaped `&` read back.
fn link(page: &str, label: &str) -> Option<String> {
    let end = page.find(label)?;
    let start = page[..end].rfind("href=\"")? + "href=\"".len();
    let href = &page[start..];
    Some(
        href[..href.find('"')?]
            .replace("&amp;", "&")
            .replace("&#38;", "&"),
    )
}
