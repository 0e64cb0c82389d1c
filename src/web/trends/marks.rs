//! The marks of the suite trend's charts — a point or a stacked bar per run, each with its
//! tooltip and, for linked points, a link to its run — written as SVG markup in one pass.
//!
//! A chart holds up to 500 runs. Drawn by template expressions, their tooltips, links and
//! coordinates took as long as the page's SQL; written here into one buffer they cost a few
//! copies per mark. Text from the data (run names) goes through askama's HTML escaper, like
//! every template expression; the rest is digits and fixed markup.

use askama::filters::{Escaper, Html};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::trends::TrendRun;
use crate::domain::chart::{Coord, Point, Rect, StackedBar};

/// Bytes of markup one mark takes, about (a linked point with a long name); the buffer is
/// sized for this so it rarely grows.
const MARK_BYTES: usize = 320;

/// SVG markup written by [`MarkWriter`], escaped where it holds data: templates insert it as
/// it is (`|safe`).
#[derive(Debug, Clone, Default)]
pub(super) struct Marks {
    /// The markup.
    pub markup: String,
    /// How many marks it holds.
    pub count: usize,
}

/// Writes marks into one buffer.
pub(super) struct MarkWriter {
    marks: Marks,
    /// The current mark's tooltip, escaped (written twice for a linked point).
    tooltip: String,
}

impl MarkWriter {
    /// A writer for about `count` marks.
    pub(super) fn new(count: usize) -> Self {
        Self {
            marks: Marks {
                markup: String::with_capacity(count * MARK_BYTES),
                count: 0,
            },
            tooltip: String::with_capacity(MARK_BYTES / 2),
        }
    }

    /// Starts a mark's tooltip: `Name · 2026-11-24 09:05 · ` (escaped); the caller appends
    /// its value with [`MarkWriter::value`].
    pub(super) fn tooltip(&mut self, run: &TrendRun) -> &mut String {
        self.tooltip.clear();
        let name = match &run.name {
            Some(name) if !name.trim().is_empty() => name.as_str(),
            _ => {
                self.tooltip.push_str("Run ");
                run.revring_id.get(..8).unwrap_or(&run.revring_id)
            }
        };
        // Writing into a String cannot fail.
        let _ = Html.write_escaped_str(&mut self.tooltip, name);
        self.tooltip.push_str(" · ");
        push_minute(&mut self.tooltip, run.created_at);
        self.tooltip.push_str(" · ");
        &mut self.tooltip
    }

    /// A point with the current tooltip, inside a link to `run` when one is given.
    pub(super) fn point(&mut self, at: Point, run: Option<Uuid>) {
        let out = &mut self.marks.markup;
        if let Some(run) = run {
            out.push_str("<a href=\"/runs/");
            out.push_str(run.hyphenated().encode_lower(&mut Uuid::encode_buffer()));
            out.push_str("\" aria-label=\"");
            out.push_str(&self.tooltip);
            out.push_str("\">");
        }
        out.push_str("<circle cx=\"");
        Coord(at.x).push_to(out);
        out.push_str("\" cy=\"");
        Coord(at.y).push_to(out);
        out.push_str("\" r=\"3.5\"><title>");
        out.push_str(&self.tooltip);
        out.push_str("</title></circle>");
        if run.is_some() {
            out.push_str("</a>");
        }
        out.push('\n');
        self.marks.count += 1;
    }

    /// A stacked bar (passed below, failed above) with the current tooltip.
    pub(super) fn bar(&mut self, bar: &StackedBar) {
        let out = &mut self.marks.markup;
        out.push_str("<g><title>");
        out.push_str(&self.tooltip);
        out.push_str("</title>");
        push_rect(out, &bar.lower, "#15803d", "bar-pass");
        push_rect(out, &bar.upper, "#b91c1c", "bar-fail");
        out.push_str("</g>\n");
        self.marks.count += 1;
    }

    /// The marks written.
    pub(super) fn finish(self) -> Marks {
        self.marks
    }
}

/// Appends a count.
pub(super) fn push_count(text: &mut String, count: i32) {
    text.push_str(itoa::Buffer::new().format(count));
}

/// `2026-11-24 09:05`.
fn push_minute(text: &mut String, at: OffsetDateTime) {
    text.push_str(itoa::Buffer::new().format(at.year()));
    for (separator, value) in [
        ('-', u8::from(at.month())),
        ('-', at.day()),
        (' ', at.hour()),
        (':', at.minute()),
    ] {
        text.push(separator);
        text.push(char::from(b'0' + value / 10));
        text.push(char::from(b'0' + value % 10));
    }
}

/// A rectangle with a fill colour (kept when the chart is copied out) and a class (the theme's
/// colour on screen).
fn push_rect(out: &mut String, rect: &Rect, fill: &str, class: &str) {
    out.push_str("<rect x=\"");
    Coord(rect.x).push_to(out);
    out.push_str("\" y=\"");
    Coord(rect.y).push_to(out);
    out.push_str("\" width=\"");
    Coord(rect.width).push_to(out);
    out.push_str("\" height=\"");
    Coord(rect.height).push_to(out);
    out.push_str("\" fill=\"");
    out.push_str(fill);
    out.push_str("\" class=\"");
    out.push_str(class);
    out.push_str("\"/>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revring::RunStatus;
    use time::macros::datetime;

    fn run(name: Option<&str>) -> TrendRun {
        TrendRun {
            id: Uuid::nil(),
            name: name.map(str::to_owned),
            revring_id: "run_0123456789".into(),
            status: RunStatus::Completed,
            created_at: datetime!(2026-11-24 09:05 UTC),
            started_at: None,
            completed_at: None,
            attempts_total: 3,
            attempts_passed: 2,
            attempts_failed: 1,
            review_pass_delta: 0,
        }
    }

    #[test]
    fn linked_points_carry_an_escaped_tooltip_twice() {
        let mut writer = MarkWriter::new(1);
        writer
            .tooltip(&run(Some("Smoke <nightly> & \"friends\"")))
            .push_str("67% passed");
        writer.point(Point { x: 56.04, y: 7.25 }, Some(Uuid::nil()));
        let marks = writer.finish();
        let tooltip =
            "Smoke &#60;nightly&#62; &#38; &#34;friends&#34; · 2026-11-24 09:05 · 67% passed";
        assert_eq!(
            marks.markup,
            format!(
                "<a href=\"/runs/00000000-0000-0000-0000-000000000000\" aria-label=\"{tooltip}\">\
                 <circle cx=\"56\" cy=\"7.3\" r=\"3.5\"><title>{tooltip}</title></circle></a>\n"
            )
        );
        assert_eq!(marks.count, 1);
    }

    #[test]
    fn unnamed_runs_are_named_by_their_revring_id() {
        let mut writer = MarkWriter::new(2);
        writer.tooltip(&run(Some("  "))).push_str("4 min");
        writer.point(Point { x: 1.0, y: 2.0 }, None);
        let bar = StackedBar {
            lower: Rect {
                x: 1.0,
                y: 2.0,
                width: 3.0,
                height: 4.0,
            },
            upper: Rect {
                x: 1.0,
                y: 0.5,
                width: 3.0,
                height: 1.5,
            },
        };
        let tooltip = writer.tooltip(&run(None));
        push_count(tooltip, 2);
        tooltip.push_str(" passed");
        writer.bar(&bar);
        let marks = writer.finish();
        assert_eq!(
            marks.markup,
            "<circle cx=\"1\" cy=\"2\" r=\"3.5\"><title>Run run_0123 · 2026-11-24 09:05 · 4 min</title></circle>\n\
             <g><title>Run run_0123 · 2026-11-24 09:05 · 2 passed</title>\
             <rect x=\"1\" y=\"2\" width=\"3\" height=\"4\" fill=\"#15803d\" class=\"bar-pass\"/>\
             <rect x=\"1\" y=\"0.5\" width=\"3\" height=\"1.5\" fill=\"#b91c1c\" class=\"bar-fail\"/></g>\n"
        );
        assert_eq!(marks.count, 2);
    }
}
