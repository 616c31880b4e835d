//! The command line's modes, one short function each: a search (single request or batch),
//! a receipt's re-check and a layout's discovery. Each turns the checked arguments into the
//! library's values, connects, and hands the work to the request engine
//! (`forgetme_engine`); printing is `forgetme_printer`'s.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use forgetme_engine::audit_trail::{self, AuditPlace, AuditSession};
use forgetme_engine::connect;
use forgetme_engine::erasure::ErasurePolicy;
use forgetme_engine::request::{self, Answer, Engine, ReceiptPlace, Request};
use forgetme_engine::{batch, Failure, RunSettings};
use forgetme_findings::erasure_plan::{DEFAULT_MAX_AGENTS, DEFAULT_MAX_SETTINGS};
use forgetme_findings::{search as scan_keyspace, SearchOutcome, SearchPlan, DEFAULT_MAX_LISTED};
use forgetme_matcher::{ErasureOptions, Matcher};
use forgetme_printer::run_report::RunReport;
use forgetme_printer::{batch_table, UserNames};
use forgetme_scanner::scan::{ScanOptions, ScanProgress};
use forgetme_scanner::Session;
use gws_client::GwsClient;

use crate::args::{Args, EraseMode, Format};
use crate::input::Inputs;
use crate::{connections, layout_cmd, prompt, receipt, requests};

/// A search: checks everything that needs no I/O, connects, scans once, and answers the one
/// request or every request of the batch.
pub async fn search(args: Args) -> Result<ExitCode, Failure> {
    let inputs = crate::input::check(&args)?;
    if args.cleanup && !args.yes && !std::io::stdin().is_terminal() {
        return Err(Failure::Input(
            "--cleanup asks for confirmation at the terminal, and there is none: review a search first, then add --yes to erase without asking".into(),
        ));
    }
    eprint!(
        "{}",
        forgetme_printer::report::input_notes(
            inputs.pasted_csrf_dropped,
            &inputs.unknown_in_region,
            inputs.duplicates
        )
    );
    // One audit key and ledger per user unless chosen otherwise, checked before anything.
    crate::places::check(&args)?;
    let prepared_recheck = match &args.recheck_receipt {
        Some(path) => Some(receipt::prepare(&args, &inputs, path)?),
        None => None,
    };
    // The request ledger (--case, or the case a re-checked receipt names), before anything is
    // read: a ledger that cannot be used is bad input.
    let ledger = requests::open_for_run(
        &args,
        &inputs,
        prepared_recheck
            .as_ref()
            .and_then(|p| p.receipt().case.as_deref()),
        prepared_recheck.as_ref().map(|p| p.audit_log()),
    )?;
    // A batch whose request is closed in the ledger stops here, before anything is read.
    forgetme_engine::batch::check_batch_open(
        &requests::ledger_place(&args),
        inputs.batch.as_ref(),
    )?;
    let cass_credentials = connections::cassandra_credentials(&args)?;
    if args.layout_discover {
        layout_cmd::check_output(&args)?;
        let session = connections::open_session(&args, &inputs, cass_credentials).await?;
        return layout_cmd::discover(&session, &args).await;
    }
    // The GWS password is read (or refused) before anything is connected.
    let gws_config = connections::gws_config(&args, &inputs)?;
    let session = Arc::new(connections::open_session(&args, &inputs, cass_credentials).await?);
    if let Some(prepared) = prepared_recheck {
        return receipt::recheck_mode(&session, &args, &inputs, prepared, ledger).await;
    }
    let layout_tables = connect::check_schema(
        &session,
        &args.cass_keyspace,
        &inputs.layout,
        args.deep,
        inputs.group.as_deref(),
    )
    .await?;
    connect::check_datacenters(&session, args.local_dc.as_deref(), args.copies())?;
    let (gws, mut audit) = open_gws_and_audit(&args, &inputs, gws_config).await?;
    let outcome = scan(&args, &inputs, &session, &layout_tables).await?;
    let budget = std::time::Duration::from_secs(args.gws_names_budget);
    let names = forgetme_engine::names::user_names(gws.as_ref(), &outcome, budget).await;
    let settings = run_settings(&args, gws.as_ref());
    let confirm = prompt::confirm_at_terminal;
    let engine = Engine {
        settings: &settings,
        session: &*session,
        gws: gws.as_ref(),
        layout: &inputs.layout,
        names: &names,
        templates: &inputs.subject_templates,
        confirm: &confirm,
    };
    match &inputs.batch {
        Some(b) => answer_batch(&args, &engine, b, &outcome, audit.as_mut()).await,
        None => answer_single(&args, &inputs, &engine, &outcome, audit.as_mut(), ledger).await,
    }
}

/// GWS (checked before the scan, so that a wrong password or a non-admin account fails in
/// seconds, not after a long scan) and, when the run erases, the audit log.
async fn open_gws_and_audit(
    args: &Args,
    inputs: &Inputs,
    gws_config: Option<gws_client::GwsConfig>,
) -> Result<(Option<GwsClient>, Option<AuditSession>), Failure> {
    let gws = match (gws_config, &inputs.gws) {
        (Some(cfg), _) => Some(connect::open_gws(cfg, args.cleanup).await?),
        (None, Some(target)) => {
            connect::check_gws_answers(&target.url, &args.gws_transport()).await?;
            None
        }
        (None, None) => None,
    };
    // The audit log is opened (and its chain checked) once, before the scan, so a tampered
    // or locked log stops the run before it has done anything; a batch's requests are runs
    // of their own in it.
    let audit = match (&gws, args.cleanup) {
        (Some(_), true) => Some(audit_trail::open(&AuditPlace {
            log: args.audit_log.clone(),
            key: args.audit_key.clone(),
        })?),
        _ => None,
    };
    if let Some(b) = &inputs.batch {
        // The batch's ledger place is checked now too, before anything is read.
        let first = &b.requests[0];
        forgetme_engine::ledger::open_for_request(
            &requests::ledger_place(args),
            &first.id,
            // The place only: the request's own run gives its type (and any note on it).
            None,
            &first.identifiers,
            first.stored_region,
            &[],
            None,
        )?;
    }
    Ok((gws, audit))
}

/// The command line's settings as the engine takes them.
fn run_settings(args: &Args, gws: Option<&GwsClient>) -> RunSettings {
    RunSettings {
        keyspace: args.cass_keyspace.clone(),
        verify_consistency: args.verify_consistency.level(),
        local_dc: args.local_dc.clone(),
        erase: args.cleanup,
        policy: ErasurePolicy {
            yes: args.yes,
            options: ErasureOptions {
                force_whole_setting: args.erase == EraseMode::Setting,
                erase_possible: args.erase_possible_matches,
            },
            verify_consistency: args.verify_consistency.to_driver(),
            max_settings: args.max_erase.unwrap_or(DEFAULT_MAX_SETTINGS),
            max_agents: args.max_erase_agents.unwrap_or(DEFAULT_MAX_AGENTS),
        },
        audit_arguments: forgetme_audit::contract::RunArguments {
            cass_keyspace: args.cass_keyspace.clone(),
            cass_hostname: args.cass_hostname.clone(),
            cass_port: args.cass_port,
            group_name: args.group_name.clone(),
            layout: args.layout.as_ref().map(|p| p.display().to_string()),
            deep: args.deep,
            erase: format!("{:?}", args.erase).to_lowercase(),
            gws: gws
                .map(|g| g.base_url().as_str().into())
                .unwrap_or_default(),
            default_region: args.default_region.clone(),
            identifiers: 0,
        },
    }
}

/// The one scan of the run, with its progress display.
async fn scan(
    args: &Args,
    inputs: &Inputs,
    session: &Arc<Session>,
    layout_tables: &[forgetme_scanner::layout::TableLayout],
) -> Result<SearchOutcome, Failure> {
    let progress = Arc::new(ScanProgress::default());
    let plan = SearchPlan {
        keyspace: &args.cass_keyspace,
        layout_tables,
        group: inputs.group.as_deref(),
        deep: args.deep,
        scan_only: args.scan_only,
        // A batch keeps the values it matched: each request matches them again with its own
        // identifiers (forgetme_findings::requests::rematch). A cleanup keeps them too: its
        // confirmation says what each change will remove.
        capture_values: args.export.is_some() || inputs.batch.is_some() || args.cleanup,
        // An erasure plan allowed N settings must be able to see N settings.
        max_listed: (args.max_listed.map(|n| n as usize))
            .unwrap_or(DEFAULT_MAX_LISTED)
            .max(args.max_erase.unwrap_or(0)),
        consistency: args.consistency.level(),
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
    let matcher = Arc::new(Matcher::new(inputs.identifiers.clone(), inputs.region));
    let display =
        forgetme_printer::progress::ProgressDisplay::start(progress.clone(), !args.no_progress);
    let outcome = scan_keyspace(session.clone(), &plan, matcher, progress).await;
    display.finish();
    outcome.map_err(Failure::Run)
}

/// A batch: every request answered by the engine, then the table.
async fn answer_batch(
    args: &Args,
    engine: &Engine<'_>,
    b: &batch::Batch,
    outcome: &SearchOutcome,
    audit: Option<&mut AuditSession>,
) -> Result<ExitCode, Failure> {
    let place = requests::ledger_place(args);
    let answered = batch::answer(engine, b, &place, outcome, audit).await?;
    match args.format {
        Format::Text => {
            let mut text = Vec::new();
            let _ = batch_table::write_text(&mut text, &answered.lines, &b.out);
            print!("{}", String::from_utf8_lossy(&text));
        }
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&batch_table::BatchTable::new(&answered.lines, &b.out))
                .expect("the batch table serializes")
        ),
    }
    for e in &answered.errors {
        eprintln!("error: {e}");
    }
    Ok(ExitCode::from(answered.exit_code()))
}

/// A single run: the one request answered by the engine, then its report on stdout.
async fn answer_single(
    args: &Args,
    inputs: &Inputs,
    engine: &Engine<'_>,
    outcome: &SearchOutcome,
    audit: Option<&mut AuditSession>,
    mut ledger: Option<forgetme_engine::ledger::RunLedger>,
) -> Result<ExitCode, Failure> {
    let matcher = Matcher::new(inputs.identifiers.clone(), inputs.region);
    let spec = Request {
        case: inputs.case.as_ref(),
        matcher: &matcher,
        others: None,
        export: args.export.clone(),
        language: args.language,
        erase: args.cleanup,
        receipt: match &args.receipt {
            Some(p) => ReceiptPlace::At(p.clone()),
            None => ReceiptPlace::BesideAuditLog(args.audit_log.clone()),
        },
    };
    let answer = request::answer(engine, &spec, outcome, audit, ledger.as_mut()).await?;
    for line in answer.files_written() {
        eprintln!("{line}");
    }
    // Files that could not be written are reported after the report, which is printed
    // whatever happens (it may be the only record of what was erased).
    let mut file_errors = answer.file_errors();
    if let Err(e) = print_report(args, inputs, outcome, engine.names, &answer) {
        report_not_written(e, &mut file_errors);
    }
    forgetme_engine::ledger::finish(ledger, &mut file_errors);
    for e in &file_errors {
        eprintln!("error: {e}");
    }
    Ok(ExitCode::from(match answer.exit_code() {
        0 if !file_errors.is_empty() => 1,
        code => code,
    }))
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

/// Prints the text or JSON report of a single run on stdout.
fn print_report(
    args: &Args,
    inputs: &Inputs,
    outcome: &SearchOutcome,
    names: &UserNames,
    answer: &Answer,
) -> std::io::Result<()> {
    let report = RunReport {
        outcome,
        identifiers: &inputs.identifiers,
        names,
        cleanup: answer.cleanup(),
    };
    let json = args.format == Format::Json;
    report.write(
        &mut std::io::stdout().lock(),
        json,
        std::io::stdout().is_terminal(),
    )
}
