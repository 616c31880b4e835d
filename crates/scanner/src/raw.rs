//! A column's stored bytes and a row's primary key, as the scanner and the erasure's reads
//! bind them: the vocabulary [`crate::read`] and [`crate::collection`] share.

use scylla::cluster::metadata::ColumnType;
use scylla::serialize::value::SerializeValue;
use scylla::serialize::writers::{CellWriter, WrittenCellProof};
use scylla::serialize::SerializationError;

/// A column value as the bytes Cassandra stores, bound without conversion.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawValue(pub Vec<u8>);

impl SerializeValue for RawValue {
    fn serialize<'b>(
        &self,
        _typ: &ColumnType,
        writer: CellWriter<'b>,
    ) -> Result<WrittenCellProof<'b>, SerializationError> {
        writer.set_value(&self.0).map_err(SerializationError::new)
    }
}

/// A row's primary key: each key column with its stored bytes.
pub type RowKey = Vec<(String, RawValue)>;
