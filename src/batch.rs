//! `--requests FILE --out DIR`: after the batch's one search, each request is answered on its
//! own, into its own folder: its report, its access export (the officer's record and the
//! subject's copy), its erasure with its own audit run and receipt, and a summary. Every file
//! of a request is built from that request's share of the search
//! ([`forgetme_findings::requests::split_outcome`]) and cut with its own identifiers, so one
//! person's data never reaches another request's folder.

use std::path::Path;
use std::process::ExitCode;

use forgetme_findings::erasure_plan::{succeeded, tally};
use forgetme_findings::requests::{rematch, split_outcome, Request, RequestAction};
use forgetme_findings::SearchOutcome;
use forgetme_scanner::Session;
use gws_client::GwsClient;
use serde_json::json;

use crate::args::{Args, Format};
use crate::cleanup::{self, CleanupRun};
use crate::failure::{self, Failure};
use crate::files::{sync_filesystem, write_new_unsynced};
use crate::input::{Batch, Inputs};
use crate::report::{self, UserNames};
use crate::{audit_trail, export, receipt, requests};

/// What happened to one request, for the batch's closing table and its exit status.
struct Answered {
    id: String,
    /// The request's folder name under `--out`.
    folder: String,
    action: RequestAction,
    settings: u64,
    agents: u64,
    complete: bool,
    export: Option<bool>,
    erasure: Option<String>,
    ok: bool,
    declined: bool,
}

/// Everything the requests share.
pub struct BatchContext<'a> {
    pub args: &'a Args,
    pub inputs: &'a Inputs,
    pub batch: &'a Batch,
    pub session: &'a Session,
    pub gws: Option<&'a GwsClient>,
    pub names: &'a UserNames,
}

/// Answers every request of the batch from the one search, then prints one line per request.
/// Exit 0 when every request was answered completely (and every erasure verified), 1 when a
/// search was incomplete or a file or an erasure failed, 3 when an erasure was declined.
pub async fn answer(ctx: &BatchContext<'_>, outcome: &SearchOutcome) -> Result<ExitCode, Failure> {
    let parts =
        split_outcome(outcome, &ctx.batch.owner, ctx.batch.requests.len()).map_err(Failure::Run)?;
    std::fs::create_dir_all(&ctx.batch.out)
        .map_err(|e| Failure::Run(format!("--out {}: {e}", ctx.batch.out.display())))?;
    // One ledger and one audit key for the whole batch; its records are written in one
    // transaction at the end.
    let book = requests::BatchLedger::open(ctx.args)?;
    let mut answered = Vec::with_capacity(parts.len());
    let mut records = Vec::with_capacity(parts.len());
    for (request, part) in ctx.batch.requests.iter().zip(parts) {
        let (a, record) = answer_one(ctx, &book, request, part).await?;
        answered.push(a);
        records.push(record);
    }
    let mut batch_errors = Vec::new();
    if let Err(e) = book.finish(records) {
        batch_errors.push(e);
    }
    // The answers were written unsynced: one flush makes them all durable before the batch
    // says they are there.
    if let Err(e) = sync_filesystem(&ctx.batch.out) {
        batch_errors.push(format!("the answers could not be flushed to disk: {e}"));
    }
    match ctx.args.format {
        Format::Text => print_table(&answered, &ctx.batch.out),
        Format::Json => print_json(&answered, &ctx.batch.out),
    }
    for e in &batch_errors {
        eprintln!("error: {e}");
    }
    if !batch_errors.is_empty() {
        return Ok(ExitCode::from(1));
    }
    let declined = answered.iter().any(|a| a.declined);
    Ok(if answered.iter().all(|a| a.ok) {
        ExitCode::SUCCESS
    } else if declined && answered.iter().all(|a| a.ok || a.declined) {
        ExitCode::from(failure::EXIT_DECLINED)
    } else {
        ExitCode::from(1)
    })
}

async fn answer_one(
    ctx: &BatchContext<'_>,
    book: &requests::BatchLedger,
    request: &Request,
    part: SearchOutcome,
) -> Result<(Answered, requests::RunLedger), Failure> {
    let args = ctx.args;
    let folder = ctx.batch.out.join(&request.folder);
    // Its own identifiers; stored numbers read with the run's --default-region, never with
    // the request's region (which read its identifiers only).
    let matcher = request.matcher();
    // Checked before the folder is made: a folder whose path holds an identifier is refused.
    let mut ledger = book.request(&request.id, &matcher, &[("--out", &Some(folder.clone()))])?;
    // A new folder, never an existing one: an earlier batch's answers stay as they were.
    std::fs::create_dir(&folder).map_err(|e| {
        Failure::Run(format!(
            "request {}: cannot create its folder {}: {e}",
            request.id,
            folder.display()
        ))
    })?;
    // The request's own hits, with their paths, from the values the search captured.
    let part = &rematch(part, &matcher);
    let mut errors: Vec<String> = Vec::new();
    let export_path = request.action.exports().then(|| folder.join("export.json"));
    if let Some(received) = &request.received {
        if let Err(e) = ledger.note_received(received) {
            errors.push(format!(
                "the received date was not recorded in the ledger: {e}"
            ));
        }
    }
    ledger.searched(part);

    // The report, as --format json prints it, for this request's identifiers only: it goes
    // into the summary, one file per request (a batch's time is mostly its files).
    let report = report::to_json(part, &request.identifiers, ctx.names);

    // The other requests' identifiers: a record shared with one of them is never erased for
    // this request alone (it needs review, in both requests' answers), nor shown in either
    // request's export.
    let others = forgetme_matcher::Matcher::new(
        ctx.batch
            .requests
            .iter()
            .filter(|r| r.id != request.id)
            .flat_map(|r| r.identifiers.iter().cloned())
            .collect(),
        matcher.default_region(),
    );
    let mut export_written = None;
    if let Some(path) = &export_path {
        let e = forgetme_findings::export::build(
            &args.cass_keyspace,
            part,
            &request.identifiers,
            ctx.names,
            &matcher,
            Some(&others),
        );
        let written = export::write(&e, path, ctx.inputs.subject_template.as_ref());
        ledger.exported(written.is_ok().then_some(path.as_path()), part);
        match written {
            Ok(w) => {
                for note in w.notes {
                    eprintln!("note: request {}: {note}", request.id);
                }
                export_written = Some(true);
            }
            Err(e) => {
                errors.push(format!("the access export was NOT written: {e}"));
                export_written = Some(false);
            }
        }
    }

    let mut erasure = None;
    let mut erased_ok = true;
    let mut declined = false;
    if request.action == RequestAction::Erase && args.cleanup {
        let gws = ctx.gws.expect("input checks: --cleanup needs --gws");
        let (key, mut log, started) =
            audit_trail::open_audit(args, &request.identifiers, Some(&request.id), gws)?;
        audit_trail::scan_complete(&mut log, part)?;
        let mut cctx = cleanup::CleanupContext::from_args(
            args,
            ctx.session,
            gws,
            &matcher,
            &key,
            &ctx.inputs.layout,
            ctx.names,
        );
        cctx.other_requests = (!others.identifiers().is_empty()).then_some(&others);
        let done = match cleanup::run(&cctx, &mut log, part).await? {
            CleanupRun::NotConfirmed => {
                declined = true;
                erasure = Some("declined".to_string());
                ledger.erasure_not_run("declined at the prompt");
                None
            }
            CleanupRun::TooLarge(size) => {
                erased_ok = false;
                erasure = Some(format!("REFUSED: {}", size.describe()));
                ledger.erasure_not_run("the plan was refused as too large");
                None
            }
            CleanupRun::NothingToErase => Some((Vec::new(), Default::default())),
            CleanupRun::Done(results, verification) => Some((results, verification)),
        };
        if let Some((results, verification)) = done {
            let mut left_stored = 0;
            let facts = receipt::run_facts(args, &started, gws.username(), Some(&request.id), part);
            let path = folder.join("receipt.json");
            let written = forgetme_findings::receipt::build(
                ctx.session,
                &facts,
                &log,
                &key,
                &matcher,
                &results,
                &verification,
            )
            .await
            .and_then(|r| {
                left_stored = r.left_stored.len();
                let w = receipt::write(&r, &path, &started.signer);
                if w.is_ok() {
                    ledger.erased(&r, &path);
                }
                w
            });
            if let Err(e) = written {
                ledger.erased_without_receipt();
                errors.push(format!("the erasure receipt was NOT written: {e}"));
            }
            let t = tally(&results);
            // Matched settings the erasure could not touch (corporate favorites, possible
            // matches) still hold the subject: the request is not answered yet.
            erased_ok = succeeded(&results, &verification) && left_stored == 0;
            let mut text = Vec::new();
            let _ = cleanup::write_text(
                &mut text,
                &results,
                &verification,
                ctx.names,
                part.complete(),
            );
            write_bytes(
                &folder.join("erasure.txt"),
                report::terminal_safe(&String::from_utf8_lossy(&text)).as_bytes(),
                &mut errors,
            );
            erasure = Some(format!(
                "{} erased, {} not erased, {} failed; {}{}",
                t.erased,
                t.not_erased + t.claimed_still_stored,
                t.failed,
                if forgetme_findings::erasure_plan::erasure_verified(
                    &results,
                    &verification,
                    part.complete(),
                ) {
                    "verified"
                } else {
                    "NOT verified"
                },
                if left_stored > 0 {
                    format!("; {left_stored} matched setting(s) still hold an identifier (see the receipt: who must act)")
                } else {
                    String::new()
                }
            ));
        }
    } else if request.action == RequestAction::Erase {
        // An erasure request is answered by its erasure: its export alone does not answer it.
        erased_ok = false;
        erasure = Some("not run: add --cleanup true to erase".to_string());
        ledger.erasure_not_run("the batch ran without --cleanup true");
    }

    let complete = part.complete();
    let summary = json!({
        "request": request.id,
        "line": request.line,
        "action": request.action,
        "received": request.received,
        "identifiers": request.identifiers.len(),
        "search": {
            "complete": complete,
            "rows": part.rows,
            "unread_ranges": part.failed.len(),
            "settings": part.totals.settings,
            "agents": part.totals.agents,
            "statement": part.coverage.sentence(),
        },
        "export": export_path.as_ref().map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())),
        "erasure": erasure,
        "errors": errors,
        "report": report,
    });
    write_json(&folder.join("summary.json"), &summary, &mut errors);
    for e in &errors {
        eprintln!("error: request {}: {e}", request.id);
    }
    let ok = complete && errors.is_empty() && erased_ok && !declined;
    Ok((
        Answered {
            id: request.id.clone(),
            folder: request.folder.clone(),
            action: request.action,
            settings: part.totals.settings,
            agents: part.totals.agents,
            complete,
            export: export_written,
            erasure,
            ok,
            declined,
        },
        ledger,
    ))
}

fn write_json(path: &Path, value: &serde_json::Value, errors: &mut Vec<String>) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => write_bytes(path, text.as_bytes(), errors),
        Err(e) => errors.push(format!("{}: {e}", path.display())),
    }
}

/// A new file of the request's new folder, flushed with the others at the end of the batch.
fn write_bytes(path: &Path, bytes: &[u8], errors: &mut Vec<String>) {
    if let Err(e) = write_new_unsynced(path, bytes) {
        errors.push(format!("{} was NOT written: {e}", path.display()));
    }
}

/// `--format json`: what [`print_table`] says, as one JSON document on stdout (no
/// identifier either).
fn print_json(answered: &[Answered], out: &Path) {
    let requests: Vec<serde_json::Value> = answered
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "action": a.action,
                "settings": a.settings,
                "agents": a.agents,
                "complete": a.complete,
                "export_written": a.export,
                "erasure": a.erasure,
                "answered": a.ok,
                "declined": a.declined,
                "folder": out.join(&a.folder).display().to_string(),
            })
        })
        .collect();
    let not_answered = answered.iter().filter(|a| !a.ok).count();
    let doc = json!({
        "out": out.display().to_string(),
        "requests": requests,
        "answered": answered.len() - not_answered,
        "not_answered": not_answered,
    });
    println!("{doc:#}");
}

/// One line per request on stdout: no identifier, only the request id and counts.
fn print_table(answered: &[Answered], out: &Path) {
    println!("Requests answered into {}:", out.display());
    for a in answered {
        let export = match a.export {
            None => "",
            Some(true) => "  export written",
            Some(false) => "  export NOT written",
        };
        let erasure = a
            .erasure
            .as_deref()
            .map(|e| format!("  erasure: {e}"))
            .unwrap_or_default();
        let line = format!(
            "  {}  {}  {} setting(s) of {} agent(s)  {}{export}{erasure}",
            a.id,
            a.action.as_str(),
            a.settings,
            a.agents,
            if a.complete { "complete" } else { "INCOMPLETE" },
        );
        println!("{}", report::terminal_safe(&line));
    }
    let failed = answered.iter().filter(|a| !a.ok).count();
    println!(
        "{} request(s): {} answered completely, {} not (see above and each request's summary.json).",
        answered.len(),
        answered.len() - failed,
        failed
    );
}
