//! `gdpr_forget_me requests recheck-due [SEARCH_OPTIONS]`: the search options a re-check
//! needs turned into the engine's values; the workflow (which re-checks are due, each receipt
//! checked before connecting, the reads, the ledger steps, the lines) is
//! `forgetme_engine::recheck_due`.

use std::ffi::OsString;
use std::process::ExitCode;

use forgetme_engine::ledger::ledger_path;
use forgetme_engine::recheck_due::{self, RecheckDuePlace};
use forgetme_engine::Failure;
use forgetme_request_ledger::{today_utc, Date};

use crate::args::{Args, Format, ScanCopies};

/// Parses the forwarded command line (`requests` options, then the search options) as a
/// search's, and runs the re-checks.
pub fn main(forwarded: Vec<OsString>) -> ExitCode {
    let args = crate::parse_or_exit::<Args>(&forwarded);
    let json = args.format == Format::Json;
    crate::block_on(run(args, today_utc()), json)
}

/// The options that make a run something other than a re-check: refused, with what the
/// command takes instead.
fn refuse_other_modes(args: &Args) -> Result<(), Failure> {
    let given = [
        ("--cleanup", args.cleanup),
        ("--export", args.export.is_some()),
        ("--requests", args.requests.is_some()),
        ("--recheck-receipt", args.recheck_receipt.is_some()),
        ("--case", args.case.is_some()),
        ("--receipt", args.receipt.is_some()),
        ("--gws", args.gws.is_some()),
        ("layout discover", args.layout_discover),
        ("--verify-audit-log", args.verify_audit_log.is_some()),
        ("--generate", args.generate.is_some()),
    ];
    match given.iter().find(|(_, on)| *on) {
        Some((flag, _)) => Err(Failure::Input(format!(
            "requests recheck-due takes the subjects' identifiers (--search-file FILE or --search ID), the connection options of a search, --audit-key and --format; {flag} is not one of them: each re-check's receipt and case come from the ledger"
        ))),
        None => Ok(()),
    }
}

async fn run(args: Args, today: Date) -> Result<ExitCode, Failure> {
    refuse_other_modes(&args)?;
    let json = args.format == Format::Json;
    let place = RecheckDuePlace {
        ledger: ledger_path(args.ledger.as_deref(), &args.audit_log),
        audit_log: args.audit_log.clone(),
        audit_key: args.audit_key.clone(),
    };
    let due = recheck_due::due_receipts(&place.ledger, today)?;
    let mut lines = Vec::new();
    if !due.is_empty() {
        if args.search.is_empty() && args.search_file.is_none() {
            return Err(recheck_due::identifiers_missing(&due));
        }
        let inputs = crate::input::check(&args)?;
        let planned = recheck_due::prepare(&place, &inputs.identifiers, inputs.region, due)?;
        let credentials = crate::connections::cassandra_credentials(&args)?;
        let session = crate::connections::open_session(&args, &inputs, credentials).await?;
        let every_copy = args.scan_copies != ScanCopies::One;
        let (consistency, read_at) = crate::receipt::read_consistency(&args, every_copy);
        lines = recheck_due::run(&session, planned, inputs.region, consistency, &read_at).await;
    }
    let out = recheck_due::output(&place.ledger, today, &lines, json);
    print!("{out}");
    Ok(ExitCode::from(u8::from(!recheck_due::all_clean(&lines))))
}
