//! One request answered end to end, the same way for a single run and for every request of a
//! batch (the crate's docs list the steps and their order).

use std::path::{Path, PathBuf};

use forgetme_access_export::template::Templates;
use forgetme_access_export::words::Language;
use forgetme_audit::CaseRef;
use forgetme_cleanup::{SettingResult, SettingsApi, SettingsStore, Verification};
use forgetme_findings::erasure_plan::{erasure_verified, succeeded, PlanSize};
use forgetme_findings::receipt::DiskFacts;
use forgetme_findings::SearchOutcome;
use forgetme_matcher::Matcher;
use forgetme_printer::UserNames;
use forgetme_scanner::layout::Layout;
use forgetme_scanner::Session;
use gws_client::GwsClient;

use crate::audit_trail::{self, AuditSession};
use crate::erasure::{self, CleanupContext, CleanupRun, Confirm};
use crate::export_files::{self, Written};
use crate::failure::{Failure, InputError, EXIT_DECLINED};
use crate::ledger::RunLedger;
use crate::{receipt_files, RunSettings};

/// What every request of a run shares: the settings, the connections, the agents' names and
/// the operator's confirmation.
///
/// GWS and Cassandra are behind `forgetme_cleanup`'s [`SettingsApi`] and [`SettingsStore`]
/// (and the receipt's [`DiskFacts`]): the tool runs with the GWS client and the CQL session
/// (the defaults), tests with in-memory fakes.
pub struct Engine<'a, G = GwsClient, S = Session> {
    /// The command line's settings.
    pub settings: &'a RunSettings,
    /// Cassandra, for the verification and the receipt's read-backs.
    pub session: &'a S,
    /// The GWS admin session; `None` when the run does not erase.
    pub gws: Option<&'a G>,
    /// The layout the scan read with.
    pub layout: &'a Layout,
    /// The agents' user names, for listings.
    pub names: &'a UserNames,
    /// The controller's information for the subject's copy, one per language
    /// (`--subject-template`); none: the copy is a draft.
    pub templates: &'a Templates,
    /// Asks the operator before an erasure (unless `--yes`).
    pub confirm: Confirm<'a>,
}

/// A `--case` reference, checked: it goes into the audit log, the receipt and the request
/// ledger, which hold no raw identifier, so it is a short ticket-like string, and one that
/// holds a searched identifier in any spelling (glued to letters too: `DSR5550100001`,
/// `DSRjohn.smith`) is refused.
pub fn check_case(
    case: &str,
    identifiers: &[forgetme_matcher::Identifier],
    region: Option<forgetme_matcher::Region>,
) -> Result<CaseRef, InputError> {
    let Ok(reference) = CaseRef::new(case) else {
        return Err(InputError::new(format!(
            "--case must be a ticket reference of 1 to {} letters, digits and - _ . : / # (e.g. DSR-2026-0042)",
            forgetme_audit::MAX_REFERENCE_LEN
        )));
    };
    use forgetme_findings::requests::{reference_holds_identifier, REFERENCE_HOLDS_IDENTIFIER};
    let matcher = Matcher::new(identifiers.to_vec(), region);
    if matcher.is_match_text(case) || reference_holds_identifier(case, identifiers) {
        return Err(InputError::new(
            REFERENCE_HOLDS_IDENTIFIER.replace("{what}", "--case"),
        ));
    }
    Ok(reference)
}

/// Where a request's erasure receipt goes.
#[derive(Clone, Debug)]
pub enum ReceiptPlace {
    /// This file (`--receipt`, or a batch request's folder).
    At(PathBuf),
    /// Beside the audit log, named after the run (a single run without `--receipt`).
    BesideAuditLog(PathBuf),
}

/// One request: its identifiers and what it asks for.
pub struct Request<'a> {
    /// Its id (`--case`, or the batch's request id); recorded in `run_start` and the receipt.
    pub case: Option<&'a CaseRef>,
    /// Its identifiers, and the region its stored numbers are read with.
    pub matcher: &'a Matcher,
    /// In a batch, the other requests' identifiers: a record shared with one of them is never
    /// erased for this request alone, nor shown in its export. `None` for a single run.
    pub others: Option<&'a Matcher>,
    /// Where its access export goes, when it asks for one.
    pub export: Option<PathBuf>,
    /// The language of the subject's copy (`--language`, a request's `language`).
    pub language: Language,
    /// Whether it asks for an erasure (done when the run erases, `--cleanup true`).
    pub erase: bool,
    /// Where its receipt goes.
    pub receipt: ReceiptPlace,
}

/// What the erasure step did.
pub enum Erasure {
    /// The request did not ask for one.
    NotAsked,
    /// It asked, and the run does not erase (`--cleanup true` was not given).
    NotRun,
    /// The operator declined at the prompt: nothing changed.
    Declined,
    /// The plan was larger than the limits allow: nothing changed.
    Refused(PlanSize),
    /// The erasure ran (or found nothing to erase) and was verified; its receipt was written
    /// or not.
    Done(ErasureDone),
}

/// An erasure that ran, and its receipt.
pub struct ErasureDone {
    /// What happened to each setting.
    pub results: Vec<SettingResult>,
    /// The read-back of every setting.
    pub verification: Verification,
    /// `false` when there was nothing to erase (the receipt says so all the same).
    pub acted: bool,
    /// The receipt's JSON and text files, or why they were not written.
    pub receipt: Result<(PathBuf, PathBuf), String>,
    /// Matched settings the erasure could not touch (corporate favorites, possible matches,
    /// rows outside GWS): the receipt names who must act.
    pub left_stored: usize,
}

/// What answering a request did.
pub struct Answer {
    /// Whether the request's share of the search read every token range.
    pub complete: bool,
    /// The access export, when the request asked for one: its files, or why not.
    pub export: Option<Result<Written, String>>,
    /// The erasure.
    pub erasure: Erasure,
}

impl Answer {
    /// The erasure step as a run's report shows it.
    pub fn cleanup(&self) -> forgetme_printer::run_report::Cleanup<'_> {
        use forgetme_printer::run_report::Cleanup;
        match &self.erasure {
            Erasure::Done(d) if d.acted => Cleanup::Done(&d.results, &d.verification),
            Erasure::Done(_) => Cleanup::NothingToErase,
            Erasure::Refused(size) => Cleanup::Refused(size),
            Erasure::Declined => Cleanup::Declined,
            Erasure::NotAsked | Erasure::NotRun => Cleanup::NotAsked,
        }
    }

    /// One line for each file the request asked for and got (the access export's four, the
    /// erasure receipt's two), then the export's notes: what the operator is told on stderr.
    pub fn files_written(&self) -> Vec<String> {
        let mut lines = Vec::new();
        if let Some(Ok(written)) = &self.export {
            let p = &written.paths;
            lines.push(format!(
                "Access export written: the officer's record {} and {}; the data subject's copy {} (and {}).",
                p.json.display(),
                p.html.display(),
                p.subject_html.display(),
                p.subject_json.display()
            ));
            lines.extend(written.notes.iter().map(|note| format!("note: {note}")));
        }
        if let Erasure::Done(d) = &self.erasure {
            if let Ok((json, text)) = &d.receipt {
                lines.push(format!(
                    "Erasure receipt written to {} (readable copy {}).",
                    json.display(),
                    text.display()
                ));
            }
        }
        lines
    }

    /// Files the request asked for that were not written.
    pub fn file_errors(&self) -> Vec<String> {
        let mut errors = Vec::new();
        if let Some(Err(e)) = &self.export {
            errors.push(format!("the access export was NOT written: {e}"));
        }
        if let Erasure::Done(ErasureDone {
            receipt: Err(e), ..
        }) = &self.erasure
        {
            errors.push(format!("the erasure receipt was NOT written: {e}"));
        }
        errors
    }

    /// The request's exit status, the same for a single run and within a batch: 1 a file was
    /// not written, the erasure failed or was not run, or the search was incomplete; 3
    /// declined; 2 refused as
    /// too large (the operator must narrow the search or raise the limit); 0 done.
    pub fn exit_code(&self) -> u8 {
        if !self.file_errors().is_empty() {
            return 1;
        }
        match &self.erasure {
            // An erasure request is answered by its erasure: its export alone does not.
            Erasure::NotRun => return 1,
            Erasure::Declined => return EXIT_DECLINED,
            Erasure::Refused(_) => return 2,
            Erasure::Done(d) if !succeeded(&d.results, &d.verification) => return 1,
            _ => {}
        }
        if self.complete {
            0
        } else {
            1
        }
    }

    /// Whether the request is answered: done, and nothing it asked for is left (an erasure
    /// request needs its erasure; matched settings still holding the subject leave it open).
    pub fn answered(&self) -> bool {
        self.exit_code() == 0
            && match &self.erasure {
                Erasure::Done(d) => d.left_stored == 0,
                _ => true,
            }
    }

    /// The erasure in a few words, for a batch's table and summary (`None`: not asked).
    pub fn erasure_summary(&self, complete: bool) -> Option<String> {
        Some(match &self.erasure {
            Erasure::NotAsked => return None,
            Erasure::NotRun => "not run: add --cleanup true to erase".to_string(),
            Erasure::Declined => "declined".to_string(),
            Erasure::Refused(size) => format!("REFUSED: {}", size.describe()),
            Erasure::Done(d) => {
                let t = forgetme_findings::erasure_plan::tally(&d.results);
                format!(
                    "{} erased, {} not erased, {} failed; {}{}",
                    t.erased,
                    t.not_erased + t.claimed_still_stored,
                    t.failed,
                    if erasure_verified(&d.results, &d.verification, complete) {
                        "verified"
                    } else {
                        "NOT verified"
                    },
                    if d.left_stored > 0 {
                        format!(
                            "; {} matched setting(s) still hold an identifier (see the receipt: who must act)",
                            d.left_stored
                        )
                    } else {
                        String::new()
                    }
                )
            }
        })
    }
}

/// Answers one request from its share of the search (`part`): records the search in the
/// ledger, writes the export, erases and verifies, writes the receipt, and records each step.
///
/// `audit` is the run's open audit log: needed when the request erases (it was opened, and its
/// chain checked, before the scan). An audit log that cannot be written stops the request with
/// an error (nothing may change unrecorded); a file that cannot be written is in the answer.
pub async fn answer<G, S>(
    engine: &Engine<'_, G, S>,
    request: &Request<'_>,
    part: &SearchOutcome,
    audit: Option<&mut AuditSession>,
    mut ledger: Option<&mut RunLedger>,
) -> Result<Answer, Failure>
where
    G: SettingsApi,
    S: SettingsStore + DiskFacts,
{
    if let Some(l) = ledger.as_deref_mut() {
        l.searched(part);
    }
    let export = request
        .export
        .as_deref()
        .map(|path| export(engine, request, part, path, ledger.as_deref_mut()));
    let erasure = if !request.erase {
        Erasure::NotAsked
    } else if !engine.settings.erase {
        if let Some(l) = ledger.as_deref_mut() {
            l.erasure_not_run("the run was without --cleanup true");
        }
        Erasure::NotRun
    } else {
        let audit = audit.ok_or_else(|| {
            Failure::Run("an erasure needs the audit log open before the scan".into())
        })?;
        erase(engine, request, part, audit, ledger).await?
    };
    Ok(Answer {
        complete: part.complete(),
        export,
        erasure,
    })
}

/// The access export: the officer's record and the subject's copy, cut to the request's own
/// records. A search that listed only part of its hits writes none (it would be partial).
fn export<G, S>(
    engine: &Engine<'_, G, S>,
    request: &Request<'_>,
    part: &SearchOutcome,
    path: &Path,
    ledger: Option<&mut RunLedger>,
) -> Result<Written, String> {
    if part.truncated() {
        if let Some(l) = ledger {
            l.exported(None, part);
        }
        return Err(format!(
            "the search matched {} settings/rows and only {} are listed, so an export would be partial; narrow the search, or raise --max-listed",
            part.totals.settings, part.totals.listed_settings
        ));
    }
    let e = forgetme_findings::export::build(
        &engine.settings.keyspace,
        part,
        request.matcher.identifiers(),
        engine.names,
        request.matcher,
        request.others,
    );
    let written = export_files::write(&e, path, engine.templates, request.case, request.language);
    if let Some(l) = ledger {
        l.exported(written.is_ok().then_some(path), part);
    }
    written
}

/// The erasure step: the audit run, the plan under the policy, the changes and their
/// verification, then the receipt.
async fn erase<G, S>(
    engine: &Engine<'_, G, S>,
    request: &Request<'_>,
    part: &SearchOutcome,
    audit: &mut AuditSession,
    mut ledger: Option<&mut RunLedger>,
) -> Result<Erasure, Failure>
where
    G: SettingsApi,
    S: SettingsStore + DiskFacts,
{
    let gws = engine
        .gws
        .ok_or_else(|| Failure::Run("an erasure needs --gws".into()))?;
    let identifiers = request.matcher.identifiers();
    let mut arguments = engine.settings.audit_arguments.clone();
    arguments.identifiers = identifiers.len();
    let started = audit.begin_run(arguments, gws.username(), identifiers, request.case)?;
    audit_trail::scan_complete(&mut audit.log, part)?;
    let ctx = CleanupContext {
        session: engine.session,
        gws,
        matcher: request.matcher,
        other_requests: request.others,
        key: &audit.key,
        layout: engine.layout,
        names: engine.names,
        policy: &engine.settings.policy,
        confirm: engine.confirm,
    };
    let (results, verification, acted) = match erasure::run(&ctx, &mut audit.log, part).await? {
        CleanupRun::NotConfirmed => {
            if let Some(l) = ledger {
                l.erasure_not_run("declined at the prompt");
            }
            return Ok(Erasure::Declined);
        }
        CleanupRun::TooLarge(size) => {
            if let Some(l) = ledger {
                l.erasure_not_run("the plan was refused as too large");
            }
            return Ok(Erasure::Refused(size));
        }
        // A cleanup that erased nothing still gets its receipt: that nothing was there to
        // erase is proof too (with the scan's completeness beside it).
        CleanupRun::NothingToErase => (Vec::new(), Verification::default(), false),
        CleanupRun::Done(results, verification) => (results, verification, true),
    };
    let facts = receipt_files::run_facts(
        engine.settings,
        &started,
        gws.username(),
        request.case,
        part,
    );
    let path = match &request.receipt {
        ReceiptPlace::At(p) => p.clone(),
        ReceiptPlace::BesideAuditLog(log) => {
            forgetme_findings::receipt::default_path(log, audit.log.run_id())
        }
    };
    let mut left_stored = 0;
    let receipt = forgetme_findings::receipt::build(
        engine.session,
        &facts,
        &audit.log,
        &audit.key,
        request.matcher,
        &results,
        &verification,
    )
    .await
    .and_then(|r| {
        left_stored = r.left_stored.len();
        let written = receipt_files::write(&r, &path, &audit.signer);
        if let (Some(l), Ok(_)) = (ledger.as_deref_mut(), &written) {
            l.erased(&r, &path);
        }
        written.map(|text| (path.clone(), text))
    });
    if let (Some(l), Err(_)) = (ledger, &receipt) {
        l.erased_without_receipt();
    }
    Ok(Erasure::Done(ErasureDone {
        results,
        verification,
        acted,
        receipt,
        left_stored,
    }))
}
