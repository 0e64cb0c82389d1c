//! Run, attempt and search pages, share links and exports, against the simulator's history.

mod exports;
mod fixture;
mod pages;
mod search;
pub(crate) mod share;

pub(crate) use fixture::ViewsFixture;
