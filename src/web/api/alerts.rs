//! `/api/v1/alert-channels`, `/api/v1/alert-rules` and `/api/v1/alert-deliveries`: a team's alert
//! channels (the signing secret answered once, on creation), its rules, a test send, and the
//! delivery log. Everything here needs a token of the `admin` scope.

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
use crate::db::alert_channels::{self, Channel};
use crate::db::alert_deliveries::{self, DeliveryRow};
use crate::db::alert_rules::{self, RuleRow};
use crate::db::suites;
use crate::web::alerts::channels::{ChannelForm, create_channel, send_test};
use crate::web::alerts::rules::{RuleForm, create_rule};
use crate::web::api::auth::ApiCaller;
use crate::web::api::envelope::{Data, List, all, data};
use crate::web::api::error::{ApiError, ErrorBody};
use crate::web::api::extract::{ApiJson, ApiPath};

/// Deliveries listed.
const LOG_LINES: i64 = 200;

/// An alert channel (its address is never answered again).
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ChannelJson {
    /// Its id.
    id: Uuid,
    /// `webhook`, `slack` or `email`.
    kind: String,
    /// Its name.
    name: String,
    /// Host and last characters of the address, or the e-mail recipients.
    hint: String,
    /// The webhook signing secret: only in the answer that created the channel.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret: Option<String>,
    /// When it was added.
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

fn channel_json(channel: Channel, secret: Option<String>) -> ChannelJson {
    ChannelJson {
        id: channel.id,
        kind: channel.kind,
        name: channel.name,
        hint: channel.hint,
        secret,
        created_at: channel.created_at,
    }
}

/// A new channel: `url` for `webhook` and `slack`, `to` (comma-separated) for `email`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewChannelBody {
    /// `webhook`, `slack` or `email`.
    kind: String,
    /// Name.
    name: String,
    /// Address (webhook, Slack incoming webhook).
    url: Option<String>,
    /// Recipients (e-mail).
    to: Option<String>,
}

/// An alert rule.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RuleJson {
    /// Its id.
    id: Uuid,
    /// The suite it watches; null for every suite of the team.
    suite_id: Option<Uuid>,
    /// Where it sends.
    channel_id: Uuid,
    /// `new_failures`, `recovered`, `pass_rate_below`, `errored_or_cancelled` or `newly_flaky`.
    kind: String,
    /// Percent, for `pass_rate_below`.
    threshold: Option<i32>,
    /// Fire on every run in the alerting state, not only when the state changes.
    every_run: bool,
}

fn rule_json(rule: RuleRow) -> RuleJson {
    RuleJson {
        id: rule.id,
        suite_id: rule.suite_id,
        channel_id: rule.channel_id,
        kind: rule.kind,
        threshold: rule.threshold,
        every_run: rule.every_run,
    }
}

/// A new rule.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewRuleBody {
    /// The suite to watch; omit for every suite.
    suite_id: Option<Uuid>,
    /// The channel to send to.
    channel_id: Uuid,
    /// What to watch for (see `RuleJson.kind`).
    kind: String,
    /// Percent (1 to 100), for `pass_rate_below`.
    threshold: Option<i32>,
    /// Fire on every run in the alerting state.
    #[serde(default)]
    every_run: bool,
}

/// One alert delivery.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct DeliveryJson {
    /// Its id (also sent to webhooks as `id`).
    id: Uuid,
    /// The channel's name.
    channel: String,
    /// The rule kind, or `test`.
    kind: String,
    /// `pending`, `delivered` or `failed` (given up).
    state: String,
    /// Attempts made.
    attempts: i32,
    /// The receiver's last HTTP status or SMTP code.
    last_status: Option<i32>,
    /// The last error, in plain words.
    last_error: Option<String>,
    /// The run it is about.
    run_id: Option<Uuid>,
    /// When the alert was raised.
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
}

fn delivery_json(row: DeliveryRow) -> DeliveryJson {
    DeliveryJson {
        id: row.id,
        channel: row.channel_name,
        kind: row.kind,
        state: row.state,
        attempts: row.attempts,
        last_status: row.last_status,
        last_error: row.last_error,
        run_id: row.run_id,
        created_at: row.created_at,
    }
}

/// The alert endpoints.
pub(crate) fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_channels, add_channel))
        .routes(routes!(test_channel))
        .routes(routes!(list_rules, add_rule))
        .routes(routes!(deliveries))
}

const ADMIN: &str = "managing alerts";

/// The team's alert channels.
#[utoipa::path(
    get,
    path = "/alert-channels",
    tag = "alerts",
    responses(
        (status = 200, description = "The channels, oldest first", body = List<ChannelJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope is not admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_channels(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<List<ChannelJson>>, ApiError> {
    caller.require(&state, Scope::Admin, ADMIN).await?;
    let rows = alert_channels::list(&state.db, caller.team_id).await?;
    Ok(all(rows
        .into_iter()
        .map(|c| channel_json(c, None))
        .collect()))
}

/// Adds a channel; a webhook's answer carries its signing `secret`, this once.
#[utoipa::path(
    post,
    path = "/alert-channels",
    tag = "alerts",
    request_body(content = NewChannelBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The channel, with its signing secret for a webhook", body = Data<ChannelJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope is not admin", body = ErrorBody),
        (status = 422, description = "A field is not acceptable, or the address is on a private network", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn add_channel(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<NewChannelBody>,
) -> Result<Response, ApiError> {
    caller.require(&state, Scope::Admin, ADMIN).await?;
    let form = ChannelForm {
        kind: body.kind,
        name: body.name,
        url: body.url.unwrap_or_default(),
        to: body.to.unwrap_or_default(),
    };
    let created = create_channel(&state, caller.team_id, None, &form)
        .await?
        .map_err(|errors| ApiError::invalid(errors.joined()))?;
    let channel = alert_channels::list(&state.db, caller.team_id)
        .await?
        .into_iter()
        .find(|channel| channel.id == created.id)
        .ok_or_else(|| ApiError::not_found("channel"))?;
    let answer = data(channel_json(channel, created.secret));
    Ok((StatusCode::CREATED, answer).into_response())
}

/// Sends a test alert to the channel now and answers how it went.
#[utoipa::path(
    post,
    path = "/alert-channels/{id}/test",
    tag = "alerts",
    params(("id" = Uuid, Path, description = "The channel's id")),
    responses(
        (status = 200, description = "The test delivery (`state` says whether it arrived)", body = Data<DeliveryJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope is not admin", body = ErrorBody),
        (status = 404, description = "No such channel in this team", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn test_channel(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Data<DeliveryJson>>, ApiError> {
    caller.require(&state, Scope::Admin, ADMIN).await?;
    let row = send_test(&state, caller.team_id, None, id)
        .await?
        .ok_or_else(|| ApiError::not_found("channel"))?;
    Ok(data(delivery_json(row)))
}

/// The team's alert rules.
#[utoipa::path(
    get,
    path = "/alert-rules",
    tag = "alerts",
    responses(
        (status = 200, description = "The rules, oldest first", body = List<RuleJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope is not admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn list_rules(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<List<RuleJson>>, ApiError> {
    caller.require(&state, Scope::Admin, ADMIN).await?;
    let rows = alert_rules::list(&state.db, caller.team_id).await?;
    Ok(all(rows.into_iter().map(rule_json).collect()))
}

/// Adds a rule.
#[utoipa::path(
    post,
    path = "/alert-rules",
    tag = "alerts",
    request_body(content = NewRuleBody, content_type = "application/json"),
    responses(
        (status = 201, description = "The rule", body = Data<RuleJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope is not admin", body = ErrorBody),
        (status = 404, description = "No such channel or suite in this team", body = ErrorBody),
        (status = 422, description = "A field is not acceptable", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn add_rule(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<NewRuleBody>,
) -> Result<Response, ApiError> {
    caller.require(&state, Scope::Admin, ADMIN).await?;
    // Another team's channel or suite is no more there than a made-up one: 404, as in paths.
    if alert_channels::get_sealed(&state.db, caller.team_id, body.channel_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("channel"));
    }
    if let Some(suite_id) = body.suite_id
        && suites::get(&state.db, caller.team_id, suite_id)
            .await?
            .is_none()
    {
        return Err(ApiError::not_found("suite"));
    }
    let form = RuleForm {
        suite_id: body.suite_id.map(|id| id.to_string()).unwrap_or_default(),
        channel_id: body.channel_id.to_string(),
        kind: body.kind,
        threshold: body.threshold.map(|t| t.to_string()).unwrap_or_default(),
        every_run: body.every_run.then(|| "on".to_owned()),
    };
    let id = create_rule(&state, caller.team_id, None, &form)
        .await?
        .map_err(|errors| ApiError::invalid(errors.joined()))?;
    let rule = alert_rules::list(&state.db, caller.team_id)
        .await?
        .into_iter()
        .find(|rule| rule.id == id)
        .ok_or_else(|| ApiError::not_found("rule"))?;
    Ok((StatusCode::CREATED, data(rule_json(rule))).into_response())
}

/// The latest alert deliveries, newest first.
#[utoipa::path(
    get,
    path = "/alert-deliveries",
    tag = "alerts",
    responses(
        (status = 200, description = "Up to 200 deliveries, newest first", body = List<DeliveryJson>),
        (status = 401, description = "Missing, unknown, revoked or expired token", body = ErrorBody),
        (status = 403, description = "The token's scope is not admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<List<DeliveryJson>>, ApiError> {
    caller.require(&state, Scope::Admin, ADMIN).await?;
    let rows = alert_deliveries::log(&state.db, caller.team_id, LOG_LINES).await?;
    Ok(all(rows.into_iter().map(delivery_json).collect()))
}
