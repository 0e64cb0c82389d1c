//! A run as a line of a table, and how its status and duration read.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::runs::RunRow;
use crate::domain::trend::{format_rate, pass_rate};
use crate::revring::{AttemptResult, RunStatus};

/// CSS badge class of a run's status. A status Ringside does not know is not known to be
/// terminal: it looks in progress (its raw name is shown in the badge).
pub(crate) fn status_badge(status: &RunStatus) -> &'static str {
    match status {
        RunStatus::Completed => "badge-pass",
        RunStatus::Failed => "badge-fail",
        RunStatus::Running => "badge-running",
        RunStatus::Queued => "badge-queued",
        RunStatus::Cancelled => "badge-cancelled",
        RunStatus::Unknown(_) => "badge-running",
    }
}

/// CSS badge class of a run by its outcome, not its lifecycle: a completed run is green only
/// when every judged attempt passed, amber when some failed, red when none passed; other
/// statuses as [`status_badge`].
pub(crate) fn outcome_badge(status: &RunStatus, passed: i32, failed: i32) -> &'static str {
    match status {
        RunStatus::Completed => match (passed > 0, failed > 0) {
            (true, false) => "badge-pass",
            (true, true) => "badge-mixed",
            (false, true) => "badge-fail",
            (false, false) => "badge-unknown",
        },
        other => status_badge(other),
    }
}

/// CSS badge class of an attempt's verdict (`None`: not judged yet).
pub(crate) fn verdict_badge(result: Option<&AttemptResult>) -> &'static str {
    match result {
        None => "badge-pending",
        Some(AttemptResult::Pass) => "badge-pass",
        Some(AttemptResult::Fail | AttemptResult::Error) => "badge-fail",
        Some(AttemptResult::Unknown(_)) => "badge-unknown",
    }
}

/// Whether an attempt's verdict is a failure (fail or error).
pub(crate) fn failed(result: Option<&AttemptResult>) -> bool {
    result.and_then(AttemptResult::passed) == Some(false)
}

/// A duration as people say it: `45 s`, `3 min 20 s`, `2 h 5 min`.
pub(crate) fn human_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min {} s", seconds / 60, seconds % 60),
        _ => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
    }
}

/// A run as a line of a table.
#[derive(Debug, Clone)]
pub(crate) struct RunLine {
    /// The stored run.
    pub run: RunRow,
    /// Whether counts are the judge's alone (else effective: reviews included).
    pub judged_only: bool,
}

impl From<RunRow> for RunLine {
    fn from(run: RunRow) -> Self {
        Self {
            run,
            judged_only: false,
        }
    }
}

impl RunLine {
    /// Ringside's id.
    pub(crate) fn id(&self) -> Uuid {
        self.run.id
    }

    /// The name, or a stand-in.
    pub(crate) fn title(&self) -> String {
        match &self.run.name {
            Some(name) if !name.trim().is_empty() => name.clone(),
            _ => format!("Run {}", short_id(&self.run.revring_id)),
        }
    }

    /// Badge class of the run's outcome (see [`outcome_badge`]).
    pub(crate) fn badge(&self) -> &'static str {
        outcome_badge(
            &self.run.status,
            self.run.attempts_passed,
            self.run.attempts_failed,
        )
    }

    /// The same run counted the judge's way alone (`true`) or with reviews.
    pub(crate) fn judged(mut self, judged_only: bool) -> Self {
        self.judged_only = judged_only;
        self
    }

    /// Attempts passed, as counted (effective unless judged only).
    pub(crate) fn passed(&self) -> i32 {
        self.run.attempts_passed + self.shift()
    }

    /// Attempts failed or errored, as counted.
    pub(crate) fn failed(&self) -> i32 {
        self.run.attempts_failed - self.shift()
    }

    /// Whether reviews change this run's counts.
    pub(crate) fn reviews_shift(&self) -> bool {
        self.run.review_pass_delta != 0
    }

    fn shift(&self) -> i32 {
        if self.judged_only {
            0
        } else {
            self.run.review_pass_delta
        }
    }

    /// `passed / judged` as a percentage, or a dash before any verdict.
    pub(crate) fn pass_rate(&self) -> String {
        let judged = self.run.attempts_passed + self.run.attempts_failed;
        format_rate(pass_rate(self.passed(), judged))
    }

    /// Finished attempts as a percentage of all (for progress bars).
    pub(crate) fn progress_percent(&self) -> i32 {
        if self.run.attempts_total == 0 {
            return if self.run.polling { 0 } else { 100 };
        }
        self.run.attempts_done * 100 / self.run.attempts_total
    }

    /// How long the run took (or has taken so far).
    pub(crate) fn duration(&self) -> String {
        let Some(started) = self.run.started_at else {
            return "—".into();
        };
        let end = self
            .run
            .completed_at
            .unwrap_or_else(OffsetDateTime::now_utc);
        human_duration((end - started).whole_seconds())
    }

    /// Whether it can still be cancelled.
    pub(crate) fn is_active(&self) -> bool {
        self.run.status.is_active()
    }
}

fn short_id(id: &str) -> &str {
    id.get(..8).unwrap_or(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(45), "45 s");
        assert_eq!(human_duration(200), "3 min 20 s");
        assert_eq!(human_duration(7500), "2 h 5 min");
        assert_eq!(human_duration(-3), "0 s");
    }

    #[test]
    fn unknown_statuses_look_in_progress() {
        assert_eq!(status_badge(&RunStatus::Completed), "badge-pass");
        assert_eq!(outcome_badge(&RunStatus::Completed, 4, 0), "badge-pass");
        assert_eq!(outcome_badge(&RunStatus::Completed, 4, 6), "badge-mixed");
        assert_eq!(outcome_badge(&RunStatus::Completed, 0, 3), "badge-fail");
        assert_eq!(outcome_badge(&RunStatus::Running, 0, 3), "badge-running");
        assert_eq!(
            status_badge(&RunStatus::from_api("judging")),
            "badge-running"
        );
        assert_eq!(verdict_badge(None), "badge-pending");
    }
}
