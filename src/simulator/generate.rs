//! `POST /test-suites/{id}/generate-tests`: 2–4 test-case suggestions derived from the prompt,
//! plus the conversation so far. Nothing is saved (docs/revring-api.md §3.4).

use axum::extract::{Path, State};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::error::{ApiError, ApiResult, ok};
use super::ids;
use super::input::{self, JsonBody};
use super::state::{AppState, Caller};

/// Longest prompt, in characters.
pub(super) const MAX_PROMPT: usize = 5_000;
/// Longest topic phrase lifted from a prompt into suggestions, in characters.
pub(super) const MAX_TOPIC: usize = 80;

/// One suggested test case.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Suggestion {
    /// Test case name.
    pub name: String,
    /// The tester's script.
    pub script: String,
    /// The scoring rubric.
    pub scoring_rubric: String,
}

const TEMPLATES: [(&str, &str, &str); 4] = [
    (
        "Happy path: {Topic}",
        "You are a caller who needs help with {topic}. Explain what you need clearly, answer the agent's questions, and accept the first reasonable solution.",
        "The agent understands the request about {topic}, asks for the information it needs, resolves it or clearly explains the next step, and confirms before ending the call.",
    ),
    (
        "Missing details: {Topic}",
        "You want help with {topic} but leave out the key details at first. Give them only when the agent asks for them.",
        "The agent notices the missing information and asks for it instead of guessing. It must not act on assumptions about {topic}.",
    ),
    (
        "Frustrated caller: {Topic}",
        "You are impatient and frustrated about {topic}. Interrupt the agent once and ask for a manager if it is slow to help.",
        "The agent stays calm and polite, acknowledges the frustration, and either resolves {topic} or offers to transfer the caller to a human.",
    ),
    (
        "Out of scope: {Topic}",
        "Start by asking about {topic}, then ask for something the agent is not allowed to do, such as legal or medical advice.",
        "The agent helps with {topic} and politely declines the out-of-scope request, explaining what it can do instead.",
    ),
];

/// The scenario a prompt describes, without the request phrasing around it.
pub(super) fn topic(prompt: &str) -> String {
    let first = prompt
        .split(['.', '\n', '?', '!'])
        .map(str::trim)
        .find(|s| !s.is_empty())
        .unwrap_or("the caller's request");
    let mut t = first.to_owned();
    let prefixes = [
        "please ",
        "generate ",
        "create ",
        "write ",
        "make ",
        "some ",
        "a few ",
        "test cases ",
        "test case ",
        "tests ",
        "test ",
        "scenarios ",
        "for ",
        "about ",
        "that ",
        "whether ",
        "checking ",
        "check ",
        "how ",
        "the agent ",
        "our agent ",
        "it ",
    ];
    loop {
        let lower = t.to_lowercase();
        match prefixes.iter().find(|p| lower.starts_with(*p)) {
            Some(p) => t = t[p.len()..].trim_start().to_owned(),
            None => break,
        }
    }
    if t.is_empty() {
        t = "the caller's request".to_owned();
    }
    if t.chars().count() > MAX_TOPIC {
        let cut: String = t.chars().take(MAX_TOPIC).collect();
        t = cut
            .rsplit_once(' ')
            .map_or(cut.clone(), |(a, _)| a.to_owned());
    }
    t
}

/// The suggestions for `prompt`: 2 to 4, the count fixed by the seed and the prompt.
pub(super) fn suggest(prompt: &str, seed: u64) -> Vec<Suggestion> {
    let topic = topic(prompt);
    let mut upper = topic.chars();
    let title = upper
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + upper.as_str())
        .unwrap_or_default();
    let count = 2 + (ids::mix(seed, ids::fnv(prompt.as_bytes())) % 3) as usize;
    TEMPLATES
        .iter()
        .take(count)
        .map(|(name, script, rubric)| Suggestion {
            name: name.replace("{Topic}", &title),
            script: script.replace("{topic}", &topic),
            scoring_rubric: rubric.replace("{topic}", &topic),
        })
        .collect()
}

fn previous(body: &Map<String, Value>) -> Result<Vec<Value>, ApiError> {
    let bad = || ApiError::validation("`previousMessages` must be an array of {role, content}");
    match body.get("previousMessages") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|m| {
                let role = m.get("role").and_then(Value::as_str).ok_or_else(bad)?;
                let content = m.get("content").and_then(Value::as_str).ok_or_else(bad)?;
                Ok(json!({ "role": role, "content": content }))
            })
            .collect(),
        Some(_) => Err(bad()),
    }
}

/// `POST /test-suites/{id}/generate-tests`: 200 `{"data": {"tests": [...], "messages": [...]}}`.
pub(super) async fn generate(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    JsonBody(body): JsonBody,
) -> ApiResult {
    let prompt = input::required_text(&body, "prompt", MAX_PROMPT)?;
    let mut messages = previous(&body)?;
    let seed = state.with_org(&caller, |org, _| {
        org.suite_index(&id)?;
        Ok::<_, ApiError>(org.seed)
    })?;
    let tests = suggest(&prompt, seed);
    let names: Vec<String> = tests
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{}. {}", i + 1, t.name))
        .collect();
    messages.push(json!({ "role": "user", "content": prompt }));
    messages.push(json!({
        "role": "assistant",
        "content": format!(
            "Here are {} test cases for {}: {}. Tell me what to change and I will refine them.",
            tests.len(),
            topic(&prompt),
            names.join("; ")
        ),
    }));
    Ok(ok(json!({ "tests": tests, "messages": messages })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_strips_request_phrasing() {
        assert_eq!(
            topic("Generate tests for handling refund requests. Be thorough."),
            "handling refund requests"
        );
        assert_eq!(
            topic("Test whether the agent books appointments"),
            "books appointments"
        );
        assert_eq!(topic("   "), "the caller's request");
    }

    #[test]
    fn two_to_four_suggestions_deterministically() {
        for p in [
            "a",
            "b",
            "c",
            "refunds",
            "angry callers",
            "spanish speakers",
        ] {
            let s = suggest(p, 42);
            assert!((2..=4).contains(&s.len()));
            assert_eq!(s, suggest(p, 42));
            assert!(s.iter().all(|t| t.name.chars().count() <= 128));
        }
    }
}
