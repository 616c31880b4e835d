//! `gdpr_forget_me`: the command-line tool. Thin by design: it parses arguments, checks them,
//! wires the library crates together (scanner, matcher, GWS client) and prints.
//!
//! Exit codes (see [`failure`]): 0 the run completed; 1 the scan was incomplete or something
//! failed; 2 bad input, refused before anything was read or changed; 3 the operator declined
//! the erasure at the prompt, so nothing was erased (the report is printed all the same); 4
//! Cassandra could not be reached, so nothing was read.

// No print may panic: std's print macros do when the stream is closed (`... | head -1`, or
// `2>&1 | head`), and a panic after an erasure would skip the audit log's run_end, the
// receipt and the ledger. Every print in this crate goes through these instead, which drop
// what cannot be written; the report itself is written with its error checked
// (`print_report`). Defined before the modules so that they all use them.
macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
macro_rules! print {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
macro_rules! eprint {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

mod args;
mod audit_trail;
mod batch;
mod cleanup;
mod connections;
mod disk_check_cmd;
mod export;
mod failure;
mod files;
mod generate;
mod input;
mod layout_cmd;
mod logging;
mod progress;
mod receipt;
mod report;
mod requests;
mod secrets;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser as _;
use forgetme_cleanup::{SettingResult, Verification};
use forgetme_matcher::Matcher;
use forgetme_scanner::scan::{ScanOptions, ScanProgress};

use crate::args::{Args, Format};
use crate::cleanup::CleanupRun;
use crate::failure::Failure;
use crate::input::Inputs;
use crate::report::UserNames;
use forgetme_findings::erasure_plan::{succeeded, PlanSize};
use forgetme_findings::receipt::default_path;
use forgetme_findings::{search, SearchOutcome, SearchPlan, DEFAULT_MAX_LISTED};

// musl's allocator is slow for this allocation-heavy work; the static build uses mimalloc
// (docs/install.md, "Allocator"). The glibc build keeps glibc's.
#[cfg(target_env = "musl")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if requests::is_requests_command(&raw) {
        return requests::main(&raw);
    }
    if disk_check_cmd::is_disk_check(&raw) {
        return disk_check_cmd::main(&raw);
    }
    let raw = match layout_cmd::rewrite(raw) {
        Ok(raw) => raw,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let args = match Args::try_parse_from(&raw) {
        Ok(args) => args,
        Err(e) => {
            // --help and --version are not errors; a script asking for JSON gets its one
            // document on stdout for a bad command line too.
            if e.use_stderr() && failure::wants_json(&raw) {
                let text = e.render().to_string();
                let first = text.lines().next().unwrap_or("invalid arguments");
                failure::print_json_error("bad_input", 2, first.trim_start_matches("error: "));
            }
            e.exit();
        }
    };
    let json_errors = args.format == Format::Json;
    if let Some(kind) = args.generate {
        return generate::print(kind);
    }
    logging::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(args)) {
        Ok(code) => code,
        Err(failure) => failure.report(json_errors),
    }
}

async fn run(args: Args) -> Result<ExitCode, Failure> {
    if let Some(path) = &args.verify_audit_log {
        return audit_trail::verify_audit_log(path, &args.audit_key);
    }

    // 1. Everything that needs no I/O.
    let inputs = input::check(&args)?;
    if args.cleanup && !args.yes && !std::io::stdin().is_terminal() {
        return Err(Failure::Input(
            "--cleanup asks for confirmation at the terminal, and there is none: review a search first, then add --yes to erase without asking".into(),
        ));
    }
    if inputs.pasted_csrf_dropped {
        eprintln!(
            "note: the X-CSRF-HEADER/X-CSRF-TOKEN pair in --gws_additional_headers is not sent: the tool does its own CSRF handshake with GWS and uses the fresh token"
        );
    }
    for (index, region) in &inputs.unknown_in_region {
        eprintln!(
            "note: identifier #{}, read as {region}, is not a number of {region}'s numbering plan (fictional, mistyped, or another country's): check its region, or write it as +<country code><number>",
            index + 1
        );
    }
    if inputs.duplicates > 0 {
        eprintln!(
            "note: {} identifier(s) were the same as an earlier one once normalized; each is searched once",
            inputs.duplicates
        );
    }
    let prepared_recheck = match &args.recheck_receipt {
        Some(path) => Some(receipt::prepare_recheck(&args, &inputs, path)?),
        None => None,
    };
    // The request ledger (--case, or the case a re-checked receipt names), before anything is
    // read: a ledger that cannot be used is bad input.
    let mut ledger = requests::open_for_run(
        &args,
        &inputs,
        prepared_recheck
            .as_ref()
            .and_then(|p| p.receipt().case.as_deref()),
        prepared_recheck.as_ref().map(|p| p.audit_log()),
    )?;
    let cass_credentials = connections::cassandra_credentials(&args)?;
    if args.layout_discover {
        layout_cmd::check_output(&args)?;
        let session = connections::open_session(&args, &inputs, cass_credentials).await?;
        return layout_cmd::discover(&session, &args).await;
    }
    let gws_config = connections::gws_config(&args, &inputs)?;

    // 2. Connections and their checks; nothing is read from the settings yet.
    let session = Arc::new(connections::open_session(&args, &inputs, cass_credentials).await?);
    if args.recheck_receipt.is_some() {
        let every_copy = args.copies() == forgetme_scanner::routing::Copies::Every;
        let prepared = prepared_recheck.expect("prepared before connecting");
        let rechecked = ledger.as_ref().map(|_| prepared.receipt().clone());
        let code = receipt::run_recheck(&session, every_copy, &args, &inputs, prepared).await?;
        if let (Some(l), Some(r), Some(path)) = (&mut ledger, &rechecked, &args.recheck_receipt) {
            l.rechecked(r, path, code == ExitCode::SUCCESS);
        }
        let mut errors = Vec::new();
        requests::finish(ledger, &mut errors);
        for e in &errors {
            eprintln!("error: {e}");
        }
        return Ok(if errors.is_empty() {
            code
        } else {
            ExitCode::from(1)
        });
    }
    let layout_tables = connections::check_schema(&session, &args, &inputs).await?;
    connections::check_datacenters(&session, &args)?;
    // GWS is checked before the scan so that a wrong password or a non-admin account fails
    // in seconds, not after a long scan.
    let gws = match (gws_config, &inputs.gws) {
        (Some(cfg), _) => Some(connections::open_gws(cfg, args.cleanup).await?),
        (None, Some((url, _))) => {
            connections::check_gws_answers(&args, url).await?;
            None
        }
        (None, None) => None,
    };
    let matcher = Arc::new(Matcher::new(inputs.identifiers.clone(), inputs.region));
    // The audit log is opened (and its chain checked) before the scan, so a tampered or
    // locked log stops the run before it has done anything.
    let mut audit = match (&gws, args.cleanup && inputs.batch.is_none()) {
        (Some(client), true) => Some(audit_trail::open_audit(
            &args,
            &inputs.identifiers,
            inputs.case.as_deref(),
            client,
        )?),
        _ => None,
    };
    // A batch records each request in the ledger and, when it erases, each in its own audit
    // run: both are checked now, before anything is read (the log's chain, the ledger's
    // place and version), and opened again per request after the scan.
    if let Some(b) = &inputs.batch {
        let first = &b.requests[0];
        requests::open_for_request(
            &args,
            &first.id,
            &first.identifiers,
            first.stored_region,
            &[],
            None,
        )?;
        if args.cleanup {
            audit_trail::check_audit_log(&args)?;
        }
    }

    // 3. The scan.
    let progress = Arc::new(ScanProgress::default());
    let plan = SearchPlan {
        keyspace: &args.cass_keyspace,
        layout_tables: &layout_tables,
        group: inputs.group.as_deref(),
        deep: args.deep,
        scan_only: args.scan_only,
        // A batch keeps the values it matched: each request matches them again with its own
        // identifiers (forgetme_findings::requests::rematch).
        // A cleanup keeps them too: its confirmation says what each change will remove.
        capture_values: args.export.is_some() || inputs.batch.is_some() || args.cleanup,
        // An erasure plan allowed N settings must be able to see N settings.
        max_listed: (args.max_listed.map(|n| n as usize))
            .unwrap_or(DEFAULT_MAX_LISTED)
            .max(args.max_erase.unwrap_or(0)),
        consistency_name: args.consistency.cql_name(),
        scan: ScanOptions {
            routing: forgetme_scanner::routing::Routing {
                local_dc: args.local_dc.clone(),
                allow_remote_dc: args.allow_remote_dc,
                copies: args.copies(),
            },
            consistency: args.consistency.to_driver(),
            page_size: args.page_size,
            concurrency: args
                .concurrency
                .map(|c| c as usize)
                .unwrap_or_else(forgetme_scanner::scan::default_concurrency),
            max_rows_per_second: args
                .max_rows_per_second
                .and_then(std::num::NonZeroU32::new)
                .map(|n| Arc::new(forgetme_scanner::scan::RowRate::new(n))),
            ..ScanOptions::default()
        },
    };
    let display = progress::ProgressDisplay::start(progress.clone(), !args.no_progress);
    let outcome = search(session.clone(), &plan, matcher.clone(), progress).await;
    display.finish();
    let outcome = outcome.map_err(Failure::Run)?;
    if let Some(l) = &mut ledger {
        l.searched(&outcome);
    }
    if let Some((_, log, _)) = &mut audit {
        audit_trail::scan_complete(log, &outcome)?;
    }
    let names = match &gws {
        Some(client) => {
            let budget = std::time::Duration::from_secs(args.gws_names_budget);
            connections::user_names(client, &outcome, budget).await
        }
        None => UserNames::new(),
    };
    if let Some(b) = &inputs.batch {
        let ctx = batch::BatchContext {
            args: &args,
            inputs: &inputs,
            batch: b,
            session: &session,
            gws: gws.as_ref(),
            names: &names,
        };
        return batch::answer(&ctx, &outcome).await;
    }

    // 4. The erasure, its verification, and the receipt (which summarizes the run's audit
    //    segment, so it comes after run_end).
    let mut cleanup_done = None;
    let mut declined = false;
    // Files that could not be written: reported after the report, which is printed whatever
    // happens (it may be the only record of what was erased).
    let mut file_errors: Vec<String> = Vec::new();
    if let (Some(client), Some((key, log, started))) = (&gws, &mut audit) {
        let ctx = cleanup::CleanupContext::from_args(
            &args,
            &session,
            client,
            &matcher,
            key,
            &inputs.layout,
            &names,
        );
        // A cleanup that erased nothing still gets its receipt: that nothing was there to
        // erase is proof too (with the scan's completeness beside it).
        let erased = match cleanup::run(&ctx, log, &outcome).await? {
            CleanupRun::NotConfirmed => {
                declined = true;
                None
            }
            CleanupRun::TooLarge(size) => {
                // The report still goes out, so the operator sees what the search found.
                let printed =
                    print_report(&args, &inputs, &outcome, &names, None, false, Some(size));
                if let Err(e) = printed {
                    report_not_written(e, &mut file_errors);
                }
                requests::finish(ledger.take(), &mut file_errors);
                for e in &file_errors {
                    eprintln!("error: {e}");
                }
                return Ok(ExitCode::from(2));
            }
            CleanupRun::NothingToErase => Some((Vec::new(), Verification::default(), false)),
            CleanupRun::Done(results, verification) => Some((results, verification, true)),
        };
        if let Some((results, verification, acted)) = erased {
            let facts = receipt::run_facts(
                &args,
                started,
                client.username(),
                inputs.case.as_deref(),
                &outcome,
            );
            let path = args
                .receipt
                .clone()
                .unwrap_or_else(|| default_path(&args.audit_log, log.run_id()));
            let built = forgetme_findings::receipt::build(
                &session,
                &facts,
                log,
                key,
                &matcher,
                &results,
                &verification,
            )
            .await;
            let written = built.and_then(|r| {
                let written = receipt::write(&r, &path);
                if let (Some(l), Ok(_)) = (&mut ledger, &written) {
                    l.erased(&r, &path);
                }
                written
            });
            if let (Some(l), Err(_)) = (&mut ledger, &written) {
                l.erased_without_receipt();
            }
            match written {
                Ok(text) => eprintln!(
                    "Erasure receipt written to {} (readable copy {}).",
                    path.display(),
                    text.display()
                ),
                Err(e) => file_errors.push(format!("the erasure receipt was NOT written: {e}")),
            }
            if acted {
                cleanup_done = Some((results, verification));
            }
        }
    }

    // 5. The reports.
    if let (Some(_), true) = (&args.export, outcome.truncated()) {
        if let Some(l) = &mut ledger {
            l.exported(None, &outcome);
        }
        file_errors.push(format!(
            "the access export was NOT written: the search matched {} settings/rows and only {} are listed, so an export would be partial; narrow the search, or raise --max-listed",
            outcome.totals.settings, outcome.totals.listed_settings
        ));
    } else if let Some(path) = &args.export {
        let e = forgetme_findings::export::build(
            &args.cass_keyspace,
            &outcome,
            &inputs.identifiers,
            &names,
            &matcher,
            None,
        );
        let written = export::write(&e, path, inputs.subject_template.as_ref());
        if let Some(l) = &mut ledger {
            l.exported(written.is_ok().then_some(path.as_path()), &outcome);
        }
        match written {
            Ok(written) => {
                eprintln!(
                    "Access export written: the officer's record {} and {}; the data subject's copy {} (and {}).",
                    written.paths.json.display(),
                    written.paths.html.display(),
                    written.paths.subject_html.display(),
                    written.paths.subject_json.display()
                );
                for note in written.notes {
                    eprintln!("note: {note}");
                }
            }
            Err(e) => file_errors.push(format!("the access export was NOT written: {e}")),
        }
    }
    let printed = print_report(
        &args,
        &inputs,
        &outcome,
        &names,
        cleanup_done.as_ref(),
        declined,
        None,
    );
    if let Err(e) = printed {
        report_not_written(e, &mut file_errors);
    }
    requests::finish(ledger, &mut file_errors);
    if !file_errors.is_empty() {
        for e in &file_errors {
            eprintln!("error: {e}");
        }
        return Ok(ExitCode::from(1));
    }
    if declined {
        return Ok(ExitCode::from(failure::EXIT_DECLINED));
    }

    let cleanup_ok = cleanup_done
        .as_ref()
        .map(|(r, v)| succeeded(r, v))
        .unwrap_or(true);
    Ok(if outcome.complete() && cleanup_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// A report that could not be written to stdout. A closed stdout (`| head`: its reader has
/// what it wanted) is said on stderr and the run ends with its own status; any other failure
/// (a full disk behind a redirection) is a file that could not be written, exit 1. Either
/// way the run goes on to finish its ledger entry: its audit log and receipt are already
/// written.
fn report_not_written(e: std::io::Error, file_errors: &mut Vec<String>) {
    if e.kind() == std::io::ErrorKind::BrokenPipe {
        eprintln!(
            "note: stdout was closed before the report was written (a pipe whose reader ended, such as | head); the audit log, the receipt and the request ledger are complete"
        );
    } else {
        file_errors.push(format!("the report was NOT written to stdout: {e}"));
    }
}

/// Prints the text or JSON report on stdout.
fn print_report(
    args: &Args,
    inputs: &Inputs,
    outcome: &SearchOutcome,
    names: &UserNames,
    cleanup_done: Option<&(Vec<SettingResult>, Verification)>,
    declined: bool,
    refused: Option<PlanSize>,
) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    let written = match args.format {
        Format::Text => {
            // Rendered first, then made terminal-safe: stored data may hold control characters.
            let mut text = Vec::new();
            report::write_text(
                &mut text,
                outcome,
                &inputs.identifiers,
                names,
                std::io::stdout().is_terminal(),
            )
            .and_then(|_| match cleanup_done {
                Some((results, verification)) => {
                    cleanup::write_text(&mut text, results, verification, names, outcome.complete())
                }
                None => match refused {
                    Some(size) => writeln!(
                        text,
                        "Cleanup: REFUSED, nothing changed: the plan holds {} setting(s) of {} agent(s), more than allowed (--max-erase, --max-erase-agents).",
                        size.settings, size.agents
                    ),
                    None if declined => writeln!(
                        text,
                        "Cleanup: declined at the confirmation prompt; nothing was erased."
                    ),
                    None if args.cleanup => writeln!(text, "Cleanup: nothing to erase."),
                    None => Ok(()),
                },
            })
            .and_then(|_| {
                stdout.write_all(report::terminal_safe(&String::from_utf8_lossy(&text)).as_bytes())
            })
        }
        Format::Json => {
            let mut doc = report::to_json(outcome, &inputs.identifiers, names);
            if let Some((results, verification)) = cleanup_done {
                doc["cleanup"] = cleanup::to_json(results, verification, outcome.complete());
            } else if let Some(size) = refused {
                doc["cleanup"] = serde_json::json!({
                    "refused": "too_large",
                    "planned_settings": size.settings,
                    "planned_agents": size.agents,
                    "possible_only_settings": size.possible_only,
                    "erased": 0,
                });
            } else if args.cleanup {
                doc["cleanup"] =
                    cleanup::to_json(&[], &Verification::default(), outcome.complete());
                if declined {
                    doc["cleanup"]["declined"] = serde_json::Value::Bool(true);
                }
            }
            serde_json::to_writer_pretty(&mut stdout, &doc)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(stdout))
        }
    };
    written.and_then(|_| stdout.flush())
}
