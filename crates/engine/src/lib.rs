//! The request engine of `gdpr_forget_me`: one data subject's request answered end to end,
//! from its share of the scan to its files.
//!
//! [`request::answer`] is the one workflow. A single run (`--search ... --case ...`) answers
//! one request with it; a batch (`--requests FILE --out DIR`, [`batch`]) answers each of its
//! requests with it, from the batch's one scan. Its steps, always in this order:
//!
//! 1. the request's search, recorded in the request ledger ([`ledger`]);
//! 2. its access export, when asked ([`export_files`]);
//! 3. its erasure, when asked and the run erases ([`erasure`]): the audit run opened
//!    (`run_start`, `scan_complete`, [`audit_trail`]), the plan and its limits, the operator's
//!    confirmation (a callback), each change and its verification (`forgetme_cleanup`), and
//!    `run_end`;
//! 4. its erasure receipt ([`receipt_files`]) and the ledger's erasure step.
//!
//! Before the first step, [`connect`] opens the Cassandra session and the GWS client and
//! checks the schema, the data centers and the GWS account; the checks of single values the
//! binary runs first are the types' own ([`connect::contact_points`], [`connect::GwsTarget`],
//! [`connect::CassandraTls`], [`files`]' search file and layout, [`batch::Batch::read`],
//! [`request::check_case`]).
//!
//! The binary turns the command line into the values this crate takes ([`RunSettings`],
//! [`connect::CassandraSettings`], [`erasure::ErasurePolicy`], [`request::Request`]) and
//! prints; nothing here parses arguments, reads a password or reads a terminal.
//!
//! Beside the workflow, the request ledger's commands are here for the same reason: each
//! `requests` command ([`ledger_commands`]) and the due re-checks run together
//! ([`recheck_due`]) take the ledger's path and plain values, and return what is printed.

// No print may panic: std's print macros do when the stream is closed (`2>&1 | head`), and a
// panic after an erasure would skip the audit log's run_end, the receipt and the ledger.
// Every note of this crate goes through this one instead, which drops what cannot be
// written. Defined before the modules so that they all use it.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

pub mod audit_trail;
pub mod batch;
pub mod connect;
pub mod erasure;
pub mod export_files;
pub mod failure;
pub mod files;
pub mod ledger;
pub mod ledger_commands;
pub mod names;
pub mod receipt_files;
pub mod recheck;
pub mod recheck_due;
pub mod request;

pub use failure::{Failure, InputError, EXIT_DECLINED, EXIT_UNREACHABLE};

/// What every request of a run shares, from the command line: where the data is, how the
/// erasure behaves, and what `run_start` records of the arguments.
#[derive(Clone, Debug)]
pub struct RunSettings {
    /// `--cass_keyspace`.
    pub keyspace: String,
    /// The verification's consistency (`--verify-consistency`), for the receipt.
    pub verify_consistency: forgetme_scanner::ConsistencyLevel,
    /// `--local-dc`, for the receipt.
    pub local_dc: Option<String>,
    /// `--cleanup true`: requests that ask for an erasure get one.
    pub erase: bool,
    /// Limits, confirmation, consistency.
    pub policy: erasure::ErasurePolicy,
    /// What `run_start` records of the command line (its `identifiers` count is each
    /// request's own).
    pub audit_arguments: forgetme_audit::contract::RunArguments,
}
