//! Encryption at rest for stored RevRing API keys: AES-256-GCM under the installation's master
//! key, with a fresh random nonce for every value, and bound to its row (team and key id) as
//! associated data so a ciphertext moved to another row does not decrypt.
//!
//! The master key comes from `RINGSIDE_MASTER_KEY`, or in local mode from `<data dir>/master.key`
//! (generated on first start, mode 0600). Without either, a server with an external database
//! refuses to start rather than store keys it could not read back later.

use std::io::Write;
use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use anyhow::Context;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use secrecy::{ExposeSecret, SecretBox, SecretString};
use sha2::Sha256;

/// Length of the master key in bytes (AES-256).
pub const MASTER_KEY_LEN: usize = 32;

/// Length of an AES-GCM nonce in bytes.
pub const NONCE_LEN: usize = 12;

/// Name of the generated master key file inside the data directory (local mode only).
pub const MASTER_KEY_FILE: &str = "master.key";

/// The key that encrypts every stored API key. Its bytes are zeroed on drop and never printed.
pub struct MasterKey(SecretBox<[u8; MASTER_KEY_LEN]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([REDACTED])")
    }
}

/// An encrypted value as stored: the ciphertext (with its authentication tag) and its nonce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncryptedSecret {
    /// AES-256-GCM output, tag included.
    pub ciphertext: Vec<u8>,
    /// The 12 random bytes used for this value only.
    pub nonce: Vec<u8>,
}

/// Why a master key could not be read.
#[derive(Debug, thiserror::Error)]
pub enum MasterKeyError {
    /// Not base64.
    #[error("the master key is not valid base64")]
    NotBase64,
    /// Decodes to the wrong number of bytes.
    #[error("the master key must be {MASTER_KEY_LEN} bytes (base64 of 32 random bytes), not {0}")]
    WrongLength(usize),
}

/// A stored value could not be decrypted: it was written under another master key, or altered.
#[derive(Debug, thiserror::Error)]
#[error("the value cannot be decrypted with this master key (a different key, or altered data)")]
pub struct DecryptError;

impl MasterKey {
    /// Reads a key given as base64 of 32 bytes (standard alphabet, padding optional).
    pub fn from_base64(encoded: &SecretString) -> Result<Self, MasterKeyError> {
        let text = encoded.expose_secret().trim();
        let bytes = STANDARD
            .decode(text)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(text))
            .map_err(|_| MasterKeyError::NotBase64)?;
        let key: [u8; MASTER_KEY_LEN] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| MasterKeyError::WrongLength(bytes.len()))?;
        Ok(Self(SecretBox::new(Box::new(key))))
    }

    /// A new random key.
    pub fn generate() -> Self {
        let mut key = [0u8; MASTER_KEY_LEN];
        rand::rng().fill_bytes(&mut key);
        Self(SecretBox::new(Box::new(key)))
    }

    /// The key as base64, as `RINGSIDE_MASTER_KEY` and `master.key` hold it.
    pub fn to_base64(&self) -> SecretString {
        STANDARD.encode(self.0.expose_secret()).into()
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(self.0.expose_secret().into())
    }

    /// Encrypts `plaintext` under a fresh random nonce, bound to `aad` (see [`api_key_aad`]):
    /// decrypting needs the same associated data.
    pub fn encrypt_bound(&self, plaintext: &SecretString, aad: &[u8]) -> EncryptedSecret {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let payload = Payload {
            msg: plaintext.expose_secret().as_bytes(),
            aad,
        };
        let ciphertext = self
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), payload)
            .expect("AES-GCM encryption of an in-memory value cannot fail");
        EncryptedSecret {
            ciphertext,
            nonce: nonce.to_vec(),
        }
    }

    /// Decrypts a value sealed by [`MasterKey::encrypt_bound`] with the same `aad`.
    pub fn decrypt_bound(
        &self,
        ciphertext: &[u8],
        nonce: &[u8],
        aad: &[u8],
    ) -> Result<SecretString, DecryptError> {
        if nonce.len() != NONCE_LEN {
            return Err(DecryptError);
        }
        let payload = Payload {
            msg: ciphertext,
            aad,
        };
        let plaintext = self
            .cipher()
            .decrypt(Nonce::from_slice(nonce), payload)
            .map_err(|_| DecryptError)?;
        String::from_utf8(plaintext)
            .map(SecretString::from)
            .map_err(|_| DecryptError)
    }

    /// Encrypts `plaintext` under a fresh random nonce, without associated data (how keys were
    /// stored before they were bound to their row; see [`MasterKey::encrypt_bound`]).
    pub fn encrypt(&self, plaintext: &SecretString) -> EncryptedSecret {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                plaintext.expose_secret().as_bytes(),
            )
            .expect("AES-GCM encryption of an in-memory value cannot fail");
        EncryptedSecret {
            ciphertext,
            nonce: nonce.to_vec(),
        }
    }

    /// HMAC-SHA256 of `message` under a key derived from the master key for `purpose` only.
    fn mac(&self, purpose: &str, message: &[u8]) -> Hmac<Sha256> {
        let new = |key: &[u8]| <Hmac<Sha256> as Mac>::new_from_slice(key).expect("any length");
        let mut derive = new(self.0.expose_secret());
        derive.update(format!("ringside:mac:v1:{purpose}").as_bytes());
        let mut mac = new(&derive.finalize().into_bytes());
        mac.update(message);
        mac
    }

    /// Signs `message` for `purpose` (checked by [`MasterKey::verify`]).
    pub fn sign(&self, purpose: &str, message: &[u8]) -> [u8; 32] {
        self.mac(purpose, message).finalize().into_bytes().into()
    }

    /// Whether `tag` is the signature of `message` for `purpose`, compared in constant time.
    pub fn verify(&self, purpose: &str, message: &[u8], tag: &[u8]) -> bool {
        self.mac(purpose, message).verify_slice(tag).is_ok()
    }

    /// Decrypts a stored value; fails if it was encrypted under another key or altered.
    pub fn decrypt(&self, ciphertext: &[u8], nonce: &[u8]) -> Result<SecretString, DecryptError> {
        if nonce.len() != NONCE_LEN {
            return Err(DecryptError);
        }
        let plaintext = self
            .cipher()
            .decrypt(Nonce::from_slice(nonce), ciphertext)
            .map_err(|_| DecryptError)?;
        String::from_utf8(plaintext)
            .map(SecretString::from)
            .map_err(|_| DecryptError)
    }
}

/// The associated data that binds a stored API key's ciphertext to its team and id.
pub fn api_key_aad(team_id: uuid::Uuid, key_id: uuid::Uuid) -> Vec<u8> {
    format!("ringside:api_key:v1:{team_id}:{key_id}").into_bytes()
}

/// The master key for `ringside serve`: the configured one (`RINGSIDE_MASTER_KEY`) when given;
/// else, in local mode (a `local_data_dir`), `<data dir>/master.key`, generated on first use; else an error that says what to do.
pub fn resolve_master_key(
    configured: Option<&SecretString>,
    local_data_dir: Option<&Path>,
) -> anyhow::Result<MasterKey> {
    if let Some(encoded) = configured {
        return MasterKey::from_base64(encoded).context("RINGSIDE_MASTER_KEY is not usable");
    }
    let Some(data_dir) = local_data_dir else {
        anyhow::bail!(
            "RINGSIDE_MASTER_KEY is required when DATABASE_URL is set: it encrypts the stored \
             RevRing API keys. Generate one with `openssl rand -base64 32`, keep it safe, and \
             give every replica the same value."
        );
    };
    read_or_create_key_file(&data_dir.join(MASTER_KEY_FILE))
}

/// Reads the key file, creating it the first time. Several processes may start together on a
/// fresh data directory: each writes its candidate to a private temp file and links it into
/// place (`link` fails if the name exists), so the file appears whole or not at all; a process
/// that loses the race reads the winner's key.
fn read_or_create_key_file(path: &Path) -> anyhow::Result<MasterKey> {
    match std::fs::read_to_string(path) {
        Ok(text) => MasterKey::from_base64(&SecretString::from(text))
            .with_context(|| format!("{} does not hold a usable master key", path.display())),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            let dir = path.parent().unwrap_or(Path::new("."));
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let key = MasterKey::generate();
            let temp = dir.join(format!(
                ".{MASTER_KEY_FILE}.{}",
                uuid::Uuid::new_v4().simple()
            ));
            let written = write_private(&temp, &key);
            let linked = written.and_then(|()| {
                std::fs::hard_link(&temp, path)
                    .with_context(|| format!("cannot create {}", path.display()))
            });
            let _ = std::fs::remove_file(&temp);
            match linked {
                Ok(()) => {
                    tracing::info!(path = %path.display(), "generated a new master key");
                    Ok(key)
                }
                // Another process created it first: use its key.
                Err(error)
                    if error
                        .downcast_ref::<std::io::Error>()
                        .is_some_and(|io| io.kind() == std::io::ErrorKind::AlreadyExists) =>
                {
                    read_or_create_key_file(path)
                }
                Err(error) => Err(error),
            }
        }
        Err(error) => Err(error).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// Writes `key` to a new file only its owner can read, flushed to disk before it is linked.
fn write_private(path: &Path, key: &MasterKey) -> anyhow::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(path)
        .with_context(|| format!("cannot create {}", path.display()))?;
    writeln!(file, "{}", key.to_base64().expose_secret())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(text: &str) -> SecretString {
        SecretString::from(text.to_owned())
    }

    #[test]
    fn signatures_hold_only_for_their_key_purpose_and_message() {
        let key = MasterKey::generate();
        let tag = key.sign("csrf", b"hello");
        assert!(key.verify("csrf", b"hello", &tag));
        assert!(!key.verify("csrf", b"hellO", &tag));
        assert!(!key.verify("other", b"hello", &tag));
        assert!(!key.verify("csrf", b"hello", &tag[..16]));
        assert!(!MasterKey::generate().verify("csrf", b"hello", &tag));
    }

    #[test]
    fn round_trip_with_a_fresh_nonce_each_time() {
        let key = MasterKey::generate();
        let first = key.encrypt(&secret("rr_live_abcd1234"));
        let second = key.encrypt(&secret("rr_live_abcd1234"));
        assert_ne!(first.nonce, second.nonce);
        assert_ne!(first.ciphertext, second.ciphertext);
        let plain = key.decrypt(&first.ciphertext, &first.nonce).unwrap();
        assert_eq!(plain.expose_secret(), "rr_live_abcd1234");
    }

    #[test]
    fn a_bound_value_decrypts_only_with_its_own_associated_data() {
        let key = MasterKey::generate();
        let (team, id, other) = (
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
            uuid::Uuid::new_v4(),
        );
        let sealed = key.encrypt_bound(&secret("rr_live_abc"), &api_key_aad(team, id));
        let opened = key
            .decrypt_bound(&sealed.ciphertext, &sealed.nonce, &api_key_aad(team, id))
            .unwrap();
        assert_eq!(opened.expose_secret(), "rr_live_abc");
        for wrong in [api_key_aad(other, id), api_key_aad(team, other)] {
            assert!(
                key.decrypt_bound(&sealed.ciphertext, &sealed.nonce, &wrong)
                    .is_err()
            );
        }
        assert!(key.decrypt(&sealed.ciphertext, &sealed.nonce).is_err());
    }

    #[test]
    fn another_key_or_altered_data_cannot_decrypt() {
        let key = MasterKey::generate();
        let sealed = key.encrypt(&secret("rr_secret"));
        assert!(
            MasterKey::generate()
                .decrypt(&sealed.ciphertext, &sealed.nonce)
                .is_err()
        );
        let mut altered = sealed.ciphertext.clone();
        altered[0] ^= 1;
        assert!(key.decrypt(&altered, &sealed.nonce).is_err());
        assert!(key.decrypt(&sealed.ciphertext, &[0; 3]).is_err());
    }

    #[test]
    fn base64_round_trip_and_length_check() {
        let key = MasterKey::generate();
        let again = MasterKey::from_base64(&key.to_base64()).unwrap();
        let sealed = key.encrypt(&secret("x"));
        assert!(again.decrypt(&sealed.ciphertext, &sealed.nonce).is_ok());
        assert!(matches!(
            MasterKey::from_base64(&secret("c2hvcnQ=")),
            Err(MasterKeyError::WrongLength(5))
        ));
        assert!(matches!(
            MasterKey::from_base64(&secret("not base64!")),
            Err(MasterKeyError::NotBase64)
        ));
        assert_eq!(format!("{key:?}"), "MasterKey([REDACTED])");
    }

    #[test]
    fn key_file_is_created_private_and_read_back() {
        let dir = std::env::temp_dir().join(format!("ringside-key-{}", uuid::Uuid::new_v4()));
        let path = dir.join(MASTER_KEY_FILE);
        let created = read_or_create_key_file(&path).unwrap();
        let read = read_or_create_key_file(&path).unwrap();
        let sealed = created.encrypt(&secret("value"));
        assert!(read.decrypt(&sealed.ciphertext, &sealed.nonce).is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn processes_racing_on_a_fresh_key_file_all_get_the_same_key() {
        for _ in 0..20 {
            let dir = std::env::temp_dir().join(format!("ringside-race-{}", uuid::Uuid::new_v4()));
            let path = dir.join(MASTER_KEY_FILE);
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(8));
            let racers: Vec<_> = (0..8)
                .map(|_| {
                    let (path, barrier) = (path.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        read_or_create_key_file(&path).map(|key| key.to_base64())
                    })
                })
                .collect();
            let keys: Vec<String> = racers
                .into_iter()
                .map(|racer| racer.join().unwrap().unwrap().expose_secret().to_owned())
                .collect();
            assert!(keys.iter().all(|key| key == &keys[0]), "{keys:?}");
            let on_disk = std::fs::read_to_string(&path).unwrap();
            assert_eq!(on_disk.trim(), keys[0]);
            let leftovers = std::fs::read_dir(&dir).unwrap().count();
            assert_eq!(leftovers, 1, "temp files must not be left behind");
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
