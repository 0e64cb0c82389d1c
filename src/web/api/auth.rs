//! Who is calling the API: a bearer token (`Authorization: Bearer rst_…`) of one team with a
//! scope. No cookies, so no CSRF. Unknown, revoked and expired tokens get 401; a scope that does
//! not allow an action gets 403. Refusals of a known token are audited.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use uuid::Uuid;

use crate::app::state::AppState;
use crate::auth::{Scope, token};
use crate::db::api_tokens;
use crate::db::audit::{self, AuditAction};
use crate::web::api::error::ApiError;
use crate::web::api::rate_limit::RateLimiter;

/// The token a request came with, once accepted.
#[derive(Debug, Clone)]
pub(crate) struct ApiCaller {
    /// Its team: every query the handler makes is scoped by it.
    pub(crate) team_id: Uuid,
    /// Its name (for audit entries).
    pub(crate) name: String,
    /// What it may do.
    pub(crate) scope: Scope,
}

impl ApiCaller {
    /// Refuses (403, audited) unless the token's scope is at least `needed`; `action` names what
    /// was attempted, e.g. "starting runs".
    pub(crate) async fn require(
        &self,
        state: &AppState,
        needed: Scope,
        action: &str,
    ) -> Result<(), ApiError> {
        if self.scope >= needed {
            return Ok(());
        }
        let target = format!(
            "“{}” ({} scope) for {action}",
            self.name,
            self.scope.as_str()
        );
        audit::audit(
            &state.db,
            self.team_id,
            None,
            AuditAction::TokenDenied,
            &target,
        )
        .await?;
        Err(ApiError::forbidden(format!(
            "This token's scope ({}) does not allow {action}; that needs a token with the {} \
             scope.",
            self.scope.as_str(),
            needed.as_str()
        )))
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let presented = bearer(parts)?;
        let Some(found) = api_tokens::find_by_hash(&state.db, &token::hash(presented)).await?
        else {
            return Err(ApiError::unauthorized(
                "invalid_token",
                "This API token is not valid. Create one on the API tokens page.",
            ));
        };
        let refusal = if found.revoked {
            Some(("token_revoked", "revoked", "This API token was revoked."))
        } else if found.expired {
            Some(("token_expired", "expired", "This API token has expired."))
        } else {
            None
        };
        if let Some((code, why, message)) = refusal {
            let target = format!("“{}” ({why})", found.name);
            audit::audit(
                &state.db,
                found.team_id,
                None,
                AuditAction::TokenDenied,
                &target,
            )
            .await?;
            return Err(ApiError::unauthorized(
                code,
                format!("{message} Ask a team admin for a new one."),
            ));
        }
        if let Some(limiter) = parts.extensions.get::<Arc<RateLimiter>>()
            && let Err(wait) = limiter.check(found.id)
        {
            return Err(ApiError::new(
                axum::http::StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("Too many requests with this token; try again in {wait} s."),
            )
            .retry_after(wait));
        }
        api_tokens::touch(&state.db, found.id).await?;
        Ok(Self {
            team_id: found.team_id,
            name: found.name,
            scope: found.scope,
        })
    }
}

/// The token in `Authorization: Bearer …`.
fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let missing = || {
        ApiError::unauthorized(
            "missing_token",
            "Send an API token in the Authorization header: `Authorization: Bearer rst_…`.",
        )
    };
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(missing)?;
    if !scheme.eq_ignore_ascii_case("bearer") || token.trim().is_empty() {
        return Err(missing());
    }
    Ok(token.trim())
}
