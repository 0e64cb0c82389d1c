//! How values read on pages.

use time::OffsetDateTime;
use time::macros::format_description;

/// A timestamp as pages show it: `2026-11-24 09:05 UTC`.
pub(crate) fn when(at: &OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

/// A timestamp for machines (`<time datetime>`): RFC 3339 in UTC with at most three
/// fractional digits (HTML allows no more): `2026-11-24T09:05:00Z`, `…T09:05:00.123Z`.
pub(crate) fn iso(at: &OffsetDateTime) -> String {
    let at = at.to_offset(time::UtcOffset::UTC);
    let format = if at.millisecond() == 0 {
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z")
    } else {
        format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z")
    };
    at.format(format).unwrap_or_default()
}

/// How long ago (or ahead) a timestamp is, as people say it: `just now`, `3 hours ago`,
/// `in 5 minutes`, `2 days ago`. Pages show it with the exact time on hover
/// (`m::time(at)`); `static/time.js` redoes both in the viewer's time zone.
pub(crate) fn relative(at: &OffsetDateTime) -> String {
    relative_to(at, &OffsetDateTime::now_utc())
}

/// [`relative`] as seen at `now`.
pub(crate) fn relative_to(at: &OffsetDateTime, now: &OffsetDateTime) -> String {
    let seconds = (*now - *at).whole_seconds();
    let magnitude = seconds.unsigned_abs();
    if magnitude < 45 {
        return "just now".into();
    }
    let (count, unit) = match magnitude {
        0..3_600 => (magnitude.div_ceil(60).max(1), "minute"),
        3_600..86_400 => (magnitude / 3_600, "hour"),
        86_400..2_592_000 => (magnitude / 86_400, "day"),
        2_592_000..31_536_000 => (magnitude / 2_592_000, "month"),
        _ => (magnitude / 31_536_000, "year"),
    };
    let plural = if count == 1 { "" } else { "s" };
    if seconds >= 0 {
        format!("{count} {unit}{plural} ago")
    } else {
        format!("in {count} {unit}{plural}")
    }
}

/// A wait as people say it: `1 second`, `40 seconds`, `3 minutes` (rounded up).
pub(crate) fn wait_words(seconds: i64) -> String {
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    if seconds < 60 {
        plural(seconds.max(1), "second")
    } else {
        plural((seconds + 59) / 60, "minute")
    }
}

/// A position in a call, from seconds since it started: `0:05`, `12:40`, `1:02:03`.
pub(crate) fn call_offset(seconds: f64) -> String {
    let total = seconds.max(0.0).floor() as u64;
    let (h, m, s) = (total / 3600, total % 3600 / 60, total % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m}:{s:02}")
    }
}

/// The portal's own origin for absolute links: the public URL, else the request's host.
pub(crate) fn base_url(
    state: &crate::app::state::AppState,
    headers: &axum::http::HeaderMap,
) -> String {
    if let Some(public) = &state.settings.public_url {
        return public.as_str().trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost");
    let scheme = if state.settings.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_as_words() {
        assert_eq!(wait_words(1), "1 second");
        assert_eq!(wait_words(40), "40 seconds");
        assert_eq!(wait_words(61), "2 minutes");
        assert_eq!(wait_words(900), "15 minutes");
    }
    use time::macros::datetime;

    #[test]
    fn timestamps_read_in_utc() {
        assert_eq!(
            when(&datetime!(2026-11-24 10:05 +01:00)),
            "2026-11-24 09:05 UTC"
        );
        assert_eq!(
            iso(&datetime!(2026-11-24 10:05 +01:00)),
            "2026-11-24T09:05:00Z"
        );
        assert_eq!(
            iso(&datetime!(2026-11-24 09:05:00.123456789 UTC)),
            "2026-11-24T09:05:00.123Z"
        );
        assert_eq!(
            iso(&datetime!(2026-11-24 09:05:00.000999 UTC)),
            "2026-11-24T09:05:00Z"
        );
    }

    #[test]
    fn relative_times_read_naturally() {
        let now = datetime!(2026-11-24 12:00 UTC);
        let ago = |secs: i64| relative_to(&(now - time::Duration::seconds(secs)), &now);
        assert_eq!(ago(10), "just now");
        assert_eq!(ago(60), "1 minute ago");
        assert_eq!(ago(3 * 3600 + 100), "3 hours ago");
        assert_eq!(ago(86_400), "1 day ago");
        assert_eq!(ago(-300), "in 5 minutes");
        assert_eq!(ago(400 * 86_400), "1 year ago");
    }

    #[test]
    fn call_offsets() {
        assert_eq!(call_offset(5.7), "0:05");
        assert_eq!(call_offset(760.0), "12:40");
        assert_eq!(call_offset(3723.0), "1:02:03");
    }
}
