//! What every page shares: the title, the navigation and the flash messages shown once.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use crate::auth::Role;
use crate::db::accounts::TeamChoice;
use crate::web::kit::assets;
use crate::web::kit::csrf;
use crate::web::kit::csrf_cookie::FormToken;
use crate::web::kit::member::{CurrentMember, CurrentUser};

/// Session key under which pending flash messages wait for the next page.
const FLASH_KEY: &str = "flash";

/// How a flash message is styled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    /// Something worked.
    Success,
    /// Something to know.
    Info,
    /// Something failed.
    Error,
}

impl FlashKind {
    /// CSS class suffix.
    pub fn css(&self) -> &'static str {
        match self {
            FlashKind::Success => "success",
            FlashKind::Info => "info",
            FlashKind::Error => "error",
        }
    }
}

/// A one-time message shown on the next page the user sees (after a redirect, typically).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// Style.
    pub kind: FlashKind,
    /// Text, shown escaped.
    pub message: String,
}

/// Queues a flash message for the next rendered page.
pub async fn push_flash(session: &Session, kind: FlashKind, message: impl Into<String>) {
    let mut pending: Vec<Flash> = session
        .get(FLASH_KEY)
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    pending.push(Flash {
        kind,
        message: message.into(),
    });
    if let Err(error) = session.insert(FLASH_KEY, pending).await {
        tracing::warn!(%error, "could not store a flash message");
    }
}

/// The signed-in user as the header shows them: name, current team, team switcher.
#[derive(Debug, Clone)]
pub struct AccountBar {
    /// Their name.
    pub display_name: String,
    /// Their email.
    pub email: String,
    /// The team they are working in, if any.
    pub current: Option<TeamChoice>,
    /// Every team they belong to.
    pub teams: Vec<TeamChoice>,
}

impl AccountBar {
    /// True for the team currently selected.
    pub fn is_current(&self, team: &TeamChoice) -> bool {
        self.current
            .as_ref()
            .is_some_and(|current| current.team_id == team.team_id)
    }
}

/// The parts of a page that live in `base.html`.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Page title (before " · Ringside").
    pub title: String,
    /// Navigation entry to highlight.
    pub active: &'static str,
    /// Messages to show once.
    pub flashes: Vec<Flash>,
    /// The session's CSRF token; every form carries it (`{% call m::csrf(layout) %}`).
    pub csrf_token: String,
    /// The signed-in user, when there is one.
    pub account: Option<AccountBar>,
    /// On pages opened through a share link: whose page it is and until when.
    pub share: Option<ShareNote>,
}

/// What a share link's viewer is told about the page: the team that shared it and when the link
/// stops working.
#[derive(Debug, Clone)]
pub struct ShareNote {
    /// The team's name.
    pub team_name: String,
    /// When the link expires (`None`: never).
    pub expires_at: Option<time::OffsetDateTime>,
}

impl Layout {
    /// A layout for a signed-in page, taking the session's pending flash messages and its CSRF
    /// token (created if missing: only for sessions that exist anyway).
    pub async fn new(title: impl Into<String>, active: &'static str, session: &Session) -> Self {
        let token = csrf::token(session).await;
        Self::with_token(title, active, session, token).await
    }

    /// A layout for a page anyone may open (sign-in, first start, invitations): its forms carry
    /// `form`'s token, so showing the page to a visitor without a session creates none.
    pub(crate) async fn open(title: impl Into<String>, session: &Session, form: FormToken) -> Self {
        Self::with_token(title, "", session, form.0).await
    }

    async fn with_token(
        title: impl Into<String>,
        active: &'static str,
        session: &Session,
        csrf_token: String,
    ) -> Self {
        // Removing marks the session changed (a write to the store), so only when there is
        // something to remove.
        let pending = session.get::<Vec<Flash>>(FLASH_KEY).await.ok().flatten();
        let flashes = match pending {
            Some(_) => session
                .remove::<Vec<Flash>>(FLASH_KEY)
                .await
                .ok()
                .flatten()
                .unwrap_or_default(),
            None => Vec::new(),
        };
        Self {
            title: title.into(),
            active,
            flashes,
            csrf_token,
            account: None,
            share: None,
        }
    }

    /// A layout for a signed-in member's page: user, current team, team switcher and the
    /// team's navigation.
    pub async fn for_member(
        title: impl Into<String>,
        active: &'static str,
        member: &CurrentMember,
        session: &Session,
    ) -> Self {
        let mut layout = Self::new(title, active, session).await;
        layout.account = Some(AccountBar {
            display_name: member.display_name.clone(),
            email: member.email.clone(),
            current: Some(TeamChoice {
                team_id: member.team_id,
                team_name: member.team_name.clone(),
                role: member.role,
            }),
            teams: member.teams.clone(),
        });
        layout
    }

    /// A layout for a signed-in user's page outside any team (their account page).
    pub async fn for_user(
        title: impl Into<String>,
        active: &'static str,
        user: &CurrentUser,
        session: &Session,
    ) -> Self {
        let mut layout = Self::new(title, active, session).await;
        // The team they work in keeps its navigation on the account page too.
        let current = crate::web::kit::member::current_team(session, &user.teams)
            .await
            .ok()
            .flatten();
        layout.account = Some(AccountBar {
            display_name: user.user.display_name.clone(),
            email: user.user.email.clone(),
            current,
            teams: user.teams.clone(),
        });
        layout
    }

    /// The layout of a page opened through `link`: no session data, a note naming the team and
    /// the link's expiry.
    pub fn shared(title: impl Into<String>, link: &crate::db::share_links::ResolvedLink) -> Self {
        Self {
            share: Some(ShareNote {
                team_name: link.team_name.clone(),
                expires_at: link.expires_at,
            }),
            ..Self::bare(title)
        }
    }

    /// A layout without session data (error pages, public pages).
    pub fn bare(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            ..Self::default()
        }
    }

    /// Cache-busting URL of a static asset.
    pub fn asset(&self, path: &str) -> String {
        assets::url(path)
    }

    /// CSS class for a navigation entry.
    pub fn nav_class(&self, entry: &str) -> &'static str {
        if self.active == entry { "active" } else { "" }
    }

    /// The current team, when the page belongs to one.
    pub fn team(&self) -> Option<&TeamChoice> {
        self.account.as_ref()?.current.as_ref()
    }

    /// True when the signed-in user's role in the current team is at least `role` (to hide
    /// controls they may not use; handlers check again).
    pub fn can(&self, role: Role) -> bool {
        self.team().is_some_and(|team| team.role >= role)
    }
}
