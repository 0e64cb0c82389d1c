//! The team's suites: the list (refreshed from RevRing on demand), one suite with its test
//! cases and runs, and the start-run form.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::audit::AuditAction;
use crate::db::suites::{self, CaseRow, Suite, SuiteSummary};
use crate::db::{api_keys, runs};
use crate::domain::trend::{format_rate, pass_rate};
use crate::sync::refresh::refresh_key;
use crate::sync::start::{StartOutcome, start_run_labelled};
use crate::web::kit::audited::record;
use crate::web::kit::error::AppError;
use crate::web::kit::extract::{Path, Query};
use crate::web::kit::labels;
use crate::web::kit::layout::{FlashKind, Layout, push_flash};
use crate::web::kit::member::CurrentMember;
use crate::web::kit::paging::{Page, PageQuery};
use crate::web::runs::line::RunLine;
use crate::web::schedules::{ScheduleLine, lines_for_suite};
use crate::web::suites::agents::{self, AgentNames};

/// Longest run name RevRing accepts.
pub(super) const MAX_RUN_NAME_CHARS: usize = 128;

/// Runs per page on a suite page.
const RUNS_PER_PAGE: i64 = 20;

#[derive(Template)]
#[template(path = "suites/index.html")]
struct SuitesPage {
    layout: Layout,
    suites: Vec<SuiteSummary>,
    has_keys: bool,
    agents: AgentNames,
}

impl SuitesPage {
    /// An agent's name, when RevRing gave it.
    fn agent(&self, id: &str) -> Option<&String> {
        self.agents.get(id)
    }

    fn pass_rate(&self, suite: &SuiteSummary) -> String {
        let rate = suite
            .last_passed
            .zip(suite.last_judged)
            .and_then(|(passed, judged)| pass_rate(passed, judged));
        format_rate(rate)
    }
}

/// `GET /suites`
pub(super) async fn index(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
) -> Result<Html<String>, AppError> {
    // Shared with every request that sees the same data (see `kit::page_data`).
    let read = async {
        let (keys, suites) = tokio::try_join!(
            api_keys::active_keys(&state.db, member.team_id),
            suites::list(&state.db, member.team_id),
        )?;
        Ok::<_, AppError>((keys, suites))
    };
    let (keys, suites) = state
        .page_data
        .get(member.team_id, &member.snapshot, "suites".into(), read)
        .await?;
    let agents = if suites.is_empty() {
        AgentNames::new()
    } else {
        let key_ids: Vec<Uuid> = keys.iter().map(|key| key.id).collect();
        agents::names(&state, member.team_id, &key_ids).await
    };
    let page = SuitesPage {
        suites,
        has_keys: !keys.is_empty(),
        agents,
        layout: Layout::for_member("Suites", "suites", &member, &session).await,
    };
    Ok(Html(page.render()?))
}

/// `POST /suites/refresh`: reloads suites, test cases and run history through every key.
pub(super) async fn refresh(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
) -> Result<Redirect, AppError> {
    member.require(Role::Member)?;
    let access = state.revring_access();
    let keys = api_keys::active_keys(&state.db, member.team_id).await?;
    let mut problems = Vec::new();
    let (mut suite_count, mut imported) = (0, 0);
    for key in &keys {
        match refresh_key(&access, member.team_id, key.id).await {
            Ok(report) => {
                suite_count += report.suites;
                imported += report.imported_runs;
            }
            Err(error) => problems.push(format!("{}: {error}", key.label)),
        }
    }
    if keys.is_empty() {
        push_flash(&session, FlashKind::Info, "Add a RevRing API key first.").await;
    } else if problems.is_empty() {
        let message =
            format!("Refreshed {suite_count} suites from RevRing; {imported} new runs found.");
        push_flash(&session, FlashKind::Success, message).await;
    } else {
        push_flash(
            &session,
            FlashKind::Error,
            format!("Refresh failed for {}", problems.join("; ")),
        )
        .await;
    }
    Ok(Redirect::to("/suites"))
}

#[derive(Template)]
#[template(path = "suites/show.html")]
struct SuitePage {
    layout: Layout,
    agents: AgentNames,
    suite: Suite,
    cases: Vec<CaseRow>,
    runs: Vec<RunLine>,
    page: Page,
    /// Query kept by the pager's links (none here).
    pager_query: String,
    form: StartForm,
    schedules: Vec<ScheduleLine>,
}

/// The start-run form as shown: a fresh one-time token, the name and labels typed, and any
/// refusal.
#[derive(Default)]
struct StartForm {
    token: Uuid,
    name: String,
    branch: String,
    commit: String,
    build_url: String,
    environment: String,
    tags: String,
    error: Option<String>,
}

async fn load(state: &AppState, member: &CurrentMember, suite_id: Uuid) -> Result<Suite, AppError> {
    suites::get(&state.db, member.team_id, suite_id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn render_suite(
    state: &AppState,
    session: &Session,
    member: &CurrentMember,
    suite: Suite,
    page_number: i64,
    form: StartForm,
) -> Result<String, AppError> {
    let page = Page::new(page_number, RUNS_PER_PAGE);
    // The runs and cases, shared with every request that sees the same data (see
    // `kit::page_data`); the start form and the schedules are read for each request.
    let read = async {
        let (rows, cases) = tokio::try_join!(
            runs::page_for_suite(
                &state.db,
                member.team_id,
                suite.id,
                page.fetch_limit(),
                page.offset(),
            ),
            suites::cases(&state.db, member.team_id, suite.id),
        )?;
        Ok::<_, AppError>((rows, cases))
    };
    let key = format!("suite page suite={} page={page_number}", suite.id);
    let (mut rows, cases) = state
        .page_data
        .get(member.team_id, &member.snapshot, key, read)
        .await?;
    let page = page.with_more(&mut rows);
    let agents = agents::names(state, member.team_id, &[suite.api_key_id]).await;
    let view = SuitePage {
        agents,
        layout: Layout::for_member(suite.name.clone(), "suites", member, session).await,
        cases,
        schedules: lines_for_suite(state, member.team_id, suite.id).await?,
        runs: rows.into_iter().map(RunLine::from).collect(),
        suite,
        page,
        pager_query: String::new(),
        form,
    };
    Ok(view.render()?)
}

/// `GET /suites/{id}`
pub(super) async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(suite_id): Path<Uuid>,
    Query(query): Query<PageQuery>,
) -> Result<Html<String>, AppError> {
    let suite = load(&state, &member, suite_id).await?;
    let form = StartForm {
        token: Uuid::new_v4(),
        ..StartForm::default()
    };
    let html = render_suite(
        &state,
        &session,
        &member,
        suite,
        query.page.unwrap_or(1),
        form,
    )
    .await?;
    Ok(Html(html))
}

/// The start-run form's fields.
#[derive(Debug, Deserialize)]
pub(super) struct StartRunForm {
    form_token: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    branch: String,
    #[serde(default)]
    commit: String,
    #[serde(default)]
    build_url: String,
    #[serde(default)]
    environment: String,
    #[serde(default)]
    tags: String,
}

/// `POST /suites/{id}/runs`: starts at most one run per form token.
pub(super) async fn start(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(suite_id): Path<Uuid>,
    Form(form): Form<StartRunForm>,
) -> Result<Response, AppError> {
    member.require(Role::Member)?;
    let suite = load(&state, &member, suite_id).await?;
    let name = form.name.trim().to_owned();
    let refuse = |error: String| StartForm {
        token: Uuid::new_v4(),
        name: name.clone(),
        branch: form.branch.clone(),
        commit: form.commit.clone(),
        build_url: form.build_url.clone(),
        environment: form.environment.clone(),
        tags: form.tags.clone(),
        error: Some(error),
    };
    let labels = labels::from_form(
        [
            ("branch", form.branch.as_str()),
            ("commit", form.commit.as_str()),
            ("build_url", form.build_url.as_str()),
            ("environment", form.environment.as_str()),
        ],
        &form.tags,
    );
    let problem = if name.chars().count() > MAX_RUN_NAME_CHARS {
        Some(format!(
            "A run name has at most {MAX_RUN_NAME_CHARS} characters."
        ))
    } else if let Err(problem) = &labels {
        Some(problem.clone())
    } else if suite.removed_at.is_some() {
        Some("This suite no longer exists in RevRing.".to_owned())
    } else {
        None
    };
    let token = Uuid::parse_str(&form.form_token).ok();
    let outcome = match (problem, token) {
        (Some(problem), _) => StartOutcome::Refused(problem),
        (None, None) => {
            StartOutcome::Refused("The form was damaged; please submit it again.".into())
        }
        (None, Some(token)) => {
            let name = (!name.is_empty()).then_some(name.as_str());
            let labels = serde_json::to_value(labels.unwrap_or_default()).unwrap_or_default();
            start_run_labelled(
                &state.revring_access(),
                &suite,
                Some(member.user_id),
                name,
                &labels,
                token,
            )
            .await?
        }
    };
    match outcome {
        StartOutcome::Started(run_id) => {
            record(
                &state.db,
                &member,
                AuditAction::RunStarted,
                &run_target(&suite, &name),
            )
            .await?;
            Ok(Redirect::to(&format!("/runs/{run_id}")).into_response())
        }
        StartOutcome::StillStarting => {
            push_flash(
                &session,
                FlashKind::Info,
                "That run is still being started; it will appear below in a moment.",
            )
            .await;
            Ok(Redirect::to(&format!("/suites/{suite_id}")).into_response())
        }
        StartOutcome::Refused(message) => {
            let html = render_suite(&state, &session, &member, suite, 1, refuse(message)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(html)).into_response())
        }
    }
}

fn run_target(suite: &Suite, name: &str) -> String {
    if name.is_empty() {
        format!("a run of suite “{}”", suite.name)
    } else {
        format!("run “{name}” of suite “{}”", suite.name)
    }
}
