//! Reading a target's whole partition (its owner's settings group) straight from Cassandra.
//!
//! Two checks need more than the targeted row:
//!
//! - **Collateral damage.** A DELETE that loses its body deletes the whole group in GWS; a
//!   buggy or hostile GWS may drop neighbours. Before each change the partition is read and a
//!   digest of every row kept; right after it, the partition is read again and every row other
//!   than the target must still be there ([`Snapshot::compare`]).
//! - **Verification as a search.** A Workspace client re-syncing may write the contact back
//!   under a new key. Re-reading the touched rows alone would miss it, so verification
//!   re-scans every touched partition for the identifiers ([`scan_partition`]).
//!
//! Rows are named by their clustering key (for the reference layout: the setting key). In a
//! layout whose settings are the entries of a map column (`value_map`), each entry is read as
//! a row of its own, named by the clustering key and the entry's key: a change to one entry
//! must leave every other entry of the map, and every other row, as it was. Values
//! are kept only as a SHA-256 digest, so a snapshot of a large group stays small and never
//! holds personal data.

use std::collections::BTreeMap;

use forgetme_scanner::Consistency;
use sha2::{Digest, Sha256};

use crate::ports::SettingsStore;
pub use crate::ports::{PartitionId, RowId};
use crate::target::SettingTarget;

/// A row's name for reports: its clustering key as text (hex for bytes that are not UTF-8).
pub fn row_label(id: &RowId) -> String {
    id.iter()
        .map(|part| match std::str::from_utf8(part) {
            Ok(s) => s.to_string(),
            Err(_) => format!("0x{}", hex::encode(part)),
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Every row of a target's partition, by clustering key, with a digest of its value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    rows: BTreeMap<RowId, [u8; 32]>,
    own_row: RowId,
}

fn digest(value: Option<&[u8]>) -> [u8; 32] {
    let mut h = Sha256::new();
    match value {
        None => h.update([0u8]),
        Some(v) => {
            h.update([1u8]);
            h.update(v);
        }
    }
    h.finalize().into()
}

/// Reads the target's partition and remembers every row.
pub async fn snapshot<S: SettingsStore>(
    store: &S,
    t: &SettingTarget,
    consistency: Consistency,
) -> Result<Snapshot, String> {
    let own_row = store.own_row(t)?;
    let mut rows = BTreeMap::new();
    store
        .partition_rows(t, consistency, |id, value| {
            rows.insert(id, digest(value));
        })
        .await?;
    Ok(Snapshot { rows, own_row })
}

/// What happened to the rows of a partition, other than the target, across one change.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Collateral {
    /// Rows that were there before the change and are gone after it: collateral damage
    /// (or, in the short window between the two reads, an agent's own deletion, which the
    /// tool cannot tell apart and therefore reports as damage).
    pub vanished: Vec<String>,
    /// Rows whose value differs after the change: the tool's change writes only the target,
    /// so this is an agent (or another client) writing at the same time. Reported, not a
    /// failure.
    pub changed_meanwhile: Vec<String>,
    /// Set when the partition could not be read after the change, so nothing was checked.
    pub unchecked: Option<String>,
}

impl Collateral {
    /// Whether the check found damage or could not be made.
    pub fn is_damage(&self) -> bool {
        !self.vanished.is_empty() || self.unchecked.is_some()
    }

    /// Whether there is anything to report.
    pub fn is_empty(&self) -> bool {
        self.vanished.is_empty() && self.changed_meanwhile.is_empty() && self.unchecked.is_none()
    }
}

impl Snapshot {
    /// Compares with the partition as it is now (`after`), ignoring the target's own row.
    pub fn compare(&self, after: &Snapshot) -> Collateral {
        let mut c = Collateral::default();
        for (id, before) in &self.rows {
            if *id == self.own_row {
                continue;
            }
            match after.rows.get(id) {
                None => c.vanished.push(row_label(id)),
                Some(now) if now != before => c.changed_meanwhile.push(row_label(id)),
                Some(_) => {}
            }
        }
        c
    }

    /// Rows in the snapshot.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the partition was empty.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// What a search of one partition found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartitionScan {
    /// Rows read.
    pub rows: u64,
    /// Rows that still match, by label, with whether the row is the target's own.
    pub matching: Vec<RowId>,
}

/// Reads every row of the target's partition and returns the rows for which `is_match` holds.
pub async fn scan_partition<S: SettingsStore>(
    store: &S,
    t: &SettingTarget,
    consistency: Consistency,
    mut is_match: impl FnMut(&[u8]) -> bool + Send,
) -> Result<PartitionScan, String> {
    let mut scan = PartitionScan::default();
    store
        .partition_rows(t, consistency, |id, value| {
            scan.rows += 1;
            if value.is_some_and(&mut is_match) {
                scan.matching.push(id);
            }
        })
        .await?;
    Ok(scan)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(rows: &[(&str, &str)], own: &str) -> Snapshot {
        Snapshot {
            rows: rows
                .iter()
                .map(|(k, v)| (vec![k.as_bytes().to_vec()], digest(Some(v.as_bytes()))))
                .collect(),
            own_row: vec![own.as_bytes().to_vec()],
        }
    }

    #[test]
    fn vanished_and_changed_rows_are_told_apart() {
        let before = snap(&[("a", "1"), ("b", "2"), ("c", "3"), ("t", "x")], "t");
        let after = snap(&[("a", "1"), ("c", "33"), ("new", "n")], "t");
        let c = before.compare(&after);
        assert_eq!(c.vanished, ["b"]);
        assert_eq!(c.changed_meanwhile, ["c"]);
        assert!(c.is_damage());
        let same = before.compare(&snap(&[("a", "1"), ("b", "2"), ("c", "3")], "t"));
        assert!(same.is_empty(), "the target's own row may go: {same:?}");
    }

    #[test]
    fn labels_are_text_or_hex() {
        assert_eq!(row_label(&vec![b"fav-1".to_vec()]), "fav-1");
        assert_eq!(
            row_label(&vec![vec![0xff, 0x01], b"x".to_vec()]),
            "0xff01/x"
        );
    }
}
