//! The audit key file: creation, reuse, permissions, and what subject refs reveal.

use std::fs;

use forgetme_audit::{AuditError, AuditKey};

#[test]
fn hmac_is_stable_and_depends_on_the_key() {
    let a = AuditKey::from_bytes([1; 32]);
    let b = AuditKey::from_bytes([2; 32]);
    let id = "john@example.com";
    assert_eq!(a.subject_ref(id), a.subject_ref(id));
    assert_eq!(
        a.subject_ref(id),
        AuditKey::from_bytes([1; 32]).subject_ref(id)
    );
    assert_ne!(a.subject_ref(id), b.subject_ref(id));
    assert_ne!(a.subject_ref(id), a.subject_ref("+31201234567"));
    assert!(!a.subject_ref(id).contains("john"));
}

#[test]
fn key_file_is_created_then_reused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gdpr_forget_me.audit.key");
    let first = AuditKey::load_or_create(&path).unwrap();
    let text = fs::read_to_string(&path).unwrap();
    assert_eq!(text.trim().len(), 64);
    assert!(text.trim().bytes().all(|b| b.is_ascii_hexdigit()));
    let second = AuditKey::load_or_create(&path).unwrap();
    assert_eq!(
        first.subject_ref("+31201234567"),
        second.subject_ref("+31201234567")
    );
    assert_eq!(first.fingerprint(), second.fingerprint());
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        text,
        "reuse must not rewrite"
    );
}

#[test]
fn new_keys_are_random() {
    let dir = tempfile::tempdir().unwrap();
    let a = AuditKey::load_or_create(&dir.path().join("a.key")).unwrap();
    let b = AuditKey::load_or_create(&dir.path().join("b.key")).unwrap();
    assert_ne!(
        a.subject_ref("x@example.com"),
        b.subject_ref("x@example.com")
    );
}

#[cfg(unix)]
#[test]
fn key_file_is_created_with_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    AuditKey::load_or_create(&path).unwrap();
    let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[cfg(unix)]
#[test]
fn key_readable_by_others_is_refused_with_chmod_advice() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    AuditKey::load_or_create(&path).unwrap();
    for mode in [0o644, 0o640, 0o604, 0o620] {
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
        let err = AuditKey::load_or_create(&path).unwrap_err();
        assert!(matches!(err, AuditError::KeyPermissions { .. }), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains(&format!("chmod 600 {}", path.display())),
            "{msg}"
        );
    }
    fs::set_permissions(&path, fs::Permissions::from_mode(0o400)).unwrap();
    AuditKey::load_or_create(&path).unwrap();
}

#[test]
fn missing_directory_is_not_created() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-such-dir").join("k");
    let err = AuditKey::load_or_create(&path).unwrap_err();
    assert!(matches!(err, AuditError::DirMissing { .. }), "{err}");
    assert!(err.to_string().contains("--audit-key"));
    assert!(!path.parent().unwrap().exists());
}

#[test]
fn malformed_key_is_refused_without_showing_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    fs::write(&path, "secretsecret\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
    }
    let err = AuditKey::load_or_create(&path).unwrap_err();
    assert!(matches!(err, AuditError::KeyMalformed { .. }), "{err}");
    assert!(!err.to_string().contains("secretsecret"));
}

#[test]
fn debug_shows_no_key_material() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("k");
    let key = AuditKey::load_or_create(&path).unwrap();
    let hex = fs::read_to_string(&path).unwrap();
    let shown = format!("{key:?}");
    assert!(!shown.contains(hex.trim()), "{shown}");
    assert!(!shown.contains(&hex.trim()[..16]), "{shown}");
}
