//! `/agents`: list, get, batch-get (read-only; the seed data's agents).

use axum::extract::{Path, State};
use serde_json::{Value, json};

use super::error::{ApiError, ApiResult, ok};
use super::ids::iso;
use super::input::{self, JsonBody};
use super::state::{AppState, Caller};
use super::store::{Agent, Org, parse_id};

/// Fields left out of an agent by `minimal: true`.
const HEAVY_FIELDS: [&str; 5] = [
    "promptTemplate",
    "customTools",
    "flowDefinition",
    "runtimeConfig",
    "defaultVariables",
];

/// The Agent JSON object (docs/revring-api.md §5.2).
pub(super) fn view(org: &Org, a: &Agent) -> Value {
    let created = iso(a.created_at);
    let mut agent = json!({
        "id": a.id,
        "name": a.spec.name,
        "promptTemplate": a.spec.prompt,
        "sipTrunkId": org.sip_trunk_id,
        "sipTrunk": { "friendlyName": "Simulator trunk" },
        "status": "active",
        "defaultVariables": {},
        "firstMessage": a.spec.first_message,
        "turnTimeoutSeconds": -1,
        "silenceEndCallTimeoutSeconds": 30,
        "maxConversationDurationSeconds": 900,
        "llmTemperature": 0.7,
        "timezone": a.spec.timezone,
        "language": "en",
        "preCallWebhookUrl": null,
        "postCallWebhookUrl": null,
        "endCallEnabled": true,
        "endCallRulesOverride": null,
        "transferEnabled": false,
        "transferRoutes": [],
        "transferDescriptionOverride": null,
        "voicemailEnabled": false,
        "voicemailAction": "hangup",
        "voicemailMessage": null,
    });
    let more = json!({
        "voiceId": format!("sim-voice-{}", a.spec.persona.to_lowercase()),
        "voiceTemperature": 1.0,
        "voiceSpeed": 1.0,
        "runtimeConfig": {},
        "mode": "single_prompt",
        "flowDefinition": null,
        "testVariables": {},
        "llmReasoningEffort": "low",
        "disableInterruptions": false,
        "interruptionThresholdMs": 500,
        "transferMode": "cold",
        "warmTransferConfig": null,
        "playKeypadTouchToneEnabled": false,
        "knowledgeBaseRetrievalMode": "automatic",
        "knowledgeBaseChunks": 10,
        "knowledgeBaseSimilarityThreshold": 0.5,
        "folderId": null,
        "folder": null,
        "phoneNumbers": [{
            "id": a.phone_id,
            "e164": a.phone,
            "createdAt": created,
            "updatedAt": created,
        }],
        "customTools": [],
        "createdAt": created,
        "updatedAt": created,
    });
    if let (Value::Object(all), Value::Object(more)) = (&mut agent, more) {
        all.extend(more);
    }
    agent
}

fn minimal(mut v: Value) -> Value {
    if let Value::Object(map) = &mut v {
        for key in HEAVY_FIELDS {
            map.remove(key);
        }
    }
    v
}

/// `GET /agents`: every agent of the organization, in creation order.
pub(super) async fn list(State(state): State<AppState>, caller: Caller) -> ApiResult {
    state.with_org(&caller, |org, _| {
        let all: Vec<Value> = org.agents.iter().map(|a| view(org, a)).collect();
        Ok(ok(all))
    })
}

/// `GET /agents/{id}`.
pub(super) async fn get(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult {
    state.with_org(&caller, |org, _| {
        let id = parse_id(&id, "Agent")?;
        let agent = org.agent(id).ok_or_else(|| ApiError::not_found("Agent"))?;
        Ok(ok(view(org, agent)))
    })
}

/// `POST /agents/batch-get`: `{"ids": [1..100], "minimal"?}`; unknown ids are left out.
pub(super) async fn batch_get(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let ids = input::batch_ids(&body)?;
    let small = input::flag(&body, "minimal")?;
    state.with_org(&caller, |org, _| {
        let found: Vec<Value> = ids
            .iter()
            .filter_map(|raw| uuid::Uuid::parse_str(raw).ok())
            .filter_map(|id| org.agent(id))
            .map(|a| view(org, a))
            .map(|v| if small { minimal(v) } else { v })
            .collect();
        Ok(ok(found))
    })
}
