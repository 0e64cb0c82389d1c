//! Signing up, signing in and submitting forms like a browser: a `Visitor` keeps its own
//! cookies and adds the CSRF token to every form it posts.

use reqwest::{Response, StatusCode};
use ringside::auth::{Role, password};
use ringside::db::accounts;
use secrecy::SecretString;
use sqlx::PgPool;
use uuid::Uuid;

use super::app::{TestApp, new_client};

/// The first admin's email in tests.
pub(crate) const ADMIN_EMAIL: &str = "ada@example.com";
/// Every test account's password.
pub(crate) const PASSWORD: &str = "correct horse battery";

/// One browser: its own cookie jar.
pub(crate) struct Visitor {
    base: String,
    /// Its client (cookies kept, redirects not followed).
    pub client: reqwest::Client,
}

/// The value of the first `csrf_token` field in a page.
pub(crate) fn csrf_in(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    Some(html[start..].chars().take_while(|c| *c != '"').collect())
}

/// Where a redirect points.
pub(crate) fn location(response: &Response) -> String {
    response.headers()[reqwest::header::LOCATION]
        .to_str()
        .unwrap()
        .to_owned()
}

impl Visitor {
    /// A new visitor of `app` with an empty cookie jar.
    pub(crate) fn new(app: &TestApp) -> Self {
        Self {
            base: app.url(""),
            client: new_client(),
        }
    }

    /// A new visitor of the portal at `base` (`http://host:port`), e.g. a child process.
    pub(crate) fn at(base: String) -> Self {
        Self {
            base,
            client: new_client(),
        }
    }

    /// `GET path`.
    pub(crate) async fn get(&self, path: &str) -> Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap()
    }

    /// `GET path`, expecting 200, as text.
    pub(crate) async fn page(&self, path: &str) -> String {
        let response = self.get(path).await;
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.text().await.unwrap()
    }

    /// The session's CSRF token, read from a page that shows forms.
    pub(crate) async fn csrf(&self) -> String {
        for path in ["/account", "/login", "/setup"] {
            let response = self.get(path).await;
            if response.status() == StatusCode::OK
                && let Some(token) = csrf_in(&response.text().await.unwrap())
            {
                return token;
            }
        }
        panic!("no page with a CSRF token");
    }

    /// Posts a form exactly as given (no token added).
    pub(crate) async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    /// Posts a form with the session's CSRF token, as the page's form would.
    pub(crate) async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf().await;
        let mut all = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(path, &all).await
    }

    /// Signs in; returns the response (a redirect on success).
    pub(crate) async fn login(&self, email: &str, password: &str) -> Response {
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }

    /// The session cookie's value.
    pub(crate) fn session_cookie(response: &Response) -> Option<String> {
        response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find_map(|cookie| cookie.strip_prefix("ringside_session="))
            .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
    }
}

/// Runs first-start setup: team `team`, admin `ADMIN_EMAIL`; returns the signed-in admin and
/// the team's id.
pub(crate) async fn setup(app: &TestApp, team: &str) -> (Visitor, Uuid) {
    let admin = Visitor::new(app);
    let response = admin
        .post(
            "/setup",
            &[
                ("team_name", team),
                ("display_name", "Ada Admin"),
                ("email", ADMIN_EMAIL),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "setup succeeded");
    let team_id = sqlx::query_scalar("SELECT id FROM teams WHERE name = $1")
        .bind(team)
        .fetch_one(&app.db)
        .await
        .unwrap();
    (admin, team_id)
}

/// Creates a team directly in the database.
pub(crate) async fn create_team(db: &PgPool, name: &str) -> Uuid {
    sqlx::query_scalar("INSERT INTO teams (name) VALUES ($1) RETURNING id")
        .bind(name)
        .fetch_one(db)
        .await
        .unwrap()
}

/// Creates an account with `PASSWORD` in `team` with `role`, directly in the database.
pub(crate) async fn create_member(db: &PgPool, email: &str, team: Uuid, role: Role) -> Uuid {
    let hash = password::hash(SecretString::from(PASSWORD.to_owned()))
        .await
        .unwrap();
    let user = accounts::insert_user(db, email, email.split('@').next().unwrap(), &hash)
        .await
        .unwrap();
    accounts::add_member(db, team, user, role).await.unwrap();
    user
}

/// A signed-in visitor for a new account in `team` with `role`.
pub(crate) async fn member(app: &TestApp, email: &str, team: Uuid, role: Role) -> (Visitor, Uuid) {
    let user = create_member(&app.db, email, team, role).await;
    let visitor = Visitor::new(app);
    let response = visitor.login(email, PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "{email} signed in"
    );
    (visitor, user)
}
