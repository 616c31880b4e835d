//! docs/audit-log.md shows exactly what the code writes: every example event parses as the
//! type of its kind and writes back to the same `data`, the example run is a real chain sealed
//! with the example key, and every kind has an example.

use std::collections::BTreeSet;

use forgetme_audit::{verify_bytes, AuditKey, EventKind, TypedEvent};
use serde_json::Value;

/// The lines of docs/audit-log.md's `json` blocks that are audit events.
fn example_lines() -> Vec<String> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/audit-log.md");
    let doc = std::fs::read_to_string(path).expect("docs/audit-log.md");
    let mut out = Vec::new();
    let mut in_json = false;
    for line in doc.lines() {
        if line.starts_with("```") {
            in_json = line == "```json";
            continue;
        }
        if in_json && line.starts_with("{\"seq\":") {
            out.push(line.to_string());
        }
    }
    out
}

#[test]
fn every_documented_event_parses_as_the_code_writes_it() {
    let lines = example_lines();
    assert!(lines.len() >= 8, "{lines:?}");
    let mut kinds = BTreeSet::new();
    for line in &lines {
        let event: Value = serde_json::from_str(line).unwrap();
        let kind = event["kind"].as_str().unwrap();
        let Value::Object(data) = &event["data"] else {
            panic!("data is not an object: {line}")
        };
        let typed = TypedEvent::parse(kind, data).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(typed.kind().as_str(), kind);
        // Written back, the same data: the document names no field the code does not write,
        // and leaves out none it does.
        assert_eq!(
            typed.to_data(),
            Value::Object(data.clone()),
            "the code writes this {kind} differently"
        );
        kinds.insert(typed.kind());
    }
    let missing: Vec<&str> = EventKind::ALL
        .iter()
        .filter(|k| !kinds.contains(k))
        .map(|k| k.as_str())
        .collect();
    assert!(missing.is_empty(), "no example of {missing:?}");
}

#[test]
fn the_example_run_is_a_real_sealed_chain() {
    let run: Vec<String> = example_lines()
        .into_iter()
        .skip_while(|l| !l.starts_with("{\"seq\":1,"))
        .collect();
    assert!(run.len() >= 8, "{run:?}");
    let text: String = run.iter().map(|l| format!("{l}\n")).collect();
    let report = verify_bytes(text.as_bytes(), Some(&AuditKey::from_bytes([0x5a; 32])))
        .unwrap_or_else(|link| panic!("the example run is broken at {link}"));
    assert!(report.seals_checked);
    assert_eq!(report.events, run.len() as u64);
    assert_eq!(report.runs.len(), 1);
}
