//! In-memory stand-ins for GWS and Cassandra, so that an erasure (the eraser, its
//! verification, a whole request through the engine) runs in-process, in milliseconds.
//!
//! [`FakeGws`] implements [`SettingsApi`] and [`FakeStore`] implements [`SettingsStore`] (and
//! the receipt's [`DiskFacts`]). Both are views of one set of settings, as GWS and its
//! Cassandra keyspace are: a PUT or DELETE through the API shows in the store's rows, and a
//! row written into the store shows through the API when GWS would show it.
//!
//! What they model follows the project's GWS emulator (`crates/gws-emulator`, `api.rs` and
//! `store.rs`) in its reference layout:
//!
//! - a user's settings groups, each with a key attribute; a setting is one row
//!   `(owner_id, group_name) / setting_key -> value` of the table `settings`, and a partition
//!   is one user's group;
//! - GET answers a group's settings in key order, each stored text as it is; a text that is
//!   not a JSON object, or has no key attribute, is not shown (the GWS client cannot name it);
//! - PUT replaces an existing setting (its key from the text's key attribute) and answers
//!   "not found" for a new one; DELETE names one key and answers "not found" when it is gone;
//!   an unknown user or group is "not found";
//! - scriptable [`Faults`]: calls that answer "not found" or fail, another writer that puts
//!   the previous text back after a PUT, a DELETE that drops the whole group (a body lost on
//!   the way), and a client that writes the subject back under a new key after a change.
//!
//! What they do not model, and only the real node and the emulator show: CQL itself (schemas,
//! types, paging, consistency levels, replicas that disagree), HTTP (CSRF, sessions, retries,
//! redirects, body limits), timing between concurrent writers, tombstones and snapshots on
//! disk. The integration tests (`tests/it`) keep testing the real implementations.
//!
//! [`FakeStore::search`] stands in for the scan: it matches every row the way the search's
//! layout handler does and returns the [`SearchOutcome`] an erasure is planned from.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use forgetme_cleanup::partition::{PartitionId, RowId};
use forgetme_cleanup::ports::{ApiError, SettingText, SettingsApi, SettingsGroup, SettingsStore};
use forgetme_cleanup::SettingTarget;
use forgetme_erasure_receipt::disk::{DiskReport, Snapshots, TableRetention, BACKUPS_NOTE};
use forgetme_findings::found::{Coverage, Found, MatchTotals, OwnerType, SearchOutcome, ValueKey};
use forgetme_findings::receipt::DiskFacts;
use forgetme_matcher::Matcher;
use forgetme_scanner::layout::CONTACT_CENTER_OWNER;
use forgetme_scanner::read::{RawValue, RowKey};
use forgetme_scanner::{Consistency, TableName};
use serde_json::Value;

/// The keyspace the fakes' table lives in.
pub const KEYSPACE: &str = "sipfs";
/// The settings table of the reference layout.
pub const TABLE: &str = "settings";
/// The operator account [`FakeGws`] reports.
pub const OPERATOR: &str = "admin@pizza.com";
/// The base URL [`FakeGws`] reports.
pub const BASE_URL: &str = "http://gws.fake:8090/";
/// The `gc_grace_seconds` [`FakeStore`] reports for its table (Cassandra's default).
pub const GC_GRACE_SECONDS: i64 = 864_000;

/// A settings call, for faults and the call log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// `GET /users/{id}/settings`: the user's groups.
    Groups,
    /// `GET /users/{id}/settings/{group}`: one setting's text.
    Get,
    /// `PUT /users/{id}/settings/{group}`.
    Put,
    /// `DELETE /users/{id}/settings/{group}` with a key.
    Delete,
}

/// What goes wrong, set by the test.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// Calls of these kinds answer "not found" (HTTP 404, statusCode 6).
    pub not_found: BTreeSet<Op>,
    /// Calls of these kinds fail (HTTP 500, statusCode 4).
    pub failing: BTreeSet<Op>,
    /// The next this many PUTs are undone by another writer (an agent's client), which puts
    /// the setting's previous text back right after each.
    pub put_back: usize,
    /// A DELETE drops the whole group, as GWS does for a DELETE whose body was lost.
    pub delete_drops_group: bool,
    /// After the next successful change, a client writes this setting (key, text) into the
    /// same group: the subject back under a new key.
    pub write_back: Option<(String, String)>,
    /// Reads of the store fail (Cassandra unreachable).
    pub store_unreadable: bool,
}

/// One call made to [`FakeGws`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// Which call.
    pub op: Op,
    /// The user it named.
    pub user: String,
    /// The group it named (empty for [`Op::Groups`]).
    pub group: String,
}

/// A row of the settings table: owner, group, setting key.
pub type RowPlace = (String, String, String);

#[derive(Default)]
struct World {
    /// Users GWS knows.
    users: BTreeSet<String>,
    /// The group rows: (owner, group) -> key attribute.
    groups: BTreeMap<(String, String), String>,
    /// The setting rows: (owner, group) -> setting key -> stored text.
    rows: BTreeMap<(String, String), BTreeMap<String, String>>,
    faults: Faults,
    calls: Vec<Call>,
}

type Shared = Arc<Mutex<World>>;

fn lock(world: &Shared) -> MutexGuard<'_, World> {
    world.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A fake GWS and the fake Cassandra behind it, sharing one set of settings.
pub fn fakes() -> (FakeGws, FakeStore) {
    let world = Shared::default();
    (
        FakeGws {
            world: world.clone(),
        },
        FakeStore { world },
    )
}

/// GWS's settings API over the shared settings.
#[derive(Clone)]
pub struct FakeGws {
    world: Shared,
}

/// The `settings` table of the keyspace over the shared settings.
#[derive(Clone)]
pub struct FakeStore {
    world: Shared,
}

fn not_found() -> ApiError {
    ApiError::NotFound("GWS answered HTTP 404 statusCode 6".into())
}

fn internal() -> ApiError {
    ApiError::Other("GWS answered HTTP 500 statusCode 4".into())
}

fn input_validation() -> ApiError {
    ApiError::Other("GWS answered HTTP 400 statusCode 1".into())
}

/// A setting's top-level members, values left as text (duplicates: the last one wins, as in
/// the GWS client); `None` when the text is not a JSON object.
fn top_level(text: &str) -> Option<BTreeMap<String, Box<serde_json::value::RawValue>>> {
    serde_json::from_str(text).ok()
}

/// The key attribute's value in a setting's text.
fn key_of(text: &str, key_attribute: &str) -> Option<Value> {
    let members = top_level(text)?;
    serde_json::from_str(members.get(key_attribute)?.get()).ok()
}

/// The setting key a key attribute's value stands for: a non-empty string as is, a number as
/// its JSON text (as GWS stores it).
fn key_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl FakeGws {
    /// Changes the faults.
    pub fn faults(&self, change: impl FnOnce(&mut Faults)) {
        change(&mut lock(&self.world).faults);
    }

    /// Every call made so far, in order.
    pub fn calls(&self) -> Vec<Call> {
        lock(&self.world).calls.clone()
    }

    /// How many calls that change something (PUT, DELETE) were made.
    pub fn changes(&self) -> usize {
        lock(&self.world)
            .calls
            .iter()
            .filter(|c| matches!(c.op, Op::Put | Op::Delete))
            .count()
    }

    /// Logs the call and answers its scripted fault, if any.
    fn enter(&self, op: Op, user: &str, group: &str) -> Result<MutexGuard<'_, World>, ApiError> {
        let mut w = lock(&self.world);
        w.calls.push(Call {
            op,
            user: user.to_string(),
            group: group.to_string(),
        });
        if w.faults.not_found.contains(&op) {
            return Err(not_found());
        }
        if w.faults.failing.contains(&op) {
            return Err(internal());
        }
        Ok(w)
    }
}

impl World {
    /// The group's key attribute, or "not found" for an unknown user or group.
    fn group(&self, user: &str, group: &str) -> Result<String, ApiError> {
        if !self.users.contains(user) {
            return Err(not_found());
        }
        self.groups
            .get(&(user.to_string(), group.to_string()))
            .cloned()
            .ok_or_else(not_found)
    }

    /// A client's write after a change, when one is scripted.
    fn after_change(&mut self, user: &str, group: &str) {
        if let Some((key, text)) = self.faults.write_back.take() {
            self.rows
                .entry((user.to_string(), group.to_string()))
                .or_default()
                .insert(key, text);
        }
    }
}

impl SettingsApi for FakeGws {
    fn base_url(&self) -> &str {
        BASE_URL
    }

    fn username(&self) -> &str {
        OPERATOR
    }

    async fn user_groups(&self, user_id: &str) -> Result<Vec<SettingsGroup>, ApiError> {
        let w = self.enter(Op::Groups, user_id, "")?;
        if !w.users.contains(user_id) {
            return Err(not_found());
        }
        Ok(w.groups
            .iter()
            .filter(|((owner, _), _)| owner == user_id)
            .map(|((_, name), key)| SettingsGroup {
                name: name.clone(),
                key: key.clone(),
            })
            .collect())
    }

    async fn user_setting_text(
        &self,
        user_id: &str,
        group: &str,
        key_attribute: &str,
        key_value: &str,
    ) -> Result<Option<SettingText>, ApiError> {
        let w = self.enter(Op::Get, user_id, group)?;
        // The client reads "not found" as gone.
        if w.group(user_id, group).is_err() {
            return Ok(None);
        }
        let rows = w.rows.get(&(user_id.to_string(), group.to_string()));
        for text in rows.into_iter().flat_map(BTreeMap::values) {
            if let Some(key) = key_of(text, key_attribute) {
                if key_text(&key).as_deref() == Some(key_value) {
                    return Ok(Some(SettingText {
                        text: text.clone(),
                        key,
                    }));
                }
            }
        }
        Ok(None)
    }

    async fn delete_user_setting(
        &self,
        user_id: &str,
        group: &str,
        key_attribute: &str,
        key_value: &Value,
    ) -> Result<(), ApiError> {
        let mut w = self.enter(Op::Delete, user_id, group)?;
        let group_key = w.group(user_id, group)?;
        let place = (user_id.to_string(), group.to_string());
        if w.faults.delete_drops_group {
            w.rows.remove(&place);
            w.groups.remove(&place);
            return Ok(());
        }
        // The body names the key by the group's key attribute.
        if key_attribute != group_key {
            return Err(input_validation());
        }
        let key = key_text(key_value).ok_or_else(input_validation)?;
        let removed = w.rows.get_mut(&place).and_then(|r| r.remove(&key));
        if removed.is_none() {
            return Err(not_found());
        }
        w.after_change(user_id, group);
        Ok(())
    }

    async fn put_user_setting_text(
        &self,
        user_id: &str,
        group: &str,
        text: &str,
    ) -> Result<(), ApiError> {
        let mut w = self.enter(Op::Put, user_id, group)?;
        let group_key = w.group(user_id, group)?;
        let key = key_of(text, &group_key)
            .as_ref()
            .and_then(key_text)
            .ok_or_else(input_validation)?;
        let place = (user_id.to_string(), group.to_string());
        let put_back = w.faults.put_back > 0;
        let Some(stored) = w.rows.get_mut(&place).and_then(|r| r.get_mut(&key)) else {
            return Err(not_found());
        };
        let previous = std::mem::replace(stored, text.trim().to_string());
        if put_back {
            *stored = previous;
            w.faults.put_back -= 1;
        }
        w.after_change(user_id, group);
        Ok(())
    }
}

/// A target's row, by the reference layout's key columns.
fn place_of(t: &SettingTarget) -> Result<RowPlace, String> {
    if t.table.table != TABLE {
        return Err(format!("table {} is not in the schema", t.table));
    }
    let column = |name: &str| {
        t.row_key
            .iter()
            .find(|(c, _)| c == name)
            .map(|(_, v)| String::from_utf8_lossy(&v.0).into_owned())
            .ok_or_else(|| format!("the row key has no column {name}"))
    };
    Ok((
        column("owner_id")?,
        column("group_name")?,
        column("setting_key")?,
    ))
}

/// The primary key of a row, as the search reads it (partition key, then clustering key).
pub fn row_key(owner: &str, group: &str, key: &str) -> RowKey {
    vec![
        ("owner_id".into(), RawValue(owner.as_bytes().to_vec())),
        ("group_name".into(), RawValue(group.as_bytes().to_vec())),
        ("setting_key".into(), RawValue(key.as_bytes().to_vec())),
    ]
}

impl FakeStore {
    /// A settings group of `owner` with its key attribute (the user becomes known to GWS).
    pub fn add_group(&self, owner: &str, group: &str, key_attribute: &str) {
        let mut w = lock(&self.world);
        if owner != CONTACT_CENTER_OWNER {
            w.users.insert(owner.to_string());
        }
        w.groups
            .insert((owner.to_string(), group.to_string()), key_attribute.into());
    }

    /// Writes a row straight into the table (seeding, or a writer other than GWS): GWS shows
    /// it only when its group exists and the text names its key.
    pub fn put_row(&self, owner: &str, group: &str, key: &str, text: &str) {
        lock(&self.world)
            .rows
            .entry((owner.to_string(), group.to_string()))
            .or_default()
            .insert(key.to_string(), text.to_string());
    }

    /// Every row of the table: (owner, group, key) -> stored text.
    pub fn rows(&self) -> BTreeMap<RowPlace, String> {
        lock(&self.world)
            .rows
            .iter()
            .flat_map(|((owner, group), rows)| {
                rows.iter()
                    .map(move |(k, v)| ((owner.clone(), group.clone(), k.clone()), v.clone()))
            })
            .collect()
    }

    /// Changes the faults (the same as [`FakeGws::faults`]).
    pub fn faults(&self, change: impl FnOnce(&mut Faults)) {
        change(&mut lock(&self.world).faults);
    }

    fn readable(&self) -> Result<MutexGuard<'_, World>, String> {
        let w = lock(&self.world);
        if w.faults.store_unreadable {
            return Err("Cassandra is unreachable (scripted)".into());
        }
        Ok(w)
    }

    /// What a search of the whole table finds for `matcher`, as the search's layout handler
    /// records it: one [`Found`] per hit, with the stored values captured (for previews and
    /// exports). Every row is read, so the search is complete.
    pub fn search(&self, matcher: &Matcher) -> SearchOutcome {
        let table = TableName::new(KEYSPACE, TABLE);
        let mut outcome = SearchOutcome {
            tables: vec![table.clone()],
            ranges: 1,
            coverage: Coverage {
                consistency: forgetme_scanner::ConsistencyLevel::Quorum,
                ..Coverage::default()
            },
            ..SearchOutcome::default()
        };
        let mut totals = MatchTotals::default();
        let mut agents = BTreeSet::new();
        for ((owner, group, key), value) in self.rows() {
            outcome.rows += 1;
            let m = matcher.match_bytes(value.as_bytes());
            if let Some(w) = m.warning {
                *outcome.warnings.entry(format!("{w:?}")).or_default() += 1;
            }
            if m.hits.is_empty() {
                continue;
            }
            let contact_center = owner == CONTACT_CENTER_OWNER;
            totals.hits += m.hits.len() as u64;
            totals.settings += 1;
            totals.listed_settings += 1;
            if !contact_center {
                agents.insert(owner.clone());
            }
            let row_key = row_key(&owner, &group, &key);
            outcome.values.insert(
                ValueKey {
                    table: table.clone(),
                    row_key: row_key.clone(),
                    column: None,
                },
                value.clone(),
            );
            for hit in m.hits {
                outcome.found.push(Found {
                    table: table.clone(),
                    owner_type: if contact_center {
                        OwnerType::ContactCenter
                    } else {
                        OwnerType::User
                    },
                    user_id: (!contact_center).then(|| owner.clone()),
                    group: Some(group.clone()),
                    setting_key: key.clone(),
                    column: None,
                    json_path: hit.path.map(|p| forgetme_matcher::redacted_path(&p)),
                    identifier: hit.identifier,
                    variant: hit.variant.as_str(),
                    possible: hit.variant.is_possible(),
                    deletable: !contact_center && !owner.is_empty() && !group.is_empty(),
                    row_key: row_key.clone(),
                });
            }
        }
        totals.agents = agents.len() as u64;
        outcome.found.sort();
        outcome.found.dedup();
        outcome.totals = totals;
        outcome
    }
}

impl SettingsStore for FakeStore {
    async fn stored_value(
        &self,
        t: &SettingTarget,
        _consistency: Consistency,
    ) -> Result<Option<Vec<u8>>, String> {
        let (owner, group, key) = place_of(t)?;
        let w = self.readable()?;
        Ok(w.rows
            .get(&(owner, group))
            .and_then(|r| r.get(&key))
            .map(|v| v.as_bytes().to_vec()))
    }

    fn partition_rows<F>(
        &self,
        t: &SettingTarget,
        _consistency: Consistency,
        mut on_row: F,
    ) -> impl Future<Output = Result<(), String>> + Send
    where
        F: FnMut(RowId, Option<&[u8]>) + Send,
    {
        // Read at once, handed over when awaited: the lock is never held across an await.
        let rows = place_of(t).and_then(|(owner, group, _)| {
            let w = self.readable()?;
            Ok(w.rows.get(&(owner, group)).cloned().unwrap_or_default())
        });
        async move {
            for (key, value) in rows? {
                on_row(vec![key.into_bytes()], Some(value.as_bytes()));
            }
            Ok(())
        }
    }

    fn partition_of(&self, t: &SettingTarget) -> Result<PartitionId, String> {
        let (owner, group, _) = place_of(t)?;
        Ok(PartitionId {
            table: t.table.clone(),
            key: vec![
                ("owner_id".into(), RawValue(owner.into_bytes())),
                ("group_name".into(), RawValue(group.into_bytes())),
            ],
        })
    }

    fn own_row(&self, t: &SettingTarget) -> Result<RowId, String> {
        let (_, _, key) = place_of(t)?;
        Ok(vec![key.into_bytes()])
    }

    fn delete_row_statement(&self, table: &TableName, key: &RowKey) -> Result<String, String> {
        use scylla::cluster::metadata::{ColumnType, NativeType};
        if table.table != TABLE {
            return Err(format!("table {table} is not in the schema"));
        }
        if key.is_empty() {
            return Err("the row's primary key is unknown".into());
        }
        let text = ColumnType::Native(NativeType::Text);
        let conditions = key
            .iter()
            .map(|(c, v)| {
                forgetme_cleanup::cql::literal(&text, &v.0)
                    .map(|l| format!("{} = {l}", forgetme_scanner::names::quote(c)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(format!(
            "DELETE FROM {}.{} WHERE {};",
            forgetme_scanner::names::quote(&table.keyspace),
            forgetme_scanner::names::quote(&table.table),
            conditions.join(" AND ")
        ))
    }
}

impl DiskFacts for FakeStore {
    async fn disk_report(&self, tables: &[(String, String)], erased_at: i64) -> DiskReport {
        let rfc3339 = |t: i64| {
            time::OffsetDateTime::from_unix_timestamp(t)
                .ok()
                .and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_default()
        };
        DiskReport {
            tables: tables
                .iter()
                .map(|(ks, table)| TableRetention {
                    table: format!("{ks}.{table}"),
                    gc_grace_seconds: GC_GRACE_SECONDS,
                    purgeable_after: rfc3339(erased_at + GC_GRACE_SECONDS),
                })
                .collect(),
            snapshots: Snapshots {
                readable: true,
                note: "an in-memory store: no snapshots".into(),
                list: Vec::new(),
            },
            backups_note: BACKUPS_NOTE.to_string(),
        }
    }
}
