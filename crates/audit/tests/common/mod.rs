//! Helpers shared by the integration tests, including an independent implementation of the
//! documented line format, so that tests can build *validly re-chained* variants of a log
//! (what a careful forger would produce) and check the crate against the documentation.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use forgetme_audit::{AuditKey, AuditLog, GENESIS_PREV};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

/// A log line as `docs/audit-log.md` describes it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Line {
    pub seq: u64,
    pub time: String,
    pub run: String,
    pub kind: String,
    pub data: Map<String, Value>,
    pub prev: String,
    pub seal: String,
    pub hash: String,
}

#[derive(Serialize)]
struct Unsealed<'a> {
    seq: u64,
    time: &'a str,
    run: &'a str,
    kind: &'a str,
    data: &'a Map<String, Value>,
    prev: &'a str,
}

#[derive(Serialize)]
struct Unhashed<'a> {
    seq: u64,
    time: &'a str,
    run: &'a str,
    kind: &'a str,
    data: &'a Map<String, Value>,
    prev: &'a str,
    seal: &'a str,
}

impl Line {
    /// The documented seal: chain_seal(prev + "\n" + line without "seal" and "hash").
    pub fn expected_seal(&self, key: &AuditKey) -> String {
        let body = serde_json::to_string(&Unsealed {
            seq: self.seq,
            time: &self.time,
            run: &self.run,
            kind: &self.kind,
            data: &self.data,
            prev: &self.prev,
        })
        .unwrap();
        key.chain_seal(format!("{}\n{}", self.prev, body).as_bytes())
    }

    /// The documented hash: sha256(prev + "\n" + line without "hash") — the seal included.
    pub fn expected_hash(&self) -> String {
        let body = serde_json::to_string(&Unhashed {
            seq: self.seq,
            time: &self.time,
            run: &self.run,
            kind: &self.kind,
            data: &self.data,
            prev: &self.prev,
            seal: &self.seal,
        })
        .unwrap();
        hex::encode(Sha256::digest(format!("{}\n{}", self.prev, body)))
    }
}

/// A temporary directory with a log path in it.
pub fn temp_log() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gdpr_forget_me.audit.jsonl");
    (dir, path)
}

/// The audit key of the tests' logs.
pub fn test_key() -> AuditKey {
    AuditKey::from_bytes([42; 32])
}

/// Writes a typical run of `n` events (n >= 2) to `path` and returns the run id.
pub fn write_run(path: &Path, n: usize) -> String {
    let key = test_key();
    let run = forgetme_audit::new_run_id();
    let mut log = AuditLog::open(path, &run, &key).unwrap();
    log.append(
        "run_start",
        json!({"operator": "ops", "subjects": [key.subject_ref("john@example.com")]}),
    )
    .unwrap();
    for i in 0..n.saturating_sub(2) {
        log.append(
            "planned",
            json!({"table": "settings", "owner_id": format!("agent-{i}"), "json_paths": ["$.favorites[0]"], "action": "remove"}),
        )
        .unwrap();
    }
    log.append("run_end", json!({"outcome": "ok"})).unwrap();
    run
}

/// The file's lines, without newlines.
pub fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// Writes lines back, each with a newline.
pub fn write_lines(path: &Path, lines: &[String]) {
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    std::fs::write(path, text).unwrap();
}

/// Parses lines into the documented structure.
pub fn parse(lines: &[String]) -> Vec<Line> {
    lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Renumbers and re-hashes events so they form a valid chain, as a forger with full knowledge
/// of the format but without the audit key would; the seals are left as they were (a forger
/// cannot compute new ones). Returns the lines.
pub fn rechain(events: Vec<Line>) -> Vec<String> {
    rechain_sealed(events, None)
}

/// [`rechain`] by a forger who also holds the audit key, and so re-seals every event.
pub fn rechain_sealed(mut events: Vec<Line>, key: Option<&AuditKey>) -> Vec<String> {
    let mut prev = GENESIS_PREV.to_owned();
    for (i, e) in events.iter_mut().enumerate() {
        e.seq = i as u64 + 1;
        e.prev = prev;
        if let Some(key) = key {
            e.seal = e.expected_seal(key);
        }
        e.hash = e.expected_hash();
        prev = e.hash.clone();
    }
    events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect()
}
