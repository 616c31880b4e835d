//! The event kinds gdpr-forget-me writes, as constants so that a typo in a caller cannot
//! silently create a kind that `docs/audit-log.md` does not describe.
//!
//! [`crate::AuditLog::append`] accepts any lower-case `snake_case` kind; these are the ones the
//! tool uses and the documentation promises.

/// A run begins: operator, host, tool version, arguments minus secrets, subject refs.
pub const RUN_START: &str = "run_start";
/// The scan finished: what was read and how many settings matched.
pub const SCAN_COMPLETE: &str = "scan_complete";
/// One planned change: table, owner id, group, setting key, JSON paths, action.
/// Written before the change is made.
pub const PLANNED: &str = "planned";
/// The outcome of one planned change.
pub const RESULT: &str = "result";
/// The re-scan after erasure: whether the subject can still be found.
pub const VERIFICATION: &str = "verification";
/// The run ended, with its overall outcome.
pub const RUN_END: &str = "run_end";

/// Every kind above, in the order a complete run writes them.
pub const ALL: [&str; 6] = [
    RUN_START,
    SCAN_COMPLETE,
    PLANNED,
    RESULT,
    VERIFICATION,
    RUN_END,
];
