//! Starting and cancelling runs. Every start costs real phone calls, so a form token starts at
//! most one run, and a start whose outcome is unknown (a timeout) is settled by listing the
//! suite's runs, never by trying again.

use std::time::Duration;

use time::OffsetDateTime;
use uuid::Uuid;

use super::RevRingAccess;
use crate::db::run_starts::{self, StartState};
use crate::db::suites::Suite;
use crate::db::{run_labels, runs};
use crate::revring::{Client, TestRun};

/// How long a duplicate submission waits for the first one to finish.
pub const DUPLICATE_WAIT: Duration = Duration::from_secs(30);

/// How often a duplicate submission looks again.
const DUPLICATE_POLL: Duration = Duration::from_millis(100);

/// Clock difference tolerated between Ringside and RevRing when matching a run to a start
/// whose answer never came.
const RECONCILE_SKEW: time::Duration = time::Duration::minutes(5);

/// Times the suite's runs are listed while looking for a run whose start timed out.
const RECONCILE_ATTEMPTS: u32 = 3;

/// Pause between those listings.
const RECONCILE_PAUSE: Duration = Duration::from_secs(1);

/// What became of a start request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    /// The run exists (started now, or by an earlier submission of the same form).
    Started(Uuid),
    /// An earlier submission of this form is still talking to RevRing.
    StillStarting,
    /// Nothing was started; the message says why, in plain words.
    Refused(String),
}

/// How long an API idempotency key keeps answering with the run it started.
pub const IDEMPOTENCY_WINDOW_SECS: f64 = 24.0 * 3600.0;

/// Starts a run of `suite` for the form `token`.
pub async fn start_run(
    access: &RevRingAccess,
    suite: &Suite,
    user_id: Option<Uuid>,
    name: Option<&str>,
    token: Uuid,
) -> anyhow::Result<StartOutcome> {
    start_run_labelled(access, suite, user_id, name, &serde_json::json!({}), token).await
}

/// The start token an API `Idempotency-Key` stands for: the same team, suite and key always
/// give the same token, so retries share one start.
pub fn idempotency_token(team_id: Uuid, suite_id: Uuid, key: &str) -> Uuid {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(format!("idempotency:{team_id}:{suite_id}:{key}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// Starts a run for an API request with an idempotency key: the same key within
/// [`IDEMPOTENCY_WINDOW_SECS`] answers with the first start's run (or waits for it), starting
/// nothing upstream. A key whose start failed, or that is older than the window, starts anew.
/// Returns the outcome and whether it replayed an earlier start.
pub async fn start_run_idempotent(
    access: &RevRingAccess,
    suite: &Suite,
    name: Option<&str>,
    labels: &serde_json::Value,
    key: &str,
) -> anyhow::Result<(StartOutcome, bool)> {
    let token = idempotency_token(suite.team_id, suite.id, key);
    run_starts::release_stale(&access.db, suite.team_id, token, IDEMPOTENCY_WINDOW_SECS).await?;
    let replay = run_starts::get(&access.db, suite.team_id, token)
        .await?
        .is_some();
    let outcome = start_run_labelled(access, suite, None, name, labels, token).await?;
    Ok((outcome, replay))
}

/// Starts a run of `suite` for `token`, storing `labels` (a JSON object) on it.
pub async fn start_run_labelled(
    access: &RevRingAccess,
    suite: &Suite,
    user_id: Option<Uuid>,
    name: Option<&str>,
    labels: &serde_json::Value,
    token: Uuid,
) -> anyhow::Result<StartOutcome> {
    let db = &access.db;
    if !run_starts::claim(db, token, suite.team_id, suite.id, user_id, name).await? {
        return wait_for_first_submission(access, suite.team_id, token).await;
    }
    let outcome = match access.client_for(suite.team_id, suite.api_key_id).await {
        Ok(client) => start_with(access, &client, suite, user_id, name, labels).await?,
        Err(problem) => StartOutcome::Refused(format!("Cannot start the run: {problem}.")),
    };
    match &outcome {
        StartOutcome::Started(run_id) => run_starts::mark_started(db, token, *run_id).await?,
        StartOutcome::Refused(message) => run_starts::mark_failed(db, token, message).await?,
        StartOutcome::StillStarting => {}
    }
    Ok(outcome)
}

async fn start_with(
    access: &RevRingAccess,
    client: &Client,
    suite: &Suite,
    user_id: Option<Uuid>,
    name: Option<&str>,
    labels: &serde_json::Value,
) -> anyhow::Result<StartOutcome> {
    let sent_at = OffsetDateTime::now_utc();
    let started = match client.start_run(&suite.revring_id, name).await {
        Ok(run) => Some(run),
        Err(error) if error.outcome_unknown() => {
            tracing::warn!(suite = %suite.id, "start-run outcome unknown ({error}); reconciling");
            reconcile(access, client, suite, name, sent_at).await?
        }
        Err(error) => return Ok(StartOutcome::Refused(error.user_message())),
    };
    let Some(run) = started else {
        return Ok(StartOutcome::Refused(
            "RevRing did not confirm the start, and no new run appeared in the suite. Nothing was \
             started; if RevRing started it after all, it will show up here on the next refresh."
                .into(),
        ));
    };
    let run_id = runs::upsert_discovered(
        &access.db,
        suite.team_id,
        suite.id,
        suite.api_key_id,
        &run,
        user_id,
    )
    .await?;
    if labels.as_object().is_some_and(|labels| !labels.is_empty()) {
        run_labels::set_labels(&access.db, suite.team_id, run_id, labels).await?;
    }
    runs::poll_soon(&access.db, run_id).await?;
    Ok(StartOutcome::Started(run_id))
}

/// Finds the run a timed-out start created, if it did: a run of the suite Ringside does not
/// know yet, created around the time of the request, with the requested name.
async fn reconcile(
    access: &RevRingAccess,
    client: &Client,
    suite: &Suite,
    name: Option<&str>,
    sent_at: OffsetDateTime,
) -> anyhow::Result<Option<TestRun>> {
    for attempt in 1..=RECONCILE_ATTEMPTS {
        let known = runs::known_revring_ids(&access.db, suite.team_id, suite.id).await?;
        match client.list_runs(&suite.revring_id).await {
            Ok(listed) => {
                let found = pick_started_run(listed, &known, name, sent_at);
                if found.is_some() {
                    return Ok(found);
                }
            }
            Err(error) => tracing::warn!("listing runs to reconcile a start failed: {error}"),
        }
        if attempt < RECONCILE_ATTEMPTS {
            tokio::time::sleep(RECONCILE_PAUSE).await;
        }
    }
    Ok(None)
}

/// The candidate closest in time to `sent_at`, among unknown runs with the requested name.
pub fn pick_started_run(
    listed: Vec<TestRun>,
    known: &[String],
    name: Option<&str>,
    sent_at: OffsetDateTime,
) -> Option<TestRun> {
    listed
        .into_iter()
        .filter(|run| !run.id.is_empty() && !known.contains(&run.id))
        .filter(|run| name.is_none() || run.name.as_deref() == name)
        .filter_map(|run| {
            let created = run.created_at.unwrap_or(sent_at);
            let distance = (created - sent_at).abs();
            (created >= sent_at - RECONCILE_SKEW && created <= sent_at + RECONCILE_SKEW)
                .then_some((distance, run))
        })
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, run)| run)
}

async fn wait_for_first_submission(
    access: &RevRingAccess,
    team_id: Uuid,
    token: Uuid,
) -> anyhow::Result<StartOutcome> {
    let deadline = tokio::time::Instant::now() + DUPLICATE_WAIT;
    loop {
        let Some(start) = run_starts::get(&access.db, team_id, token).await? else {
            return Ok(StartOutcome::Refused(
                "This form belongs to another team.".into(),
            ));
        };
        match (start.state, start.run_id) {
            (StartState::Started, Some(run_id)) => return Ok(StartOutcome::Started(run_id)),
            (StartState::Failed, _) => {
                return Ok(StartOutcome::Refused(start.error.unwrap_or_default()));
            }
            _ if tokio::time::Instant::now() >= deadline => return Ok(StartOutcome::StillStarting),
            _ => tokio::time::sleep(DUPLICATE_POLL).await,
        }
    }
}

/// Asks RevRing to cancel a run and polls it at once. Returns a plain-words refusal if RevRing
/// refused.
pub async fn cancel_run(
    access: &RevRingAccess,
    team_id: Uuid,
    run_id: Uuid,
) -> anyhow::Result<Result<(), String>> {
    let Some(target) = runs::cancel_target(&access.db, team_id, run_id).await? else {
        return Ok(Err("That run does not exist.".into()));
    };
    let client = match access.client_for(team_id, target.api_key_id).await {
        Ok(client) => client,
        Err(problem) => return Ok(Err(format!("Cannot cancel the run: {problem}."))),
    };
    let result = client
        .cancel_run(&target.suite_revring_id, &target.revring_id)
        .await
        .map(|_| ())
        .map_err(|error| error.user_message());
    runs::poll_soon(&access.db, run_id).await?;
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn run(id: &str, name: Option<&str>, created: OffsetDateTime) -> TestRun {
        TestRun {
            id: id.into(),
            name: name.map(str::to_owned),
            created_at: Some(created),
            ..TestRun::default()
        }
    }

    #[test]
    fn picks_the_unknown_run_with_the_name_closest_to_the_request() {
        let sent = datetime!(2026-11-24 10:00 UTC);
        let listed = vec![
            run("old", Some("nightly"), sent - time::Duration::hours(2)),
            run("known", Some("nightly"), sent),
            run("other-name", Some("smoke"), sent),
            run("match", Some("nightly"), sent + time::Duration::seconds(2)),
            run("later", Some("nightly"), sent + time::Duration::seconds(90)),
        ];
        let picked = pick_started_run(listed, &["known".into()], Some("nightly"), sent).unwrap();
        assert_eq!(picked.id, "match");
    }

    #[test]
    fn finds_nothing_when_no_new_run_is_near() {
        let sent = datetime!(2026-11-24 10:00 UTC);
        let listed = vec![run("old", None, sent - time::Duration::hours(1))];
        assert!(pick_started_run(listed, &[], None, sent).is_none());
    }
}
