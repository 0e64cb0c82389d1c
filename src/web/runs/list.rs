//! `/runs`: the team's runs, newest first, a page at a time.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use serde::Deserialize;
use tower_sessions::Session;

use crate::app::state::AppState;
use crate::db::run_labels::{self, RunFilter};
use crate::db::runs::RunRow;
use crate::domain::labels::parse_filter;
use crate::web::kit::error::AppError;
use crate::web::kit::extract::Query;
use crate::web::kit::labels::explain;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;
use crate::web::kit::paging::Page;
use crate::web::runs::line::RunLine;

/// Runs per page on the runs list.
const RUNS_PER_PAGE: i64 = 25;

#[derive(Template)]
#[template(path = "runs/index.html")]
struct RunsPage {
    layout: Layout,
    runs: Vec<RunLine>,
    page: Page,
    /// The label filter as typed.
    label: String,
    /// Why the filter was not applied, if it was refused.
    label_error: Option<String>,
    /// `&label=…` for the pager's links.
    pager_query: String,
}

/// `?page=` and `?label=key=value,…` of the runs list.
#[derive(Debug, Deserialize)]
pub(crate) struct RunsQuery {
    page: Option<i64>,
    label: Option<String>,
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// `GET /runs`
pub(crate) async fn index(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Query(query): Query<RunsQuery>,
) -> Result<Html<String>, AppError> {
    let page = Page::new(query.page.unwrap_or(1), RUNS_PER_PAGE);
    let label = query.label.unwrap_or_default().trim().to_owned();
    let (labels, label_error) = match parse_filter(&label) {
        Ok(labels) => (labels, None),
        Err(error) => (Default::default(), Some(explain(&error))),
    };
    let filter = RunFilter {
        labels: serde_json::to_value(labels).unwrap_or_default(),
        ..RunFilter::default()
    };
    // Shared with every request that sees the same data (see `kit::page_data`).
    let key = format!(
        "runs list labels={} limit={} offset={}",
        filter.labels,
        page.fetch_limit(),
        page.offset()
    );
    let read = async {
        Ok::<_, AppError>(
            run_labels::list(
                &state.db,
                member.team_id,
                &filter,
                page.fetch_limit(),
                page.offset(),
            )
            .await?,
        )
    };
    let mut rows = state
        .page_data
        .get(member.team_id, &member.snapshot, key, read)
        .await?;
    let page = page.with_more(&mut rows);
    let view = RunsPage {
        layout: Layout::for_member("Runs", "runs", &member, &session).await,
        runs: rows
            .into_iter()
            .map(|run| RunLine::from(RunRow::from(run)))
            .collect(),
        page,
        pager_query: if label.is_empty() || label_error.is_some() {
            String::new()
        } else {
            format!("&label={}", encode(&label))
        },
        label,
        label_error,
    };
    Ok(Html(view.render()?))
}
