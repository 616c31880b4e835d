//! `--recheck-receipt FILE` at the command line: the engine checks the receipt before
//! anything is read ([`forgetme_engine::recheck::prepare`]), reads its locations again and
//! writes its report ([`forgetme_engine::recheck::recheck`]); this mode prints it and records
//! the result in the request ledger.

use std::process::ExitCode;

use forgetme_engine::audit_trail::AuditPlace;
use forgetme_engine::ledger::RunLedger;
use forgetme_engine::recheck::{self, PreparedRecheck, ReadAt};
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

/// The consistency a re-check reads its locations at, and how the report names it
/// ([`recheck::ReadAt`]). `requests recheck-due` reads the same way.
pub fn read_consistency(args: &Args, every_copy: bool) -> (Consistency, String) {
    let read = ReadAt::new(every_copy, args.verify_consistency.level());
    (read.consistency, read.name)
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
    let read = ReadAt::new(
        args.copies() == Copies::Every,
        args.verify_consistency.level(),
    );
    let matcher = Matcher::new(inputs.identifiers.clone(), inputs.region);
    let done = recheck::recheck(session, &prepared, &matcher, &read).await;
    print!("{}", done.text);
    if let (Some(l), Some(path)) = (&mut ledger, &args.recheck_receipt) {
        l.rechecked(prepared.receipt(), path, done.result.clean());
        l.purged(&prepared);
    }
    let mut errors = Vec::new();
    forgetme_engine::ledger::finish(ledger, &mut errors);
    for e in &errors {
        eprintln!("error: {e}");
    }
    Ok(ExitCode::from(done.exit_code(&prepared, &errors)))
}
