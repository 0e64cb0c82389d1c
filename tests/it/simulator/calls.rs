//! Calls: both legs of an attempt, batch-get, the paginated list, recordings, agents batch-get.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use super::{assert_error, assert_timestamp, sim};

#[tokio::test]
async fn attempt_calls_and_their_recordings() {
    let s = sim().await;
    let suite = s.suite_with(2, &[("Books [sim:pass]", 1)]).await;
    let run = s.start(&suite).await;
    let done = s.wait_terminal(&suite, &run).await;
    let attempt = &done["attempts"][0];
    let out_id = attempt["callId"].as_str().expect("call id");
    let in_id = attempt["inboundCallId"].as_str().expect("inbound id");

    let (status, out) = s.get(&format!("/calls/{out_id}")).await;
    assert_eq!(status, StatusCode::OK);
    let out = &out["data"];
    assert_eq!(out["direction"], "OUTBOUND");
    assert_eq!(out["status"], "COMPLETED");
    assert!(
        out["durationSeconds"].as_u64().is_some_and(|d| d >= 10),
        "{out}"
    );
    assert!(out["hangupCause"].is_string());
    assert!(out["summary"].is_string());
    assert!(
        out["fromNumber"]
            .as_str()
            .is_some_and(|n| n.starts_with("+1"))
    );
    for key in [
        "initiatedAt",
        "startedAt",
        "endedAt",
        "createdAt",
        "updatedAt",
    ] {
        assert_timestamp(&out[key]);
    }
    let (_, inbound) = s.get(&format!("/calls/{in_id}")).await;
    let inbound = &inbound["data"];
    assert_eq!(inbound["direction"], "INBOUND");
    assert_eq!(
        inbound["transcript"], attempt["transcript"],
        "target-side transcript"
    );
    assert_eq!(
        out["transcript"][0]["role"], "user",
        "roles swap on the tester's leg"
    );
    assert_eq!(
        out["transcript"][0]["content"],
        attempt["transcript"][0]["content"]
    );
    let (_, suite_json) = s.get(&format!("/test-suites/{suite}")).await;
    assert_eq!(inbound["agentId"], suite_json["data"]["targetAgentId"]);

    let url = out["recordingUrl"].as_str().expect("recording url");
    assert!(url.starts_with(&s.base), "{url}");
    let resp = s
        .http
        .get(url)
        .header("x-api-key", &s.key)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "audio/wav");
    let wav = resp.bytes().await.expect("bytes");
    assert_eq!(&wav[0..4], b"RIFF");
    assert_eq!(&wav[8..12], b"WAVE");
    assert!(wav.len() > 1_000 && wav.len() < 200_000);
    let resp = s.http.get(url).send().await.expect("sent");
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = s
        .http
        .get(url)
        .header("x-api-key", &s.other)
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);

    let (status, _) = s
        .call_as(
            Some(&s.other),
            Method::GET,
            &format!("/calls/{out_id}"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, batch) = s
        .post("/calls/batch-get", json!({"ids": [out_id, in_id, "00000000-0000-4000-8000-000000000000"], "minimal": true}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let items = batch["data"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert!(items[0].get("transcript").is_none() && items[0].get("summary").is_none());
    assert_eq!(items[0]["id"], out_id);

    let (status, err) = s.post(&format!("/calls/{out_id}/cancel"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_error(&err, "conflict");
    s.sim.shutdown().await;
}

#[tokio::test]
async fn calls_list_filters_sorts_and_pages() {
    let s = sim().await;
    let (status, page) = s
        .get("/calls?sortBy=createdAt&sortDir=desc&pageSize=50")
        .await;
    assert_eq!(status, StatusCode::OK);
    let items = page["data"].as_array().expect("items");
    assert_eq!(items.len(), 50);
    let total = page["pagination"]["total"].as_u64().expect("total");
    assert!(total > 50);
    let created: Vec<&str> = items
        .iter()
        .filter_map(|c| c["createdAt"].as_str())
        .collect();
    assert!(created.windows(2).all(|w| w[0] >= w[1]));

    let (_, asc) = s.get("/calls?sortDir=asc&pageSize=5&page=2").await;
    assert_eq!(asc["data"].as_array().map(Vec::len), Some(5));
    assert_eq!(asc["pagination"]["page"], 2);

    let agent = items[0]["agentId"].as_str().expect("agent").to_owned();
    let (_, filtered) = s
        .get(&format!(
            "/calls?agentId={agent}&direction=INBOUND&pageSize=100"
        ))
        .await;
    let filtered = filtered["data"].as_array().expect("filtered");
    assert!(
        filtered
            .iter()
            .all(|c| c["agentId"] == agent.as_str() && c["direction"] == "INBOUND")
    );

    let from = created[10];
    let (_, recent) = s
        .get(&format!("/calls?createdFrom={from}&pageSize=100"))
        .await;
    assert!(
        recent["data"]
            .as_array()
            .expect("recent")
            .iter()
            .all(|c| c["createdAt"].as_str() >= Some(from))
    );

    for bad in [
        "pageSize=0",
        "pageSize=101",
        "sortDir=up",
        "sortBy=colour",
        "createdFrom=yesterday",
    ] {
        let (status, err) = s.get(&format!("/calls?{bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
        assert_error(&err, "validation_error");
    }
    s.sim.shutdown().await;
}

#[tokio::test]
async fn agents_get_and_batch_get() {
    let s = sim().await;
    let (_, agents) = s.get("/agents").await;
    let ids: Vec<Value> = agents["data"]
        .as_array()
        .expect("agents")
        .iter()
        .map(|a| a["id"].clone())
        .collect();
    let (status, one) = s
        .get(&format!("/agents/{}", ids[0].as_str().unwrap_or_default()))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["data"]["id"], ids[0]);
    assert!(one["data"]["promptTemplate"].is_string());
    let (status, batch) = s
        .post(
            "/agents/batch-get",
            json!({"ids": [ids[0], ids[1]], "minimal": true}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let items = batch["data"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert!(items[0].get("promptTemplate").is_none());
    let (status, none) = s
        .call_as(
            Some(&s.other),
            Method::POST,
            "/agents/batch-get",
            Some(json!({"ids": [ids[0]]})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none["data"].as_array().map(Vec::len), Some(0));
    s.sim.shutdown().await;
}
