//! The call behind an attempt, for the attempt page and the recording proxy: served from the
//! team's kept details (`db::calls`) once the call is over, else fetched from RevRing
//! (`GET /calls/{id}`, docs/revring-api.md §4.3) with the run's key and kept for the next view.
//! So views, share links' included, spend the team's RevRing quota once per finished call.

use std::time::Duration;

use uuid::Uuid;

use crate::app::state::AppState;
use crate::db::attempts::AttemptDetail;
use crate::db::{calls, runs};
use crate::revring::{Call, Client};

/// How long the page waits for RevRing's call details before showing it without them.
const CALL_DETAILS_TIMEOUT: Duration = Duration::from_secs(8);

/// The call's details as shown, or why they are missing.
#[derive(Debug, Clone)]
pub(super) enum CallView {
    /// The attempt has no call (yet).
    None,
    /// RevRing did not answer; the message says why.
    Unavailable(String),
    /// The call.
    Found(Box<Call>),
}

/// The attempt's call and whether it came from the kept details rather than from RevRing.
#[derive(Debug, Clone)]
pub(super) struct Lookup {
    /// The call, or why there is none.
    pub view: CallView,
    /// True when served from the kept details (a recording link there may have expired).
    pub kept: bool,
}

/// The id of the attempt's call: the tester's call, else the agent's leg.
fn call_id(attempt: &AttemptDetail) -> Option<&str> {
    attempt
        .call_id
        .as_deref()
        .or(attempt.inbound_call_id.as_deref())
}

/// The team's client for the key the run belongs to.
pub(super) async fn client_for_run(
    state: &AppState,
    team_id: Uuid,
    run_id: Uuid,
) -> Result<Client, String> {
    let key = runs::api_key_of(&state.db, team_id, run_id)
        .await
        .map_err(|_| "the database is unavailable".to_owned())?
        .ok_or_else(|| "the run is gone".to_owned())?;
    state
        .revring_access()
        .client_for(team_id, key)
        .await
        .map_err(|problem| problem.to_string())
}

/// The attempt's call: the kept details when the call was over when they were fetched, else
/// RevRing's answer (kept in turn).
pub(super) async fn call_of(state: &AppState, team_id: Uuid, attempt: &AttemptDetail) -> Lookup {
    let Some(id) = call_id(attempt) else {
        return Lookup {
            view: CallView::None,
            kept: false,
        };
    };
    match calls::get(&state.db, team_id, id).await {
        Ok(Some(stored)) if stored.is_final() => {
            return Lookup {
                view: CallView::Found(Box::new(stored.to_call())),
                kept: true,
            };
        }
        Ok(_) => {}
        Err(error) => tracing::warn!(%error, "could not read the kept call details"),
    }
    Lookup {
        view: fetch(state, team_id, attempt).await,
        kept: false,
    }
}

/// Asks RevRing for the attempt's call whatever is kept, and keeps the answer.
pub(super) async fn fetch(state: &AppState, team_id: Uuid, attempt: &AttemptDetail) -> CallView {
    let Some(id) = call_id(attempt) else {
        return CallView::None;
    };
    let client = match client_for_run(state, team_id, attempt.run_id).await {
        Ok(client) => client,
        Err(why) => return CallView::Unavailable(why),
    };
    match tokio::time::timeout(CALL_DETAILS_TIMEOUT, client.get_call(id)).await {
        Ok(Ok(call)) => {
            if let Err(error) = calls::store(&state.db, team_id, attempt.id, id, &call).await {
                tracing::warn!(%error, "could not keep the call details");
            }
            CallView::Found(Box::new(call))
        }
        Ok(Err(error)) => CallView::Unavailable(error.to_string()),
        Err(_) => CallView::Unavailable("RevRing did not answer in time".into()),
    }
}
