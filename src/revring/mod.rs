//! The RevRing API client. Its reference is `docs/revring-api.md`; comments cite its sections.
//!
//! Build one [`RevRing`] from configuration (base URL, timeout, retry policy); it owns the
//! connection pool. Call [`RevRing::client`] with a team's key (a [`SecretString`]) whenever a
//! request is due: the [`Client`] it returns is cheap and shares the pool.
//!
//! ```no_run
//! # async fn demo() -> Result<(), ringside::revring::Error> {
//! use ringside::revring::RevRing;
//! use secrecy::SecretString;
//!
//! let revring = RevRing::new("https://api.revring.ai/v1")?;
//! let client = revring.client(SecretString::from("rr_example"));
//! client.verify_key().await?;
//! for suite in client.list_suites().await? {
//!     println!("{} ({})", suite.name, suite.id);
//! }
//! # Ok(()) }
//! ```
//!
//! Much of the API is undocumented, so decoding is lenient throughout: unknown fields and extra
//! top-level keys are ignored, missing or null fields default, unknown enum values are kept
//! (`Unknown(String)`), timestamps that do not parse become `None`, and transcripts stay raw
//! JSON read through [`TranscriptEntry`]'s accessors. Any 2xx is success; any error body becomes
//! a classified [`Error`] that keeps the status and RevRing's message.

mod calls;
mod client;
mod envelope;
mod error;
mod error_body;
mod lenient;
mod public_address;
#[cfg(test)]
mod reference_examples;
mod retry;
mod runs;
mod status;
mod suites;
mod transcript;
mod transport;

pub use calls::{Agent, BATCH_GET_MAX_IDS, Call, PhoneNumber};
pub use client::Client;
pub use error::{Error, ErrorKind, Upstream};
pub use error_body::{MAX_ERROR_BODY_BYTES, MAX_MESSAGE_CHARS};
pub use public_address::is_public;
pub use retry::{
    DEFAULT_BASE_DELAY, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_ATTEMPTS, DEFAULT_MAX_DELAY,
    DEFAULT_TIMEOUT, RetryPolicy,
};
pub use runs::{Attempt, TestRun};
pub use secrecy::SecretString;
pub use status::{AttemptResult, CallDirection, CallStatus, RunStatus};
pub use suites::{
    ChatMessage, GenerateTestsRequest, GeneratedTests, NewSuite, NewTestCase, SuggestedTest,
    SuitePatch, TestCase, TestCasePatch, TestSuite, Variables,
};
pub use transcript::{Speaker, TranscriptEntry};
pub use transport::RevRing;
