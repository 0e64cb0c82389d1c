//! Members' routes below a run: one attempt, its recording, and the run's exports.

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{Html, Response};
use tower_sessions::Session;
use uuid::Uuid;

use crate::db::runs::{self, RunRow};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::attempt_page;
use crate::web::auth::CurrentMember;
use crate::web::exports::{self, Format};
use crate::web::layout::Layout;

async fn run_of(
    state: &AppState,
    member: &CurrentMember,
    run_id: Uuid,
) -> Result<RunRow, AppError> {
    runs::get(&state.db, member.team_id, run_id)
        .await?
        .ok_or(AppError::NotFound)
}

/// `GET /runs/{run_id}/attempts/{attempt_id}`
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path((run_id, attempt_id)): Path<(Uuid, Uuid)>,
) -> Result<Html<String>, AppError> {
    let run = run_of(&state, &member, run_id).await?;
    let layout = Layout::for_member("Attempt", "runs", &member, &session).await;
    let base = format!("/runs/{run_id}");
    let html =
        attempt_page::render(&state, member.team_id, run, base, attempt_id, layout, false).await?;
    Ok(Html(html))
}

/// `GET /runs/{run_id}/attempts/{attempt_id}/recording`
pub async fn recording(
    State(state): State<AppState>,
    member: CurrentMember,
    Path((run_id, attempt_id)): Path<(Uuid, Uuid)>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    attempt_page::recording(&state, member.team_id, run_id, attempt_id, &headers).await
}

async fn export(
    state: &AppState,
    member: &CurrentMember,
    run_id: Uuid,
    format: Format,
) -> Result<Response, AppError> {
    let run = run_of(state, member, run_id).await?;
    exports::export(&state.db, member.team_id, run, format).await
}

/// `GET /runs/{id}/export.csv`
pub async fn export_csv(
    State(state): State<AppState>,
    member: CurrentMember,
    Path(run_id): Path<Uuid>,
) -> Result<Response, AppError> {
    export(&state, &member, run_id, Format::Csv).await
}

/// `GET /runs/{id}/export.xml`
pub async fn export_junit(
    State(state): State<AppState>,
    member: CurrentMember,
    Path(run_id): Path<Uuid>,
) -> Result<Response, AppError> {
    export(&state, &member, run_id, Format::Junit).await
}

/// `GET /runs/{id}/export.json`
pub async fn export_json(
    State(state): State<AppState>,
    member: CurrentMember,
    Path(run_id): Path<Uuid>,
) -> Result<Response, AppError> {
    export(&state, &member, run_id, Format::Json).await
}
