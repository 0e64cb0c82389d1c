//! Coordinates as SVG markup writes them. Charts hold thousands of numbers, so they are written
//! digit by digit rather than through the general float formatter.

/// A coordinate as SVG markup writes it: to a tenth, without a trailing `.0` (`44`, `60.6`,
/// `-3.5`). Written with integer arithmetic: charts hold thousands of numbers and the general
/// float formatter is needlessly slow for them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coord(pub f64);

impl Coord {
    /// The coordinate in tenths, rounded half away from zero, in plain arithmetic (`f64::round`
    /// is a call into the maths library on most targets).
    fn tenths(self) -> i64 {
        let scaled = self.0 * 10.0;
        if scaled >= 0.0 {
            (scaled + 0.5) as i64
        } else {
            (scaled - 0.5) as i64
        }
    }

    /// Appends the coordinate to `out`, digit by digit.
    pub fn push_to(self, out: &mut String) {
        let tenths = self.tenths();
        if tenths < 0 {
            out.push('-');
        }
        let magnitude = tenths.unsigned_abs();
        push_digits(out, magnitude / 10);
        let fraction = (magnitude % 10) as u8;
        if fraction != 0 {
            out.push('.');
            out.push(char::from(b'0' + fraction));
        }
    }
}

/// Appends the decimal digits of `value`.
fn push_digits(out: &mut String, value: u64) {
    if value >= 10 {
        push_digits(out, value / 10);
    }
    out.push(char::from(b'0' + (value % 10) as u8));
}

impl std::fmt::Display for Coord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut text = String::with_capacity(8);
        self.push_to(&mut text);
        f.write_str(&text)
    }
}

/// `Coord` of a value or a reference to one (templates hold either).
pub fn coord(value: impl std::borrow::Borrow<f64>) -> Coord {
    Coord(*value.borrow())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_print_to_a_tenth() {
        let printed: Vec<String> = [44.0, 60.6, 0.04, -3.5, 12.96, -0.04, 0.5, 123456.78, -10.0]
            .iter()
            .map(|v| Coord(*v).to_string())
            .collect();
        assert_eq!(
            printed,
            [
                "44", "60.6", "0", "-3.5", "13", "0", "0.5", "123456.8", "-10"
            ]
        );
    }

    #[test]
    fn pushed_coordinates_match_displayed_ones() {
        let mut out = String::from("M");
        Coord(7.25).push_to(&mut out);
        out.push(' ');
        coord(-0.06).push_to(&mut out);
        assert_eq!(out, format!("M{} {}", Coord(7.25), Coord(-0.06)));
        assert_eq!(out, "M7.3 -0.1");
    }
}
