//! The erasure receipt at the command line: writing its files, reading one back, and
//! `--recheck-receipt` (its checks live in [`forgetme_findings::receipt`]).

use std::path::Path;
use std::process::ExitCode;

use forgetme_audit::AuditKey;
use forgetme_erasure_receipt::Receipt;
use forgetme_findings::receipt::{
    check_against_log, unknown_subjects, SignatureCheck, SignatureError,
};
use forgetme_matcher::Matcher;
use forgetme_scanner::Session as CqlSession;

use forgetme_engine::ledger::RunLedger;
use forgetme_engine::receipt_files::read;

use crate::args::Args;
use crate::input::Inputs;
use forgetme_engine::Failure;
use forgetme_printer::report;

/// A receipt checked and ready to re-check: read, its subjects matched against the
/// identifiers given (with the run's audit key), and, when the audit log is at hand, its
/// segment matched against the log.
pub struct PreparedRecheck {
    receipt: Receipt,
    /// What the receipt was checked against, said with the result.
    checked_against: String,
    /// The receipt's audit log: the one it was checked against, else the one it names.
    audit_log: std::path::PathBuf,
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
}

/// Everything about `--recheck-receipt FILE` that needs no database, done before connecting:
/// bad input or a receipt that does not match its log exits 2 with nothing read.
///
/// The audit key is required: without it the identifiers cannot be checked against the
/// receipt's subjects (HMACs), and a mistyped identifier would re-check "clean" about someone
/// else. The audit log is looked for at `--audit-log`, then at the path the receipt names (a
/// regular file only); when found, the receipt's segment digest, head, run and number of
/// settings must match it, so a receipt with locations removed cannot re-check clean.
pub fn prepare_recheck(
    args: &Args,
    inputs: &Inputs,
    path: &std::path::Path,
) -> Result<PreparedRecheck, Failure> {
    let r = read(path).map_err(Failure::Input)?;
    if !args.audit_key.is_file() {
        return Err(Failure::Input(format!(
            "--recheck-receipt needs the run's audit key, and there is none at {}: give --audit-key FILE (the key the erasure run used). Without it the identifiers cannot be checked against the receipt's subjects, and a \"clean\" could be about someone else",
            args.audit_key.display()
        )));
    }
    let key =
        AuditKey::load_existing(&args.audit_key).map_err(|e| Failure::Input(e.to_string()))?;
    if key.fingerprint() != r.audit.key_fingerprint {
        return Err(Failure::Input(format!(
            "--audit-key {} is not the key of this receipt (its fingerprint differs); give the key the erasure run used",
            args.audit_key.display()
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
    let signature = match forgetme_findings::receipt::check_signature(&file, &args.audit_key) {
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
        inputs.identifiers.iter().map(|i| i.normalized()),
    );
    if unknown > 0 {
        return Err(Failure::Input(format!(
            "{unknown} identifier(s) given with --search are not subjects of this receipt (their HMACs differ); give the identifiers of the original request"
        )));
    }
    // Every subject of the receipt must be searched for: a re-check given some of them would
    // say "clean" while another subject's identifier is back.
    let given: Vec<String> = inputs
        .identifiers
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
    let log = [args.audit_log.clone(), named.clone()]
        .into_iter()
        .find(|p| {
            std::fs::symlink_metadata(p)
                .map(|m| m.file_type().is_file())
                .unwrap_or(false)
        });
    let audit_log = log.clone().unwrap_or(named);
    let checked_against = match log {
        None => {
            eprintln!(
                "note: the audit log of this receipt is not here ({} or {}): the receipt is checked against the audit key only; give --audit-log FILE to check it against the log too",
                args.audit_log.display(),
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
    })
}

/// `--recheck-receipt FILE`: 0 clean, 1 data is back (or a location could not be read).
pub async fn run_recheck(
    session: &CqlSession,
    every_copy: bool,
    args: &Args,
    inputs: &Inputs,
    prepared: PreparedRecheck,
) -> Result<ExitCode, Failure> {
    let r = prepared.receipt;
    eprintln!(
        "Receipt {} checked against {}.",
        r.run_id, prepared.checked_against
    );
    let matcher = Matcher::new(inputs.identifiers.clone(), inputs.region);
    // Every copy: each location is read at ALL, so every replica answers and the newest
    // write wins; a replica that missed the erasure is repaired by the read (Cassandra's
    // blocking read repair), and one that cannot answer makes the location unreadable.
    let consistency = if every_copy {
        forgetme_scanner::Consistency::All
    } else {
        args.verify_consistency.to_driver()
    };
    let read_at = if every_copy {
        "ALL (every copy)".to_string()
    } else {
        args.verify_consistency.cql_name().to_string()
    };
    let result =
        forgetme_erasure_receipt::recheck::recheck(session, &r, &matcher, consistency).await;
    for i in &result.back {
        let l = &r.locations[*i];
        let line = format!(
            "DATA IS BACK: {}  owner {}  group {}  setting {}",
            l.table,
            l.owner_id,
            l.group,
            l.setting_key
                .as_deref()
                .or(l.setting_key_ref.as_deref())
                .unwrap_or("")
        );
        println!("{}", report::terminal_safe(&line));
    }
    for (i, e) in &result.unreadable {
        // Driver text: the first line, shortened and made printable.
        let first: String = e
            .lines()
            .next()
            .unwrap_or_default()
            .chars()
            .take(300)
            .collect();
        println!(
            "UNREADABLE: location {} of the receipt at {read_at}: {}",
            i + 1,
            report::terminal_safe(&first)
        );
    }
    if result.clean() {
        println!(
            "clean: {} location(s) of receipt {} re-read at {read_at}; {} holds the identifier(s).",
            result.checked,
            r.run_id,
            if every_copy { "no copy" } else { "none" }
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "NOT CLEAN: {} location(s) hold the identifier(s) again, {} could not be read at {read_at}.",
            result.back.len(),
            result.unreadable.len()
        );
        if !result.unreadable.is_empty() && every_copy {
            println!(
                "A replica that cannot answer may still hold erased values: bring it back, run nodetool repair of the keyspace within gc_grace_seconds, and re-check. Without a repair in time the erased values come back everywhere."
            );
        }
        Ok(ExitCode::from(1))
    }
}

/// `--recheck-receipt FILE`: the re-check, recorded in the request ledger when the receipt
/// names its case (or `--case` does).
pub async fn recheck_mode(
    session: &CqlSession,
    args: &Args,
    inputs: &Inputs,
    prepared: PreparedRecheck,
    mut ledger: Option<RunLedger>,
) -> Result<ExitCode, Failure> {
    let every_copy = args.copies() == forgetme_scanner::routing::Copies::Every;
    let rechecked = ledger.as_ref().map(|_| prepared.receipt().clone());
    let code = run_recheck(session, every_copy, args, inputs, prepared).await?;
    if let (Some(l), Some(r), Some(path)) = (&mut ledger, &rechecked, &args.recheck_receipt) {
        l.rechecked(r, path, code == ExitCode::SUCCESS);
    }
    let mut errors = Vec::new();
    forgetme_engine::ledger::finish(ledger, &mut errors);
    for e in &errors {
        eprintln!("error: {e}");
    }
    Ok(if errors.is_empty() {
        code
    } else {
        ExitCode::from(1)
    })
}
