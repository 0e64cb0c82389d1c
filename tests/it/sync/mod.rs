//! The sync engine against the simulator: runs end equal to upstream, whatever happens.

mod faults;
pub(crate) mod fixture;
mod lifecycle;
mod pacing;
mod workers;
