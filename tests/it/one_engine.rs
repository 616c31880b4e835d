//! One request, two ways: answered by a single run (`--case ID --export ... --cleanup true`)
//! and as the only request of a batch (`--requests FILE --out DIR`), on two keyspaces seeded
//! alike. Both go through the same request engine, so they must leave the same settings, write
//! the same export and receipt, record the same audit events and end with the same exit code;
//! the golden files pin the compliance formats themselves (audit events and receipt) so that
//! they change only on purpose.

use std::path::{Path, PathBuf};

use crate::common::*;
use serde_json::Value;

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);
const CASE: &str = "DSR-2026-0042";
const IDENTIFIERS: [&str; 2] = ["john.smith@pizza.com", "+1 555 010 0001"];

/// Where one way of answering wrote its files.
struct Answered {
    code: i32,
    stderr: String,
    keyspace: String,
    export: PathBuf,
    receipt: PathBuf,
    audit_log: PathBuf,
    dir: tempfile::TempDir,
}

/// The agents' names are looked up under a time budget, best effort: on a loaded machine one
/// run could miss a name the other got. Both ways get all the time they need.
const NAMES_BUDGET: [&str; 2] = ["--gws-names-budget", "600"];

async fn single_run(s: &Seeded, extra: &[&str]) -> Answered {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.json");
    let receipt = dir.path().join("receipt.json");
    let mut args = cleanup_args(s, dir.path(), extra);
    args.extend(strings(&NAMES_BUDGET));
    for id in IDENTIFIERS {
        args.extend(strings(&["--search", id]));
    }
    args.extend(strings(&[
        "--case",
        CASE,
        "--export",
        export.to_str().unwrap(),
        "--receipt",
        receipt.to_str().unwrap(),
    ]));
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    Answered {
        code: run.code,
        stderr: run.stderr,
        keyspace: s.keyspace.clone(),
        export,
        receipt,
        audit_log: dir.path().join("audit.jsonl"),
        dir,
    }
}

async fn batch_of_one(s: &Seeded, extra: &[&str]) -> Answered {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requests.jsonl");
    let line = serde_json::json!({"id": CASE, "identifiers": IDENTIFIERS, "action": "erase"});
    std::fs::write(&file, line.to_string()).unwrap();
    let out = dir.path().join("answers");
    let mut args = cleanup_args(s, dir.path(), extra);
    args.extend(strings(&NAMES_BUDGET));
    args.extend(strings(&[
        "--requests",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    let folder = out.join(CASE);
    Answered {
        code: run.code,
        stderr: run.stderr,
        keyspace: s.keyspace.clone(),
        export: folder.join("export.json"),
        receipt: folder.join("receipt.json"),
        audit_log: dir.path().join("audit.jsonl"),
        dir,
    }
}

/// A JSON document with what differs from run to run (times, run ids, keyed hashes, the
/// keyspace's and the folder's names, the emulator's port) replaced by placeholders.
fn normalized(value: &Value, a: &Answered) -> Value {
    match value {
        Value::String(s) => Value::String(normalized_text(s, a)),
        Value::Array(items) => Value::Array(items.iter().map(|v| normalized(v, a)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = match k.as_str() {
                        // Sequence numbers, durations, row counts and the number of token
                        // ranges the scan split into (from the node's size estimates, which
                        // differ between two keyspaces as their memtables are flushed) depend
                        // on the log's history, the clock and the node, not on the request.
                        "seq" | "first_seq" | "last_seq" | "duration_ms" | "elapsed_ms"
                        | "rows" | "rows_read" | "ranges" | "splits" => Value::String("<n>".into()),
                        _ => normalized(v, a),
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        other => other.clone(),
    }
}

fn normalized_text(s: &str, a: &Answered) -> String {
    let s = s.replace(&a.keyspace, "<keyspace>");
    let s = s.replace(&a.dir.path().display().to_string(), "<dir>");
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let hexish = word.len() >= 16 && word.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
        let time = word.len() >= 19
            && word.as_bytes()[4] == b'-'
            && word.as_bytes().get(10).is_some_and(|b| *b == b'T');
        let port = word.starts_with("127.0.0.1:");
        // Subject refs are keyed hashes: each run's key is its own.
        let subject_ref = word.starts_with("hmac-sha256:");
        if subject_ref {
            out.push_str("hmac-sha256:<hex>");
        } else if hexish {
            out.push_str("<hex>");
        } else if time {
            out.push_str("<time>");
        } else if port {
            out.push_str("127.0.0.1:<port>");
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in s.chars() {
        if c.is_whitespace() || matches!(c, '/' | '"' | '(' | ')' | ',' | '=') {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// `a == b`, or a panic naming the first lines where their pretty forms differ.
fn assert_same(what: &str, a: &Value, b: &Value) {
    if a == b {
        return;
    }
    let (a, b) = (
        serde_json::to_string_pretty(a).unwrap(),
        serde_json::to_string_pretty(b).unwrap(),
    );
    let line = a
        .lines()
        .zip(b.lines())
        .position(|(x, y)| x != y)
        .unwrap_or(0);
    let around = |t: &str| -> String {
        t.lines()
            .skip(line.saturating_sub(3))
            .take(8)
            .collect::<Vec<_>>()
            .join("\n")
    };
    panic!(
        "{what} differs at line {line}:\nsingle run:\n{}\nbatch:\n{}",
        around(&a),
        around(&b)
    );
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{} was not written: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

/// The run's audit events, normalized, without the chain's own fields, in a stable order (the
/// order of settings within a run follows the scan's token order, not the request).
fn events(a: &Answered) -> Vec<Value> {
    let mut events: Vec<Value> = std::fs::read_to_string(&a.audit_log)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if let Some(m) = v.as_object_mut() {
                for k in ["prev", "hash", "seal", "run", "time"] {
                    m.remove(k);
                }
            }
            normalized(&v, a)
        })
        .collect();
    events.sort_by_key(|e| {
        (
            e["kind"] != "run_start",
            e["kind"] == "run_end",
            e.to_string(),
        )
    });
    events
}

fn receipt(a: &Answered) -> Value {
    let mut v = read_json(&a.receipt);
    if let Some(m) = v.as_object_mut() {
        for k in ["run_id", "seal", "audit_log"] {
            m.remove(k);
        }
        // The Ed25519 signature: its algorithm stays, its key and value are each run's own.
        if let Some(sig) = m.get_mut("signature").and_then(Value::as_object_mut) {
            for k in ["key_id", "public_key", "value"] {
                sig.insert(k.into(), Value::String(format!("<{k}>")));
            }
        }
    }
    normalized(&v, a)
}

/// The golden file `tests/it/golden/NAME`, compared with `actual`; written anew when
/// `FORGETME_BLESS=1` (and then reviewed in the diff like any change of a format).
fn assert_golden(name: &str, actual: &Value) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/golden")
        .join(name);
    let text = serde_json::to_string_pretty(actual).unwrap() + "\n";
    if std::env::var_os("FORGETME_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &text).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (FORGETME_BLESS=1 writes it from this run)",
            path.display()
        )
    });
    assert_eq!(
        want,
        text,
        "{} differs from this run: a compliance format changed; if on purpose, run with FORGETME_BLESS=1, review the diff and say so in the docs",
        path.display()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_request_alone_and_in_a_batch_leaves_the_same_files_events_and_exit_code() {
    let (alone, batch) = tokio::join!(seeded("engine_alone"), seeded("engine_batch"));
    assert_eq!(
        dump(&alone.keyspace).await,
        dump(&batch.keyspace).await,
        "both keyspaces are seeded alike"
    );
    let a = single_run(&alone, &[]).await;
    let b = batch_of_one(&batch, &[]).await;
    assert_eq!(a.code, 0, "{}", a.stderr);
    assert_eq!(a.code, b.code, "single: {}\nbatch: {}", a.stderr, b.stderr);
    assert_eq!(dump(&alone.keyspace).await, dump(&batch.keyspace).await);
    assert_same(
        "the export",
        &normalized(&read_json(&a.export), &a),
        &normalized(&read_json(&b.export), &b),
    );
    assert_same("the receipt", &receipt(&a), &receipt(&b));
    assert_same(
        "the audit events",
        &Value::Array(events(&a)),
        &Value::Array(events(&b)),
    );

    // The formats themselves, pinned.
    assert_golden("one_request.audit.json", &Value::Array(events(&a)));
    assert_golden("one_request.receipt.json", &receipt(&a));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cleanup_refused_as_too_large_still_exports_and_exits_alike_both_ways() {
    let (alone, batch) = tokio::join!(seeded("engine_big_alone"), seeded("engine_big_batch"));
    let before = dump(&alone.keyspace).await;
    let limit = ["--max-erase", "1"];
    let a = single_run(&alone, &limit).await;
    let b = batch_of_one(&batch, &limit).await;
    // Nothing changed either way.
    assert_eq!(dump(&alone.keyspace).await, before);
    assert_eq!(dump(&batch.keyspace).await, before);
    // The refusal is the same answer both ways: exit 2 (the operator must raise the limit),
    // and the access export is written all the same: the request asked for it.
    assert_eq!(a.code, 2, "{}", a.stderr);
    assert_eq!(b.code, a.code, "batch: {}", b.stderr);
    assert!(a.stderr.contains("--max-erase"), "{}", a.stderr);
    assert!(a.export.is_file(), "the single run wrote no export");
    assert!(b.export.is_file(), "the batch wrote no export");
    assert_same(
        "the export",
        &normalized(&read_json(&a.export), &a),
        &normalized(&read_json(&b.export), &b),
    );
    assert!(!a.receipt.exists() && !b.receipt.exists());
    assert_same(
        "the audit events",
        &Value::Array(events(&a)),
        &Value::Array(events(&b)),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_checks_its_audit_log_once_not_once_per_request() {
    let s = seeded("engine_chain").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requests.jsonl");
    let lines: Vec<String> = (0..4)
        .map(|n| {
            serde_json::json!({
                "id": format!("DSR-CHAIN-{n}"),
                "identifiers": [format!("nobody.{n}@nowhere.test")],
                "action": "erase"
            })
            .to_string()
        })
        .collect();
    std::fs::write(&file, lines.join("\n")).unwrap();
    let mut args = cleanup_args(&s, dir.path(), &[]);
    args.extend(strings(&[
        "--requests",
        file.to_str().unwrap(),
        "--out",
        dir.path().join("answers").to_str().unwrap(),
    ]));
    let run = forget_me_env(
        &args,
        &[PASSWORD_ENV, ("GDPR_FORGET_ME_LOG", "forgetme_audit=debug")],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let n = run
        .stderr
        .lines()
        .filter(|l| l.contains("audit log chain checked"))
        .count();
    assert_eq!(
        n, 1,
        "the batch read its audit log's whole chain {n} times:\n{}",
        run.stderr
    );
    // Four runs in the one log, each framed by its own run_start and run_end.
    let text = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert_eq!(text.matches("\"run_start\"").count(), 4);
    assert_eq!(text.matches("\"run_end\"").count(), 4);
}
