//! Test runs and their attempts (docs/revring-api.md §3.5–3.7).
//!
//! A run executes a whole suite; each test case yields `attemptsPerRun` attempts, each one a pair
//! of calls (tester → target) with a verdict, the judge's reasoning and a transcript.

use serde::Deserialize;
use time::OffsetDateTime;

use super::lenient;
use super::status::{AttemptResult, RunStatus};
use super::transcript::{self, TranscriptEntry};

/// One execution of a test suite.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct TestRun {
    /// RevRing's opaque ID.
    #[serde(deserialize_with = "lenient::de")]
    pub id: String,
    /// The suite this run executes.
    #[serde(deserialize_with = "lenient::de")]
    pub test_suite_id: String,
    /// The name given at start, or one RevRing generated; may be absent.
    #[serde(deserialize_with = "lenient::opt")]
    pub name: Option<String>,
    /// Where the run is in its life cycle; unknown values are kept.
    #[serde(deserialize_with = "lenient::de")]
    pub status: RunStatus,
    /// Tests in the run (0 when missing or null). Whether RevRing counts attempts or test cases
    /// is undocumented, so treat these counts as a progress hint and count `attempts` for facts.
    #[serde(deserialize_with = "lenient::de")]
    pub total_tests: u32,
    /// Tests that passed so far (0 when missing or null).
    #[serde(deserialize_with = "lenient::de")]
    pub passed_tests: u32,
    /// Tests that failed so far (0 when missing or null).
    #[serde(deserialize_with = "lenient::de")]
    pub failed_tests: u32,
    /// When the run was created.
    #[serde(deserialize_with = "lenient::opt")]
    pub created_at: Option<OffsetDateTime>,
    /// When the run last changed.
    #[serde(deserialize_with = "lenient::opt")]
    pub updated_at: Option<OffsetDateTime>,
    /// When calls started; `None` while queued.
    #[serde(deserialize_with = "lenient::opt")]
    pub started_at: Option<OffsetDateTime>,
    /// When the run reached a terminal status.
    #[serde(deserialize_with = "lenient::opt")]
    pub completed_at: Option<OffsetDateTime>,
    /// The attempts; full on `get_run`, possibly empty in lists.
    #[serde(deserialize_with = "lenient::list")]
    pub attempts: Vec<Attempt>,
}

impl TestRun {
    /// True once the run can no longer change.
    pub fn is_terminal(&self) -> bool {
        self.status.is_terminal()
    }

    /// Attempts that have a verdict of any kind.
    pub fn judged_attempts(&self) -> usize {
        self.attempts.iter().filter(|a| a.result.is_some()).count()
    }
}

/// One attempt at one test case within a run.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Attempt {
    /// RevRing's opaque ID.
    #[serde(deserialize_with = "lenient::de")]
    pub id: String,
    /// The test case attempted.
    #[serde(deserialize_with = "lenient::de")]
    pub test_case_id: String,
    /// The test case's name at the time of the run.
    #[serde(deserialize_with = "lenient::de")]
    pub test_case_name: String,
    /// 1-based attempt number within the test case (0 when missing).
    #[serde(deserialize_with = "lenient::de")]
    pub attempt_number: u32,
    /// When the attempt was created.
    #[serde(deserialize_with = "lenient::opt")]
    pub created_at: Option<OffsetDateTime>,
    /// The tester's outbound call, once dialed.
    #[serde(deserialize_with = "lenient::opt")]
    pub call_id: Option<String>,
    /// The target agent's inbound call, once connected; its transcript is the target's side.
    #[serde(deserialize_with = "lenient::opt")]
    pub inbound_call_id: Option<String>,
    /// The verdict; `None` while pending or when the run was cancelled first.
    #[serde(deserialize_with = "lenient::opt")]
    pub result: Option<AttemptResult>,
    /// The judge's explanation.
    #[serde(deserialize_with = "lenient::opt")]
    pub reasoning: Option<String>,
    /// The conversation, entries kept as raw JSON; empty when absent or null.
    #[serde(deserialize_with = "transcript::transcript")]
    pub transcript: Vec<TranscriptEntry>,
    /// When the calls started.
    #[serde(deserialize_with = "lenient::opt")]
    pub started_at: Option<OffsetDateTime>,
    /// When the attempt finished.
    #[serde(deserialize_with = "lenient::opt")]
    pub completed_at: Option<OffsetDateTime>,
}

impl Attempt {
    /// True once the attempt has a verdict.
    pub fn is_judged(&self) -> bool {
        self.result.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nulls_and_missing_fields_default() {
        let run: TestRun = serde_json::from_value(json!({
            "id": "r1", "status": null, "totalTests": null, "passedTests": "2",
            "attempts": null, "startedAt": "not a date", "name": null, "extra": {"x": 1}
        }))
        .unwrap();
        assert_eq!(run.id, "r1");
        assert_eq!(run.status, RunStatus::default());
        assert!(!run.is_terminal());
        assert_eq!(
            (run.total_tests, run.passed_tests, run.failed_tests),
            (0, 2, 0)
        );
        assert!(run.attempts.is_empty());
        assert_eq!(run.started_at, None);
        assert_eq!(run.name, None);
    }

    #[test]
    fn attempt_results_and_ids() {
        let run: TestRun = serde_json::from_value(json!({
            "id": 42,
            "status": "canceled",
            "attempts": [
                {"id": "a1", "result": "pass", "callId": "c1", "attemptNumber": 1},
                {"id": "a2", "result": null, "callId": null},
                {"id": "a3", "result": "flaky", "transcript": {"not": "an array"}},
                "garbage"
            ]
        }))
        .unwrap();
        assert_eq!(run.id, "42");
        assert_eq!(run.status, RunStatus::Cancelled);
        assert_eq!(run.attempts.len(), 3, "a non-object attempt is skipped");
        assert_eq!(run.attempts[0].result, Some(AttemptResult::Pass));
        assert_eq!(run.attempts[0].call_id.as_deref(), Some("c1"));
        assert_eq!(run.attempts[1].result, None);
        assert_eq!(
            run.attempts[2].result,
            Some(AttemptResult::Unknown("flaky".into()))
        );
        assert!(run.attempts[2].transcript.is_empty());
        assert_eq!(run.judged_attempts(), 2);
    }
}
