//! The bench's signed-in visitor: a cookie-keeping HTTP client, and the session it holds so the
//! bare SQL can load it the way each page request does.

use anyhow::{Context, bail};
use secrecy::{ExposeSecret, SecretString};
use sqlx::PgPool;
use tower_sessions::session::Id;
use tower_sessions_sqlx_store::PostgresStore;

/// The signed-in visitor's session, to load it the way each page request does.
pub(super) struct SignedIn {
    pub(super) client: reqwest::Client,
    /// The session cookie as a `Cookie` header sends it, for clients without a cookie store.
    pub(super) cookie: String,
    pub(super) store: PostgresStore,
    pub(super) session: Id,
}

/// Signs in at `base` through the login form.
pub(super) async fn sign_in(
    db: &PgPool,
    base: &str,
    email: &str,
    password: &SecretString,
) -> anyhow::Result<SignedIn> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await?
        .text()
        .await?;
    let marker = "name=\"csrf_token\" value=\"";
    let start = page
        .find(marker)
        .context("the login page has no CSRF token")?
        + marker.len();
    let token: String = page[start..].chars().take_while(|c| *c != '"').collect();
    let response = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", email),
            ("password", password.expose_secret()),
            ("csrf_token", &token),
        ])
        .send()
        .await?;
    if response.status() != reqwest::StatusCode::SEE_OTHER {
        bail!("signing in as {email} failed ({})", response.status());
    }
    let value = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|cookie| cookie.strip_prefix("ringside_session="))
        .and_then(|rest| rest.split(';').next())
        .context("signing in set no session cookie")?;
    let session = value
        .parse::<Id>()
        .context("the session cookie holds no session id")?;
    Ok(SignedIn {
        client,
        cookie: format!("ringside_session={value}"),
        store: PostgresStore::new(db.clone()),
        session,
    })
}

/// Fetches `url` whole, with `token` as the bearer when given; an answer other than 2xx is an
/// error.
pub(super) async fn fetch(
    client: &reqwest::Client,
    url: &str,
    token: Option<&SecretString>,
) -> anyhow::Result<()> {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token.expose_secret());
    }
    let response = request.send().await?;
    if !response.status().is_success() {
        bail!("GET {url} answered {}", response.status());
    }
    response.bytes().await?;
    Ok(())
}

/// A client of its own for one of the load's visitors: one connection, the session cookie sent
/// as a header (no shared pool or cookie store for 200 visitors to queue on, as browsers have
/// none between them).
pub(super) fn visitor(signed_in: &SignedIn) -> anyhow::Result<reqwest::Client> {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert(reqwest::header::COOKIE, signed_in.cookie.parse()?);
    Ok(reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(1)
        .build()?)
}
