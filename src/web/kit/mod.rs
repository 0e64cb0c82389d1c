//! The plumbing every feature uses: the page layout, who is asking, CSRF, forms, formatting,
//! assets, paging, health probes, the error type and the error pages.

pub(crate) mod assets;
pub(crate) mod csrf;
pub mod error;
pub(crate) mod error_pages;
pub(crate) mod format;
pub(crate) mod forms;
pub(crate) mod health;
pub(crate) mod labels;
pub mod layout;
pub(crate) mod member;
pub(crate) mod paging;
