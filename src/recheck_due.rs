//! `gdpr_forget_me requests recheck-due [SEARCH_OPTIONS]`: every receipt re-check that
//! `requests due` lists as due today or overdue, run as `--recheck-receipt FILE` runs one
//! (the same preparation, reads and ledger step), with one line per re-check.
//!
//! A re-check matches what it reads against the subjects' identifiers, and the ledger holds
//! only their HMACs: so the identifiers are given as for a search (`--search-file`,
//! `--search`), and each receipt is re-checked with those of them that are its subjects,
//! found by HMAC with the audit key. Everything that needs no database (the due list, every
//! receipt's seal, signature and audit log, that every subject of every receipt is covered)
//! is checked before connecting: a problem with any of them is bad input (exit 2) and nothing
//! is read. Which re-checks are due is the ledger's rule (`next_recheck_due`), and only those
//! due today or before are run: before the purge date a re-check proves little.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser as _;
use forgetme_audit::AuditKey;
use forgetme_engine::audit_trail::AuditPlace;
use forgetme_engine::ledger::{failure, ledger_path, open_for_request, LedgerPlace, RunLedger};
use forgetme_engine::recheck::{self, PreparedRecheck};
use forgetme_engine::{failure as engine_failure, Failure};
use forgetme_matcher::{Identifier, Matcher};
use forgetme_printer::ledger_report::{self, RecheckDueDocument, RecheckLine};
use forgetme_request_ledger::{format_date, today_utc, Date, DueKind, Ledger, RequestType};

use crate::args::{Args, Format, ScanCopies};

/// Parses the forwarded command line (`requests` options, then the search options) as a
/// search's, and runs the re-checks.
pub fn main(forwarded: Vec<OsString>) -> ExitCode {
    let json = engine_failure::wants_json(&forwarded);
    let args = match Args::try_parse_from(&forwarded) {
        Ok(a) => a,
        Err(e) => {
            if e.use_stderr() && json {
                let text = e.render().to_string();
                let first = text.lines().next().unwrap_or("invalid arguments");
                engine_failure::print_json_error(
                    "bad_input",
                    2,
                    first.trim_start_matches("error: "),
                );
            }
            e.exit();
        }
    };
    let json = args.format == Format::Json;
    crate::logging::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(args, today_utc())) {
        Ok(code) => code,
        Err(f) => f.report(json),
    }
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

/// One receipt to re-check: its request, its file, the identifiers that are its subjects,
/// the receipt checked, and the ledger its step goes into.
struct Planned {
    id: String,
    file: PathBuf,
    identifiers: Vec<Identifier>,
    prepared: PreparedRecheck,
    ledger: Option<RunLedger>,
}

async fn run(args: Args, today: Date) -> Result<ExitCode, Failure> {
    refuse_other_modes(&args)?;
    let path = ledger_path(args.ledger.as_deref(), &args.audit_log);
    let due = due_receipts(&path, today)?;
    if due.is_empty() {
        print_lines(&args, &path, today, &[]);
        return Ok(ExitCode::SUCCESS);
    }
    if args.search.is_empty() && args.search_file.is_none() {
        let mut ids: Vec<&str> = due.iter().map(|(id, _)| id.as_str()).collect();
        ids.dedup();
        return Err(Failure::Input(format!(
            "{} receipt re-check(s) are due (request(s) {}): give the identifiers of their subjects with --search-file FILE (or --search ID...). The ledger holds only their HMACs; each receipt is re-checked with the identifiers that are its subjects",
            due.len(),
            ids.join(", ")
        )));
    }
    let inputs = crate::input::check(&args)?;
    let planned = prepare_all(&args, &inputs, &path, due)?;

    let credentials = crate::connections::cassandra_credentials(&args)?;
    let session = crate::connections::open_session(&args, &inputs, credentials).await?;
    let every_copy = args.scan_copies != ScanCopies::One;
    let (consistency, read_at) = crate::receipt::read_consistency(&args, every_copy);
    eprintln!(
        "{} receipt re-check(s) due, read at {read_at}.",
        planned.len()
    );
    let mut lines = Vec::with_capacity(planned.len());
    for p in planned {
        lines.push(recheck_one(&session, p, inputs.region, consistency).await);
    }
    print_lines(&args, &path, today, &lines);
    Ok(if lines.iter().all(|l| l.clean && l.recorded) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The erasure receipts whose re-check is due today or before, with their request ids. A
/// due re-check with no receipt named in the ledger is bad input: it cannot be run.
fn due_receipts(path: &std::path::Path, today: Date) -> Result<Vec<(String, PathBuf)>, Failure> {
    let ledger = Ledger::open_existing(path).map_err(failure)?;
    let list = ledger.list(today).map_err(failure)?;
    let mut work = Vec::new();
    for d in forgetme_request_ledger::due(&list, today, 0)
        .into_iter()
        .filter(|d| d.kind == DueKind::Recheck)
    {
        let details = ledger
            .show(&d.id, today)
            .map_err(failure)?
            .ok_or_else(|| failure(ledger.unknown(&d.id)))?;
        let receipts = details.erasure_receipts();
        if receipts.is_empty() {
            return Err(Failure::Input(format!(
                "request {}'s re-check is due, but the ledger names no receipt of an erasure for it: re-check its receipt with --recheck-receipt FILE",
                d.id
            )));
        }
        work.extend(
            receipts
                .into_iter()
                .map(|r| (d.id.clone(), PathBuf::from(r))),
        );
    }
    Ok(work)
}

/// One receipt re-checked and recorded in the ledger: its line.
async fn recheck_one(
    session: &forgetme_scanner::Session,
    mut p: Planned,
    region: Option<forgetme_matcher::Region>,
    consistency: forgetme_scanner::Consistency,
) -> RecheckLine {
    let matcher = Matcher::new(p.identifiers.clone(), region);
    let result = recheck::run(session, &p.prepared, &matcher, consistency).await;
    let receipt = p.prepared.receipt();
    if let Some(l) = &mut p.ledger {
        l.rechecked(receipt, &p.file, result.clean());
    }
    let mut errors = Vec::new();
    forgetme_engine::ledger::finish(p.ledger.take(), &mut errors);
    for e in &errors {
        eprintln!("error: request {}: {e}", p.id);
    }
    RecheckLine {
        id: p.id,
        receipt: p.file.display().to_string(),
        erasure_run: receipt.run_id.clone(),
        checked: result.checked,
        back: result.back.len(),
        unreadable: result.unreadable.len(),
        clean: result.clean(),
        recorded: errors.is_empty(),
    }
}

/// One due receipt's re-check, prepared: its subjects' identifiers among those given (marked
/// in `used`), its seal and audit log checked, its ledger entry opened; or why it cannot run.
fn plan_one(
    id: &str,
    file: PathBuf,
    inputs: &crate::input::Inputs,
    refs: &[String],
    used: &mut [bool],
    place: &AuditPlace,
    ledger_place: &LedgerPlace,
) -> Result<Planned, String> {
    let subjects = forgetme_engine::receipt_files::read(&file)?.subjects;
    let mut identifiers = Vec::new();
    for (n, (identifier, r)) in inputs.identifiers.iter().zip(refs).enumerate() {
        if subjects.contains(r) {
            identifiers.push(identifier.clone());
            used[n] = true;
        }
    }
    let prepared =
        recheck::prepare(&file, place, &identifiers).map_err(|f| f.message().to_string())?;
    let ledger = open_for_request(
        ledger_place,
        id,
        Some(RequestType::Erasure),
        &identifiers,
        inputs.region,
        &[("--recheck-receipt", &Some(file.clone()))],
        None,
    )
    .map_err(|f| f.message().to_string())?;
    Ok(Planned {
        id: id.to_string(),
        file,
        identifiers,
        prepared,
        ledger: Some(ledger),
    })
}

/// Every receipt checked as `--recheck-receipt` checks it, with the identifiers that are its
/// subjects, and its request's ledger opened; every problem is gathered, so one run says all
/// that must be fixed, and any of them stops the command before anything is read.
fn prepare_all(
    args: &Args,
    inputs: &crate::input::Inputs,
    path: &std::path::Path,
    due: Vec<(String, PathBuf)>,
) -> Result<Vec<Planned>, Failure> {
    let key = AuditKey::load_existing(&args.audit_key).map_err(|e| {
        Failure::Input(format!(
            "{e}; requests recheck-due needs the audit key the erasures were run with (--audit-key FILE): it tells which identifiers are each receipt's subjects"
        ))
    })?;
    let place = AuditPlace {
        log: args.audit_log.clone(),
        key: args.audit_key.clone(),
    };
    let ledger_place = LedgerPlace {
        ledger: Some(path.to_path_buf()),
        audit_log: args.audit_log.clone(),
        audit_key: args.audit_key.clone(),
        key_must_exist: true,
    };
    let refs: Vec<String> = inputs
        .identifiers
        .iter()
        .map(|i| key.subject_ref(i.normalized()))
        .collect();
    let mut planned = Vec::new();
    let mut problems = Vec::new();
    let mut used = vec![false; refs.len()];
    for (id, file) in due {
        match plan_one(&id, file, inputs, &refs, &mut used, &place, &ledger_place) {
            Ok(p) => planned.push(p),
            Err(e) => problems.push(format!("request {id}: {e}")),
        }
    }
    if !problems.is_empty() {
        return Err(Failure::Input(format!(
            "{} of the receipt re-check(s) due cannot be run; nothing was read. Fix these, then run it again:\n  {}",
            problems.len(),
            problems.join("\n  ")
        )));
    }
    let unused = used.iter().filter(|u| !**u).count();
    if unused > 0 {
        eprintln!(
            "note: {unused} identifier(s) given are not a subject of any receipt due; they are not used"
        );
    }
    Ok(planned)
}

fn print_lines(args: &Args, path: &std::path::Path, today: Date, lines: &[RecheckLine]) {
    match args.format {
        Format::Json => {
            let clean = lines.iter().filter(|l| l.clean).count();
            let doc = RecheckDueDocument {
                ledger: path.display().to_string(),
                today: format_date(today),
                rechecks: lines,
                clean,
                not_clean: lines.len() - clean,
            };
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).expect("a ledger document serializes")
            );
        }
        Format::Text => print!("{}", ledger_report::recheck_due_text(lines)),
    }
}
