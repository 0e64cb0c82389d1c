//! How values read on pages.

use time::OffsetDateTime;
use time::macros::format_description;

/// A timestamp as pages show it: `2026-11-24 09:05 UTC`.
pub fn when(at: &OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

/// An optional timestamp, or a dash.
pub fn maybe_when(at: &Option<OffsetDateTime>) -> String {
    at.as_ref().map_or_else(|| "—".to_owned(), when)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn timestamps_read_in_utc() {
        assert_eq!(
            when(&datetime!(2026-11-24 10:05 +01:00)),
            "2026-11-24 09:05 UTC"
        );
        assert_eq!(maybe_when(&None), "—");
    }
}
