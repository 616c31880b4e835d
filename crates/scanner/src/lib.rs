//! Reading GWS settings out of Cassandra, completely and fast.
//!
//! # Layout
//!
//! - [`connect`]: opens a CQL session (contact points, credentials, TLS) with errors that say
//!   what to change; [`probe`] tells a wrong port (the original's Thrift 9160) from a down node.
//! - [`layout`]: where a table keeps owner, group, setting key and JSON value: the reference
//!   layout of the project's GWS-compatible server, or a TOML layout file for a real install.
//! - [`collection`]: the entries of a `map` column, each one setting when a layout says so.
//! - [`ring`]: splits the token ring into ranges that cover it exactly once.
//! - [`scan`]: reads every split concurrently with paging, pinned to a replica and retried on
//!   the others, and reports the splits it could not read.
//! - [`schema`]: what the keyspace holds: tables, text-like columns for a deep scan.
//! - [`level`]: the consistency levels the tool reads at, named as CQL spells them.
//! - [`names`]: checks keyspace, table and column names before they go into CQL text.
//!
//! The scanner knows nothing of matching: it hands each row's columns, as borrowed bytes, to a
//! callback. That keeps it testable on its own and keeps memory flat.

pub mod collection;
pub mod connect;
pub mod connect_error;
pub mod discover;
pub mod layout;
pub mod level;
pub mod names;
pub mod probe;
pub mod raw;
pub mod read;
pub mod ring;
pub mod routing;
pub mod scan;
pub mod schema;
pub mod table_name;
pub mod tls;

pub use level::ConsistencyLevel;
pub use scylla::client::session::Session;
pub use scylla::statement::Consistency;
pub use table_name::TableName;

/// One row of a scan, as borrowed bytes of the selected columns (in the order the scan target
/// lists them). `None` is a null column.
#[derive(Clone, Copy, Debug)]
pub struct RowView<'a> {
    columns: &'a [Option<&'a [u8]>],
}

impl<'a> RowView<'a> {
    /// Wraps column slices.
    pub fn new(columns: &'a [Option<&'a [u8]>]) -> Self {
        RowView { columns }
    }

    /// Column `i`, or `None` when null or out of range.
    pub fn column(&self, i: usize) -> Option<&'a [u8]> {
        self.columns.get(i).copied().flatten()
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.columns.len()
    }

    /// Whether the row has no columns.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }
}
