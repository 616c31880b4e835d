//! `--recheck-receipt FILE`: an earlier erasure's receipt checked before anything is read
//! (its seal, its signature, its subjects against the identifiers given, its segment of the
//! audit log), then every location it names read again for the identifiers.

use std::path::{Path, PathBuf};

use forgetme_audit::signing::keyfile;
use forgetme_audit::AuditKey;
use forgetme_disk_check::proof::ReportProof;
use forgetme_disk_check::Verdict;
use forgetme_erasure_receipt::recheck::Recheck;
use forgetme_erasure_receipt::Receipt;
use forgetme_findings::receipt::{
    check_against_log, unknown_subjects, SignatureCheck, SignatureError,
};
use forgetme_matcher::{Identifier, Matcher};
use forgetme_scanner::{Consistency, Session};

use crate::audit_trail::AuditPlace;
use crate::failure::Failure;

/// A receipt checked and ready to re-check: read, its subjects matched against the
/// identifiers given (with the run's audit key), and, when the audit log is at hand, its
/// segment matched against the log.
pub struct PreparedRecheck {
    receipt: Receipt,
    /// What the receipt was checked against, said with the result.
    checked_against: String,
    /// The receipt's audit log: the one it was checked against, else the one it names.
    audit_log: std::path::PathBuf,
    /// The disk reports given (`--disk-report`), checked against the receipt.
    disk: Vec<DiskProof>,
}

/// A signed disk report given with the re-check, its signature verified and its keyspace,
/// subjects and time checked against the receipt.
#[derive(Clone, Debug)]
pub struct DiskProof {
    /// The report's file.
    pub file: std::path::PathBuf,
    /// What it states.
    pub report: ReportProof,
}

/// What the disk reports given say, over every node they name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiskState {
    /// Every node's files were read and none holds an identifier.
    Purged,
    /// A node's file still holds an identifier.
    Held,
    /// No file read holds one, but a node's file could not be read.
    NotKnown,
}

impl PreparedRecheck {
    /// The receipt being re-checked.
    pub fn receipt(&self) -> &Receipt {
        &self.receipt
    }

    /// The receipt's audit log (the request ledger the re-check records into is beside it).
    pub fn audit_log(&self) -> &Path {
        &self.audit_log
    }

    /// The disk reports given, checked.
    pub fn disk_reports(&self) -> &[DiskProof] {
        &self.disk
    }

    /// What the disk reports say over every node they name; `None` when none was given.
    pub fn disk_state(&self) -> Option<DiskState> {
        if self.disk.is_empty() {
            return None;
        }
        let verdict = Verdict::combine(self.disk.iter().map(|d| d.report.verdict()));
        Some(match verdict {
            Verdict::Clean => DiskState::Purged,
            Verdict::Holds => DiskState::Held,
            Verdict::NotKnown => DiskState::NotKnown,
        })
    }

    /// `--disk-report FILE...` (one per node): each report's signature checked with the public
    /// keys kept beside the audit key, then its keyspace, subjects (by subject ref) and time
    /// against the receipt. Done before anything is read; a report that fails is bad input.
    pub fn check_disk_reports(
        &mut self,
        files: &[PathBuf],
        audit_key: &Path,
    ) -> Result<(), Failure> {
        if files.is_empty() {
            return Ok(());
        }
        let keys = keyfile::public_keys(audit_key)
            .map_err(|e| Failure::Input(format!("--disk-report: {e}")))?
            .all();
        if keys.is_empty() {
            return Err(Failure::Input(format!(
                "--disk-report: there is no signing key beside the audit key {} to check the reports with; give the audit key whose signing key signed them",
                audit_key.display()
            )));
        }
        let mut seen: Vec<String> = Vec::new();
        for file in files {
            let bad = |why: String| {
                Failure::Input(format!(
                    "--disk-report {}: {why}. A disk report is proof only when it is the signed report of this erasure's keyspace and subjects, made after it",
                    file.display()
                ))
            };
            let bytes = std::fs::read(file).map_err(|e| bad(format!("cannot read it ({e})")))?;
            let report = forgetme_disk_check::proof::verify(&bytes, &keys).map_err(bad)?;
            forgetme_disk_check::proof::check_against(
                &report,
                &self.receipt.keyspace,
                &self.receipt.subjects,
                &self.receipt.finished_at,
            )
            .map_err(bad)?;
            for n in &report.nodes {
                let name = n.name();
                if seen.contains(&name) {
                    return Err(bad(format!(
                        "node {name} is in another report given too: give one report per node"
                    )));
                }
                seen.push(name);
            }
            self.disk.push(DiskProof {
                file: file.clone(),
                report,
            });
        }
        Ok(())
    }
}

/// The disk reports' lines: per node, "no file holds the subject's identifiers as of T" or the
/// files that still do (kinds and paths, never values), then the verdict over the nodes.
pub fn disk_text(prepared: &PreparedRecheck) -> String {
    use std::fmt::Write as _;
    let Some(state) = prepared.disk_state() else {
        return String::new();
    };
    let nodes: usize = prepared.disk.iter().map(|d| d.report.nodes.len()).sum();
    let tables: Vec<&str> = prepared
        .receipt
        .disk
        .tables
        .iter()
        .map(|t| t.table.as_str())
        .collect();
    let mut t = String::new();
    let _ = writeln!(
        t,
        "\nOn disk: {} signed disk report(s), {nodes} node(s), keyspace {} (tables touched: {}):",
        prepared.disk.len(),
        prepared.receipt.keyspace,
        if tables.is_empty() {
            "none".to_string()
        } else {
            tables.join(", ")
        }
    );
    for d in &prepared.disk {
        let _ = writeln!(
            t,
            "  report {} (signed by key {}, checked {} .. {}):",
            d.file.display(),
            d.report.key_id,
            d.report.started_at,
            d.report.finished_at
        );
        for n in &d.report.nodes {
            for line in n.lines() {
                let _ = writeln!(t, "    {line}");
            }
        }
    }
    let _ = writeln!(
        t,
        "{}",
        match state {
            DiskState::Purged => format!(
                "PHYSICALLY PURGED on the {nodes} node(s) reported: no SSTable, snapshot, backup, commit log segment or hints file of theirs holds the subject's identifiers. Nodes without a report are not covered."
            ),
            DiskState::Held => "NOT PURGED: the files above still hold the subject's identifiers; run the purge commands disk-check printed on those nodes, then check again".to_string(),
            DiskState::NotKnown => "NOT KNOWN: some file could not be read; see disk-check's report of that node".to_string(),
        }
    );
    t
}

/// Everything about `--recheck-receipt FILE` that needs no database, done before connecting:
/// bad input or a receipt that does not match its log exits 2 with nothing read.
///
/// The audit key is required: without it the identifiers cannot be checked against the
/// receipt's subjects (HMACs), and a mistyped identifier would re-check "clean" about someone
/// else. The audit log is looked for at `--audit-log`, then at the path the receipt names (a
/// regular file only); when found, the receipt's segment digest, head, run and number of
/// settings must match it, so a receipt with locations removed cannot re-check clean.
pub fn prepare(
    path: &Path,
    place: &AuditPlace,
    identifiers: &[Identifier],
) -> Result<PreparedRecheck, Failure> {
    let r = crate::receipt_files::read(path).map_err(Failure::Input)?;
    if !place.key.is_file() {
        return Err(Failure::Input(format!(
            "--recheck-receipt needs the run's audit key, and there is none at {}: give --audit-key FILE (the key the erasure run used). Without it the identifiers cannot be checked against the receipt's subjects, and a \"clean\" could be about someone else",
            place.key.display()
        )));
    }
    let key = AuditKey::load_existing(&place.key).map_err(|e| Failure::Input(e.to_string()))?;
    if key.fingerprint() != r.audit.key_fingerprint {
        return Err(Failure::Input(format!(
            "--audit-key {} is not the key of this receipt (its fingerprint differs); give the key the erasure run used",
            place.key.display()
        )));
    }
    // The seal first: a receipt edited, cut or re-pointed (its audit log moved with it) is
    // refused whether or not its audit log is at hand.
    r.check_seal(&key).map_err(|e| {
        Failure::Input(format!(
            "--recheck-receipt {}: {e}. A receipt that is not as it was written proves nothing; re-check the receipt the erasure run wrote",
            path.display()
        ))
    })?;
    // The signature, when there is one, with the public keys beside the audit key: a signed
    // receipt whose file changed in any byte is refused like one whose seal does not match.
    let file = std::fs::read(path).map_err(|e| {
        Failure::Input(format!(
            "--recheck-receipt {}: cannot read it ({e})",
            path.display()
        ))
    })?;
    let signature = match forgetme_findings::receipt::check_signature(&file, &place.key) {
        Ok(SignatureCheck::Verified { key_id }) => format!("; its signature verifies with signing key {key_id}"),
        Ok(SignatureCheck::Unsigned) => "; it is not signed (written before receipts were signed)".to_string(),
        Ok(SignatureCheck::UnknownKey { key_id }) => format!("; its signing key {key_id} is not beside the audit key, so its signature was NOT checked (check it with verify-receipt and the published public key)"),
        Err(SignatureError::Keys(e)) => return Err(Failure::Input(e)),
        Err(SignatureError::Invalid(e)) => {
            return Err(Failure::Input(format!(
                "--recheck-receipt {}: {e}. A receipt that is not as it was written proves nothing; re-check the receipt the erasure run wrote",
                path.display()
            )))
        }
    };
    if r.locations.is_empty() && r.verification.checked > 0 {
        return Err(Failure::Input(format!(
            "--recheck-receipt {}: the receipt lists no location, yet its verification read {} back: it is not as the erasure run wrote it",
            path.display(),
            r.verification.checked
        )));
    }
    let unknown = unknown_subjects(
        &r.subjects,
        &key,
        identifiers.iter().map(|i| i.normalized()),
    );
    if unknown > 0 {
        return Err(Failure::Input(format!(
            "{unknown} identifier(s) given with --search are not subjects of this receipt (their HMACs differ); give the identifiers of the original request"
        )));
    }
    // Every subject of the receipt must be searched for: a re-check given some of them would
    // say "clean" while another subject's identifier is back.
    let given: Vec<String> = identifiers
        .iter()
        .map(|i| key.subject_ref(i.normalized()))
        .collect();
    let uncovered = r.subjects.iter().filter(|s| !given.contains(s)).count();
    if uncovered > 0 {
        return Err(Failure::Input(format!(
            "--recheck-receipt {}: {uncovered} of the receipt's {} subject ref(s) are not covered by the identifiers given; a re-check must search for every identifier the erasure was run for, or a \"clean\" would say nothing of the ones left out: give them all with --search",
            path.display(),
            r.subjects.len()
        )));
    }
    let named = std::path::PathBuf::from(&r.audit.log);
    let log = [place.log.clone(), named.clone()].into_iter().find(|p| {
        std::fs::symlink_metadata(p)
            .map(|m| m.file_type().is_file())
            .unwrap_or(false)
    });
    let audit_log = log.clone().unwrap_or(named);
    let checked_against = match log {
        None => {
            eprintln!(
                "note: the audit log of this receipt is not here ({} or {}): the receipt is checked against the audit key only; give --audit-log FILE to check it against the log too",
                place.log.display(),
                r.audit.log
            );
            format!("the audit key (the audit log was not at hand){signature}")
        }
        Some(log) => {
            let bad = |why: String| {
                Failure::Input(format!(
                    "--recheck-receipt {}: the receipt does not match the audit log {}: {why}. A receipt is evidence only together with its log",
                    path.display(),
                    log.display()
                ))
            };
            check_against_log(&r, &log, &key).map_err(bad)?;
            format!(
                "the audit key and audit log {} (events {} to {}, seals checked){signature}",
                log.display(),
                r.audit.first_seq,
                r.audit.last_seq
            )
        }
    };
    Ok(PreparedRecheck {
        receipt: r,
        checked_against,
        audit_log,
        disk: Vec::new(),
    })
}

/// How a re-check reads its locations, and how the report names it.
#[derive(Clone, Debug)]
pub struct ReadAt {
    /// The driver's level.
    pub consistency: Consistency,
    /// As the report names it.
    pub name: String,
    /// Whether every copy is read.
    pub every_copy: bool,
}

impl ReadAt {
    /// Every copy (the default): each location is read at ALL, so every replica answers and
    /// the newest write wins; a replica that missed the erasure is repaired by the read
    /// (Cassandra's blocking read repair), and one that cannot answer makes the location
    /// unreadable. Otherwise at `verify` (`--verify-consistency`). A single re-check and
    /// `requests recheck-due` read the same way.
    pub fn new(every_copy: bool, verify: forgetme_scanner::ConsistencyLevel) -> ReadAt {
        if every_copy {
            ReadAt {
                consistency: Consistency::All,
                name: "ALL (every copy)".to_string(),
                every_copy,
            }
        } else {
            ReadAt {
                consistency: verify.to_driver(),
                name: verify.cql_name().to_string(),
                every_copy,
            }
        }
    }
}

/// A receipt re-checked ([`recheck`]): its report, and what it found.
pub struct Rechecked {
    /// The report: each location, then the disk reports.
    pub text: String,
    /// What the locations hold.
    pub result: Recheck,
}

impl Rechecked {
    /// 0 clean; 1 data is back (or a location could not be read), a node of a disk report
    /// still holds the identifiers (or is not known), or `errors` (the request ledger could
    /// not record it).
    pub fn exit_code(&self, prepared: &PreparedRecheck, errors: &[String]) -> u8 {
        let disk_clean = !matches!(
            prepared.disk_state(),
            Some(DiskState::Held | DiskState::NotKnown)
        );
        if self.result.clean() && disk_clean && errors.is_empty() {
            0
        } else {
            1
        }
    }
}

/// Reads every location of the receipt again ([`run`]) and writes the report of it.
pub async fn recheck(
    session: &Session,
    prepared: &PreparedRecheck,
    matcher: &Matcher,
    read: &ReadAt,
) -> Rechecked {
    let result = run(session, prepared, matcher, read.consistency).await;
    let mut text = forgetme_printer::recheck_report::to_text(
        prepared.receipt(),
        &result,
        &read.name,
        read.every_copy,
    );
    text.push_str(&disk_text(prepared));
    Rechecked { text, result }
}

/// Reads every location of the receipt again at `consistency` and matches it with `matcher`
/// (the identifiers given, checked against the receipt's subjects by [`prepare`]).
pub async fn run(
    session: &Session,
    prepared: &PreparedRecheck,
    matcher: &Matcher,
    consistency: Consistency,
) -> Recheck {
    eprintln!(
        "Receipt {} checked against {}.",
        prepared.receipt.run_id, prepared.checked_against
    );
    forgetme_erasure_receipt::recheck::recheck(session, &prepared.receipt, matcher, consistency)
        .await
}
