//! The JSON API and `ringside ci` over real HTTP: a team on a portal whose upstream is the
//! simulator, API tokens made on the tokens page.

mod ci;
mod foundation;
mod labels;
mod openapi;
mod route_table;
mod runs;

use reqwest::StatusCode;
use serde_json::Value;

use crate::support::runs::RunsWorld;

/// The value of the `value` attribute of the input with this id.
pub(crate) fn input_value(html: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = html.find(&marker).expect("the input is on the page");
    let tag_start = html[..at].rfind('<').unwrap();
    let tag = &html[tag_start..tag_start + html[tag_start..].find('>').unwrap()];
    let value = tag.find("value=\"").expect("the input has a value") + "value=\"".len();
    tag[value..].chars().take_while(|c| *c != '"').collect()
}

/// Creates a token on the tokens page as the world's admin and returns it.
pub(crate) async fn create_token(world: &RunsWorld, name: &str, scope: &str) -> String {
    let response = world
        .admin
        .post(
            "/tokens",
            &[("name", name), ("scope", scope), ("expires", "90d")],
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "the secret is not cached"
    );
    let token = input_value(&response.text().await.unwrap(), "new-token");
    assert!(token.starts_with("rst_"), "{token}");
    token
}

/// A client for the API with one token.
pub(crate) struct Api {
    base: String,
    token: String,
    client: reqwest::Client,
}

impl Api {
    pub(crate) fn new(world: &RunsWorld, token: &str) -> Self {
        Self {
            base: world.app.url(""),
            token: token.to_owned(),
            client: reqwest::Client::new(),
        }
    }

    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token)
    }

    /// `GET path`: status and JSON body.
    pub(crate) async fn get(&self, path: &str) -> (StatusCode, Value) {
        read(
            self.request(reqwest::Method::GET, path)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// `POST path` with a JSON body.
    pub(crate) async fn post(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        read(
            self.request(reqwest::Method::POST, path)
                .json(body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }
}

/// Status and JSON body of a response (asserting it is JSON).
pub(crate) async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let kind = response
        .headers()
        .get("content-type")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or_default();
    assert!(kind.starts_with("application/json"), "{status} {kind}");
    (status, response.json().await.unwrap())
}

/// A RevRing client for the world's simulator, with its first key.
pub(crate) fn upstream(world: &RunsWorld) -> ringside::revring::Client {
    ringside::revring::RevRing::new(&world.sim.base_url())
        .expect("valid base URL")
        .client(ringside::revring::SecretString::from(
            world.sim.keys()[0].clone(),
        ))
}

/// Creates a suite upstream with one test case per name (`[sim:pass]`/`[sim:fail]` markers
/// decide verdicts), imports it, and returns (Ringside's id, RevRing's id).
pub(crate) async fn make_suite(
    world: &RunsWorld,
    name: &str,
    cases: &[&str],
) -> (uuid::Uuid, String) {
    let client = upstream(world);
    let agents = client.list_agents().await.unwrap();
    let suite = client
        .create_suite(&ringside::revring::NewSuite {
            name: name.into(),
            target_agent_id: agents[0].id.clone(),
            max_concurrency: Some(10),
            ..Default::default()
        })
        .await
        .unwrap();
    for case in cases {
        client
            .create_test(
                &suite.id,
                &ringside::revring::NewTestCase {
                    name: (*case).into(),
                    script: "Ask to book a table for two on Friday.".into(),
                    scoring_rubric: "The agent confirms date, time and party size.".into(),
                    attempts_per_run: Some(1),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    refresh(world).await;
    (world.suite_id(name).await, suite.id)
}

/// Reloads suites from RevRing in the portal.
pub(crate) async fn refresh(world: &RunsWorld) {
    let refreshed = world.admin.post("/suites/refresh", &[]).await;
    assert_eq!(refreshed.status(), StatusCode::SEE_OTHER);
}

/// Polls the run through the API until it has finished; returns its JSON.
pub(crate) async fn wait_finished(api: &Api, run_id: &str) -> Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (status, body) = api.get(&format!("/api/v1/runs/{run_id}")).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let state = body["data"]["status"].as_str().unwrap().to_owned();
        if ["completed", "failed", "cancelled"].contains(&state.as_str()) {
            return body["data"].clone();
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the run finished: {body}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
