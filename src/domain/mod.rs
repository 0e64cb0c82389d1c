//! Pure logic behind the trend pages: how a case did in a run, flake scores, run comparisons
//! and chart geometry. No I/O here; everything is unit-tested on hand-computed cases.

pub mod chart;
pub mod flake;
pub mod run_diff;
pub mod trend;
