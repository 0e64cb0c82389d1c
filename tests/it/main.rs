//! Integration tests: one binary (one link step) with a module per area. Every test gets a fresh
//! database on a real PostgreSQL and talks to the real router over HTTP.

mod support;

mod alerts;
mod api;
mod auth_csrf;
mod auth_keys;
mod auth_login;
mod auth_process;
mod auth_teams;
mod bench_live;
mod browser_accounts;
mod browser_home;
mod browser_pages;
mod browser_runs;
mod browser_views;
mod contract;
mod foundation;
mod local_cluster;
mod metrics;
mod resilience;
mod revring_client;
mod route_table;
mod runs_pages;
mod security;
mod simulator;
mod stylesheet;
mod sync;
mod trends;
mod triage;
mod ui_pages;
mod views;
