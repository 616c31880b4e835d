//! The signing key's files, beside the audit key, and key rotation.
//!
//! For an audit key at `PATH` (default `gdpr_forget_me.audit.key`):
//!
//! | file | holds | mode |
//! | --- | --- | --- |
//! | `PATH.signing` | the current private signing key: one line `gdpr-forget-me-ed25519-secret:<base64 seed>` | 0600 |
//! | `PATH.signing.retired` | the public keys of earlier signing keys, one line each: `gdpr-forget-me-ed25519:<base64> key <id> retired <time>` | 0600 |
//!
//! Both are handled with the audit key's care: created atomically (`O_CREAT|O_EXCL`, mode
//! 0600 from the start, fsync of the file and of its directory), never through a symbolic
//! link, only in a directory that exists, and refused when group or others can access them.
//!
//! Rotation ([`rotate`]) writes a new key beside the current one, records the current public
//! key as retired, then renames the new key over the current one (atomic): at every moment the
//! key file holds one whole key, and a retired key's public half is kept before its private
//! half is gone. The private half of a retired key is not kept: nothing may sign with it
//! again, while documents it signed still verify with its public key.

use std::fs::{self, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use super::{PublicKey, SigningKey};
use crate::fsutil::{no_follow, private_mode, require_parent_dir, shared_mode, sync_parent_dir};
use crate::AuditError;

/// The flag that chooses where the keys are (they follow the audit key).
const FLAG: &str = "--audit-key";

/// Largest file read as a key file or a list of retired keys.
const MAX_KEY_FILE_LEN: u64 = 1024;
const MAX_RETIRED_LEN: u64 = 1 << 20;

/// The private signing key's file beside the audit key: `PATH.signing`.
pub fn signing_key_path(audit_key: &Path) -> PathBuf {
    with_suffix(audit_key, ".signing")
}

/// The retired public keys' file beside the audit key: `PATH.signing.retired`.
pub fn retired_keys_path(audit_key: &Path) -> PathBuf {
    with_suffix(audit_key, ".signing.retired")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(suffix);
    PathBuf::from(s)
}

/// Loads the signing key beside `audit_key`, or creates it when there is none; the flag says
/// whether it was created (the caller tells the operator to publish its public key).
pub fn load_or_create(audit_key: &Path) -> Result<(SigningKey, bool), AuditError> {
    match load_existing(audit_key) {
        Err(AuditError::NoSigningKey { .. }) => {
            let path = signing_key_path(audit_key);
            let key = SigningKey::generate();
            match write_new(&path, &key) {
                Ok(()) => Ok((key, true)),
                // Another run created it between our look and our create: use theirs.
                Err(AuditError::Io { source, .. })
                    if source.kind() == io::ErrorKind::AlreadyExists =>
                {
                    load_existing(audit_key).map(|k| (k, false))
                }
                Err(e) => Err(e),
            }
        }
        other => other.map(|k| (k, false)),
    }
}

/// Loads the signing key beside `audit_key`; never creates one.
pub fn load_existing(audit_key: &Path) -> Result<SigningKey, AuditError> {
    let path = signing_key_path(audit_key);
    let text = match read_private(&path, MAX_KEY_FILE_LEN)? {
        Some(text) => text,
        None => {
            return Err(AuditError::NoSigningKey {
                path,
                audit_key: audit_key.to_path_buf(),
            })
        }
    };
    SigningKey::parse(text.trim()).ok_or(AuditError::SigningKeyMalformed {
        path,
        why: "expected one line `gdpr-forget-me-ed25519-secret:<base64 of 32 bytes>`".into(),
    })
}

/// One retired key, as its line in the retired file says.
#[derive(Clone, Debug)]
pub struct RetiredKey {
    /// The public key.
    pub key: PublicKey,
    /// When it was retired (RFC 3339), as recorded.
    pub retired_at: String,
}

/// The public keys beside an audit key: the current one (when there is one) and the retired.
#[derive(Clone, Debug)]
pub struct PublicKeys {
    /// The key that signs now.
    pub current: Option<PublicKey>,
    /// Earlier keys, oldest first; a key that is current again is left out.
    pub retired: Vec<RetiredKey>,
}

impl PublicKeys {
    /// Every public key, as `signing-key public` prints it and `verify-receipt --public-key`
    /// reads it: a comment line, then one line per key with its id and status.
    pub fn to_text(&self) -> String {
        let mut out = String::from(
            "# gdpr-forget-me signing public keys: check a receipt with\n# gdpr_forget_me verify-receipt RECEIPT.json --public-key THIS_FILE\n",
        );
        if let Some(k) = &self.current {
            out.push_str(&format!("{} key {} current\n", k.to_text(), k.key_id()));
        }
        for r in self.retired.iter().rev() {
            out.push_str(&format!(
                "{} key {} retired {}\n",
                r.key.to_text(),
                r.key.key_id(),
                r.retired_at
            ));
        }
        out
    }

    /// All keys, current first.
    pub fn all(&self) -> Vec<PublicKey> {
        self.current
            .iter()
            .cloned()
            .chain(self.retired.iter().rev().map(|r| r.key.clone()))
            .collect()
    }
}

/// The public keys beside `audit_key`: its current signing key's and every retired one.
pub fn public_keys(audit_key: &Path) -> Result<PublicKeys, AuditError> {
    let current = match load_existing(audit_key) {
        Ok(k) => Some(k.public_key()),
        Err(AuditError::NoSigningKey { .. }) => None,
        Err(e) => return Err(e),
    };
    let mut retired = read_retired(&retired_keys_path(audit_key))?;
    retired.retain(|r| Some(&r.key) != current.as_ref());
    let mut seen = Vec::new();
    retired.retain(|r| {
        let new = !seen.contains(&r.key);
        seen.push(r.key.clone());
        new
    });
    Ok(PublicKeys { current, retired })
}

/// The public keys to publish (`signing-key public`): refused when there is none, neither a
/// signing key nor a retired one, since an empty list would verify nothing.
pub fn keys_to_publish(audit_key: &Path) -> Result<PublicKeys, AuditError> {
    let keys = public_keys(audit_key)?;
    if keys.current.is_none() && keys.retired.is_empty() {
        return Err(AuditError::NoSigningKey {
            path: signing_key_path(audit_key),
            audit_key: audit_key.to_path_buf(),
        });
    }
    Ok(keys)
}

/// [`rotate`] beside an audit key that exists (`signing-key rotate`): a mistyped
/// `--audit-key` must not start a stray key somewhere else.
pub fn rotate_beside_audit_key(audit_key: &Path, now: &str) -> Result<Rotation, String> {
    if !audit_key.is_file() {
        return Err(format!(
            "there is no audit key at {}: give --audit-key FILE, the audit key of your erasure runs (the signing key is kept beside it)",
            audit_key.display()
        ));
    }
    rotate(audit_key, now).map_err(|e| e.to_string())
}

/// What a rotation did.
#[derive(Clone, Debug)]
pub struct Rotation {
    /// The key retired (its public half is kept in the retired file); `None` when there was
    /// no key yet.
    pub retired: Option<PublicKey>,
    /// The new current key.
    pub current: PublicKey,
}

/// Replaces the signing key beside `audit_key` with a new one (or creates the first), keeping
/// the old public key in the retired file so that documents it signed still verify.
pub fn rotate(audit_key: &Path, now: &str) -> Result<Rotation, AuditError> {
    let path = signing_key_path(audit_key);
    let old = match load_existing(audit_key) {
        Ok(k) => Some(k.public_key()),
        Err(AuditError::NoSigningKey { .. }) => None,
        Err(e) => return Err(e),
    };
    let new = SigningKey::generate();
    let staged = with_suffix(&path, ".new");
    write_new(&staged, &new).map_err(|e| match e {
        AuditError::Io { source, .. } if source.kind() == io::ErrorKind::AlreadyExists => {
            AuditError::RotationLeftover {
                path: staged.clone(),
            }
        }
        e => e,
    })?;
    let moved = (|| {
        if let Some(old) = &old {
            append_retired(&retired_keys_path(audit_key), old, now)?;
        }
        fs::rename(&staged, &path)
            .and_then(|()| sync_parent_dir(&path))
            .map_err(|e| AuditError::io("replace signing key", &path, e))
    })();
    if let Err(e) = moved {
        // The current key is unchanged; the staged one must not be left to block the next try.
        let _ = fs::remove_file(&staged);
        return Err(e);
    }
    Ok(Rotation {
        retired: old,
        current: new.public_key(),
    })
}

/// Reads a private file that must be a regular file (not a symbolic link), or `None` when it
/// does not exist.
fn read_private(path: &Path, max: u64) -> Result<Option<String>, AuditError> {
    match fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(AuditError::io("read signing key", path, e)),
        Ok(m) if !m.file_type().is_file() => {
            return Err(AuditError::NotAFile {
                flag: FLAG,
                path: path.to_path_buf(),
            })
        }
        Ok(_) => {}
    }
    let file = no_follow(OpenOptions::new().read(true))
        .open(path)
        .map_err(|e| AuditError::io("read signing key", path, e))?;
    // Check the opened file, not the path, so the file checked is the file read.
    let meta = file
        .metadata()
        .map_err(|e| AuditError::io("read signing key", path, e))?;
    if !meta.is_file() {
        return Err(AuditError::NotAFile {
            flag: FLAG,
            path: path.to_path_buf(),
        });
    }
    if let Some(mode) = shared_mode(&meta) {
        return Err(AuditError::SigningKeyPermissions {
            path: path.to_path_buf(),
            mode,
        });
    }
    let mut text = String::new();
    file.take(max)
        .read_to_string(&mut text)
        .map_err(|e| match e.kind() {
            io::ErrorKind::InvalidData => AuditError::SigningKeyMalformed {
                path: path.to_path_buf(),
                why: "not UTF-8 text".into(),
            },
            _ => AuditError::io("read signing key", path, e),
        })?;
    Ok(Some(text))
}

/// Creates a new key file (mode 0600, never replacing anything), durably.
fn write_new(path: &Path, key: &SigningKey) -> Result<(), AuditError> {
    require_parent_dir(path, "signing key", FLAG)?;
    // `create_new` (O_EXCL) neither replaces a file nor follows a symbolic link.
    let mut file = private_mode(OpenOptions::new().write(true).create_new(true))
        .open(path)
        .map_err(|e| AuditError::io("create signing key", path, e))?;
    let written = file
        .write_all(format!("{}\n", key.to_text()).as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| sync_parent_dir(path));
    if let Err(e) = written {
        drop(file);
        let _ = fs::remove_file(path);
        return Err(AuditError::io("write signing key", path, e));
    }
    Ok(())
}

fn read_retired(path: &Path) -> Result<Vec<RetiredKey>, AuditError> {
    let Some(text) = read_private(path, MAX_RETIRED_LEN)? else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut words = line.split_whitespace();
        let key = PublicKey::parse(words.next().unwrap_or_default()).map_err(|e| {
            AuditError::SigningKeyMalformed {
                path: path.to_path_buf(),
                why: format!("line {}: {e}", n + 1),
            }
        })?;
        let words: Vec<&str> = words.collect();
        let retired_at = match words.as_slice() {
            ["key", _, "retired", at] => at.to_string(),
            _ => String::new(),
        };
        out.push(RetiredKey { key, retired_at });
    }
    Ok(out)
}

fn append_retired(path: &Path, key: &PublicKey, now: &str) -> Result<(), AuditError> {
    // Refuse a link or a shared file before writing to it.
    read_private(path, MAX_RETIRED_LEN)?;
    require_parent_dir(path, "list of retired signing keys", FLAG)?;
    let mut file = no_follow(private_mode(OpenOptions::new().append(true).create(true)))
        .open(path)
        .map_err(|e| AuditError::io("record the retired signing key", path, e))?;
    file.write_all(format!("{} key {} retired {now}\n", key.to_text(), key.key_id()).as_bytes())
        .and_then(|()| file.sync_all())
        .and_then(|()| sync_parent_dir(path))
        .map_err(|e| AuditError::io("record the retired signing key", path, e))
}

/// The mode bits of a file, for tests.
#[cfg(all(test, unix))]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    fs::File::open(path)
        .unwrap()
        .metadata()
        .unwrap()
        .permissions()
        .mode()
        & 0o777
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_once_private_beside_the_audit_key_and_loaded_after() {
        let dir = tempfile::tempdir().unwrap();
        let audit = dir.path().join("gdpr_forget_me.audit.key");
        assert!(matches!(
            load_existing(&audit),
            Err(AuditError::NoSigningKey { .. })
        ));
        let (a, created) = load_or_create(&audit).unwrap();
        assert!(created);
        let path = dir.path().join("gdpr_forget_me.audit.key.signing");
        assert_eq!(signing_key_path(&audit), path);
        #[cfg(unix)]
        assert_eq!(mode(&path), 0o600);
        let (b, created) = load_or_create(&audit).unwrap();
        assert!(!created);
        assert_eq!(a.public_key(), b.public_key());
        assert_eq!(load_existing(&audit).unwrap().public_key(), a.public_key());
    }

    #[cfg(unix)]
    #[test]
    fn a_shared_a_linked_or_a_malformed_key_is_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let audit = dir.path().join("k");
        load_or_create(&audit).unwrap();
        let path = signing_key_path(&audit);
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let e = load_existing(&audit).unwrap_err();
        assert!(matches!(e, AuditError::SigningKeyPermissions { .. }), "{e}");
        assert!(e.to_string().contains("chmod 600"), "{e}");

        let other = dir.path().join("other");
        let (_, _) = load_or_create(&other).unwrap();
        let linked = dir.path().join("linked");
        std::os::unix::fs::symlink(signing_key_path(&other), signing_key_path(&linked)).unwrap();
        assert!(matches!(
            load_existing(&linked),
            Err(AuditError::NotAFile { .. })
        ));
        // A dangling link is not created through either.
        let dangling = dir.path().join("dangling");
        std::os::unix::fs::symlink(dir.path().join("target"), signing_key_path(&dangling)).unwrap();
        assert!(load_or_create(&dangling).is_err());
        assert!(!dir.path().join("target").exists());

        let bad = dir.path().join("bad");
        fs::write(signing_key_path(&bad), "0123456789abcdef\n").unwrap();
        fs::set_permissions(signing_key_path(&bad), fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            load_existing(&bad),
            Err(AuditError::SigningKeyMalformed { .. })
        ));
    }

    #[test]
    fn no_key_is_created_in_a_missing_directory() {
        let dir = tempfile::tempdir().unwrap();
        let audit = dir.path().join("missing").join("k");
        assert!(matches!(
            load_or_create(&audit),
            Err(AuditError::DirMissing { .. })
        ));
    }

    #[test]
    fn rotation_keeps_every_old_public_key_and_only_the_new_private_one() {
        let dir = tempfile::tempdir().unwrap();
        let audit = dir.path().join("k");
        // The first rotation creates the first key.
        let first = rotate(&audit, "2026-01-01T00:00:00Z").unwrap();
        assert!(first.retired.is_none());
        let doc = serde_json::json!({"schema": "x"});
        let old_signed = load_existing(&audit).unwrap().sign_document(&doc).unwrap();
        let second = rotate(&audit, "2026-02-01T00:00:00Z").unwrap();
        assert_eq!(second.retired.as_ref(), Some(&first.current));
        let third = rotate(&audit, "2026-03-01T00:00:00Z").unwrap();
        assert_eq!(
            load_existing(&audit).unwrap().public_key(),
            third.current.clone()
        );
        assert!(!with_suffix(&signing_key_path(&audit), ".new").exists());
        #[cfg(unix)]
        assert_eq!(mode(&retired_keys_path(&audit)), 0o600);

        let keys = public_keys(&audit).unwrap();
        assert_eq!(keys.current, Some(third.current.clone()));
        assert_eq!(
            keys.all(),
            vec![third.current, second.current, first.current.clone()]
        );
        assert_eq!(keys.retired[0].retired_at, "2026-02-01T00:00:00Z");
        // The published text is a key list that verifies the old document.
        let text = keys.to_text();
        let parsed = super::super::parse_public_keys(&text).unwrap();
        assert_eq!(parsed, keys.all());
        assert!(super::super::verify_document(&old_signed, &parsed).is_ok());
        assert!(text.contains(&format!(
            "key {} retired 2026-02-01",
            first.current.key_id()
        )));
    }

    #[test]
    fn a_rotation_left_behind_is_named_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let audit = dir.path().join("k");
        let (key, _) = load_or_create(&audit).unwrap();
        let staged = with_suffix(&signing_key_path(&audit), ".new");
        fs::write(&staged, "half").unwrap();
        let e = rotate(&audit, "now").unwrap_err();
        assert!(matches!(e, AuditError::RotationLeftover { .. }), "{e}");
        assert_eq!(
            load_existing(&audit).unwrap().public_key(),
            key.public_key()
        );
        assert!(public_keys(&audit).unwrap().retired.is_empty());
    }
}
