//! What an erasure asks of GWS and of Cassandra, as two small traits.
//!
//! The eraser ([`crate::erase`]), the collateral-damage snapshot ([`crate::partition`]) and the
//! verification ([`crate::verify`]) are written against these traits, not against the GWS
//! client and the CQL session themselves:
//!
//! - [`SettingsApi`]: the settings calls an erasure makes through GWS (a user's groups, one
//!   setting's text, a DELETE of one setting, a PUT of an edited one). Implemented for
//!   [`gws_client::GwsClient`] in [`crate::gws`].
//! - [`SettingsStore`]: what an erasure reads straight from Cassandra (one target's stored
//!   value, the rows of its partition, which partition and row it is, the CQL statement that
//!   removes it). Implemented for the driver's session in [`crate::cassandra`].
//!
//! The production code uses those two implementations; tests may put in-memory ones in their
//! place and run the same eraser in-process. Every method returns a `Send` future, so an
//! erasure stays usable from any tokio task.

use std::future::Future;

use forgetme_scanner::read::{RawValue, RowKey};
use forgetme_scanner::{Consistency, TableName};
pub use gws_client::{SettingText, SettingsGroup};

use crate::target::SettingTarget;

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

/// A failed settings call, as the eraser acts on it.
///
/// The description never carries a setting value (GWS's own free-text message is left out,
/// as in [`gws_client::GwsError`]'s `Display`): it goes into the audit log and the receipt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApiError {
    /// GWS says the user, group or setting does not exist.
    NotFound(String),
    /// Anything else: transport, credentials, CSRF, a refusal, a body GWS should not send.
    Other(String),
}

impl ApiError {
    /// Whether GWS said the thing does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, ApiError::NotFound(_))
    }

    /// What went wrong, without values, for reports and the audit log.
    pub fn describe(&self) -> &str {
        match self {
            ApiError::NotFound(d) | ApiError::Other(d) => d,
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.describe())
    }
}

impl From<gws_client::GwsError> for ApiError {
    fn from(e: gws_client::GwsError) -> Self {
        if e.is_not_found() {
            ApiError::NotFound(e.to_string())
        } else {
            ApiError::Other(e.to_string())
        }
    }
}

/// What an erasure asks GWS.
pub trait SettingsApi: Sync {
    /// The GWS the changes go through, for the operator's confirmation.
    fn base_url(&self) -> &str;

    /// The operator account the session logs in with (recorded in the audit log and receipt).
    fn username(&self) -> &str;

    /// The groups of a user's settings, with their key attributes.
    fn user_groups(
        &self,
        user_id: &str,
    ) -> impl Future<Output = Result<Vec<SettingsGroup>, ApiError>> + Send;

    /// One setting's text exactly as GWS answers it, with its key attribute's value; `None`
    /// when GWS does not show it (gone, or its group is).
    fn user_setting_text(
        &self,
        user_id: &str,
        group: &str,
        key_attribute: &str,
        key_value: &str,
    ) -> impl Future<Output = Result<Option<SettingText>, ApiError>> + Send;

    /// Deletes one setting: the request names its key, never the whole group.
    fn delete_user_setting(
        &self,
        user_id: &str,
        group: &str,
        key_attribute: &str,
        key_value: &serde_json::Value,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;

    /// Replaces a whole setting with `text`, sent byte for byte (it carries its key).
    fn put_user_setting_text(
        &self,
        user_id: &str,
        group: &str,
        text: &str,
    ) -> impl Future<Output = Result<(), ApiError>> + Send;
}

/// What an erasure reads from Cassandra. Errors are descriptions without values.
pub trait SettingsStore: Sync {
    /// The target's stored value, read now at `consistency` (`None` when the row or its
    /// value is gone).
    fn stored_value(
        &self,
        target: &SettingTarget,
        consistency: Consistency,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, String>> + Send;

    /// Calls `on_row` with every row of the target's partition (its owner's settings group
    /// in the reference layout), in clustering order: the row's id and its value.
    fn partition_rows<F>(
        &self,
        target: &SettingTarget,
        consistency: Consistency,
        on_row: F,
    ) -> impl Future<Output = Result<(), String>> + Send
    where
        F: FnMut(RowId, Option<&[u8]>) + Send;

    /// The partition the target lives in.
    fn partition_of(&self, target: &SettingTarget) -> Result<PartitionId, String>;

    /// The target's own row id within its partition.
    fn own_row(&self, target: &SettingTarget) -> Result<RowId, String>;

    /// The CQL `DELETE` that removes exactly the row with primary key `key`, for the
    /// operator's report (see [`crate::cql`]).
    fn delete_row_statement(&self, table: &TableName, key: &RowKey) -> Result<String, String>;
}
