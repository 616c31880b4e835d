//! `gdpr_forget_me`: the command-line tool. Thin by design: it parses arguments, checks them,
//! wires the library crates together (scanner, matcher, GWS client) and prints.
//!
//! Exit codes: 0 the run completed; 1 the scan was incomplete or something failed; 2 bad
//! input, refused before anything was read or changed.

mod args;
mod audit_trail;
mod cleanup;
mod connections;
mod export;
mod failure;
mod generate;
mod input;
mod progress;
mod receipt;
mod report;
mod search;
mod secrets;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use forgetme_cleanup::{SettingResult, Verification};
use forgetme_matcher::{ErasureOptions, Matcher};
use forgetme_scanner::scan::{ScanOptions, ScanProgress};

use crate::args::{Args, EraseMode, Format};
use crate::cleanup::CleanupRun;
use crate::failure::Failure;
use crate::input::Inputs;
use crate::report::UserNames;
use crate::search::{search, SearchOutcome, SearchPlan};

fn main() -> ExitCode {
    let args = Args::parse();
    if let Some(kind) = args.generate {
        return generate::print(kind);
    }
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GDPR_FORGET_ME_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(args)) {
        Ok(code) => code,
        Err(Failure::Input(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Run(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

async fn run(args: Args) -> Result<ExitCode, Failure> {
    if let Some(path) = &args.verify_audit_log {
        return audit_trail::verify_audit_log(path);
    }

    // 1. Everything that needs no I/O.
    let inputs = input::check(&args)?;
    if args.cleanup && !args.yes && !std::io::stdin().is_terminal() {
        return Err(Failure::Input(
            "--cleanup asks for confirmation at the terminal, and there is none: review a search first, then add --yes to erase without asking".into(),
        ));
    }
    if inputs.duplicates > 0 {
        eprintln!(
            "note: {} identifier(s) were the same as an earlier one once normalized; each is searched once",
            inputs.duplicates
        );
    }
    let cass_credentials = connections::cassandra_credentials(&args)?;
    let gws_config = connections::gws_config(&args, &inputs)?;

    // 2. Connections and their checks; nothing is read from the settings yet.
    let session = Arc::new(connections::open_session(&args, &inputs, cass_credentials).await?);
    if let Some(path) = &args.recheck_receipt {
        return receipt::run_recheck(&session, &args, &inputs, path).await;
    }
    connections::check_schema(&session, &args, &inputs).await?;
    // GWS is checked before the scan so that a wrong password or a non-admin account fails
    // in seconds, not after a long scan.
    let gws = match gws_config {
        Some(cfg) => Some(connections::open_gws(cfg, args.cleanup).await?),
        None => None,
    };
    let matcher = Arc::new(Matcher::new(inputs.identifiers.clone(), inputs.region));
    // The audit log is opened (and its chain checked) before the scan, so a tampered or
    // locked log stops the run before it has done anything.
    let mut audit = match (&gws, args.cleanup) {
        (Some(client), true) => Some(audit_trail::open_audit(&args, &inputs, client)?),
        _ => None,
    };

    // 3. The scan.
    let progress = Arc::new(ScanProgress::default());
    let plan = SearchPlan {
        keyspace: &args.cass_keyspace,
        layout_tables: &inputs.layout.tables,
        group: inputs.group.as_deref(),
        deep: args.deep,
        scan_only: args.scan_only,
        capture_values: args.export.is_some(),
        scan: ScanOptions {
            consistency: args.consistency.to_driver(),
            page_size: args.page_size,
            concurrency: args
                .concurrency
                .map(|c| c as usize)
                .unwrap_or_else(forgetme_scanner::scan::default_concurrency),
            ..ScanOptions::default()
        },
    };
    let display = progress::ProgressDisplay::start(progress.clone(), !args.no_progress);
    let outcome = search(session.clone(), &plan, matcher.clone(), progress).await;
    display.finish();
    let outcome = outcome.map_err(Failure::Run)?;
    if let Some((_, log, _)) = &mut audit {
        audit_trail::scan_complete(log, &outcome)?;
    }
    let names = match &gws {
        Some(client) => connections::user_names(client, &outcome).await,
        None => UserNames::new(),
    };

    // 4. The erasure, its verification, and the receipt (which summarizes the run's audit
    //    segment, so it comes after run_end).
    let mut cleanup_done = None;
    if let (Some(client), Some((key, log, started))) = (&gws, &mut audit) {
        let ctx = cleanup::CleanupContext {
            session: &session,
            gws: client,
            matcher: &matcher,
            key,
            layout: &inputs.layout,
            names: &names,
            yes: args.yes,
            options: ErasureOptions {
                force_whole_setting: args.erase == EraseMode::Setting,
            },
            verify_consistency: args.verify_consistency.to_driver(),
        };
        match cleanup::run(&ctx, log, &outcome).await? {
            CleanupRun::NotConfirmed => return Ok(ExitCode::SUCCESS),
            CleanupRun::NothingToErase => {}
            CleanupRun::Done(results, verification) => {
                let facts = receipt::RunFacts {
                    started_at: started.0.clone(),
                    first_seq: started.1,
                    operator: client.username().to_string(),
                    keyspace: args.cass_keyspace.clone(),
                    consistency: format!("{:?}", args.verify_consistency).to_uppercase(),
                };
                let r = receipt::build(
                    &session,
                    &facts,
                    log,
                    key,
                    &matcher,
                    &results,
                    &verification,
                )
                .await
                .map_err(Failure::Run)?;
                let path = args
                    .receipt
                    .clone()
                    .unwrap_or_else(|| receipt::default_path(&args.audit_log, log.run_id()));
                let text = receipt::write(&r, &path).map_err(Failure::Run)?;
                eprintln!(
                    "Erasure receipt written to {} (readable copy {}).",
                    path.display(),
                    text.display()
                );
                cleanup_done = Some((results, verification));
            }
        }
    }

    // 5. The reports.
    if let Some(path) = &args.export {
        let e = export::build(&args.cass_keyspace, &outcome, &inputs.identifiers, &names);
        let html = export::write(&e, path).map_err(Failure::Run)?;
        eprintln!(
            "Access export written to {} and {}.",
            path.display(),
            html.display()
        );
    }
    print_report(&args, &inputs, &outcome, &names, cleanup_done.as_ref())?;

    let cleanup_ok = cleanup_done
        .as_ref()
        .map(|(r, v)| cleanup::tally(r).failed == 0 && v.verified())
        .unwrap_or(true);
    Ok(if outcome.complete() && cleanup_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Prints the text or JSON report on stdout.
fn print_report(
    args: &Args,
    inputs: &Inputs,
    outcome: &SearchOutcome,
    names: &UserNames,
    cleanup_done: Option<&(Vec<SettingResult>, Verification)>,
) -> Result<(), Failure> {
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
                    cleanup::write_text(&mut text, results, verification, names)
                }
                None if args.cleanup => writeln!(text, "Cleanup: nothing to erase."),
                None => Ok(()),
            })
            .and_then(|_| {
                stdout.write_all(report::terminal_safe(&String::from_utf8_lossy(&text)).as_bytes())
            })
        }
        Format::Json => {
            let mut doc = report::to_json(outcome, &inputs.identifiers, names);
            if let Some((results, verification)) = cleanup_done {
                doc["cleanup"] = cleanup::to_json(results, verification);
            } else if args.cleanup {
                doc["cleanup"] = cleanup::to_json(&[], &Verification::default());
            }
            serde_json::to_writer_pretty(&mut stdout, &doc)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(stdout))
        }
    };
    written.map_err(|e| Failure::Run(format!("cannot write the report: {e}")))
}
