//! Test harness shared by every integration test.

pub mod accounts;
pub mod app;
pub mod browser;
pub mod db;
pub mod proxy;

pub use app::TestApp;
pub use browser::Browser;
