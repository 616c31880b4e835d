//! `gdpr_forget_me disk-check ...`: the physical erasure check. Parsed and run by its own
//! crate (`forgetme_disk_check::cli`), before the main command line is parsed: it reads files,
//! never Cassandra's CQL port or GWS, and shares none of the search's flags but the
//! identifiers'.

use std::ffi::OsString;
use std::process::ExitCode;

/// Whether the command line is `gdpr_forget_me disk-check ...`.
pub fn is_disk_check(raw: &[OsString]) -> bool {
    raw.get(1).is_some_and(|a| a == "disk-check")
}

/// Runs it; the exit code is the check's (0 clean, 1 held or not known, 2 bad input).
pub fn main(raw: &[OsString]) -> ExitCode {
    ExitCode::from(forgetme_disk_check::cli::main(raw))
}
