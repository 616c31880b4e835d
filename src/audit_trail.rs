//! The run's audit trail: opening the key and the log, the events that frame a run, and
//! verifying a log's chain.

use std::process::ExitCode;

use forgetme_audit::contract::{RunArguments, RunStart, ScanComplete};
use forgetme_audit::signing::SigningKey;
use forgetme_audit::{AuditEvent, AuditKey, AuditLog};
use gws_client::GwsClient;

use crate::args::Args;
use crate::failure::Failure;
use forgetme_matcher::Identifier;

/// `--verify-audit-log FILE`: 0 intact, 1 broken, 2 unreadable.
///
/// The seals are checked with the key of `--audit-key` when that file exists; without it only
/// the chain is checked, and the output says so (a rewrite that re-chains every later line is
/// then not detected).
pub fn verify_audit_log(
    path: &std::path::Path,
    key_path: &std::path::Path,
) -> Result<ExitCode, Failure> {
    let key = if key_path.exists() {
        Some(AuditKey::load_existing(key_path).map_err(|e| Failure::Input(e.to_string()))?)
    } else {
        None
    };
    match forgetme_audit::verify_log(path, key.as_ref()) {
        Ok(Ok(report)) => {
            println!(
                "audit log {} is intact: {} event(s), {} run(s), head {}",
                path.display(),
                report.events,
                report.runs.len(),
                report.head
            );
            if report.seals_checked {
                println!(
                    "every event's seal matches the audit key {} (fingerprint {})",
                    key_path.display(),
                    key.as_ref().map(AuditKey::fingerprint).unwrap_or_default()
                );
            } else {
                println!(
                    "seals NOT checked: no audit key at {} (give --audit-key FILE). Without it, \
                     an edit followed by re-chaining every later line is not detected.",
                    key_path.display()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Ok(Err(broken)) => {
            println!("audit log {} is BROKEN at {broken}", path.display());
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(Failure::Input(e.to_string())),
    }
}

/// Opens the key and the log and checks the log's chain, then lets both go: a batch checks
/// its log before the scan, and opens it once per erasure request after it.
pub fn check_audit_log(args: &Args) -> Result<(), Failure> {
    let key =
        AuditKey::load_or_create(&args.audit_key).map_err(|e| Failure::Input(e.to_string()))?;
    signing_key(args)?;
    AuditLog::open(&args.audit_log, &forgetme_audit::new_run_id(), &key)
        .map(drop)
        .map_err(|e| Failure::Input(e.to_string()))
}

/// Where a run begins in the audit log, for its receipt.
pub struct RunStarted {
    /// When the run started (RFC 3339).
    pub at: String,
    /// Sequence number of the run's first event.
    pub first_seq: u64,
    /// Earlier runs of the same case or subjects that planned changes and never ended.
    pub interrupted: Vec<forgetme_audit::UnfinishedRun>,
    /// The key the run's receipt is signed with, loaded before anything is changed.
    pub signer: SigningKey,
}

/// The signing key beside the audit key, created (with a note saying to publish its public
/// key) when there is none. Loaded before anything is changed, so a key that cannot be used
/// stops the run before the erasure, not after it.
fn signing_key(args: &Args) -> Result<SigningKey, Failure> {
    let (key, created) = forgetme_audit::signing::keyfile::load_or_create(&args.audit_key)
        .map_err(|e| Failure::Input(e.to_string()))?;
    if created {
        eprintln!(
            "note: created the receipt signing key {} (mode 0600, key {}). Keep it with the audit key; publish its public key for whoever checks receipts: gdpr_forget_me signing-key public --audit-key {}",
            shown_path(&forgetme_audit::signing::keyfile::signing_key_path(&args.audit_key)),
            key.public_key().key_id(),
            shown_path(&args.audit_key)
        );
    }
    Ok(key)
}

/// Opens the key and the log, and records the run's start: who, where, what (identifiers as
/// HMAC only), and the arguments without secrets.
pub fn open_audit(
    args: &Args,
    identifiers: &[Identifier],
    case: Option<&str>,
    gws: &GwsClient,
) -> Result<(AuditKey, AuditLog, RunStarted), Failure> {
    let key_existed = std::fs::symlink_metadata(&args.audit_key).is_ok();
    let log_existed = std::fs::symlink_metadata(&args.audit_log).is_ok();
    let key =
        AuditKey::load_or_create(&args.audit_key).map_err(|e| Failure::Input(e.to_string()))?;
    let mut log = AuditLog::open(&args.audit_log, &forgetme_audit::new_run_id(), &key)
        .map_err(|e| Failure::Input(e.to_string()))?;
    // A new key or log in the current folder is easy to lose track of: say where they are.
    if !key_existed {
        eprintln!(
            "note: created the audit key {} (mode 0600). Keep it with the log: without it the log's seals and the receipts cannot be checked. Pin one place for every run with --audit-key or GDPR_FORGET_ME_AUDIT_KEY.",
            shown_path(&args.audit_key)
        );
    }
    if !log_existed {
        eprintln!(
            "note: created the audit log {}. Pin one place for every run with --audit-log or GDPR_FORGET_ME_AUDIT_LOG.",
            shown_path(&args.audit_log)
        );
    }
    let signer = signing_key(args)?;
    let subjects: Vec<String> = identifiers
        .iter()
        .map(|i| key.subject_ref(i.normalized()))
        .collect();
    // A run of the same request killed mid-change leaves planned changes without results or
    // an end: what it changed is not known to this run's search ("nothing to erase" may be
    // its work), so this run says so, and its receipt and the ledger name that run.
    let interrupted = forgetme_audit::unfinished_runs(&args.audit_log, &subjects, case)
        .map_err(|e| Failure::Input(e.to_string()))?;
    for r in &interrupted {
        eprintln!(
            "warning: the audit log holds an earlier run of this {} that never ended: run {} (started {}) planned {} change(s) and recorded the result of {}; it was stopped mid-change. What it planned and did not report may or may not have been done: this run's search shows what is stored now, and its receipt names that run.",
            if case.is_some() && r.case.as_deref() == case { "case" } else { "subject" },
            r.run_id,
            r.started_at,
            r.planned,
            r.results
        );
    }
    let started = RunStarted {
        at: forgetme_audit::now_rfc3339(),
        first_seq: log.head().1 + 1,
        interrupted,
        signer,
    };
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    log.record(&RunStart {
        tool: "gdpr_forget_me".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        operator: gws.username().into(),
        host,
        arguments: RunArguments {
            cass_keyspace: args.cass_keyspace.clone(),
            cass_hostname: args.cass_hostname.clone(),
            cass_port: args.cass_port,
            group_name: args.group_name.clone(),
            layout: args.layout.as_ref().map(|p| p.display().to_string()),
            deep: args.deep,
            erase: format!("{:?}", args.erase).to_lowercase(),
            gws: gws.base_url().as_str().into(),
            default_region: args.default_region.clone(),
            identifiers: identifiers.len(),
        },
        subjects,
        case: case.map(str::to_string),
    })
    .map_err(|e| Failure::Run(format!("audit log: {e}")))?;
    Ok((key, log, started))
}

/// An absolute form of a path for a note on stderr (as given when it cannot be resolved).
fn shown_path(path: &std::path::Path) -> String {
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
