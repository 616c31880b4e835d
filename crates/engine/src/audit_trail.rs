//! A run's audit trail: the key and the log opened once (the chain checked once, under the
//! log's lock), and the events that frame each run: `run_start`, `scan_complete` and, from
//! [`crate::erasure`], `run_end`. A batch keeps the one log open and starts a run per request
//! in it.

use std::path::{Path, PathBuf};

use forgetme_audit::contract::{RunArguments, RunStart, ScanComplete};
use forgetme_audit::signing::SigningKey;
use forgetme_audit::{AuditEvent, AuditKey, AuditLog, CaseRef, Timestamp};
use forgetme_matcher::Identifier;

use crate::failure::Failure;

/// Where the audit log and its key are (`--audit-log`, `--audit-key`).
#[derive(Clone, Debug)]
pub struct AuditPlace {
    /// The log.
    pub log: PathBuf,
    /// The HMAC key of its seals and subject refs.
    pub key: PathBuf,
}

/// The audit key and the log, open for appending, their chain checked.
pub struct AuditSession {
    /// The key the seals and subject refs are made with.
    pub key: AuditKey,
    /// The log.
    pub log: AuditLog,
    /// The key the runs' receipts are signed with, loaded before anything is changed.
    pub signer: SigningKey,
    /// The log's path, to look for interrupted runs in it.
    path: PathBuf,
}

/// Where a run begins in the audit log, for its receipt.
pub struct RunStarted {
    /// When the run started.
    pub at: Timestamp,
    /// Sequence number of the run's first event.
    pub first_seq: u64,
    /// Earlier runs of the same case or subjects that planned changes and never ended.
    pub interrupted: Vec<forgetme_audit::UnfinishedRun>,
}

/// Opens (or creates, saying where) the key and the log and checks the log's chain: a
/// tampered, locked or unusable log stops the run before anything is read (exit 2).
pub fn open(place: &AuditPlace) -> Result<AuditSession, Failure> {
    let key_existed = std::fs::symlink_metadata(&place.key).is_ok();
    let log_existed = std::fs::symlink_metadata(&place.log).is_ok();
    let key = AuditKey::load_or_create(&place.key).map_err(|e| Failure::Input(e.to_string()))?;
    let log = AuditLog::open(&place.log, &forgetme_audit::new_run_id(), &key)
        .map_err(|e| Failure::Input(e.to_string()))?;
    // A new key or log in the current folder is easy to lose track of: say where they are.
    if !key_existed {
        eprintln!(
            "note: created the audit key {} (mode 0600). Keep it with the log: without it the log's seals and the receipts cannot be checked. Pin one place for every run with --audit-key or GDPR_FORGET_ME_AUDIT_KEY.",
            shown_path(&place.key)
        );
    }
    if !log_existed {
        eprintln!(
            "note: created the audit log {}. Pin one place for every run with --audit-log or GDPR_FORGET_ME_AUDIT_LOG.",
            shown_path(&place.log)
        );
    }
    let signer = signing_key(&place.key)?;
    Ok(AuditSession {
        key,
        log,
        signer,
        path: place.log.clone(),
    })
}

/// The signing key beside the audit key, created (with a note saying to publish its public
/// key) when there is none. Loaded before anything is changed, so a key that cannot be used
/// stops the run before the erasure, not after it.
fn signing_key(audit_key: &Path) -> Result<SigningKey, Failure> {
    let (key, created) = forgetme_audit::signing::keyfile::load_or_create(audit_key)
        .map_err(|e| Failure::Input(e.to_string()))?;
    if created {
        eprintln!(
            "note: created the receipt signing key {} (mode 0600, key {}). Keep it with the audit key; publish its public key for whoever checks receipts: gdpr_forget_me signing-key public --audit-key {}",
            shown_path(&forgetme_audit::signing::keyfile::signing_key_path(audit_key)),
            key.public_key().key_id(),
            shown_path(audit_key)
        );
    }
    Ok(key)
}

/// What `run_start` records of the command line (no secret).
pub type Arguments = RunArguments;

impl AuditSession {
    /// Starts a run of one request in the log and records its `run_start`: who, where, what
    /// (identifiers as HMAC only), and the arguments without secrets. Earlier runs of the same
    /// case or subjects that never ended are named on stderr and returned for the receipt.
    pub fn begin_run(
        &mut self,
        arguments: RunArguments,
        operator: &str,
        identifiers: &[Identifier],
        case: Option<&CaseRef>,
    ) -> Result<RunStarted, Failure> {
        self.log
            .begin_run(&forgetme_audit::new_run_id())
            .map_err(|e| Failure::Run(format!("audit log: {e}")))?;
        let subjects: Vec<String> = identifiers
            .iter()
            .map(|i| self.key.subject_ref(i.normalized()))
            .collect();
        // A run of the same request killed mid-change leaves planned changes without results
        // or an end: what it changed is not known to this run's search ("nothing to erase"
        // may be its work), so this run says so, and its receipt and the ledger name that run.
        let case_text = case.map(CaseRef::as_str);
        let interrupted = forgetme_audit::unfinished_runs(&self.path, &subjects, case_text)
            .map_err(|e| Failure::Input(e.to_string()))?;
        for r in &interrupted {
            eprintln!(
                "warning: the audit log holds an earlier run of this {} that never ended: run {} (started {}) planned {} change(s) and recorded the result of {}; it was stopped mid-change. What it planned and did not report may or may not have been done: this run's search shows what is stored now, and its receipt names that run.",
                if case.is_some() && r.case.as_deref() == case_text { "case" } else { "subject" },
                r.run_id,
                r.started_at,
                r.planned,
                r.results
            );
        }
        let started = RunStarted {
            at: Timestamp::now(),
            first_seq: self.log.head().1 + 1,
            interrupted,
        };
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_default();
        self.log
            .record(&RunStart {
                tool: "gdpr_forget_me".into(),
                version: env!("CARGO_PKG_VERSION").into(),
                operator: operator.into(),
                host,
                arguments,
                subjects,
                case: case.cloned(),
            })
            .map_err(|e| Failure::Run(format!("audit log: {e}")))?;
        Ok(started)
    }
}

/// An absolute form of a path for a note on stderr (as given when it cannot be resolved).
fn shown_path(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// The `scan_complete` event: what was read and how much was found, without values.
pub fn scan_complete(
    log: &mut AuditLog,
    outcome: &forgetme_findings::SearchOutcome,
) -> Result<(), Failure> {
    record(
        log,
        &ScanComplete {
            complete: outcome.complete(),
            tables: outcome.tables.iter().map(ToString::to_string).collect(),
            ranges: outcome.ranges,
            rows: outcome.rows,
            unread_ranges: outcome.failed.len(),
            hits: outcome.totals.hits,
            settings: outcome.totals.settings,
            listed_settings: outcome.totals.listed_settings,
        },
    )
}

/// Appends a typed event; a log that cannot be written stops the run.
pub fn record<E: AuditEvent>(log: &mut AuditLog, event: &E) -> Result<(), Failure> {
    log.record(event)
        .map(|_| ())
        .map_err(|e| Failure::Run(format!("audit log: {e}")))
}
