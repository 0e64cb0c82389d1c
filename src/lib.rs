//! Ringside: a self-hosted portal for QA teams that test voice AI agents with RevRing.
//!
//! The binary in `main.rs` only parses the command line; everything else lives here so that the
//! integration tests build exactly the application that ships.

pub mod auth;
pub mod bench;
pub mod config;
pub mod crypto;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod generate;
pub mod revring;
pub mod shutdown;
pub mod simulator;
pub mod startup;
pub mod state;
pub mod sync;
pub mod telemetry;
pub mod web;

/// Ringside's version, shown in the footer.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
