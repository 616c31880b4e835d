//! What a request records in the request ledger (`crates/request-ledger`): where the ledger
//! is, and how a run's search, export, erasure receipt and re-check become steps of its
//! request. Opened before anything is read (a ledger that cannot be used is bad input) and
//! written at the end, for a single run as for every request of a batch (in one transaction).

use std::path::{Path, PathBuf};

use forgetme_audit::AuditKey;
use forgetme_erasure_receipt::Receipt;
use forgetme_findings::requests::RequestAction;
use forgetme_matcher::Matcher;
use forgetme_request_ledger::{
    format_date, parse_date, today_utc, Date, Ledger, LedgerError, Outcome, Recorded, RequestType,
    RunRecord, Status, Step,
};

use crate::failure::Failure;
use crate::files::{self, Existing};
use forgetme_printer::ledger_report::status_text;

/// Where a run's ledger and audit key are, as the command line gave them.
#[derive(Clone, Debug)]
pub struct LedgerPlace {
    /// `--ledger` (or `GDPR_FORGET_ME_LEDGER`), when it pins the ledger.
    pub ledger: Option<PathBuf>,
    /// `--audit-log`: the ledger is beside it when not pinned.
    pub audit_log: PathBuf,
    /// `--audit-key`: the subject refs are made with it.
    pub audit_key: PathBuf,
    /// The key must exist already (a re-check never creates one).
    pub key_must_exist: bool,
}

/// The ledger's file name when it is not pinned: beside the audit log.
pub const DEFAULT_FILE_NAME: &str = "gdpr_forget_me.requests.sqlite";

/// Where the ledger is: `--ledger` (or `GDPR_FORGET_ME_LEDGER`), else beside the audit log.
pub fn ledger_path(ledger: Option<&Path>, audit_log: &Path) -> PathBuf {
    match ledger {
        Some(p) => p.to_path_buf(),
        None => files::parent_dir(audit_log).join(DEFAULT_FILE_NAME),
    }
}

/// A ledger error as a run failure: a database error is a failure while running (exit 1),
/// anything else (a newer version, a bad place) is bad input (exit 2).
pub fn failure(e: LedgerError) -> Failure {
    match e {
        LedgerError::Sql { .. } => Failure::Run(e.to_string()),
        _ => Failure::Input(e.to_string()),
    }
}

/// The ledger's place must be usable before anything is read: its folder exists and is
/// writable, and it is not a symbolic link or a folder.
pub fn check_ledger_place(path: &Path) -> Result<(), Failure> {
    files::check_output("--ledger", path, Existing::Append).map_err(Failure::from)
}

/// What a run given `--case` records: opened before anything is read, written at the end.
pub struct RunLedger {
    /// The ledger of a single run; `None` for a request of a batch, whose records the batch's
    /// [`BatchLedger`] writes all at once.
    ledger: Option<Ledger>,
    id: String,
    record: RunRecord,
    /// Paths recorded are absolute, so they stay findable from anywhere.
    today: Date,
}

/// The type a batch request's action implies: an export answers an access request, an
/// erasure an erasure request; a search alone says nothing of what the person asked for, so
/// it leaves the type as recorded (`unspecified` for a request the batch creates) until the
/// officer gives it.
pub fn kind_of_action(action: RequestAction) -> Option<RequestType> {
    match action {
        RequestAction::Search => None,
        RequestAction::Export => Some(RequestType::Access),
        RequestAction::Erase => Some(RequestType::Erasure),
    }
}

/// The type a single run implies: an erasure (`--cleanup true`, asked for even when it is
/// declined) or a re-check of an erasure's receipt is for an erasure request, an access
/// export alone for an access request, and a plain search for none known yet.
pub fn kind_of_run(erase: bool, export: bool, recheck: bool) -> Option<RequestType> {
    if erase || recheck {
        Some(RequestType::Erasure)
    } else if export {
        Some(RequestType::Access)
    } else {
        None
    }
}

/// Before a batch reads anything: refuses it (exit 2) when any of its requests `ids` is closed
/// in the ledger, naming every one; a ledger not created yet has none.
pub fn check_requests_open(place: &LedgerPlace, ids: &[&str]) -> Result<(), Failure> {
    let path = ledger_path(place.ledger.as_deref(), &place.audit_log);
    if std::fs::symlink_metadata(&path).is_err() {
        return Ok(());
    }
    let ledger = Ledger::open_existing(&path).map_err(failure)?;
    let mut closed = Vec::new();
    for id in ids {
        if let Err(e) = ledger.check_open(id) {
            match e {
                LedgerError::Refused(m) => closed.push(m),
                other => return Err(failure(other)),
            }
        }
    }
    if closed.is_empty() {
        Ok(())
    } else {
        Err(Failure::Input(format!(
            "{} request(s) of the batch are closed in the request ledger {}; nothing was read or changed. Take them out of the file:\n  {}",
            closed.len(),
            path.display(),
            closed.join("\n  ")
        )))
    }
}

/// What to tell the operator when a run's action is not what the request's recorded type
/// asked for: the type stays, and the run does not answer the request.
fn type_note(id: &str, recorded: RequestType, implied: Option<RequestType>) -> Option<String> {
    let implied = implied?;
    if recorded == RequestType::Unspecified || recorded == implied {
        return None;
    }
    let answer = match recorded {
        RequestType::Erasure => "a verified erasure (--cleanup true)",
        RequestType::Access => "an access export from a complete scan (--export)",
        _ => "its closing as done (requests close --as done), once it is carried out",
    };
    Some(format!(
        "note: request {id} is recorded as {} request ({}); this run's {} does not change its type and does not answer it: it is answered by {answer}",
        recorded.a_name(),
        recorded.article(),
        match implied {
            RequestType::Erasure => "erasure",
            _ => "access export",
        },
    ))
}

/// Opens the ledger for request `id`, whose run implies type `kind` ([`kind_of_run`]);
/// beside `beside_log` instead of `--audit-log` when given (and no `--ledger` pins it). A
/// closed request is refused, before anything is read.
pub fn open_for_request(
    place: &LedgerPlace,
    id: &str,
    kind: Option<RequestType>,
    identifiers: &[forgetme_matcher::Identifier],
    region: Option<forgetme_matcher::Region>,
    outputs: &[(&str, &Option<PathBuf>)],
    beside_log: Option<&Path>,
) -> Result<RunLedger, Failure> {
    // The paths first: a refused run creates no ledger and no key.
    let matcher = Matcher::new(identifiers.to_vec(), region);
    check_outputs(id, &matcher, outputs)?;
    let path = ledger_path(
        place.ledger.as_deref(),
        beside_log.unwrap_or(place.audit_log.as_path()),
    );
    let book = BatchLedger::open_at(place, &path)?;
    let mut run = book.request(id, kind, &matcher, outputs)?;
    run.ledger = Some(book.ledger);
    Ok(run)
}

/// The request a single run records its steps under: `--case` (`case`), or the case its
/// re-checked receipt names (`receipt_case`); none when neither is given. The two must agree:
/// a re-check recorded under another request would answer the wrong person's.
pub fn case_of_run<'a>(
    case: Option<&'a str>,
    receipt_case: Option<&'a str>,
) -> Result<Option<&'a str>, Failure> {
    match (case, receipt_case) {
        (Some(a), Some(b)) if a != b => Err(Failure::Input(format!(
            "--case {a} is not the case of this receipt ({b}): give the receipt's case, or leave --case out"
        ))),
        (a, b) => Ok(a.or(b)),
    }
}

/// The ledger records the run's output paths: a file named after the subject would put an
/// identifier into it, and is refused.
fn check_outputs(
    id: &str,
    matcher: &Matcher,
    outputs: &[(&str, &Option<PathBuf>)],
) -> Result<(), Failure> {
    for (flag, p) in outputs {
        if let Some(p) = p {
            if path_holds_identifier(p, matcher) {
                return Err(Failure::Input(format!(
                    "{flag}: the file name holds one of the identifiers searched for; the run is recorded in the request ledger under --case, which never holds an identifier: name the file after the case (e.g. {id}.json)"
                )));
            }
        }
    }
    Ok(())
}

/// The ledger and the audit key, opened once: for a single run, or for every request of a
/// batch, whose records are then written in one transaction ([`BatchLedger::finish`]).
pub struct BatchLedger {
    ledger: Ledger,
    key: AuditKey,
    today: Date,
}

impl BatchLedger {
    /// Opens the ledger (its place and version checked) and the audit key its subject refs
    /// are made with, before anything is read.
    pub fn open(place: &LedgerPlace) -> Result<BatchLedger, Failure> {
        Self::open_at(
            place,
            &ledger_path(place.ledger.as_deref(), &place.audit_log),
        )
    }

    /// [`BatchLedger::open`], with the ledger at `path`.
    pub fn open_at(place: &LedgerPlace, path: &Path) -> Result<BatchLedger, Failure> {
        let path = path.to_path_buf();
        check_ledger_place(&path)?;
        // The ledger first: one that cannot be used stops the run before the key is created.
        let ledger = Ledger::open(&path).map_err(failure)?;
        let key = if place.key_must_exist {
            AuditKey::load_existing(&place.audit_key)
        } else {
            let existed = std::fs::symlink_metadata(&place.audit_key).is_ok();
            let key = AuditKey::load_or_create(&place.audit_key);
            if key.is_ok() && !existed {
                eprintln!(
                    "note: created the audit key {} (mode 0600): the request ledger's subject refs are made with it. Keep it with the audit log; pin one place with --audit-key or GDPR_FORGET_ME_AUDIT_KEY.",
                    std::path::absolute(&place.audit_key)
                        .unwrap_or_else(|_| place.audit_key.clone())
                        .display()
                );
            }
            key
        }
        .map_err(|e| Failure::Input(e.to_string()))?;
        Ok(BatchLedger {
            ledger,
            key,
            today: today_utc(),
        })
    }

    /// What request `id`, searched with `matcher` (its identifiers and region), will record;
    /// `kind` is the type its run implies. `outputs` are the files the run will name in the
    /// ledger: one whose path holds an identifier is refused, and so is a closed request.
    pub fn request(
        &self,
        id: &str,
        kind: Option<RequestType>,
        matcher: &Matcher,
        outputs: &[(&str, &Option<PathBuf>)],
    ) -> Result<RunLedger, Failure> {
        check_outputs(id, matcher, outputs)?;
        let recorded = self.ledger.check_open(id).map_err(failure)?;
        if let Some(note) = recorded.and_then(|r| type_note(id, r, kind)) {
            eprintln!("{note}");
        }
        let id = id.to_string();
        let refs: Vec<String> = matcher
            .identifiers()
            .iter()
            .map(|i| self.key.subject_ref(i.normalized()))
            .collect();
        let fingerprint = self.key.fingerprint();
        let known: Vec<String> = self
            .ledger
            .subject_refs(&id)
            .map_err(failure)?
            .into_iter()
            .filter(|r| r.key_fingerprint == fingerprint)
            .map(|r| r.subject_ref)
            .collect();
        if !known.is_empty() && !refs.iter().any(|r| known.contains(r)) {
            eprintln!(
                "note: none of this run's identifiers were searched for request {id} before; they are added to it. If this is another person, stop and use that person's --case."
            );
        }
        Ok(RunLedger {
            ledger: None,
            id,
            record: RunRecord {
                run_id: None,
                kind,
                received: None,
                subject_refs: refs,
                key_fingerprint: fingerprint,
                steps: Vec::new(),
            },
            today: self.today,
        })
    }

    /// Writes every request's record in one transaction (requests it does not know are added,
    /// with their received date when the batch gave one, and the type their action implies),
    /// and says so in one line.
    pub fn finish(mut self, runs: Vec<RunLedger>) -> Result<(), String> {
        let runs: Vec<RunLedger> = runs
            .into_iter()
            .filter(|r| !r.record.steps.is_empty())
            .collect();
        let all: Vec<(&str, &RunRecord)> =
            runs.iter().map(|r| (r.id.as_str(), &r.record)).collect();
        let recorded = self
            .ledger
            .record_all(&all, self.today)
            .map_err(|e| format!("the request ledger was NOT updated: {e}"))?;
        let new = |dated: bool| {
            runs.iter()
                .zip(&recorded)
                .filter(|(r, rec)| {
                    **rec == Recorded::Created && r.record.received.is_some() == dated
                })
                .count()
        };
        let (created, dated) = (new(false), new(true));
        eprintln!(
            "{} request(s) recorded in the request ledger {}.",
            runs.len(),
            self.ledger.path().display()
        );
        if created > 0 {
            eprintln!(
                "note: {created} request(s) were not in the request ledger and had no received date: they were added as received today ({}); if one was received earlier, say so: gdpr_forget_me requests add ID --received YYYY-MM-DD",
                format_date(self.today)
            );
        }
        if dated > 0 {
            eprintln!("{dated} of them were new, with the received date the batch gave.");
        }
        Ok(())
    }
}

/// Whether a file path holds one of the identifiers: anywhere in it, an e-mail address's
/// normalized form (case-insensitively: `export-John.Smith@pizza.com.json`), and in any of its
/// parts, with or without its extensions, what the matcher finds (phone numbers in any
/// spelling).
fn path_holds_identifier(path: &Path, matcher: &Matcher) -> bool {
    let text = path.to_string_lossy().to_lowercase();
    let email_inside = matcher.identifiers().iter().any(|i| {
        use forgetme_matcher::IdentifierKind::{Email, Text};
        matches!(i.kind(), Email | Text) && text.contains(&i.normalized().to_lowercase())
    });
    email_inside
        || path.iter().any(|part| {
            let part = part.to_string_lossy();
            let mut stems = vec![part.as_ref()];
            let mut rest = part.as_ref();
            while let Some((stem, _)) = rest.rsplit_once('.') {
                stems.push(stem);
                rest = stem;
            }
            stems.iter().any(|s| matcher.is_match_text(s))
        })
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

impl RunLedger {
    /// A batch request's received date: recorded, when the batch's records are written, for
    /// a request the ledger does not know yet (a request already there keeps its date).
    pub fn note_received(&mut self, received: &str) -> Result<(), String> {
        self.record.received = Some(parse_date(received).ok_or("not a date written YYYY-MM-DD")?);
        Ok(())
    }

    fn push(&mut self, status: Status, outcome: Outcome, detail: String) -> &mut Step {
        self.record.steps.push(Step {
            status,
            outcome,
            detail,
            receipt: None,
            export: None,
            purge_after: None,
            disk_reports: Vec::new(),
        });
        self.record.steps.last_mut().expect("just pushed")
    }

    /// The search: complete, or partial with the ranges it missed.
    pub fn searched(&mut self, outcome: &forgetme_findings::SearchOutcome) {
        let found = outcome.totals.settings;
        if outcome.complete() {
            self.push(
                Status::Searched,
                Outcome::Ok,
                forgetme_request_ledger::complete_search_detail(outcome.rows, found),
            );
        } else {
            self.push(
                Status::Searched,
                Outcome::Partial,
                format!(
                    "INCOMPLETE scan: {} token range(s) unread, {found} setting(s) found in what was read; run it again",
                    outcome.failed.len()
                ),
            );
        }
    }

    /// The access export: written (from a complete scan, or not: then it is no answer), or not.
    pub fn exported(&mut self, path: Option<&Path>, outcome: &forgetme_findings::SearchOutcome) {
        match path {
            Some(p) => {
                let (o, detail) = if outcome.complete() {
                    (Outcome::Ok, "access export written".to_string())
                } else {
                    (
                        Outcome::Partial,
                        "access export written from an INCOMPLETE scan: it is no answer yet"
                            .to_string(),
                    )
                };
                self.push(Status::Exported, o, detail).export = Some(absolute(p));
            }
            None => {
                self.push(
                    Status::Exported,
                    Outcome::Failed,
                    "the access export was NOT written (see the run's errors)".into(),
                );
            }
        }
    }

    /// The erasure and its verification, from the receipt the run wrote.
    pub fn erased(&mut self, receipt: &Receipt, path: &Path) {
        self.record.run_id = Some(receipt.run_id.clone());
        let count = |action: &str| {
            receipt
                .locations
                .iter()
                .filter(|l| l.action == action)
                .count()
        };
        let erased = count("deleted") + count("rewritten");
        let gone = count("already_gone");
        let failed = count("failed");
        let not_erased = count("not_erased");
        let skipped = count("skipped_changed");
        let claimed = count("claimed_erased_still_stored");
        // Matched settings the run left holding an identifier: needs review, and those it
        // never targeted (corporate favorites, possible matches, ...). Someone must act.
        let left = count("needs_review") + receipt.left_stored.len();
        let complete = receipt.scan.as_ref().is_none_or(|s| s.complete);
        let not_erased = not_erased + claimed;
        let outcome = if failed + not_erased + left == 0 && complete {
            Outcome::Ok
        } else if erased + gone == 0 && failed + not_erased > 0 {
            Outcome::Failed
        } else {
            Outcome::Partial
        };
        let detail = if receipt.locations.is_empty() {
            "nothing to erase: no setting to erase held an identifier".to_string()
        } else {
            format!(
                "{erased} setting(s) erased, {gone} already gone, {failed} failed, {not_erased} NOT erased{}, {skipped} skipped (changed meanwhile){}",
                if claimed > 0 {
                    format!(" ({claimed} of them claimed erased, still stored)")
                } else {
                    String::new()
                },
                if failed + not_erased > 0 {
                    ": run the erasure again to finish it"
                } else {
                    ""
                }
            )
        };
        let detail = if left > 0 {
            format!(
                "{detail}; {left} matched setting(s) STILL hold an identifier (corporate favorites, possible matches, needs review): the receipt says who must act"
            )
        } else {
            detail
        };
        let detail = if complete {
            detail
        } else {
            format!("{detail}; the scan was INCOMPLETE")
        };
        let detail = receipt.interrupted_runs.iter().fold(detail, |d, u| {
            format!(
                "{d}; earlier run {} (started {}) planned {} change(s), recorded {} result(s) and NEVER ENDED (stopped mid-change)",
                u.run_id, u.started_at, u.planned, u.results
            )
        });
        // The latest moment compaction may purge what was erased, over the touched tables.
        let purge_after = (erased > 0)
            .then(|| {
                receipt
                    .disk
                    .tables
                    .iter()
                    .filter(|t| t.gc_grace_seconds >= 0)
                    .map(|t| t.purgeable_after.clone())
                    .max()
            })
            .flatten();
        let receipt_path = absolute(path);
        let step = self.push(Status::Erased, outcome, detail);
        step.receipt = Some(receipt_path.clone());
        step.purge_after = purge_after.clone();
        let v = &receipt.verification;
        // Not verified is partial (what failed is still there, the next run finishes it);
        // collateral damage, data of others lost, is a failure.
        // Verified settings do not answer the request while other matched settings still
        // hold the subject's identifiers.
        let outcome = if v.verified && left == 0 {
            Outcome::Ok
        } else if v.collateral_damage > 0 {
            Outcome::Failed
        } else {
            Outcome::Partial
        };
        let step = self.push(
            Status::Verified,
            outcome,
            format!(
                "read back at {}: {} checked, {} still holding an identifier, {} unreadable, {} collateral damage: {}",
                v.consistency,
                v.checked,
                v.still_matching,
                v.unreadable,
                v.collateral_damage,
                match (v.verified, left) {
                    (true, 0) => "VERIFIED".to_string(),
                    (true, n) => format!(
                        "VERIFIED for the settings erased, but {n} matched setting(s) still hold an identifier: NOT answered until they are removed"
                    ),
                    (false, _) => "NOT VERIFIED".to_string(),
                }
            ),
        );
        step.receipt = Some(receipt_path);
        step.purge_after = purge_after;
    }

    /// An erasure the request asked for that was not carried out (a batch without
    /// `--cleanup true`, declined at the prompt, refused as too large): recorded as failed,
    /// so that the request's export alone never makes it answered.
    pub fn erasure_not_run(&mut self, why: &str) {
        self.push(
            Status::Erased,
            Outcome::Failed,
            format!("erasure asked for, NOT run: {why}"),
        );
    }

    /// An erasure whose receipt could not be written: recorded, as partial.
    pub fn erased_without_receipt(&mut self) {
        self.push(
            Status::Erased,
            Outcome::Partial,
            "the erasure ran but its receipt was NOT written (see the run's report)".into(),
        );
    }

    /// A re-check of a receipt.
    pub fn rechecked(&mut self, receipt: &Receipt, path: &Path, clean: bool) {
        self.record.run_id = Some(receipt.run_id.clone());
        let (outcome, detail) = if clean {
            (
                Outcome::Ok,
                format!(
                    "{} location(s) of receipt {} re-read: clean",
                    receipt.locations.len(),
                    receipt.run_id
                ),
            )
        } else {
            (
                Outcome::Failed,
                format!(
                    "receipt {} re-read: NOT CLEAN (data back, or a location unreadable); erase again and re-check",
                    receipt.run_id
                ),
            )
        };
        self.push(Status::ReChecked, outcome, detail).receipt = Some(absolute(path));
    }

    /// The disk reports given with a re-check (`--disk-report`): `purged`, ok when every node
    /// they name holds none of the subject's identifiers in any file.
    pub fn purged(&mut self, prepared: &crate::recheck::PreparedRecheck) {
        use crate::recheck::DiskState;
        let Some(state) = prepared.disk_state() else {
            return;
        };
        let reports = prepared.disk_reports();
        let nodes: Vec<&forgetme_disk_check::proof::NodeProof> =
            reports.iter().flat_map(|d| &d.report.nodes).collect();
        let latest = nodes
            .iter()
            .map(|n| n.checked_at.as_str())
            .max()
            .unwrap_or("?");
        let receipt = prepared.receipt();
        let (outcome, detail) = match state {
            DiskState::Purged => (
                Outcome::Ok,
                format!(
                    "physically purged: {} node(s) of {} signed disk report(s) hold none of the subject's identifiers in any file as of {latest} (erasure {})",
                    nodes.len(),
                    reports.len(),
                    receipt.run_id
                ),
            ),
            DiskState::Held => (
                Outcome::Failed,
                format!(
                    "NOT purged: {} of {} node(s) still hold the subject's identifiers on disk as of {latest} (erasure {}); run the purge commands disk-check printed, then check again",
                    nodes.iter().filter(|n| !n.holding.is_empty()).count(),
                    nodes.len(),
                    receipt.run_id
                ),
            ),
            DiskState::NotKnown => (
                Outcome::Partial,
                format!(
                    "purge NOT KNOWN: {} of {} node(s) have files that could not be read as of {latest} (erasure {})",
                    nodes.iter().filter(|n| !n.unreadable.is_empty()).count(),
                    nodes.len(),
                    receipt.run_id
                ),
            ),
        };
        let step = self.push(Status::Purged, outcome, detail);
        step.disk_reports = reports.iter().map(|d| absolute(&d.file)).collect();
    }

    /// Writes what the run recorded, in one transaction; says where, and when the request was
    /// not in the ledger before, that its received date is today's until corrected.
    pub fn finish(self) -> Result<(), String> {
        if self.record.steps.is_empty() {
            return Ok(());
        }
        let Some(mut ledger) = self.ledger else {
            return Err("a batch request's record is written by its batch".into());
        };
        let recorded = ledger
            .record(&self.id, &self.record, self.today)
            .map_err(|e| format!("the request ledger was NOT updated: {e}"))?;
        let id = &self.id;
        let last = self.record.steps.last().expect("not empty");
        eprintln!(
            "Request {id} recorded in the request ledger {}: {}.",
            ledger.path().display(),
            status_text(last.status, last.outcome)
        );
        let kind = self.record.kind.unwrap_or(RequestType::Unspecified);
        match recorded {
            Recorded::Created => eprintln!(
                "note: request {id} was not in the request ledger: it was added as received today ({}), so its deadline is a month from today, {}. If it was received earlier, say so: gdpr_forget_me requests add {id} --received YYYY-MM-DD --type {}",
                format_date(self.today),
                if kind == RequestType::Unspecified {
                    "with no type (a search does not say what the person asked for)".to_string()
                } else {
                    format!("as {} request (from what this run did)", kind.a_name())
                },
                if kind == RequestType::Unspecified {
                    "TYPE"
                } else {
                    kind.as_str()
                }
            ),
            Recorded::Typed => eprintln!(
                "note: request {id} had no type in the request ledger: it is now recorded as {} request, from what this run did",
                kind.a_name()
            ),
            Recorded::Existing => {}
        }
        Ok(())
    }
}

/// Writes a run's ledger record, if any; an error becomes one of the run's file errors.
pub fn finish(ledger: Option<RunLedger>, file_errors: &mut Vec<String>) {
    if let Some(l) = ledger {
        if let Err(e) = l.finish() {
            file_errors.push(e);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forgetme_request_ledger::Outcome;

    #[test]
    fn a_file_named_after_the_subject_is_seen_in_any_part_of_its_path() {
        use forgetme_matcher::{parse_identifier, ParseOptions, Region};
        let options = ParseOptions {
            default_region: Region::parse("US"),
            allow_text: false,
        };
        let matcher = Matcher::new(
            vec![
                parse_identifier("john.smith@pizza.com", &options).unwrap(),
                parse_identifier("+1 555 010 0001", &options).unwrap(),
            ],
            Region::parse("US"),
        );
        for holds in [
            "/tmp/x/john.smith@pizza.com.json",
            "/tmp/x/export-John.Smith@Pizza.com.json",
            "exports/john.smith@pizza.com/copy.json",
            "/srv/caller-15550100001.json",
            "/srv/+1 555 010 0001/receipt.json",
            "/srv/555-010-0001.receipt.json",
        ] {
            assert!(path_holds_identifier(Path::new(holds), &matcher), "{holds}");
        }
        for clean in [
            "/srv/privacy/DSR-2026-0042.json",
            "receipt.json",
            "/tmp/.tmpAb12/x.json",
        ] {
            assert!(
                !path_holds_identifier(Path::new(clean), &matcher),
                "{clean}"
            );
        }
    }

    fn receipt(actions: &[&str], verified: bool) -> Receipt {
        let location = |action: &str| {
            serde_json::json!({
                "table": "sipfs.settings", "value_column": "value", "owner_id": "a1",
                "group": "interaction-workspace-personal-favorites", "setting_key": "fav-1",
                "setting_key_ref": null, "json_paths": ["$.emailAddresses[0]"],
                "action": action, "removed_paths": [], "row_key": null
            })
        };
        serde_json::from_value(serde_json::json!({
            "schema": forgetme_erasure_receipt::SCHEMA, "run_id": "r1",
            "started_at": "2026-11-30T01:00:00Z", "finished_at": "2026-11-30T01:00:05Z",
            "operator": "admin", "tool_version": "0.1.0", "keyspace": "sipfs",
            "subjects": [format!("hmac-sha256:{}", "ab".repeat(32))],
            "scan": {"complete": true, "tables": ["sipfs.settings"], "rows": 10,
                     "unread_ranges": 0, "matched": actions.len()},
            "audit": {"log": "a.jsonl", "first_seq": 1, "last_seq": 9, "segment_digest": "d",
                      "head": "h", "key_fingerprint": "f"},
            "locations": actions.iter().map(|a| location(a)).collect::<Vec<_>>(),
            "verification": {"consistency": "QUORUM", "checked": actions.len(),
                             "still_matching": usize::from(!verified), "unreadable": 0,
                             "verified": verified},
            "disk": {"tables": [
                        {"table": "sipfs.settings", "gc_grace_seconds": 864000,
                         "purgeable_after": "2026-12-10T01:00:05Z"},
                        {"table": "sipfs.other", "gc_grace_seconds": 3600,
                         "purgeable_after": "2026-11-30T02:00:05Z"}],
                     "snapshots": {"readable": true, "note": "", "list": []},
                     "backups_note": "b"}
        }))
        .unwrap()
    }

    fn run_ledger(dir: &Path) -> RunLedger {
        RunLedger {
            ledger: Some(Ledger::open(&dir.join("l.sqlite")).unwrap()),
            id: "DSR-1".into(),
            record: RunRecord {
                run_id: None,
                kind: None,
                received: None,
                subject_refs: vec![format!("hmac-sha256:{}", "ab".repeat(32))],
                key_fingerprint: "f".into(),
                steps: Vec::new(),
            },
            today: today_utc(),
        }
    }

    /// A setting left not erased (GWS does not show it) makes the erasure partial, with the
    /// count in its detail; a clean one is ok; the purge date is the touched tables' latest.
    #[test]
    fn settings_not_erased_make_the_erasure_partial_and_show_in_its_detail() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = run_ledger(dir.path());
        l.erased(
            &receipt(&["deleted", "not_erased"], false),
            Path::new("/r/1.json"),
        );
        let steps = &l.record.steps;
        assert_eq!(
            (steps[0].status, steps[0].outcome),
            (Status::Erased, Outcome::Partial)
        );
        assert!(
            steps[0].detail.contains("1 NOT erased"),
            "{}",
            steps[0].detail
        );
        assert!(
            steps[0].detail.contains("run the erasure again"),
            "{}",
            steps[0].detail
        );
        assert_eq!(
            steps[0].purge_after.as_deref(),
            Some("2026-12-10T01:00:05Z")
        );
        assert_eq!(
            (steps[1].status, steps[1].outcome),
            (Status::Verified, Outcome::Partial)
        );
        assert_eq!(l.record.run_id.as_deref(), Some("r1"));

        let mut l = run_ledger(dir.path());
        l.erased(&receipt(&["failed"], false), Path::new("/r/2.json"));
        assert_eq!(l.record.steps[0].outcome, Outcome::Failed);
        assert_eq!(
            l.record.steps[0].purge_after, None,
            "nothing erased, nothing to purge"
        );

        let mut l = run_ledger(dir.path());
        l.erased(
            &receipt(&["deleted", "rewritten"], true),
            Path::new("/r/3.json"),
        );
        let outcomes: Vec<_> = l
            .record
            .steps
            .iter()
            .map(|s| (s.status, s.outcome))
            .collect();
        assert_eq!(
            outcomes,
            [
                (Status::Erased, Outcome::Ok),
                (Status::Verified, Outcome::Ok)
            ]
        );
        assert_eq!(l.record.steps[0].receipt.as_deref(), Some("/r/3.json"));
        l.finish().unwrap();
    }

    /// What a run does gives the type of a request it creates; a run whose action is not what
    /// the recorded type asks for gets a note saying what answers the request instead.
    #[test]
    fn a_runs_action_implies_a_type_and_a_mismatch_is_told() {
        assert_eq!(kind_of_run(true, true, false), Some(RequestType::Erasure));
        assert_eq!(kind_of_run(false, false, true), Some(RequestType::Erasure));
        assert_eq!(kind_of_run(false, true, false), Some(RequestType::Access));
        assert_eq!(kind_of_run(false, false, false), None);
        assert_eq!(kind_of_action(RequestAction::Search), None);
        assert_eq!(
            kind_of_action(RequestAction::Export),
            Some(RequestType::Access)
        );
        assert_eq!(
            kind_of_action(RequestAction::Erase),
            Some(RequestType::Erasure)
        );
        for (recorded, implied) in [
            (RequestType::Erasure, Some(RequestType::Erasure)),
            (RequestType::Unspecified, Some(RequestType::Erasure)),
            (RequestType::Access, None),
        ] {
            assert_eq!(type_note("DSR-1", recorded, implied), None);
        }
        let note = type_note("DSR-1", RequestType::Erasure, Some(RequestType::Access)).unwrap();
        assert!(
            note.contains("recorded as an erasure request (Art. 17)"),
            "{note}"
        );
        assert!(
            note.contains("a verified erasure (--cleanup true)"),
            "{note}"
        );
        let note = type_note(
            "DSR-1",
            RequestType::Restriction,
            Some(RequestType::Erasure),
        )
        .unwrap();
        assert!(note.contains("a restriction request"), "{note}");
        assert!(note.contains("requests close --as done"), "{note}");
    }

    #[test]
    fn the_ledger_lives_beside_the_audit_log_unless_pinned() {
        assert_eq!(
            ledger_path(None, Path::new("/srv/privacy/audit.jsonl")),
            Path::new("/srv/privacy/gdpr_forget_me.requests.sqlite")
        );
        assert_eq!(
            ledger_path(None, Path::new("audit.jsonl")),
            Path::new("./gdpr_forget_me.requests.sqlite")
        );
        assert_eq!(
            ledger_path(
                Some(Path::new("/a/l.sqlite")),
                Path::new("/srv/audit.jsonl")
            ),
            Path::new("/a/l.sqlite")
        );
    }
}
