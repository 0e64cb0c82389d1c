//! The sync engine against the simulator: runs end equal to upstream, whatever happens.

mod faults;
mod lifecycle;
mod pacing;
mod workers;
