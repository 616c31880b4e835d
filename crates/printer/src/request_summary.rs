//! A batch request's `summary.json`: what was asked, what its share of the search found, what
//! was written and what went wrong, and its search report. Fields in alphabetical order, as in
//! every document the tool prints (see [`crate::search_json`]).

use forgetme_audit::CaseRef;
use forgetme_findings::requests::RequestAction;
use forgetme_findings::SearchOutcome;
use serde::Serialize;

use crate::search_json::SearchReport;

/// The summary of one request of a batch.
#[derive(Debug, Serialize)]
pub struct RequestSummary<'a> {
    /// What the request asked for.
    pub action: RequestAction,
    /// What its erasure did, in a few words; `null` when none was asked for.
    pub erasure: Option<&'a str>,
    /// What went wrong while answering it (files not written...).
    pub errors: &'a [String],
    /// The file name of its access export; `null` when none was asked for.
    pub export: Option<String>,
    /// How many identifiers the request named.
    pub identifiers: usize,
    /// Its line in the request file.
    pub line: usize,
    /// When it was received (`YYYY-MM-DD`), when the file said.
    pub received: Option<&'a str>,
    /// The report, as `--format json` prints it, of this request's identifiers only.
    pub report: SearchReport<'a>,
    /// The request's id.
    pub request: &'a CaseRef,
    /// Its share of the search, in counts.
    pub search: SearchSummary,
}

/// A request's share of the search, in counts.
#[derive(Debug, Serialize)]
pub struct SearchSummary {
    /// Distinct agents owning a matching setting.
    pub agents: u64,
    /// Every token range was read.
    pub complete: bool,
    pub rows: u64,
    /// Settings holding the request's identifiers.
    pub settings: u64,
    /// Which copies were read, in words.
    pub statement: String,
    /// Token ranges that could not be read.
    pub unread_ranges: usize,
}

impl SearchSummary {
    /// The counts of a request's share of the search.
    pub fn of(part: &SearchOutcome) -> SearchSummary {
        SearchSummary {
            agents: part.totals.agents,
            complete: part.complete(),
            rows: part.rows,
            settings: part.totals.settings,
            statement: part.coverage.sentence(),
            unread_ranges: part.failed.len(),
        }
    }
}
