//! Trend pages: dashboard, suite trend, case history, flaky cases, run comparison, the shared
//! trend view, and the summaries and generator behind them.

mod compare;
mod generated;
mod history;
mod imported;
mod pages;
mod shared_reads;
