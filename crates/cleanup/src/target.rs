//! One setting to erase.

use forgetme_scanner::read::RowKey;
use forgetme_scanner::TableName;

/// A user setting the search found, identified for GWS (user, group, key) and for Cassandra
/// (table and primary key).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct SettingTarget {
    /// The table holding the setting.
    pub table: TableName,
    /// Column holding the setting's JSON.
    pub value_column: String,
    /// The agent who owns the setting (32-hex GWS user id).
    pub user_id: String,
    /// Settings group.
    pub group: String,
    /// Value of the group's key attribute.
    pub setting_key: String,
    /// The row's primary key as stored.
    pub row_key: RowKey,
    /// JSON paths of the hits found by the scan.
    pub json_paths: Vec<String>,
    /// Identifiers (indices) found in it.
    pub identifiers: Vec<usize>,
    /// Whether every hit in it is a possible match (planned only with
    /// `--erase-possible-matches`).
    pub possible: bool,
}
