//! `--recheck-receipt FILE`: an earlier erasure's receipt checked before anything is read
//! (its seal, its signature, its subjects against the identifiers given, its segment of the
//! audit log), then every location it names read again for the identifiers.

use std::path::Path;

use forgetme_audit::AuditKey;
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
    })
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
