//! Agent names for the suite pages. RevRing's suites name their agents by id only; its
//! `GET /agents` gives the names. The names are fetched at most once per key every
//! [`AGENT_NAMES_TTL`] and kept in memory, so a page of suites costs at most one upstream call
//! per key, never one per row. When RevRing cannot answer, pages show the agent's id.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::app::state::AppState;

/// How long fetched agent names are used before asking RevRing again.
const AGENT_NAMES_TTL: Duration = Duration::from_secs(600);

/// How long a failed lookup is remembered (so a RevRing outage is not asked on every page).
const FAILED_LOOKUP_TTL: Duration = Duration::from_secs(60);

/// How long a page waits for RevRing's agent list before showing ids instead.
const AGENT_LOOKUP_TIMEOUT: Duration = Duration::from_secs(3);

/// Names by agent id.
pub(super) type AgentNames = HashMap<String, String>;

/// Per API key: when the names were fetched, how long they hold, and the names.
type Cache = HashMap<Uuid, (Instant, Duration, Arc<AgentNames>)>;

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(|| Mutex::new(HashMap::new()));

fn cached(key_id: Uuid) -> Option<Arc<AgentNames>> {
    let cache = CACHE.lock().ok()?;
    let (at, ttl, names) = cache.get(&key_id)?;
    (at.elapsed() < *ttl).then(|| Arc::clone(names))
}

fn remember(key_id: Uuid, ttl: Duration, names: Arc<AgentNames>) {
    if let Ok(mut cache) = CACHE.lock() {
        cache.insert(key_id, (Instant::now(), ttl, names));
    }
}

/// The names of the agents visible through the team's keys `key_ids`.
pub(super) async fn names(state: &AppState, team_id: Uuid, key_ids: &[Uuid]) -> AgentNames {
    let mut all = AgentNames::new();
    for &key_id in key_ids {
        let names = match cached(key_id) {
            Some(names) => names,
            None => {
                let fetched = fetch(state, team_id, key_id).await;
                let ttl = if fetched.is_some() {
                    AGENT_NAMES_TTL
                } else {
                    FAILED_LOOKUP_TTL
                };
                let names = Arc::new(fetched.unwrap_or_default());
                remember(key_id, ttl, Arc::clone(&names));
                names
            }
        };
        all.extend(names.iter().map(|(id, name)| (id.clone(), name.clone())));
    }
    all
}

async fn fetch(state: &AppState, team_id: Uuid, key_id: Uuid) -> Option<AgentNames> {
    let client = state
        .revring_access()
        .client_for(team_id, key_id)
        .await
        .ok()?;
    let agents = tokio::time::timeout(AGENT_LOOKUP_TIMEOUT, client.list_agents())
        .await
        .ok()?
        .map_err(|error| tracing::info!(%error, "agent names unavailable"))
        .ok()?;
    Some(
        agents
            .into_iter()
            .filter(|agent| !agent.name.trim().is_empty())
            .map(|agent| (agent.id, agent.name))
            .collect(),
    )
}
