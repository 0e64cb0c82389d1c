//! Test harness shared by every integration test.

pub(crate) mod accounts;
pub(crate) mod api_ids;
pub(crate) mod app;
pub(crate) mod browser;
pub(crate) mod built;
pub(crate) mod checks;
pub(crate) mod db;
pub(crate) mod hostile;
pub(crate) mod html;
pub(crate) mod openapi;
pub(crate) mod proxy;
pub(crate) mod routes;
pub(crate) mod runs;
pub(crate) mod sse;
pub(crate) mod sync;
pub(crate) mod team_ids;
pub(crate) mod upstream;
pub(crate) mod views;

pub(crate) use app::TestApp;
pub(crate) use browser::Browser;
