//! `--verify-audit-log FILE`: checks a log's chain (and its seals, with the key).

use std::process::ExitCode;

use forgetme_audit::AuditKey;
use forgetme_engine::Failure;

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
