//! [`SettingsStore`] for the Cassandra session: the reads an erasure makes, by CQL.
//!
//! A target's partition and own row come from the table's schema as the driver knows it
//! (its partition-key and clustering columns, with the values of the target's row key); its
//! partition is read a page at a time at the consistency asked for; its stored value is one
//! `SELECT` of the value column by primary key; and the `DELETE` for the operator's report is
//! [`crate::cql::delete_row_statement`].

use std::ops::ControlFlow;

use forgetme_scanner::collection::{entry_in_key, map_entries};
use forgetme_scanner::names::quote;
use forgetme_scanner::read::{read_column, RawValue, RowKey};
use forgetme_scanner::{Consistency, Session, TableName};
use scylla::deserialize::row::ColumnIterator;
use scylla::response::PagingState;
use scylla::statement::unprepared::Statement;

use crate::partition::{PartitionId, RowId};
use crate::ports::SettingsStore;
use crate::target::SettingTarget;

impl SettingsStore for Session {
    async fn stored_value(
        &self,
        t: &SettingTarget,
        consistency: Consistency,
    ) -> Result<Option<Vec<u8>>, String> {
        read_column(
            self,
            &t.table.keyspace,
            &t.table.table,
            &t.value_column,
            &t.row_key,
            consistency,
        )
        .await
    }

    async fn partition_rows<F>(
        &self,
        t: &SettingTarget,
        consistency: Consistency,
        on_row: F,
    ) -> Result<(), String>
    where
        F: FnMut(RowId, Option<&[u8]>) + Send,
    {
        let q = query_for(self, t)?;
        read_rows(self, &q, consistency, on_row).await
    }

    fn partition_of(&self, t: &SettingTarget) -> Result<PartitionId, String> {
        query_for(self, t).map(|q| q.partition)
    }

    fn own_row(&self, t: &SettingTarget) -> Result<RowId, String> {
        query_for(self, t).map(|q| q.own_row)
    }

    fn delete_row_statement(&self, table: &TableName, key: &RowKey) -> Result<String, String> {
        crate::cql::delete_row_statement(self, table, key)
    }
}

/// Rows per page when reading a partition.
const PAGE_SIZE: i32 = 500;

/// The shape of the partition query for one target.
struct Query {
    partition: PartitionId,
    clustering: Vec<String>,
    value_column: String,
    /// Whether the value column is a map whose entries are the settings (the target's row
    /// key names one of them).
    entries: bool,
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
    let mut own_row = table
        .clustering_key
        .iter()
        .map(|c| value_of(c).map(|v| v.0))
        .collect::<Result<Vec<_>, _>>()?;
    let entry = entry_in_key(&t.row_key, &t.value_column);
    if let Some((entry, _)) = &entry {
        own_row.push(entry.to_vec());
    }
    Ok(Query {
        partition: PartitionId {
            table: t.table.clone(),
            key,
        },
        clustering: table.clustering_key.clone(),
        value_column: t.value_column.clone(),
        entries: entry.is_some(),
        own_row,
    })
}

/// Calls `on_row` with each row of the partition: its clustering key and its value; for a map
/// of settings, with each entry: the clustering key and the entry's key, and its value.
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
            if !q.entries {
                on_row(id, value);
                continue;
            }
            // An empty map is stored as no value: a row without entries.
            let Some(value) = value else {
                continue;
            };
            let Some(entries) = map_entries(value) else {
                return Err(format!(
                    "column {} of {} is not a map",
                    q.value_column, q.partition.table
                ));
            };
            for (key, value) in entries {
                let mut entry_id = id.clone();
                entry_id.push(key.to_vec());
                on_row(entry_id, value);
            }
        }
        match next.into_paging_control_flow() {
            ControlFlow::Break(()) => return Ok(()),
            ControlFlow::Continue(state) => paging = state,
        }
    }
}
