//! `--requests FILE --out DIR`: after the batch's one search, each request is answered by the
//! request engine ([`crate::request::answer`]), into its own folder: its report, its access
//! export (the officer's record and the subject's copy), its erasure with its own audit run
//! and receipt, and a summary. Every file of a request is built from that request's share of
//! the search ([`forgetme_findings::requests::split_outcome`]) and cut with its own
//! identifiers, so one person's data never reaches another request's folder.

use std::path::{Path, PathBuf};

use forgetme_cleanup::{SettingsApi, SettingsStore};
use forgetme_findings::receipt::DiskFacts;
use forgetme_findings::requests::{rematch, split_outcome, Request as BatchRequest};
use forgetme_findings::SearchOutcome;
use forgetme_matcher::{Identifier, Matcher};
use forgetme_printer::batch_table::RequestLine;
use forgetme_printer::request_summary::{RequestSummary, SearchSummary};
use forgetme_printer::search_json::SearchReport;
use forgetme_printer::{erasure_report, report};

use crate::audit_trail::AuditSession;
use crate::failure::{Failure, InputError};
use crate::files::{read_text_limited, sync_filesystem, write_new_unsynced};
use crate::ledger::{kind_of_action, BatchLedger, LedgerPlace, RunLedger};
use crate::request::{self, Engine, Erasure, ReceiptPlace, Request};

/// A checked batch of requests (`--requests`, `--out`).
#[derive(Debug)]
pub struct Batch {
    /// The requests, in file order.
    pub requests: Vec<BatchRequest>,
    /// For each identifier of the batch's one search: its request and its index there.
    pub owner: Vec<(usize, usize)>,
    /// Every request's identifiers, in request order.
    pub identifiers: Vec<Identifier>,
    /// `--out`: each request's folder is created under it.
    pub out: PathBuf,
}

/// Largest request file read.
const MAX_REQUESTS_FILE: u64 = 16 * 1024 * 1024;

impl Batch {
    /// Reads and checks `--requests FILE` and `--out DIR`: every line, and that no request's
    /// folder exists yet (an earlier batch's answers are never overwritten).
    pub fn read(
        path: &Path,
        out: PathBuf,
        region: Option<forgetme_matcher::Region>,
        allow_text: bool,
    ) -> Result<Batch, InputError> {
        use forgetme_findings::requests::{batch_identifiers, parse_requests, RequestFormat};
        let shown = path.display().to_string();
        let text = read_text_limited(path, MAX_REQUESTS_FILE, &format!("--requests {shown}"))?;
        let format = RequestFormat::detect(&shown, &text);
        let requests = parse_requests(&text, format, region, allow_text).map_err(|errors| {
            let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
            InputError::new(format!(
                "--requests {shown}: {} bad line(s), nothing was read or changed; fix them and run again (docs/requests.md):\n{}",
                errors.len(),
                lines.join("\n")
            ))
        })?;
        match std::fs::symlink_metadata(&out) {
            Ok(m) if !m.is_dir() => {
                return Err(InputError::new(format!(
                    "--out {}: not a folder (a symbolic link is refused too); give a folder for the batch's answers",
                    out.display()
                )))
            }
            _ => {}
        }
        for r in &requests {
            let folder = out.join(&r.folder);
            if std::fs::symlink_metadata(&folder).is_ok() {
                return Err(InputError::new(format!(
                    "--out {}: the folder of request {} (line {}) exists already; an earlier answer is never overwritten: use a new --out folder",
                    out.display(),
                    r.id,
                    r.line
                )));
            }
        }
        let (identifiers, owner) = batch_identifiers(&requests);
        Ok(Batch {
            requests,
            owner,
            identifiers,
            out,
        })
    }

    /// The language of each request's copy that is written, with where it was asked for
    /// (for a message about a missing template).
    pub fn export_languages(&self) -> Vec<(forgetme_access_export::words::Language, String)> {
        self.requests
            .iter()
            .filter(|r| r.action.exports())
            .map(|r| (r.language, format!("request {} (line {})", r.id, r.line)))
            .collect()
    }
}

/// What a batch did: a line per request, and what went wrong for the batch as a whole.
pub struct BatchAnswer {
    /// One line per request, in file order.
    pub lines: Vec<RequestLine>,
    /// The exit status of each request, in file order ([`request::Answer::exit_code`]).
    pub codes: Vec<u8>,
    /// Failures of the batch itself (the ledger, flushing the answers).
    pub errors: Vec<String>,
}

impl BatchAnswer {
    /// 0 when every request was answered completely; otherwise the most serious request's
    /// status: 1 (a failure or an incomplete search) before 2 (a plan refused as too large)
    /// before 3 (declined). A request's status is what a single run of it would exit with.
    pub fn exit_code(&self) -> u8 {
        if !self.errors.is_empty() {
            return 1;
        }
        [1, 2, crate::EXIT_DECLINED]
            .into_iter()
            .find(|c| self.codes.contains(c))
            .unwrap_or(0)
    }
}

/// Answers every request of the batch from the one search. `audit` is the batch's audit log,
/// open (its chain checked once) when the batch erases: each erasure request is a run of its
/// own in it.
pub async fn answer<G, S>(
    engine: &Engine<'_, G, S>,
    batch: &Batch,
    ledger_place: &LedgerPlace,
    outcome: &SearchOutcome,
    mut audit: Option<&mut AuditSession>,
) -> Result<BatchAnswer, Failure>
where
    G: SettingsApi,
    S: SettingsStore + DiskFacts,
{
    let parts = split_outcome(outcome, &batch.owner, batch.requests.len()).map_err(Failure::Run)?;
    std::fs::create_dir_all(&batch.out)
        .map_err(|e| Failure::Run(format!("--out {}: {e}", batch.out.display())))?;
    // One ledger and one audit key for the whole batch; its records are written in one
    // transaction at the end.
    let book = BatchLedger::open(ledger_place)?;
    let mut lines = Vec::with_capacity(parts.len());
    let mut codes = Vec::with_capacity(parts.len());
    let mut records = Vec::with_capacity(parts.len());
    for (request, part) in batch.requests.iter().zip(parts) {
        let (line, code, record) =
            answer_one(engine, batch, &book, request, part, audit.as_deref_mut()).await?;
        lines.push(line);
        codes.push(code);
        records.push(record);
    }
    let mut errors = Vec::new();
    if let Err(e) = book.finish(records) {
        errors.push(e);
    }
    // The answers were written unsynced: one flush makes them all durable before the batch
    // says they are there.
    if let Err(e) = sync_filesystem(&batch.out) {
        errors.push(format!("the answers could not be flushed to disk: {e}"));
    }
    Ok(BatchAnswer {
        lines,
        codes,
        errors,
    })
}

async fn answer_one<G, S>(
    engine: &Engine<'_, G, S>,
    batch: &Batch,
    book: &BatchLedger,
    request: &BatchRequest,
    part: SearchOutcome,
    audit: Option<&mut AuditSession>,
) -> Result<(RequestLine, u8, RunLedger), Failure>
where
    G: SettingsApi,
    S: SettingsStore + DiskFacts,
{
    let folder = batch.out.join(&request.folder);
    // Its own identifiers; stored numbers read with the run's --default-region, never with
    // the request's region (which read its identifiers only).
    let matcher = request.matcher();
    // Checked before the folder is made: a folder whose path holds an identifier is refused.
    let mut ledger = book.request(
        &request.id,
        kind_of_action(request.action),
        &matcher,
        &[("--out", &Some(folder.clone()))],
    )?;
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
    if let Some(received) = &request.received {
        if let Err(e) = ledger.note_received(received) {
            errors.push(format!(
                "the received date was not recorded in the ledger: {e}"
            ));
        }
    }
    // The other requests' identifiers: a record shared with one of them is never erased for
    // this request (it needs review, in both requests' answers), nor shown in either
    // request's export.
    let others = Matcher::new(
        batch
            .requests
            .iter()
            .filter(|r| r.id != request.id)
            .flat_map(|r| r.identifiers.iter().cloned())
            .collect(),
        matcher.default_region(),
    );
    let spec = Request {
        case: Some(&request.id),
        matcher: &matcher,
        others: (!others.identifiers().is_empty()).then_some(&others),
        export: request.action.exports().then(|| folder.join("export.json")),
        language: request.language,
        erase: request.action == forgetme_findings::requests::RequestAction::Erase,
        receipt: ReceiptPlace::At(folder.join("receipt.json")),
    };
    let answer = request::answer(engine, &spec, part, audit, Some(&mut ledger)).await?;
    if let Some(Ok(w)) = &answer.export {
        for note in &w.notes {
            eprintln!("note: request {}: {note}", request.id);
        }
    }
    errors.extend(answer.file_errors());
    if let Erasure::Done(d) = &answer.erasure {
        let mut text = Vec::new();
        let _ = erasure_report::write_text(
            &mut text,
            &d.results,
            &d.verification,
            engine.names,
            part.complete(),
        );
        write_bytes(
            &folder.join("erasure.txt"),
            report::terminal_safe(&String::from_utf8_lossy(&text)).as_bytes(),
            &mut errors,
        );
    }
    let complete = part.complete();
    let erasure = answer.erasure_summary(complete);
    // The report, as --format json prints it, for this request's identifiers only: it goes
    // into the summary, one file per request (a batch's time is mostly its files).
    let summary = RequestSummary {
        action: request.action,
        erasure: erasure.as_deref(),
        errors: &errors,
        export: spec
            .export
            .as_ref()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().into_owned()),
        identifiers: request.identifiers.len(),
        line: request.line,
        received: request.received.as_deref(),
        report: SearchReport::new(part, &request.identifiers, engine.names),
        request: &request.id,
        search: SearchSummary::of(part),
    };
    let summary = serde_json::to_string_pretty(&summary);
    write_json(&folder.join("summary.json"), summary, &mut errors);
    for e in &errors {
        eprintln!("error: request {}: {e}", request.id);
    }
    let code = if errors.is_empty() {
        answer.exit_code()
    } else {
        1
    };
    let line = RequestLine {
        id: request.id.clone(),
        folder: request.folder.clone(),
        action: request.action,
        settings: part.totals.settings,
        agents: part.totals.agents,
        complete,
        export: answer.export.as_ref().map(Result::is_ok),
        erasure,
        ok: errors.is_empty() && answer.answered(),
        declined: matches!(answer.erasure, Erasure::Declined),
    };
    Ok((line, code, ledger))
}

/// A JSON document, serialized, into a new file of the request's folder.
fn write_json(path: &Path, text: serde_json::Result<String>, errors: &mut Vec<String>) {
    match text {
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

/// Before a batch reads anything: refuses it (exit 2) when any of its requests is closed in
/// the ledger ([`crate::ledger::check_requests_open`]). A single run has no batch.
pub fn check_batch_open(
    place: &crate::ledger::LedgerPlace,
    batch: Option<&Batch>,
) -> Result<(), Failure> {
    let Some(batch) = batch else {
        return Ok(());
    };
    let ids: Vec<&str> = batch.requests.iter().map(|r| r.id.as_str()).collect();
    crate::ledger::check_requests_open(place, &ids)
}
