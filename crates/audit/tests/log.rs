//! Creating, appending to and re-opening audit logs.

mod common;

use common::{parse, read_lines, temp_log, write_lines, write_run};
use forgetme_audit::{new_run_id, verify_chain, AuditError, AuditKey, AuditLog, GENESIS_PREV};

fn key() -> AuditKey {
    common::test_key()
}
use serde_json::json;

#[test]
fn create_append_verify() {
    let (_dir, path) = temp_log();
    let run = new_run_id();
    let mut log = AuditLog::open(&path, &run, &key()).unwrap();
    assert_eq!(log.head(), (GENESIS_PREV, 0));
    assert_eq!(log.path(), path);
    let h1 = log.append("run_start", json!({"operator": "ops"})).unwrap();
    let h2 = log.append("run_end", json!({"outcome": "ok"})).unwrap();
    assert_eq!(log.head(), (h2.as_str(), 2));
    drop(log);

    let report = verify_chain(&path, Some(&key())).unwrap().unwrap();
    assert_eq!(report.events, 2);
    assert_eq!(report.runs, vec![run.clone()]);
    assert_eq!(report.head, h2);

    let lines = parse(&read_lines(&path));
    assert_eq!(lines[0].prev, GENESIS_PREV);
    assert_eq!(lines[0].hash, h1);
    assert_eq!(lines[1].prev, h1);
    for line in &lines {
        assert_eq!(line.hash, line.expected_hash(), "documented hash formula");
        assert_eq!(line.seal, line.expected_seal(&key()), "documented seal");
        assert_eq!(line.run, run);
    }
}

#[test]
fn lines_follow_the_documented_format() {
    let (_dir, path) = temp_log();
    let mut log = AuditLog::open(&path, "run-1", &key()).unwrap();
    log.append("planned", json!({"table": "t", "action": "remove"}))
        .unwrap();
    drop(log);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with('\n'));
    let line = text.trim_end();
    assert!(line.starts_with(r#"{"seq":1,"time":""#), "{line}");
    assert!(
        line.contains(r#"","run":"run-1","kind":"planned","data":{"action":"remove","table":"t"},"prev":"0000"#),
        "{line}"
    );
}

#[cfg(unix)]
#[test]
fn new_log_has_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let (_dir, path) = temp_log();
    AuditLog::open(&path, "r", &key()).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[test]
fn reopening_continues_the_chain_and_lists_both_runs() {
    let (_dir, path) = temp_log();
    let first = write_run(&path, 4);
    let (head, seq) = {
        let log = AuditLog::open(&path, "x", &key()).unwrap();
        let (h, s) = log.head();
        (h.to_owned(), s)
    };
    assert_eq!(seq, 4);

    let second = new_run_id();
    let mut log = AuditLog::open(&path, &second, &key()).unwrap();
    assert_eq!(log.head(), (head.as_str(), 4));
    let new_head = log.append("run_start", json!({})).unwrap();
    log.append("run_end", json!({})).unwrap();
    drop(log);

    let lines = parse(&read_lines(&path));
    assert_eq!(lines[4].seq, 5);
    assert_eq!(lines[4].prev, head);
    assert_eq!(lines[5].prev, new_head);

    let report = verify_chain(&path, Some(&key())).unwrap().unwrap();
    assert_eq!(report.events, 6);
    assert_eq!(report.runs, vec![first, second]);
}

#[test]
fn open_refuses_a_tampered_log() {
    let (_dir, path) = temp_log();
    write_run(&path, 5);
    let mut lines = read_lines(&path);
    lines[2] = lines[2].replace("agent-1", "agent-9");
    write_lines(&path, &lines);
    let before = std::fs::read(&path).unwrap();

    let err = AuditLog::open(&path, "r", &key()).unwrap_err();
    let AuditError::Tampered { link, .. } = &err else {
        panic!("expected Tampered, got {err}");
    };
    assert_eq!(link.line, 3);
    let msg = err.to_string();
    assert!(msg.contains("line 3:"), "{msg}");
    assert!(msg.contains("--audit-log NEW_FILE"), "{msg}");
    assert_eq!(std::fs::read(&path).unwrap(), before, "nothing appended");
}

#[test]
fn a_second_writer_is_locked_out() {
    let (_dir, path) = temp_log();
    let _first = AuditLog::open(&path, "a", &key()).unwrap();
    let err = AuditLog::open(&path, "b", &key()).unwrap_err();
    assert!(matches!(err, AuditError::Locked { .. }), "{err}");
}

#[test]
fn the_lock_is_released_on_drop() {
    let (_dir, path) = temp_log();
    drop(AuditLog::open(&path, "a", &key()).unwrap());
    AuditLog::open(&path, "b", &key()).unwrap();
}

#[test]
fn invalid_events_are_refused_and_nothing_is_written() {
    let (_dir, path) = temp_log();
    let mut log = AuditLog::open(&path, "r", &key()).unwrap();
    for (kind, data) in [
        ("run_start", json!("not an object")),
        ("run_start", json!({"ratio": 0.5})),
        ("Run Start", json!({})),
        ("", json!({})),
    ] {
        let err = log.append(kind, data).unwrap_err();
        assert!(matches!(err, AuditError::InvalidEvent { .. }), "{err}");
    }
    assert_eq!(log.head().1, 0);
    assert_eq!(std::fs::read(&path).unwrap(), b"");
}

#[test]
fn invalid_run_ids_are_refused() {
    let (_dir, path) = temp_log();
    let err = AuditLog::open(&path, "john@example.com", &key()).unwrap_err();
    assert!(matches!(err, AuditError::InvalidRunId { .. }), "{err}");
    assert!(!err.to_string().contains("john"));
}

#[test]
fn missing_directory_is_reported_with_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope").join("log.jsonl");
    let err = AuditLog::open(&path, "r", &key()).unwrap_err();
    assert!(matches!(err, AuditError::DirMissing { .. }), "{err}");
    assert!(err.to_string().contains("--audit-log"));
}

#[test]
fn a_directory_is_not_a_log() {
    let dir = tempfile::tempdir().unwrap();
    let err = AuditLog::open(dir.path(), "r", &key()).unwrap_err();
    assert!(matches!(err, AuditError::NotAFile { .. }), "{err}");
}

#[test]
fn verifying_a_missing_file_is_an_io_error() {
    let (_dir, path) = temp_log();
    assert!(matches!(
        verify_chain(&path, Some(&key())),
        Err(AuditError::Io { .. })
    ));
}

#[test]
fn subject_refs_not_identifiers_reach_the_file() {
    let (_dir, path) = temp_log();
    write_run(&path, 3);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("john@example.com"));
    let r = AuditKey::from_bytes([42; 32]).subject_ref("john@example.com");
    assert!(
        text.contains(&r),
        "the officer can find the subject with the key"
    );
}
