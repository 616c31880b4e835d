//! `--recheck-receipt FILE` at the command line: the engine checks the receipt before
//! anything is read ([`forgetme_engine::recheck::prepare`]) and reads its locations again; this
//! mode prints the result and records it in the request ledger.

use std::process::ExitCode;

use forgetme_engine::audit_trail::AuditPlace;
use forgetme_engine::ledger::RunLedger;
use forgetme_engine::recheck::{self, PreparedRecheck};
use forgetme_engine::Failure;
use forgetme_matcher::Matcher;
use forgetme_scanner::routing::Copies;
use forgetme_scanner::{Consistency, Session};

use crate::args::Args;
use crate::input::Inputs;

/// Everything about the receipt that needs no database, before connecting (exit 2 on bad
/// input or a receipt that does not match its key, signature or log).
pub fn prepare(
    args: &Args,
    inputs: &Inputs,
    path: &std::path::Path,
) -> Result<PreparedRecheck, Failure> {
    let place = AuditPlace {
        log: args.audit_log.clone(),
        key: args.audit_key.clone(),
    };
    let mut prepared = recheck::prepare(path, &place, &inputs.identifiers)?;
    prepared.check_disk_reports(&args.disk_report, &args.audit_key)?;
    Ok(prepared)
}

/// The consistency a re-check reads its locations at, and how the report names it. Every
/// copy (the default): each location is read at ALL, so every replica answers and the newest
/// write wins; a replica that missed the erasure is repaired by the read (Cassandra's
/// blocking read repair), and one that cannot answer makes the location unreadable.
/// Otherwise at `--verify-consistency`. `requests recheck-due` reads the same way.
pub fn read_consistency(args: &Args, every_copy: bool) -> (Consistency, String) {
    if every_copy {
        (Consistency::All, "ALL (every copy)".to_string())
    } else {
        (
            args.verify_consistency.to_driver(),
            args.verify_consistency.cql_name().to_string(),
        )
    }
}

/// `--recheck-receipt FILE [--disk-report R...]`: 0 clean, 1 data is back (or a location could
/// not be read), or a node of a disk report still holds the identifiers (or is not known); the
/// result recorded in the request ledger when the receipt names its case (or `--case` does).
pub async fn recheck_mode(
    session: &Session,
    args: &Args,
    inputs: &Inputs,
    prepared: PreparedRecheck,
    mut ledger: Option<RunLedger>,
) -> Result<ExitCode, Failure> {
    let every_copy = args.copies() == Copies::Every;
    let (consistency, read_at) = read_consistency(args, every_copy);
    let matcher = Matcher::new(inputs.identifiers.clone(), inputs.region);
    let result = recheck::run(session, &prepared, &matcher, consistency).await;
    let receipt = prepared.receipt();
    print!(
        "{}",
        forgetme_printer::recheck_report::to_text(receipt, &result, &read_at, every_copy)
    );
    print!("{}", recheck::disk_text(&prepared));
    let disk_clean = !matches!(
        prepared.disk_state(),
        Some(recheck::DiskState::Held | recheck::DiskState::NotKnown)
    );
    if let (Some(l), Some(path)) = (&mut ledger, &args.recheck_receipt) {
        l.rechecked(receipt, path, result.clean());
        l.purged(&prepared);
    }
    let mut errors = Vec::new();
    forgetme_engine::ledger::finish(ledger, &mut errors);
    for e in &errors {
        eprintln!("error: {e}");
    }
    Ok(if result.clean() && disk_clean && errors.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
