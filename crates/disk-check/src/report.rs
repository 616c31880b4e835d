//! The report: per file, per node, overall; why a file still holds the bytes; and the
//! operator's commands that remove them. Never a stored value or an identifier: identifiers
//! are named `#1`, `#2`... (the order given), and by their subject ref when an audit key is
//! at hand.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::{FileResult, Kind, NodeReport, Verdict};

/// How the identifiers are named in the report.
#[derive(Debug, Clone)]
pub struct IdentifierRef {
    /// `e-mail` or `phone` (or `text`).
    pub kind: &'static str,
    /// `hmac-sha256:...` under the audit key, when one was given.
    pub subject_ref: Option<String>,
}

/// The whole check.
#[derive(Debug, Clone)]
pub struct Report {
    pub keyspace: String,
    /// When the check started and ended (RFC 3339, UTC).
    pub started_at: String,
    pub finished_at: String,
    pub identifiers: Vec<IdentifierRef>,
    pub nodes: Vec<NodeReport>,
}

impl Report {
    pub fn verdict(&self) -> Verdict {
        Verdict::combine(self.nodes.iter().map(|n| n.verdict))
    }

    /// 0 when no file holds an identifier and every file was read; 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self.verdict() {
            Verdict::Clean => 0,
            Verdict::Holds | Verdict::NotKnown => 1,
        }
    }
}

fn ids_of(f: &FileResult) -> Vec<String> {
    f.counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(i, _)| format!("#{}", i + 1))
        .collect()
}

/// Why a file still holds the bytes, in the operator's words.
pub fn why(f: &FileResult) -> String {
    let e = &f.entry;
    match e.kind {
        Kind::Sstable => format!(
            "live SSTable of table {}{}: SSTables are never changed in place; the bytes stay until a compaction rewrites this SSTable (a value shadowed by a tombstone goes at the first compaction that reads both, e.g. nodetool garbagecollect; the tombstone itself, and any key in it, only once gc_grace_seconds has passed since the erasure)",
            e.table.as_deref().unwrap_or("?"),
            e.index.as_deref().map(|i| format!(" (index {i})")).unwrap_or_default()
        ),
        Kind::Snapshot => format!(
            "snapshot {}: hard links taken at snapshot time; compaction never touches them, they stay until the snapshot is cleared",
            e.snapshot.as_deref().unwrap_or("?")
        ),
        Kind::Backup => "incremental backup (backups/): a hard link of every flushed or streamed SSTable, kept until deleted by hand; no nodetool command removes it".into(),
        Kind::Commitlog => "commit log segment not yet deleted: a segment goes only once every table that wrote to it has flushed past it and it is no longer the segment being written (it fills up, or nodetool drain and a restart)".into(),
        Kind::Hints => "hints for a replica that was down or slow: kept until delivered to it, truncated, or expired (max_hint_window)".into(),
    }
}

/// Single-quotes a word for a POSIX shell when it needs it.
fn sh(word: &str) -> String {
    if !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+".contains(&b))
    {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// The commands that remove what a node still holds, in order, for the operator to run on
/// that node once `gc_grace_seconds` has passed since the erasure. Comment lines (`# ...`)
/// say what cannot be done by a command.
pub fn purge_commands(keyspace: &str, node: &NodeReport) -> Vec<String> {
    let ks = sh(keyspace);
    let held = |k: Kind| {
        node.files
            .iter()
            .filter(move |f| f.entry.kind == k && f.holds())
    };
    let unknown = node.files.iter().any(|f| !f.readable);
    let mut out = Vec::new();
    let tables: BTreeSet<&str> = held(Kind::Sstable)
        .filter_map(|f| f.entry.table.as_deref())
        .collect();
    if !tables.is_empty() || unknown {
        out.push(format!("nodetool flush {ks}"));
    }
    // CELL: GWS rewrites a setting to remove one entry of a list, so the erased value can be
    // an overwritten cell of a live row, which the default (ROW) granularity keeps.
    for t in &tables {
        out.push(format!("nodetool garbagecollect -g CELL {ks} {}", sh(t)));
    }
    if !tables.is_empty() {
        out.push(format!(
            "# or, where garbagecollect leaves a file: nodetool compact {ks} {}",
            tables.iter().map(|t| sh(t)).collect::<Vec<_>>().join(" ")
        ));
    }
    let snapshots: BTreeSet<&str> = held(Kind::Snapshot)
        .filter_map(|f| f.entry.snapshot.as_deref())
        .collect();
    for s in snapshots {
        out.push(format!("nodetool clearsnapshot -t {} -- {ks}", sh(s)));
    }
    for f in held(Kind::Backup) {
        out.push(format!("rm -- {}", sh(&f.entry.path.to_string_lossy())));
    }
    if held(Kind::Commitlog).next().is_some() {
        out.push("# commit log: the segment goes once it is full and flushed; to force it now: nodetool drain, then restart the node (drain stops its writes)".into());
    }
    if held(Kind::Hints).next().is_some() {
        out.push("# hints: bring the replica they are for back so they are delivered; or nodetool truncatehints, then nodetool repair on that replica".into());
    }
    if !out.is_empty() {
        out.push("# then run this check again".into());
    }
    out
}

fn verdict_words(v: Verdict) -> &'static str {
    match v {
        Verdict::Clean => "CLEAN: no file holds an identifier, and every file was read",
        Verdict::Holds => "HOLDS: the identifier's bytes are still on disk",
        Verdict::NotKnown => {
            "NOT KNOWN: no file read holds an identifier, but some file could not be read"
        }
    }
}

/// The text report.
pub fn text(report: &Report) -> String {
    let mut t = String::new();
    let ids: Vec<String> = report
        .identifiers
        .iter()
        .enumerate()
        .map(|(i, id)| format!("#{} ({})", i + 1, id.kind))
        .collect();
    let _ = writeln!(
        t,
        "Disk check of keyspace {}, for {} identifier(s): {}",
        report.keyspace,
        ids.len(),
        ids.join(", ")
    );
    for node in &report.nodes {
        let holding = node.files.iter().filter(|f| f.holds()).count();
        let unread = node.files.iter().filter(|f| !f.readable).count();
        let _ = writeln!(
            t,
            "\nNode {} (commit log {}, hints {}): {} file(s) read, {:.1} MB searched; {} hold an identifier, {} could not be read",
            node.dirs.data.display(),
            node.dirs.commitlog.display(),
            node.dirs.hints.display(),
            node.files.len(),
            node.bytes as f64 / 1e6,
            holding,
            unread
        );
        for f in &node.files {
            if !f.holds() && f.readable {
                continue;
            }
            let state = match (f.holds(), f.readable) {
                (true, true) => "HOLDS",
                (true, false) => "HOLDS (then unreadable)",
                _ => "NOT KNOWN",
            };
            let _ = writeln!(
                t,
                "  {state:<9} {:<9} {}",
                f.entry.kind.as_str(),
                f.entry.path.display()
            );
            if f.holds() {
                let _ = writeln!(
                    t,
                    "            {} run(s) of text hold {}",
                    f.count(),
                    ids_of(f).join(", ")
                );
                let _ = writeln!(t, "            why: {}", why(f));
            }
            if let Some(p) = &f.problem {
                let _ = writeln!(t, "            not known: {p}");
            }
        }
        let _ = writeln!(t, "  node verdict: {}", verdict_words(node.verdict));
        let cmds = purge_commands(&report.keyspace, node);
        if !cmds.is_empty() {
            let _ = writeln!(
                t,
                "  To remove what remains, on this node, once gc_grace_seconds has passed since the erasure (nothing was run):"
            );
            for c in cmds {
                let _ = writeln!(t, "    {c}");
            }
        }
    }
    let _ = writeln!(t, "\nVerdict: {}", verdict_words(report.verdict()));
    t
}

/// The JSON report.
pub fn json(report: &Report) -> Value {
    let identifiers: Vec<Value> = report
        .identifiers
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let mut v = json!({"ref": format!("#{}", i + 1), "kind": id.kind});
            if let Some(r) = &id.subject_ref {
                v["subject_ref"] = json!(r);
            }
            v
        })
        .collect();
    let file_json = |f: &FileResult| {
        let mut v = json!({
            "path": f.entry.path.display().to_string(),
            "kind": f.entry.kind.as_str(),
            "holds": f.holds(),
            "count": f.count(),
            "identifiers": ids_of(f),
            "readable": f.readable,
            "bytes_searched": f.bytes,
        });
        if let Some(t) = &f.entry.table {
            v["table"] = json!(t);
        }
        if let Some(i) = &f.entry.index {
            v["index"] = json!(i);
        }
        if let Some(s) = &f.entry.snapshot {
            v["snapshot"] = json!(s);
        }
        if let Some(c) = f.compressor {
            v["compressor"] = json!(c);
        }
        if !f.checked.is_empty() {
            v["checked"] = json!(f.checked);
        }
        if let Some(p) = &f.problem {
            v["problem"] = json!(p);
        }
        if f.holds() {
            v["why"] = json!(why(f));
        }
        v
    };
    let nodes: Vec<Value> = report
        .nodes
        .iter()
        .map(|n| {
            json!({
                "data_dir": n.dirs.data.display().to_string(),
                "commitlog_dir": n.dirs.commitlog.display().to_string(),
                "hints_dir": n.dirs.hints.display().to_string(),
                "verdict": n.verdict,
                "files_read": n.files.len(),
                "files_holding": n.files.iter().filter(|f| f.holds()).count(),
                "files_unreadable": n.files.iter().filter(|f| !f.readable).count(),
                "bytes_searched": n.bytes,
                // Milliseconds: a float with few digits reads back to the same bits, so a
                // signed report re-renders byte for byte (see forgetme_audit::signing).
                "seconds": (n.elapsed.as_secs_f64() * 1000.0).round() / 1000.0,
                "checked_at": n.checked_at,
                "purge_commands": purge_commands(&report.keyspace, n),
                "files": n.files.iter().map(file_json).collect::<Vec<_>>(),
            })
        })
        .collect();
    let files: Vec<Value> = report
        .nodes
        .iter()
        .flat_map(|n| n.files.iter().map(file_json))
        .collect();
    json!({
        "schema": crate::proof::SCHEMA,
        "tool_version": env!("CARGO_PKG_VERSION"),
        "keyspace": report.keyspace,
        "host": host_name(),
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "identifiers": identifiers,
        "verdict": report.verdict(),
        "exit_code": report.exit_code(),
        "nodes": nodes,
        "files": files,
    })
}

/// The machine's host name (the node a report is about, beside its data folder); `?` when the
/// system does not say.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
        .unwrap_or_else(|| "?".to_string())
}
