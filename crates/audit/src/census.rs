//! The last guard before an event is written: nothing identifier-shaped leaves unhashed.
//!
//! Callers put only subject refs, owner ids, setting keys and JSON paths into events, and
//! redact what they know to be personal. The guard is there for what they did not foresee:
//! a setting key, an object key on a hit's path, an error message or a case reference that
//! holds somebody's e-mail address or phone number. Every string and object key of an
//! event is passed through the census ([`forgetme_matcher::identifier_tokens`]), and each
//! identifier-shaped piece is replaced by `[withheld:<12 hex digits>]`: an HMAC under the
//! audit key, so two events that withheld the same text can still be told to be the same,
//! and nobody without the key learns what it was.

use serde_json::{Map, Value};

use crate::AuditKey;

/// Fields checked before the run starts instead: the case reference (`run_start.case`) is
/// the request's name in the ledger and must stay as given; its own check refuses one that
/// holds the run's identifiers (`DSR5550100001`).
const CHECKED_AT_INPUT: [&str; 1] = ["case"];

/// `data` (an event's top level) with every identifier-shaped piece of its strings and keys
/// withheld, but for the fields checked at input.
pub fn withhold_identifiers(data: Map<String, Value>, key: &AuditKey) -> Map<String, Value> {
    data.into_iter()
        .map(|(k, v)| {
            if CHECKED_AT_INPUT.contains(&k.as_str()) {
                (k, v)
            } else {
                (withhold_text(&k, key), withhold_value(v, key))
            }
        })
        .collect()
}

fn withhold_map(data: Map<String, Value>, key: &AuditKey) -> Map<String, Value> {
    data.into_iter()
        .map(|(k, v)| (withhold_text(&k, key), withhold_value(v, key)))
        .collect()
}

fn withhold_value(value: Value, key: &AuditKey) -> Value {
    match value {
        Value::String(s) => Value::String(withhold_text(&s, key)),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(|v| withhold_value(v, key)).collect())
        }
        Value::Object(map) => Value::Object(withhold_map(map, key)),
        other => other,
    }
}

/// `text` with each identifier-shaped piece replaced by its withheld marker.
pub fn withhold_text(text: &str, key: &AuditKey) -> String {
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    forgetme_matcher::identifier_tokens(text, &mut |t| {
        pieces.push((t.start, t.start + t.text.len()))
    });
    if pieces.is_empty() {
        return text.to_string();
    }
    pieces.sort_unstable();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in pieces {
        if start < at {
            continue;
        }
        out.push_str(&text[at..start]);
        let reference = key.subject_ref(&text[start..end]);
        out.push_str("[withheld:");
        out.push_str(&reference[..12.min(reference.len())]);
        out.push(']');
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identifiers_in_strings_and_keys_are_withheld_ids_and_paths_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let key = AuditKey::load_or_create(&dir.path().join("k")).unwrap();
        let Value::Object(data) = json!({
            "owner_id": "0123456789abcdef0123456789abcdef",
            "setting_key": "fav-1",
            "json_paths": ["$.byAddress[\"ann@example.org\"].n", "$.entries[3]"],
            "case": "DSR-2024-0001",
            "note": "ticket DSR-2024-0001",
            "error": "GWS refused +1 555 010 0001",
            "ann@example.org": 1,
            "at": "2026-12-06T15:09:21Z",
        }) else {
            panic!()
        };
        let out = Value::Object(withhold_identifiers(data, &key)).to_string();
        for leaked in ["ann@example.org", "555 010 0001"] {
            assert!(!out.contains(leaked), "{out}");
        }
        for kept in [
            "0123456789abcdef0123456789abcdef",
            "fav-1",
            "$.entries[3]",
            "DSR-2024-0001",
            "2026-12-06T15:09:21Z",
        ] {
            assert!(out.contains(kept), "{kept}: {out}");
        }
        // Digits with punctuation are a number's shape wherever the case field is not.
        assert_eq!(out.matches("[withheld:").count(), 4, "{out}");
    }
}
