//! The erasure receipt's content: what a cleanup did, without personal data, and the checks
//! a receipt must pass before it is re-checked. Writing the files and printing stay in the
//! binary.

use std::path::{Path, PathBuf};

use forgetme_audit::{AuditKey, AuditLog, EventKind};
use forgetme_cleanup::{Outcome, SettingResult, SettingTarget, Verification};
use forgetme_erasure_receipt::disk::DiskReport;
use forgetme_erasure_receipt::{
    AuditSegment, Location, Receipt, ScanSummary, VerificationSummary, SCHEMA,
};
use forgetme_matcher::Matcher;
use forgetme_scanner::Session;

use crate::found::SearchOutcome;

/// Where a receipt reads what remains on disk: each touched table's `gc_grace_seconds` and
/// the snapshots of those tables. The store an erasure read from answers it (the CQL session
/// by querying the node's schema and `system_views.snapshots`), so a receipt can be built
/// against an in-memory store too.
pub trait DiskFacts: Sync {
    /// The disk facts of `tables` (`(keyspace, table)`), for an erasure at `erased_at` (Unix
    /// seconds).
    fn disk_report(
        &self,
        tables: &[(String, String)],
        erased_at: i64,
    ) -> impl std::future::Future<Output = DiskReport> + Send;
}

impl DiskFacts for Session {
    async fn disk_report(&self, tables: &[(String, String)], erased_at: i64) -> DiskReport {
        forgetme_erasure_receipt::disk::disk_report(self, tables, erased_at).await
    }
}

/// What the receipt needs to know about the run, gathered before and after it.
pub struct RunFacts {
    /// The run's start time.
    pub started_at: forgetme_audit::Timestamp,
    /// Sequence number of the run's first audit event.
    pub first_seq: u64,
    /// The GWS operator.
    pub operator: String,
    /// Keyspace.
    pub keyspace: String,
    /// Verification consistency.
    pub consistency: forgetme_scanner::ConsistencyLevel,
    /// The data center the verification was read in (`--local-dc`).
    pub data_center: Option<String>,
    /// A ticket reference (`--case`, a batch's request id).
    pub case: Option<forgetme_audit::CaseRef>,
    /// The tool's version, written into the receipt.
    pub tool_version: String,
    /// What the search read.
    pub scan: ScanSummary,
    /// Every hit the search listed: the matched settings no erasure target covers go into
    /// the receipt's `left_stored`.
    pub matched: Vec<crate::found::Found>,
    /// Earlier runs of the same case or subjects that planned changes and never ended.
    pub interrupted_runs: Vec<forgetme_audit::UnfinishedRun>,
}

/// The receipt's summary of the search the erasure was planned from.
pub fn scan_summary(outcome: &SearchOutcome) -> ScanSummary {
    ScanSummary {
        complete: outcome.complete(),
        tables: outcome.tables.iter().map(ToString::to_string).collect(),
        rows: outcome.rows,
        unread_ranges: outcome.failed.len(),
        matched: outcome.totals.settings,
        not_searched: outcome.coverage.not_searched.clone(),
    }
}

/// Builds the receipt after `run_end` has been written.
#[allow(clippy::too_many_arguments)]
pub async fn build(
    store: &impl DiskFacts,
    facts: &RunFacts,
    log: &AuditLog,
    key: &AuditKey,
    matcher: &Matcher,
    results: &[SettingResult],
    verification: &Verification,
) -> Result<Receipt, String> {
    let (head, last_seq) = log.head();
    let segment_digest = forgetme_audit::segment_digest(log.path(), facts.first_seq, last_seq)
        .map_err(|e| format!("audit log: {e}"))?;
    let subjects = matcher
        .identifiers()
        .iter()
        .map(|i| key.subject_ref(i.normalized()))
        .collect();
    let locations = results
        .iter()
        .map(|r| location(&r.target, &r.outcome, matcher, key))
        .collect();
    let left_stored = left_stored(&facts.matched, results, matcher, key);
    let mut tables: Vec<(String, String)> = results
        .iter()
        .map(|r| {
            (
                r.target.table.keyspace.clone(),
                r.target.table.table.clone(),
            )
        })
        .collect();
    tables.sort();
    tables.dedup();
    let now = time_now();
    let mut receipt = Receipt {
        schema: SCHEMA.to_string(),
        run_id: log.run_id().to_string(),
        // Written as the audit log writes its times (RFC 3339, UTC, milliseconds).
        started_at: facts.started_at.to_string(),
        finished_at: forgetme_audit::Timestamp::now().to_string(),
        operator: facts.operator.clone(),
        tool_version: facts.tool_version.clone(),
        keyspace: facts.keyspace.clone(),
        subjects,
        // The receipt's own type keeps it as text: receipts are read back by
        // `verify-receipt` and re-checks, which take them as written.
        case: facts.case.as_ref().map(ToString::to_string),
        scan: Some(facts.scan.clone()),
        audit: AuditSegment {
            log: log.path().display().to_string(),
            first_seq: facts.first_seq,
            last_seq,
            segment_digest,
            head: head.to_string(),
            key_fingerprint: key.fingerprint(),
        },
        locations,
        left_stored,
        interrupted_runs: facts.interrupted_runs.clone(),
        verification: VerificationSummary {
            // The receipt names it as CQL spells it (`LOCAL_QUORUM`).
            consistency: facts.consistency.cql_name().to_string(),
            data_center: facts.data_center.clone(),
            checked: verification.checked,
            still_matching: verification.still_matching.len(),
            unreadable: verification.unreadable.len(),
            collateral_damage: results.iter().filter(|r| r.collateral.is_damage()).count(),
            found_elsewhere: verification.elsewhere.len(),
            // A scan that missed token ranges cannot back a "verified": data may sit there.
            verified: crate::erasure_plan::erasure_verified(
                results,
                verification,
                facts.scan.complete,
            ),
        },
        disk: store.disk_report(&tables, now).await,
        seal: None,
    };
    receipt.seal_with(key);
    Ok(receipt)
}

fn time_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// A location without personal data: a setting key that holds an identifier is replaced by
/// its HMAC, and then the row key (which contains it) is left out.
fn location(t: &SettingTarget, outcome: &Outcome, matcher: &Matcher, key: &AuditKey) -> Location {
    let personal_key = matcher.is_match_text(&t.setting_key);
    Location {
        table: t.table.to_string(),
        value_column: t.value_column.clone(),
        owner_id: t.user_id.clone(),
        group: t.group.clone(),
        setting_key: (!personal_key).then(|| t.setting_key.clone()),
        setting_key_ref: personal_key.then(|| key.subject_ref(&t.setting_key)),
        json_paths: t.json_paths.clone(),
        action: outcome.as_str().to_string(),
        removed_paths: match outcome {
            Outcome::Rewritten { removed } => removed.clone(),
            _ => Vec::new(),
        },
        to_do: match outcome {
            Outcome::NeedsReview { reason, records } => Some(format!(
                "{reason} (records {}); the subject's data is still in this setting",
                records.join(", ")
            )),
            Outcome::NotErased { reason, .. } => Some(format!(
                "{reason}; the Cassandra operator must remove the row (the run's report has the statement)"
            )),
            Outcome::Failed(e) => Some(format!("the change failed ({e}); run the cleanup again")),
            Outcome::ClaimedStillStored { claimed } => Some(format!(
                "GWS answered that it {claimed} this setting, yet the verification read it back still holding an identifier: it is still stored; check GWS (and anything in front of it), then run the cleanup again"
            )),
            _ => None,
        },
        row_key: (!personal_key).then(|| {
            t.row_key
                .iter()
                .map(|(c, v)| (c.clone(), hex::encode(&v.0)))
                .collect()
        }),
    }
}

/// The matched settings no result covers (never targeted: corporate favorites, possible
/// matches, deep hits), one location each, with who must act.
fn left_stored(
    matched: &[crate::found::Found],
    results: &[SettingResult],
    matcher: &Matcher,
    key: &AuditKey,
) -> Vec<Location> {
    use crate::found::OwnerType;
    use std::collections::BTreeMap;
    let handled = |f: &crate::found::Found| {
        results.iter().any(|r| {
            let t = &r.target;
            t.table == f.table
                && Some(&t.user_id) == f.user_id.as_ref()
                && Some(&t.group) == f.group.as_ref()
                && t.setting_key == f.setting_key
        })
    };
    // One entry per setting (or deep row): table, owner, group, key, column.
    let mut by_place: BTreeMap<_, Vec<&crate::found::Found>> = BTreeMap::new();
    for f in matched.iter().filter(|f| !handled(f)) {
        by_place
            .entry((
                f.table.to_string(),
                f.user_id.clone(),
                f.group.clone(),
                f.setting_key.clone(),
                f.column.clone(),
            ))
            .or_default()
            .push(f);
    }
    by_place
        .into_values()
        .map(|hits| {
            let f = hits[0];
            let (action, to_do) = if f.owner_type == OwnerType::ContactCenter {
                (
                    "left_stored_corporate",
                    "a corporate favorite of the contact center, not an agent's setting: this tool never erases it. The GWS administrator must remove the subject's entry from the contact center's corporate favorites; then run the cleanup again, whose receipt shows it gone".to_string(),
                )
            } else if f.owner_type == OwnerType::Unknown || f.group.is_none() {
                (
                    "left_stored_outside_layout",
                    "found outside the settings layout (--deep): this tool does not erase it. The Cassandra operator must review the row and remove the subject's data".to_string(),
                )
            } else if hits.iter().all(|h| h.possible) {
                (
                    "left_stored_possible_match",
                    "holds only possible matches (a national number that is the subject's only if read in another country): the privacy officer must check it; if it is the subject's, run the cleanup again with --erase-possible-matches".to_string(),
                )
            } else {
                (
                    "left_stored_not_erasable",
                    "the tool may not erase it: the Cassandra operator must review it and remove the subject's data".to_string(),
                )
            };
            let personal_key = matcher.is_match_text(&f.setting_key);
            let mut json_paths: Vec<String> =
                hits.iter().filter_map(|h| h.json_path.clone()).collect();
            json_paths.dedup();
            Location {
                table: f.table.to_string(),
                value_column: f.column.clone().unwrap_or_default(),
                owner_id: f
                    .user_id
                    .clone()
                    .unwrap_or_else(|| match f.owner_type {
                        OwnerType::ContactCenter => "contact-center".to_string(),
                        _ => "unknown".to_string(),
                    }),
                group: f.group.clone().unwrap_or_default(),
                setting_key: (!personal_key).then(|| f.setting_key.clone()),
                setting_key_ref: personal_key.then(|| key.subject_ref(&f.setting_key)),
                json_paths,
                action: action.to_string(),
                removed_paths: Vec::new(),
                to_do: Some(to_do),
                row_key: (!personal_key).then(|| {
                    f.row_key
                        .iter()
                        .map(|(c, v)| (c.clone(), hex::encode(&v.0)))
                        .collect()
                }),
            }
        })
        .collect()
}

/// The default receipt path: beside the audit log, named after the run.
pub fn default_path(audit_log: &Path, run_id: &str) -> PathBuf {
    let dir = audit_log.parent().unwrap_or(Path::new(""));
    dir.join(format!("gdpr_forget_me.receipt.{run_id}.json"))
}

/// Why a receipt does not match its audit log.
pub fn check_against_log(receipt: &Receipt, log: &Path, key: &AuditKey) -> Result<(), String> {
    let seg = forgetme_audit::segment_summary(
        log,
        receipt.audit.first_seq,
        receipt.audit.last_seq,
        Some(key),
    )
    .map_err(|e| e.to_string())?;
    if seg.digest != receipt.audit.segment_digest {
        return Err("the segment digest differs".into());
    }
    if seg.head != receipt.audit.head {
        return Err("the last event's hash differs".into());
    }
    if seg.runs != [receipt.run_id.clone()] {
        return Err("the segment is not this run's alone".into());
    }
    let results = seg
        .kinds
        .get(EventKind::Result.as_str())
        .copied()
        .unwrap_or(0);
    if results != receipt.locations.len() as u64 {
        return Err(format!(
            "the log records {results} setting(s) handled, the receipt lists {}",
            receipt.locations.len()
        ));
    }
    Ok(())
}

/// What a re-check learnt from a receipt's signature.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureCheck {
    /// Signed, and the signature verifies with this key beside the audit key (current or
    /// retired).
    Verified {
        /// The key that signed it.
        key_id: String,
    },
    /// No signature: written before receipts were signed (the seal still vouches for it).
    Unsigned,
    /// Signed with a key that is neither the signing key beside the audit key nor a retired
    /// one (a signing key lost and made anew): the signature could not be checked here.
    UnknownKey {
        /// The key the receipt names.
        key_id: String,
    },
}

/// Why a receipt's signature could not be accepted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignatureError {
    /// The signing keys beside the audit key cannot be read (permissions, a link, a
    /// malformed file): nothing was said about the receipt.
    Keys(String),
    /// The receipt is signed and its signature does not hold: it changed after it was signed.
    Invalid(String),
}

/// Checks the signature of a receipt's file bytes, when it has one, with the public keys kept
/// beside the audit key (the current signing key's and the retired ones). A signature that
/// does not hold (the file changed after it was signed) is an error.
pub fn check_signature(file: &[u8], audit_key: &Path) -> Result<SignatureCheck, SignatureError> {
    use forgetme_audit::signing::{keyfile, verify_document, Invalid};
    let keys = keyfile::public_keys(audit_key)
        .map_err(|e| SignatureError::Keys(e.to_string()))?
        .all();
    match verify_document(file, &keys) {
        Ok(v) => Ok(SignatureCheck::Verified { key_id: v.key_id }),
        Err(Invalid::Unsigned) => Ok(SignatureCheck::Unsigned),
        Err(Invalid::UnknownKey { key_id, .. }) => Ok(SignatureCheck::UnknownKey { key_id }),
        Err(e) => Err(SignatureError::Invalid(e.to_string())),
    }
}

/// How many of `normalized` identifiers are not among a receipt's `subjects` (their HMACs
/// with `key` are not among those refs).
pub fn unknown_subjects<'a>(
    subjects: &[String],
    key: &AuditKey,
    normalized: impl IntoIterator<Item = &'a str>,
) -> usize {
    normalized
        .into_iter()
        .filter(|n| !subjects.contains(&key.subject_ref(n)))
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use forgetme_matcher::{parse_identifier, ParseOptions};
    use forgetme_scanner::read::RawValue;
    use forgetme_scanner::TableName;

    fn matcher(id: &str) -> Matcher {
        Matcher::new(
            vec![parse_identifier(id, &ParseOptions::default()).unwrap()],
            None,
        )
    }

    fn target(setting_key: &str) -> SettingTarget {
        SettingTarget {
            table: TableName::new("sipfs", "settings"),
            value_column: "value".into(),
            user_id: "0123456789abcdef0123456789abcdef".into(),
            group: "interaction-workspace-personal-favorites".into(),
            setting_key: setting_key.into(),
            row_key: vec![(
                "setting_key".into(),
                RawValue(setting_key.as_bytes().to_vec()),
            )],
            json_paths: vec!["$.emailAddresses[0]".into()],
            identifiers: vec![0],
            possible: false,
        }
    }

    #[test]
    fn a_location_names_the_setting_and_its_row() {
        let key = AuditKey::from_bytes([7; 32]);
        let m = matcher("john.smith@pizza.com");
        let l = location(&target("fav-1"), &Outcome::Deleted, &m, &key);
        assert_eq!(l.table, "sipfs.settings");
        assert_eq!(l.setting_key.as_deref(), Some("fav-1"));
        assert_eq!(l.setting_key_ref, None);
        assert_eq!(l.action, "deleted");
        let row = l.row_key.expect("the row key is kept");
        assert_eq!(row[0], ("setting_key".into(), hex::encode("fav-1")));
    }

    /// Workspace may key a recent contact by the address itself: the receipt must then hold
    /// neither the key nor the row key (which contains it), only the key's HMAC.
    #[test]
    fn a_setting_key_that_is_the_identifier_is_kept_only_as_its_hmac() {
        let key = AuditKey::from_bytes([7; 32]);
        let m = matcher("john.smith@pizza.com");
        let t = target("john.smith@pizza.com");
        let l = location(&t, &Outcome::Deleted, &m, &key);
        assert_eq!(l.setting_key, None);
        assert_eq!(l.row_key, None);
        assert_eq!(
            l.setting_key_ref,
            Some(key.subject_ref("john.smith@pizza.com"))
        );
        let json = serde_json::to_string(&l).unwrap();
        assert!(!json.contains("john.smith"), "{json}");
        assert!(!json.contains(&hex::encode("john.smith")), "{json}");
    }

    #[test]
    fn identifiers_not_in_the_receipt_are_counted() {
        let key = AuditKey::from_bytes([1; 32]);
        let subjects = vec![key.subject_ref("+441234567890")];
        assert_eq!(unknown_subjects(&subjects, &key, ["+441234567890"]), 0);
        assert_eq!(
            unknown_subjects(&subjects, &key, ["+441234567890", "x@y.z"]),
            1
        );
        let other_key = AuditKey::from_bytes([2; 32]);
        assert_eq!(
            unknown_subjects(&subjects, &other_key, ["+441234567890"]),
            1
        );
    }
}
