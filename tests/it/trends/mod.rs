//! Trend pages: dashboard, suite trend, case history, flaky cases, run comparison, the shared
//! trend view, and the summaries and generator behind them.

pub(crate) mod built;
mod compare;
mod generated;
mod imported;
mod pages;
