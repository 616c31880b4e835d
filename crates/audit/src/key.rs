//! The secret key that turns a data subject's identifier into a subject ref.
//!
//! The log must show *that* a subject was handled without showing *who*. A plain hash would
//! not do: e-mail addresses and phone numbers are guessable, so anyone could hash a guess and
//! search the log. An HMAC under a secret key can only be recomputed by whoever holds the key,
//! which is kept in its own file, apart from the log.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use crate::fsutil::{private_mode, require_parent_dir, shared_mode, sync_parent_dir};
use crate::AuditError;

/// Prefix of every subject ref, so that a reader of the log (and a future format with another
/// algorithm) can tell what produced it.
pub const SUBJECT_REF_PREFIX: &str = "hmac-sha256:";

/// The flag that chooses the key path, named in error messages.
const FLAG: &str = "--audit-key";

/// Bytes a well-formed key file may hold: 64 hex digits plus a line ending and some slack.
/// Reading stops there, so pointing `--audit-key` at a large file fails fast.
const MAX_KEY_FILE_LEN: u64 = 256;

/// The 32-byte secret behind every subject ref in an audit log.
///
/// It deliberately has no `Clone`, `Display` or serialization, and its `Debug` shows no key
/// material, so that the key cannot end up in a log line or a panic message by accident.
pub struct AuditKey {
    bytes: [u8; 32],
}

impl AuditKey {
    /// Loads the key file, or creates it (32 random bytes, hex, mode 0600, parent dir must
    /// exist) when missing.
    ///
    /// Refuses (error) a key file readable by group/others on unix, with a message saying
    /// `chmod 600 <path>`: anyone who can read the key can test guessed identifiers against
    /// the log. The parent directory is not created, because a mistyped path would otherwise
    /// silently produce a second key and subject refs that match nothing.
    pub fn load_or_create(path: &Path) -> Result<AuditKey, AuditError> {
        match fs::metadata(path) {
            Ok(_) => load(path),
            Err(e) if e.kind() == io::ErrorKind::NotFound => match create(path) {
                // Another process created it between our check and our create: use theirs.
                Err(AuditError::Io { source, .. })
                    if source.kind() == io::ErrorKind::AlreadyExists =>
                {
                    load(path)
                }
                other => other,
            },
            Err(e) => Err(AuditError::io("read audit key", path, e)),
        }
    }

    /// Loads an existing key file (same checks as [`AuditKey::load_or_create`]) and never
    /// creates one: for reading a log, where a missing key must not be replaced by a new one.
    pub fn load_existing(path: &Path) -> Result<AuditKey, AuditError> {
        load(path)
    }

    /// A second handle on the same key, for an owner that must keep one (the open log).
    /// Deliberately not `Clone`, so copies are made only where a reader can see why.
    pub(crate) fn duplicate(&self) -> AuditKey {
        AuditKey { bytes: self.bytes }
    }

    /// Builds a key from raw bytes, for tests and for callers that keep the key elsewhere
    /// (e.g. a secrets manager).
    pub fn from_bytes(bytes: [u8; 32]) -> AuditKey {
        AuditKey { bytes }
    }

    /// HMAC-SHA256 of the normalized identifier, hex: `"hmac-sha256:<64 hex>"`.
    ///
    /// The caller must pass the identifier in its normalized form (lower-cased e-mail with
    /// ASCII domain, E.164 phone number), so that every spelling of one subject gives one ref.
    pub fn subject_ref(&self, normalized_identifier: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.bytes)
            .expect("HMAC-SHA256 accepts keys of any length");
        mac.update(normalized_identifier.as_bytes());
        let tag = mac.finalize().into_bytes();
        format!("{SUBJECT_REF_PREFIX}{}", hex::encode(tag))
    }

    /// The seal of an audit event: HMAC-SHA256 of `message` (the event's `prev`, a newline
    /// and the line up to its seal) under a key derived from this one, so that seals and
    /// subject refs never share a key; lower-case hex.
    ///
    /// The hash chain alone shows edits, but anyone can recompute it: an edit followed by
    /// re-chaining every later line verifies again. The seal cannot be recomputed without the
    /// key, so such a rewrite shows wherever the key is at hand.
    pub fn chain_seal(&self, message: &[u8]) -> String {
        let mut derive = Hmac::<Sha256>::new_from_slice(&self.bytes)
            .expect("HMAC-SHA256 accepts keys of any length");
        derive.update(b"forgetme-audit chain seal v1");
        let seal_key = derive.finalize().into_bytes();
        let mut mac = Hmac::<Sha256>::new_from_slice(&seal_key)
            .expect("HMAC-SHA256 accepts keys of any length");
        mac.update(message);
        hex::encode(mac.finalize().into_bytes())
    }

    /// The seal of an erasure receipt: HMAC-SHA256 of its canonical form (see
    /// `forgetme_erasure_receipt::Receipt::canonical`) under a key derived from this one for
    /// receipts alone, so that a receipt seal is never an audit event's seal or a subject ref;
    /// lower-case hex. Without the key nobody can edit a receipt and seal it again.
    pub fn receipt_seal(&self, canonical: &[u8]) -> String {
        let mut derive = Hmac::<Sha256>::new_from_slice(&self.bytes)
            .expect("HMAC-SHA256 accepts keys of any length");
        derive.update(b"forgetme erasure receipt seal v1");
        let seal_key = derive.finalize().into_bytes();
        let mut mac = Hmac::<Sha256>::new_from_slice(&seal_key)
            .expect("HMAC-SHA256 accepts keys of any length");
        mac.update(canonical);
        hex::encode(mac.finalize().into_bytes())
    }

    /// A short public name for this key (16 hex digits, derived one-way from it), so that an
    /// erasure receipt or a run can say *which* key made its subject refs without revealing
    /// the key — useful after a key has been rotated.
    pub fn fingerprint(&self) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.bytes)
            .expect("HMAC-SHA256 accepts keys of any length");
        mac.update(b"forgetme-audit key fingerprint v1");
        hex::encode(&mac.finalize().into_bytes()[..8])
    }
}

impl fmt::Debug for AuditKey {
    /// Shows the fingerprint only, never the key.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditKey")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

/// Reads an existing key file after checking that it is private.
fn load(path: &Path) -> Result<AuditKey, AuditError> {
    let file = File::open(path).map_err(|e| AuditError::io("read audit key", path, e))?;
    // Check the opened file, not the path, so the file checked is the file read.
    let meta = file
        .metadata()
        .map_err(|e| AuditError::io("read audit key", path, e))?;
    if !meta.is_file() {
        return Err(AuditError::NotAFile {
            flag: FLAG,
            path: path.to_path_buf(),
        });
    }
    if let Some(mode) = shared_mode(&meta) {
        return Err(AuditError::KeyPermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    let mut text = String::new();
    file.take(MAX_KEY_FILE_LEN)
        .read_to_string(&mut text)
        .map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData => AuditError::KeyMalformed {
                path: path.to_path_buf(),
            },
            _ => AuditError::io("read audit key", path, e),
        })?;
    parse_hex_key(text.trim()).ok_or_else(|| AuditError::KeyMalformed {
        path: path.to_path_buf(),
    })
}

/// Parses exactly 64 hex digits.
fn parse_hex_key(text: &str) -> Option<AuditKey> {
    let mut bytes = [0u8; 32];
    hex::decode_to_slice(text, &mut bytes).ok()?;
    Some(AuditKey { bytes })
}

/// Creates a new random key file with mode 0600, durably.
fn create(path: &Path) -> Result<AuditKey, AuditError> {
    require_parent_dir(path, "audit key", FLAG)?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let key = AuditKey { bytes };

    // `create_new` so that two runs starting at once cannot overwrite each other's key.
    let mut file = private_mode(OpenOptions::new().write(true).create_new(true))
        .open(path)
        .map_err(|e| AuditError::io("create audit key", path, e))?;
    let written = file
        .write_all(format!("{}\n", hex::encode(key.bytes)).as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| sync_parent_dir(path));
    if let Err(e) = written {
        // A half-written key would be refused as malformed on the next run; remove it so the
        // next run can start clean. Best effort: the original error is the one to report.
        drop(file);
        let _ = fs::remove_file(path);
        return Err(AuditError::io("write audit key", path, e));
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subject_ref_has_prefix_and_64_hex_digits() {
        let r = AuditKey::from_bytes([7; 32]).subject_ref("john@example.com");
        let hex = r.strip_prefix(SUBJECT_REF_PREFIX).unwrap();
        assert_eq!(hex.len(), 64);
        assert!(hex
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }

    #[test]
    fn subject_ref_matches_rfc_4231_test_case_2() {
        // RFC 4231 test case 2 uses a 4-byte key; HMAC zero-pads keys to the block size, so
        // the same key padded to 32 bytes must give the published tag.
        let mut bytes = [0u8; 32];
        bytes[..4].copy_from_slice(b"Jefe");
        let r = AuditKey::from_bytes(bytes).subject_ref("what do ya want for nothing?");
        assert_eq!(
            r,
            "hmac-sha256:5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn debug_never_shows_the_key() {
        let shown = format!("{:?}", AuditKey::from_bytes([0xab; 32]));
        assert!(!shown.contains("abab"), "{shown}");
        assert!(!shown.contains("171"), "{shown}");
    }

    #[test]
    fn parse_hex_key_wants_exactly_64_hex_digits() {
        assert!(parse_hex_key(&"0".repeat(64)).is_some());
        assert!(parse_hex_key(&"0".repeat(63)).is_none());
        assert!(parse_hex_key(&"0".repeat(66)).is_none());
        assert!(parse_hex_key(&"g".repeat(64)).is_none());
    }
}
