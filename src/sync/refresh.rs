//! Refreshing a key's suites, test cases and run history from RevRing: in the background on a
//! schedule, and on demand from the suites page. Runs started elsewhere (RevRing's dashboard,
//! scripts) are discovered here and handed to the poller, so the history is complete.

use std::collections::HashSet;

use uuid::Uuid;

use super::{RevRingAccess, Worker, schedule};
use crate::db::{runs, suites};

/// What one refresh found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RefreshReport {
    /// Suites listed by RevRing.
    pub suites: usize,
    /// Runs seen for the first time.
    pub imported_runs: usize,
}

/// Why a refresh failed, in words for the page.
#[derive(Debug, thiserror::Error)]
pub enum RefreshError {
    /// The key could not be used.
    #[error(transparent)]
    Key(#[from] super::keys::KeyProblem),
    /// RevRing refused or failed.
    #[error("{}", .0.user_message())]
    RevRing(#[from] crate::revring::Error),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl RefreshError {
    fn retry_after(&self) -> Option<std::time::Duration> {
        match self {
            RefreshError::RevRing(error) => error.retry_after(),
            _ => None,
        }
    }
}

/// Refreshes everything RevRing shows through one of the team's keys.
pub async fn refresh_key(
    access: &RevRingAccess,
    team_id: Uuid,
    api_key_id: Uuid,
) -> Result<RefreshReport, RefreshError> {
    let client = access.client_for(team_id, api_key_id).await?;
    let listed_at = time::OffsetDateTime::now_utc();
    let listed = client.list_suites().await?;
    let mut report = RefreshReport {
        suites: listed.len(),
        ..RefreshReport::default()
    };
    for suite in &listed {
        let cases = client.list_tests(&suite.id).await?;
        let count = i32::try_from(cases.len()).unwrap_or(i32::MAX);
        let suite_id = suites::upsert(&access.db, team_id, api_key_id, suite, count).await?;
        suites::replace_cases(&access.db, team_id, suite_id, &cases).await?;

        let known: HashSet<String> = runs::known_revring_ids(&access.db, team_id, suite_id)
            .await?
            .into_iter()
            .collect();
        for run in client.list_runs(&suite.id).await? {
            if run.id.is_empty() || known.contains(&run.id) {
                continue;
            }
            runs::upsert_discovered(&access.db, team_id, suite_id, api_key_id, &run, None).await?;
            report.imported_runs += 1;
        }
    }
    let ids: Vec<String> = listed.iter().map(|suite| suite.id.clone()).collect();
    suites::mark_missing_removed(&access.db, team_id, api_key_id, &ids, listed_at).await?;
    Ok(report)
}

/// Refreshes the keys whose refresh is due, each claimed with a lease so that one process
/// does it.
pub async fn refresh_due_keys(worker: &Worker) -> sqlx::Result<()> {
    let access = worker.upstream();
    let settings = worker.settings();
    let due =
        crate::db::key_refresh::claim_due(&access.db, settings.refresh_lease.as_secs_f64()).await?;
    for key in due {
        let outcome = refresh_key(access, key.team_id, key.api_key_id).await;
        let (next_in, error) = match &outcome {
            Ok(report) => {
                if report.imported_runs > 0 {
                    tracing::info!(key = %key.api_key_id, imported = report.imported_runs, "imported runs");
                }
                (settings.refresh_interval, None)
            }
            Err(error) => {
                let delay = schedule::retry_delay(
                    u32::try_from(key.failures).unwrap_or(0) + 1,
                    error.retry_after(),
                    settings.max_backoff,
                );
                tracing::warn!(key = %key.api_key_id, "refresh failed: {error}");
                (delay, Some(error.to_string()))
            }
        };
        crate::db::key_refresh::finish(
            &access.db,
            key.api_key_id,
            next_in.as_secs_f64(),
            error.as_deref(),
        )
        .await?;
    }
    Ok(())
}
