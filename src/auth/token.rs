//! Random one-time tokens (invitations, CSRF) and the hashes that stand for them in the database.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};

/// Random bytes in a token: 256 bits, far beyond guessing.
pub const TOKEN_BYTES: usize = 32;

/// A new random token, URL-safe base64 (43 characters).
pub fn generate() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// SHA-256 of a token: what the database stores and looks up, never the token itself. A
/// fast hash is enough because the token has 256 random bits.
pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// What every API token starts with, so people and secret scanners recognise a leaked one.
pub const API_TOKEN_PREFIX: &str = "rst_";

/// Characters of an API token kept in the clear (its prefix and a few random characters) to
/// tell tokens apart in lists; far too few to guess the rest from.
pub const API_TOKEN_SHOWN_CHARS: usize = 12;

/// A new API token: `rst_` followed by 256 random bits in URL-safe base64 (47 characters).
pub fn generate_api_token() -> String {
    format!("{API_TOKEN_PREFIX}{}", generate())
}

/// The part of an API token shown in lists (`rst_` and eight more characters).
pub fn api_token_shown_part(token: &str) -> String {
    token.chars().take(API_TOKEN_SHOWN_CHARS).collect()
}

/// Compares two strings in time independent of where they differ.
pub fn constant_time_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_url_safe_and_hash_to_32_bytes() {
        let (a, b) = (generate(), generate());
        assert_ne!(a, b);
        assert_eq!(a.len(), 43);
        assert!(
            a.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        assert_eq!(hash(&a).len(), 32);
        assert_eq!(hash(&a), hash(&a));
    }

    #[test]
    fn api_tokens_carry_the_prefix_and_256_bits() {
        let token = generate_api_token();
        assert!(token.starts_with("rst_"));
        assert_eq!(token.len(), 47);
        assert_eq!(api_token_shown_part(&token).len(), 12);
        assert_ne!(token, generate_api_token());
    }

    #[test]
    fn constant_time_eq_compares_exactly() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "abcd"));
    }
}
