//! A single run's whole report: what the search found ([`crate::report`]) and, when the run
//! erases, what its cleanup did ([`crate::erasure_report`]), in text or as one JSON document.

use std::io::Write;

use forgetme_cleanup::{SettingResult, Verification};
use forgetme_findings::erasure_plan::PlanSize;
use forgetme_findings::SearchOutcome;
use forgetme_matcher::Identifier;

use crate::erasure_report::{CleanupJson, CleanupReport, RefusedJson};
use crate::search_json::SearchReport;
use crate::{erasure_report, report, UserNames};

/// What the cleanup of a run did, as its report says it.
pub enum Cleanup<'a> {
    /// The run does not erase.
    NotAsked,
    /// Nothing was planned: nothing held the subject where the tool may erase.
    NothingToErase,
    /// The plan was larger than the limits: nothing changed.
    Refused(&'a PlanSize),
    /// The operator declined at the prompt: nothing changed.
    Declined,
    /// Settings were changed, and read back.
    Done(&'a [SettingResult], &'a Verification),
}

/// One run's report.
pub struct RunReport<'a> {
    /// What the search found.
    pub outcome: &'a SearchOutcome,
    /// The identifiers searched for.
    pub identifiers: &'a [Identifier],
    /// The agents' names.
    pub names: &'a UserNames,
    /// What the cleanup did.
    pub cleanup: Cleanup<'a>,
}

impl<'a> RunReport<'a> {
    /// Writes the report to `out`, as one JSON document (`json`) or as text, and flushes it:
    /// the caller learns whether it was written (a full disk behind a redirection, a closed
    /// pipe).
    pub fn write(
        &self,
        out: &mut impl Write,
        json: bool,
        to_terminal: bool,
    ) -> std::io::Result<()> {
        if json {
            serde_json::to_writer_pretty(&mut *out, &self.to_json())
                .map_err(std::io::Error::from)?;
            writeln!(out)?;
        } else {
            out.write_all(self.to_text(to_terminal).as_bytes())?;
        }
        out.flush()
    }

    /// The report as text, made terminal-safe (stored data may hold control characters). The
    /// identifiers themselves are shown only when `to_terminal`.
    pub fn to_text(&self, to_terminal: bool) -> String {
        let mut text = Vec::new();
        let _ = self.write_text(&mut text, to_terminal);
        report::terminal_safe(&String::from_utf8_lossy(&text))
    }

    fn write_text(&self, text: &mut Vec<u8>, to_terminal: bool) -> std::io::Result<()> {
        report::write_text(
            text,
            self.outcome,
            self.identifiers,
            self.names,
            to_terminal,
        )?;
        match &self.cleanup {
            Cleanup::Done(results, verification) => erasure_report::write_text(
                text,
                results,
                verification,
                self.names,
                self.outcome.complete(),
            ),
            Cleanup::Refused(size) => writeln!(
                text,
                "Cleanup: REFUSED, nothing changed: the plan holds {} setting(s) of {} agent(s), more than allowed (--max-erase, --max-erase-agents).",
                size.settings, size.agents
            ),
            Cleanup::Declined => writeln!(
                text,
                "Cleanup: declined at the confirmation prompt; nothing was erased."
            ),
            Cleanup::NothingToErase => writeln!(text, "Cleanup: nothing to erase."),
            Cleanup::NotAsked => Ok(()),
        }
    }

    /// The report as one JSON document (`docs/output.md`): the search's, with a `cleanup`
    /// object when the run erases.
    pub fn to_json(&self) -> SearchReport<'a> {
        let complete = self.outcome.complete();
        let cleanup = match self.cleanup {
            Cleanup::NotAsked => None,
            Cleanup::Done(results, verification) => Some(CleanupReport::Ran(CleanupJson::new(
                results,
                verification,
                complete,
            ))),
            Cleanup::Refused(size) => Some(CleanupReport::Refused(RefusedJson::too_large(size))),
            Cleanup::Declined => Some(CleanupReport::Ran(CleanupJson::nothing_changed(
                true, complete,
            ))),
            Cleanup::NothingToErase => Some(CleanupReport::Ran(CleanupJson::nothing_changed(
                false, complete,
            ))),
        };
        SearchReport {
            cleanup,
            ..SearchReport::new(self.outcome, self.identifiers, self.names)
        }
    }
}
