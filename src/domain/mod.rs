//! Pure logic over run history, without I/O: unit-tested here, used by the pages.

pub mod compare;
