//! The team's API tokens (admins): created with a name, a scope and an optional expiry, shown
//! once, then listed only by name, prefix, scope, creator, last use and expiry; revoked at once.
//! Every create and revoke is audited.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::OffsetDateTime;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::{Role, Scope, token};
use crate::db::api_tokens::{self, NewToken, TokenRow};
use crate::db::audit::{AuditAction, audit};
use crate::web::kit::error::AppError;
use crate::web::kit::forms::FieldErrors;
use crate::web::kit::layout::{FlashKind, Layout, push_flash};
use crate::web::kit::member::CurrentMember;

/// Longest token name.
pub(crate) const MAX_TOKEN_NAME_CHARS: usize = 80;

/// Expiry choices on the form: value, words, days (None: never).
pub(crate) const EXPIRY_CHOICES: [(&str, &str, Option<i64>); 5] = [
    ("30d", "in 30 days", Some(30)),
    ("90d", "in 90 days", Some(90)),
    ("180d", "in 180 days", Some(180)),
    ("365d", "in a year", Some(365)),
    ("never", "never", None),
];

/// The create form.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct CreateForm {
    name: String,
    scope: String,
    expires: String,
}

#[derive(Template)]
#[template(path = "accounts/tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<TokenRow>,
    name: String,
    scope: Scope,
    expires: String,
    errors: FieldErrors,
    /// The token just created, shown this once.
    created: Option<(String, String)>,
}

impl TokensPage {
    fn scope_words(&self, scope: impl std::borrow::Borrow<Scope>) -> &'static str {
        scope_words(*scope.borrow())
    }

    fn status(&self, token: &TokenRow) -> (&'static str, &'static str) {
        if token.revoked_at.is_some() {
            ("Revoked", "badge-cancelled")
        } else if token
            .expires_at
            .is_some_and(|at| at <= OffsetDateTime::now_utc())
        {
            ("Expired", "badge-cancelled")
        } else {
            ("Active", "badge-pass")
        }
    }
}

/// How a scope reads on the page.
pub(crate) fn scope_words(scope: Scope) -> &'static str {
    match scope {
        Scope::Read => "Read: suites, runs, results",
        Scope::Run => "Run: also start and cancel runs",
        Scope::Admin => "Admin: everything",
    }
}

/// What is wrong with a token name, if anything.
pub(crate) fn token_name_problem(name: &str) -> Option<String> {
    if name.is_empty() {
        Some("Enter a name, like “GitHub Actions”.".into())
    } else if name.chars().count() > MAX_TOKEN_NAME_CHARS {
        Some(format!(
            "A token name has at most {MAX_TOKEN_NAME_CHARS} characters."
        ))
    } else if name.chars().any(char::is_control) {
        Some("A token name is one line of text.".into())
    } else {
        None
    }
}

async fn render(
    state: &AppState,
    session: &Session,
    member: &CurrentMember,
    status: StatusCode,
    form: (String, Scope, String),
    errors: FieldErrors,
    created: Option<(String, String)>,
) -> Result<Response, AppError> {
    let (name, scope, expires) = form;
    let page = TokensPage {
        layout: Layout::for_member("API tokens", "keys", member, session).await,
        tokens: api_tokens::list(&state.db, member.team_id).await?,
        name,
        scope,
        expires,
        errors,
        created,
    };
    Ok((status, Html(page.render()?)).into_response())
}

/// `GET /tokens` (admins)
pub(super) async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
) -> Result<Response, AppError> {
    member.require(Role::Admin)?;
    let form = (String::new(), Scope::Run, "90d".to_owned());
    render(
        &state,
        &session,
        &member,
        StatusCode::OK,
        form,
        FieldErrors::new(),
        None,
    )
    .await
}

/// `POST /tokens` (admins): creates a token and shows it once.
pub(super) async fn create(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Form(form): Form<CreateForm>,
) -> Result<Response, AppError> {
    member.require(Role::Admin)?;
    let name = form.name.trim().to_owned();
    let mut errors = FieldErrors::new();
    errors.check("name", token_name_problem(&name));
    let scope = Scope::parse(&form.scope);
    if scope.is_none() {
        errors.add("scope", "Choose read, run or admin.");
    }
    let expiry = EXPIRY_CHOICES
        .iter()
        .find(|(value, _, _)| *value == form.expires.trim());
    if expiry.is_none() {
        errors.add("expires", "Choose when the token expires.");
    }
    let (Some(scope), Some((expires, _, days)), true) = (scope, expiry, errors.is_empty()) else {
        let shown = (name, scope.unwrap_or(Scope::Run), form.expires);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render(&state, &session, &member, status, shown, errors, None).await;
    };
    let expires_at = days.map(|days| OffsetDateTime::now_utc() + time::Duration::days(days));
    let secret = create_token(
        &state.db,
        member.team_id,
        &name,
        scope,
        expires_at,
        Some(member.user_id),
    )
    .await?;
    let form = (String::new(), Scope::Run, (*expires).to_owned());
    let created = Some((name, secret));
    render(
        &state,
        &session,
        &member,
        StatusCode::OK,
        form,
        FieldErrors::new(),
        created,
    )
    .await
}

/// Creates a token for the team and audits it (by `created_by`, or as made by the command line
/// when `None`); returns the secret, which is never stored.
pub(crate) async fn create_token(
    db: &sqlx::PgPool,
    team_id: Uuid,
    name: &str,
    scope: Scope,
    expires_at: Option<OffsetDateTime>,
    created_by: Option<Uuid>,
) -> sqlx::Result<String> {
    let secret = token::generate_api_token();
    let prefix = token::api_token_shown_part(&secret);
    let mut tx = db.begin().await?;
    api_tokens::create(
        &mut *tx,
        &NewToken {
            team_id,
            name,
            prefix: &prefix,
            token_hash: &token::hash(&secret),
            scope,
            created_by,
            from_command_line: created_by.is_none(),
            expires_at,
        },
    )
    .await?;
    let by = if created_by.is_none() {
        ", from the command line"
    } else {
        ""
    };
    let target = format!("“{name}” ({} scope, {prefix}…{by})", scope.as_str());
    audit(
        &mut *tx,
        team_id,
        created_by,
        AuditAction::TokenCreated,
        &target,
    )
    .await?;
    tx.commit().await?;
    Ok(secret)
}

/// `POST /tokens/{id}/revoke` (admins): the token stops working at once.
pub(super) async fn revoke(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin)?;
    let name = api_tokens::revoke(&state.db, member.team_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    audit(
        &state.db,
        member.team_id,
        Some(member.user_id),
        AuditAction::TokenRevoked,
        &format!("“{name}”"),
    )
    .await?;
    push_flash(
        &session,
        FlashKind::Success,
        format!("Revoked the token “{name}”. It no longer works."),
    )
    .await;
    Ok(Redirect::to("/tokens"))
}
