//! What a verified signed document states, in a few lines: `verify-receipt`'s page.
//!
//! The document's text is the file's, so every value shown goes through
//! [`crate::terminal_safe`]: a receipt made by someone else is read here.

use serde_json::Value;

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
