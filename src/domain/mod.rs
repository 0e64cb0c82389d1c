//! Pure logic over run history, without I/O: how a case did in a run, changes between two runs,
//! flake scores and chart geometry. Unit-tested here on hand-computed cases; used by the pages.

pub mod alert_rule;
pub mod alerts;
pub mod chart;
pub mod flake;
pub mod labels;
pub mod review;
pub mod run_diff;
pub mod span;
pub mod timetable;
pub mod trend;
