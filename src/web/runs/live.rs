//! The run page, the same for members and share links. For members it updates itself through
//! server-sent events fed by Postgres `LISTEN/NOTIFY` (or by refreshing, without JavaScript),
//! and offers cancelling the run.

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use futures_util::StreamExt;
use futures_util::stream::{self, Stream};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::audit::AuditAction;
use crate::db::{run_labels, runs};
use crate::sync::live::RunUpdate;
use crate::sync::snapshots::Snapshot;
use crate::sync::start::cancel_run;
use crate::web::kit::audited::record;
use crate::web::kit::confirm::{self, Question};
use crate::web::kit::error::AppError;
use crate::web::kit::extract::{Path, Query};
use crate::web::kit::labels::{LabelView, views};
use crate::web::kit::layout::{FlashKind, Layout, push_flash};
use crate::web::kit::member::{CurrentMember, still_member};
use crate::web::runs::access::RunAccess;
use crate::web::runs::body::RunBody;
use crate::web::runs::line::RunLine;
use crate::web::runs::live_cache::{self, SectionKey};

/// Interval of SSE keep-alive comments, so proxies do not close an idle stream.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// `?failures=1` on run pages: show only failed attempts.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct RunQuery {
    /// `1` to show failed attempts only.
    pub failures: Option<String>,
    /// `judged` to count the judge's verdicts alone (default: reviews included).
    pub verdicts: Option<String>,
}

impl RunQuery {
    /// Whether only failed attempts are wanted.
    pub(crate) fn failures_only(&self) -> bool {
        self.failures.as_deref() == Some("1")
    }

    /// Whether the judge's verdicts alone are counted.
    pub(crate) fn judged_only(&self) -> bool {
        self.verdicts.as_deref() == Some("judged")
    }

    /// The query string that keeps these choices (`?failures=1&verdicts=judged`, or empty).
    fn suffix(&self) -> String {
        let mut parts = Vec::new();
        if self.failures_only() {
            parts.push("failures=1");
        }
        if self.judged_only() {
            parts.push("verdicts=judged");
        }
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
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
    render(&state, access, &query).await
}

/// The run page for whoever `access` says is looking.
pub(crate) async fn render(
    state: &AppState,
    access: RunAccess,
    query: &RunQuery,
) -> Result<Html<String>, AppError> {
    let line = RunLine::from(access.run.clone());
    let layout = access.layout(line.title()).await;
    // Shared with every request that sees the same data (see `kit::page_data`).
    let (failures_only, judged_only) = (query.failures_only(), query.judged_only());
    let read = async {
        let db = &state.db;
        Ok(tokio::try_join!(
            RunBody::load(
                db,
                access.team_id,
                access.run.clone(),
                access.base.clone(),
                failures_only,
                judged_only,
            ),
            run_labels::labels_of(db, access.team_id, access.run.id),
        )?)
    };
    let page = format!(
        "run page {} base={} failures_only={failures_only} judged_only={judged_only}",
        access.run.id, access.base
    );
    let (mut body, labels) = state
        .page_data
        .get(access.team_id, &access.snapshot, page, read)
        .await?;
    body.link_baseline = !access.is_link();
    body.shared = access.is_link();
    body.can_review = access.can_change();
    let live = LiveSection {
        body,
        csrf_token: layout.csrf_token.clone(),
        can_cancel: access.can_change(),
    };
    let filter = query.suffix();
    let page = RunPage {
        live_html: live.render()?,
        events_src: (!access.is_link()).then(|| format!("{}/events{filter}", access.base)),
        shared: access.is_link(),
        suite_href: access.shared_suite_href(),
        can_share: access.can_change(),
        labels: views(&labels),
        line,
        layout,
    };
    Ok(Html(page.render()?))
}

/// State of one SSE stream.
struct Watch {
    state: AppState,
    /// The viewer's session, re-checked before every event.
    session: Session,
    /// The viewer, whose membership is re-checked before every event.
    user_id: Uuid,
    key: SectionKey,
    csrf_token: String,
    updates: tokio::sync::broadcast::Receiver<RunUpdate>,
    /// The update the next event must be at least as fresh as.
    seq: u64,
    first: bool,
    done: bool,
}

impl Watch {
    /// Waits for the next update of this run; false when updates ended.
    async fn next_update(&mut self) -> bool {
        loop {
            match self.updates.recv().await {
                Ok(update) if update.run_id == self.key.run_id => {
                    self.seq = update.seq;
                    return true;
                }
                Ok(_) => continue,
                // Missed some: re-reading the run catches up.
                Err(RecvError::Lagged(_)) => {
                    self.seq = self.state.run_updates.latest();
                    return true;
                }
                Err(RecvError::Closed) => return false,
            }
        }
    }

    /// The live section as of the latest update, shared with every stream of the run.
    async fn event(&mut self) -> Event {
        // Removed from the team or signed out everywhere since the stream opened: it ends.
        if !still_member(&self.session, &self.state.db, self.key.team_id).await {
            tracing::info!(user_id = %self.user_id, "event stream ended: access gone");
            self.done = true;
            return Event::default().event("gone").data("");
        }
        let (db, key) = (&self.state.db, self.key);
        let snapshot = self
            .state
            .run_updates
            .snapshots()
            .get(key.run_id, key.variant(), self.seq, || {
                live_cache::load(db, key)
            })
            .await;
        match snapshot {
            Snapshot::Ready { html, done } => {
                self.done = done;
                let kind = if done { "done" } else { "update" };
                Event::default()
                    .event(kind)
                    .data(html.replace(live_cache::token_slot(), &self.csrf_token))
            }
            Snapshot::Gone => {
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
    let key = SectionKey {
        team_id: member.team_id,
        run_id,
        failures_only: query.failures_only(),
        can_cancel: member.role >= Role::Member,
        judged_only: query.judged_only(),
    };
    let watch = Watch {
        updates: state.run_updates.subscribe(),
        seq: state.run_updates.latest(),
        csrf_token: crate::web::kit::csrf::token(&session).await,
        user_id: member.user_id,
        session,
        state,
        key,
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
    let open = crate::web::kit::metrics::OpenStream::new();
    let stream = stream.map(move |event| {
        let _open = &open;
        event
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(KEEP_ALIVE)))
}

/// `GET /runs/{id}/cancel`: asks before cancelling a run that is still going.
pub(crate) async fn confirm_cancel(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(run_id): Path<Uuid>,
) -> Result<Response, AppError> {
    member.require(Role::Member)?;
    let run = runs::get(&state.db, member.team_id, run_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let line = RunLine::from(run);
    if !line.is_active() {
        return Ok(Redirect::to(&format!("/runs/{run_id}")).into_response());
    }
    let question = Question {
        question: format!("Cancel the run “{}”?", line.title()),
        detail: "RevRing stops placing its calls. Attempts already judged keep their verdicts;                  the others are not run. A cancelled run cannot be resumed."
            .into(),
        action: format!("/runs/{run_id}/cancel"),
        button: "Cancel run",
        back: format!("/runs/{run_id}"),
    };
    Ok(confirm::page(&member, &session, "runs", question)
        .await?
        .into_response())
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
            record(
                &state.db,
                &member,
                AuditAction::RunCancelled,
                &format!("run “{title}”"),
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
