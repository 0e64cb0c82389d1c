//! `/calls`: get, batch-get, list (paginated), cancel, and the recordings the calls link to.

use std::collections::HashMap;

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::audio;
use super::calls::{self, CallContext, CallView};
use super::error::{ApiError, ApiResult, ok};
use super::ids;
use super::input::{self, JsonBody};
use super::lifecycle::AttemptPhase;
use super::state::{AppState, Caller};
use super::store::Org;

/// `pageSize` of `GET /calls` when omitted.
pub(super) const DEFAULT_PAGE_SIZE: usize = 50;
/// Largest `pageSize` of `GET /calls`.
pub(super) const MAX_PAGE_SIZE: usize = 100;

fn context<'a>(org: &Org, base_url: &'a str) -> CallContext<'a> {
    CallContext {
        organization_id: org.id,
        sip_trunk_id: org.sip_trunk_id,
        base_url,
    }
}

fn find(org: &Org, base_url: &str, id: Uuid, now: OffsetDateTime) -> Option<CallView> {
    let (run, idx, leg) = org.call(id)?;
    calls::view(context(org, base_url), run, idx, leg, now)
}

/// `GET /calls/{id}`: one call (either leg of an attempt that has dialed).
pub(super) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let base = state.0.base_url.clone();
    state.with_org(&caller, |org, now| {
        let id = Uuid::parse_str(&id).map_err(|_| ApiError::not_found("Call"))?;
        let view = find(org, &base, id, now).ok_or_else(|| ApiError::not_found("Call"))?;
        Ok(ok(calls::to_json(&view, false)))
    })
}

/// `POST /calls/batch-get`: `{"ids": [1..100], "minimal"?}`; unknown ids are left out.
pub(super) async fn batch_get(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let ids = input::batch_ids(&body)?;
    let minimal = input::flag(&body, "minimal")?;
    let base = state.0.base_url.clone();
    state.with_org(&caller, |org, now| {
        let found: Vec<_> = ids
            .iter()
            .filter_map(|raw| Uuid::parse_str(raw).ok())
            .filter_map(|id| find(org, &base, id, now))
            .map(|v| calls::to_json(&v, minimal))
            .collect();
        Ok(ok(found))
    })
}

fn param<'a>(q: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    q.get(key).map(String::as_str).filter(|s| !s.is_empty())
}

fn number(
    q: &HashMap<String, String>,
    key: &str,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    match param(q, key) {
        None => Ok(default),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| ApiError::validation(format!("`{key}` must be between 1 and {max}"))),
    }
}

fn instant(q: &HashMap<String, String>, key: &str) -> Result<Option<OffsetDateTime>, ApiError> {
    param(q, key)
        .map(|raw| {
            OffsetDateTime::parse(raw, &Rfc3339)
                .map_err(|_| ApiError::validation(format!("`{key}` must be an ISO-8601 date-time")))
        })
        .transpose()
}

/// `GET /calls`: filters `agentId`, `status`, `direction`, `createdFrom`, `createdTo`; sorting
/// `sortBy` (`createdAt`, `startedAt`, `endedAt`, `durationSeconds`) and `sortDir`
/// (`asc`/`desc`, default `desc`); pages `page` (1-based) and `pageSize` (default 50, max 100).
/// Answers `{"data": [...], "pagination": {"page", "pageSize", "total", "totalPages"}}`.
pub(super) async fn list(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let page = number(&q, "page", 1, usize::MAX)?;
    let page_size = number(&q, "pageSize", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?;
    let from = instant(&q, "createdFrom")?;
    let to = instant(&q, "createdTo")?;
    let sort_by = param(&q, "sortBy").unwrap_or("createdAt").to_owned();
    if !["createdAt", "startedAt", "endedAt", "durationSeconds"].contains(&sort_by.as_str()) {
        return Err(ApiError::validation(
            "`sortBy` must be createdAt, startedAt, endedAt or durationSeconds",
        ));
    }
    let desc = match param(&q, "sortDir").unwrap_or("desc") {
        d if d.eq_ignore_ascii_case("desc") => true,
        d if d.eq_ignore_ascii_case("asc") => false,
        _ => return Err(ApiError::validation("`sortDir` must be asc or desc")),
    };
    let agent = param(&q, "agentId").map(str::to_owned);
    let status = param(&q, "status").map(str::to_uppercase);
    let direction = param(&q, "direction").map(str::to_uppercase);
    let base = state.0.base_url.clone();
    state.with_org(&caller, |org, now| {
        let ctx = context(org, &base);
        let mut all: Vec<CallView> = Vec::new();
        for run in &org.runs {
            for idx in 0..run.attempts.len() {
                for leg in [calls::Leg::Outbound, calls::Leg::Inbound] {
                    all.extend(calls::view(ctx, run, idx, leg, now));
                }
            }
        }
        all.retain(|c| {
            agent.as_deref().is_none_or(|a| c.agent_id.to_string() == a)
                && status.as_deref().is_none_or(|s| c.status == s)
                && direction.as_deref().is_none_or(|d| c.direction == d)
                && from.is_none_or(|f| c.created_at >= f)
                && to.is_none_or(|t| c.created_at <= t)
        });
        all.sort_by(|a, b| {
            let ord = match sort_by.as_str() {
                "startedAt" => a.started_at.cmp(&b.started_at),
                "endedAt" => a.ended_at.cmp(&b.ended_at),
                "durationSeconds" => a.duration_seconds.cmp(&b.duration_seconds),
                _ => a.created_at.cmp(&b.created_at),
            }
            .then_with(|| a.created_at.cmp(&b.created_at))
            .then_with(|| a.id.cmp(&b.id));
            if desc { ord.reverse() } else { ord }
        });
        let total = all.len();
        let data: Vec<_> = all
            .iter()
            .skip((page - 1).saturating_mul(page_size))
            .take(page_size)
            .map(|c| calls::to_json(c, false))
            .collect();
        let body = json!({
            "data": data,
            "pagination": {
                "page": page,
                "pageSize": page_size,
                "total": total,
                "totalPages": total.div_ceil(page_size),
            }
        });
        Ok(axum::Json(body).into_response())
    })
}

/// `POST /calls/{id}/cancel`: only a call still dialing (`INITIATED`) can be cancelled; its
/// attempt then ends with `error`. Otherwise 409.
pub(super) async fn cancel(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    let base = state.0.base_url.clone();
    state.with_org(&caller, |org, now| {
        let id = Uuid::parse_str(&id).map_err(|_| ApiError::not_found("Call"))?;
        let (run_id, idx, leg) = *org
            .calls
            .get(&id)
            .ok_or_else(|| ApiError::not_found("Call"))?;
        let run = org
            .runs
            .iter_mut()
            .find(|r| r.id == run_id)
            .ok_or_else(|| ApiError::not_found("Call"))?;
        match run.attempt_phase(idx, now) {
            AttemptPhase::Pending => return Err(ApiError::not_found("Call")),
            AttemptPhase::Dialing if run.cancelled_at.is_none() => run.cancel_call(idx, now),
            _ => {
                return Err(ApiError::conflict(
                    "Only a queued or initiated call can be cancelled",
                ));
            }
        }
        let ctx = context(org, &base);
        let run = org.runs.iter().find(|r| r.id == run_id);
        let view = run.and_then(|r| calls::view(ctx, r, idx, leg, now));
        Ok(ok(view.map(|v| calls::to_json(&v, false))))
    })
}

/// `GET /recordings/{callId}.wav`: the call's recording (the owning organization's key is
/// required); 404 until the call has ended after connecting.
pub(super) async fn recording(
    State(state): State<AppState>,
    caller: Caller,
    Path(file): Path<String>,
) -> Result<Response, ApiError> {
    let raw = file.strip_suffix(".wav").unwrap_or(&file);
    let id = Uuid::parse_str(raw).map_err(|_| ApiError::not_found("Recording"))?;
    let turns = state.with_org(&caller, |org, now| {
        let (run, idx, _) = org
            .call(id)
            .ok_or_else(|| ApiError::not_found("Recording"))?;
        let a = &run.attempts[idx];
        if !calls::has_recording(run, a, now) {
            return Err(ApiError::not_found("Recording"));
        }
        Ok(a.conversation.as_ref().map_or(2, |c| c.turns.len()))
    })?;
    let wav = audio::recording(ids::fnv(id.as_bytes()), turns);
    let mut resp = Response::new(Body::from(wav));
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("audio/wav"));
    Ok(resp)
}
