//! Operator tools that ship in the binary but are not the portal: a generator of large run
//! histories, the benchmark that measures pages against it, and the readiness check
//! container healthchecks run.

pub mod bench;
pub mod generate;
pub mod health;
