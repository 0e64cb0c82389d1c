//! Coordinates as SVG markup writes them. Charts hold thousands of numbers, so they are written
//! digit by digit rather than through the general float formatter.

/// A coordinate as SVG markup writes it: to a tenth, without a trailing `.0` (`44`, `60.6`,
/// `-3.5`). Written with integer arithmetic: charts hold thousands of numbers and the general
/// float formatter is needlessly slow for them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coord(pub f64);

impl Coord {
    /// Writes the coordinate's digits into `buffer` and returns them: one pass over the
    /// digits, none of the general formatter's machinery (padding, flags, dynamic dispatch).
    fn digits(self, buffer: &mut [u8; 24]) -> &str {
        let tenths = (self.0 * 10.0).round() as i64;
        let mut rest = tenths.unsigned_abs();
        let mut at = buffer.len();
        let mut push = |byte: u8| {
            at -= 1;
            buffer[at] = byte;
        };
        let fraction = (rest % 10) as u8;
        rest /= 10;
        if fraction != 0 {
            push(b'0' + fraction);
            push(b'.');
        }
        loop {
            push(b'0' + (rest % 10) as u8);
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if tenths < 0 {
            push(b'-');
        }
        // Only ASCII digits, '.' and '-' were written.
        std::str::from_utf8(&buffer[at..]).unwrap_or_default()
    }

    /// Appends the coordinate to `out`.
    pub fn push_to(self, out: &mut String) {
        out.push_str(self.digits(&mut [0; 24]));
    }
}

impl std::fmt::Display for Coord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.digits(&mut [0; 24]))
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
