//! When a schedule fires: a five-field cron expression evaluated in an IANA time zone, the next
//! fire times, and which slot is due after a pause in service (only the latest missed one).
//! The simple forms (every N hours, daily or weekdays at a time) are written as cron.

use std::str::FromStr;

use chrono::{DateTime, TimeZone};
use chrono_tz::Tz;
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};
use time::OffsetDateTime;

/// Slots counted at most when telling how many were missed (a schedule every minute down for
/// a month still answers quickly).
pub const MAX_COUNTED_MISSES: i32 = 10_000;

/// Why a schedule cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimetableProblem {
    /// The cron expression is not one Ringside evaluates.
    Cron,
    /// The time zone is not an IANA name.
    Zone,
}

/// A validated cron expression in a time zone.
#[derive(Debug, Clone)]
pub struct Timetable {
    cron: Cron,
    zone: Tz,
}

/// The slot due now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// The latest slot at or before now.
    pub slot: OffsetDateTime,
    /// Earlier slots since the last one fired that are skipped (Ringside was down).
    pub missed: i32,
}

impl Timetable {
    /// Parses `cron` (five fields: minute hour day-of-month month day-of-week) in `zone`.
    pub fn new(cron: &str, zone: &str) -> Result<Self, TimetableProblem> {
        let zone = Tz::from_str(zone.trim()).map_err(|_| TimetableProblem::Zone)?;
        let cron = CronParser::builder()
            .seconds(Seconds::Disallowed)
            .year(Year::Disallowed)
            .build()
            .parse(cron.trim())
            .map_err(|_| TimetableProblem::Cron)?;
        let timetable = Self { cron, zone };
        // A pattern that never matches (30 February) is refused too.
        match timetable.next_after(OffsetDateTime::now_utc()) {
            Some(_) => Ok(timetable),
            None => Err(TimetableProblem::Cron),
        }
    }

    fn zoned(&self, at: OffsetDateTime) -> DateTime<Tz> {
        let utc = chrono::Utc
            .timestamp_opt(at.unix_timestamp(), 0)
            .single()
            .unwrap_or_default();
        utc.with_timezone(&self.zone)
    }

    fn unzoned(at: DateTime<Tz>) -> Option<OffsetDateTime> {
        OffsetDateTime::from_unix_timestamp(at.timestamp()).ok()
    }

    /// `at` as a wall-clock time in the schedule's zone (`Mon 30 Nov 2026, 09:00 CET`).
    pub fn local_time(&self, at: OffsetDateTime) -> String {
        self.zoned(at).format("%a %-d %b %Y, %H:%M %Z").to_string()
    }

    /// The first slot strictly after `after`.
    pub fn next_after(&self, after: OffsetDateTime) -> Option<OffsetDateTime> {
        let found = self
            .cron
            .find_next_occurrence(&self.zoned(after), false)
            .ok()?;
        Self::unzoned(found)
    }

    /// The next `count` slots after `after`.
    pub fn upcoming(&self, after: OffsetDateTime, count: usize) -> Vec<OffsetDateTime> {
        let mut slots = Vec::with_capacity(count);
        let mut cursor = after;
        while slots.len() < count {
            match self.next_after(cursor) {
                Some(slot) => {
                    slots.push(slot);
                    cursor = slot;
                }
                None => break,
            }
        }
        slots
    }

    /// The slot due at `now` for a schedule whose next slot was `expected`: none before
    /// `expected`; otherwise the latest slot at or before `now`, with how many earlier slots
    /// (from `expected` on) it skips.
    pub fn due(&self, expected: OffsetDateTime, now: OffsetDateTime) -> Option<Due> {
        if now < expected {
            return None;
        }
        let latest = self
            .cron
            .find_previous_occurrence(&self.zoned(now), true)
            .ok()
            .and_then(Self::unzoned)?;
        if latest < expected {
            return None;
        }
        let mut missed = 0;
        let mut cursor = self
            .cron
            .find_next_occurrence(&self.zoned(expected), true)
            .ok()
            .and_then(Self::unzoned);
        while let Some(slot) = cursor {
            if slot >= latest || missed >= MAX_COUNTED_MISSES {
                break;
            }
            missed += 1;
            cursor = self.next_after(slot);
        }
        Some(Due {
            slot: latest,
            missed,
        })
    }
}

/// The simple forms of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimpleForm {
    /// Every N hours, on the hour, counted from midnight (N divides 24).
    EveryHours(u8),
    /// Every day at hour:minute.
    Daily(u8, u8),
    /// Monday to Friday at hour:minute.
    Weekdays(u8, u8),
}

/// Hour counts that divide a day evenly, for "every N hours".
pub const HOUR_STEPS: [u8; 8] = [1, 2, 3, 4, 6, 8, 12, 24];

impl SimpleForm {
    /// The form as a cron expression, or None if out of range.
    pub fn to_cron(self) -> Option<String> {
        match self {
            Self::EveryHours(1) => Some("0 * * * *".into()),
            Self::EveryHours(24) => Some("0 0 * * *".into()),
            Self::EveryHours(hours) => HOUR_STEPS
                .contains(&hours)
                .then(|| format!("0 */{hours} * * *")),
            Self::Daily(hour, minute) => {
                (hour < 24 && minute < 60).then(|| format!("{minute} {hour} * * *"))
            }
            Self::Weekdays(hour, minute) => {
                (hour < 24 && minute < 60).then(|| format!("{minute} {hour} * * 1-5"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn weekdays_at_nine_in_paris_skip_the_weekend_and_follow_summer_time() {
        let cron = SimpleForm::Weekdays(9, 0).to_cron().unwrap();
        let table = Timetable::new(&cron, "Europe/Paris").unwrap();
        // Friday 27 March 2026, 10:00 UTC; summer time starts Sunday 29 March.
        let slots = table.upcoming(datetime!(2026-03-27 10:00 UTC), 3);
        assert_eq!(
            slots,
            [
                datetime!(2026-03-30 07:00 UTC),
                datetime!(2026-03-31 07:00 UTC),
                datetime!(2026-04-01 07:00 UTC),
            ]
        );
        let winter = table.upcoming(datetime!(2026-03-26 00:00 UTC), 1);
        assert_eq!(winter, [datetime!(2026-03-26 08:00 UTC)]);
    }

    #[test]
    fn simple_forms_become_cron() {
        assert_eq!(SimpleForm::EveryHours(6).to_cron().unwrap(), "0 */6 * * *");
        assert_eq!(SimpleForm::EveryHours(1).to_cron().unwrap(), "0 * * * *");
        assert_eq!(SimpleForm::EveryHours(5).to_cron(), None);
        assert_eq!(SimpleForm::Daily(6, 30).to_cron().unwrap(), "30 6 * * *");
        assert_eq!(SimpleForm::Daily(24, 0).to_cron(), None);
    }

    #[test]
    fn bad_expressions_and_zones_are_refused() {
        assert_eq!(
            Timetable::new("every day", "UTC").unwrap_err(),
            TimetableProblem::Cron
        );
        assert_eq!(
            Timetable::new("0 0 30 2 *", "UTC").unwrap_err(),
            TimetableProblem::Cron
        );
        assert_eq!(
            Timetable::new("0 * * * * *", "UTC").unwrap_err(),
            TimetableProblem::Cron
        );
        assert_eq!(
            Timetable::new("0 * * * *", "Mars/Olympus").unwrap_err(),
            TimetableProblem::Zone
        );
    }

    #[test]
    fn after_downtime_only_the_latest_missed_slot_is_due() {
        let table = Timetable::new("0 * * * *", "UTC").unwrap();
        let expected = datetime!(2026-11-30 01:00 UTC);
        assert_eq!(table.due(expected, datetime!(2026-11-30 00:59 UTC)), None);
        assert_eq!(
            table.due(expected, datetime!(2026-11-30 01:00 UTC)),
            Some(Due {
                slot: expected,
                missed: 0
            })
        );
        assert_eq!(
            table.due(expected, datetime!(2026-11-30 05:20 UTC)),
            Some(Due {
                slot: datetime!(2026-11-30 05:00 UTC),
                missed: 4
            })
        );
    }
}
