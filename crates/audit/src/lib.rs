//! The audit log of gdpr-forget-me: append-only, hash-chained and free of personal data.
//!
//! A privacy officer shows this log to a regulator as proof of what the tool found, planned,
//! changed and verified. That only works if two things hold:
//!
//! * **It cannot be quietly edited.** Every event carries the SHA-256 of the event before it
//!   ([`verify_chain`]), so editing, deleting, reordering or inserting a line breaks the chain
//!   at that line; anyone can recompute hashes, so every event also carries a seal (an HMAC
//!   under the audit key), which catches an edit followed by re-chaining every later line
//!   when the key is at hand. A rewrite by the key holder, and lines cut from the end, show
//!   only against a head recorded elsewhere ([`segment_summary`], as erasure receipts do).
//!   `docs/audit-log.md` lists exactly what each check catches. [`AuditLog::open`] refuses to
//!   append to a broken chain.
//! * **It is not itself a store of the personal data being erased.** Data subjects appear only
//!   as [`AuditKey::subject_ref`]s: HMAC-SHA256 of the normalized identifier under a secret
//!   key kept apart from the log. Whoever holds the key can check that a given subject was
//!   handled; whoever holds only the log learns nothing about who.
//!
//! This crate cannot tell an e-mail address from any other string inside `data`, so it is the
//! caller's duty to put only subject refs, table names, owner ids, setting keys, JSON paths and
//! outcomes there — never raw identifiers, setting values or passwords.
//!
//! The user-facing description of the format is in `docs/audit-log.md`.
//!
//! Two values every record of the tool shares live here too, the lowest crate all of them
//! use: a case or request reference ([`CaseRef`]) and a point in time ([`Timestamp`]), each
//! checked or held as a type until it is written, and written one way.

#![warn(missing_docs)]

pub mod census;
mod chain;
pub mod contract;
mod error;
mod event;
mod fsutil;
mod key;
mod log;
mod reference;
pub mod signing;
mod timestamp;

pub use chain::{
    segment_digest, segment_summary, unfinished_runs, verify_bytes, verify_chain, verify_log,
    BrokenLink, ChainReport, SegmentSummary, UnfinishedRun,
};
pub use contract::{AuditEvent, EventKind, TypedEvent};
pub use error::AuditError;
pub use event::{now_rfc3339, GENESIS_PREV};
pub use key::{AuditKey, SUBJECT_REF_PREFIX};
pub use log::{new_run_id, AuditLog};
pub use reference::{check_reference, CaseRef, MAX_REFERENCE_LEN};
pub use timestamp::Timestamp;
