//! The simulator's seeded history imported by the sync worker: the summaries `store_run` keeps
//! equal the attempts, and the trend pages tell its reliable, failing and flaky cases apart.

use ringside::auth::Role;

use crate::support::TestApp;
use crate::support::accounts::member;
use crate::support::app::serve_args;
use crate::support::built::assert_summaries_match_attempts;
use crate::support::html::{Cell, Page};
use crate::support::sync::SyncFixture;

#[tokio::test]
async fn imported_history_feeds_every_trend_page() {
    let fixture = SyncFixture::new().await;
    fixture.refresh().await;
    let worker = fixture.worker().spawn();
    let run_ids: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM runs")
        .fetch_all(&fixture.db)
        .await
        .unwrap();
    assert!(run_ids.len() > 10, "weeks of history");
    for run_id in &run_ids {
        fixture.wait_finished(*run_id).await;
    }
    worker.abort();
    assert_summaries_match_attempts(&fixture.db).await;

    let app = TestApp::spawn_on(serve_args(&["--no-sync"]), fixture.db.clone()).await;
    let (manager, _) = member(&app, "max@example.com", fixture.team_id, Role::Viewer).await;
    let dashboard = manager.page("/").await;
    assert!(
        dashboard.matches("<polyline").count() >= 2,
        "sparklines for the suites"
    );
    assert!(
        dashboard.contains(" pts"),
        "changes against the previous run"
    );

    let suite = fixture.suite().await;
    let trend = manager
        .page(&format!("/suites/{}/trend?range=all", suite.id))
        .await;
    let points = trend.matches("<circle").count();
    assert!(points > 5, "one point per finished run: {points}");

    // The grid's cells (not its legend) show both outcomes.
    let cases = Page::parse(&manager.page(&format!("/suites/{}/cases", suite.id)).await);
    let cells: Vec<Cell> = cases
        .rows("table.grid tbody tr")
        .into_iter()
        .flat_map(|row| row.cells)
        .collect();
    for outcome in ["cell-pass", "cell-fail"] {
        assert!(
            cells.iter().any(|cell| cell.has_class(outcome)),
            "a grid cell is {outcome}"
        );
    }

    // Across the suites, the seeded history has broken, flaky and steady cases, and the flake
    // scores tell them apart.
    let suite_ids: Vec<uuid::Uuid> = sqlx::query_scalar("SELECT id FROM suites")
        .fetch_all(&fixture.db)
        .await
        .unwrap();
    // The verdict column of the tables (not the page's intro, which names every verdict).
    let mut verdicts = Vec::new();
    for id in suite_ids {
        let flaky = Page::parse(&manager.page(&format!("/suites/{id}/flaky")).await);
        verdicts.extend(flaky.texts("table tbody tr td:nth-child(2) .badge"));
    }
    for verdict in ["flaky", "broken", "stable"] {
        assert!(
            verdicts.iter().any(|v| v == verdict),
            "some case is {verdict}: {verdicts:?}"
        );
    }
}
