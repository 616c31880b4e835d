//! Cassandra storage in the project's reference layout (`docs/storage-layout.md`), or in one of
//! the other layouts the tool is tested against ([`StorageLayout`]).
//!
//! Two tables: `settings_groups`, the catalogue of groups per owner, and `settings`, one row per
//! setting with the setting's JSON text in `value`. Writes to `settings` are lightweight
//! transactions (`IF NOT EXISTS` / `IF EXISTS`) so that "already exists" and "not found" are
//! decided by Cassandra atomically, even with several emulators on one keyspace; every row
//! write of `settings` goes through Paxos, so LWT and plain writes never race on a row.
//! Statements are prepared and values bound, so no setting value ever appears in a statement
//! text or an error message.

use std::collections::{BTreeMap, BTreeSet};

use futures::TryStreamExt;
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::statement::prepared::PreparedStatement;
use scylla::value::{CqlValue, Row};

/// The owner id of contact-center-level settings.
pub const CONTACT_CENTER: &str = "contact-center";

/// The `settings_groups` table of the reference layout (`{ks}` is the keyspace).
pub const SETTINGS_GROUPS_DDL: &str = "CREATE TABLE IF NOT EXISTS {ks}.settings_groups (
    owner_id      text,
    group_name    text,
    display_name  text,
    key_attribute text,
    PRIMARY KEY ((owner_id), group_name)
)";

/// The `settings` table of the reference layout (`{ks}` is the keyspace).
pub const SETTINGS_DDL: &str = "CREATE TABLE IF NOT EXISTS {ks}.settings (
    owner_id    text,
    group_name  text,
    setting_key text,
    value       text,
    PRIMARY KEY ((owner_id, group_name), setting_key)
)";

/// The `gws_settings` table of the packed layout (`--storage-layout packed`): a Thrift-era
/// column family read over CQL, one partition per owner and group under the blob key
/// `"<owner>:<group>"`, one clustering row per setting, its JSON as a blob.
pub const PACKED_SETTINGS_DDL: &str = "CREATE TABLE IF NOT EXISTS {ks}.gws_settings (
    key     blob,
    column1 text,
    value   blob,
    PRIMARY KEY (key, column1)
)";

/// The `group_settings` table of the map layout (`--storage-layout map`): one row per owner
/// and group, each setting an entry of the `settings` map (its key the setting key, its value
/// the JSON). Partitioned by owner, so one partition holds all of an owner's groups. The
/// table's name and shape are the project's inference of how an install may keep settings in
/// a `map<text, text>`, not a documented GWS schema.
pub const MAP_SETTINGS_DDL: &str = "CREATE TABLE IF NOT EXISTS {ks}.group_settings (
    owner_id   text,
    group_name text,
    settings   map<text, text>,
    PRIMARY KEY ((owner_id), group_name)
)";

/// How the settings are stored: the same API over different Cassandra schemas, so that the
/// tool's layout discovery and layout files are tested against more than one (GWS's own
/// schema is not published).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum StorageLayout {
    /// `settings`: owner, group and setting key as text columns, the JSON as text.
    #[default]
    Reference,
    /// `gws_settings`: a packed `"<owner>:<group>"` blob key, the setting key as the clustering
    /// column `column1`, the JSON as a blob.
    Packed,
    /// `group_settings`: one row per owner and group, each setting an entry of the
    /// `map<text, text>` column `settings`. Every write names its entry alone (`settings[?]`,
    /// `settings - ?`), so concurrent changes to two settings of a group never undo each
    /// other, and deleting one never removes another.
    Map,
}

impl StorageLayout {
    /// The layout named `name` (`reference`, `packed` or `map`).
    pub fn parse(name: &str) -> Option<StorageLayout> {
        match name {
            "reference" => Some(StorageLayout::Reference),
            "packed" => Some(StorageLayout::Packed),
            "map" => Some(StorageLayout::Map),
            _ => None,
        }
    }
}

/// A row of `settings_groups`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRow {
    pub name: String,
    pub display_name: String,
    pub key_attribute: String,
}

/// A row of `settings` (owner and group are known to the caller).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingRow {
    pub setting_key: String,
    pub value: String,
}

/// Storage failures; the message is for logs and start-up errors.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct StoreError(pub String);

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

/// Whether `s` can be used unquoted as a keyspace name: the emulator interpolates it into DDL,
/// so it must be a plain identifier.
pub fn is_valid_keyspace(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && s.len() <= 48
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Connects to Cassandra. Kept separate from [`Store::open`] so the error can say which nodes
/// could not be reached.
pub async fn connect(
    nodes: &[String],
    user: Option<&str>,
    password: Option<&str>,
) -> Result<Session, StoreError> {
    connect_in(nodes, user, password, None).await
}

/// [`connect`], with every request coordinated in `local_dc` when given.
///
/// The store reads and writes at the driver's default LOCAL_QUORUM, which is a quorum of the
/// coordinator's data center: on a cluster of several data centers, a write coordinated in
/// one and a read coordinated in another need not meet, and a group just created could be
/// "not found" (seen on the tests' two-DC cluster). Pinning the data center, as a GWS
/// installation configures its Cassandra client with a local one (inferred), keeps every
/// quorum in it.
pub async fn connect_in(
    nodes: &[String],
    user: Option<&str>,
    password: Option<&str>,
    local_dc: Option<&str>,
) -> Result<Session, StoreError> {
    let mut builder = SessionBuilder::new()
        .known_nodes(nodes)
        .connection_timeout(std::time::Duration::from_secs(5));
    if let Some(dc) = local_dc {
        let policy = scylla::policies::load_balancing::DefaultPolicy::builder()
            .prefer_datacenter(dc.to_string())
            .permit_dc_failover(false)
            .build();
        let profile = scylla::client::execution_profile::ExecutionProfile::builder()
            .load_balancing_policy(policy)
            .build();
        builder = builder.default_execution_profile_handle(profile.into_handle());
    }
    if let Some(user) = user {
        builder = builder.user(user, password.unwrap_or_default());
    }
    builder.build().await.map_err(err)
}

/// Prepared statements over one keyspace.
pub struct Store {
    session: Session,
    layout: StorageLayout,
    list_groups: PreparedStatement,
    get_group: PreparedStatement,
    insert_group: PreparedStatement,
    delete_group: PreparedStatement,
    list_settings: PreparedStatement,
    insert_setting: PreparedStatement,
    replace_setting: PreparedStatement,
    delete_setting: PreparedStatement,
    delete_all_settings: PreparedStatement,
}

impl Store {
    /// Creates the keyspace (SimpleStrategy) and both tables if needed, and prepares statements.
    pub async fn open(
        session: Session,
        keyspace: &str,
        replication_factor: u32,
    ) -> Result<Self, StoreError> {
        Store::open_in(
            session,
            keyspace,
            replication_factor,
            StorageLayout::Reference,
        )
        .await
    }

    /// [`Store::open`] with the settings stored in `layout`.
    pub async fn open_in(
        session: Session,
        keyspace: &str,
        replication_factor: u32,
        layout: StorageLayout,
    ) -> Result<Self, StoreError> {
        if !is_valid_keyspace(keyspace) {
            return Err(StoreError(format!(
                "invalid keyspace name {keyspace:?}: use letters, digits and _, starting with a letter"
            )));
        }
        let ks = keyspace;
        session
            .query_unpaged(
                format!(
                    "CREATE KEYSPACE IF NOT EXISTS {ks} WITH replication = \
                     {{'class': 'SimpleStrategy', 'replication_factor': {replication_factor}}}"
                ),
                &[],
            )
            .await
            .map_err(err)?;
        let settings_ddl = match layout {
            StorageLayout::Reference => SETTINGS_DDL,
            StorageLayout::Packed => PACKED_SETTINGS_DDL,
            StorageLayout::Map => MAP_SETTINGS_DDL,
        };
        for ddl in [SETTINGS_GROUPS_DDL, settings_ddl] {
            session
                .query_unpaged(ddl.replace("{ks}", ks), &[])
                .await
                .map_err(err)?;
        }
        let p = |q: String| {
            let session = &session;
            async move { session.prepare(q).await.map_err(err) }
        };
        Ok(Store {
            list_groups: p(format!(
                "SELECT group_name, display_name, key_attribute FROM {ks}.settings_groups WHERE owner_id = ?"
            ))
            .await?,
            get_group: p(format!(
                "SELECT group_name, display_name, key_attribute FROM {ks}.settings_groups \
                 WHERE owner_id = ? AND group_name = ?"
            ))
            .await?,
            insert_group: p(format!(
                "INSERT INTO {ks}.settings_groups (owner_id, group_name, display_name, key_attribute) \
                 VALUES (?, ?, ?, ?) IF NOT EXISTS"
            ))
            .await?,
            delete_group: p(format!(
                "DELETE FROM {ks}.settings_groups WHERE owner_id = ? AND group_name = ?"
            ))
            .await?,
            list_settings: p(match layout {
                StorageLayout::Reference => format!(
                    "SELECT setting_key, value FROM {ks}.settings WHERE owner_id = ? AND group_name = ?"
                ),
                StorageLayout::Packed => {
                    format!("SELECT column1, value FROM {ks}.gws_settings WHERE key = ?")
                }
                StorageLayout::Map => format!(
                    "SELECT settings FROM {ks}.group_settings WHERE owner_id = ? AND group_name = ?"
                ),
            })
            .await?,
            insert_setting: p(match layout {
                StorageLayout::Reference => format!(
                    "INSERT INTO {ks}.settings (owner_id, group_name, setting_key, value) \
                     VALUES (?, ?, ?, ?) IF NOT EXISTS"
                ),
                StorageLayout::Packed => format!(
                    "INSERT INTO {ks}.gws_settings (key, column1, value) VALUES (?, ?, ?) IF NOT EXISTS"
                ),
                StorageLayout::Map => format!(
                    "UPDATE {ks}.group_settings SET settings[?] = ? \
                     WHERE owner_id = ? AND group_name = ? IF settings[?] = null"
                ),
            })
            .await?,
            replace_setting: p(match layout {
                StorageLayout::Reference => format!(
                    "UPDATE {ks}.settings SET value = ? \
                     WHERE owner_id = ? AND group_name = ? AND setting_key = ? IF EXISTS"
                ),
                StorageLayout::Packed => format!(
                    "UPDATE {ks}.gws_settings SET value = ? WHERE key = ? AND column1 = ? IF EXISTS"
                ),
                StorageLayout::Map => format!(
                    "UPDATE {ks}.group_settings SET settings[?] = ? \
                     WHERE owner_id = ? AND group_name = ? IF settings[?] != null"
                ),
            })
            .await?,
            delete_setting: p(match layout {
                StorageLayout::Reference => format!(
                    "DELETE FROM {ks}.settings WHERE owner_id = ? AND group_name = ? AND setting_key = ? IF EXISTS"
                ),
                StorageLayout::Packed => format!(
                    "DELETE FROM {ks}.gws_settings WHERE key = ? AND column1 = ? IF EXISTS"
                ),
                // The entry alone: `settings - {key}` is a tombstone for that key, whatever the
                // other entries hold or another writer adds meanwhile.
                StorageLayout::Map => format!(
                    "UPDATE {ks}.group_settings SET settings = settings - ? \
                     WHERE owner_id = ? AND group_name = ? IF settings[?] != null"
                ),
            })
            .await?,
            delete_all_settings: p(match layout {
                StorageLayout::Reference => format!(
                    "DELETE FROM {ks}.settings WHERE owner_id = ? AND group_name = ?"
                ),
                StorageLayout::Packed => format!("DELETE FROM {ks}.gws_settings WHERE key = ?"),
                StorageLayout::Map => format!(
                    "DELETE FROM {ks}.group_settings WHERE owner_id = ? AND group_name = ?"
                ),
            })
            .await?,
            layout,
            session,
        })
    }

    pub async fn list_groups(&self, owner: &str) -> Result<Vec<GroupRow>, StoreError> {
        let pager = self
            .session
            .execute_iter(self.list_groups.clone(), (owner,))
            .await
            .map_err(err)?;
        let rows: Vec<(String, Option<String>, Option<String>)> = pager
            .rows_stream()
            .map_err(err)?
            .try_collect()
            .await
            .map_err(err)?;
        Ok(rows.into_iter().map(group_row).collect())
    }

    pub async fn get_group(
        &self,
        owner: &str,
        group: &str,
    ) -> Result<Option<GroupRow>, StoreError> {
        let result = self
            .session
            .execute_unpaged(&self.get_group, (owner, group))
            .await
            .map_err(err)?
            .into_rows_result()
            .map_err(err)?;
        let row = result
            .maybe_first_row::<(String, Option<String>, Option<String>)>()
            .map_err(err)?;
        Ok(row.map(group_row))
    }

    /// Creates a group; `false` when it already exists.
    pub async fn create_group(&self, owner: &str, g: &GroupRow) -> Result<bool, StoreError> {
        let r = self
            .session
            .execute_unpaged(
                &self.insert_group,
                (owner, &g.name, &g.display_name, &g.key_attribute),
            )
            .await
            .map_err(err)?;
        applied(r)
    }

    /// Deletes a group and all its settings (settings first, so a crash in between leaves an
    /// empty group rather than orphaned settings).
    pub async fn delete_group(&self, owner: &str, group: &str) -> Result<(), StoreError> {
        match self.layout {
            StorageLayout::Reference | StorageLayout::Map => self
                .session
                .execute_unpaged(&self.delete_all_settings, (owner, group))
                .await
                .map(|_| ()),
            StorageLayout::Packed => self
                .session
                .execute_unpaged(&self.delete_all_settings, (packed_key(owner, group),))
                .await
                .map(|_| ()),
        }
        .map_err(err)?;
        self.session
            .execute_unpaged(&self.delete_group, (owner, group))
            .await
            .map_err(err)?;
        Ok(())
    }

    /// All settings of a group, ordered by setting key (the clustering order).
    pub async fn list_settings(
        &self,
        owner: &str,
        group: &str,
    ) -> Result<Vec<SettingRow>, StoreError> {
        let rows: Vec<(String, Option<String>)> = match self.layout {
            StorageLayout::Reference => self
                .session
                .execute_iter(self.list_settings.clone(), (owner, group))
                .await
                .map_err(err)?
                .rows_stream()
                .map_err(err)?
                .try_collect()
                .await
                .map_err(err)?,
            StorageLayout::Packed => {
                let rows: Vec<(String, Option<Vec<u8>>)> = self
                    .session
                    .execute_iter(self.list_settings.clone(), (packed_key(owner, group),))
                    .await
                    .map_err(err)?
                    .rows_stream()
                    .map_err(err)?
                    .try_collect()
                    .await
                    .map_err(err)?;
                rows.into_iter()
                    .map(|(k, v)| (k, v.map(|b| String::from_utf8_lossy(&b).into_owned())))
                    .collect()
            }
            StorageLayout::Map => {
                let result = self
                    .session
                    .execute_unpaged(&self.list_settings, (owner, group))
                    .await
                    .map_err(err)?
                    .into_rows_result()
                    .map_err(err)?;
                // A map comes sorted by key, as the other layouts' clustering order.
                let map = result
                    .maybe_first_row::<(Option<BTreeMap<String, String>>,)>()
                    .map_err(err)?
                    .and_then(|(m,)| m)
                    .unwrap_or_default();
                map.into_iter().map(|(k, v)| (k, Some(v))).collect()
            }
        };
        Ok(rows
            .into_iter()
            .map(|(setting_key, value)| SettingRow {
                setting_key,
                value: value.unwrap_or_default(),
            })
            .collect())
    }

    /// Inserts a setting; `false` when one with that key exists.
    pub async fn insert_setting(
        &self,
        owner: &str,
        group: &str,
        key: &str,
        value: &str,
    ) -> Result<bool, StoreError> {
        let r = match self.layout {
            StorageLayout::Reference => {
                self.session
                    .execute_unpaged(&self.insert_setting, (owner, group, key, value))
                    .await
            }
            StorageLayout::Packed => {
                self.session
                    .execute_unpaged(
                        &self.insert_setting,
                        (packed_key(owner, group), key, value.as_bytes()),
                    )
                    .await
            }
            StorageLayout::Map => {
                self.session
                    .execute_unpaged(&self.insert_setting, (key, value, owner, group, key))
                    .await
            }
        }
        .map_err(err)?;
        applied(r)
    }

    /// Replaces a setting's JSON; `false` when no setting has that key.
    pub async fn replace_setting(
        &self,
        owner: &str,
        group: &str,
        key: &str,
        value: &str,
    ) -> Result<bool, StoreError> {
        let r = match self.layout {
            StorageLayout::Reference => {
                self.session
                    .execute_unpaged(&self.replace_setting, (value, owner, group, key))
                    .await
            }
            StorageLayout::Packed => {
                self.session
                    .execute_unpaged(
                        &self.replace_setting,
                        (value.as_bytes(), packed_key(owner, group), key),
                    )
                    .await
            }
            StorageLayout::Map => {
                self.session
                    .execute_unpaged(&self.replace_setting, (key, value, owner, group, key))
                    .await
            }
        }
        .map_err(err)?;
        applied(r)
    }

    /// Deletes one setting; `false` when no setting has that key.
    pub async fn delete_setting(
        &self,
        owner: &str,
        group: &str,
        key: &str,
    ) -> Result<bool, StoreError> {
        let r = match self.layout {
            StorageLayout::Reference => {
                self.session
                    .execute_unpaged(&self.delete_setting, (owner, group, key))
                    .await
            }
            StorageLayout::Packed => {
                self.session
                    .execute_unpaged(&self.delete_setting, (packed_key(owner, group), key))
                    .await
            }
            StorageLayout::Map => {
                let entry: BTreeSet<&str> = [key].into();
                self.session
                    .execute_unpaged(&self.delete_setting, (entry, owner, group, key))
                    .await
            }
        }
        .map_err(err)?;
        applied(r)
    }
}

/// The packed layout's partition key of an owner's group.
fn packed_key(owner: &str, group: &str) -> Vec<u8> {
    format!("{owner}:{group}").into_bytes()
}

fn group_row((name, display, key): (String, Option<String>, Option<String>)) -> GroupRow {
    GroupRow {
        display_name: display.unwrap_or_else(|| name.clone()),
        key_attribute: key.unwrap_or_default(),
        name,
    }
}

/// Reads the `[applied]` column of a lightweight transaction's answer. Untyped, because a
/// refused LWT also returns the existing row's columns, so the column count varies.
fn applied(r: scylla::response::query_result::QueryResult) -> Result<bool, StoreError> {
    let rows = r.into_rows_result().map_err(err)?;
    let row: Row = rows.first_row().map_err(err)?;
    match row.columns.first() {
        Some(Some(CqlValue::Boolean(b))) => Ok(*b),
        _ => Err(StoreError("LWT answer without [applied]".into())),
    }
}
