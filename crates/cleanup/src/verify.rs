//! Proof after the fact: every touched group re-scanned from Cassandra, not from GWS.
//!
//! GWS answering "OK" is not proof. The rows are read straight from the table at a strong
//! consistency (QUORUM by default), so a replica that missed the change or a GWS cache cannot
//! hide a remaining copy. It is more than a re-read of the touched rows and less than a new
//! search: every partition a target lives in (for the reference layout, one agent's settings
//! group) is read whole and every setting in it matched again, so a contact written back under
//! a new key (a Workspace client re-syncing its recents) is caught too, while a group or table
//! the plan did not touch is not read (a new run searches everything again).

use std::collections::BTreeMap;

use forgetme_matcher::Matcher;
use forgetme_scanner::Consistency;

use crate::partition::{row_label, scan_partition, PartitionId, RowId};
use crate::ports::SettingsStore;
use crate::target::SettingTarget;

/// What the verification found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verification {
    /// Targets whose group was read back.
    pub checked: usize,
    /// Distinct groups (partitions) re-scanned.
    pub partitions: usize,
    /// Settings (rows) read in them.
    pub rows: u64,
    /// Targets whose row still holds an identifier (indices into the targets).
    pub still_matching: Vec<usize>,
    /// Other settings of a touched group that hold an identifier: the index of a target of
    /// that group, and the setting's key. A copy written back under a new key lands here.
    pub elsewhere: Vec<(usize, String)>,
    /// Targets that could not be read, with the error.
    pub unreadable: Vec<(usize, String)>,
}

impl Verification {
    /// True when every touched group was read and none holds an identifier.
    pub fn verified(&self) -> bool {
        self.still_matching.is_empty() && self.elsewhere.is_empty() && self.unreadable.is_empty()
    }
}

/// Re-scans the partition of every target and matches every row in it. Possible matches
/// (a national number read without a region) count only when `include_possible` is set, as
/// in the erasure itself.
pub async fn verify_targets<S: SettingsStore>(
    store: &S,
    targets: &[SettingTarget],
    matcher: &Matcher,
    consistency: Consistency,
    include_possible: bool,
) -> Verification {
    let mut v = Verification::default();
    // Targets grouped by partition, each with its own row id.
    let mut partitions: BTreeMap<PartitionId, Vec<(usize, RowId)>> = BTreeMap::new();
    for (i, t) in targets.iter().enumerate() {
        match store
            .partition_of(t)
            .and_then(|p| Ok((p, store.own_row(t)?)))
        {
            Ok((p, row)) => partitions.entry(p).or_default().push((i, row)),
            Err(e) => v.unreadable.push((i, e)),
        }
    }
    for members in partitions.values() {
        let first = members[0].0;
        let scan = scan_partition(store, &targets[first], consistency, |bytes| {
            matcher
                .match_bytes(bytes)
                .hits
                .iter()
                .any(|h| include_possible || !h.variant.is_possible())
        })
        .await;
        match scan {
            Ok(scan) => {
                v.partitions += 1;
                v.rows += scan.rows;
                v.checked += members.len();
                for row in scan.matching {
                    match members.iter().find(|(_, own)| *own == row) {
                        Some((i, _)) => v.still_matching.push(*i),
                        None => v.elsewhere.push((first, row_label(&row))),
                    }
                }
            }
            Err(e) => {
                for (i, _) in members {
                    v.unreadable.push((*i, e.clone()));
                }
            }
        }
    }
    v.still_matching.sort_unstable();
    v.unreadable.sort();
    v
}
