//! The run page, the same for members and share links. For members it updates itself through
//! server-sent events fed by Postgres `LISTEN/NOTIFY` (or by refreshing, without JavaScript),
//! and offers cancelling the run.

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, Redirect};
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::audit::AuditAction;
use crate::db::{audit, run_labels, runs};
use crate::sync::start::cancel_run;
use crate::web::kit::error::AppError;
use crate::web::kit::labels::{LabelView, views};
use crate::web::kit::layout::{FlashKind, Layout, push_flash};
use crate::web::kit::member::CurrentMember;
use crate::web::runs::access::RunAccess;
use crate::web::runs::body::RunBody;
use crate::web::runs::line::RunLine;

/// Interval of SSE keep-alive comments, so proxies do not close an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `?failures=1` on run pages: show only failed attempts.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RunQuery {
    /// `1` to show failed attempts only.
    pub failures: Option<String>,
}

impl RunQuery {
    /// Whether only failed attempts are wanted.
    pub(crate) fn failures_only(&self) -> bool {
        self.failures.as_deref() == Some("1")
    }
}

/// The part of the run page that changes while the run goes on.
#[derive(Template)]
#[template(path = "runs/live.html")]
pub(crate) struct LiveSection {
    pub(crate) body: RunBody,
    pub(crate) csrf_token: String,
    pub(crate) can_cancel: bool,
}

async fn live_section(
    state: &AppState,
    member: &CurrentMember,
    run_id: Uuid,
    failures_only: bool,
    csrf_token: String,
) -> Result<LiveSection, AppError> {
    let run = runs::get(&state.db, member.team_id, run_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let base = format!("/runs/{run_id}");
    Ok(LiveSection {
        body: RunBody::load(&state.db, member.team_id, run, base, failures_only).await?,
        can_cancel: member.role >= Role::Member,
        csrf_token,
    })
}

#[derive(Template)]
#[template(path = "runs/show.html")]
struct RunPage {
    layout: Layout,
    line: RunLine,
    live_html: String,
    /// Members follow the run over server-sent events; link holders' pages refresh.
    events_src: Option<String>,
    /// Whether a share link shows the page (read-only, `noindex`).
    shared: bool,
    /// For a link to a suite's history: that history page.
    suite_href: Option<String>,
    /// Whether the viewer may share the run.
    can_share: bool,
    /// The run's labels (branch, commit, build, …).
    labels: Vec<LabelView>,
}

/// `GET /runs/{run_id}` and its share-link twin: the run page.
pub(crate) async fn show(
    State(state): State<AppState>,
    access: RunAccess,
    Query(query): Query<RunQuery>,
) -> Result<Html<String>, AppError> {
    render(&state, access, query.failures_only()).await
}

/// The run page for whoever `access` says is looking.
pub(crate) async fn render(
    state: &AppState,
    access: RunAccess,
    failures_only: bool,
) -> Result<Html<String>, AppError> {
    let line = RunLine::from(access.run.clone());
    let layout = access.layout(line.title()).await;
    let mut body = RunBody::load(
        &state.db,
        access.team_id,
        access.run.clone(),
        access.base.clone(),
        failures_only,
    )
    .await?;
    body.link_baseline = !access.is_link();
    let live = LiveSection {
        body,
        csrf_token: layout.csrf_token.clone(),
        can_cancel: access.can_change(),
    };
    let filter = if failures_only { "?failures=1" } else { "" };
    let page = RunPage {
        live_html: live.render()?,
        events_src: (!access.is_link()).then(|| format!("{}/events{filter}", access.base)),
        shared: access.is_link(),
        suite_href: access.shared_suite_href(),
        can_share: access.can_change(),
        labels: views(&run_labels::labels_of(&state.db, access.team_id, access.run.id).await?),
        line,
        layout,
    };
    Ok(Html(page.render()?))
}

/// State of one SSE stream.
struct Watch {
    state: AppState,
    member: CurrentMember,
    run_id: Uuid,
    failures_only: bool,
    csrf_token: String,
    updates: tokio::sync::broadcast::Receiver<Uuid>,
    first: bool,
    done: bool,
}

impl Watch {
    /// Waits for the next update of this run; false when updates ended.
    async fn next_update(&mut self) -> bool {
        loop {
            match self.updates.recv().await {
                Ok(id) if id == self.run_id => return true,
                Ok(_) => continue,
                // Missed some: re-reading the run catches up.
                Err(RecvError::Lagged(_)) => return true,
                Err(RecvError::Closed) => return false,
            }
        }
    }

    async fn event(&mut self) -> Event {
        match live_section(
            &self.state,
            &self.member,
            self.run_id,
            self.failures_only,
            self.csrf_token.clone(),
        )
        .await
        {
            Ok(section) => {
                self.done = !section.body.line.run.polling;
                let kind = if self.done { "done" } else { "update" };
                Event::default()
                    .event(kind)
                    .data(section.render().unwrap_or_default())
            }
            Err(_) => {
                self.done = true;
                Event::default().event("gone").data("")
            }
        }
    }
}

/// `GET /runs/{id}/events`: the live section now, again after every update of the run (from
/// any Ringside process), and a final `done` event once the run is no longer polled.
pub(crate) async fn events(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(run_id): Path<Uuid>,
    Query(query): Query<RunQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    runs::get(&state.db, member.team_id, run_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let watch = Watch {
        updates: state.run_updates.subscribe(),
        csrf_token: crate::web::kit::csrf::token(&session).await,
        state,
        member,
        run_id,
        failures_only: query.failures_only(),
        first: true,
        done: false,
    };
    let stream = stream::unfold(watch, |mut watch| async move {
        if watch.done {
            return None;
        }
        if !watch.first {
            let stopping = watch.state.stopping.clone();
            tokio::select! {
                updated = watch.next_update() => if !updated { return None },
                // A stopping server ends the stream; the page reconnects to a running one.
                () = stopping.wait() => return None,
            }
        }
        watch.first = false;
        let event = watch.event().await;
        Some((Ok(event), watch))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// `POST /runs/{id}/cancel`
pub(crate) async fn cancel(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(run_id): Path<Uuid>,
) -> Result<Redirect, AppError> {
    member.require(Role::Member)?;
    let run = runs::get(&state.db, member.team_id, run_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let title = RunLine::from(run).title();
    match cancel_run(&state.revring_access(), member.team_id, run_id).await? {
        Ok(()) => {
            audit::audit(
                &state.db,
                member.team_id,
                Some(member.user_id),
                AuditAction::RunCancelled,
                &title,
            )
            .await?;
            push_flash(
                &session,
                FlashKind::Success,
                "Cancelled. Attempts already finished keep their verdicts.",
            )
            .await;
        }
        Err(message) => push_flash(&session, FlashKind::Error, message).await,
    }
    Ok(Redirect::to(&format!("/runs/{run_id}")))
}
