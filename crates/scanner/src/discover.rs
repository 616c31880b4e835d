//! Drafting a layout file for a real install: where does this keyspace keep its settings?
//!
//! GWS's Cassandra schema is not published, so a real install's first run starts here
//! (`gdpr_forget_me layout discover`). The keyspace's schema is read from the driver's
//! metadata (`system_schema`), and a bounded sample of rows of each table ([`sample`]: at most
//! the announced number of rows per table, one page, at `LOCAL_ONE`). From the sample's
//! *shapes* alone ([`analyze`]), never its values:
//!
//! - the **value**: a text or blob column whose values are JSON objects, or a map column
//!   (`map<text, text>`, `map<text, blob>`) whose entries' values are (a `value_map`: each
//!   entry one setting, its key the setting key);
//! - the **owner**: a column (or a part of a packed Thrift-era key) holding 32-hex-digit GWS
//!   user ids, and the contact-center marker beside them;
//! - the **group**: a column or part holding few distinct names (`interaction-workspace-…`);
//! - the **setting key**: the remaining text key column;
//! - and, for every table, how many sampled values look like somebody's e-mail address or
//!   phone number, so a table of identifiers that is not a settings table is named.
//!
//! [`Discovery::draft_toml`] writes the layout file with a comment per field giving its
//! evidence (how many sampled rows agreed), and [`Discovery::coverage_table`] lists every
//! table and text-like column of the keyspace with what the draft does with it. Neither ever
//! holds a sampled value: counts and shapes only (the contact-center marker is written only
//! when it is one of the markers GWS installs are known to use).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use scylla::cluster::metadata::{ColumnType, NativeType};
use scylla::deserialize::row::ColumnIterator;
use scylla::statement::unprepared::Statement;
use scylla::statement::Consistency;

use crate::names::quote;
use crate::schema::is_text_like;
use crate::Session;

/// The default number of rows sampled per table.
pub const DEFAULT_SAMPLE: usize = 200;

/// The most rows a discovery may sample per table: it reads a sample, never a table.
pub const MAX_SAMPLE: usize = 10_000;

/// A sample size asked for (`--sample N`), checked before anything is read.
pub fn check_sample(n: usize) -> Result<(), String> {
    if n == 0 || n > MAX_SAMPLE {
        return Err(format!(
            "--sample {n}: give between 1 and {MAX_SAMPLE} rows per table (a discovery reads a sample, never a whole table)"
        ));
    }
    Ok(())
}

/// Samples `keyspace` ([`sample`]) and drafts its layout from the sample's shapes
/// ([`analyze`]).
pub async fn discover(
    session: &Session,
    keyspace: &str,
    per_table: usize,
    identifier_shaped: &dyn Fn(&[u8]) -> bool,
) -> Result<Discovery, String> {
    let tables = sample(session, keyspace, per_table).await?;
    Ok(analyze(keyspace, per_table, &tables, identifier_shaped))
}

/// Owner values that stand for the contact center rather than a user, as installs spell them.
const CONTACT_CENTER_MARKERS: [&str; 5] = [
    "contact-center",
    "contact_center",
    "contactcenter",
    "CC",
    "cc",
];

/// Separators a packed Thrift-era key may use between owner and group.
const SEPARATORS: [char; 4] = [':', '|', '/', '#'];

/// Where a column is in its table's primary key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum KeyPosition {
    /// The n-th partition key column.
    Partition(usize),
    /// The n-th clustering column.
    Clustering(usize),
    /// Not a key column.
    Regular,
}

/// One column and its sampled values.
#[derive(Clone, Debug)]
pub struct ColumnSample {
    /// The column's name.
    pub name: String,
    /// Its CQL type, as CQL spells it (`text`, `blob`, `map<text, text>`...).
    pub cql_type: String,
    /// Where it is in the primary key.
    pub key: KeyPosition,
    /// Text, ASCII or blob: a layout field can name it.
    pub plain_text: bool,
    /// Text-like, collections of text included: searched by `--deep`.
    pub text_like: bool,
    /// A map (not frozen) with text keys and text or blob values: its entries may be
    /// settings (`value_map`).
    pub map_of_text: bool,
    /// The sampled values (`None`: null), in row order. Never printed.
    pub values: Vec<Option<Vec<u8>>>,
}

/// One table and its sample.
#[derive(Clone, Debug)]
pub struct TableSample {
    /// The table's name.
    pub table: String,
    /// Its columns, key columns first.
    pub columns: Vec<ColumnSample>,
    /// How many rows were read (at most the sample size).
    pub rows_read: usize,
}

/// Reads the schema of `keyspace` and at most `per_table` rows of each of its tables.
pub async fn sample(
    session: &Session,
    keyspace: &str,
    per_table: usize,
) -> Result<Vec<TableSample>, String> {
    let state = session.get_cluster_state();
    let ks = state
        .get_keyspace(keyspace)
        .ok_or_else(|| format!("keyspace {keyspace} does not exist in this cluster"))?;
    let mut tables: Vec<TableSample> = Vec::new();
    let mut names: Vec<&String> = ks.tables.keys().collect();
    names.sort();
    for name in names {
        let t = &ks.tables[name];
        let mut columns: Vec<ColumnSample> = Vec::new();
        let mut push = |c: &String, key: KeyPosition| {
            if let Some(meta) = t.columns.get(c) {
                columns.push(ColumnSample {
                    name: c.clone(),
                    cql_type: cql_type(&meta.typ),
                    key,
                    plain_text: matches!(
                        meta.typ,
                        ColumnType::Native(NativeType::Text | NativeType::Ascii | NativeType::Blob)
                    ),
                    text_like: is_text_like(&meta.typ),
                    map_of_text: is_map_of_text(&meta.typ),
                    values: Vec::new(),
                });
            }
        };
        for (i, c) in t.partition_key.iter().enumerate() {
            push(c, KeyPosition::Partition(i));
        }
        for (i, c) in t.clustering_key.iter().enumerate() {
            push(c, KeyPosition::Clustering(i));
        }
        let mut regular: Vec<&String> = t
            .columns
            .keys()
            .filter(|c| !t.partition_key.contains(c) && !t.clustering_key.contains(c))
            .collect();
        regular.sort();
        for c in regular {
            push(c, KeyPosition::Regular);
        }
        let rows_read = if per_table == 0 {
            0
        } else {
            read_rows(session, keyspace, name, &mut columns, per_table).await?
        };
        tables.push(TableSample {
            table: name.clone(),
            columns,
            rows_read,
        });
    }
    Ok(tables)
}

/// One page of at most `limit` rows, every column as bytes.
async fn read_rows(
    session: &Session,
    keyspace: &str,
    table: &str,
    columns: &mut [ColumnSample],
    limit: usize,
) -> Result<usize, String> {
    let list: Vec<String> = columns.iter().map(|c| quote(&c.name)).collect();
    let cql = format!(
        "SELECT {} FROM {}.{} LIMIT {}",
        list.join(", "),
        quote(keyspace),
        quote(table),
        limit
    );
    let mut statement = Statement::new(cql);
    statement.set_consistency(Consistency::LocalOne);
    statement.set_page_size(i32::try_from(limit).unwrap_or(i32::MAX).max(1));
    let result = session
        .query_unpaged(statement, ())
        .await
        .map_err(|e| format!("cannot sample {keyspace}.{table}: {e}"))?;
    let rows = result
        .into_rows_result()
        .map_err(|e| format!("cannot sample {keyspace}.{table}: {e}"))?;
    let iter = rows
        .rows::<ColumnIterator>()
        .map_err(|e| format!("cannot sample {keyspace}.{table}: {e}"))?;
    let mut n = 0;
    for row in iter {
        if n == limit {
            break;
        }
        let row = row.map_err(|e| format!("cannot sample {keyspace}.{table}: {e}"))?;
        for (i, col) in row.enumerate() {
            let col = col.map_err(|e| format!("cannot sample {keyspace}.{table}: {e}"))?;
            if let Some(c) = columns.get_mut(i) {
                c.values.push(col.slice.map(|s| s.as_slice().to_vec()));
            }
        }
        n += 1;
    }
    Ok(n)
}

/// A map a layout's `value_map` can name: not frozen (an entry is changed alone), text keys,
/// text or blob values.
fn is_map_of_text(typ: &ColumnType<'_>) -> bool {
    use scylla::cluster::metadata::CollectionType;
    let text =
        |t: &ColumnType<'_>| matches!(t, ColumnType::Native(NativeType::Text | NativeType::Ascii));
    matches!(
        typ,
        ColumnType::Collection { frozen: false, typ: CollectionType::Map(k, v) }
            if text(k) && (text(v) || matches!(**v, ColumnType::Native(NativeType::Blob)))
    )
}

fn cql_type(typ: &ColumnType<'_>) -> String {
    use scylla::cluster::metadata::CollectionType;
    match typ {
        ColumnType::Native(n) => format!("{n:?}").to_ascii_lowercase(),
        ColumnType::Collection { frozen, typ } => {
            let inner = match typ {
                CollectionType::List(t) => format!("list<{}>", cql_type(t)),
                CollectionType::Set(t) => format!("set<{}>", cql_type(t)),
                CollectionType::Map(k, v) => format!("map<{}, {}>", cql_type(k), cql_type(v)),
                _ => "collection".into(),
            };
            if *frozen {
                format!("frozen<{inner}>")
            } else {
                inner
            }
        }
        ColumnType::UserDefinedType { .. } => "udt".into(),
        ColumnType::Tuple(_) => "tuple".into(),
        _ => "other".into(),
    }
}

/// Where a layout field is: a column, or a part of a packed column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldGuess {
    /// The whole column.
    Column(String),
    /// Part `part` of `column` split at `separator`.
    Packed {
        /// The column.
        column: String,
        /// The separator.
        separator: char,
        /// The part, from 0.
        part: usize,
    },
}

impl FieldGuess {
    fn toml(&self) -> String {
        match self {
            FieldGuess::Column(c) => format!("{c:?}"),
            FieldGuess::Packed {
                column,
                separator,
                part,
            } => format!(
                "{{ column = {column:?}, separator = {:?}, part = {part} }}",
                separator.to_string()
            ),
        }
    }

    fn column(&self) -> &str {
        match self {
            FieldGuess::Column(c) | FieldGuess::Packed { column: c, .. } => c,
        }
    }
}

/// A field of the draft and how many sampled rows agreed with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Evidence {
    /// Where the field is.
    pub field: FieldGuess,
    /// Sampled rows that agree.
    pub agreeing: usize,
    /// Sampled rows with a value there.
    pub of: usize,
}

/// A settings-like table: every field of a layout found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SettingsTable {
    /// The table.
    pub table: String,
    /// The owner.
    pub owner: Evidence,
    /// The group.
    pub group: Evidence,
    /// The setting key (for a `value_map`, the map column: its entries' keys).
    pub setting_key: Evidence,
    /// The JSON value (for a `value_map`, the map column: its entries' values).
    pub value: Evidence,
    /// Whether the value is a map column holding one setting per entry.
    pub value_map: bool,
    /// The contact-center marker, when one of the known ones was seen.
    pub contact_center_owner: Option<&'static str>,
    /// How many sampled owners were neither a user id nor a known marker.
    pub other_owners: usize,
}

/// What a column is to the draft, for the coverage table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnCoverage {
    /// Table.
    pub table: String,
    /// Column.
    pub column: String,
    /// CQL type.
    pub cql_type: String,
    /// The draft's use of it (`value`, `owner`...), or `None`: not searched by a layout scan.
    pub role: Option<String>,
    /// Sampled non-null values (for a map column, the entries of the sampled maps).
    pub sampled: usize,
    /// Of them, JSON objects.
    pub json: usize,
    /// Of them, holding something shaped like an e-mail address or a phone number.
    pub identifier_shaped: usize,
}

/// What discovery found.
#[derive(Clone, Debug)]
pub struct Discovery {
    /// The keyspace.
    pub keyspace: String,
    /// The sample size asked for.
    pub sample: usize,
    /// Rows read, per table.
    pub rows_read: BTreeMap<String, usize>,
    /// The settings-like tables.
    pub settings: Vec<SettingsTable>,
    /// Every text-like column of the keyspace.
    pub coverage: Vec<ColumnCoverage>,
}

fn is_user_id(v: &[u8]) -> bool {
    v.len() == 32 && v.iter().all(u8::is_ascii_hexdigit)
}

fn is_marker(v: &[u8]) -> Option<&'static str> {
    CONTACT_CENTER_MARKERS
        .iter()
        .find(|m| m.as_bytes() == v)
        .copied()
}

/// A settings group's name: letters, digits and `-`/`_`/`.`, with at least one `-` or `_`, or
/// Workspace's prefix.
fn is_group_name(v: &[u8]) -> bool {
    !v.is_empty()
        && v.len() <= 100
        && v.iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && (v.starts_with(b"interaction-workspace") || v.iter().any(|b| matches!(b, b'-' | b'_')))
        && !is_user_id(v)
}

fn is_json_object(v: &[u8]) -> bool {
    let text = v.trim_ascii_start();
    text.first() == Some(&b'{') && serde_json::from_slice::<serde::de::IgnoredAny>(text).is_ok()
}

/// Reads the sample's shapes into a draft layout and a coverage table. `identifier_shaped`
/// tells a value that looks like somebody's e-mail address or phone number (the matcher's
/// census; the scanner knows nothing of matching).
pub fn analyze(
    keyspace: &str,
    sample_size: usize,
    tables: &[TableSample],
    identifier_shaped: &dyn Fn(&[u8]) -> bool,
) -> Discovery {
    let mut settings = Vec::new();
    let mut coverage = Vec::new();
    let mut rows_read = BTreeMap::new();
    for t in tables {
        rows_read.insert(t.table.clone(), t.rows_read);
        let found = settings_table(t);
        for c in t.columns.iter().filter(|c| c.text_like) {
            let present: Vec<&[u8]> = if c.map_of_text {
                entry_values(c).into_iter().flatten().collect()
            } else {
                c.values.iter().flatten().map(Vec::as_slice).collect()
            };
            let role = found.as_ref().and_then(|s| {
                if s.value_map && s.value.field.column() == c.name {
                    return Some("value_map".to_string());
                }
                let mut roles = Vec::new();
                for (name, e) in [
                    ("owner", &s.owner),
                    ("group", &s.group),
                    ("setting_key", &s.setting_key),
                    ("value", &s.value),
                ] {
                    if e.field.column() == c.name {
                        roles.push(name);
                    }
                }
                (!roles.is_empty()).then(|| roles.join("+"))
            });
            coverage.push(ColumnCoverage {
                table: t.table.clone(),
                column: c.name.clone(),
                cql_type: c.cql_type.clone(),
                role,
                sampled: present.len(),
                json: present.iter().filter(|v| is_json_object(v)).count(),
                identifier_shaped: present.iter().filter(|v| identifier_shaped(v)).count(),
            });
        }
        settings.extend(found);
    }
    Discovery {
        keyspace: keyspace.to_string(),
        sample: sample_size,
        rows_read,
        settings,
        coverage,
    }
}

/// The values of the entries of a map column's sampled maps (`None`: a null value); maps
/// whose bytes are not a map's encoding count for none.
fn entry_values(c: &ColumnSample) -> Vec<Option<&[u8]>> {
    c.values
        .iter()
        .flatten()
        .filter_map(|raw| crate::collection::map_entries(raw))
        .flatten()
        .map(|(_, v)| v)
        .collect()
}

/// The fields of a settings-like table, when the sample shows every one.
fn settings_table(t: &TableSample) -> Option<SettingsTable> {
    let plain: Vec<&ColumnSample> = t.columns.iter().filter(|c| c.plain_text).collect();
    // The value: the column with the most JSON objects, at least half of its values; or else
    // the map column with the most entries holding one, at least half of its entries.
    let json_of = |present: Vec<&[u8]>| {
        let json = present.iter().filter(|v| is_json_object(v)).count();
        (json, present.len())
    };
    let column = plain
        .iter()
        .filter(|c| c.key == KeyPosition::Regular)
        .map(|c| {
            (
                *c,
                json_of(c.values.iter().flatten().map(Vec::as_slice).collect()),
            )
        });
    let map = t
        .columns
        .iter()
        .filter(|c| c.map_of_text && c.key == KeyPosition::Regular)
        .map(|c| (c, json_of(entry_values(c).into_iter().flatten().collect())));
    let good = |(_, (json, of)): &(&ColumnSample, (usize, usize))| *json > 0 && json * 2 >= *of;
    let (value, value_map) = match column.filter(good).max_by_key(|(_, (json, _))| *json) {
        Some(v) => (v, false),
        None => (map.filter(good).max_by_key(|(_, (json, _))| *json)?, true),
    };
    let entries = t
        .columns
        .iter()
        .find(|c| c.name == value.0.name)
        .map_or(0, |c| entry_values(c).len());
    let value = Evidence {
        field: FieldGuess::Column(value.0.name.clone()),
        agreeing: value.1 .0,
        of: value.1 .1,
    };
    // Owner and group: whole key columns, or parts of one packed key column.
    let keys: Vec<&ColumnSample> = plain
        .iter()
        .filter(|c| c.key != KeyPosition::Regular)
        .copied()
        .collect();
    let owner_of = |values: &[Option<Vec<u8>>]| {
        let present: Vec<&Vec<u8>> = values.iter().flatten().collect();
        let ids = present.iter().filter(|v| is_user_id(v)).count();
        let markers = present.iter().filter(|v| is_marker(v).is_some()).count();
        (ids, markers, present.len())
    };
    let mut owner: Option<(FieldGuess, usize, usize, usize)> = None;
    let mut group: Option<(FieldGuess, usize, usize)> = None;
    for c in &keys {
        let (ids, markers, of) = owner_of(&c.values);
        if ids > 0 && (ids + markers) * 2 >= of && owner.as_ref().is_none_or(|o| ids > o.1) {
            owner = Some((FieldGuess::Column(c.name.clone()), ids, markers, of));
        }
    }
    for c in &keys {
        if owner.as_ref().is_some_and(|o| o.0.column() == c.name) {
            continue;
        }
        let present: Vec<&Vec<u8>> = c.values.iter().flatten().collect();
        let groups = present.iter().filter(|v| is_group_name(v)).count();
        let distinct: std::collections::BTreeSet<&Vec<u8>> = present.iter().copied().collect();
        if groups > 0
            && groups * 2 >= present.len()
            && distinct.len() * 2 <= present.len().max(2)
            && group.as_ref().is_none_or(|g| groups > g.1)
        {
            group = Some((FieldGuess::Column(c.name.clone()), groups, present.len()));
        }
    }
    if owner.is_none() || group.is_none() {
        // A packed key: "<owner><sep><group>" in one column.
        for c in &keys {
            for sep in SEPARATORS {
                let parts: Vec<Vec<Vec<u8>>> = c
                    .values
                    .iter()
                    .flatten()
                    .map(|v| v.split(|b| *b as char == sep).map(<[u8]>::to_vec).collect())
                    .collect();
                if parts.is_empty() || parts.iter().any(|p| p.len() < 2) {
                    continue;
                }
                let firsts: Vec<Option<Vec<u8>>> =
                    parts.iter().map(|p| Some(p[0].clone())).collect();
                let (ids, markers, of) = owner_of(&firsts);
                let groups = parts.iter().filter(|p| is_group_name(&p[1])).count();
                if ids > 0 && (ids + markers) * 2 >= of && groups * 2 >= of {
                    owner = Some((
                        FieldGuess::Packed {
                            column: c.name.clone(),
                            separator: sep,
                            part: 0,
                        },
                        ids,
                        markers,
                        of,
                    ));
                    group = Some((
                        FieldGuess::Packed {
                            column: c.name.clone(),
                            separator: sep,
                            part: 1,
                        },
                        groups,
                        of,
                    ));
                }
            }
        }
    }
    let (owner_field, ids, markers, owners_of) = owner?;
    let (group_field, groups, groups_of) = group?;
    // The setting key: a map's entries' keys; or a text key column that is neither owner nor
    // group (the clustering column of a settings table, the column name of a Thrift-era one).
    let (key_name, key_present) = if value_map {
        (value.field.column().to_string(), entries)
    } else {
        let key = keys
            .iter()
            .filter(|c| c.name != owner_field.column() && c.name != group_field.column())
            .max_by_key(|c| {
                (
                    matches!(c.key, KeyPosition::Clustering(_)),
                    c.values.iter().flatten().count(),
                )
            })?;
        (key.name.clone(), key.values.iter().flatten().count())
    };
    let marker = t
        .columns
        .iter()
        .find(|c| c.name == owner_field.column())
        .and_then(|c| {
            c.values.iter().flatten().find_map(|v| match &owner_field {
                FieldGuess::Column(_) => is_marker(v),
                FieldGuess::Packed { separator, .. } => v
                    .split(|b| *b as char == *separator)
                    .next()
                    .and_then(is_marker),
            })
        });
    Some(SettingsTable {
        table: t.table.clone(),
        owner: Evidence {
            field: owner_field,
            agreeing: ids + markers,
            of: owners_of,
        },
        group: Evidence {
            field: group_field,
            agreeing: groups,
            of: groups_of,
        },
        setting_key: Evidence {
            field: FieldGuess::Column(key_name),
            agreeing: key_present,
            of: key_present,
        },
        value,
        value_map,
        contact_center_owner: marker,
        other_owners: owners_of - ids - markers,
    })
}

impl Discovery {
    /// Whether a settings-like table was found.
    pub fn found(&self) -> bool {
        !self.settings.is_empty()
    }

    /// The draft layout file, a comment per field with its evidence.
    pub fn draft_toml(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "# Layout drafted by `gdpr_forget_me layout discover` for keyspace {} from a sample of\n# at most {} row(s) per table. Review every field against the schema (DESCRIBE KEYSPACE {})\n# before searching with it: --layout FILE.",
            self.keyspace, self.sample, self.keyspace
        );
        if self.settings.is_empty() {
            let _ = writeln!(
                out,
                "#\n# No table of this keyspace looked like a settings table (an owner id, a group name,\n# a setting key and a JSON value per row). Search it with --deep, which reads every\n# text-like column of every table and erases nothing outside a layout."
            );
        }
        for s in &self.settings {
            let rows = self.rows_read.get(&s.table).copied().unwrap_or_default();
            let _ = writeln!(out, "\n[[table]]");
            let _ = writeln!(out, "# {rows} row(s) sampled.");
            let _ = writeln!(out, "name = {:?}", s.table);
            let ev = |e: &Evidence, what: &str| {
                format!(
                    "# {} of {} sampled row(s) hold {what} here.",
                    e.agreeing, e.of
                )
            };
            let _ = writeln!(
                out,
                "{}",
                ev(
                    &s.owner,
                    "a 32-hex-digit GWS user id or the contact-center marker"
                )
            );
            let _ = writeln!(out, "owner = {}", s.owner.field.toml());
            let _ = writeln!(out, "{}", ev(&s.group, "a settings group name"));
            let _ = writeln!(out, "group = {}", s.group.field.toml());
            if s.value_map {
                let _ = writeln!(
                    out,
                    "# {} of {} entries of the sampled maps hold a JSON object: each entry is one setting,\n# its key the setting key.",
                    s.value.agreeing, s.value.of
                );
                let _ = writeln!(out, "value_map = {}", s.value.field.toml());
            } else {
                let _ = writeln!(
                    out,
                    "{}",
                    ev(&s.setting_key, "a value (the remaining key column)")
                );
                let _ = writeln!(out, "setting_key = {}", s.setting_key.field.toml());
                let _ = writeln!(out, "{}", ev(&s.value, "a JSON object"));
                let _ = writeln!(out, "value = {}", s.value.field.toml());
            }
            match s.contact_center_owner {
                Some(m) => {
                    let _ = writeln!(out, "# Owners that are not user ids read as the contact center's (seen in the sample).");
                    let _ = writeln!(out, "contact_center_owner = {m:?}");
                }
                None if s.other_owners > 0 => {
                    let _ = writeln!(
                        out,
                        "# {} sampled owner(s) were neither a user id nor a known contact-center marker:\n# look them up in cqlsh and set contact_center_owner = \"...\" if one stands for the contact center.",
                        s.other_owners
                    );
                }
                None => {
                    let _ = writeln!(
                        out,
                        "# No contact-center owner was seen in the sample. If the contact center's settings\n# (corporate favorites) are in this table, set contact_center_owner = \"...\" to the owner\n# value it has: without it they read as a user's, and are never found as corporate."
                    );
                }
            }
        }
        out
    }

    /// Every text-like column of the keyspace and what the draft does with it.
    pub fn coverage_table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Coverage of keyspace {} (at most {} sampled row(s) per table; counts only, no value):",
            self.keyspace, self.sample
        );
        let _ = writeln!(
            out,
            "  {:<24} {:<20} {:<18} {:<22} {:>7} {:>5} {:>11}",
            "table", "column", "type", "in the draft", "sampled", "json", "identifier"
        );
        let mut uncovered_with_identifiers = BTreeMap::new();
        for c in &self.coverage {
            let in_draft = self.settings.iter().any(|s| s.table == c.table);
            let role = match (&c.role, in_draft) {
                (Some(r), _) => r.clone(),
                (None, true) => "not searched".into(),
                (None, false) => "NOT COVERED".into(),
            };
            if c.role.is_none() && c.identifier_shaped > 0 {
                *uncovered_with_identifiers
                    .entry(c.table.clone())
                    .or_insert(0) += c.identifier_shaped;
            }
            let _ = writeln!(
                out,
                "  {:<24} {:<20} {:<18} {:<22} {:>7} {:>5} {:>11}",
                c.table, c.column, c.cql_type, role, c.sampled, c.json, c.identifier_shaped
            );
        }
        if !uncovered_with_identifiers.is_empty() {
            let list: Vec<String> = uncovered_with_identifiers
                .iter()
                .map(|(t, n)| format!("{t} ({n} value(s))"))
                .collect();
            let _ = writeln!(
                out,
                "Identifier-shaped values outside the draft: {}. A search with this layout does not read them; --deep does (and erases nothing there).",
                list.join(", ")
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for the matcher's census: an `@` or seven digits.
    fn shaped(v: &[u8]) -> bool {
        v.contains(&b'@') || v.iter().filter(|b| b.is_ascii_digit()).count() >= 7
    }

    fn analyze(keyspace: &str, n: usize, tables: &[TableSample]) -> Discovery {
        super::analyze(keyspace, n, tables, &shaped)
    }

    fn col(name: &str, key: KeyPosition, values: &[&str]) -> ColumnSample {
        ColumnSample {
            name: name.into(),
            cql_type: "text".into(),
            key,
            plain_text: true,
            text_like: true,
            map_of_text: false,
            values: values.iter().map(|v| Some(v.as_bytes().to_vec())).collect(),
        }
    }

    /// A `map<text, text>` column with one sampled map per row.
    fn map_col(name: &str, rows: &[&[(&str, &str)]]) -> ColumnSample {
        let encode = |entries: &[(&str, &str)]| {
            let mut out = (entries.len() as i32).to_be_bytes().to_vec();
            for (k, v) in entries {
                for item in [k, v] {
                    out.extend((item.len() as i32).to_be_bytes());
                    out.extend(item.as_bytes());
                }
            }
            out
        };
        ColumnSample {
            name: name.into(),
            cql_type: "map<text, text>".into(),
            key: KeyPosition::Regular,
            plain_text: false,
            text_like: true,
            map_of_text: true,
            values: rows.iter().map(|r| Some(encode(r))).collect(),
        }
    }

    const ID1: &str = "0123456789abcdef0123456789abcdef";
    const ID2: &str = "fedcba9876543210fedcba9876543210";

    #[test]
    fn the_reference_layout_is_found_from_shapes() {
        let t = TableSample {
            table: "settings".into(),
            rows_read: 4,
            columns: vec![
                col(
                    "owner_id",
                    KeyPosition::Partition(0),
                    &[ID1, ID1, ID2, "contact-center"],
                ),
                col(
                    "group_name",
                    KeyPosition::Partition(1),
                    &[
                        "interaction-workspace-recents",
                        "interaction-workspace-recents",
                        "interaction-workspace-recents",
                        "interaction-workspace-corporate-favorites",
                    ],
                ),
                col(
                    "setting_key",
                    KeyPosition::Clustering(0),
                    &["a", "b", "c", "d"],
                ),
                col(
                    "value",
                    KeyPosition::Regular,
                    &["{\"a\":1}", "{}", "{\"e\":\"x@y.org\"}", "{}"],
                ),
            ],
        };
        let d = analyze("ks", 10, &[t]);
        assert!(d.found());
        let toml = d.draft_toml();
        for line in [
            "owner = \"owner_id\"",
            "group = \"group_name\"",
            "setting_key = \"setting_key\"",
            "value = \"value\"",
            "contact_center_owner = \"contact-center\"",
        ] {
            assert!(toml.contains(line), "{line} missing:\n{toml}");
        }
        // Shapes, never values.
        assert!(!toml.contains(ID1) && !toml.contains("x@y.org"));
        let table = d.coverage_table();
        assert!(
            !table.contains("x@y.org") && !table.contains(ID1),
            "{table}"
        );
    }

    #[test]
    fn a_packed_key_and_a_table_of_identifiers() {
        let packed = TableSample {
            table: "gws_settings".into(),
            rows_read: 2,
            columns: vec![
                col(
                    "key",
                    KeyPosition::Partition(0),
                    &[
                        &format!("{ID1}:interaction-workspace-recents"),
                        "CC:interaction-workspace-corporate-favorites",
                    ],
                ),
                col("column1", KeyPosition::Clustering(0), &["a", "b"]),
                col("value", KeyPosition::Regular, &["{}", "{\"x\":1}"]),
            ],
        };
        let people = TableSample {
            table: "user_props".into(),
            rows_read: 2,
            columns: vec![
                col("id", KeyPosition::Partition(0), &["1", "2"]),
                col(
                    "props",
                    KeyPosition::Regular,
                    &["ann@example.org", "+1 555 010 0001"],
                ),
            ],
        };
        let d = analyze("ks", 10, &[packed, people]);
        assert_eq!(d.settings.len(), 1);
        let toml = d.draft_toml();
        assert!(
            toml.contains("owner = { column = \"key\", separator = \":\", part = 0 }"),
            "{toml}"
        );
        assert!(toml.contains("group = { column = \"key\", separator = \":\", part = 1 }"));
        assert!(toml.contains("contact_center_owner = \"CC\""));
        let table = d.coverage_table();
        assert!(table.contains("NOT COVERED"), "{table}");
        assert!(table.contains("user_props (2 value(s))"), "{table}");
        assert!(!table.contains("ann@example.org"));
    }

    #[test]
    fn a_map_of_settings_is_drafted_as_a_value_map() {
        let t = TableSample {
            table: "group_settings".into(),
            rows_read: 4,
            columns: vec![
                col("owner_id", KeyPosition::Partition(0), &[ID1, ID1, ID2, ID2]),
                col(
                    "group_name",
                    KeyPosition::Clustering(0),
                    &[
                        "interaction-workspace-personal-favorites",
                        "interaction-workspace-recents",
                        "interaction-workspace-recents",
                        "interaction-workspace-personal-favorites",
                    ],
                ),
                map_col(
                    "settings",
                    &[
                        &[
                            ("fav-1", "{\"id\":\"fav-1\"}"),
                            ("fav-2", "{\"e\":\"x@y.org\"}"),
                        ],
                        &[("r-1", "{}")],
                        &[("r-2", "not json")],
                        &[("fav-3", "{}")],
                    ],
                ),
            ],
        };
        let d = analyze("ks", 10, &[t]);
        assert!(d.found());
        let toml = d.draft_toml();
        for line in [
            "owner = \"owner_id\"",
            "group = \"group_name\"",
            "# 4 of 5 entries of the sampled maps hold a JSON object",
            "value_map = \"settings\"",
        ] {
            assert!(toml.contains(line), "{line} missing:\n{toml}");
        }
        assert!(!toml.contains("setting_key =") && !toml.contains("\nvalue ="));
        let layout = crate::layout::Layout::from_toml(&toml, "draft").unwrap();
        assert!(layout.tables[0].value_map);
        let table = d.coverage_table();
        let row = table
            .lines()
            .find(|l| l.contains("map<text, text>"))
            .unwrap();
        assert!(row.contains("value_map"), "{table}");
        // Entries counted: five sampled, four JSON, one identifier-shaped.
        let numbers: Vec<&str> = row.split_whitespace().rev().take(3).collect();
        assert_eq!(numbers, ["1", "4", "5"], "{row}");
        assert!(!table.contains("x@y.org") && !toml.contains("fav-1"));
    }

    #[test]
    fn nothing_settings_like() {
        let t = TableSample {
            table: "favs_v2".into(),
            rows_read: 1,
            columns: vec![col("id", KeyPosition::Partition(0), &["1"])],
        };
        let d = analyze("ks", 10, &[t]);
        assert!(!d.found());
        assert!(d
            .draft_toml()
            .contains("No table of this keyspace looked like"));
    }
}
