//! Calls through the client: both legs of an attempt, transcripts read through the accessors,
//! batch-get (full, minimal, chunked), call status transitions and the recording the call links
//! to (docs/revring-api.md §3.5, §4, §6, §9.9, §9.20).

use std::time::{Duration, Instant};

use ringside::revring::{
    AttemptResult, BATCH_GET_MAX_IDS, CallDirection, CallStatus, ErrorKind, Speaker,
    TranscriptEntry,
};

use super::env;

/// Asserts speakers alternate starting with `first`, every entry has text, offsets grow.
fn assert_alternating(transcript: &[TranscriptEntry], first: &Speaker) {
    assert!(transcript.len() >= 4, "{transcript:?}");
    let other = match first {
        Speaker::Agent => Speaker::Tester,
        _ => Speaker::Agent,
    };
    for (i, entry) in transcript.iter().enumerate() {
        let want = if i % 2 == 0 { first } else { &other };
        assert_eq!(&entry.speaker_kind(), want, "entry {i}: {entry:?}");
        assert!(entry.text().is_some_and(|t| t.len() > 3), "{entry:?}");
    }
    let offsets: Vec<f64> = transcript
        .iter()
        .map(|t| t.seconds_from_start().expect("offset"))
        .collect();
    assert!(offsets.windows(2).all(|w| w[0] <= w[1]), "{offsets:?}");
}

fn texts(transcript: &[TranscriptEntry]) -> Vec<&str> {
    transcript
        .iter()
        .filter_map(TranscriptEntry::text)
        .collect()
}

#[tokio::test]
async fn both_legs_of_an_attempt_and_their_transcripts() {
    let e = env().await;
    let (suite, run) = e.finished_run(&[("Books a table [sim:pass]", 1)]).await;
    let attempt = &run.attempts[0];
    assert_alternating(&attempt.transcript, &Speaker::Agent);
    assert_eq!(attempt.transcript[0].speaker(), Some("assistant"));

    let inbound_id = attempt.inbound_call_id.as_deref().expect("inbound leg");
    let inbound = e.client.get_call(inbound_id).await.expect("inbound call");
    assert_eq!(inbound.id, inbound_id);
    assert_eq!(inbound.direction, Some(CallDirection::Inbound));
    assert_eq!(inbound.status, Some(CallStatus::Completed));
    assert_eq!(inbound.agent_id.as_ref(), Some(&suite.target_agent_id));
    assert_eq!(inbound.transcript, attempt.transcript, "the target's side");

    let outbound_id = attempt.call_id.as_deref().expect("outbound leg");
    let outbound = e.client.get_call(outbound_id).await.expect("outbound call");
    assert_eq!(outbound.direction, Some(CallDirection::Outbound));
    assert_eq!(outbound.status, Some(CallStatus::Completed));
    assert_ne!(outbound.agent_id, inbound.agent_id, "the tester dials");
    assert_eq!(inbound.from_number, outbound.from_number);
    assert_eq!(inbound.to_number, outbound.to_number);
    // On the tester's own call the tester is the assistant: same words, roles swapped.
    assert_alternating(&outbound.transcript, &Speaker::Tester);
    assert_eq!(texts(&outbound.transcript), texts(&attempt.transcript));

    for call in [&inbound, &outbound] {
        assert!(call.duration_seconds.is_some_and(|d| d >= 10), "{call:?}");
        assert!(call.started_at.is_some() && call.ended_at.is_some());
        assert!(call.ended_at > call.started_at);
        assert!(call.summary.as_deref().is_some_and(|s| !s.is_empty()));
        assert!(call.hangup_cause.is_some());
        assert!(call.metrics.is_some());
        assert!(call.recording_url.is_some());
    }
    let unknown = e
        .client
        .get_call("00000000-0000-4000-8000-000000000000")
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::NotFound);
    e.sim.shutdown().await;
}

#[tokio::test]
async fn batch_get_full_minimal_and_chunked() {
    let e = env().await;
    let (_, run) = e.finished_run(&[("Books [sim:pass]", 2)]).await;
    let mut ids: Vec<String> = run
        .attempts
        .iter()
        .flat_map(|a| [a.call_id.clone(), a.inbound_call_id.clone()])
        .map(|id| id.expect("dialed"))
        .collect();
    assert_eq!(ids.len(), 4);
    e.sim.reset_stats();

    let full = e.client.batch_get_calls(&ids, false).await.expect("full");
    let got: Vec<&str> = full.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(got, ids.iter().map(String::as_str).collect::<Vec<_>>());
    for call in &full {
        assert!(
            !call.transcript.is_empty() && call.summary.is_some(),
            "{call:?}"
        );
        assert!(call.status.is_some() && call.direction.is_some());
    }
    let single = e.client.get_call(&ids[1]).await.expect("one");
    assert_eq!(full[1], single, "batch items are whole calls");

    let minimal = e.client.batch_get_calls(&ids, true).await.expect("minimal");
    assert_eq!(minimal.len(), 4);
    for call in &minimal {
        assert!(call.transcript.is_empty(), "{call:?}");
        assert!(call.summary.is_none() && call.metrics.is_none() && call.variables.is_empty());
        assert_eq!(call.status, Some(CallStatus::Completed));
        assert!(call.recording_url.is_some());
    }
    let batch_route = "POST /v1/calls/batch-get";
    assert_eq!(e.sim.stats().route(batch_route), 2);

    // Unknown ids are left out; more than the limit is split; none sends nothing.
    ids.extend((0..BATCH_GET_MAX_IDS + 20).map(|n| format!("00000000-0000-4000-8000-{n:012}")));
    e.sim.reset_stats();
    let many = e.client.batch_get_calls(&ids, true).await.expect("chunked");
    assert_eq!(many.len(), 4);
    assert_eq!(e.sim.stats().route(batch_route), 2, "124 ids, two requests");
    assert!(
        e.client
            .batch_get_calls(&[], false)
            .await
            .expect("none")
            .is_empty()
    );
    assert_eq!(e.sim.stats().route(batch_route), 2, "no ids, no request");
    e.sim.shutdown().await;
}

#[tokio::test]
async fn the_recording_url_serves_audio_to_the_owner() {
    let e = env().await;
    let (_, run) = e.finished_run(&[("Books [sim:pass]", 1)]).await;
    let call_id = run.attempts[0].call_id.as_deref().expect("dialed");
    let call = e.client.get_call(call_id).await.expect("call");
    let url = call.recording_url.expect("recording url");
    assert!(url.starts_with(&e.sim.base_url()), "{url}");

    let http = reqwest::Client::new();
    let response = http
        .get(&url)
        .header("x-api-key", &e.key)
        .send()
        .await
        .expect("sent");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "audio/wav");
    let wav = response.bytes().await.expect("body");
    assert_eq!((&wav[0..4], &wav[8..12]), (&b"RIFF"[..], &b"WAVE"[..]));
    let foreign = http
        .get(&url)
        .header("x-api-key", &e.other_key)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        foreign.status().as_u16(),
        404,
        "another organization's call"
    );
    let other = e.other.get_call(call_id).await.unwrap_err();
    assert_eq!(other.kind(), ErrorKind::NotFound);
    e.sim.shutdown().await;
}

/// Polls `get_call` on `ids` until every call is terminal, collecting each call's distinct
/// statuses in order and checking what each status implies.
async fn watch_calls(e: &super::Env, ids: &[String]) -> Vec<Vec<CallStatus>> {
    let mut seen: Vec<Vec<CallStatus>> = vec![Vec::new(); ids.len()];
    let began = Instant::now();
    loop {
        let calls = e.client.batch_get_calls(ids, false).await.expect("calls");
        assert_eq!(calls.len(), ids.len());
        for (call, statuses) in calls.iter().zip(seen.iter_mut()) {
            let status = call.status.clone().expect("status");
            let ended = status.is_terminal();
            assert_eq!(call.ended_at.is_some(), ended, "{call:?}");
            assert_eq!(call.transcript.is_empty(), status != CallStatus::Completed);
            assert_eq!(
                call.recording_url.is_some(),
                status == CallStatus::Completed
            );
            match status {
                CallStatus::Initiated | CallStatus::NoAnswer => {
                    assert!(call.started_at.is_none() && call.duration_seconds.is_none())
                }
                _ => assert!(call.started_at.is_some(), "{call:?}"),
            }
            if statuses.last() != Some(&status) {
                statuses.push(status);
            }
        }
        if seen
            .iter()
            .all(|s| s.last().is_some_and(CallStatus::is_terminal))
        {
            return seen;
        }
        assert!(began.elapsed() < Duration::from_secs(10), "{seen:?}");
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
}

#[tokio::test]
async fn call_statuses_progress_from_initiated_to_their_end() {
    let e = super::env_at(100.0).await;
    let suite = e
        .suite_with(
            4,
            &[("Talks [sim:pass]", 1), ("Nobody answers [sim:error]", 1)],
        )
        .await;
    let run = e.client.start_run(&suite.id, None).await.expect("started");
    let began = Instant::now();
    let dialed = loop {
        let current = e.client.get_run(&suite.id, &run.id).await.expect("run");
        if current.attempts.iter().all(|a| a.call_id.is_some()) {
            break current;
        }
        assert!(began.elapsed() < Duration::from_secs(5), "never dialed");
        tokio::time::sleep(Duration::from_millis(3)).await;
    };
    let ids: Vec<String> = dialed
        .attempts
        .iter()
        .map(|a| a.call_id.clone().expect("dialed"))
        .collect();
    let seen = watch_calls(&e, &ids).await;

    use CallStatus::{Completed, Initiated, NoAnswer, Ongoing};
    let talked = &seen[0];
    assert_eq!(
        &talked[talked.len() - 2..],
        [Ongoing, Completed],
        "{talked:?}"
    );
    assert!(talked.len() == 2 || talked[0] == Initiated, "{talked:?}");
    assert_eq!(
        seen[1],
        [Initiated, NoAnswer],
        "rings for 25 s, then gives up"
    );
    let unanswered = e.client.get_call(&ids[1]).await.expect("call");
    assert_eq!(
        unanswered.error_message.as_deref(),
        Some("The callee did not answer")
    );
    let done = e.wait_terminal(&suite.id, &run.id).await;
    let results: Vec<_> = done.attempts.iter().map(|a| a.result.clone()).collect();
    assert_eq!(
        results,
        [Some(AttemptResult::Pass), Some(AttemptResult::Error)]
    );
    e.sim.shutdown().await;
}
