//! The confirm step of a destructive action (cancel a run, revoke a key or share link, remove a
//! member, leave a team). Pages link to the action's URL; a GET there answers this page, which
//! asks and posts to the same URL. It works without JavaScript; `static/app.js` asks the same
//! question in a `<dialog>` instead when scripts run.

use askama::Template;
use axum::response::Html;
use tower_sessions::Session;

use crate::web::kit::error::AppError;
use crate::web::kit::layout::Layout;
use crate::web::kit::member::CurrentMember;

/// What a confirm page asks and where its answer goes.
pub(crate) struct Question {
    /// The page's heading, a question: "Revoke the key “Production”?"
    pub question: String,
    /// What happens, in a sentence or two.
    pub detail: String,
    /// Where the confirming form posts (the action's own URL).
    pub action: String,
    /// The confirming button's label: "Revoke key".
    pub button: &'static str,
    /// Where "Keep it" goes back to.
    pub back: String,
}

#[derive(Template)]
#[template(path = "kit/confirm.html")]
struct ConfirmPage {
    layout: Layout,
    question: String,
    detail: String,
    action: String,
    button: &'static str,
    back: String,
}

/// Renders the confirm page for `member`, with `nav` highlighted in the main navigation.
pub(crate) async fn page(
    member: &CurrentMember,
    session: &Session,
    nav: &'static str,
    question: Question,
) -> Result<Html<String>, AppError> {
    let page = ConfirmPage {
        layout: Layout::for_member(&question.question, nav, member, session).await,
        question: question.question,
        detail: question.detail,
        action: question.action,
        button: question.button,
        back: question.back,
    };
    Ok(Html(page.render()?))
}
