//! `requests recheck-due`: every receipt re-check that `requests due` lists as due today or
//! overdue, run as `--recheck-receipt FILE` runs one ([`recheck`]: the same preparation, reads
//! and ledger step), with one line per re-check.
//!
//! A re-check matches what it reads against the subjects' identifiers, and the ledger holds
//! only their HMACs: so the identifiers are given as for a search, and each receipt is
//! re-checked with those of them that are its subjects, found by HMAC with the audit key.
//! Everything that needs no database (the due list, every receipt's seal, signature and audit
//! log, that every subject of every receipt is covered) is checked before connecting: a
//! problem with any of them is bad input (exit 2) and nothing is read. Which re-checks are due
//! is the ledger's rule (`next_recheck_due`), and only those due today or before are run:
//! before the purge date a re-check proves little.
//!
//! The binary parses the search options, connects and prints; the steps are here, in the order
//! it calls them: [`due_receipts`], [`prepare`] (or [`identifiers_missing`]), [`run`],
//! [`output`].

use std::path::{Path, PathBuf};

use forgetme_audit::AuditKey;
use forgetme_matcher::{Identifier, Matcher, Region};
use forgetme_printer::ledger_report::{self, RecheckDueDocument, RecheckLine};
use forgetme_request_ledger::{format_date, Date, DueKind, Ledger, RequestType};
use forgetme_scanner::{Consistency, Session};

use crate::audit_trail::AuditPlace;
use crate::failure::Failure;
use crate::ledger::{failure, open_for_request, LedgerPlace, RunLedger};
use crate::recheck::{self, PreparedRecheck};

/// Where the re-checks' records are: the ledger, and the audit log and key the erasures were
/// run with (a re-check checks its receipt against them, and makes its subject refs with the
/// key, which must exist).
#[derive(Clone, Debug)]
pub struct RecheckDuePlace {
    /// The ledger file (already resolved: `--ledger`, or beside the audit log).
    pub ledger: PathBuf,
    /// `--audit-log`.
    pub audit_log: PathBuf,
    /// `--audit-key`.
    pub audit_key: PathBuf,
}

/// A re-check due: its request and the receipt of the erasure it re-checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DueReceipt {
    /// The request id.
    pub id: String,
    /// The erasure receipt, as the ledger names it.
    pub file: PathBuf,
}

/// One receipt to re-check: its request, its file, the identifiers that are its subjects,
/// the receipt checked, and the ledger its step goes into.
pub struct Planned {
    id: String,
    file: PathBuf,
    identifiers: Vec<Identifier>,
    prepared: PreparedRecheck,
    ledger: Option<RunLedger>,
}

/// The erasure receipts whose re-check is due today or before, with their request ids. A
/// due re-check with no receipt named in the ledger is bad input: it cannot be run.
pub fn due_receipts(path: &Path, today: Date) -> Result<Vec<DueReceipt>, Failure> {
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
        work.extend(receipts.into_iter().map(|r| DueReceipt {
            id: d.id.clone(),
            file: PathBuf::from(r),
        }));
    }
    Ok(work)
}

/// Re-checks are due and no identifier was given: bad input, naming the requests and what to
/// give.
pub fn identifiers_missing(due: &[DueReceipt]) -> Failure {
    let mut ids: Vec<&str> = due.iter().map(|d| d.id.as_str()).collect();
    ids.dedup();
    Failure::Input(format!(
        "{} receipt re-check(s) are due (request(s) {}): give the identifiers of their subjects with --search-file FILE (or --search ID...). The ledger holds only their HMACs; each receipt is re-checked with the identifiers that are its subjects",
        due.len(),
        ids.join(", ")
    ))
}

/// Every receipt checked as `--recheck-receipt` checks it, with the identifiers that are its
/// subjects, and its request's ledger opened; every problem is gathered, so one run says all
/// that must be fixed, and any of them stops the command before anything is read.
pub fn prepare(
    place: &RecheckDuePlace,
    identifiers: &[Identifier],
    region: Option<Region>,
    due: Vec<DueReceipt>,
) -> Result<Vec<Planned>, Failure> {
    let key = AuditKey::load_existing(&place.audit_key).map_err(|e| {
        Failure::Input(format!(
            "{e}; requests recheck-due needs the audit key the erasures were run with (--audit-key FILE): it tells which identifiers are each receipt's subjects"
        ))
    })?;
    let audit = AuditPlace {
        log: place.audit_log.clone(),
        key: place.audit_key.clone(),
    };
    let ledger_place = LedgerPlace {
        ledger: Some(place.ledger.clone()),
        audit_log: place.audit_log.clone(),
        audit_key: place.audit_key.clone(),
        key_must_exist: true,
    };
    let refs: Vec<String> = identifiers
        .iter()
        .map(|i| key.subject_ref(i.normalized()))
        .collect();
    let subjects = Subjects {
        identifiers,
        refs: &refs,
        region,
    };
    let mut planned = Vec::new();
    let mut problems = Vec::new();
    let mut used = vec![false; refs.len()];
    for d in due {
        match plan_one(&d, &subjects, &mut used, &audit, &ledger_place) {
            Ok(p) => planned.push(p),
            Err(e) => problems.push(format!("request {}: {e}", d.id)),
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

/// The identifiers given, their subject refs (same order) and their region.
struct Subjects<'a> {
    identifiers: &'a [Identifier],
    refs: &'a [String],
    region: Option<Region>,
}

/// One due receipt's re-check, prepared: its subjects' identifiers among those given (marked
/// in `used`), its seal and audit log checked, its ledger entry opened; or why it cannot run.
fn plan_one(
    due: &DueReceipt,
    given: &Subjects,
    used: &mut [bool],
    audit: &AuditPlace,
    ledger_place: &LedgerPlace,
) -> Result<Planned, String> {
    let file = due.file.clone();
    let subjects = crate::receipt_files::read(&file)?.subjects;
    let mut identifiers = Vec::new();
    for (n, (identifier, r)) in given.identifiers.iter().zip(given.refs).enumerate() {
        if subjects.contains(r) {
            identifiers.push(identifier.clone());
            used[n] = true;
        }
    }
    let prepared =
        recheck::prepare(&file, audit, &identifiers).map_err(|f| f.message().to_string())?;
    let ledger = open_for_request(
        ledger_place,
        &due.id,
        Some(RequestType::Erasure),
        &identifiers,
        given.region,
        &[("--recheck-receipt", &Some(file.clone()))],
        None,
    )
    .map_err(|f| f.message().to_string())?;
    Ok(Planned {
        id: due.id.clone(),
        file,
        identifiers,
        prepared,
        ledger: Some(ledger),
    })
}

/// Runs every planned re-check, one after another, at `consistency` (`read_at` names it for
/// the operator), each recorded in the ledger: their lines, in order.
pub async fn run(
    session: &Session,
    planned: Vec<Planned>,
    region: Option<Region>,
    consistency: Consistency,
    read_at: &str,
) -> Vec<RecheckLine> {
    eprintln!(
        "{} receipt re-check(s) due, read at {read_at}.",
        planned.len()
    );
    let mut lines = Vec::with_capacity(planned.len());
    for p in planned {
        lines.push(recheck_one(session, p, region, consistency).await);
    }
    lines
}

/// One receipt re-checked and recorded in the ledger: its line.
async fn recheck_one(
    session: &Session,
    mut p: Planned,
    region: Option<Region>,
    consistency: Consistency,
) -> RecheckLine {
    let matcher = Matcher::new(p.identifiers.clone(), region);
    let result = recheck::run(session, &p.prepared, &matcher, consistency).await;
    let receipt = p.prepared.receipt();
    if let Some(l) = &mut p.ledger {
        l.rechecked(receipt, &p.file, result.clean());
    }
    let mut errors = Vec::new();
    crate::ledger::finish(p.ledger.take(), &mut errors);
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

/// Whether every re-check was clean and recorded: the command's exit 0 (else 1).
pub fn all_clean(lines: &[RecheckLine]) -> bool {
    lines.iter().all(|l| l.clean && l.recorded)
}

/// What the command prints on stdout: one JSON document, or one line per re-check.
pub fn output(ledger: &Path, today: Date, lines: &[RecheckLine], json: bool) -> String {
    if !json {
        return ledger_report::recheck_due_text(lines);
    }
    let clean = lines.iter().filter(|l| l.clean).count();
    let doc = RecheckDueDocument {
        ledger: ledger.display().to_string(),
        today: format_date(today),
        rechecks: lines,
        clean,
        not_clean: lines.len() - clean,
    };
    format!(
        "{}\n",
        serde_json::to_string_pretty(&doc).expect("a ledger document serializes")
    )
}
