//! Spans of time as people type them on forms and flags: `90d`, `12h`, `30m`, `45s`, `2w`.

use std::time::Duration;

/// Longest span accepted: ten years.
pub const MAX_SPAN_SECS: u64 = 10 * 366 * 24 * 3600;

/// Parses a whole number followed by a unit (`s`, `m`, `h`, `d`, `w`); `None` when it is not one,
/// is zero, or exceeds [`MAX_SPAN_SECS`].
pub fn parse_span(text: &str) -> Option<Duration> {
    let text = text.trim();
    let unit_at = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(unit_at);
    let number: u64 = number.parse().ok()?;
    let unit_secs = match unit.trim() {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    let secs = number.checked_mul(unit_secs)?;
    (secs > 0 && secs <= MAX_SPAN_SECS).then(|| Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_parse_with_their_unit() {
        assert_eq!(parse_span("90d"), Some(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_span("30m"), Some(Duration::from_secs(1800)));
        assert_eq!(parse_span(" 2w "), Some(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_span("45s"), Some(Duration::from_secs(45)));
        for bad in ["", "90", "d", "0d", "1y", "-3d", "99999999999d", "1.5h"] {
            assert_eq!(parse_span(bad), None, "{bad}");
        }
    }
}
