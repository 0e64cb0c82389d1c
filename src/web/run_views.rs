//! What run pages share: a run as a table line, pagination, and the RevRing access of a request.

use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::runs::RunRow;
use crate::domain::trend::{format_rate, pass_rate};
use crate::state::AppState;
use crate::sync::RevRingAccess;

/// The sync engine's view of this process's RevRing access.
pub fn revring_access(state: &AppState) -> RevRingAccess {
    RevRingAccess {
        db: state.db.clone(),
        master_key: state.master_key.clone(),
        revring: state.revring.clone(),
    }
}

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

/// Page `number` of a list, `size` per page.
#[derive(Debug, Clone, Copy)]
pub struct Page {
    /// 1-based page number.
    pub number: i64,
    /// Items per page.
    pub size: i64,
    /// Whether a next page exists.
    pub has_next: bool,
}

impl Page {
    /// Page `number` (clamped to 1..) of `size` items.
    pub fn new(number: i64, size: i64) -> Self {
        Self {
            number: number.max(1),
            size,
            has_next: false,
        }
    }

    /// Rows to fetch: one more than a page, to know whether there is a next one.
    pub fn fetch_limit(&self) -> i64 {
        self.size + 1
    }

    /// Rows to skip.
    pub fn offset(&self) -> i64 {
        (self.number - 1).saturating_mul(self.size)
    }

    /// Trims the extra row and remembers whether it was there.
    pub fn with_more<T>(mut self, rows: &mut Vec<T>) -> Self {
        self.has_next = rows.len() as i64 > self.size;
        rows.truncate(self.size as usize);
        self
    }

    /// Whether a previous page exists.
    pub fn has_prev(&self) -> bool {
        self.number > 1
    }
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
    fn pages_know_their_neighbours() {
        let mut rows: Vec<i32> = (0..21).collect();
        let page = Page::new(2, 20).with_more(&mut rows);
        assert!(page.has_next && page.has_prev());
        assert_eq!(rows.len(), 20);
        assert_eq!(page.offset(), 20);
        let mut last: Vec<i32> = (0..3).collect();
        assert!(!Page::new(0, 20).with_more(&mut last).has_next);
    }

    #[test]
    fn unknown_statuses_look_neutral() {
        assert_eq!(badge_class("completed"), "badge-pass");
        assert_eq!(badge_class("paused"), "badge-unknown");
    }
}
