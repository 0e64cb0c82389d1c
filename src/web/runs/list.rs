//! `/runs`: the team's runs, newest first, a page at a time.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use tower_sessions::Session;

use crate::app::state::AppState;
use crate::db::runs;
use crate::web::kit::error::AppError;
use crate::web::kit::extract::Query;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;
use crate::web::kit::paging::Page;
use crate::web::kit::paging::PageQuery;
use crate::web::runs::line::RunLine;

/// Runs per page on the runs list.
const RUNS_PER_PAGE: i64 = 25;

#[derive(Template)]
#[template(path = "runs/index.html")]
struct RunsPage {
    layout: Layout,
    runs: Vec<RunLine>,
    page: Page,
}

/// `GET /runs`
pub(crate) async fn index(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, AppError> {
    let page = Page::new(query.page.unwrap_or(1), RUNS_PER_PAGE);
    let mut rows =
        runs::page_for_team(&state.db, member.team_id, page.fetch_limit(), page.offset()).await?;
    let page = page.with_more(&mut rows);
    let view = RunsPage {
        layout: Layout::for_member("Runs", "runs", &member, &session).await,
        runs: rows.into_iter().map(RunLine::from).collect(),
        page,
    };
    Ok(Html(view.render()?))
}
