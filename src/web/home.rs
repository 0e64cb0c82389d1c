//! The front page: what this Ringside installation is connected to and how far it is set up.

use std::sync::Arc;

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use sqlx::PgPool;
use tower_sessions::Session;

use crate::error::AppError;
use crate::state::WebSettings;
use crate::web::layout::Layout;

/// Figures about the installation shown on the front page.
struct Overview {
    teams: i64,
    users: i64,
    database_version: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    overview: Overview,
    revring_base_url: String,
}

/// `GET /`
pub async fn show(
    State(db): State<PgPool>,
    State(settings): State<Arc<WebSettings>>,
    session: Session,
) -> Result<Html<String>, AppError> {
    let overview = sqlx::query_as!(
        Overview,
        r#"SELECT
             (SELECT count(*) FROM teams) AS "teams!",
             (SELECT count(*) FROM users) AS "users!",
             current_setting('server_version') AS "database_version!""#
    )
    .fetch_one(&db)
    .await?;
    let page = HomePage {
        layout: Layout::new("Overview", "home", &session).await,
        overview,
        revring_base_url: settings.revring_base_url.to_string(),
    };
    Ok(Html(page.render()?))
}
