//! Every way of changing a log is reported at the right line, and segment digests follow
//! the content they cover.

mod common;

use common::{
    parse, read_lines, rechain, rechain_sealed, temp_log, test_key, write_lines, write_run,
};
use forgetme_audit::{segment_digest, verify_chain, AuditError, BrokenLink};
use serde_json::json;

/// A five-event log and its lines.
fn five() -> (tempfile::TempDir, std::path::PathBuf, Vec<String>) {
    let (dir, path) = temp_log();
    write_run(&path, 5);
    let lines = read_lines(&path);
    assert_eq!(lines.len(), 5);
    (dir, path, lines)
}

/// The first broken link without and with the audit key.
fn broken_both(path: &std::path::Path) -> (BrokenLink, BrokenLink) {
    let keyless = verify_chain(path, None)
        .unwrap()
        .expect_err("tampering must be detected without the key");
    let keyed = verify_chain(path, Some(&test_key()))
        .unwrap()
        .expect_err("tampering must be detected with the key");
    (keyless, keyed)
}

/// The first broken link, found at the same line with and without the audit key.
fn broken(path: &std::path::Path) -> BrokenLink {
    let (keyless, keyed) = broken_both(path);
    assert_eq!(keyless.line, keyed.line);
    keyless
}

#[test]
fn editing_any_field_of_a_middle_line_breaks_it_there() {
    let (_dir, path, lines) = five();
    let original = parse(&lines)[2].clone();
    let mut edits = Vec::new();
    let mut e = original.clone();
    e.seq = 9;
    edits.push(e);
    let mut e = original.clone();
    e.time = "2000-01-01T00:00:00.000Z".into();
    edits.push(e);
    let mut e = original.clone();
    e.run = "other-run".into();
    edits.push(e);
    let mut e = original.clone();
    e.kind = "result".into();
    edits.push(e);
    let mut e = original.clone();
    e.data.insert("action".into(), json!("keep"));
    edits.push(e);
    let mut e = original.clone();
    e.data.insert("extra".into(), json!(1));
    edits.push(e);
    let mut e = original.clone();
    e.prev = "1".repeat(64);
    edits.push(e);
    let mut e = original.clone();
    e.hash = "2".repeat(64);
    edits.push(e);
    // A forger who recomputes this line's hash still breaks the next line's prev.
    let mut e = original.clone();
    e.data.insert("action".into(), json!("keep"));
    e.hash = e.expected_hash();
    edits.push(e);

    for (i, edited) in edits.into_iter().enumerate() {
        let mut tampered = lines.clone();
        tampered[2] = serde_json::to_string(&edited).unwrap();
        write_lines(&path, &tampered);
        // A recomputed hash moves the keyless finding to the next line's prev; the seal,
        // which the forger could not recompute, still points at the edited line.
        let (keyless, keyed) = broken_both(&path);
        let want = if i == 8 { 4 } else { 3 };
        assert_eq!(keyless.line, want, "edit {i}: {keyless}");
        assert_eq!(keyed.line, 3, "edit {i}: {keyed}");
    }
}

#[test]
fn deleting_a_line_breaks_where_it_was() {
    let (_dir, path, mut lines) = five();
    lines.remove(2);
    write_lines(&path, &lines);
    let link = broken(&path);
    assert_eq!(link.line, 3, "{link}");
    assert!(link.reason.contains("seq"), "{link}");
}

#[test]
fn deleting_the_first_line_breaks_line_one() {
    let (_dir, path, mut lines) = five();
    lines.remove(0);
    write_lines(&path, &lines);
    assert_eq!(broken(&path).line, 1);
}

#[test]
fn swapping_two_lines_breaks_at_the_first() {
    let (_dir, path, mut lines) = five();
    lines.swap(1, 3);
    write_lines(&path, &lines);
    assert_eq!(broken(&path).line, 2);
}

#[test]
fn appending_a_forged_line_with_a_wrong_prev_breaks_it() {
    let (_dir, path, mut lines) = five();
    let mut forged = parse(&lines)[4].clone();
    forged.seq = 6;
    forged.prev = "ab".repeat(32);
    forged.hash = forged.expected_hash();
    lines.push(serde_json::to_string(&forged).unwrap());
    write_lines(&path, &lines);
    let link = broken(&path);
    assert_eq!(link.line, 6, "{link}");
    assert!(link.reason.contains("prev"), "{link}");
}

#[test]
fn inserting_a_line_breaks_at_it() {
    let (_dir, path, mut lines) = five();
    let copy = lines[1].clone();
    lines.insert(2, copy);
    write_lines(&path, &lines);
    assert_eq!(broken(&path).line, 3);
}

#[test]
fn truncating_the_last_line_breaks_it() {
    let (_dir, path, _lines) = five();
    let bytes = std::fs::read(&path).unwrap();
    for cut in [1, 2, 40] {
        std::fs::write(&path, &bytes[..bytes.len() - cut]).unwrap();
        let link = broken(&path);
        assert_eq!(link.line, 5, "cut {cut}: {link}");
    }
}

#[test]
fn reformatting_a_line_breaks_it() {
    let (_dir, path, mut lines) = five();
    lines[1] = lines[1].replacen(',', ", ", 1);
    write_lines(&path, &lines);
    assert_eq!(broken(&path).line, 2);
}

#[test]
fn segment_digest_follows_each_event_in_the_range() {
    let (_dir, path, lines) = five();
    let events = parse(&lines);
    let original = segment_digest(&path, 2, 4).unwrap();
    assert_eq!(original.len(), 64);
    assert_eq!(segment_digest(&path, 2, 4).unwrap(), original, "stable");

    for changed in 1..=4 {
        let mut altered = events.clone();
        altered[changed]
            .data
            .insert("note".into(), json!("changed"));
        write_lines(&path, &rechain(altered));
        verify_chain(&path, None)
            .unwrap()
            .expect("validly re-chained: the chain alone cannot tell");
        let caught = verify_chain(&path, Some(&test_key()))
            .unwrap()
            .expect_err("the seals show the rewrite");
        assert_eq!(caught.line, changed as u64 + 1);
        assert!(caught.reason.contains("seal"), "{caught}");
        let digest = segment_digest(&path, 2, 4).unwrap();
        // Events before and inside the range change the digest (hashes chain forward);
        // an event after it does not.
        if changed <= 3 {
            assert_ne!(digest, original, "event {} changed", changed + 1);
        } else {
            assert_eq!(digest, original, "event 5 is outside 2..=4");
        }
    }
}

#[test]
fn segment_digest_is_sha256_of_hashes_with_newlines() {
    use sha2::{Digest, Sha256};
    let (_dir, path, lines) = five();
    let events = parse(&lines);
    let text: String = events[1..=3]
        .iter()
        .map(|e| format!("{}\n", e.hash))
        .collect();
    assert_eq!(
        segment_digest(&path, 2, 4).unwrap(),
        hex::encode(Sha256::digest(text))
    );
    assert_ne!(
        segment_digest(&path, 2, 3).unwrap(),
        segment_digest(&path, 2, 4).unwrap()
    );
}

#[test]
fn segment_digest_refuses_bad_ranges_and_tampered_logs() {
    let (_dir, path, mut lines) = five();
    for (from, to) in [(0, 2), (3, 2), (4, 6)] {
        let err = segment_digest(&path, from, to).unwrap_err();
        assert!(
            matches!(err, AuditError::SegmentOutOfRange { events: 5, .. }),
            "{err}"
        );
    }
    segment_digest(&path, 5, 5).unwrap();
    lines.swap(3, 4);
    write_lines(&path, &lines);
    let err = segment_digest(&path, 1, 2).unwrap_err();
    assert!(matches!(err, AuditError::Tampered { .. }), "{err}");
}

/// An edit followed by re-chaining every later line: the chain alone verifies (anyone can
/// recompute SHA-256), the seals do not (only the key holder can compute them), and a forger
/// who holds the key too goes undetected. docs/audit-log.md states exactly this.
#[test]
fn a_rechained_rewrite_is_caught_by_the_seals_and_only_by_them() {
    let (_dir, path, lines) = five();
    let mut events = parse(&lines);
    events[1].data.insert("outcome".into(), json!("forged"));

    write_lines(&path, &rechain(events.clone()));
    let report = verify_chain(&path, None)
        .unwrap()
        .expect("the chain alone is fooled");
    assert!(!report.seals_checked);
    let link = verify_chain(&path, Some(&test_key()))
        .unwrap()
        .expect_err("the key shows it");
    assert_eq!(link.line, 2);

    // Another key's seals do not verify either: a log cannot be passed off under a new key.
    let other = forgetme_audit::AuditKey::from_bytes([1; 32]);
    write_lines(&path, &rechain_sealed(events.clone(), Some(&other)));
    assert_eq!(
        verify_chain(&path, Some(&test_key()))
            .unwrap()
            .unwrap_err()
            .line,
        1
    );

    // Whoever holds the key can rewrite the log undetected: the key is the secret to guard.
    write_lines(&path, &rechain_sealed(events, Some(&test_key())));
    let report = verify_chain(&path, Some(&test_key())).unwrap().unwrap();
    assert!(report.seals_checked);
    assert_eq!(report.events, 5);
}

#[test]
fn a_log_sealed_with_another_key_is_not_appended_to() {
    let (_dir, path, _lines) = five();
    let other = forgetme_audit::AuditKey::from_bytes([9; 32]);
    let err = forgetme_audit::AuditLog::open(&path, "r", &other).unwrap_err();
    assert!(matches!(err, AuditError::Tampered { .. }), "{err}");
    forgetme_audit::AuditLog::open(&path, "r", &test_key()).expect("its own key opens it");
}

/// What a head written down elsewhere adds (an erasure receipt records its run's segment
/// digest and last hash; `--recheck-receipt` recomputes them with `segment_summary`): a rewrite
/// by someone holding the key, and lines removed from the end of the anchored segment, are
/// caught by comparing; events after the last anchor are not. docs/audit-log.md says so.
#[test]
fn an_anchored_head_catches_the_key_holder_and_truncation_but_not_later_events() {
    use forgetme_audit::{segment_summary, AuditLog};
    let (_dir, path, lines) = five();
    let key = test_key();
    let anchor = segment_summary(&path, 1, 5, Some(&key)).unwrap();
    assert!(anchor.seals_checked);

    // The key holder rewrites event 2 and re-seals everything: the log verifies with the
    // key, but its digest and head no longer match the anchor.
    let mut events = parse(&lines);
    events[1].data.insert("outcome".into(), json!("forged"));
    write_lines(&path, &rechain_sealed(events, Some(&key)));
    verify_chain(&path, Some(&key))
        .unwrap()
        .expect("the key holder's rewrite verifies");
    let rewritten = segment_summary(&path, 1, 5, Some(&key)).unwrap();
    assert_ne!(rewritten.digest, anchor.digest);
    assert_ne!(rewritten.head, anchor.head);

    // Lines removed from the end of the anchored segment: a valid shorter chain, but the
    // anchored segment is no longer there.
    write_lines(&path, &lines[..4]);
    verify_chain(&path, Some(&key))
        .unwrap()
        .expect("a shorter chain verifies");
    assert!(matches!(
        segment_summary(&path, 1, 5, Some(&key)).unwrap_err(),
        AuditError::SegmentOutOfRange { events: 4, .. }
    ));

    // A later run appended, then removed again: nothing anchors it, so nothing shows.
    write_lines(&path, &lines);
    let mut log = AuditLog::open(&path, "later-run", &key).unwrap();
    log.append("run_start", json!({"operator": "ops"})).unwrap();
    log.append("run_end", json!({"outcome": "done"})).unwrap();
    drop(log);
    assert_eq!(read_lines(&path).len(), 7);
    write_lines(&path, &lines);
    let report = verify_chain(&path, Some(&key)).unwrap().unwrap();
    assert_eq!(report.events, 5);
    let same = segment_summary(&path, 1, 5, Some(&key)).unwrap();
    assert_eq!((same.digest, same.head), (anchor.digest, anchor.head));
}

/// An intact chain whose events do not follow the typed contract (kinds the tool does not
/// write, data without the fields it always writes) verifies as a chain, and
/// `verify_log`, what `--verify-audit-log` runs, names the first such line.
#[test]
fn verify_log_names_the_first_event_outside_the_contract() {
    use forgetme_audit::contract::{RunEnd, RunOutcome};
    use forgetme_audit::{verify_log, AuditLog};
    let (_dir, path) = temp_log();
    let key = test_key();
    let mut log = AuditLog::open(&path, "r", &key).unwrap();
    log.record(&RunEnd {
        outcome: RunOutcome::NotConfirmed,
        complete: true,
        counts: None,
        collateral_damage: None,
        changed_meanwhile: None,
        refused: None,
    })
    .unwrap();
    log.append(
        "planned",
        json!({"table": "ks.settings", "action": "delete"}),
    )
    .unwrap();
    drop(log);
    verify_chain(&path, Some(&key))
        .unwrap()
        .expect("the chain is intact");
    let link = verify_log(&path, Some(&key)).unwrap().unwrap_err();
    assert_eq!(link.line, 2, "{link}");
    assert!(link.reason.contains("contract of planned"), "{link}");
    let link = verify_log(&path, None).unwrap().unwrap_err();
    assert_eq!(link.line, 2, "{link}");
}
