//! The suite trend page's charts as the templates draw them: geometry from `domain::chart`,
//! plus what each mark says (its run, date and value) and where it links.

use time::OffsetDateTime;
use time::macros::format_description;

use crate::db::trends::TrendRun;
use crate::domain::chart::{self, Coord, Frame};
use crate::domain::trend::pass_rate;
use crate::web::trends::marks::{MarkWriter, Marks, push_count};

/// Most horizontal gridline intervals of a chart (fewer when round steps cover it sooner).
const Y_INTERVALS: usize = 5;

/// A label on an axis at a coordinate.
#[derive(Debug, Clone)]
pub(super) struct Tick {
    /// Coordinate along its axis.
    pub at: f64,
    /// Text.
    pub label: String,
    /// SVG `text-anchor`: labels at the ends of an axis stay inside the chart.
    pub anchor: &'static str,
}

/// A line chart over time.
#[derive(Debug, Clone)]
pub(super) struct LineChart {
    /// The frame (viewBox).
    pub frame: Frame,
    /// The path through the points.
    pub path: String,
    /// A point per run with its tooltip, linked to the run unless the page is shared.
    pub points: Marks,
    /// Whether the points link to their runs (then the chart is a group of links, not an
    /// image).
    pub linked: bool,
    /// Value axis.
    pub y_ticks: Vec<Tick>,
    /// Time axis.
    pub x_ticks: Vec<Tick>,
}

/// A stacked bar chart, one bar per run.
#[derive(Debug, Clone)]
pub(super) struct BarChart {
    /// The frame (viewBox).
    pub frame: Frame,
    /// The bars (passed below, failed above), each with its tooltip.
    pub bars: Marks,
    /// Value axis.
    pub y_ticks: Vec<Tick>,
    /// Run axis.
    pub x_ticks: Vec<Tick>,
}

impl LineChart {
    /// The `viewBox` attribute.
    pub(super) fn view_box(&self) -> String {
        view_box(&self.frame)
    }

    /// Whether its points link to their runs (then the chart is a group of links, not an image).
    pub(super) fn linked(&self) -> bool {
        self.linked && self.points.count > 0
    }
}

impl BarChart {
    /// The `viewBox` attribute.
    pub(super) fn view_box(&self) -> String {
        view_box(&self.frame)
    }
}

fn view_box(frame: &Frame) -> String {
    format!("0 0 {} {}", frame.width, frame.height)
}

/// `Nov 24`.
fn day(at: OffsetDateTime) -> String {
    at.format(format_description!("[month repr:short] [day padding:none]"))
        .unwrap_or_default()
}

/// A run's name for tooltips.
pub(super) fn run_title(run: &TrendRun) -> String {
    match &run.name {
        Some(name) if !name.trim().is_empty() => name.clone(),
        _ => format!("Run {}", run.revring_id.get(..8).unwrap_or(&run.revring_id)),
    }
}

fn seconds(at: OffsetDateTime) -> f64 {
    at.unix_timestamp() as f64
}

/// Labels on the time axis: the first, middle and last of `points` (fewer when they coincide).
fn time_ticks(runs: &[&TrendRun], xs: &[f64]) -> Vec<Tick> {
    let mut ticks: Vec<Tick> = Vec::new();
    if runs.is_empty() {
        return ticks;
    }
    let last = runs.len() - 1;
    for (index, anchor) in [(0, "start"), (last / 2, "middle"), (last, "end")] {
        let label = day(runs[index].created_at);
        if ticks.iter().all(|tick| tick.label != label) {
            ticks.push(Tick {
                at: xs[index],
                label,
                anchor: if last == 0 { "middle" } else { anchor },
            });
        }
    }
    ticks
}

/// Ticks of a value axis with the values of `axis` (from [`chart::nice_axis`]), the last one
/// at the top of the plot area: gridlines and labels share the same round values.
fn value_ticks(frame: &Frame, axis: &[f64], unit: impl Fn(f64) -> String) -> Vec<Tick> {
    let max = axis.last().copied().unwrap_or(1.0);
    let scale = frame.y_scale(max);
    axis.iter()
        .copied()
        .map(|value| Tick {
            at: scale.map(value),
            label: unit(value),
            anchor: "end",
        })
        .collect()
}

fn line_chart(
    runs: &[&TrendRun],
    values: &[f64],
    axis: &[f64],
    unit: impl Fn(f64) -> String,
    value_text: impl Fn(&mut String, f64),
    linked: bool,
) -> LineChart {
    let frame = Frame::STANDARD;
    let xy: Vec<(f64, f64)> = runs
        .iter()
        .zip(values)
        .map(|(run, value)| (seconds(run.created_at), *value))
        .collect();
    let y_max = axis.last().copied().unwrap_or(1.0);
    let points = chart::line_points(&frame, &xy, y_max);
    let xs: Vec<f64> = points.iter().map(|point| point.x).collect();
    let mut marks = MarkWriter::new(points.len());
    for (point, (run, value)) in points.iter().zip(runs.iter().zip(values)) {
        value_text(marks.tooltip(run), *value);
        marks.point(*point, linked.then_some(run.id));
    }
    LineChart {
        path: chart::line_path(&points),
        x_ticks: time_ticks(runs, &xs),
        y_ticks: value_ticks(&frame, axis, unit),
        points: marks.finish(),
        linked,
        frame,
    }
}

/// Pass rate per run (runs oldest first; those without a judged attempt are left out).
pub(super) fn pass_rate_chart(runs: &[TrendRun], linked: bool) -> LineChart {
    let judged: Vec<&TrendRun> = runs
        .iter()
        .filter(|run| run.attempts_passed + run.attempts_failed > 0)
        .collect();
    let rates: Vec<f64> = judged
        .iter()
        .map(|run| {
            pass_rate(
                run.attempts_passed,
                run.attempts_passed + run.attempts_failed,
            )
            .unwrap_or_default()
        })
        .collect();
    line_chart(
        &judged,
        &rates,
        &chart::nice_axis(100.0, Y_INTERVALS, 1.0),
        |value| format!("{value}%"),
        |text, rate| {
            Coord(rate.round()).push_to(text);
            text.push_str("% passed");
        },
        linked,
    )
}

/// Run duration (start to end) per run, in minutes (runs without both times are left out).
/// Its points carry tooltips (run, date, minutes) but no links.
pub(super) fn duration_chart(runs: &[TrendRun]) -> LineChart {
    let timed: Vec<(&TrendRun, f64)> = runs
        .iter()
        .filter_map(|run| {
            let secs = (run.completed_at? - run.started_at?).as_seconds_f64();
            Some((run, secs.max(0.0) / 60.0))
        })
        .collect();
    let axis = chart::nice_axis(
        timed.iter().map(|(_, m)| *m).fold(0.0, f64::max),
        Y_INTERVALS,
        0.0,
    );
    let (runs, minutes): (Vec<&TrendRun>, Vec<f64>) = timed.into_iter().unzip();
    line_chart(
        &runs,
        &minutes,
        &axis,
        |value| format!("{value} min"),
        |text, minutes| {
            Coord(minutes).push_to(text);
            text.push_str(" min");
        },
        false,
    )
}

/// Passed and failed attempts per run, stacked; each bar's tooltip names its run.
pub(super) fn counts_chart(runs: &[TrendRun]) -> BarChart {
    let frame = Frame::STANDARD;
    let stacks: Vec<(f64, f64)> = runs
        .iter()
        .map(|run| {
            (
                f64::from(run.attempts_passed),
                f64::from(run.attempts_failed),
            )
        })
        .collect();
    let axis = chart::nice_axis(
        stacks.iter().map(|(p, f)| p + f).fold(0.0, f64::max),
        Y_INTERVALS,
        1.0,
    );
    let max = axis.last().copied().unwrap_or(1.0);
    let bars = chart::stacked_bars(&frame, &stacks, max);
    let refs: Vec<&TrendRun> = runs.iter().collect();
    let centers: Vec<f64> = bars
        .iter()
        .map(|bar| ((bar.lower.x + bar.lower.width / 2.0) * 10.0).round() / 10.0)
        .collect();
    let mut marks = MarkWriter::new(bars.len());
    for (bar, run) in bars.iter().zip(runs) {
        let text = marks.tooltip(run);
        push_count(text, run.attempts_passed);
        text.push_str(" passed, ");
        push_count(text, run.attempts_failed);
        text.push_str(" failed");
        marks.bar(bar);
    }
    BarChart {
        x_ticks: time_ticks(&refs, &centers),
        y_ticks: value_ticks(&frame, &axis, |value| format!("{value}")),
        bars: marks.finish(),
        frame,
    }
}
