//! Triage over the API (scope `run` to change, any scope to read): reviewing one attempt
//! (`PUT|DELETE /attempts/{id}/review`), several attempts of a run at once
//! (`POST /runs/{id}/reviews`, one transaction), and the team's known issues
//! (`GET|POST /known-issues`). Writes are audited under the token's name.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::Scope;
use crate::db::audit::{self, AuditAction};
use crate::db::known_issues::{self, KnownIssue};
use crate::db::reviews::{self, ReviewInput, Reviewer};
use crate::db::run_labels;
use crate::web::api::auth::ApiCaller;
use crate::web::api::envelope::{Data, data};
use crate::web::api::error::{ApiError, ErrorBody};
use crate::web::api::extract::{ApiJson, ApiPath};
use crate::web::triage::reviews::{MAX_BULK_ATTEMPTS, validate};
use crate::web::triage::{effective_result, kind_label, ticket_field};

/// A review as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReviewBody {
    /// `confirmed_bug`, `false_failure`, `false_pass`, `flaky`, `infrastructure` or `expected`.
    kind: String,
    /// A comment (at most 2,000 characters).
    #[serde(default)]
    comment: String,
    /// A ticket link (http or https).
    #[serde(default)]
    ticket_url: Option<String>,
}

/// A review of several attempts of one run.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct BulkReviewBody {
    /// The attempts (Ringside ids), all of this run.
    attempt_ids: Vec<Uuid>,
    /// The review's kind, as for one attempt.
    kind: String,
    /// A comment.
    #[serde(default)]
    comment: String,
    /// A ticket link.
    #[serde(default)]
    ticket_url: Option<String>,
}

/// An attempt's review as it now stands.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ReviewJson {
    /// The attempt.
    attempt_id: Uuid,
    /// The review's kind (null once removed).
    kind: Option<String>,
    /// The judge's verdict.
    judged_result: Option<String>,
    /// The verdict once the review is applied.
    effective_result: Option<String>,
}

/// What a bulk review did.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct BulkReviewJson {
    /// Attempts whose review changed (the others already said this).
    reviewed: usize,
}

/// A known issue.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct KnownIssueJson {
    /// Ringside's id.
    id: Uuid,
    /// What it is.
    title: String,
    /// Its ticket.
    ticket_url: Option<String>,
    /// `open` or `resolved`.
    status: String,
    /// Test cases linked to it.
    cases: i64,
    /// Failures marked with it.
    marked_failures: i64,
    /// When it was recorded.
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

impl From<KnownIssue> for KnownIssueJson {
    fn from(issue: KnownIssue) -> Self {
        Self {
            id: issue.id,
            title: issue.title,
            ticket_url: issue.ticket_url,
            status: if issue.open { "open" } else { "resolved" }.to_owned(),
            cases: issue.cases,
            marked_failures: issue.marked,
            created_at: issue.created_at,
        }
    }
}

/// A known issue as sent.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct KnownIssueBody {
    /// What it is (1 to 200 characters).
    title: String,
    /// Its ticket link.
    #[serde(default)]
    ticket_url: Option<String>,
}

/// The triage endpoints.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(put_review, delete_review))
        .routes(routes!(bulk_review))
        .routes(routes!(list_known_issues, create_known_issue))
}

fn checked(kind: &str, comment: &str, ticket: Option<&str>) -> Result<ReviewInput, ApiError> {
    validate(kind, comment, ticket.unwrap_or("")).map_err(ApiError::invalid)
}

async fn review_json(
    state: &AppState,
    team_id: Uuid,
    attempt_id: Uuid,
) -> Result<ReviewJson, ApiError> {
    let row = run_labels::attempt(&state.db, team_id, attempt_id)
        .await?
        .ok_or_else(|| ApiError::not_found("attempt"))?;
    let kind = reviews::for_run(&state.db, team_id, row.run_id)
        .await?
        .remove(&attempt_id)
        .map(|r| r.kind);
    Ok(ReviewJson {
        attempt_id,
        kind: kind.map(|k| k.as_str().to_owned()),
        judged_result: row.result.as_ref().map(|r| r.as_str().to_owned()),
        effective_result: effective_result(row.result.as_ref(), kind),
    })
}

/// Records or changes the review of one attempt.
#[utoipa::path(
    put,
    path = "/attempts/{id}/review",
    tag = "triage",
    params(("id" = Uuid, Path, description = "The attempt's id")),
    request_body = ReviewBody,
    responses(
        (status = 200, description = "The review as it now stands", body = Data<ReviewJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope does not allow reviewing", body = ErrorBody),
        (status = 404, description = "No such attempt in this team", body = ErrorBody),
        (status = 422, description = "The kind, comment or ticket link is not acceptable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn put_review(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(attempt_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<Json<Data<ReviewJson>>, ApiError> {
    caller
        .require(&state, Scope::Run, "reviewing attempts")
        .await?;
    let input = checked(&body.kind, &body.comment, body.ticket_url.as_deref())?;
    write_one(&state, &caller, attempt_id, Some(&input)).await?;
    Ok(data(review_json(&state, caller.team_id, attempt_id).await?))
}

/// Removes the review of one attempt (its history stays).
#[utoipa::path(
    delete,
    path = "/attempts/{id}/review",
    tag = "triage",
    params(("id" = Uuid, Path, description = "The attempt's id")),
    responses(
        (status = 200, description = "The attempt without a review", body = Data<ReviewJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope does not allow reviewing", body = ErrorBody),
        (status = 404, description = "No such attempt in this team", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn delete_review(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(attempt_id): ApiPath<Uuid>,
) -> Result<Json<Data<ReviewJson>>, ApiError> {
    caller
        .require(&state, Scope::Run, "reviewing attempts")
        .await?;
    write_one(&state, &caller, attempt_id, None).await?;
    Ok(data(review_json(&state, caller.team_id, attempt_id).await?))
}

async fn write_one(
    state: &AppState,
    caller: &ApiCaller,
    attempt_id: Uuid,
    input: Option<&ReviewInput>,
) -> Result<(), ApiError> {
    let row = run_labels::attempt(&state.db, caller.team_id, attempt_id)
        .await?
        .ok_or_else(|| ApiError::not_found("attempt"))?;
    let changed = reviews::apply(
        &state.db,
        caller.team_id,
        row.run_id,
        &[attempt_id],
        input,
        Reviewer::Token(&caller.name),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("attempt"))?;
    if changed > 0 {
        let target = format!(
            "{} attempt {} by API token “{}”{}",
            row.test_case_name,
            row.attempt_number,
            caller.name,
            input.map_or(String::new(), |i| format!(" as {}", kind_label(&i.kind)))
        );
        let action = if input.is_some() {
            AuditAction::AttemptReviewed
        } else {
            AuditAction::ReviewRemoved
        };
        audit::audit(&state.db, caller.team_id, None, action, &target).await?;
    }
    Ok(())
}

/// Reviews several attempts of one run at once: all are saved, or none.
#[utoipa::path(
    post,
    path = "/runs/{id}/reviews",
    tag = "triage",
    params(("id" = Uuid, Path, description = "The run's id")),
    request_body = BulkReviewBody,
    responses(
        (status = 200, description = "How many attempts changed", body = Data<BulkReviewJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope does not allow reviewing", body = ErrorBody),
        (status = 404, description = "No such run in this team, or an attempt not of this run", body = ErrorBody),
        (status = 422, description = "No attempts, too many, or a bad kind, comment or link", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn bulk_review(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(run_id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<BulkReviewBody>,
) -> Result<Json<Data<BulkReviewJson>>, ApiError> {
    caller
        .require(&state, Scope::Run, "reviewing attempts")
        .await?;
    if body.attempt_ids.is_empty() || body.attempt_ids.len() > MAX_BULK_ATTEMPTS {
        return Err(ApiError::invalid(format!(
            "Name between 1 and {MAX_BULK_ATTEMPTS} attempts in `attempt_ids`."
        )));
    }
    let input = checked(&body.kind, &body.comment, body.ticket_url.as_deref())?;
    let reviewed = reviews::apply(
        &state.db,
        caller.team_id,
        run_id,
        &body.attempt_ids,
        Some(&input),
        Reviewer::Token(&caller.name),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("run or attempt"))?;
    if reviewed > 0 {
        let target = format!(
            "{reviewed} attempts of run {run_id} by API token “{}” as {}",
            caller.name,
            kind_label(&input.kind)
        );
        audit::audit(
            &state.db,
            caller.team_id,
            None,
            AuditAction::AttemptReviewed,
            &target,
        )
        .await?;
    }
    Ok(data(BulkReviewJson { reviewed }))
}

/// The team's known issues, open ones first.
#[utoipa::path(
    get,
    path = "/known-issues",
    tag = "triage",
    responses(
        (status = 200, description = "The known issues", body = Data<Vec<KnownIssueJson>>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_known_issues(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Data<Vec<KnownIssueJson>>>, ApiError> {
    let issues = known_issues::list(&state.db, caller.team_id).await?;
    Ok(data(issues.into_iter().map(KnownIssueJson::from).collect()))
}

/// Records an open known issue.
#[utoipa::path(
    post,
    path = "/known-issues",
    tag = "triage",
    request_body = KnownIssueBody,
    responses(
        (status = 201, description = "The new issue", body = Data<KnownIssueJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope does not allow recording issues", body = ErrorBody),
        (status = 422, description = "The title or ticket link is not acceptable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn create_known_issue(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<KnownIssueBody>,
) -> Result<Response, ApiError> {
    caller
        .require(&state, Scope::Run, "recording known issues")
        .await?;
    let title = body.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(ApiError::invalid(
            "A known issue needs a `title` of 1 to 200 characters.",
        ));
    }
    let ticket =
        ticket_field(body.ticket_url.as_deref().unwrap_or("")).map_err(ApiError::invalid)?;
    let id =
        known_issues::create(&state.db, caller.team_id, title, ticket.as_deref(), None).await?;
    audit::audit(
        &state.db,
        caller.team_id,
        None,
        AuditAction::KnownIssueCreated,
        &format!("{title} by API token “{}”", caller.name),
    )
    .await?;
    let issue = known_issues::get(&state.db, caller.team_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("known issue"))?;
    Ok((StatusCode::CREATED, data(KnownIssueJson::from(issue))).into_response())
}
