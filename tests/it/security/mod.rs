//! Security hardening (issue 15), each item tested from outside over real HTTP: a hostile
//! upstream, scripted bursts, forged headers.

mod call_cache;
mod details;
mod headers;
mod keys;
mod login;
mod recording;
mod sessions;
mod setup;
mod share_limit;
mod streams;
