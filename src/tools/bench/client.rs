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
    let session = response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|cookie| cookie.strip_prefix("ringside_session="))
        .and_then(|rest| rest.split(';').next())
        .context("signing in set no session cookie")?
        .parse::<Id>()
        .context("the session cookie holds no session id")?;
    Ok(SignedIn {
        client,
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
