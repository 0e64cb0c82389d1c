//! `/s/{token}`: what a share link shows to anyone, signed in or not, and nothing else of the
//! team. A run link shows that run, its attempts and their recordings; a suite link shows the
//! suite's run history and those runs. Ended links answer 410. Every response is `noindex`
//! and sends no referrer (the path holds the token); no session is read or created.

use askama::Template;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;
use uuid::Uuid;

use crate::auth::token;
use crate::db::runs::{self, RunRow};
use crate::db::share_links::{self, ResolvedLink};
use crate::db::suites::{self, Suite};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::attempt_page;
use crate::web::exports::{self, Format};
use crate::web::layout::Layout;
use crate::web::run_page::RunBody;
use crate::web::run_views::{Page, RunLine};
use crate::web::runs::{LiveSection, RunQuery};
use crate::web::shares::ShareKind;
use crate::web::suites::PageQuery;

/// Runs per page of a shared suite history.
const RUNS_PER_PAGE: i64 = 25;

/// Longest token looked up; real ones have 43 characters.
const MAX_TOKEN_CHARS: usize = 128;

/// The share-link routes, with their response headers.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/s/{token}", get(landing))
        .route("/s/{token}/runs/{run_id}", get(run))
        .route("/s/{token}/runs/{run_id}/export.csv", get(export_csv))
        .route("/s/{token}/runs/{run_id}/export.xml", get(export_junit))
        .route("/s/{token}/runs/{run_id}/export.json", get(export_json))
        .route(
            "/s/{token}/runs/{run_id}/attempts/{attempt_id}",
            get(attempt),
        )
        .route(
            "/s/{token}/runs/{run_id}/attempts/{attempt_id}/recording",
            get(recording),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::HeaderName::from_static("x-robots-tag"),
            HeaderValue::from_static("noindex, nofollow, noarchive"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-store"),
        ))
}

/// The live link with this token: 404 when unknown, 410 when expired or revoked.
async fn open(state: &AppState, token: &str) -> Result<ResolvedLink, AppError> {
    if token.len() > MAX_TOKEN_CHARS {
        return Err(AppError::NotFound);
    }
    let link = share_links::resolve(&state.db, &token::hash(token))
        .await?
        .ok_or(AppError::NotFound)?;
    if link.ended {
        return Err(AppError::Gone(
            "This share link has expired or was revoked. Ask whoever sent it for a new one.".into(),
        ));
    }
    Ok(link)
}

/// The run, if the link may show it: the linked run itself, or a run of the linked suite.
async fn visible_run(
    state: &AppState,
    link: &ResolvedLink,
    run_id: Uuid,
) -> Result<RunRow, AppError> {
    let run = runs::get(&state.db, link.team_id, run_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let allowed = match ShareKind::parse(&link.target_kind) {
        Some(ShareKind::Run) => run.id == link.target_id,
        Some(ShareKind::Suite) => run.suite_id == link.target_id,
        Some(ShareKind::SuiteTrend) | None => false,
    };
    if allowed {
        Ok(run)
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Template)]
#[template(path = "shared/run.html")]
struct SharedRunPage {
    layout: Layout,
    line: RunLine,
    live_html: String,
    suite_href: Option<String>,
}

async fn run_page(
    state: &AppState,
    token: &str,
    link: &ResolvedLink,
    run: RunRow,
    failures_only: bool,
) -> Result<Html<String>, AppError> {
    let base = format!("/s/{token}/runs/{}", run.id);
    let mut body = RunBody::load(&state.db, link.team_id, run, base, failures_only).await?;
    body.link_baseline = false;
    let line = body.line.clone();
    let live = LiveSection {
        body,
        csrf_token: String::new(),
        can_cancel: false,
    };
    let page = SharedRunPage {
        layout: Layout::bare(line.title()),
        live_html: live.render()?,
        suite_href: (link.target_kind == ShareKind::Suite.as_str()).then(|| format!("/s/{token}")),
        line,
    };
    Ok(Html(page.render()?))
}

#[derive(Template)]
#[template(path = "shared/suite.html")]
struct SharedSuitePage {
    layout: Layout,
    suite: Suite,
    runs: Vec<RunLine>,
    page: Page,
    token: String,
}

/// `GET /s/{token}`: the linked page.
async fn landing(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, AppError> {
    let link = open(&state, &token).await?;
    // One arm per kind of link.
    match ShareKind::parse(&link.target_kind) {
        Some(ShareKind::Run) => {
            let run = visible_run(&state, &link, link.target_id).await?;
            Ok(run_page(&state, &token, &link, run, false)
                .await?
                .into_response())
        }
        Some(ShareKind::Suite) => {
            let suite = suites::get(&state.db, link.team_id, link.target_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let page = Page::new(query.page.unwrap_or(1), RUNS_PER_PAGE);
            let mut rows = runs::page_for_suite(
                &state.db,
                link.team_id,
                suite.id,
                page.fetch_limit(),
                page.offset(),
            )
            .await?;
            let page = page.with_more(&mut rows);
            let view = SharedSuitePage {
                layout: Layout::bare(suite.name.clone()),
                suite,
                runs: rows.into_iter().map(RunLine::from).collect(),
                page,
                token,
            };
            Ok(Html(view.render()?).into_response())
        }
        Some(ShareKind::SuiteTrend) => {
            crate::web::trends::shared_suite_trend(&state, link.team_id, link.target_id)
                .await
                .map(IntoResponse::into_response)
        }
        None => Err(AppError::NotFound),
    }
}

/// `GET /s/{token}/runs/{run_id}`
async fn run(
    State(state): State<AppState>,
    Path((token, run_id)): Path<(String, Uuid)>,
    Query(query): Query<RunQuery>,
) -> Result<Html<String>, AppError> {
    let link = open(&state, &token).await?;
    let run = visible_run(&state, &link, run_id).await?;
    run_page(&state, &token, &link, run, query.failures_only()).await
}

/// `GET /s/{token}/runs/{run_id}/attempts/{attempt_id}`
async fn attempt(
    State(state): State<AppState>,
    Path((token, run_id, attempt_id)): Path<(String, Uuid, Uuid)>,
) -> Result<Html<String>, AppError> {
    let link = open(&state, &token).await?;
    let run = visible_run(&state, &link, run_id).await?;
    let base = format!("/s/{token}/runs/{run_id}");
    let layout = Layout::bare("Attempt");
    let html =
        attempt_page::render(&state, link.team_id, run, base, attempt_id, layout, true).await?;
    Ok(Html(html))
}

/// `GET /s/{token}/runs/{run_id}/attempts/{attempt_id}/recording`
async fn recording(
    State(state): State<AppState>,
    Path((token, run_id, attempt_id)): Path<(String, Uuid, Uuid)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let link = open(&state, &token).await?;
    visible_run(&state, &link, run_id).await?;
    attempt_page::recording(&state, link.team_id, run_id, attempt_id, &headers).await
}

async fn export(
    state: &AppState,
    token: &str,
    run_id: Uuid,
    format: Format,
) -> Result<Response, AppError> {
    let link = open(state, token).await?;
    let run = visible_run(state, &link, run_id).await?;
    exports::export(&state.db, link.team_id, run, format).await
}

async fn export_csv(
    State(state): State<AppState>,
    Path((token, run_id)): Path<(String, Uuid)>,
) -> Result<Response, AppError> {
    export(&state, &token, run_id, Format::Csv).await
}

async fn export_junit(
    State(state): State<AppState>,
    Path((token, run_id)): Path<(String, Uuid)>,
) -> Result<Response, AppError> {
    export(&state, &token, run_id, Format::Junit).await
}

async fn export_json(
    State(state): State<AppState>,
    Path((token, run_id)): Path<(String, Uuid)>,
) -> Result<Response, AppError> {
    export(&state, &token, run_id, Format::Json).await
}
