//! Shared application state. Handlers take only the parts they need through `FromRef`.

use std::sync::Arc;

use axum::extract::FromRef;
use sqlx::PgPool;
use url::Url;

/// Settings the web layer needs at request time.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// RevRing base URL the portal talks to.
    pub revring_base_url: Url,
    /// Whether cookies carry `Secure`.
    pub secure_cookies: bool,
}

/// Everything a request handler may need. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Database pool.
    pub db: PgPool,
    /// Runtime settings.
    pub settings: Arc<WebSettings>,
}

impl FromRef<AppState> for PgPool {
    fn from_ref(state: &AppState) -> Self {
        state.db.clone()
    }
}

impl FromRef<AppState> for Arc<WebSettings> {
    fn from_ref(state: &AppState) -> Self {
        state.settings.clone()
    }
}
