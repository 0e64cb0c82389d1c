//! Shared application state. Handlers take only the parts they need through `FromRef`.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use axum::extract::FromRef;
use sqlx::PgPool;
use url::Url;

use crate::crypto::MasterKey;
use crate::revring::RevRing;
use crate::sync::RevRingAccess;

/// Settings the web layer needs at request time.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// RevRing base URL the portal talks to.
    pub revring_base_url: Url,
    /// Whether cookies carry `Secure`.
    pub secure_cookies: bool,
    /// Public URL of the portal, for absolute links (invitations) and the CSRF origin check.
    pub public_url: Option<Url>,
    /// Proxies whose forwarding headers name the client's address (`RINGSIDE_TRUSTED_PROXIES`).
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The one-time token first-start setup asks for when the portal listens beyond loopback
    /// (printed in the log at start); `None` on loopback.
    pub setup_token: Option<secrecy::SecretString>,
    /// The longest a share link may work, in days (`RINGSIDE_SHARE_MAX_DAYS`); `None`: no cap.
    pub share_max_days: Option<u32>,
    /// The bearer token `/metrics` asks for; without one the portal serves no metrics
    /// (a separate metrics address may, see `RINGSIDE_METRICS_BIND`).
    pub metrics_token: Option<secrecy::SecretString>,
}

/// Everything a request handler may need. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// Database pool.
    pub db: PgPool,
    /// Runtime settings.
    pub settings: Arc<WebSettings>,
    /// Encrypts and decrypts stored RevRing API keys.
    pub master_key: Arc<MasterKey>,
    /// The RevRing API (or the simulator); `revring.client(key)` acts with one key.
    pub revring: RevRing,
    /// Resolves long-lived responses when the server stops.
    pub stopping: crate::app::shutdown::Stopping,
    /// Run updates from any process, for live pages.
    pub run_updates: crate::sync::live::RunUpdates,
    /// Set once an account exists: the first-start setup page is then gone for good.
    pub setup_done: Arc<AtomicBool>,
    /// How alerts are delivered (private targets, SMTP, links).
    pub delivery: Arc<crate::sync::deliver::DeliverySettings>,
    /// What the heavy daily pages read, shared by requests that see the same data.
    pub page_data: crate::web::kit::page_data::PageData,
    /// The suite trend's charts, kept while their runs stay the same.
    pub chart_memo: crate::web::trends::drawn::ChartMemo,
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

impl AppState {
    /// The sync engine's view of this process's RevRing access.
    pub fn revring_access(&self) -> RevRingAccess {
        RevRingAccess {
            db: self.db.clone(),
            master_key: self.master_key.clone(),
            revring: self.revring.clone(),
        }
    }

    /// A delivery worker for this process (the "send test" buttons use it directly).
    pub fn deliverer(&self, owner: impl Into<String>) -> crate::sync::deliver::Deliverer {
        crate::sync::deliver::Deliverer::new(
            self.db.clone(),
            self.master_key.clone(),
            self.delivery.clone(),
            owner,
        )
    }
}
