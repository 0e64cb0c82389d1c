//! What every page shares: the title, the navigation and the flash messages shown once.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::assets;

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

/// The parts of a page that live in `base.html`.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    /// Page title (before " · Ringside").
    pub title: String,
    /// Navigation entry to highlight.
    pub active: &'static str,
    /// Messages to show once.
    pub flashes: Vec<Flash>,
}

impl Layout {
    /// A layout for a page, taking the session's pending flash messages.
    pub async fn new(title: impl Into<String>, active: &'static str, session: &Session) -> Self {
        let flashes = session
            .remove::<Vec<Flash>>(FLASH_KEY)
            .await
            .ok()
            .flatten()
            .unwrap_or_default();
        Self {
            title: title.into(),
            active,
            flashes,
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
}
