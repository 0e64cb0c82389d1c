//! Operator tools that ship in the binary but are not the portal: a generator of large run
//! histories, the benchmark that measures pages against it, `token create` for bootstrapping
//! API tokens, and `ci`, the client that runs suites from a pipeline.

pub mod bench;
pub mod ci;
pub mod generate;
pub mod token;
