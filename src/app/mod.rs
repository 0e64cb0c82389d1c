//! The application's wiring: shared state, router assembly and startup, graceful shutdown,
//! logging, and the one-command demo.

pub mod demo;
pub mod shutdown;
pub mod startup;
pub mod state;
pub mod telemetry;
