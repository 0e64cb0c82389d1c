//! The run page (groups, comparison, filter) and the attempt page (transcript, case, call,
//! recording, failure navigation), and their team isolation.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT_RANGES, CACHE_CONTROL, CONTENT_RANGE, CONTENT_TYPE, RANGE};
use ringside::auth::Role;
use serde_json::json;

use std::collections::BTreeMap;

use crate::support::accounts::{create_team, member};
use crate::support::html::{Page, texts_in};
use crate::support::upstream::PRODUCTION;
use crate::support::views::ViewsFixture;
use crate::support::views::escaped;

#[tokio::test]
async fn run_page_groups_attempts_compares_and_filters_failures() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let page = fx.admin.page(&format!("/runs/{}", run.id)).await;
    assert!(page.contains("Attempts by test case"), "{page}");
    assert!(page.contains("the suite's previous run"));
    // Each case's change badge says what its attempts here and in the suite's previous run
    // add up to, worked out from the stored attempts.
    let previous = fx.previous_run(run.id).await;
    let expected = expected_changes(
        &fx.case_results(run.id).await,
        &fx.case_results(previous).await,
    );
    let shown: BTreeMap<String, String> = Page::parse(&page)
        .select("tbody.case-group")
        .into_iter()
        .map(|group| {
            let name = texts_in(group, "th.case-name").concat();
            let change = texts_in(group, ".change").concat();
            (name, change)
        })
        .collect();
    assert_eq!(shown, expected);
    let attempts = fx.attempts(run.id).await;
    assert_eq!(
        page.matches("class=\"attempt-row\"").count(),
        attempts.len()
    );
    assert!(page.contains(&format!("/runs/{}/attempts/{}", run.id, attempts[0].0)));
    assert!(
        page.contains("<time datetime=\""),
        "times carry machine-readable values"
    );

    let failures = fx.admin.page(&format!("/runs/{}?failures=1", run.id)).await;
    assert_eq!(
        failures.matches("class=\"attempt-row\"").count(),
        attempts
            .iter()
            .filter(|(_, r)| matches!(r.as_deref(), Some("fail" | "error")))
            .count()
    );
    assert!(!failures.contains("data-verdict=\"pass\""));
    assert!(failures.contains("data-verdict=\"fail\""));
    assert!(failures.contains("Show all attempts"));
}

#[tokio::test]
async fn attempt_page_shows_html_as_text_with_case_call_and_recording() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let attempt = fx.failed_attempt(run.id).await;
    fx.rewrite_attempt(
        attempt,
        json!([
            {"role": "user", "content": "Hi <b>there</b>", "secondsFromStart": 1.2},
            {"role": "assistant", "content": "<script>alert('pwned')</script> I can refund that",
             "secondsFromStart": 65},
            {"role": "user", "content": "<img src=x onerror=alert(1)>"}
        ]),
        "The agent said <i>no</i> & hung up",
    )
    .await;
    let path = format!("/runs/{}/attempts/{attempt}", run.id);
    let page = fx.admin.page(&path).await;
    assert!(!page.contains("<script>alert"), "script shown as markup");
    assert!(!page.contains("<img src=x"), "markup in a transcript");
    let at = page.find("I can refund that").expect("the agent's turn");
    assert!(
        page[..at].ends_with(&escaped("<script>alert('pwned')</script> ")),
        "{}",
        &page[at - 80..at]
    );
    assert!(page.contains(&escaped("Hi <b>there</b>")));
    assert!(page.contains(&escaped("<img src=x onerror=alert(1)>")));
    assert!(page.contains(&escaped("The agent said <i>no</i> & hung up")));
    // Tester and agent told apart, with call offsets and links to single turns.
    assert!(page.contains("turn turn-tester") && page.contains("turn turn-agent"));
    assert!(page.contains("0:01") && page.contains("1:05"));
    assert!(page.contains("id=\"turn-1\"") && page.contains("href=\"#turn-2\""));
    // The case's script and rubric, the call's details, the recording through Ringside.
    assert!(page.contains("id=\"script\"") && page.contains("id=\"rubric\""));
    assert!(page.contains("id=\"hangup-cause\""), "{page}");
    assert!(page.contains("id=\"call-duration\""));
    let src = format!("{path}/recording");
    assert!(page.contains(&format!("src=\"{src}\"")));
    assert!(!page.contains(PRODUCTION) && !page.contains("SECRETPLAIN"));
    assert!(
        !page.contains(&fx.sim.base_url()),
        "the upstream URL stays server-side"
    );
    // Previous/next failed attempt links point at failed attempts of the same run.
    let failed: Vec<_> = fx
        .attempts(run.id)
        .await
        .into_iter()
        .filter(|(_, r)| matches!(r.as_deref(), Some("fail" | "error")))
        .map(|(id, _)| id)
        .collect();
    assert!(
        failed.len() >= 2,
        "the fixture picks a run with failures to step between"
    );
    let position = failed.iter().position(|id| *id == attempt).unwrap();
    let next = Page::parse(&page).attrs("a#next-failed", "href");
    match failed.get(position + 1) {
        Some(second) => assert_eq!(
            next,
            [format!("/runs/{}/attempts/{second}", run.id)],
            "Next failure leads to the run's second failed attempt"
        ),
        None => assert!(next.is_empty(), "no Next failure after the last one"),
    }
    if let Some(last) = failed.last().filter(|last| **last != attempt) {
        let last_page = Page::parse(
            &fx.admin
                .page(&format!("/runs/{}/attempts/{last}", run.id))
                .await,
        );
        assert!(
            last_page.attrs("a#next-failed", "href").is_empty(),
            "no Next failure after the last one"
        );
    }

    let audio = fx.admin.get(&src).await;
    assert_eq!(audio.status(), StatusCode::OK);
    assert_eq!(audio.headers()[CONTENT_TYPE], "audio/wav");
    assert!(
        audio.headers()[CACHE_CONTROL]
            .to_str()
            .unwrap()
            .starts_with("private")
    );
    assert_eq!(audio.headers()[ACCEPT_RANGES], "bytes");
    let whole = audio.bytes().await.unwrap();
    assert_eq!(&whole[..4], b"RIFF");
    let part = fx
        .admin
        .client
        .get(fx.app.url(&src))
        .header(RANGE, "bytes=4-103")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        part.headers()[CONTENT_RANGE].to_str().unwrap(),
        format!("bytes 4-103/{}", whole.len())
    );
    assert_eq!(part.bytes().await.unwrap(), whole[4..104]);
}

#[tokio::test]
async fn another_teams_runs_attempts_recordings_and_exports_answer_404() {
    let fx = ViewsFixture::new().await;
    let run = fx.failing_run().await;
    let attempt = fx.failed_attempt(run.id).await;
    let other_team = create_team(&fx.app.db, "Other").await;
    let (outsider, _) = member(&fx.app, "eve@example.com", other_team, Role::Admin).await;
    for path in [
        format!("/runs/{}", run.id),
        format!("/runs/{}/attempts/{attempt}", run.id),
        format!("/runs/{}/attempts/{attempt}/recording", run.id),
        format!("/runs/{}/export.csv", run.id),
        format!("/runs/{}/export.xml", run.id),
        format!("/runs/{}/export.json", run.id),
    ] {
        assert_eq!(
            outsider.get(&path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // An attempt reached through another run of the same team is not found either.
    let other = fx.other_run(&run, true).await;
    let path = format!("/runs/{}/attempts/{attempt}", other.id);
    assert_eq!(fx.admin.get(&path).await.status(), StatusCode::NOT_FOUND);
}

/// A case's verdicts in one run, by case name: (passed, not passed, pending) attempts.
type CaseResults = BTreeMap<String, (u32, u32, u32)>;

/// The one-word outcome of a case's attempts.
fn outcome((passed, not_passed, _pending): (u32, u32, u32)) -> &'static str {
    match (passed, not_passed) {
        (0, 0) => "pending",
        (_, 0) => "pass",
        (0, _) => "fail",
        _ => "mixed",
    }
}

/// The run page's change badge for each case of `run`, compared with `previous`, by hand.
fn expected_changes(run: &CaseResults, previous: &CaseResults) -> BTreeMap<String, String> {
    run.iter()
        .map(|(name, counts)| {
            let now = outcome(*counts);
            let label = match previous.get(name).map(|before| outcome(*before)) {
                None => "new",
                Some("pending") => "pending",
                Some(_) if now == "pending" => "pending",
                Some(_) if now == "mixed" => "flaky",
                Some("pass") if now == "pass" => "still passing",
                Some("pass") => "new failure",
                Some(_) if now == "pass" => "fixed",
                Some(_) => "still failing",
            };
            (name.clone(), label.to_owned())
        })
        .collect()
}
