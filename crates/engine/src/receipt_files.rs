//! The erasure receipt's files: what the receipt records of a run, writing it (JSON and its
//! text rendering beside it) and reading one back.

use std::path::{Path, PathBuf};

use forgetme_erasure_receipt::{render_text, Receipt, SCHEMA};

use crate::files::{write_atomic, Existing};
use crate::RunSettings;

/// What the receipt records of the run: the command line's options, where the run began in
/// the audit log, who erased, the case, and the search the erasure was planned from.
pub fn run_facts(
    settings: &RunSettings,
    started: &crate::audit_trail::RunStarted,
    operator: &str,
    case: Option<&forgetme_audit::CaseRef>,
    outcome: &forgetme_findings::SearchOutcome,
) -> forgetme_findings::receipt::RunFacts {
    forgetme_findings::receipt::RunFacts {
        started_at: started.at,
        first_seq: started.first_seq,
        operator: operator.to_string(),
        keyspace: settings.keyspace.clone(),
        consistency: settings.verify_consistency,
        data_center: settings.local_dc.clone(),
        case: case.cloned(),
        scan: forgetme_findings::receipt::scan_summary(outcome),
        matched: outcome.found.clone(),
        interrupted_runs: started.interrupted.clone(),
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
    }
}

/// Writes the receipt as JSON, signed with `signer`, and its text rendering beside it
/// (`.txt`), each atomically and 0600. An existing receipt is never replaced: it is an earlier
/// run's proof.
pub fn write(
    receipt: &Receipt,
    path: &Path,
    signer: &forgetme_audit::signing::SigningKey,
) -> Result<PathBuf, String> {
    let text_path = path.with_extension("txt");
    if text_path == path {
        return Err(format!(
            "--receipt {}: give a .json file name",
            path.display()
        ));
    }
    write_atomic(path, &receipt.signed_file(signer), Existing::Refuse)?;
    write_atomic(
        &text_path,
        render_text(receipt).as_bytes(),
        Existing::Refuse,
    )?;
    Ok(text_path)
}

/// Reads a receipt file.
pub fn read(path: &Path) -> Result<Receipt, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("--recheck-receipt {}: cannot read it ({e})", path.display()))?;
    let receipt: Receipt = serde_json::from_str(&text).map_err(|e| {
        format!(
            "--recheck-receipt {}: not an erasure receipt ({e})",
            path.display()
        )
    })?;
    if receipt.schema != SCHEMA {
        return Err(format!(
            "--recheck-receipt {}: schema {:?} is not {SCHEMA}",
            path.display(),
            receipt.schema
        ));
    }
    Ok(receipt)
}
