//! Test harness shared by every integration test.

pub(crate) mod accounts;
pub(crate) mod app;
pub(crate) mod browser;
pub(crate) mod db;
pub(crate) mod hostile;
pub(crate) mod proxy;

pub(crate) use app::TestApp;
pub(crate) use browser::Browser;
