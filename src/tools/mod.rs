//! Operator tools that ship in the binary but are not the portal: a generator of large run
//! histories and the benchmark that measures pages against it.

pub mod bench;
pub mod generate;
