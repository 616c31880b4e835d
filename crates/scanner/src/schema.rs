//! What a keyspace holds, read from the driver's schema metadata.
//!
//! Used to refuse an unknown keyspace before scanning, to check a layout against real columns,
//! and to plan a deep scan: every text-like column of every table, for personal data that no
//! layout describes.

use scylla::client::session::Session;
use scylla::cluster::metadata::{CollectionType, ColumnType, NativeType};

/// Whether the keyspace exists.
pub fn keyspace_exists(session: &Session, keyspace: &str) -> bool {
    session.get_cluster_state().get_keyspace(keyspace).is_some()
}

/// Column names of a table, or `None` when it does not exist.
pub fn table_columns(session: &Session, keyspace: &str, table: &str) -> Option<Vec<String>> {
    let state = session.get_cluster_state();
    let t = state.get_keyspace(keyspace)?.tables.get(table)?;
    Some(t.columns.keys().cloned().collect())
}

/// The keyspace's table names, sorted (empty when the keyspace does not exist).
pub fn table_names(session: &Session, keyspace: &str) -> Vec<String> {
    let state = session.get_cluster_state();
    let mut names: Vec<String> = state
        .get_keyspace(keyspace)
        .map(|k| k.tables.keys().cloned().collect())
        .unwrap_or_default();
    names.sort();
    names
}

/// A table as a deep scan sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeepTable {
    /// Table name.
    pub table: String,
    /// Primary key columns (partition, then clustering), to name a row in the report.
    pub key_columns: Vec<String>,
    /// Text-like columns that are not key columns.
    pub text_columns: Vec<String>,
    /// Whether each key column is text-like (searched, and shown as text).
    pub key_is_text: Vec<bool>,
    /// How to show each key column's bytes in a report.
    pub key_kinds: Vec<KeyKind>,
}

/// How a primary-key column's bytes are shown in a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// UTF-8 text.
    Text,
    /// A big-endian signed integer (int, bigint, smallint, tinyint).
    Integer,
    /// A UUID or timeuuid.
    Uuid,
    /// Anything else: hex.
    Other,
}

impl KeyKind {
    fn of(typ: &ColumnType<'_>) -> KeyKind {
        match typ {
            ColumnType::Native(NativeType::Text | NativeType::Ascii) => KeyKind::Text,
            ColumnType::Native(
                NativeType::Int | NativeType::BigInt | NativeType::SmallInt | NativeType::TinyInt,
            ) => KeyKind::Integer,
            ColumnType::Native(NativeType::Uuid | NativeType::Timeuuid) => KeyKind::Uuid,
            _ => KeyKind::Other,
        }
    }

    /// Renders stored bytes for a report.
    pub fn render(self, bytes: &[u8]) -> String {
        match self {
            KeyKind::Text => String::from_utf8_lossy(bytes).into_owned(),
            KeyKind::Integer if !bytes.is_empty() && bytes.len() <= 8 => {
                let mut v: i64 = if bytes[0] & 0x80 != 0 { -1 } else { 0 };
                for b in bytes {
                    v = (v << 8) | i64::from(*b);
                }
                v.to_string()
            }
            KeyKind::Uuid if bytes.len() == 16 => uuid::Uuid::from_slice(bytes)
                .map(|u| u.to_string())
                .unwrap_or_default(),
            _ => format!("0x{}", hex::encode(bytes)),
        }
    }
}

impl DeepTable {
    /// Columns to select: keys, then text columns.
    pub fn columns(&self) -> Vec<String> {
        self.key_columns
            .iter()
            .chain(&self.text_columns)
            .cloned()
            .collect()
    }

    /// Key columns that are text-like are searched too (an e-mail can be a row key).
    pub fn searched_columns(&self) -> impl Iterator<Item = (usize, &str)> {
        let keys = self
            .key_columns
            .iter()
            .enumerate()
            .filter(|(i, _)| self.key_is_text[*i])
            .map(|(i, c)| (i, c.as_str()));
        let n = self.key_columns.len();
        keys.chain(
            self.text_columns
                .iter()
                .enumerate()
                .map(move |(i, c)| (n + i, c.as_str())),
        )
    }
}

/// Every table of the keyspace that has at least one text-like column, sorted by name.
pub fn deep_tables(session: &Session, keyspace: &str) -> Vec<DeepTable> {
    let state = session.get_cluster_state();
    let Some(ks) = state.get_keyspace(keyspace) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (name, table) in &ks.tables {
        let key_columns: Vec<String> = table
            .partition_key
            .iter()
            .chain(&table.clustering_key)
            .cloned()
            .collect();
        let key_is_text = key_columns
            .iter()
            .map(|c| table.columns.get(c).is_some_and(|m| is_text_like(&m.typ)))
            .collect::<Vec<_>>();
        let key_kinds = key_columns
            .iter()
            .map(|c| {
                table
                    .columns
                    .get(c)
                    .map_or(KeyKind::Other, |m| KeyKind::of(&m.typ))
            })
            .collect::<Vec<_>>();
        let mut text_columns: Vec<String> = table
            .columns
            .iter()
            .filter(|(c, m)| !key_columns.contains(c) && is_text_like(&m.typ))
            .map(|(c, _)| c.clone())
            .collect();
        text_columns.sort();
        if text_columns.is_empty() && !key_is_text.iter().any(|t| *t) {
            continue;
        }
        out.push(DeepTable {
            table: name.clone(),
            key_columns,
            text_columns,
            key_is_text,
            key_kinds,
        });
    }
    out.sort_by(|a, b| a.table.cmp(&b.table));
    out
}

/// Text, ASCII and blob columns (Thrift-era tables often store text as blobs), and collections,
/// user-defined types and tuples holding any of them, frozen or not: their raw bytes are
/// searched as text (a text field's bytes stand whole in the serialized value).
pub fn is_text_like(typ: &ColumnType<'_>) -> bool {
    match typ {
        ColumnType::UserDefinedType { definition, .. } => {
            definition.field_types.iter().any(|(_, t)| is_text_like(t))
        }
        ColumnType::Tuple(types) => types.iter().any(is_text_like),
        ColumnType::Native(n) => {
            matches!(n, NativeType::Text | NativeType::Ascii | NativeType::Blob)
        }
        ColumnType::Collection { typ, .. } => match typ {
            CollectionType::List(t) | CollectionType::Set(t) => is_text_like(t),
            CollectionType::Map(k, v) => is_text_like(k) || is_text_like(v),
            _ => false,
        },
        _ => false,
    }
}

/// Whether a settings group exists in the reference layout's catalogue (`settings_groups`).
/// `None` when the keyspace has no such catalogue (a custom layout), so nothing can be said.
pub async fn group_known(session: &Session, keyspace: &str, group: &str) -> Option<bool> {
    table_columns(session, keyspace, "settings_groups")?;
    let cql = format!(
        "SELECT group_name FROM {}.settings_groups",
        crate::names::quote(keyspace)
    );
    let mut pager = session
        .query_iter(cql, ())
        .await
        .ok()?
        .rows_stream::<(String,)>()
        .ok()?;
    use futures::TryStreamExt;
    loop {
        match pager.try_next().await {
            Ok(Some((name,))) if name == group => return Some(true),
            Ok(Some(_)) => {}
            Ok(None) => return Some(false),
            // An unreadable catalogue says nothing either way.
            Err(_) => return None,
        }
    }
}

/// Primary key columns of a table (partition key, then clustering key), or `None` when the
/// table does not exist.
pub fn primary_key(session: &Session, keyspace: &str, table: &str) -> Option<Vec<String>> {
    let state = session.get_cluster_state();
    let t = state.get_keyspace(keyspace)?.tables.get(table)?;
    Some(
        t.partition_key
            .iter()
            .chain(&t.clustering_key)
            .cloned()
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_render_readably() {
        assert_eq!(KeyKind::Integer.render(&[0, 0, 0, 1]), "1");
        assert_eq!(KeyKind::Integer.render(&[0xff, 0xff, 0xff, 0xfe]), "-2");
        assert_eq!(KeyKind::Text.render(b"box-7"), "box-7");
        assert_eq!(KeyKind::Other.render(&[0xab, 0x01]), "0xab01");
        assert_eq!(
            KeyKind::Uuid.render(&[0u8; 16]),
            "00000000-0000-0000-0000-000000000000"
        );
    }
}
