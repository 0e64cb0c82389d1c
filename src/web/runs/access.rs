//! Who may see a run, and as whom. One extractor serves both `/runs/{run_id}/…` (a member of
//! the run's team) and `/s/{token}/runs/{run_id}/…` (the holder of a share link that shows the
//! run), so every run page, export and recording handler exists once.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::runs::{self, RunRow};
use crate::db::share_links::ResolvedLink;
use crate::web::kit::error::AppError;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;
use crate::web::sharing::links::ShareKind;
use crate::web::sharing::public;

/// The viewer of a run's pages.
pub(crate) enum Viewer {
    /// A member of the run's team, with their session (for flash messages and CSRF tokens).
    Member(Box<CurrentMember>, Session),
    /// Anyone holding a share link that shows the run.
    Link {
        /// The link.
        link: ResolvedLink,
        /// Its token, as in the path.
        token: String,
    },
}

/// A run the viewer may see, with where its pages live for them.
pub(crate) struct RunAccess {
    /// The run.
    pub(crate) run: RunRow,
    /// Its team.
    pub(crate) team_id: Uuid,
    /// The run page's path for this viewer: `/runs/{id}` or `/s/{token}/runs/{id}`.
    pub(crate) base: String,
    /// Who is looking.
    pub(crate) viewer: Viewer,
    /// The database snapshot the viewer's sign-in check or share link was read in: the key of
    /// the run pages' shared reads (`kit::page_data`).
    pub(crate) snapshot: String,
}

#[derive(Deserialize)]
struct RunPath {
    token: Option<String>,
    run_id: String,
}

impl RunAccess {
    /// The run as a share link shows it (404 when the link does not cover it).
    pub(crate) async fn for_link(
        state: &AppState,
        token: &str,
        link: ResolvedLink,
        run_id: Uuid,
    ) -> Result<Self, AppError> {
        let run = public::visible_run(state, &link, run_id).await?;
        Ok(Self {
            team_id: link.team_id,
            base: format!("/s/{token}/runs/{}", run.id),
            snapshot: link.snapshot.clone(),
            run,
            viewer: Viewer::Link {
                link,
                token: token.to_owned(),
            },
        })
    }

    /// Whether the viewer holds a share link (and so sees no member-only links).
    pub(crate) fn is_link(&self) -> bool {
        matches!(self.viewer, Viewer::Link { .. })
    }

    /// The member looking, if it is one.
    pub(crate) fn member(&self) -> Option<&CurrentMember> {
        match &self.viewer {
            Viewer::Member(member, _) => Some(member),
            Viewer::Link { .. } => None,
        }
    }

    /// For a link to a suite's history: that history page, to lead back to.
    pub(crate) fn shared_suite_href(&self) -> Option<String> {
        match &self.viewer {
            Viewer::Link { link, token } if link.target_kind == ShareKind::Suite.as_str() => {
                Some(format!("/s/{token}"))
            }
            _ => None,
        }
    }

    /// Whether the viewer may change the run (cancel it, share it).
    pub(crate) fn can_change(&self) -> bool {
        self.member()
            .is_some_and(|member| member.role >= Role::Member)
    }

    /// The page layout for this viewer: the member's navigation, or the bare shared layout.
    pub(crate) async fn layout(&self, title: impl Into<String>) -> Layout {
        match &self.viewer {
            Viewer::Member(member, session) => {
                let mut layout = Layout::for_member("", "runs", member, session).await;
                layout.title = title.into();
                layout
            }
            Viewer::Link { link, .. } => Layout::shared(title, link),
        }
    }
}

impl FromRequestParts<AppState> for RunAccess {
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let Path(path) = Path::<RunPath>::from_request_parts(parts, state)
            .await
            .map_err(|_| AppError::NotFound.into_response())?;
        // A malformed id names no run: 404, like an unknown one.
        let run_id =
            Uuid::parse_str(&path.run_id).map_err(|_| AppError::NotFound.into_response())?;
        if let Some(token) = path.token {
            let link = public::open(state, &token)
                .await
                .map_err(IntoResponse::into_response)?;
            return Self::for_link(state, &token, link, run_id)
                .await
                .map_err(IntoResponse::into_response);
        }
        let member = CurrentMember::from_request_parts(parts, state).await?;
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        // Shared with every request that sees the same data (see `kit::page_data`).
        let team_id = member.team_id;
        let read = async { Ok(runs::get(&state.db, team_id, run_id).await?) };
        let page = format!("run {run_id}");
        let run = state
            .page_data
            .get(team_id, &member.snapshot, page, read)
            .await
            .map_err(IntoResponse::into_response)?
            .ok_or_else(|| AppError::NotFound.into_response())?;
        Ok(Self {
            team_id,
            base: format!("/runs/{run_id}"),
            snapshot: member.snapshot.clone(),
            run,
            viewer: Viewer::Member(Box::new(member), session),
        })
    }
}
