//! Where a settings table keeps the four things the tool needs: owner, group, setting key and
//! the setting's JSON value.
//!
//! GWS does not publish its Cassandra schema, so the tool cannot hard-code one. The reference
//! layout is the one of the project's own GWS-compatible server (`docs/storage-layout.md`); a
//! real install is described by a TOML layout file (`docs/layout-file.md`). A field is either a
//! whole column or one part of a column that packs several values into one row key, as
//! Thrift-era products often did (`key = "<owner>:<group>"`).

use std::collections::HashMap;

use serde::Deserialize;

use crate::names::{check_cql_name, NameError};
use crate::RowView;

/// The value of `owner_id` that marks contact-center-level settings in the reference layout.
pub const CONTACT_CENTER_OWNER: &str = "contact-center";

/// A set of settings tables, each with its own field mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    /// The tables, in the order they are scanned.
    pub tables: Vec<TableLayout>,
}

/// How one table stores settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TableLayout {
    /// Table name, in the keyspace given on the command line.
    pub table: String,
    /// Owner of the setting: a user id, or [`TableLayout::contact_center_owner`].
    pub owner: FieldSource,
    /// Settings group name.
    pub group: FieldSource,
    /// The setting's key value (the group's key attribute).
    pub setting_key: FieldSource,
    /// The setting itself (JSON text).
    pub value: FieldSource,
    /// Whether `value` is a map column (`map<text, text>` or `map<text, blob>`) holding one
    /// setting per entry: the entry's key is the setting key (`setting_key` then names the
    /// same column) and its value the setting's JSON.
    pub value_map: bool,
    /// The owner value that means "contact-center level" (corporate favorites and the like).
    pub contact_center_owner: String,
}

/// Where one field lives: a column, or one part of a column split by a separator.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldSource {
    /// Column name.
    pub column: String,
    /// Separator that packs several fields into the column (e.g. `":"`).
    #[serde(default)]
    pub separator: Option<String>,
    /// Which part (0-based) after splitting by `separator`. Every part, the last one
    /// included, ends at the next separator or at the end of the column: a separator inside
    /// a packed value cuts it there (`"a:b:c"` with part 1 is `b`, never `b:c`), so the
    /// separator must be one the packed values never hold.
    #[serde(default)]
    pub part: Option<usize>,
}

impl FieldSource {
    fn column(name: &str) -> Self {
        FieldSource {
            column: name.to_string(),
            separator: None,
            part: None,
        }
    }
}

/// Errors in a layout file or in how it fits the schema. Messages name the file's fields and
/// schema objects only: these are not personal data.
#[derive(Debug, thiserror::Error)]
pub enum LayoutError {
    /// The file is not valid TOML for a layout.
    #[error("layout file {path} is not a valid layout: {message}\n  see docs/layout-file.md for the format")]
    Parse {
        /// File path as given.
        path: String,
        /// The parser's message.
        message: String,
    },
    /// A name in the file is not a plain CQL identifier.
    #[error("layout file: {0}")]
    Name(#[from] NameError),
    /// A field mixes `part` and `separator` wrongly.
    #[error(
        "layout file: table {table}, field {field}: `part` and `separator` must be given together"
    )]
    PartWithoutSeparator {
        /// Table name.
        table: String,
        /// Field name.
        field: &'static str,
    },
    /// A table gives both `value` and `value_map`, or neither, or a `setting_key` beside a
    /// `value_map` (whose entries' keys are the setting keys).
    #[error("layout file: table {table}: {problem}")]
    ValueFields {
        /// Table name.
        table: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// No tables.
    #[error("layout file {path} describes no table; add at least one [[table]] section")]
    Empty {
        /// File path as given.
        path: String,
    },
    /// A table of the layout does not exist.
    #[error("table {keyspace}.{table} named by the layout does not exist; check --cass_keyspace and the layout file. The keyspace has: {existing}. On a real install, `gdpr_forget_me layout discover --cass_keyspace {keyspace}` drafts a layout from its schema, and --deep searches every table")]
    MissingTable {
        /// Keyspace.
        keyspace: String,
        /// Table.
        table: String,
        /// The keyspace's tables, comma-separated (or "no table").
        existing: String,
    },
    /// A column of the layout does not exist.
    #[error("column {column} of table {keyspace}.{table} named by the layout (field {field}) does not exist; the table has: {existing}")]
    MissingColumn {
        /// Keyspace.
        keyspace: String,
        /// Table.
        table: String,
        /// Column.
        column: String,
        /// Field of the layout.
        field: &'static str,
        /// The columns that do exist, comma-separated.
        existing: String,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LayoutFile {
    table: Vec<TableFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    name: String,
    owner: FieldFile,
    group: FieldFile,
    #[serde(default)]
    setting_key: Option<FieldFile>,
    #[serde(default)]
    value: Option<FieldFile>,
    #[serde(default)]
    value_map: Option<String>,
    #[serde(default)]
    contact_center_owner: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum FieldFile {
    Column(String),
    Source(FieldSource),
}

impl From<FieldFile> for FieldSource {
    fn from(f: FieldFile) -> Self {
        match f {
            FieldFile::Column(c) => FieldSource::column(&c),
            FieldFile::Source(s) => s,
        }
    }
}

impl Layout {
    /// The reference layout: the `settings` table of `docs/storage-layout.md`.
    pub fn reference() -> Layout {
        Layout {
            tables: vec![TableLayout {
                table: "settings".into(),
                owner: FieldSource::column("owner_id"),
                group: FieldSource::column("group_name"),
                setting_key: FieldSource::column("setting_key"),
                value: FieldSource::column("value"),
                value_map: false,
                contact_center_owner: CONTACT_CENTER_OWNER.into(),
            }],
        }
    }

    /// Parses a layout from TOML text; `origin` names it in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<Layout, LayoutError> {
        let file: LayoutFile = toml::from_str(text).map_err(|e| LayoutError::Parse {
            path: origin.to_string(),
            message: e.message().to_string(),
        })?;
        if file.table.is_empty() {
            return Err(LayoutError::Empty {
                path: origin.to_string(),
            });
        }
        let mut tables = Vec::new();
        for t in file.table {
            check_cql_name("table", &t.name)?;
            let problem = |problem| LayoutError::ValueFields {
                table: t.name.clone(),
                problem,
            };
            let (setting_key, value, value_map) = match (t.setting_key, t.value, t.value_map) {
                (Some(key), Some(value), None) => (key.into(), value.into(), false),
                (None, None, Some(map)) => {
                    (FieldSource::column(&map), FieldSource::column(&map), true)
                }
                (_, Some(_), Some(_)) => {
                    return Err(problem(
                        "give either `value` (a column holding the setting) or `value_map` (a map column holding one setting per entry), not both",
                    ))
                }
                (Some(_), None, Some(_)) => {
                    return Err(problem(
                        "`setting_key` cannot be given with `value_map`: each entry's key is its setting's key",
                    ))
                }
                (None, Some(_), None) => return Err(problem("`setting_key` is missing")),
                (_, None, None) => {
                    return Err(problem(
                        "`value` (a column holding the setting) or `value_map` (a map column holding one setting per entry) is missing",
                    ))
                }
            };
            let table = TableLayout {
                owner: t.owner.into(),
                group: t.group.into(),
                setting_key,
                value,
                value_map,
                contact_center_owner: t
                    .contact_center_owner
                    .unwrap_or_else(|| CONTACT_CENTER_OWNER.into()),
                table: t.name,
            };
            for (field, source) in table.fields() {
                check_cql_name("column", &source.column)?;
                if source.part.is_some() != source.separator.is_some() {
                    return Err(LayoutError::PartWithoutSeparator {
                        table: table.table.clone(),
                        field,
                    });
                }
            }
            tables.push(table);
        }
        Ok(Layout { tables })
    }

    /// Checks every table and column against the keyspace's schema, so a wrong layout fails
    /// before any row is read. `tables` are the keyspace's tables (named in the error when one
    /// is missing); `columns_of` answers a table's column names, or `None` when the table does
    /// not exist.
    pub fn check_against(
        &self,
        keyspace: &str,
        tables: &[String],
        columns_of: impl Fn(&str) -> Option<Vec<String>>,
    ) -> Result<(), LayoutError> {
        for t in &self.tables {
            let Some(mut existing) = columns_of(&t.table) else {
                return Err(LayoutError::MissingTable {
                    keyspace: keyspace.into(),
                    table: t.table.clone(),
                    existing: if tables.is_empty() {
                        "no table".into()
                    } else {
                        tables.join(", ")
                    },
                });
            };
            existing.sort();
            for (field, source) in t.fields() {
                if !existing.iter().any(|c| c == &source.column) {
                    return Err(LayoutError::MissingColumn {
                        keyspace: keyspace.into(),
                        table: t.table.clone(),
                        column: source.column.clone(),
                        field,
                        existing: existing.join(", "),
                    });
                }
            }
        }
        Ok(())
    }
}

/// A setting's identity inside a table, as read from a row.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SettingLocation {
    /// Owner as stored (user id or the contact-center marker).
    pub owner: String,
    /// Group name.
    pub group: String,
    /// Key value of the setting.
    pub setting_key: String,
}

impl TableLayout {
    /// The four fields with their names, for checks and messages.
    pub fn fields(&self) -> [(&'static str, &FieldSource); 4] {
        [
            ("owner", &self.owner),
            ("group", &self.group),
            ("setting_key", &self.setting_key),
            ("value", &self.value),
        ]
    }

    /// The distinct columns to select, in a stable order.
    pub fn columns(&self) -> Vec<String> {
        let mut cols: Vec<String> = Vec::new();
        for (_, f) in self.fields() {
            if !cols.contains(&f.column) {
                cols.push(f.column.clone());
            }
        }
        cols
    }

    /// Binds the layout to the column order of [`TableLayout::columns`], for fast row access.
    pub fn bind(&self) -> BoundLayout {
        let cols = self.columns();
        let index: HashMap<&str, usize> = cols
            .iter()
            .enumerate()
            .map(|(i, c)| (c.as_str(), i))
            .collect();
        let bind = |f: &FieldSource| BoundField {
            column: index[f.column.as_str()],
            split: f.separator.clone().zip(f.part),
        };
        BoundLayout {
            owner: bind(&self.owner),
            group: bind(&self.group),
            setting_key: bind(&self.setting_key),
            value: bind(&self.value),
            value_map: self.value_map.then(|| self.value.column.clone()),
            contact_center_owner: self.contact_center_owner.clone(),
        }
    }
}

/// A field bound to a column index of the selected row.
#[derive(Clone, Debug)]
pub struct BoundField {
    column: usize,
    split: Option<(String, usize)>,
}

impl BoundField {
    /// The field's bytes in `row`, or `None` when the column is null or the packed key has
    /// fewer parts than the layout expects.
    pub fn get<'a>(&self, row: &RowView<'a>) -> Option<&'a [u8]> {
        let raw = row.column(self.column)?;
        match &self.split {
            None => Some(raw),
            Some((sep, part)) => nth_part(raw, sep.as_bytes(), *part),
        }
    }
}

/// The `part`-th piece of `raw` split by `sep`: it starts after the `part`-th separator and
/// ends at the next one (or at the end of `raw`). `None` when `raw` has fewer parts.
fn nth_part<'a>(raw: &'a [u8], sep: &[u8], part: usize) -> Option<&'a [u8]> {
    let mut rest = raw;
    for _ in 0..part {
        let at = memfind(rest, sep)?;
        rest = &rest[at + sep.len()..];
    }
    // A middle part stops at the next separator; the part is "the rest" only if no separator
    // follows.
    match memfind(rest, sep) {
        Some(at) => Some(&rest[..at]),
        None => Some(rest),
    }
}

fn memfind(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    memchr::memmem::find(hay, needle)
}

/// A [`TableLayout`] ready to pull fields out of rows selected with its
/// [`TableLayout::columns`].
#[derive(Clone, Debug)]
pub struct BoundLayout {
    /// Owner field.
    pub owner: BoundField,
    /// Group field.
    pub group: BoundField,
    /// Setting key field.
    pub setting_key: BoundField,
    /// JSON value field.
    pub value: BoundField,
    /// The map column whose entries are the settings, when the value is one
    /// ([`TableLayout::value_map`]): [`BoundLayout::value`] is then the whole map.
    pub value_map: Option<String>,
    /// Owner value meaning "contact center".
    pub contact_center_owner: String,
}

impl BoundLayout {
    /// Reads the setting's identity from a row (lossy UTF-8: ids and names are ASCII in GWS).
    pub fn locate(&self, row: &RowView<'_>) -> SettingLocation {
        let text = |f: &BoundField| {
            f.get(row)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default()
        };
        SettingLocation {
            owner: text(&self.owner),
            group: text(&self.group),
            setting_key: text(&self.setting_key),
        }
    }

    /// Whether the row is contact-center level (administrator-owned).
    pub fn is_contact_center(&self, row: &RowView<'_>) -> bool {
        self.owner.get(row) == Some(self.contact_center_owner.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THRIFT_STYLE: &str = r#"
[[table]]
name = "gws_settings"
owner = { column = "key", separator = ":", part = 0 }
group = { column = "key", separator = ":", part = 1 }
setting_key = "column1"
value = "value"
contact_center_owner = "CC"
"#;

    #[test]
    fn reference_layout_selects_four_columns() {
        let t = &Layout::reference().tables[0];
        assert_eq!(
            t.columns(),
            vec!["owner_id", "group_name", "setting_key", "value"]
        );
    }

    #[test]
    fn packed_key_layout_parses_and_extracts_parts() {
        let layout = Layout::from_toml(THRIFT_STYLE, "test").unwrap();
        let t = &layout.tables[0];
        assert_eq!(t.columns(), vec!["key", "column1", "value"]);
        let bound = t.bind();
        let cols: [Option<&[u8]>; 3] = [
            Some(b"0123abcd:interaction-workspace-personal-favorites"),
            Some(b"fav-1"),
            Some(b"{}"),
        ];
        let row = RowView::new(&cols);
        let loc = bound.locate(&row);
        assert_eq!(loc.owner, "0123abcd");
        assert_eq!(loc.group, "interaction-workspace-personal-favorites");
        assert_eq!(loc.setting_key, "fav-1");
        assert!(!bound.is_contact_center(&row));
    }

    const MAP_STYLE: &str = r#"
[[table]]
name = "group_settings"
owner = "owner_id"
group = "group_name"
value_map = "settings"
"#;

    #[test]
    fn a_map_of_settings_parses_with_its_keys_as_setting_keys() {
        let layout = Layout::from_toml(MAP_STYLE, "test").unwrap();
        let t = &layout.tables[0];
        assert!(t.value_map);
        assert_eq!(t.columns(), vec!["owner_id", "group_name", "settings"]);
        assert_eq!(t.setting_key.column, "settings");
        assert_eq!(t.bind().value_map.as_deref(), Some("settings"));
        assert_eq!(Layout::reference().tables[0].bind().value_map, None);
    }

    #[test]
    fn value_and_value_map_go_alone() {
        for (bad, says) in [
            (
                MAP_STYLE.replace("value_map", "value = \"v\"\nvalue_map"),
                "not both",
            ),
            (
                MAP_STYLE.replace("value_map", "setting_key = \"k\"\nvalue_map"),
                "each entry's key",
            ),
            (
                MAP_STYLE.replace("value_map = \"settings\"\n", ""),
                "is missing",
            ),
            (
                THRIFT_STYLE.replace("setting_key = \"column1\"\n", ""),
                "`setting_key` is missing",
            ),
        ] {
            let err = Layout::from_toml(&bad, "test").unwrap_err();
            assert!(
                matches!(err, LayoutError::ValueFields { .. }) && err.to_string().contains(says),
                "{err}"
            );
        }
        let bad = MAP_STYLE.replace("\"settings\"", "\"x; DROP\"");
        assert!(Layout::from_toml(&bad, "test").is_err());
    }

    #[test]
    fn middle_part_stops_at_next_separator_and_missing_part_is_none() {
        assert_eq!(nth_part(b"a:b:c", b":", 1), Some(&b"b"[..]));
        assert_eq!(nth_part(b"a:b:c", b":", 2), Some(&b"c"[..]));
        assert_eq!(nth_part(b"a", b":", 1), None);
    }

    #[test]
    fn part_without_separator_is_refused() {
        let bad = THRIFT_STYLE.replace(", separator = \":\", part = 0", ", part = 0");
        let err = Layout::from_toml(&bad, "test").unwrap_err();
        assert!(
            matches!(err, LayoutError::PartWithoutSeparator { .. }),
            "{err}"
        );
    }

    #[test]
    fn injection_in_names_is_refused() {
        let bad = THRIFT_STYLE.replace("gws_settings", "x; DROP KEYSPACE sipfs");
        let err = Layout::from_toml(&bad, "test").unwrap_err();
        assert!(err.to_string().contains("table"), "{err}");
    }

    #[test]
    fn unknown_field_is_refused_with_a_pointer_to_the_docs() {
        let bad = format!("{THRIFT_STYLE}colour = \"blue\"\n");
        let err = Layout::from_toml(&bad, "f.toml").unwrap_err();
        assert!(err.to_string().contains("docs/layout-file.md"), "{err}");
    }

    #[test]
    fn missing_column_names_what_exists() {
        let layout = Layout::from_toml(THRIFT_STYLE, "test").unwrap();
        let err = layout
            .check_against("ks", &[], |_| Some(vec!["key".into(), "value".into()]))
            .unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("column1") && msg.contains("key, value"),
            "{msg}"
        );
        let err = layout
            .check_against("ks", &["agents".into(), "settings".into()], |_| None)
            .unwrap_err();
        assert!(matches!(err, LayoutError::MissingTable { .. }));
        assert!(
            err.to_string()
                .contains("The keyspace has: agents, settings. On a real install, `gdpr_forget_me layout discover"),
            "{err}"
        );
    }
}
