//! The sync engine against the simulator: runs end equal to upstream, whatever happens.

mod faults;
pub mod fixture;
mod lifecycle;
mod workers;
