//! A run as a line of a table, and how its status and duration read.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::runs::RunRow;
use crate::domain::trend::{format_rate, pass_rate};

/// CSS badge class for RevRing's run status or attempt verdict (unknown values look neutral).
pub fn badge_class(status: &str) -> &'static str {
    match status {
        "completed" | "pass" => "badge-pass",
        "failed" | "fail" | "error" => "badge-fail",
        "running" => "badge-running",
        "queued" => "badge-queued",
        "cancelled" | "canceled" => "badge-cancelled",
        _ => "badge-unknown",
    }
}

/// A duration as people say it: `45 s`, `3 min 20 s`, `2 h 5 min`.
pub fn human_duration(seconds: i64) -> String {
    let seconds = seconds.max(0);
    match seconds {
        0..60 => format!("{seconds} s"),
        60..3600 => format!("{} min {} s", seconds / 60, seconds % 60),
        _ => format!("{} h {} min", seconds / 3600, seconds % 3600 / 60),
    }
}

/// A run as a line of a table.
#[derive(Debug, Clone)]
pub struct RunLine {
    /// The stored run.
    pub run: RunRow,
}

impl From<RunRow> for RunLine {
    fn from(run: RunRow) -> Self {
        Self { run }
    }
}

impl RunLine {
    /// Ringside's id.
    pub fn id(&self) -> Uuid {
        self.run.id
    }

    /// The name, or a stand-in.
    pub fn title(&self) -> String {
        match &self.run.name {
            Some(name) if !name.trim().is_empty() => name.clone(),
            _ => format!("Run {}", short_id(&self.run.revring_id)),
        }
    }

    /// Badge class of the status.
    pub fn badge(&self) -> &'static str {
        badge_class(&self.run.status)
    }

    /// `passed / judged` as a percentage, or a dash before any verdict.
    pub fn pass_rate(&self) -> String {
        let judged = self.run.attempts_passed + self.run.attempts_failed;
        format_rate(pass_rate(self.run.attempts_passed, judged))
    }

    /// Finished attempts as a percentage of all (for progress bars).
    pub fn progress_percent(&self) -> i32 {
        if self.run.attempts_total == 0 {
            return if self.run.polling { 0 } else { 100 };
        }
        self.run.attempts_done * 100 / self.run.attempts_total
    }

    /// How long the run took (or has taken so far).
    pub fn duration(&self) -> String {
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
    pub fn is_active(&self) -> bool {
        matches!(self.run.status.as_str(), "queued" | "running")
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
    fn unknown_statuses_look_neutral() {
        assert_eq!(badge_class("completed"), "badge-pass");
        assert_eq!(badge_class("paused"), "badge-unknown");
    }
}
