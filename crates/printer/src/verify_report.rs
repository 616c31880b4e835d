//! What a verified signed document states, in a few lines: `verify-receipt`'s page; and what
//! `signing-key public` and `signing-key rotate` say they did.
//!
//! The document's text is the file's, so every value shown goes through
//! [`crate::terminal_safe`]: a receipt made by someone else is read here.

use std::path::Path;

use forgetme_audit::signing::keyfile::{self, Rotation};
use forgetme_audit::signing::{Invalid, Verified};
use serde_json::Value;

/// `verify-receipt`'s verdict on `file`, as printed: `VALID: ...` and what the document
/// states, or `INVALID: ...` and why (with how an unsigned receipt can be checked).
pub fn verdict(file: &Path, result: &Result<Verified, Invalid>) -> String {
    match result {
        Ok(v) => {
            let mut out = format!(
                "VALID: {} is signed by key {} and not a byte of it changed since it was signed.\n",
                file.display(),
                v.key_id
            );
            for line in summary(&v.document) {
                out.push_str(&format!("  {line}\n"));
            }
            out
        }
        Err(e) => {
            let mut out = format!("INVALID: {}: {e}\n", file.display());
            if *e == Invalid::Unsigned {
                out.push_str("  Only the holder of the audit key can check an unsigned receipt (gdpr_forget_me --recheck-receipt FILE --audit-key KEY ...).\n");
            }
            out
        }
    }
}

/// `signing-key public --out FILE`'s line on stderr: where the keys went, and how a receipt is
/// checked with them.
pub fn published(path: &Path, keys: usize) -> String {
    format!(
        "Public key(s) written to {}: {keys} key(s). Publish the file; a receipt is checked with gdpr_forget_me verify-receipt RECEIPT.json --public-key {}\n",
        path.display(),
        path.display()
    )
}

/// `signing-key rotate`'s report: the key that signs from now on, the one retired (still
/// published, so what it signed still verifies), and that the keys must be published again.
pub fn rotated(r: &Rotation, audit_key: &Path) -> String {
    let mut out = match &r.retired {
        Some(old) => format!(
            "Signing key rotated: receipts are signed with key {} from now on. Key {} is retired: its private key is gone, its public key is kept in {} and still published, so the receipts it signed still verify.\n",
            r.current.key_id(),
            old.key_id(),
            keyfile::retired_keys_path(audit_key).display()
        ),
        None => format!(
            "Signing key created: receipts are signed with key {}.\n",
            r.current.key_id()
        ),
    };
    out.push_str(&format!(
        "Publish the public keys again: gdpr_forget_me signing-key public --audit-key {} --out FILE\n",
        audit_key.display()
    ));
    out
}

/// The lines under `VALID: ...` for a receipt or a disk report that verified.
pub fn summary(doc: &Value) -> Vec<String> {
    if doc["schema"] == forgetme_disk_check::proof::SCHEMA {
        return disk_summary(doc);
    }
    let count = |v: &Value| v.as_array().map_or(0, Vec::len);
    let mut out = vec![format!(
        "{}: run {}, {} .. {}, keyspace {}",
        text(&doc["schema"]),
        text(&doc["run_id"]),
        text(&doc["started_at"]),
        text(&doc["finished_at"]),
        text(&doc["keyspace"])
    )];
    if doc["schema"] == forgetme_erasure_receipt::SCHEMA {
        let verified = doc["verification"]["verified"] == Value::Bool(true);
        let left = count(&doc["left_stored"]);
        out.push(format!(
            "it states: {} location(s) handled, {left} matched setting(s) still stored, verification {}",
            count(&doc["locations"]),
            match (verified, left) {
                (true, 0) => "VERIFIED".to_string(),
                (true, _) => "VERIFIED for the settings erased, NOT COMPLETE".to_string(),
                (false, _) => "NOT VERIFIED".to_string(),
            }
        ));
    }
    out
}

/// What a valid disk report states: per node, whether a file still held the identifiers.
fn disk_summary(doc: &Value) -> Vec<String> {
    use forgetme_disk_check::proof;
    let mut out = vec![format!(
        "{}: disk check of keyspace {} on {}, {} .. {}",
        text(&doc["schema"]),
        text(&doc["keyspace"]),
        text(&doc["host"]),
        text(&doc["started_at"]),
        text(&doc["finished_at"])
    )];
    match proof::read(doc, "") {
        Ok(p) => {
            out.push(format!(
                "it states, for {} identifier(s) named by subject ref:",
                p.subject_refs.len()
            ));
            for n in &p.nodes {
                out.extend(n.lines().into_iter().map(|l| format!("  {l}")));
            }
        }
        Err(e) => out.push(format!(
            "it is signed, but it cannot stand as proof of what the disk held: {e}"
        )),
    }
    out
}

/// A string field, printable; `?` when it is missing or not a string.
fn text(v: &Value) -> String {
    crate::terminal_safe(v.as_str().unwrap_or("?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_with_settings_left_is_verified_but_not_complete_and_control_characters_are_not_printed(
    ) {
        let doc = serde_json::json!({
            "schema": forgetme_erasure_receipt::SCHEMA,
            "run_id": "r\u{1b}[31m1",
            "started_at": "a", "finished_at": "b", "keyspace": "ks",
            "verification": {"verified": true},
            "locations": [1, 2],
            "left_stored": [1],
        });
        let lines = summary(&doc);
        assert!(!lines[0].contains('\u{1b}'), "{lines:?}");
        assert!(
            lines[1].contains("2 location(s) handled, 1 matched setting(s) still stored, verification VERIFIED for the settings erased, NOT COMPLETE"),
            "{lines:?}"
        );
        let mut clean = doc.clone();
        clean["left_stored"] = serde_json::json!([]);
        assert!(summary(&clean)[1].ends_with("verification VERIFIED"));
        clean["verification"]["verified"] = false.into();
        assert!(summary(&clean)[1].ends_with("verification NOT VERIFIED"));
    }
}
