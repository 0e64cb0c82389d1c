//! The team's known issues: the list with a form to record one, one issue with its linked test
//! cases, resolving and reopening, and linking a test case (from the case page). While an issue
//! is open, new failures of its cases are marked "known" by the sync (see `db::known_issues`).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{Html, Redirect};
use serde::Deserialize;
use tower_sessions::Session;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::audit::{self, AuditAction};
use crate::db::known_issues::{self, KnownIssue, LinkedCase};
use crate::web::kit::error::AppError;
use crate::web::kit::forms::FieldErrors;
use crate::web::kit::layout::{FlashKind, Layout, push_flash};
use crate::web::kit::member::CurrentMember;
use crate::web::triage::{ticket_field, ticket_label};

/// Longest known-issue title.
const MAX_TITLE_CHARS: usize = 200;

#[derive(Template)]
#[template(path = "triage/known_issues.html")]
struct IndexPage {
    layout: Layout,
    issues: Vec<KnownIssue>,
    errors: FieldErrors,
    title: String,
    ticket_url: String,
}

impl IndexPage {
    fn ticket(&self, link: &str) -> String {
        ticket_label(link)
    }
}

/// The form that records an issue.
#[derive(Deserialize)]
pub(crate) struct IssueForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    ticket_url: String,
}

async fn index_page(
    state: &AppState,
    member: &CurrentMember,
    session: &Session,
    errors: FieldErrors,
    form: IssueForm,
) -> Result<Html<String>, AppError> {
    let page = IndexPage {
        layout: Layout::for_member("Known issues", "known", member, session).await,
        issues: known_issues::list(&state.db, member.team_id).await?,
        errors,
        title: form.title,
        ticket_url: form.ticket_url,
    };
    Ok(Html(page.render()?))
}

/// `GET /known-issues`
pub(crate) async fn index(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
) -> Result<Html<String>, AppError> {
    let empty = IssueForm {
        title: String::new(),
        ticket_url: String::new(),
    };
    index_page(&state, &member, &session, FieldErrors::new(), empty).await
}

/// `POST /known-issues`: records an open issue; a bad field re-shows the form with what was
/// typed.
pub(crate) async fn create(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Form(form): Form<IssueForm>,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse;
    member.require(Role::Member)?;
    let mut errors = FieldErrors::new();
    let title = form.title.trim().to_owned();
    if title.is_empty() {
        errors.add("title", "Give the issue a title.");
    } else if title.chars().count() > MAX_TITLE_CHARS {
        errors.add(
            "title",
            format!("The title is too long (at most {MAX_TITLE_CHARS} characters)."),
        );
    }
    let ticket = ticket_field(&form.ticket_url);
    if let Err(message) = &ticket {
        errors.add("ticket_url", message.clone());
    }
    let (Ok(ticket), true) = (ticket, errors.is_empty()) else {
        let page = index_page(&state, &member, &session, errors, form).await?;
        return Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let id = known_issues::create(
        &state.db,
        member.team_id,
        &title,
        ticket.as_deref(),
        Some(member.user_id),
    )
    .await?;
    audit::audit(
        &state.db,
        member.team_id,
        Some(member.user_id),
        AuditAction::KnownIssueCreated,
        &title,
    )
    .await?;
    push_flash(
        &session,
        FlashKind::Success,
        "Known issue recorded. Link test cases to it from their pages.",
    )
    .await;
    Ok(Redirect::to(&format!("/known-issues/{id}")).into_response())
}

#[derive(Template)]
#[template(path = "triage/known_issue.html")]
struct IssuePage {
    layout: Layout,
    issue: KnownIssue,
    cases: Vec<LinkedCase>,
}

impl IssuePage {
    fn ticket(&self, link: &str) -> String {
        ticket_label(link)
    }

    fn case_href(&self, case: &LinkedCase) -> String {
        crate::web::cases::case_href(case.suite_id, &case.case_id)
    }
}

fn issue_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

/// `GET /known-issues/{id}`
pub(crate) async fn show(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<String>,
) -> Result<Html<String>, AppError> {
    let id = issue_id(&id)?;
    let issue = known_issues::get(&state.db, member.team_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let cases = known_issues::cases_of(&state.db, member.team_id, id).await?;
    let page = IssuePage {
        layout: Layout::for_member(issue.title.clone(), "known", &member, &session).await,
        issue,
        cases,
    };
    Ok(Html(page.render()?))
}

/// The resolve / reopen form.
#[derive(Deserialize)]
pub(crate) struct StatusForm {
    #[serde(default)]
    status: String,
}

/// `POST /known-issues/{id}/status`: `open` or `resolved`.
pub(crate) async fn status(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<String>,
    Form(form): Form<StatusForm>,
) -> Result<Redirect, AppError> {
    member.require(Role::Member)?;
    let id = issue_id(&id)?;
    let issue = known_issues::get(&state.db, member.team_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let open = match form.status.as_str() {
        "open" => true,
        "resolved" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Choose whether the issue is open or resolved.".into(),
            ));
        }
    };
    if open != issue.open {
        known_issues::set_open(&state.db, member.team_id, id, open).await?;
        let action = if open {
            AuditAction::KnownIssueReopened
        } else {
            AuditAction::KnownIssueResolved
        };
        audit::audit(
            &state.db,
            member.team_id,
            Some(member.user_id),
            action,
            &issue.title,
        )
        .await?;
        let message = if open {
            "Reopened: new failures of its cases are marked known again."
        } else {
            "Resolved: new failures of its cases count as new from now on."
        };
        push_flash(&session, FlashKind::Success, message).await;
    }
    Ok(Redirect::to(&format!("/known-issues/{id}")))
}

/// The form on a case page that links the case to an issue.
#[derive(Deserialize)]
pub(crate) struct LinkForm {
    #[serde(default)]
    suite_id: String,
    #[serde(default)]
    case_id: String,
}

/// `POST /known-issues/{id}/cases`: links a test case; back to the case's page.
pub(crate) async fn link(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<String>,
    Form(form): Form<LinkForm>,
) -> Result<Redirect, AppError> {
    member.require(Role::Member)?;
    let id = issue_id(&id)?;
    let suite_id = Uuid::parse_str(&form.suite_id).map_err(|_| AppError::NotFound)?;
    let issue = known_issues::get(&state.db, member.team_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !known_issues::link_case(&state.db, member.team_id, id, suite_id, &form.case_id).await? {
        return Err(AppError::NotFound);
    }
    audit::audit(
        &state.db,
        member.team_id,
        Some(member.user_id),
        AuditAction::KnownIssueLinked,
        &issue.title,
    )
    .await?;
    push_flash(
        &session,
        FlashKind::Success,
        format!("Linked to “{}”.", issue.title),
    )
    .await;
    Ok(Redirect::to(&crate::web::cases::case_href(
        suite_id,
        &form.case_id,
    )))
}
