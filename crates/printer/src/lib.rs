//! Printing for `gdpr_forget_me`, apart from what is printed (as `grep-printer` is apart from
//! `grep-searcher`): a single run's report ([`run_report`]), made of the search report
//! ([`report`], its JSON document [`search_json`]) and an erasure's report
//! ([`erasure_report`]); the per-request table of a batch ([`batch_table`]) and each
//! request's summary ([`request_summary`]); the request ledger's list and pages
//! ([`ledger_report`]); a receipt's re-check ([`recheck_report`]); the error document of
//! `--format json` ([`error_report`]); what a verified signed receipt or disk report states
//! ([`verify_report`]); a scan's progress on stderr ([`progress`]). Every JSON document is a
//! `Serialize` type whose fields are in alphabetical order (see [`search_json`]). Every
//! function writes to a `Write` or returns a value: the caller decides where it goes, so each
//! is testable on a buffer.
//!
//! Stored data may hold control characters and terminal escapes: every stored field goes
//! through [`report::printable`], and whole texts through [`report::terminal_safe`].

pub mod batch_table;
pub mod erasure_report;
pub mod error_report;
pub mod ledger_report;
pub mod progress;
pub mod recheck_report;
pub mod report;
pub mod request_summary;
pub mod run_report;
pub mod search_json;
pub mod verify_report;

pub use report::{printable, terminal_safe, UserNames};
