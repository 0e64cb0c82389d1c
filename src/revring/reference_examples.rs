//! Every JSON example of `docs/revring-api.md`, in the shape RevRing's generated documentation shows
//! (placeholder strings, `123`, `[{}]`), plus the odd variants the reference warns about, all
//! decoded through the same envelope code the client uses.

use reqwest::StatusCode;
use serde_json::{Value, json};
use time::macros::datetime;

use super::envelope::{decode, decode_list, decode_optional};
use super::*;

const UUID: &str = "3c90c3cc-0d44-4b50-8888-8dd25736052a";
const WHEN: &str = "2023-11-07T05:31:56Z";

fn body(value: Value) -> Vec<u8> {
    serde_json::to_vec(&value).unwrap()
}

fn one<T: serde::de::DeserializeOwned>(value: Value) -> T {
    decode(StatusCode::OK, &body(value)).unwrap()
}

fn many<T: serde::de::DeserializeOwned>(value: Value) -> Vec<T> {
    decode_list(StatusCode::OK, &body(value)).unwrap()
}

fn attempt_example() -> Value {
    json!({
        "id": UUID, "testCaseId": UUID, "testCaseName": "<string>", "attemptNumber": 123,
        "createdAt": WHEN, "callId": UUID, "inboundCallId": UUID, "result": "pass",
        "reasoning": "<string>", "transcript": [{}], "startedAt": WHEN, "completedAt": WHEN
    })
}

fn run_example(status: &str) -> Value {
    json!({"data": {
        "id": UUID, "testSuiteId": UUID, "name": "<string>", "status": status,
        "totalTests": 123, "passedTests": 123, "failedTests": 123,
        "createdAt": WHEN, "updatedAt": WHEN, "attempts": [attempt_example()]
    }})
}

#[test]
fn test_case_example() {
    let case: TestCase = one(json!({"data": {
        "id": UUID, "testSuiteId": UUID, "name": "<string>", "script": "<string>",
        "scoringRubric": "<string>", "attemptsPerRun": 123, "createdAt": WHEN,
        "updatedAt": WHEN, "variables": {}
    }}));
    assert_eq!(case.id, UUID);
    assert_eq!(case.test_suite_id, UUID);
    assert_eq!(case.attempts(), 123);
    assert_eq!(case.created_at, Some(datetime!(2023-11-07 05:31:56 UTC)));
    assert!(case.variables.is_empty());
}

#[test]
fn create_suite_example_is_an_empty_object() {
    let suite: TestSuite = one(json!({"data": {}}));
    assert_eq!(suite, TestSuite::default());
    let guessed: TestSuite = one(json!({"data": {
        "id": UUID, "name": "Billing", "targetAgentId": "ckagent0000000000000000001",
        "testerAgentId": null, "maxConcurrency": 2, "defaultVariables": {"plan": "pro"},
        "organizationId": UUID, "createdAt": WHEN, "updatedAt": WHEN
    }}));
    assert_eq!(guessed.tester_agent_id, None);
    assert_eq!(guessed.max_concurrency, Some(2));
    assert_eq!(guessed.default_variables["plan"], "pro");
}

#[test]
fn start_and_cancel_run_examples() {
    let run: TestRun = one(run_example("queued"));
    assert_eq!(run.status, RunStatus::Queued);
    assert_eq!(
        (run.total_tests, run.passed_tests, run.failed_tests),
        (123, 123, 123)
    );
    let attempt = &run.attempts[0];
    assert_eq!(attempt.result, Some(AttemptResult::Pass));
    assert_eq!(attempt.attempt_number, 123);
    assert_eq!(attempt.inbound_call_id.as_deref(), Some(UUID));
    assert_eq!(
        attempt.transcript.len(),
        1,
        "the example's `[{{}}]` entry is kept"
    );
    assert_eq!(attempt.transcript[0].speaker(), None);

    let cancelled: Option<TestRun> =
        decode_optional(StatusCode::OK, &body(run_example("cancelled"))).unwrap();
    assert_eq!(cancelled.unwrap().status, RunStatus::Cancelled);
    let canceled: TestRun = one(run_example("canceled"));
    assert!(canceled.is_terminal());
}

#[test]
fn run_variants_from_the_guesses() {
    let run: TestRun = one(json!({"data": {
        "id": UUID, "status": "running", "name": null, "totalTests": null,
        "startedAt": WHEN, "completedAt": null,
        "attempts": [
            {"id": "a1", "result": null, "transcript": null, "callId": null},
            {"id": "a2", "result": "fail", "reasoning": "Agent never confirmed the date",
             "transcript": [
                {"role": "assistant", "content": "Thanks for calling", "secondsFromStart": 0.4},
                {"speaker": "user", "text": "I need to move my booking", "timestamp": "3.2"},
                {"from": "agent", "message": "Sure", "time": 5}
             ]},
            {"id": "a3", "result": "error"},
            {"id": "a4", "result": "skipped"}
        ]
    }, "meta": {"requestId": "r"}}));
    assert_eq!(run.status, RunStatus::Running);
    assert_eq!((run.name, run.total_tests), (None, 0));
    let results: Vec<_> = run.attempts.iter().map(|a| a.result.clone()).collect();
    assert_eq!(
        results,
        [
            None,
            Some(AttemptResult::Fail),
            Some(AttemptResult::Error),
            Some(AttemptResult::Unknown("skipped".into()))
        ]
    );
    let transcript = &run.attempts[1].transcript;
    let speakers: Vec<_> = transcript
        .iter()
        .map(TranscriptEntry::speaker_kind)
        .collect();
    assert_eq!(speakers, [Speaker::Agent, Speaker::Tester, Speaker::Agent]);
    let texts: Vec<_> = transcript
        .iter()
        .filter_map(TranscriptEntry::text)
        .collect();
    assert_eq!(
        texts,
        ["Thanks for calling", "I need to move my booking", "Sure"]
    );
    let offsets: Vec<_> = transcript
        .iter()
        .filter_map(|e| e.seconds_from_start())
        .collect();
    assert_eq!(offsets, [0.4, 3.2, 5.0]);
}

#[test]
fn unknown_run_status_is_kept() {
    let run: TestRun = one(run_example("paused_for_review"));
    assert_eq!(run.status, RunStatus::Unknown("paused_for_review".into()));
    assert!(!run.is_terminal());
}

fn call_example() -> Value {
    json!({
        "id": UUID, "organizationId": UUID, "direction": "INBOUND", "status": "QUEUED",
        "fromNumber": "+14155550100", "toNumber": "+14155550101", "initiatedAt": WHEN,
        "createdAt": WHEN, "updatedAt": WHEN, "agentId": UUID, "sipTrunkId": UUID,
        "agentCallerIdName": "<string>", "agentName": "<string>", "variables": {},
        "recordingUrl": "<string>", "hangupCause": "USER_ENDED", "errorMessage": null,
        "transcript": [{}], "summary": "<string>", "metrics": {}, "startedAt": WHEN,
        "endedAt": WHEN, "durationSeconds": 123, "postCallWebhookStatus": "sent",
        "preCallWebhookStatus": "sent", "source": null
    })
}

#[test]
fn call_example_and_statuses() {
    let call: Call = one(json!({"data": call_example()}));
    assert_eq!(call.direction, Some(CallDirection::Inbound));
    assert_eq!(call.status, Some(CallStatus::Queued));
    assert_eq!(call.duration_seconds, Some(123));
    assert_eq!(call.hangup_cause.as_deref(), Some("USER_ENDED"));
    assert_eq!(call.error_message, None);
    assert_eq!(call.metrics, Some(json!({})));
    for (raw, status) in [
        ("INITIATED", CallStatus::Initiated),
        ("ONGOING", CallStatus::Ongoing),
        ("TRANSFERRED", CallStatus::Transferred),
        ("COMPLETED", CallStatus::Completed),
        ("FAILED", CallStatus::Failed),
        ("CANCELED", CallStatus::Canceled),
        ("NO_ANSWER", CallStatus::NoAnswer),
        ("BUSY", CallStatus::Busy),
        ("VOICEMAIL", CallStatus::Unknown("VOICEMAIL".into())),
    ] {
        let mut value = call_example();
        value["status"] = json!(raw);
        assert_eq!(one::<Call>(json!({ "data": value })).status, Some(status));
    }
}

#[test]
fn batch_get_example_without_direction_or_status() {
    let mut minimal = call_example();
    let object = minimal.as_object_mut().unwrap();
    for key in [
        "direction",
        "status",
        "transcript",
        "summary",
        "metrics",
        "variables",
    ] {
        object.remove(key);
    }
    let calls: Vec<Call> = many(json!({"data": [call_example(), minimal]}));
    assert_eq!(calls.len(), 2);
    assert_eq!(
        (calls[1].status.clone(), calls[1].direction.clone()),
        (None, None)
    );
    assert!(calls[1].transcript.is_empty());
}

#[test]
fn agent_list_example() {
    let agents: Vec<Agent> = many(json!({"data": [{
        "id": "clx1a2b3c4d5e6f7g8h9i0j1k", "name": "<string>", "promptTemplate": "<string>",
        "sipTrunkId": UUID, "status": "active", "defaultVariables": {}, "firstMessage": "<string>",
        "turnTimeoutSeconds": 123, "llmTemperature": 1, "transferRoutes": [{"to_number": "<string>",
        "condition": "<string>"}], "mode": "single_prompt", "createdAt": WHEN, "updatedAt": WHEN,
        "sipTrunk": {"friendlyName": "<string>"}, "folderId": UUID,
        "folder": {"id": UUID, "name": "<string>", "color": "<string>"},
        "phoneNumbers": [{"id": UUID, "e164": "+14155550100", "createdAt": WHEN, "updatedAt": WHEN}],
        "customTools": [{}], "interruptionThresholdMs": 500,
        "messagingConfig": {"smsPrompt": "<string>"}
    }]}));
    assert_eq!(agents[0].id, "clx1a2b3c4d5e6f7g8h9i0j1k");
    assert!(agents[0].is_active());
    assert_eq!(agents[0].phone_numbers[0].e164, "+14155550100");
    assert_eq!(agents[0].mode.as_deref(), Some("single_prompt"));
}

#[test]
fn generate_tests_example() {
    let generated: GeneratedTests = one(json!({"data": {
        "tests": [{"name": "<string>", "script": "<string>", "scoringRubric": "<string>"}],
        "messages": [{"role": "user", "content": "<string>"}]
    }}));
    assert_eq!(generated.tests[0].scoring_rubric, "<string>");
    assert_eq!(generated.messages[0].role, "user");
    let empty: GeneratedTests = one(json!({"data": {"tests": null}}));
    assert!(empty.tests.is_empty() && empty.messages.is_empty());
}

#[test]
fn lists_of_suites_tests_and_runs_with_extra_keys() {
    let page = json!({"data": [{"id": "s1"}, {"id": "s2"}], "page": 1, "pageSize": 50});
    assert_eq!(many::<TestSuite>(page).len(), 2);
    let tests: Vec<TestCase> = many(json!({"data": [{"id": "t", "attemptsPerRun": null}]}));
    assert_eq!(tests[0].attempts(), 1);
    let runs: Vec<TestRun> = many(json!({"data": [{"id": "r", "status": "completed"}]}));
    assert!(runs[0].attempts.is_empty() && runs[0].is_terminal());
}

#[test]
fn delete_responses() {
    for raw in [
        &b""[..],
        b"{}",
        br#"{"data": {}}"#,
        br#"{"data": {"deleted": true}}"#,
    ] {
        let nothing: Option<TestSuite> = decode_optional(StatusCode::OK, raw).unwrap();
        assert_eq!(nothing, None);
    }
}

#[test]
fn bad_timestamps_do_not_fail_the_payload() {
    let run: TestRun = one(json!({"data": {
        "id": "r", "createdAt": "2023-13-45T99:99:99Z", "updatedAt": 1699335116,
        "startedAt": {"seconds": 1}, "status": "QUEUED"
    }}));
    assert_eq!(run.created_at, None);
    assert_eq!(run.updated_at, Some(datetime!(2023-11-07 05:31:56 UTC)));
    assert_eq!(run.started_at, None);
    assert_eq!(run.status, RunStatus::Queued);
}
