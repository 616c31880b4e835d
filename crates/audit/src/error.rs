//! Errors of the audit log. Each message says what to do about it, because the person reading
//! it is an operator in the middle of an erasure run, not the author of this crate.
//!
//! No message contains key material, identifiers or event data.

use std::io;
use std::path::PathBuf;

use crate::chain::BrokenLink;

/// Why an audit-log or audit-key operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// Reading, writing or syncing a file failed.
    #[error("cannot {action} `{}`: {source}; check that the path is right, that the disk is not full, and that this user may read and write it", .path.display())]
    Io {
        /// What was being done, e.g. "append to audit log".
        action: &'static str,
        /// The file concerned.
        path: PathBuf,
        /// The operating system's reason.
        #[source]
        source: io::Error,
    },

    /// The directory that should hold a new key or log file does not exist. It is not created
    /// on the fly because a typo in the path would otherwise scatter keys across the disk.
    #[error("cannot create {what} `{}`: the directory `{}` does not exist; create it first, or pass {flag} with a path in an existing directory", .path.display(), .dir.display())]
    DirMissing {
        /// "audit key" or "audit log".
        what: &'static str,
        /// The command-line flag that chooses the path.
        flag: &'static str,
        /// The file that was to be created.
        path: PathBuf,
        /// Its missing directory.
        dir: PathBuf,
    },

    /// The path names a directory or other non-file.
    #[error("`{}` is not a regular file (a symbolic link is not followed, a device is no log); pass the path of a file to {flag}", .path.display())]
    NotAFile {
        /// The command-line flag that chooses the path.
        flag: &'static str,
        /// The offending path.
        path: PathBuf,
    },

    /// The key file can be read or written by group or others: anyone who can read the key
    /// can test guessed identifiers against the log, and anyone who can write it can make
    /// future subject refs unmatchable.
    #[error("audit key `{}` is accessible to group or others (mode {mode:03o}); anyone who can read it can test which people are in the audit log. Run `chmod 600 {}` and try again", .path.display(), .path.display())]
    KeyPermissions {
        /// The key file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },

    /// The key file does not hold 64 hex digits.
    #[error("audit key `{}` does not hold a key (64 hex digits); restore it from your backup. Deleting it makes the tool create a new key, and subject refs already in the audit log can then no longer be matched", .path.display())]
    KeyMalformed {
        /// The key file.
        path: PathBuf,
    },

    /// The signing key file can be read or written by group or others: anyone who can read
    /// it can sign receipts in the controller's name.
    #[error("signing key `{}` is accessible to group or others (mode {mode:03o}); anyone who can read it can sign erasure receipts in your name. Run `chmod 600 {}` and try again", .path.display(), .path.display())]
    SigningKeyPermissions {
        /// The key file (or the list of retired public keys beside it).
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },

    /// A signing key file, or the list of retired public keys, is not in its format.
    #[error("`{}` is not a signing key file of this tool ({why}); restore it from your backup, or move it away and run `gdpr_forget_me signing-key rotate` to start a new key", .path.display())]
    SigningKeyMalformed {
        /// The file.
        path: PathBuf,
        /// What is wrong with it (never key material).
        why: String,
    },

    /// There is no signing key beside the audit key yet.
    #[error("there is no signing key at `{}` (beside the audit key); the first erasure run creates it, or create it now with `gdpr_forget_me signing-key rotate --audit-key {}`", .path.display(), .audit_key.display())]
    NoSigningKey {
        /// Where it was looked for.
        path: PathBuf,
        /// The audit key it belongs beside.
        audit_key: PathBuf,
    },

    /// A rotation left its new key file behind, or another rotation is running.
    #[error("`{}` exists: another `signing-key rotate` is running, or one was interrupted before it finished (the current key is unchanged). When none is running, remove that file and rotate again", .path.display())]
    RotationLeftover {
        /// The new key file that was not moved into place.
        path: PathBuf,
    },

    /// The existing log fails verification, so appending would extend a chain that cannot be
    /// trusted.
    #[error("audit log `{}` fails verification at {link}. It may have been edited, truncated or reordered, or a write was interrupted. Nothing was appended: keep the file unchanged as evidence, investigate it with --verify-audit-log, and start a new log with --audit-log NEW_FILE", .path.display())]
    Tampered {
        /// The log file.
        path: PathBuf,
        /// The first broken link.
        link: BrokenLink,
    },

    /// Another run holds the log open for appending; two writers would fork the chain.
    #[error("audit log `{}` is in use by another gdpr_forget_me run; wait for it to finish, or pass --audit-log with another file", .path.display())]
    Locked {
        /// The log file.
        path: PathBuf,
    },

    /// An earlier append failed part-way, so the last line on disk may be incomplete.
    #[error("an earlier write to audit log `{}` failed, so its last line may be incomplete and no further events are written; stop this run, fix the disk problem, then check the file with --verify-audit-log", .path.display())]
    Poisoned {
        /// The log file.
        path: PathBuf,
    },

    /// The run id is unusable.
    #[error("invalid audit run id: {reason}; use new_run_id()")]
    InvalidRunId {
        /// What is wrong with it (never the id itself).
        reason: &'static str,
    },

    /// The event passed to `append` breaks the format rules (a bug in the caller).
    #[error("invalid audit event: {reason}")]
    InvalidEvent {
        /// What is wrong with it.
        reason: String,
    },

    /// `segment_digest` was asked for events the log does not hold.
    #[error("audit log `{}` holds events 1 to {events}, so it has no segment {from} to {to}; pass a range within it with from <= to", .path.display())]
    SegmentOutOfRange {
        /// The log file.
        path: PathBuf,
        /// First requested sequence number.
        from: u64,
        /// Last requested sequence number.
        to: u64,
        /// How many events the log holds.
        events: u64,
    },
}

impl AuditError {
    /// Wraps an I/O error with the action and path, which `io::Error` alone lacks.
    pub(crate) fn io(action: &'static str, path: &std::path::Path, source: io::Error) -> Self {
        AuditError::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}
