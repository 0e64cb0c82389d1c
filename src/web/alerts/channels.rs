//! Alert channels: adding (the address checked and sealed, a webhook's signing secret shown this
//! once), removing, and the "send test" button. Admins manage channels; everyone sees them.

use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;
use time::OffsetDateTime;
use tower_sessions::Session;
use uuid::Uuid;

use super::page::{AlertsPage, render};
use crate::app::state::AppState;
use crate::auth::Role;
use crate::db::alert_channels::{self, NewChannel};
use crate::db::alert_deliveries;
use crate::db::audit::{self, AuditAction};
use crate::sync::{email, targets};
use crate::web::kit::error::AppError;
use crate::web::kit::forms::{FieldErrors, name_problem};
use crate::web::kit::layout::{FlashKind, push_flash};
use crate::web::kit::member::CurrentMember;

/// Most recipients of one e-mail channel.
const MAX_RECIPIENTS: usize = 10;

/// The add-channel form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ChannelForm {
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) url: String,
    #[serde(default)]
    pub(crate) to: String,
}

/// A channel just made: its id, and for a webhook its signing secret (shown this once).
pub(crate) struct CreatedChannel {
    pub(crate) id: Uuid,
    pub(crate) secret: Option<String>,
}

/// The recognisable part of an address: scheme, host and its last four characters.
fn url_hint(url: &url::Url) -> String {
    let raw = url.as_str();
    let tail: String = raw
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!(
        "{}://{}/…{tail}",
        url.scheme(),
        url.host_str().unwrap_or_default()
    )
}

/// Checks and stores a channel (the page and the API share this); field errors otherwise.
pub(crate) async fn create_channel(
    state: &AppState,
    team_id: Uuid,
    user_id: Option<Uuid>,
    form: &ChannelForm,
) -> sqlx::Result<Result<CreatedChannel, FieldErrors>> {
    let mut errors = FieldErrors::new();
    errors.check("name", name_problem(&form.name, "a name for the channel"));
    let mut sealed_url = None;
    let mut secret = None;
    let mut email_to = None;
    let mut hint = String::new();
    match form.kind.as_str() {
        "webhook" | "slack" => match targets::parse_http_url(&form.url) {
            Err(_) => errors.add("url", "Enter the full address, starting with https://."),
            Ok(url) => match targets::check(&url, state.delivery.allow_private_targets).await {
                Err(problem) => errors.add("url", format!("Refused: {problem}.")),
                Ok(_) => {
                    hint = url_hint(&url);
                    let plain = SecretString::from(url.to_string());
                    sealed_url = Some(state.master_key.encrypt(&plain));
                    if form.kind == "webhook" {
                        secret = Some(format!("whsec_{}", crate::auth::token::generate()));
                    }
                }
            },
        },
        "email" => match email::recipients(&form.to) {
            Some(list) if list.len() <= MAX_RECIPIENTS => {
                let joined = list
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ");
                hint = joined.clone();
                email_to = Some(joined);
            }
            Some(_) => errors.add("to", format!("Use at most {MAX_RECIPIENTS} recipients.")),
            None => errors.add(
                "to",
                "Enter one or more e-mail addresses separated by commas, like qa@example.com.",
            ),
        },
        _ => errors.add("kind", "Choose Slack, webhook or e-mail."),
    }
    if !errors.is_empty() {
        return Ok(Err(errors));
    }
    let sealed_secret = secret.as_ref().map(|secret| {
        state
            .master_key
            .encrypt(&SecretString::from(secret.clone()))
    });
    let channel = NewChannel {
        kind: &form.kind,
        name: form.name.trim(),
        url: sealed_url,
        secret: sealed_secret,
        email_to: email_to.as_deref(),
        hint: &hint,
    };
    let id = alert_channels::insert(&state.db, team_id, &channel, user_id).await?;
    let target = format!("{} channel “{}”", form.kind, form.name.trim());
    audit::audit(
        &state.db,
        team_id,
        user_id,
        AuditAction::AlertChannelAdded,
        &target,
    )
    .await?;
    Ok(Ok(CreatedChannel { id, secret }))
}

/// `POST /alerts/channels`
pub(super) async fn create(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Form(form): Form<ChannelForm>,
) -> Result<Response, AppError> {
    member.require(Role::Admin)?;
    match create_channel(&state, member.team_id, Some(member.user_id), &form).await? {
        Ok(created) => match created.secret {
            Some(secret) => {
                // Shown in this response only: never stored in the clear, never shown again.
                let mut page = AlertsPage::load(&state, &session, &member).await?;
                page.new_secret = Some((form.name.trim().to_owned(), secret));
                Ok(Html(render(page)?).into_response())
            }
            None => {
                let message = "Channel added. “Send test” checks that it works.";
                push_flash(&session, FlashKind::Success, message).await;
                let here = format!("/alerts#channel-{}", created.id);
                Ok(Redirect::to(&here).into_response())
            }
        },
        Err(errors) => {
            let mut page = AlertsPage::load(&state, &session, &member).await?;
            page.channel_form = form;
            page.channel_errors = errors;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(render(page)?)).into_response())
        }
    }
}

/// `POST /alerts/channels/{id}/delete`
pub(super) async fn delete(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin)?;
    let name = alert_channels::delete(&state.db, member.team_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let target = format!("channel “{name}”");
    audit::audit(
        &state.db,
        member.team_id,
        Some(member.user_id),
        AuditAction::AlertChannelRemoved,
        &target,
    )
    .await?;
    push_flash(
        &session,
        FlashKind::Success,
        "Channel removed, with its rules.",
    )
    .await;
    Ok(Redirect::to("/alerts"))
}

/// Queues a test alert to the channel and tries it at once; the delivery's row says how it
/// went (the page and the API share this).
pub(crate) async fn send_test(
    state: &AppState,
    team_id: Uuid,
    user_id: Option<Uuid>,
    channel_id: Uuid,
) -> sqlx::Result<Option<alert_deliveries::DeliveryRow>> {
    let Some(channel) = alert_channels::get_sealed(&state.db, team_id, channel_id).await? else {
        return Ok(None);
    };
    let payload = json!({"event": "test", "channel": channel.name});
    let id = alert_deliveries::enqueue_test(&state.db, team_id, channel_id, &payload).await?;
    let deliverer = state.deliverer(crate::sync::owner_name());
    deliverer.tick(OffsetDateTime::now_utc(), Some(id)).await?;
    let target = format!("channel “{}”", channel.name);
    audit::audit(
        &state.db,
        team_id,
        user_id,
        AuditAction::AlertChannelTested,
        &target,
    )
    .await?;
    alert_deliveries::get(&state.db, team_id, id).await
}

/// `POST /alerts/channels/{id}/test`
pub(super) async fn test(
    State(state): State<AppState>,
    session: Session,
    member: CurrentMember,
    Path(id): Path<Uuid>,
) -> Result<Redirect, AppError> {
    member.require(Role::Admin)?;
    let row = send_test(&state, member.team_id, Some(member.user_id), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if row.state == "delivered" {
        push_flash(
            &session,
            FlashKind::Success,
            format!("Test alert delivered to “{}”.", row.channel_name),
        )
        .await;
    } else {
        let why = row.last_error.unwrap_or_default();
        let message = format!(
            "The test alert to “{}” was not delivered: {why} It stays in the delivery log.",
            row.channel_name
        );
        push_flash(&session, FlashKind::Error, message).await;
    }
    Ok(Redirect::to("/alerts"))
}
