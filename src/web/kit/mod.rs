//! The plumbing every feature uses: the page layout, who is asking, CSRF, forms, formatting,
//! assets, paging, health probes, the control-character check on all input, overload shedding,
//! metrics, the error type and the error pages.

pub(crate) mod assets;
pub(crate) mod audited;
pub(crate) mod client_addr;
pub(crate) mod confirm;
pub(crate) mod csrf;
pub(crate) mod csrf_cookie;
pub mod error;
pub(crate) mod error_pages;
pub mod extract;
pub(crate) mod format;
pub(crate) mod forms;
pub(crate) mod health;
pub(crate) mod input;
pub(crate) mod labels;
pub mod layout;
pub(crate) mod member;
pub mod metrics;
pub mod overload;
pub mod page_data;
pub(crate) mod paging;
pub(crate) mod words;
