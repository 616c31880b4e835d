//! The erasure receipt: proof, for a regulator, that a data subject's data was erased, holding
//! no personal data itself (GDPR Art. 5(2) accountability).
//!
//! # Layout
//!
//! - [`Receipt`] and its parts: the document, written as JSON; [`render_text`] is the same for
//!   a person to read.
//! - [`disk`]: what happens after the erasure on disk: when tombstones and overwritten values
//!   become purgeable (`gc_grace_seconds`), and which snapshots still hold old data.
//! - [`Receipt::signed_file`]: the file written, signed with the Ed25519 signing key kept beside
//!   the audit key, so that anyone holding the public key can check it
//!   (`forgetme_audit::signing`; `gdpr_forget_me verify-receipt`).
//! - [`recheck`]: reads every listed location again later and says whether the subject's data
//!   has come back (a restored backup, a replica that missed the delete).
//!
//! Identifiers appear only as the audit log's HMAC subject refs, so the receipt can be checked
//! against the audit log (the `audit` segment digest) and matched to a request by whoever holds
//! the audit key.

pub mod disk;
pub mod recheck;

use serde::{Deserialize, Serialize};

/// The schema name written in every receipt.
pub const SCHEMA: &str = "gdpr-forget-me/erasure-receipt/v1";

/// The whole receipt.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Receipt {
    /// Always [`SCHEMA`].
    pub schema: String,
    /// The run, as named in the audit log.
    pub run_id: String,
    /// When the run started and ended (RFC 3339, UTC).
    pub started_at: String,
    /// When the receipt was written.
    pub finished_at: String,
    /// The GWS account that erased.
    pub operator: String,
    /// Tool version.
    pub tool_version: String,
    /// Keyspace.
    pub keyspace: String,
    /// The identifiers, as HMAC subject refs.
    pub subjects: Vec<String>,
    /// The request's case or ticket reference (`--case`), when one was given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<String>,
    /// What the search read before the erasure. A receipt with no location is proof that
    /// nothing was stored only when this says the scan was complete. (`None` in receipts
    /// written before the field existed.)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanSummary>,
    /// The part of the audit log this receipt summarizes.
    pub audit: AuditSegment,
    /// Every location handled.
    pub locations: Vec<Location>,
    /// Every setting the search matched that this run did not handle and that therefore still
    /// holds an identifier: corporate favorites (the contact center's, never erased by this
    /// tool), settings holding only possible matches, hits outside the settings layout. Each
    /// says in `to_do` who must act. Settings handled but left holding the subject (needs
    /// review, not erased, failed) are in `locations` with their `to_do`. Empty (and absent)
    /// when nothing matched is left; a receipt with entries here is no complete erasure,
    /// whatever its verification says of the settings it erased.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left_stored: Vec<Location>,
    /// Earlier runs of the same case or subjects, in the same audit log, that planned changes
    /// and never ended (killed mid-change): their run ids and what they planned and recorded.
    /// This run's search shows what is stored now; what those runs changed is in their own
    /// `result` events only. Absent when there were none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interrupted_runs: Vec<forgetme_audit::UnfinishedRun>,
    /// The verification read.
    pub verification: VerificationSummary,
    /// What remains on disk, and until when.
    pub disk: disk::DiskReport,
    /// HMAC-SHA256, with the audit key, of the receipt's canonical form ([`Receipt::canonical`]):
    /// an edited, truncated or re-pointed receipt no longer matches it. `None` only in
    /// receipts written before receipts were sealed; a re-check refuses those.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seal: Option<String>,
}

/// Why a receipt's seal does not hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SealError {
    /// No seal: written before receipts were sealed, or the seal was removed.
    Missing,
    /// The seal does not match the receipt's content under this key: edited, truncated,
    /// re-pointed, or sealed with another key.
    Mismatch,
}

impl std::fmt::Display for SealError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SealError::Missing => write!(f, "the receipt carries no seal (it was removed, or the receipt was written before receipts were sealed)"),
            SealError::Mismatch => write!(f, "the receipt's seal does not match its content: it was edited, cut or re-pointed after it was written (or sealed with another audit key)"),
        }
    }
}

impl Receipt {
    /// The canonical form the seal is computed over: the receipt without its seal, as JSON
    /// with every object's keys sorted and no white space.
    pub fn canonical(&self) -> Vec<u8> {
        let mut unsealed = self.clone();
        unsealed.seal = None;
        // serde_json's Value keeps object keys sorted (a BTreeMap): the same receipt gives the
        // same bytes however it was laid out in its file.
        let value = serde_json::to_value(&unsealed).expect("a receipt serializes");
        serde_json::to_vec(&value).expect("a JSON value serializes")
    }

    /// Seals the receipt with the audit key (after every other field is final).
    pub fn seal_with(&mut self, key: &forgetme_audit::AuditKey) {
        self.seal = None;
        self.seal = Some(key.receipt_seal(&self.canonical()));
    }

    /// The receipt's file: the receipt signed with `key` (its Ed25519 signing key), as pretty
    /// canonical JSON with the `signature` block
    /// ([`forgetme_audit::signing::SigningKey::sign_document`]). The seal stays inside what is
    /// signed: the seal is for the audit key's holder, the signature for anyone with the
    /// public key.
    pub fn signed_file(&self, key: &forgetme_audit::signing::SigningKey) -> Vec<u8> {
        let value = serde_json::to_value(self).expect("a receipt serializes");
        key.sign_document(&value)
            .expect("a receipt is a JSON object without a signature member")
    }

    /// Checks the seal with the audit key.
    pub fn check_seal(&self, key: &forgetme_audit::AuditKey) -> Result<(), SealError> {
        let seal = self.seal.as_deref().ok_or(SealError::Missing)?;
        let expected = key.receipt_seal(&self.canonical());
        // Not secret-dependent timing worth guarding: the seal is written in the file.
        if seal == expected {
            Ok(())
        } else {
            Err(SealError::Mismatch)
        }
    }
}

/// The search behind a receipt: how much it read, and whether it read everything.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct ScanSummary {
    /// Every token range of every table was read.
    pub complete: bool,
    /// Tables scanned (`keyspace.table`).
    pub tables: Vec<String>,
    /// Rows read.
    pub rows: u64,
    /// Token ranges that could not be read.
    pub unread_ranges: usize,
    /// Settings (or rows) that held an identifier.
    pub matched: u64,
    /// Tables of the keyspace with text columns the search did not read (absent when it read
    /// them all, and in receipts written before it existed).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_searched: Vec<String>,
}

/// A range of audit-log events and their digest.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct AuditSegment {
    /// The log file.
    pub log: String,
    /// First event of the run.
    pub first_seq: u64,
    /// Last event of the run.
    pub last_seq: u64,
    /// SHA-256 over the events' hashes (see docs/audit-log.md).
    pub segment_digest: String,
    /// Hash of the last event.
    pub head: String,
    /// Fingerprint of the HMAC key used for subject refs.
    pub key_fingerprint: String,
}

/// One setting handled.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Location {
    /// `keyspace.table`.
    pub table: String,
    /// Column holding the value.
    pub value_column: String,
    /// The agent.
    pub owner_id: String,
    /// Group.
    pub group: String,
    /// Setting key, or `None` when it holds an identifier itself (then see `setting_key_ref`).
    pub setting_key: Option<String>,
    /// HMAC of the setting key when it holds an identifier.
    pub setting_key_ref: Option<String>,
    /// JSON paths where the scan found the subject.
    pub json_paths: Vec<String>,
    /// `deleted`, `rewritten`, `already_gone`, `skipped_changed`, `needs_review`,
    /// `not_erased`, `failed`, or `claimed_erased_still_stored` (GWS answered that it deleted
    /// or rewrote the setting, yet the verification read it back holding an identifier).
    pub action: String,
    /// Entries removed, for `rewritten`.
    pub removed_paths: Vec<String>,
    /// For a setting this run left holding the subject (`needs_review`, `not_erased`,
    /// `failed`): why, and who must act, in plain words without values. Absent otherwise
    /// (and in receipts written before it existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_do: Option<String>,
    /// The row's primary key (column, hex bytes), to read it again; `None` when the key holds
    /// an identifier.
    pub row_key: Option<Vec<(String, String)>>,
}

/// The verification read after the erasure.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct VerificationSummary {
    /// Consistency level of the read, as CQL spells it (`QUORUM`, `LOCAL_QUORUM`...).
    pub consistency: String,
    /// The data center that coordinated the read (`--local-dc`); `None` when no data center
    /// was named (any node coordinated). `LOCAL_*` levels count replicas of this data center.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_center: Option<String>,
    /// Locations read.
    pub checked: usize,
    /// Locations still holding an identifier.
    pub still_matching: usize,
    /// Locations that could not be read.
    pub unreadable: usize,
    /// Nothing left, everything read, and nothing outside the plan vanished.
    pub verified: bool,
    /// Changes after which another setting of the same group had vanished (or could not be
    /// re-checked): collateral damage.
    #[serde(default)]
    pub collateral_damage: usize,
    /// Settings of touched groups, other than the targets, that still held an identifier
    /// (e.g. a copy written back under a new key).
    #[serde(default)]
    pub found_elsewhere: usize,
}

/// Now, RFC 3339 in UTC, in the audit log's format.
pub use forgetme_audit::now_rfc3339;

/// The receipt for a person: plain text, same facts. Every stored field is made printable
/// (control and invisible characters escaped), so a setting key cannot add a line or hide
/// text in the copy a person reads.
pub fn render_text(r: &Receipt) -> String {
    forgetme_matcher::printable_lines(&render_fields(r))
}

fn render_fields(r: &Receipt) -> String {
    use forgetme_matcher::printable as p;
    use std::fmt::Write;
    let mut t = String::new();
    let _ = writeln!(t, "ERASURE RECEIPT ({})", r.schema);
    let _ = writeln!(t, "run {}  {} .. {}", r.run_id, r.started_at, r.finished_at);
    let _ = writeln!(
        t,
        "operator {}  tool {}  keyspace {}",
        p(&r.operator),
        p(&r.tool_version),
        p(&r.keyspace)
    );
    let _ = writeln!(
        t,
        "subjects (HMAC-SHA256, key {}):",
        r.audit.key_fingerprint
    );
    for s in &r.subjects {
        let _ = writeln!(t, "  {s}");
    }
    let _ = writeln!(
        t,
        "audit log {} events {}..{}  segment digest {}  head {}",
        p(&r.audit.log),
        r.audit.first_seq,
        r.audit.last_seq,
        r.audit.segment_digest,
        r.audit.head
    );
    if let Some(case) = &r.case {
        let _ = writeln!(t, "case {}", p(case));
    }
    if let Some(scan) = &r.scan {
        let _ = writeln!(
            t,
            "search: {} row(s) of {} read, {} setting(s) holding an identifier{}",
            scan.rows,
            p(&scan.tables.join(", ")),
            scan.matched,
            if scan.complete {
                ", every token range read".to_string()
            } else {
                format!(
                    "; INCOMPLETE: {} token range(s) could not be read, so this receipt does not show that nothing else is stored",
                    scan.unread_ranges
                )
            }
        );
        if !scan.not_searched.is_empty() {
            let _ = writeln!(
                t,
                "not searched: {} table(s) with text columns ({}): this receipt says nothing about them",
                scan.not_searched.len(),
                p(&scan.not_searched.join(", "))
            );
        }
    }
    let _ = writeln!(t, "\nLocations ({}):", r.locations.len());
    if r.locations.is_empty() {
        let why = match &r.scan {
            Some(s) if s.matched == 0 => "the search found no setting holding an identifier",
            Some(_) => "what the search found was no erasure target (possible matches or corporate favorites; the run's report lists them)",
            None => "there was no erasure target",
        };
        let _ = writeln!(t, "  none: nothing was erased; {why}");
    }
    for l in &r.locations {
        let key = l
            .setting_key
            .clone()
            .or_else(|| l.setting_key_ref.clone())
            .unwrap_or_default();
        let _ = writeln!(
            t,
            "  {}  owner {}  group {}  setting {}  at {}  -> {}{}",
            p(&l.table),
            p(&l.owner_id),
            p(&l.group),
            p(&key),
            p(&l.json_paths.join(", ")),
            p(&l.action),
            if l.removed_paths.is_empty() {
                String::new()
            } else {
                format!(" (removed {})", p(&l.removed_paths.join(", ")))
            }
        );
        if let Some(to_do) = &l.to_do {
            let _ = writeln!(t, "    to do: {}", p(to_do));
        }
    }
    for u in &r.interrupted_runs {
        let _ = writeln!(
            t,
            "\nEARLIER RUN NEVER ENDED: run {} (started {}, audit events {} to {}) planned {} change(s) and recorded the result of {}; it was stopped mid-change. What it did is in its own audit events; this run found what is stored now.",
            p(&u.run_id),
            p(&u.started_at),
            u.first_seq,
            u.last_seq,
            u.planned,
            u.results
        );
    }
    if !r.left_stored.is_empty() {
        let _ = writeln!(
            t,
            "\nStill stored ({}): matched settings this run did not erase; each still holds an identifier, and someone must act:",
            r.left_stored.len()
        );
        for l in &r.left_stored {
            let key = l
                .setting_key
                .clone()
                .or_else(|| l.setting_key_ref.clone())
                .unwrap_or_default();
            let _ = writeln!(
                t,
                "  {}  owner {}  group {}  setting {}  at {}  -> {}",
                p(&l.table),
                p(&l.owner_id),
                p(&l.group),
                p(&key),
                p(&l.json_paths.join(", ")),
                p(&l.action)
            );
            if let Some(to_do) = &l.to_do {
                let _ = writeln!(t, "    to do: {}", p(to_do));
            }
        }
    }
    let v = &r.verification;
    if v.collateral_damage > 0 {
        let _ = writeln!(
            t,
            "\nCOLLATERAL DAMAGE: after {} change(s), other settings of the same group vanished or could not be re-checked (the audit log names them).",
            v.collateral_damage
        );
    }
    let _ = writeln!(
        t,
        "\nVerification at {}{}: {} read, {} still holding an identifier, {} other setting(s) of the same groups holding one, {} unreadable: {}",
        v.consistency,
        v.data_center
            .as_deref()
            .map(|dc| format!(" in data center {dc}"))
            .unwrap_or_default(),
        v.checked,
        v.still_matching,
        v.found_elsewhere,
        v.unreadable,
        match (v.verified, r.left_stored.len()) {
            (true, 0) => "VERIFIED".to_string(),
            (true, n) => format!(
                "VERIFIED for the settings erased; NOT COMPLETE: {n} matched setting(s) still hold an identifier (Still stored, above)"
            ),
            (false, _) => "NOT VERIFIED".to_string(),
        }
    );
    let _ = writeln!(t, "\nOn disk:");
    for tb in &r.disk.tables {
        let _ = writeln!(
            t,
            "  {}: gc_grace_seconds {} -> tombstones and overwritten values purgeable by compaction after {}",
            tb.table, tb.gc_grace_seconds, tb.purgeable_after
        );
    }
    let s = &r.disk.snapshots;
    if s.readable {
        let _ = writeln!(
            t,
            "  snapshots of these tables reported by Cassandra: {}",
            s.list.len()
        );
        for snap in &s.list {
            let _ = writeln!(t, "    {} ({}.{})", snap.name, snap.keyspace, snap.table);
        }
    } else {
        let _ = writeln!(t, "  snapshots: not readable through CQL ({})", s.note);
    }
    let _ = writeln!(t, "  {}", r.disk.backups_note);
    t
}
