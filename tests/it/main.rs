//! Integration tests: one binary (one link step) with a module per area. Every test gets a fresh
//! database on a real PostgreSQL and talks to the real router over HTTP.

mod support;

mod browser_home;
mod contract;
mod foundation;
mod local_cluster;
mod revring_client;
mod simulator;
