//! The team's start page (the dashboard will grow here): who is in the team, which keys it
//! has, and what this installation talks to.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use tower_sessions::Session;

use crate::db::api_keys::{self, KeySummary};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::auth::CurrentMember;
use crate::web::layout::Layout;

/// Figures about the team and the installation.
struct Overview {
    members: i64,
    database_version: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    team_name: String,
    overview: Overview,
    keys: Vec<KeySummary>,
    revring_base_url: String,
}

/// `GET /`
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
) -> Result<Html<String>, AppError> {
    let overview = sqlx::query_as!(
        Overview,
        r#"SELECT
             (SELECT count(*) FROM memberships WHERE team_id = $1) AS "members!",
             current_setting('server_version') AS "database_version!""#,
        member.team_id
    )
    .fetch_one(&state.db)
    .await?;
    let keys = api_keys::active_keys(&state.db, member.team_id).await?;
    let page = HomePage {
        layout: Layout::for_member("Dashboard", "home", &member, &session).await,
        team_name: member.team_name.clone(),
        overview,
        keys,
        revring_base_url: state.settings.revring_base_url.to_string(),
    };
    Ok(Html(page.render()?))
}
