//! A disk report as proof: the JSON report signed with the receipts' Ed25519 signing key (the
//! same canonical form and signature block as a receipt, `forgetme_audit::signing`), and read
//! back from its signed file to say, per node, whether any file still held the subject's
//! identifiers when it was checked.
//!
//! A report names identifiers by their HMAC subject refs (never by value) and files by path
//! and kind, so it can travel with the erasure receipt it completes.

use forgetme_audit::signing::{verify_document, Invalid, PublicKey, SigningKey};
use forgetme_matcher::printable;
use serde_json::Value;

use crate::Verdict;

/// The report's `schema`.
pub const SCHEMA: &str = "gdpr-forget-me/disk-check/v1";

/// The signed file of a JSON report: the report with its `signature`, in pretty canonical
/// JSON, as a receipt's file is written.
pub fn sign(report: &Value, key: &SigningKey) -> Vec<u8> {
    key.sign_document(report)
        .expect("a report is a JSON object without a signature member")
}

/// A file a node still holds the identifiers in (or could not read), as the report names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileRef {
    /// `sstable`, `commitlog`, `hints`, `snapshot` or `backup`.
    pub kind: String,
    /// The file's path on the node.
    pub path: String,
}

/// One node as a signed report states it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeProof {
    /// The host the check ran on.
    pub host: String,
    /// The node's data folder.
    pub data_dir: String,
    /// When its files were read (RFC 3339, UTC).
    pub checked_at: String,
    /// Its verdict, as its files make it.
    pub verdict: Verdict,
    /// Files read.
    pub files_read: u64,
    /// Files that hold an identifier.
    pub holding: Vec<FileRef>,
    /// Files that could not be read to their end.
    pub unreadable: Vec<FileRef>,
}

impl NodeProof {
    /// `host:data_dir`, how a node is named in the re-check's lines.
    pub fn name(&self) -> String {
        format!("{}:{}", printable(&self.host), printable(&self.data_dir))
    }

    /// What the report states of this node, in the re-check's words (paths and kinds, never a
    /// value).
    pub fn lines(&self) -> Vec<String> {
        let name = self.name();
        let mut out = Vec::new();
        match self.verdict {
            Verdict::Clean => out.push(format!(
                "node {name}: no file holds the subject's identifiers as of {} ({} file(s) read to their end, checksums right)",
                self.checked_at, self.files_read
            )),
            Verdict::Holds => out.push(format!(
                "node {name}: {} file(s) still hold the subject's identifiers as of {}:",
                self.holding.len(),
                self.checked_at
            )),
            Verdict::NotKnown => out.push(format!(
                "node {name}: NOT KNOWN as of {}: no file read holds the identifiers, but {} file(s) could not be read:",
                self.checked_at,
                self.unreadable.len()
            )),
        }
        for f in &self.holding {
            out.push(format!(
                "    holds      {:<9} {}",
                printable(&f.kind),
                printable(&f.path)
            ));
        }
        for f in &self.unreadable {
            out.push(format!(
                "    not read   {:<9} {}",
                printable(&f.kind),
                printable(&f.path)
            ));
        }
        out
    }
}

/// A signed disk report, its signature checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportProof {
    /// The key that signed it.
    pub key_id: String,
    /// The keyspace checked.
    pub keyspace: String,
    /// When the check started and ended (RFC 3339, UTC).
    pub started_at: String,
    pub finished_at: String,
    /// The identifiers, as HMAC subject refs, in the report's order.
    pub subject_refs: Vec<String>,
    /// The nodes.
    pub nodes: Vec<NodeProof>,
}

impl ReportProof {
    /// The report's verdict over its nodes.
    pub fn verdict(&self) -> Verdict {
        Verdict::combine(self.nodes.iter().map(|n| n.verdict))
    }
}

/// Checks a report's file with the trusted public keys, then reads what it states. A report
/// that is unsigned, signed by another key, changed in any byte, of another schema, or whose
/// identifiers are not all named by subject ref is refused, with why.
pub fn verify(file: &[u8], keys: &[PublicKey]) -> Result<ReportProof, String> {
    let verified = verify_document(file, keys).map_err(|e| match e {
        Invalid::Unsigned => "it is not signed: a disk report is proof only when signed; run disk-check with --format json and --audit-key FILE (the signing key FILE.signing beside it)".to_string(),
        other => other.to_string(),
    })?;
    read(&verified.document, &verified.key_id)
}

/// Reads a report's document (its signature already checked by the caller).
pub fn read(doc: &Value, key_id: &str) -> Result<ReportProof, String> {
    let text = |v: &Value, what: &str| {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("it has no {what}"))
    };
    if doc["schema"] != SCHEMA {
        return Err(format!(
            "it is not a disk report (schema {}, expected {SCHEMA})",
            doc["schema"]
        ));
    }
    let mut subject_refs = Vec::new();
    for (i, id) in doc["identifiers"]
        .as_array()
        .ok_or("it has no identifiers")?
        .iter()
        .enumerate()
    {
        let r = id["subject_ref"].as_str().ok_or_else(|| {
            format!(
                "identifier #{} has no subject ref: run disk-check with --audit-key",
                i + 1
            )
        })?;
        subject_refs.push(r.to_string());
    }
    let host = doc["host"].as_str().unwrap_or("?").to_string();
    let mut nodes = Vec::new();
    for n in doc["nodes"].as_array().ok_or("it has no nodes")? {
        let files = n["files"].as_array().ok_or("a node has no files list")?;
        let refs = |pick: &dyn Fn(&Value) -> bool| -> Result<Vec<FileRef>, String> {
            files
                .iter()
                .filter(|f| pick(f))
                .map(|f| {
                    Ok(FileRef {
                        kind: text(&f["kind"], "file kind")?,
                        path: text(&f["path"], "file path")?,
                    })
                })
                .collect()
        };
        let holding = refs(&|f| f["holds"] == true)?;
        let unreadable = refs(&|f| f["readable"] != true)?;
        // The verdict as the files make it; a report whose stated verdict says otherwise is
        // not as disk-check writes it.
        let verdict = if !holding.is_empty() {
            Verdict::Holds
        } else if !unreadable.is_empty() {
            Verdict::NotKnown
        } else {
            Verdict::Clean
        };
        if n["verdict"] != verdict.as_str() {
            return Err(format!(
                "a node's verdict ({}) is not what its files say ({})",
                n["verdict"],
                verdict.as_str()
            ));
        }
        nodes.push(NodeProof {
            host: host.clone(),
            data_dir: text(&n["data_dir"], "node data folder")?,
            checked_at: text(&n["checked_at"], "node check time")?,
            verdict,
            files_read: files.len() as u64,
            holding,
            unreadable,
        });
    }
    if nodes.is_empty() {
        return Err("it names no node".into());
    }
    Ok(ReportProof {
        key_id: key_id.to_string(),
        keyspace: text(&doc["keyspace"], "keyspace")?,
        started_at: text(&doc["started_at"], "start time")?,
        finished_at: text(&doc["finished_at"], "end time")?,
        subject_refs,
        nodes,
    })
}

/// Checks that a report is about an erasure: the same keyspace, exactly the erasure's
/// subjects (by subject ref), and a check that began after the erasure ended (a report from
/// before it could call clean a disk the subject's data had not reached yet). Times are RFC
/// 3339 UTC as the project writes them, which compare as text.
pub fn check_against(
    report: &ReportProof,
    keyspace: &str,
    subjects: &[String],
    erased_at: &str,
) -> Result<(), String> {
    if report.keyspace != keyspace {
        return Err(format!(
            "it checked keyspace {}, the receipt's is {keyspace}",
            printable(&report.keyspace)
        ));
    }
    let missing = subjects
        .iter()
        .filter(|s| !report.subject_refs.contains(s))
        .count();
    let extra = report
        .subject_refs
        .iter()
        .filter(|s| !subjects.contains(s))
        .count();
    if missing > 0 || extra > 0 {
        return Err(format!(
            "its identifiers are not the receipt's subjects ({missing} of the receipt's {} subject ref(s) not searched, {extra} identifier(s) of someone else): run disk-check with every identifier of the request and the run's --audit-key",
            subjects.len()
        ));
    }
    if report.started_at.as_str() < erased_at {
        return Err(format!(
            "it was made at {}, before the erasure ended ({erased_at}): run disk-check again now",
            printable(&report.started_at)
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn report(verdict: &str, holds: bool) -> Value {
        json!({
            "schema": SCHEMA,
            "keyspace": "sipfs",
            "host": "node-a",
            "started_at": "2026-01-02T10:00:00Z",
            "finished_at": "2026-01-02T10:00:05Z",
            "identifiers": [{"ref": "#1", "kind": "e-mail", "subject_ref": "hmac-sha256:aa"}],
            "verdict": verdict,
            "nodes": [{
                "data_dir": "/var/lib/cassandra/data",
                "checked_at": "2026-01-02T10:00:00Z",
                "verdict": verdict,
                "files": [
                    {"path": "/d/ks/t-1/nb-1-big-Data.db", "kind": "sstable", "holds": holds, "readable": true},
                    {"path": "/c/CommitLog-7-1.log", "kind": "commitlog", "holds": false, "readable": true},
                ],
            }],
        })
    }

    #[test]
    fn a_signed_report_verifies_and_reads_back_per_node() {
        let key = SigningKey::from_seed([7; 32]);
        let file = sign(&report("holds", true), &key);
        let p = verify(&file, &[key.public_key()]).unwrap();
        assert_eq!(p.key_id, key.public_key().key_id());
        assert_eq!(p.subject_refs, ["hmac-sha256:aa"]);
        assert_eq!(p.verdict(), Verdict::Holds);
        let lines = p.nodes[0].lines().join("\n");
        assert!(lines.contains("1 file(s) still hold"), "{lines}");
        assert!(
            lines.contains("sstable   /d/ks/t-1/nb-1-big-Data.db"),
            "{lines}"
        );
        let clean = verify(&sign(&report("clean", false), &key), &[key.public_key()]).unwrap();
        assert!(clean.nodes[0].lines()[0]
            .contains("no file holds the subject's identifiers as of 2026-01-02T10:00:00Z"));
    }

    #[test]
    fn unsigned_changed_or_foreign_reports_are_refused() {
        let key = SigningKey::from_seed([7; 32]);
        let other = SigningKey::from_seed([8; 32]);
        let plain = serde_json::to_vec_pretty(&report("clean", false)).unwrap();
        assert!(verify(&plain, &[key.public_key()])
            .unwrap_err()
            .contains("not signed"));
        let file = sign(&report("clean", false), &key);
        assert!(verify(&file, &[other.public_key()])
            .unwrap_err()
            .contains("KEY MISMATCH"));
        let changed = String::from_utf8(file)
            .unwrap()
            .replace("\"holds\": false", "\"holds\": true ");
        assert!(verify(changed.as_bytes(), &[key.public_key()]).is_err());
        // A verdict that its files contradict, even signed.
        let lying = sign(&report("clean", true), &key);
        assert!(verify(&lying, &[key.public_key()])
            .unwrap_err()
            .contains("not what its files say"));
        // No subject ref: made without the audit key.
        let mut anon = report("clean", false);
        anon["identifiers"][0]
            .as_object_mut()
            .unwrap()
            .remove("subject_ref");
        assert!(verify(&sign(&anon, &key), &[key.public_key()])
            .unwrap_err()
            .contains("no subject ref"));
    }

    #[test]
    fn a_report_must_match_the_erasure() {
        let key = SigningKey::from_seed([7; 32]);
        let p = verify(&sign(&report("clean", false), &key), &[key.public_key()]).unwrap();
        let subjects = vec!["hmac-sha256:aa".to_string()];
        assert!(check_against(&p, "sipfs", &subjects, "2026-01-02T09:00:00Z").is_ok());
        assert!(
            check_against(&p, "other", &subjects, "2026-01-02T09:00:00Z")
                .unwrap_err()
                .contains("keyspace")
        );
        let more = vec!["hmac-sha256:aa".to_string(), "hmac-sha256:bb".to_string()];
        assert!(check_against(&p, "sipfs", &more, "2026-01-02T09:00:00Z")
            .unwrap_err()
            .contains("1 of the receipt's 2"));
        let fewer: Vec<String> = vec!["hmac-sha256:bb".to_string()];
        assert!(check_against(&p, "sipfs", &fewer, "2026-01-02T09:00:00Z")
            .unwrap_err()
            .contains("1 identifier(s) of someone else"));
        assert!(
            check_against(&p, "sipfs", &subjects, "2026-01-02T11:00:00Z")
                .unwrap_err()
                .contains("before the erasure ended")
        );
    }
}
