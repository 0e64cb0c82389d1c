//! Test suites, test cases and generated test suggestions (docs/revring-api.md §3.2–3.4).
//!
//! Response models default every field (`#[serde(default)]`) and decode through
//! [`lenient`](super::lenient), because only the test-case object is documented; request bodies
//! leave unset fields out so that RevRing applies its own defaults.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::lenient;

/// Template variables: name to value. RevRing documents them as an object; values that are not
/// strings are stringified on the way in, and nested values kept as JSON text.
pub type Variables = BTreeMap<String, String>;

/// A test suite: a target agent, an optional custom tester, settings and (elsewhere) its cases.
/// The object is undocumented; these are the fields the reference expects (§9 #10).
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TestSuite {
    /// RevRing's opaque ID.
    #[serde(deserialize_with = "lenient::de")]
    pub id: String,
    /// Display name (at most 128 characters).
    #[serde(deserialize_with = "lenient::de")]
    pub name: String,
    /// The agent under test.
    #[serde(deserialize_with = "lenient::de")]
    pub target_agent_id: String,
    /// A custom tester agent; `None` means RevRing's built-in tester.
    #[serde(deserialize_with = "lenient::opt")]
    pub tester_agent_id: Option<String>,
    /// Concurrent calls allowed (2–100; RevRing's default is 2). Each test uses two calls.
    #[serde(deserialize_with = "lenient::opt")]
    pub max_concurrency: Option<u32>,
    /// Variables applied to every test call.
    #[serde(deserialize_with = "lenient::de")]
    pub default_variables: Variables,
    /// When the suite was created.
    #[serde(deserialize_with = "lenient::opt")]
    pub created_at: Option<OffsetDateTime>,
    /// When the suite was last changed.
    #[serde(deserialize_with = "lenient::opt")]
    pub updated_at: Option<OffsetDateTime>,
    /// Test cases, if RevRing embeds them (not documented; usually empty).
    #[serde(deserialize_with = "lenient::list")]
    pub tests: Vec<TestCase>,
}

/// Body of `POST /test-suites`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewSuite {
    /// Display name (required, at most 128 characters).
    pub name: String,
    /// The agent under test (required).
    pub target_agent_id: String,
    /// A custom tester agent; leave `None` for RevRing's built-in tester.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tester_agent_id: Option<String>,
    /// Concurrent calls (2–100); `None` lets RevRing default to 2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u32>,
    /// Variables for every test call; omitted when empty.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub default_variables: Variables,
}

/// Body of `PATCH /test-suites/{id}`: only the fields that are `Some` are sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SuitePatch {
    /// New display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New agent under test.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_agent_id: Option<String>,
    /// `Some(None)` switches back to the built-in tester (sends `null`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tester_agent_id: Option<Option<String>>,
    /// New concurrency limit (2–100).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_concurrency: Option<u32>,
    /// Replaces the default variables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_variables: Option<Variables>,
}

/// A test case: a script for the tester and a rubric for judging the target agent.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TestCase {
    /// RevRing's opaque ID.
    #[serde(deserialize_with = "lenient::de")]
    pub id: String,
    /// The suite this case belongs to.
    #[serde(deserialize_with = "lenient::de")]
    pub test_suite_id: String,
    /// Display name.
    #[serde(deserialize_with = "lenient::de")]
    pub name: String,
    /// Instructions the tester follows.
    #[serde(deserialize_with = "lenient::de")]
    pub script: String,
    /// Criteria the call is judged against.
    #[serde(deserialize_with = "lenient::de")]
    pub scoring_rubric: String,
    /// Attempts per run (1–10); see [`TestCase::attempts`] for the effective value.
    #[serde(deserialize_with = "lenient::opt")]
    pub attempts_per_run: Option<u32>,
    /// Variables overriding the suite defaults.
    #[serde(deserialize_with = "lenient::de")]
    pub variables: Variables,
    /// When the case was created.
    #[serde(deserialize_with = "lenient::opt")]
    pub created_at: Option<OffsetDateTime>,
    /// When the case was last changed.
    #[serde(deserialize_with = "lenient::opt")]
    pub updated_at: Option<OffsetDateTime>,
}

impl TestCase {
    /// Attempts per run, assuming RevRing's default of 1 when the field is absent.
    pub fn attempts(&self) -> u32 {
        self.attempts_per_run.unwrap_or(1)
    }
}

/// Body of `POST /test-suites/{id}/tests`.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NewTestCase {
    /// Display name (at most 128 characters).
    pub name: String,
    /// Instructions for the tester (at most 10,000 characters).
    pub script: String,
    /// Judging criteria (at most 5,000 characters).
    pub scoring_rubric: String,
    /// Attempts per run (1–10); `None` lets RevRing default to 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_per_run: Option<u32>,
    /// Variables overriding the suite defaults; omitted when empty.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub variables: Variables,
}

/// Body of `PATCH /test-suites/{id}/tests/{testId}`: only the fields that are `Some` are sent.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TestCasePatch {
    /// New display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New tester script.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub script: Option<String>,
    /// New rubric.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scoring_rubric: Option<String>,
    /// New attempts per run (1–10).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts_per_run: Option<u32>,
    /// Replaces the case's variables.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variables: Option<Variables>,
}

/// One chat turn in a generate-tests conversation (`{role, content}`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ChatMessage {
    /// `user` for our prompts; RevRing's replies use another role (likely `assistant`).
    #[serde(deserialize_with = "lenient::de")]
    pub role: String,
    /// The message text.
    #[serde(deserialize_with = "lenient::de")]
    pub content: String,
}

/// Body of `POST /test-suites/{id}/generate-tests`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GenerateTestsRequest {
    /// The scenarios to generate (at most 5,000 characters).
    pub prompt: String,
    /// Earlier turns, for refining a previous answer; omitted when empty.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub previous_messages: Vec<ChatMessage>,
}

/// Response of generate-tests: suggestions (not saved) and the conversation so far.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct GeneratedTests {
    /// Suggested test cases; save the ones you want with `create_test`.
    #[serde(deserialize_with = "lenient::list")]
    pub tests: Vec<SuggestedTest>,
    /// The conversation, to send back as `previous_messages` when refining.
    #[serde(deserialize_with = "lenient::list")]
    pub messages: Vec<ChatMessage>,
}

/// One suggested test case.
#[derive(Debug, Clone, PartialEq, Eq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SuggestedTest {
    /// Suggested name.
    #[serde(deserialize_with = "lenient::de")]
    pub name: String,
    /// Suggested tester script.
    #[serde(deserialize_with = "lenient::de")]
    pub script: String,
    /// Suggested rubric.
    #[serde(deserialize_with = "lenient::de")]
    pub scoring_rubric: String,
}

impl From<SuggestedTest> for NewTestCase {
    fn from(s: SuggestedTest) -> Self {
        Self {
            name: s.name,
            script: s.script,
            scoring_rubric: s.scoring_rubric,
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn request_bodies_leave_out_unset_fields() {
        let body = NewSuite {
            name: "Billing".into(),
            target_agent_id: "agent-1".into(),
            ..NewSuite::default()
        };
        assert_eq!(
            serde_json::to_value(&body).unwrap(),
            json!({"name": "Billing", "targetAgentId": "agent-1"})
        );
        let patch = SuitePatch {
            tester_agent_id: Some(None),
            max_concurrency: Some(4),
            ..SuitePatch::default()
        };
        assert_eq!(
            serde_json::to_value(&patch).unwrap(),
            json!({"testerAgentId": null, "maxConcurrency": 4})
        );
        let patch = TestCasePatch {
            attempts_per_run: Some(3),
            ..TestCasePatch::default()
        };
        assert_eq!(
            serde_json::to_value(&patch).unwrap(),
            json!({"attemptsPerRun": 3})
        );
        let generate = GenerateTestsRequest {
            prompt: "refunds".into(),
            previous_messages: vec![],
        };
        assert_eq!(
            serde_json::to_value(&generate).unwrap(),
            json!({"prompt": "refunds"})
        );
    }

    #[test]
    fn suggestion_becomes_a_new_test_case() {
        let case = NewTestCase::from(SuggestedTest {
            name: "n".into(),
            script: "s".into(),
            scoring_rubric: "r".into(),
        });
        assert_eq!(
            serde_json::to_value(&case).unwrap(),
            json!({"name": "n", "script": "s", "scoringRubric": "r"})
        );
    }
}
