//! Chart geometry for server-rendered SVG: scales, line paths, stacked bars, axis ticks and
//! sparklines. Numbers in, coordinates out (rounded to a tenth of a unit, which keeps the markup
//! short and is finer than any screen shows); the templates draw them.

mod coord;

pub use coord::{Coord, coord};

/// Share of its band a bar fills; the rest is the gap between bars.
pub const BAR_FILL: f64 = 0.8;

/// Space kept above and below a sparkline's line so its stroke is not clipped.
pub const SPARK_PAD: f64 = 2.0;

/// Rounds to a tenth.
fn tenth(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// Where a chart draws inside its SVG `viewBox` (`0 0 width height`): the plot area is what the
/// margins leave, the margins hold the axis labels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frame {
    /// viewBox width.
    pub width: f64,
    /// viewBox height.
    pub height: f64,
    /// Room for the y-axis labels.
    pub left: f64,
    /// Room on the right.
    pub right: f64,
    /// Room above.
    pub top: f64,
    /// Room for the x-axis labels.
    pub bottom: f64,
}

impl Frame {
    /// The frame of the trend page's charts.
    pub const STANDARD: Frame = Frame {
        width: 720.0,
        height: 240.0,
        left: 56.0,
        right: 12.0,
        top: 12.0,
        bottom: 28.0,
    };

    /// Left and right edge of the plot area.
    pub fn x_range(&self) -> (f64, f64) {
        (self.left, self.width - self.right)
    }

    /// Bottom and top edge of the plot area (SVG's y grows downwards).
    pub fn y_range(&self) -> (f64, f64) {
        (self.height - self.bottom, self.top)
    }

    /// The y scale from `0..=max` onto the plot area.
    pub fn y_scale(&self, max: f64) -> Scale {
        Scale::new((0.0, max), self.y_range())
    }
}

/// A linear map from a domain of values onto a range of coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    domain: (f64, f64),
    range: (f64, f64),
}

impl Scale {
    /// Maps `domain.0` to `range.0` and `domain.1` to `range.1`.
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Self {
        Self { domain, range }
    }

    /// The coordinate of `value` (rounded to a tenth). A domain of one value maps to the middle
    /// of the range.
    pub fn map(&self, value: f64) -> f64 {
        let (d0, d1) = self.domain;
        let (r0, r1) = self.range;
        if (d1 - d0).abs() < f64::EPSILON {
            return tenth((r0 + r1) / 2.0);
        }
        tenth(r0 + (value - d0) / (d1 - d0) * (r1 - r0))
    }
}

/// A point in viewBox coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Horizontal coordinate.
    pub x: f64,
    /// Vertical coordinate.
    pub y: f64,
}

/// Places `(x, y)` values in the frame: x spans the values' own extent, y runs `0..=y_max`.
pub fn line_points(frame: &Frame, values: &[(f64, f64)], y_max: f64) -> Vec<Point> {
    let low = values.iter().map(|v| v.0).fold(f64::INFINITY, f64::min);
    let high = values.iter().map(|v| v.0).fold(f64::NEG_INFINITY, f64::max);
    let x = Scale::new((low, high), frame.x_range());
    let y = frame.y_scale(y_max);
    values
        .iter()
        .map(|(vx, vy)| Point {
            x: x.map(*vx),
            y: y.map(*vy),
        })
        .collect()
}

/// An SVG path through the points: `M x y L x y …` (empty for no points).
pub fn line_path(points: &[Point]) -> String {
    let mut path = String::with_capacity(points.len() * 12);
    for (i, point) in points.iter().enumerate() {
        path.push_str(if i == 0 { "M" } else { " L" });
        Coord(point.x).push_to(&mut path);
        path.push(' ');
        Coord(point.y).push_to(&mut path);
    }
    path
}

/// A rectangle in viewBox coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub width: f64,
    /// Height.
    pub height: f64,
}

/// One stacked bar: `lower` sits on the axis, `upper` on top of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StackedBar {
    /// The bottom segment.
    pub lower: Rect,
    /// The top segment.
    pub upper: Rect,
}

/// One bar per `(lower, upper)` pair, in equal bands across the plot area, on a y scale
/// `0..=y_max`.
pub fn stacked_bars(frame: &Frame, stacks: &[(f64, f64)], y_max: f64) -> Vec<StackedBar> {
    let (left, right) = frame.x_range();
    let band = (right - left) / stacks.len().max(1) as f64;
    let width = band * BAR_FILL;
    let y = frame.y_scale(y_max);
    let axis = y.map(0.0);
    stacks
        .iter()
        .enumerate()
        .map(|(i, (lower, upper))| {
            let x = tenth(left + i as f64 * band + (band - width) / 2.0);
            let lower_top = y.map(*lower);
            let upper_top = y.map(lower + upper);
            StackedBar {
                lower: Rect {
                    x,
                    y: lower_top,
                    width: tenth(width),
                    height: tenth(axis - lower_top),
                },
                upper: Rect {
                    x,
                    y: upper_top,
                    width: tenth(width),
                    height: tenth(lower_top - upper_top),
                },
            }
        })
        .collect()
}

/// The smallest of 1, 2 or 5 times a power of ten that is at least `value` (1 for nothing), so
/// axes end on round numbers.
pub fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|step| step * power)
        .find(|candidate| *candidate >= value - 1e-9)
        .unwrap_or(10.0 * power)
}

/// `intervals + 1` evenly spaced values from 0 to `max`.
pub fn ticks(max: f64, intervals: usize) -> Vec<f64> {
    let intervals = intervals.max(1);
    (0..=intervals)
        .map(|i| max * i as f64 / intervals as f64)
        .collect()
}

/// The values of a value axis that starts at 0 and covers `max`: round steps of 1, 2 or 5
/// times a power of ten (never finer than `min_step`, e.g. 1 for counts), at most
/// `most_intervals` of them. The axis ends on the last value, so gridlines and their labels
/// sit on the same round numbers: `nice_axis(3.7, 5, 0.0)` is `[0, 1, 2, 3, 4]`.
pub fn nice_axis(max: f64, most_intervals: usize, min_step: f64) -> Vec<f64> {
    let max = if max > 0.0 && max.is_finite() {
        max
    } else {
        min_step.max(1.0)
    };
    let raw = (max / most_intervals.max(1) as f64).max(min_step);
    let power = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|factor| factor * power)
        .find(|candidate| *candidate >= raw - 1e-9)
        .unwrap_or(10.0 * power);
    let intervals = ((max / step) - 1e-9).ceil().max(1.0) as usize;
    (0..=intervals)
        .map(|i| (i as f64 * step * 1e6).round() / 1e6)
        .collect()
}

/// The `points` attribute of a sparkline polyline through `values` (`0..=max`) in a
/// `width` × `height` box, evenly spaced; a single value is drawn as a flat line.
pub fn sparkline(width: f64, height: f64, values: &[f64], max: f64) -> String {
    let y = Scale::new((0.0, max), (height - SPARK_PAD, SPARK_PAD));
    let x = Scale::new((0.0, values.len().saturating_sub(1) as f64), (0.0, width));
    let mut points = String::new();
    let mut push = |px: f64, py: f64| {
        if !points.is_empty() {
            points.push(' ');
        }
        Coord(px).push_to(&mut points);
        points.push(',');
        Coord(py).push_to(&mut points);
    };
    match values {
        [] => {}
        [only] => {
            push(0.0, y.map(*only));
            push(width, y.map(*only));
        }
        _ => {
            for (i, value) in values.iter().enumerate() {
                push(x.map(i as f64), y.map(*value));
            }
        }
    }
    points
}

#[cfg(test)]
mod tests {
    use super::*;

    // The standard frame's plot area is x 56..708 (652 wide) and y 212..12 (200 tall).

    #[test]
    fn a_line_spans_the_plot_area() {
        let points = line_points(
            &Frame::STANDARD,
            &[(0.0, 0.0), (10.0, 50.0), (20.0, 100.0)],
            100.0,
        );
        assert_eq!(line_path(&points), "M56 212 L382 112 L708 12");
    }

    #[test]
    fn uneven_times_space_points_by_time() {
        // x 100, 150, 500 over 100..500: 56 + 652 * 50/400 = 137.5.
        let points = line_points(
            &Frame::STANDARD,
            &[(100.0, 75.0), (150.0, 25.0), (500.0, 80.0)],
            100.0,
        );
        assert_eq!(points[1], Point { x: 137.5, y: 162.0 });
        assert_eq!(points[0].y, 62.0);
        assert_eq!(points[2].y, 52.0);
    }

    #[test]
    fn a_single_point_sits_in_the_middle() {
        let points = line_points(&Frame::STANDARD, &[(42.0, 100.0)], 100.0);
        assert_eq!(line_path(&points), "M382 12");
        assert_eq!(line_path(&[]), "");
    }

    #[test]
    fn stacked_bars_share_the_width_and_stack_up() {
        // 4 bands of 163; bars 130.4 wide, inset 16.3; y: 200 units for 4 attempts.
        let bars = stacked_bars(
            &Frame::STANDARD,
            &[(3.0, 1.0), (0.0, 2.0), (0.0, 0.0), (4.0, 0.0)],
            4.0,
        );
        assert_eq!(
            bars[0].lower,
            Rect {
                x: 72.3,
                y: 62.0,
                width: 130.4,
                height: 150.0
            }
        );
        assert_eq!(
            bars[0].upper,
            Rect {
                x: 72.3,
                y: 12.0,
                width: 130.4,
                height: 50.0
            }
        );
        assert_eq!(bars[1].lower.height, 0.0);
        assert_eq!((bars[1].upper.y, bars[1].upper.height), (112.0, 100.0));
        assert_eq!(bars[2].upper.height, 0.0);
        assert_eq!(bars[3].lower.x, 561.3);
    }

    #[test]
    fn axes_end_on_round_numbers() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(12.0), 20.0);
        assert_eq!(nice_ceiling(35.0), 50.0);
        assert_eq!(nice_ceiling(50.0), 50.0);
        assert_eq!(nice_ceiling(0.3), 0.5);
        assert_eq!(ticks(100.0, 4), vec![0.0, 25.0, 50.0, 75.0, 100.0]);
    }

    #[test]
    fn value_axes_step_by_one_two_or_five() {
        assert_eq!(
            nice_axis(100.0, 5, 0.0),
            vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        assert_eq!(nice_axis(3.7, 5, 0.0), vec![0.0, 1.0, 2.0, 3.0, 4.0]);
        assert_eq!(nice_axis(5.0, 5, 1.0), vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        assert_eq!(nice_axis(3.0, 5, 1.0), vec![0.0, 1.0, 2.0, 3.0]);
        assert_eq!(nice_axis(0.0, 5, 1.0), vec![0.0, 1.0]);
        assert_eq!(nice_axis(0.7, 5, 0.0), vec![0.0, 0.2, 0.4, 0.6, 0.8]);
        assert_eq!(
            nice_axis(23.0, 5, 1.0),
            vec![0.0, 5.0, 10.0, 15.0, 20.0, 25.0]
        );
        assert_eq!(nice_axis(130.0, 5, 1.0), vec![0.0, 50.0, 100.0, 150.0]);
        for max in [0.3, 1.0, 2.6, 7.0, 12.0, 49.0, 999.0] {
            let axis = nice_axis(max, 5, 0.0);
            assert!(*axis.last().unwrap() >= max, "{max}: {axis:?}");
            assert!(axis.len() <= 6, "{max}: {axis:?}");
        }
    }

    #[test]
    fn sparklines_fit_their_box() {
        assert_eq!(
            sparkline(100.0, 20.0, &[0.0, 100.0, 50.0], 100.0),
            "0,18 50,2 100,10"
        );
        assert_eq!(sparkline(100.0, 20.0, &[100.0], 100.0), "0,2 100,2");
        assert_eq!(sparkline(100.0, 20.0, &[], 100.0), "");
    }
}
