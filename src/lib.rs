//! Ringside: a self-hosted portal for QA teams that test voice AI agents with RevRing.
//!
//! The binary in `main.rs` only parses the command line; everything else lives here so that the
//! integration tests build exactly the application that ships. Layers point one way (see
//! `docs/architecture.md`): `auth`, `crypto`, `domain`, `revring`, `db` and `sync` never reach
//! up into `cli`, `app`, `web` or `tools`.

pub mod app;
pub mod auth;
pub mod cli;
pub mod crypto;
pub mod db;
pub mod domain;
pub mod revring;
pub mod simulator;
pub mod sync;
pub mod tools;
pub mod web;

/// Ringside's version, shown in the footer.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
