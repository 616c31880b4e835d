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
//! Rows are named by their clustering key (for the reference layout: the setting key); values
//! are kept only as a SHA-256 digest, so a snapshot of a large group stays small and never
//! holds personal data.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use forgetme_scanner::names::quote;
use forgetme_scanner::read::RawValue;
use forgetme_scanner::{Consistency, Session, TableName};
use scylla::deserialize::row::ColumnIterator;
use scylla::response::PagingState;
use scylla::statement::unprepared::Statement;
use sha2::{Digest, Sha256};

use crate::target::SettingTarget;

/// Rows per page when reading a partition.
const PAGE_SIZE: i32 = 500;

/// A row of a partition, identified by its clustering key's stored bytes.
pub type RowId = Vec<Vec<u8>>;

/// Which partition a target lives in: table and partition-key values.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PartitionId {
    /// The table.
    pub table: TableName,
    /// The partition-key columns with their stored bytes.
    pub key: Vec<(String, RawValue)>,
}

/// The shape of the partition query for one target.
struct Query {
    partition: PartitionId,
    clustering: Vec<String>,
    value_column: String,
    own_row: RowId,
}

fn query_for(session: &Session, t: &SettingTarget) -> Result<Query, String> {
    let state = session.get_cluster_state();
    let table = state
        .get_keyspace(&t.table.keyspace)
        .and_then(|k| k.tables.get(&t.table.table))
        .ok_or_else(|| format!("table {} is not in the schema", t.table))?;
    let value_of = |column: &str| {
        t.row_key
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, v)| v.clone())
            .ok_or_else(|| format!("the row key has no column {column}"))
    };
    let key = table
        .partition_key
        .iter()
        .map(|c| value_of(c).map(|v| (c.clone(), v)))
        .collect::<Result<Vec<_>, _>>()?;
    let own_row = table
        .clustering_key
        .iter()
        .map(|c| value_of(c).map(|v| v.0))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Query {
        partition: PartitionId {
            table: t.table.clone(),
            key,
        },
        clustering: table.clustering_key.clone(),
        value_column: t.value_column.clone(),
        own_row,
    })
}

/// The partition a target lives in.
pub fn partition_of(session: &Session, t: &SettingTarget) -> Result<PartitionId, String> {
    query_for(session, t).map(|q| q.partition)
}

/// Calls `on_row` with each row of the partition: its clustering key and its value.
async fn read_rows(
    session: &Session,
    q: &Query,
    consistency: Consistency,
    mut on_row: impl FnMut(RowId, Option<&[u8]>),
) -> Result<(), String> {
    let mut selected: Vec<String> = q.clustering.iter().map(|c| quote(c)).collect();
    selected.push(quote(&q.value_column));
    let conditions: Vec<String> = q
        .partition
        .key
        .iter()
        .map(|(c, _)| format!("{} = ?", quote(c)))
        .collect();
    let cql = format!(
        "SELECT {} FROM {}.{} WHERE {}",
        selected.join(", "),
        quote(&q.partition.table.keyspace),
        quote(&q.partition.table.table),
        conditions.join(" AND ")
    );
    let mut statement = Statement::new(cql);
    statement.set_consistency(consistency);
    statement.set_page_size(PAGE_SIZE);
    let values: Vec<&RawValue> = q.partition.key.iter().map(|(_, v)| v).collect();
    let mut paging = PagingState::start();
    let clustering = q.clustering.len();
    loop {
        let (result, next) = session
            .query_single_page(statement.clone(), &values, paging)
            .await
            .map_err(|e| e.to_string())?;
        let rows = result.into_rows_result().map_err(|e| e.to_string())?;
        for row in rows.rows::<ColumnIterator>().map_err(|e| e.to_string())? {
            let row = row.map_err(|e| e.to_string())?;
            let mut id = Vec::with_capacity(clustering);
            let mut value = None;
            for (i, col) in row.enumerate() {
                let col = col.map_err(|e| e.to_string())?;
                let bytes = col.slice.map(|s| s.as_slice());
                if i < clustering {
                    id.push(bytes.unwrap_or_default().to_vec());
                } else {
                    value = bytes;
                }
            }
            on_row(id, value);
        }
        match next.into_paging_control_flow() {
            ControlFlow::Break(()) => return Ok(()),
            ControlFlow::Continue(state) => paging = state,
        }
    }
}

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
pub async fn snapshot(
    session: &Session,
    t: &SettingTarget,
    consistency: Consistency,
) -> Result<Snapshot, String> {
    let q = query_for(session, t)?;
    let mut rows = BTreeMap::new();
    read_rows(session, &q, consistency, |id, value| {
        rows.insert(id, digest(value));
    })
    .await?;
    Ok(Snapshot {
        rows,
        own_row: q.own_row,
    })
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
pub async fn scan_partition(
    session: &Session,
    t: &SettingTarget,
    consistency: Consistency,
    mut is_match: impl FnMut(&[u8]) -> bool,
) -> Result<PartitionScan, String> {
    let q = query_for(session, t)?;
    let mut scan = PartitionScan::default();
    read_rows(session, &q, consistency, |id, value| {
        scan.rows += 1;
        if value.is_some_and(&mut is_match) {
            scan.matching.push(id);
        }
    })
    .await?;
    Ok(scan)
}

/// The target's own row id (its clustering key), to tell it from other rows of a partition.
pub fn own_row(session: &Session, t: &SettingTarget) -> Result<RowId, String> {
    query_for(session, t).map(|q| q.own_row)
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
