//! Accounts without HTTP: password hashing, one-time tokens, roles, login throttling limits.

pub mod password;
pub mod role;
pub mod scope;
pub mod token;

pub use role::Role;
pub use scope::Scope;
