//! Who is asking: the signed-in user and their current team, read from the session on every
//! request and checked against the database (so removals, role changes and "sign out
//! everywhere" take effect at once).

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::accounts::{self, TeamChoice, UserRow};
use crate::web::kit::error::{AppError, error_page};

use crate::web::kit::csrf;

/// Session key: the signed-in user's id.
const USER_KEY: &str = "auth.user_id";
/// Session key: the user's session epoch at sign-in.
const EPOCH_KEY: &str = "auth.epoch";
/// Session key: the team the user is working in.
const TEAM_KEY: &str = "auth.team_id";
/// Session key: when the session was last marked active (Unix seconds).
const SEEN_KEY: &str = "auth.seen_at";

/// Session key: when the user signed in (Unix seconds), for the absolute lifetime.
const SIGNED_IN_KEY: &str = "auth.signed_in_at";

/// A signed-in session ends this long after sign-in however active it is (besides the idle
/// timeout): a stolen session cookie does not live for ever.
pub(crate) const SESSION_MAX_LIFETIME: time::Duration = time::Duration::days(30);

/// How often a signed-in session's inactivity expiry is renewed (see [`touch`]).
pub(crate) const SESSION_TOUCH_INTERVAL: time::Duration = time::Duration::minutes(5);

/// A signed-in user, whether or not they belong to a team.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The account.
    pub user: UserRow,
    /// Every team they belong to.
    pub teams: Vec<TeamChoice>,
}

/// A signed-in user working in their current team. Extracting it redirects to
/// `/login?next=…` when nobody is signed in, and to `/account` (to create a team) when the user
/// belongs to none.
#[derive(Debug, Clone)]
pub struct CurrentMember {
    /// The user.
    pub user_id: Uuid,
    /// Their email.
    pub email: String,
    /// Their name.
    pub display_name: String,
    /// The current team.
    pub team_id: Uuid,
    /// Its name.
    pub team_name: String,
    /// The user's role in it.
    pub role: Role,
    /// Every team the user belongs to (for the switcher).
    pub teams: Vec<TeamChoice>,
    /// The database snapshot the sign-in check saw (`db::snapshot`), read before anything the
    /// page reads: the key of its shared reads (`kit::page_data`).
    pub snapshot: String,
}

impl CurrentMember {
    /// Refuses (403 page) unless the member's role is at least `role`.
    pub fn require(&self, role: Role) -> Result<(), AppError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Starts a signed-in session: a new session id (against fixation), the user, their epoch and
/// team, and a new CSRF token.
pub(crate) async fn sign_in(
    session: &Session,
    user_id: Uuid,
    epoch: i32,
    team_id: Option<Uuid>,
) -> Result<(), AppError> {
    session.cycle_id().await?;
    session.insert(USER_KEY, user_id).await?;
    session.insert(EPOCH_KEY, epoch).await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    session.insert(SIGNED_IN_KEY, now).await?;
    match team_id {
        Some(team_id) => session.insert(TEAM_KEY, team_id).await?,
        None => drop(session.remove::<Uuid>(TEAM_KEY).await?),
    }
    csrf::renew(session).await;
    Ok(())
}

/// Ends this session: its data is deleted and the cookie cleared.
pub(crate) async fn sign_out(session: &Session) -> Result<(), AppError> {
    session.flush().await?;
    Ok(())
}

/// The session's current team among `teams` (the first one when none is chosen yet).
pub(crate) async fn current_team(
    session: &Session,
    teams: &[TeamChoice],
) -> Result<Option<TeamChoice>, AppError> {
    let wanted = session.get::<Uuid>(TEAM_KEY).await?;
    Ok(wanted
        .and_then(|id| teams.iter().find(|team| team.team_id == id))
        .or(teams.first())
        .cloned())
}

/// Makes `team_id` the session's current team (the caller has checked membership).
pub(crate) async fn switch_team(session: &Session, team_id: Uuid) -> Result<(), AppError> {
    session.insert(TEAM_KEY, team_id).await?;
    Ok(())
}

/// The signed-in user, if the session holds a valid sign-in.
pub(crate) async fn signed_in(
    session: &Session,
    db: &PgPool,
) -> Result<Option<CurrentUser>, AppError> {
    let Some(user_id) = session.get::<Uuid>(USER_KEY).await? else {
        return Ok(None);
    };
    let epoch = session.get::<i32>(EPOCH_KEY).await?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    match session.get::<i64>(SIGNED_IN_KEY).await? {
        Some(at) if outlived(at, now) => {
            tracing::info!(%user_id, "session ended: absolute lifetime reached");
            session.flush().await?;
            return Ok(None);
        }
        Some(_) => {}
        // Signed in before sessions recorded it: the lifetime counts from now.
        None => session.insert(SIGNED_IN_KEY, now).await?,
    }
    let found = accounts::user_with_teams(db, user_id).await?;
    let (user, teams) = match found {
        Some((user, teams)) if Some(user.session_epoch) == epoch => (user, teams),
        // Signed out everywhere, or the account is gone: this session is over.
        _ => {
            session.flush().await?;
            return Ok(None);
        }
    };
    touch(session).await?;
    Ok(Some(CurrentUser { user, teams }))
}

/// Whether the session still holds a valid sign-in of a member of `team_id`, read again from
/// the database (for long-lived responses such as event streams, which outlive the request
/// that checked). Changes nothing in the session.
pub(crate) async fn still_member(session: &Session, db: &PgPool, team_id: Uuid) -> bool {
    let (Ok(Some(user_id)), Ok(epoch)) = (
        session.get::<Uuid>(USER_KEY).await,
        session.get::<i32>(EPOCH_KEY).await,
    ) else {
        return false;
    };
    match accounts::user_with_teams(db, user_id).await {
        Ok(Some((user, teams))) => {
            Some(user.session_epoch) == epoch && teams.iter().any(|team| team.team_id == team_id)
        }
        _ => false,
    }
}

/// Whether a session signed in at `signed_in_at` has outlived [`SESSION_MAX_LIFETIME`] at `now`
/// (both Unix seconds).
fn outlived(signed_in_at: i64, now: i64) -> bool {
    now.saturating_sub(signed_in_at) >= SESSION_MAX_LIFETIME.whole_seconds()
}

/// Marks the session active. The session store writes a session only when it changed, so the
/// inactivity expiry is renewed by recording, at most every `SESSION_TOUCH_INTERVAL`, when the
/// session was last seen: an idle session still ends on time, give or take that interval, and
/// most requests write nothing.
async fn touch(session: &Session) -> Result<(), AppError> {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let seen = session.get::<i64>(SEEN_KEY).await?;
    if seen.is_none_or(|seen| now - seen >= SESSION_TOUCH_INTERVAL.whole_seconds()) {
        session.insert(SEEN_KEY, now).await?;
    }
    Ok(())
}

/// Where to send someone who must sign in to see this request.
fn login_redirect(parts: &Parts) -> Response {
    let next = if parts.method == Method::GET || parts.method == Method::HEAD {
        parts
            .uri
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/")
    } else {
        "/"
    };
    if next == "/" {
        return Redirect::to("/login").into_response();
    }
    let encoded: String = url::form_urlencoded::byte_serialize(next.as_bytes()).collect();
    Redirect::to(&format!("/login?next={encoded}")).into_response()
}

async fn session_of<S: Send + Sync>(parts: &mut Parts, state: &S) -> Result<Session, Response> {
    Session::from_request_parts(parts, state)
        .await
        .map_err(|_| {
            tracing::error!("an account extractor ran outside the session layer");
            error_page(StatusCode::INTERNAL_SERVER_ERROR, None)
        })
}

impl<S> FromRequestParts<S> for CurrentUser
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let session = session_of(parts, state).await?;
        let app = AppState::from_ref(state);
        match signed_in(&session, &app.db).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(login_redirect(parts)),
            Err(error) => Err(error.into_response()),
        }
    }
}

impl<S> FromRequestParts<S> for CurrentMember
where
    S: Send + Sync,
    AppState: FromRef<S>,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Response> {
        let CurrentUser { user, teams } = CurrentUser::from_request_parts(parts, state).await?;
        let session = session_of(parts, state).await?;
        let wanted = session
            .get::<Uuid>(TEAM_KEY)
            .await
            .map_err(|error| AppError::from(error).into_response())?;
        let current = wanted
            .and_then(|id| teams.iter().find(|team| team.team_id == id))
            .or(teams.first())
            .cloned();
        let Some(current) = current else {
            return Err(Redirect::to("/account").into_response());
        };
        if wanted != Some(current.team_id) {
            switch_team(&session, current.team_id)
                .await
                .map_err(IntoResponse::into_response)?;
        }
        Ok(CurrentMember {
            snapshot: user.snapshot,
            user_id: user.id,
            email: user.email,
            display_name: user.display_name,
            team_id: current.team_id,
            team_name: current.team_name,
            role: current.role,
            teams,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_end_at_their_absolute_lifetime() {
        let day = 24 * 3600;
        assert!(!outlived(0, 29 * day));
        assert!(outlived(0, 30 * day));
        assert!(outlived(0, 400 * day));
    }
}
