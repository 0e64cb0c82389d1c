//! Ringside: a self-hosted portal for QA teams that test voice AI agents with RevRing.
//!
//! The binary in `main.rs` only parses the command line; everything else lives here so that the
//! integration tests build exactly the application that ships.

pub mod revring;
pub mod shutdown;
pub mod simulator;
