//! Reading single rows back by their primary key, as stored bytes.
//!
//! Verification after an erasure re-reads exactly the rows the scan found, at a strong
//! consistency. The scan kept each row's primary-key values as the raw bytes Cassandra sent,
//! so they can be bound back as they are, whatever the column types (text, blob, a packed
//! Thrift-era key): the read does not need to understand the layout.

use scylla::cluster::metadata::ColumnType;
use scylla::statement::unprepared::Statement;
use scylla::statement::Consistency;

use crate::names::quote;
use crate::Session;

pub use crate::raw::{RawValue, RowKey};

/// Reads `column` of the row with primary key `key` from `keyspace.table`. `Ok(None)` when the
/// row (or the column) does not exist. When `key` names an entry of `column`, a map
/// ([`crate::collection::entry_in_key`]), the value of that entry alone (`Ok(None)` when the
/// map has no such entry).
pub async fn read_column(
    session: &Session,
    keyspace: &str,
    table: &str,
    column: &str,
    key: &RowKey,
    consistency: Consistency,
) -> Result<Option<Vec<u8>>, String> {
    if let Some((entry, row)) = crate::collection::entry_in_key(key, column) {
        let map = Box::pin(read_column(
            session,
            keyspace,
            table,
            column,
            &row,
            consistency,
        ))
        .await?;
        return match map {
            None => Ok(None),
            Some(raw) => crate::collection::map_entry(&raw, entry)
                .map(|v| v.map(<[u8]>::to_vec))
                .ok_or_else(|| format!("column {column} of {keyspace}.{table} is not a map")),
        };
    }
    let conditions: Vec<String> = key
        .iter()
        .map(|(c, _)| format!("{} = ?", quote(c)))
        .collect();
    let cql = format!(
        "SELECT {} FROM {}.{} WHERE {}",
        quote(column),
        quote(keyspace),
        quote(table),
        conditions.join(" AND ")
    );
    let mut statement = Statement::new(cql);
    statement.set_consistency(consistency);
    let values: Vec<&RawValue> = key.iter().map(|(_, v)| v).collect();
    let result = session
        .query_unpaged(statement, values)
        .await
        .map_err(|e| e.to_string())?;
    let rows = result.into_rows_result().map_err(|e| e.to_string())?;
    let mut iter = rows
        .rows::<(Option<RawBytes>,)>()
        .map_err(|e| e.to_string())?;
    match iter.next() {
        None => Ok(None),
        Some(row) => Ok(row.map_err(|e| e.to_string())?.0.map(|b| b.0)),
    }
}

/// Any column as owned bytes.
struct RawBytes(Vec<u8>);

impl<'frame, 'metadata> scylla::deserialize::value::DeserializeValue<'frame, 'metadata>
    for RawBytes
{
    fn type_check(_typ: &ColumnType) -> Result<(), scylla::deserialize::TypeCheckError> {
        Ok(())
    }

    fn deserialize(
        _typ: &'metadata ColumnType<'metadata>,
        v: Option<scylla::deserialize::FrameSlice<'frame>>,
    ) -> Result<Self, scylla::deserialize::DeserializationError> {
        Ok(RawBytes(
            v.map(|s| s.as_slice().to_vec()).unwrap_or_default(),
        ))
    }
}
