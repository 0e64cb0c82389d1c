//! Password hashing with argon2id, always on a blocking thread, and the same work whether or not
//! the account exists.

use std::sync::LazyLock;

use anyhow::Context;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use secrecy::{ExposeSecret, SecretString};

/// Argon2id memory cost in KiB (19 MiB, the OWASP baseline for argon2id).
pub const ARGON2_MEMORY_KIB: u32 = 19 * 1024;

/// Argon2id passes over memory.
pub const ARGON2_ITERATIONS: u32 = 2;

/// Argon2id lanes.
pub const ARGON2_PARALLELISM: u32 = 1;

/// Most password hashes computed at once in this process (each holds
/// [`ARGON2_MEMORY_KIB`] and a blocking thread): an unauthenticated burst cannot exhaust memory.
pub const MAX_CONCURRENT_HASHES: usize = 4;

/// Permits for [`MAX_CONCURRENT_HASHES`].
static HASH_PERMITS: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(MAX_CONCURRENT_HASHES);

/// A permit to hash a password now, or `None` when [`MAX_CONCURRENT_HASHES`] are running:
/// callers answer at once rather than queue. Hold it until the hash is done.
pub fn try_hash_permit() -> Option<tokio::sync::SemaphorePermit<'static>> {
    HASH_PERMITS.try_acquire().ok()
}

/// Shortest accepted password.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Longest accepted password (bounds hashing work per request).
pub const MAX_PASSWORD_CHARS: usize = 200;

fn hasher() -> Argon2<'static> {
    let params = Params::new(
        ARGON2_MEMORY_KIB,
        ARGON2_ITERATIONS,
        ARGON2_PARALLELISM,
        None,
    )
    .expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// A hash of a password nobody knows, verified against when the email is unknown so that an
/// unknown account costs as much time as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_now(&SecretString::from("ringside-no-such-account".to_owned()))
        .expect("hashing a constant succeeds")
});

/// Says what is wrong with a new password, if anything.
pub fn password_problem(password: &str) -> Option<String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        Some(format!("Use at least {MIN_PASSWORD_CHARS} characters."))
    } else if chars > MAX_PASSWORD_CHARS {
        Some(format!("Use at most {MAX_PASSWORD_CHARS} characters."))
    } else {
        None
    }
}

fn hash_now(password: &SecretString) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.expose_secret().as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|error| anyhow::anyhow!("argon2 hashing failed: {error}"))
}

/// Hashes a new password (PHC string) on a blocking thread.
pub async fn hash(password: SecretString) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_now(&password))
        .await
        .context("the hashing task panicked")?
}

/// Checks `password` against `stored` (or, when there is no account, against a dummy hash, and
/// then answers `false`). Runs on a blocking thread.
pub async fn verify(stored: Option<String>, password: SecretString) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let phc = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let parsed = PasswordHash::new(&phc)
            .map_err(|error| anyhow::anyhow!("stored password hash is malformed: {error}"))?;
        let matches = hasher()
            .verify_password(password.expose_secret().as_bytes(), &parsed)
            .is_ok();
        Ok(known && matches)
    })
    .await
    .context("the verification task panicked")?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[tokio::test]
    async fn right_password_matches_and_wrong_or_unknown_do_not() {
        let stored = hash(secret("correct horse battery")).await.unwrap();
        assert!(stored.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            verify(Some(stored.clone()), secret("correct horse battery"))
                .await
                .unwrap()
        );
        assert!(!verify(Some(stored), secret("wrong")).await.unwrap());
        assert!(
            !verify(None, secret("ringside-no-such-account"))
                .await
                .unwrap()
        );
    }

    #[test]
    fn short_and_huge_passwords_are_explained() {
        assert!(password_problem("short").unwrap().contains("10"));
        assert!(password_problem(&"x".repeat(300)).is_some());
        assert!(password_problem("long enough password").is_none());
    }
}
