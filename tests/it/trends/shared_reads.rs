//! The daily pages share what they read between requests that see the same data
//! (`web::kit::page_data`): a second request reads nothing again, and any committed change,
//! from this process or any other, shows on the very next request.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use ringside::web::kit::error::AppError;
use ringside::web::kit::page_data::PageData;
use uuid::Uuid;

use crate::support::TestApp;
use crate::support::accounts::setup;
use crate::support::app::serve_args;
use crate::support::built;
use crate::support::db::fresh_database;
use crate::support::html::Page;

/// Reads through `data` under `snapshot`, counting how often the read really runs; the value is
/// that count.
async fn counted(
    data: &PageData,
    snapshot: &str,
    team: Uuid,
    page: &str,
    reads: &Arc<AtomicUsize>,
) -> usize {
    let reads = reads.clone();
    data.get(team, snapshot, page.to_owned(), async move {
        Ok::<_, AppError>(reads.fetch_add(1, Ordering::SeqCst) + 1)
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn a_read_is_shared_until_something_commits() {
    let (db, _drop) = fresh_database().await;
    let data = PageData::default();
    let reads = Arc::new(AtomicUsize::new(0));
    let team = Uuid::new_v4();
    // Two requests that saw the same snapshot (the cluster's: other tests commit meanwhile, so
    // the test holds on to the one it read rather than reading it twice).
    let seen = ringside::db::snapshot(&db).await.unwrap();

    let first = counted(&data, &seen, team, "dashboard", &reads).await;
    let again = counted(&data, &seen, team, "dashboard", &reads).await;
    assert_eq!(
        (first, again),
        (1, 1),
        "nothing changed: the first read is served again"
    );

    let other_page = counted(&data, &seen, team, "trend", &reads).await;
    let other_team = counted(&data, &seen, Uuid::new_v4(), "dashboard", &reads).await;
    assert_eq!(
        (other_page, other_team),
        (2, 3),
        "pages and teams never share a read"
    );

    // Any commit, here a new team row, gives the next request another snapshot: it reads again.
    sqlx::query("INSERT INTO teams (name) VALUES ('Another')")
        .execute(&db)
        .await
        .unwrap();
    let after = ringside::db::snapshot(&db).await.unwrap();
    assert_ne!(after, seen, "a commit changes the snapshot");
    assert_eq!(counted(&data, &after, team, "dashboard", &reads).await, 4);
    assert_eq!(counted(&data, &after, team, "dashboard", &reads).await, 4);
}

#[tokio::test]
async fn a_failed_read_is_not_kept() {
    let (db, _drop) = fresh_database().await;
    let data = PageData::default();
    let team = Uuid::new_v4();
    let snapshot = ringside::db::snapshot(&db).await.unwrap();
    let failed: Result<u32, AppError> = data
        .get(team, &snapshot, "trend".into(), async {
            Err(AppError::NotFound)
        })
        .await;
    assert!(matches!(failed, Err(AppError::NotFound)));
    let read = data
        .get(team, &snapshot, "trend".into(), async {
            Ok::<u32, AppError>(7)
        })
        .await
        .unwrap();
    assert_eq!(read, 7);
}

#[tokio::test]
async fn a_run_stored_after_a_page_was_read_shows_on_the_next_request() {
    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let suite = built::suite(&app.db, team_id, "Checkout", &["a"]).await;
    let trend = format!("/suites/{}/trend?range=all", suite.suite_id);
    let charted =
        |html: String| Page::parse(&html).count("svg.chart[aria-label='Pass rate per run'] circle");

    built::run(&app.db, &suite, "r1", 2, &[("a", 1, Some("pass"))]).await;
    assert_eq!(charted(admin.page(&trend).await), 1);
    assert_eq!(charted(admin.page(&trend).await), 1);
    let spark =
        |html: String| Page::parse(&html).attrs("table.dashboard svg.sparkline", "aria-label");
    assert_eq!(
        spark(admin.page("/").await),
        ["Pass rate of the last 1 runs, oldest first: 100%"]
    );

    // Stored as the sync worker of any process would, straight into the database.
    built::run(&app.db, &suite, "r2", 1, &[("a", 1, Some("fail"))]).await;
    assert_eq!(
        charted(admin.page(&trend).await),
        2,
        "the new run is charted at once"
    );
    assert_eq!(
        spark(admin.page("/").await),
        ["Pass rate of the last 2 runs, oldest first: 100%, 0%"],
        "the dashboard moved on too"
    );
}

#[tokio::test]
async fn requests_waiting_for_a_read_that_fails_get_its_answer_at_once() {
    let (db, _drop) = fresh_database().await;
    let data = PageData::default();
    let reads = Arc::new(AtomicUsize::new(0));
    let team = Uuid::new_v4();
    let snapshot = ringside::db::snapshot(&db).await.unwrap();
    let slow_failure = {
        let reads = reads.clone();
        async move {
            reads.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
            Err::<u32, AppError>(AppError::Unavailable("the database is busy".into()))
        }
    };
    let first = data.get(team, &snapshot, "dashboard".into(), slow_failure);
    let waiting = (0..5).map(|_| {
        let reads = reads.clone();
        let (data, snapshot) = (data.clone(), snapshot.clone());
        async move {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            data.get(team, &snapshot, "dashboard".into(), async move {
                reads.fetch_add(1, Ordering::SeqCst);
                Ok::<u32, AppError>(1)
            })
            .await
        }
    });
    let started = std::time::Instant::now();
    let (first, waiting) = tokio::join!(first, futures_util::future::join_all(waiting));
    assert!(matches!(first, Err(AppError::Unavailable(_))));
    for answer in waiting {
        assert!(
            matches!(&answer, Err(AppError::Unavailable(message)) if message == "the database is busy"),
            "{answer:?}"
        );
    }
    assert_eq!(
        reads.load(Ordering::SeqCst),
        1,
        "the waiting requests did not read in turn"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(2));
    // A request that comes after the failure reads again.
    let later = data
        .get(team, &snapshot, "dashboard".into(), async {
            Ok::<u32, AppError>(9)
        })
        .await;
    assert_eq!(later.unwrap(), 9);
}

#[tokio::test]
async fn run_and_attempt_pages_show_a_change_on_the_next_request_to_members_and_links() {
    use crate::support::app::new_client;
    use crate::views::share::{create_link, path_of};

    let app = TestApp::spawn_with(serve_args(&["--no-sync"])).await;
    let (admin, team_id) = setup(&app, "QA").await;
    let suite = built::suite(&app.db, team_id, "Checkout", &["a"]).await;
    let run = built::run(&app.db, &suite, "r1", 0, &[("a", 1, Some("fail"))]).await;
    let attempt: Uuid = sqlx::query_scalar("SELECT id FROM attempts WHERE run_id = $1")
        .bind(run)
        .fetch_one(&app.db)
        .await
        .unwrap();
    let link = path_of(&create_link(&admin, "run", run, "1d").await);
    let anonymous = |path: String| {
        let url = app.url(&path);
        async move {
            let response = new_client().get(url).send().await.unwrap();
            assert_eq!(response.status(), reqwest::StatusCode::OK, "{path}");
            response.text().await.unwrap()
        }
    };
    let member_pages = [
        format!("/runs/{run}"),
        format!("/runs/{run}/attempts/{attempt}"),
    ];
    let link_pages = [
        link.clone(),
        format!("{link}/runs/{run}/attempts/{attempt}"),
    ];
    for _ in 0..2 {
        for page in &member_pages {
            assert!(admin.page(page).await.contains("Case a"), "{page}");
        }
        for page in &link_pages {
            assert!(anonymous(page.clone()).await.contains("Case a"), "{page}");
        }
    }

    // Renamed as a sync of any process would, straight in the database.
    sqlx::query("UPDATE attempts SET test_case_name = 'Renamed case' WHERE id = $1")
        .bind(attempt)
        .execute(&app.db)
        .await
        .unwrap();
    for page in &member_pages {
        let html = admin.page(page).await;
        assert!(
            html.contains("Renamed case"),
            "{page} shows the change at once"
        );
    }
    for page in &link_pages {
        let html = anonymous(page.clone()).await;
        assert!(
            html.contains("Renamed case"),
            "{page} shows the change at once"
        );
    }
}
