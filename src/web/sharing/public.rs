//! `/s/{token}`: what a share link shows to anyone, signed in or not, and nothing else of the
//! team. A run link shows that run, its attempts and their recordings; a suite link shows the
//! suite's run history and those runs. Ended links answer 410. Every response is `noindex`
//! and sends no referrer (the path holds the token); no session is read or created.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::set_header::SetResponseHeaderLayer;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::token;
use crate::db::runs::{self, RunRow};
use crate::db::share_links::{self, ResolvedLink};
use crate::db::suites::{self, Suite};
use crate::web::kit::error::AppError;
use crate::web::kit::extract::{Path, Query};
use crate::web::kit::layout::Layout;
use crate::web::kit::paging::Page;
use crate::web::kit::paging::PageQuery;
use crate::web::runs::access::RunAccess;
use crate::web::runs::line::RunLine;
use crate::web::runs::live;
use crate::web::sharing::links::ShareKind;

/// Runs per page of a shared suite history.
const RUNS_PER_PAGE: i64 = 25;

/// Longest token looked up; real ones have 43 characters.
const MAX_TOKEN_CHARS: usize = 128;

/// The share-link routes, with their response headers and a rate limit per client address
/// (see [`super::throttle`]). A run's pages below a link are the members' handlers (see
/// [`crate::web::runs::access`]).
pub(crate) fn routes() -> Router<AppState> {
    let limiter = super::throttle::Limiter::default();
    Router::new()
        .route("/s/{token}", get(landing))
        .merge(crate::web::runs::run_pages("/s/{token}/runs/{run_id}"))
        .layer(axum::middleware::from_fn(move |request, next| {
            limiter.clone().limit(request, next)
        }))
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
pub(crate) async fn open(state: &AppState, token: &str) -> Result<ResolvedLink, AppError> {
    if token.len() > MAX_TOKEN_CHARS {
        return Err(AppError::NotFound);
    }
    let max_days = state
        .settings
        .share_max_days
        .and_then(|days| i32::try_from(days).ok());
    let link = share_links::resolve(&state.db, &token::hash(token), max_days)
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
pub(crate) async fn visible_run(
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
#[template(path = "sharing/suite.html")]
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
            let run_id = link.target_id;
            let access = RunAccess::for_link(&state, &token, link, run_id).await?;
            Ok(live::render(&state, access, &Default::default())
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
                layout: Layout::shared(suite.name.clone(), &link),
                suite,
                runs: rows.into_iter().map(RunLine::from).collect(),
                page,
                token,
            };
            Ok(Html(view.render()?).into_response())
        }
        Some(ShareKind::SuiteTrend) => {
            crate::web::trends::suite::shared_suite_trend_for(&state, &link)
                .await
                .map(IntoResponse::into_response)
        }
        None => Err(AppError::NotFound),
    }
}
