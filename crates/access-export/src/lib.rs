//! The access export: the answer to "what do you hold about me?" (GDPR Art. 15).
//!
//! # Layout
//!
//! - [`AccessExport`] and its parts: the officer's record, serialized as the JSON file, with
//!   every internal detail (keyspace, table, agent, group, setting key, JSON path, value).
//! - [`html`]: the officer's record as one self-contained HTML page.
//! - [`subject`]: the data subject's copy, built from the officer's record: in plain words,
//!   the person's own details only, no employee and no internal place.
//! - [`subject_html`]: the subject's copy as the page handed to the person.
//! - [`template`]: the controller's Art. 15(1)/(2) information, filled in once per language.
//! - [`words`]: the subject's copy's own words in each language, from the templates.
//!
//! An export with no items is a statement too ("we hold nothing"), so it always carries the
//! scan's completeness, and an incomplete scan says plainly that no statement is possible.
//! The export holds personal data by nature: it is for the data subject and the privacy
//! officer, not for logs.

pub mod html;
pub mod subject;
pub mod subject_html;
pub mod template;
pub mod words;

use forgetme_audit::Timestamp;
use serde::Serialize;
use serde_json::Value;

/// The schema name written in every export, for readers that check it.
pub const SCHEMA: &str = "gdpr-forget-me/access-export/v1";

/// The whole export.
#[derive(Clone, Debug, Serialize)]
pub struct AccessExport {
    /// Always [`SCHEMA`].
    pub schema: &'static str,
    /// When the export was made (written RFC 3339, UTC, milliseconds).
    pub generated_at: Timestamp,
    /// The keyspace searched.
    pub keyspace: String,
    /// What was searched for.
    pub identifiers: Vec<ExportIdentifier>,
    /// How completely.
    pub scan: ExportScan,
    /// One sentence summing up the answer.
    pub statement: String,
    /// Every setting or row holding an identifier, with the records of it that hold one.
    pub items: Vec<ExportItem>,
}

/// An identifier as searched.
#[derive(Clone, Debug, Serialize)]
pub struct ExportIdentifier {
    /// Number, from 1, as items refer to it.
    pub index: usize,
    /// `email`, `phone` or `text`.
    pub kind: String,
    /// Normalized form.
    pub normalized: String,
}

/// The scan behind the answer.
#[derive(Clone, Debug, Serialize)]
pub struct ExportScan {
    /// Every token range of every table was read.
    pub complete: bool,
    /// Tables searched (`keyspace.table`).
    pub tables: Vec<String>,
    /// Token-range splits read.
    pub ranges: usize,
    /// Rows read.
    pub rows: u64,
    /// Splits that could not be read.
    pub unread_ranges: usize,
}

/// Who owns a setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OwnerType {
    /// An agent's own setting: erasable.
    User,
    /// Contact-center level (corporate favorites): administrator-owned, never erased.
    ContactCenter,
    /// Found by a deep scan outside the settings layout.
    Unknown,
}

/// One place holding the subject's data.
#[derive(Clone, Debug, Serialize)]
pub struct ExportItem {
    /// `keyspace.table`.
    pub table: String,
    /// Whose setting it is.
    pub owner_type: OwnerType,
    /// The agent who stored it.
    pub user_id: Option<String>,
    /// The agent's login name, when GWS was reachable.
    pub user_name: Option<String>,
    /// Settings group (where it came from: favorites, recent contacts...).
    pub group: Option<String>,
    /// Setting key, or the row's key for deep hits.
    pub setting_key: String,
    /// Column, for deep hits.
    pub column: Option<String>,
    /// Where in the value each identifier was found.
    pub found_at: Vec<FoundAt>,
    /// For the officer: the records of the value that hold a hit (exact or possible), as
    /// stored (parsed JSON when it is JSON, else the text), inside the setting's own fields;
    /// other records of the setting are left out, and a record that holds another request of
    /// the same batch is replaced by [`WITHHELD_OTHER_REQUEST`].
    pub value: Value,
    /// Every hit of this item is a possible match (a stranger's number with the same digits,
    /// an address after a symbol...): nothing of it is in the subject's copy; the officer
    /// checks it and answers by hand if it is the subject's.
    #[serde(default)]
    pub possible_only: bool,
    /// What the subject's copy shows of this item: the records that hold an exact match of
    /// the subject, each with every identifier-shaped text that is not the subject's (in
    /// values and keys) replaced by [`WITHHELD`]. The subject's copy is built from these
    /// alone, never from `value`.
    #[serde(default)]
    pub subject_records: Vec<SubjectPart>,
    /// Records (entries of lists or maps) of this value left out because they hold none of
    /// the subject's identifiers: other people's (GDPR Art. 15(4)).
    #[serde(default)]
    pub entries_not_shown: usize,
    /// Records that hold only possible matches: in `value` for the officer, not in the
    /// subject's copy.
    #[serde(default)]
    pub records_possible_only: usize,
    /// Records of the subject withheld from the subject's copy because they also hold an
    /// identifier of another request of the same batch: answer the two requests together
    /// by hand (the erasure leaves them for review too).
    #[serde(default)]
    pub records_of_another_request: usize,
    /// Identifier-shaped texts (other people's e-mail addresses and phone numbers, in values
    /// and keys) withheld from the subject's records in `subject_records`.
    #[serde(default)]
    pub others_withheld: usize,
    /// Paths (into the stored value, e.g. `$.contacts[1].notes`; keys that look like an
    /// identifier written `["*"]`) of text fields of the subject's records that may name other
    /// people: notes, and text that held an identifier (anybody's) among other words. Other
    /// people's identifiers in them are withheld, their names are not: read them before
    /// handing the copy out.
    #[serde(default)]
    pub free_text: Vec<String>,
}

/// What replaces, in the subject's copy, an identifier-shaped text that is not the
/// subject's.
pub const WITHHELD: &str = "(withheld: another person's data)";

/// What replaces, in a batch request's officer's record, a record that also holds another
/// request's identifier.
pub const WITHHELD_OTHER_REQUEST: &str =
    "(withheld: this record also holds another request of this batch; answer both by hand)";

/// One record of the subject, as the subject's copy shows it.
#[derive(Clone, Debug, Serialize)]
pub struct SubjectPart {
    /// The record, other people's identifiers withheld (JSON; a text value that is not JSON
    /// shows as a string of the subject's own identifiers only).
    pub value: Value,
    /// How many identifier-shaped texts were withheld from it.
    pub withheld: usize,
}

/// One hit inside an item.
#[derive(Clone, Debug, Serialize)]
pub struct FoundAt {
    /// JSON path, or `None` when the value was searched as text.
    pub json_path: Option<String>,
    /// Which identifier (its `index`).
    pub identifier: usize,
    /// How it matched (`case-insensitive`, `phone-formatted`...).
    pub variant: String,
    /// A possible match: may be a stranger's, never shown to the subject as theirs.
    #[serde(default)]
    pub possible: bool,
}

impl AccessExport {
    /// Builds the export and its statement.
    pub fn new(
        keyspace: String,
        identifiers: Vec<ExportIdentifier>,
        scan: ExportScan,
        items: Vec<ExportItem>,
    ) -> AccessExport {
        let statement = if !scan.complete {
            format!(
                "The search was INCOMPLETE ({} token range(s) unread): this export is not a complete answer.",
                scan.unread_ranges
            )
        } else if items.is_empty() {
            format!(
                "A complete search of {} row(s) in {} table(s) found no data about the identifier(s).",
                scan.rows,
                scan.tables.len()
            )
        } else {
            format!(
                "A complete search of {} row(s) in {} table(s) found {} place(s) holding the identifier(s).",
                scan.rows,
                scan.tables.len(),
                items.len()
            )
        };
        AccessExport {
            schema: SCHEMA,
            generated_at: Timestamp::now(),
            keyspace,
            identifiers,
            scan,
            statement,
            items,
        }
    }
}

/// The stored text as JSON when it parses, else as a string.
pub fn value_of(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// Now, RFC 3339 in UTC, in the audit log's format.
pub use forgetme_audit::now_rfc3339;

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(complete: bool) -> ExportScan {
        ExportScan {
            complete,
            tables: vec!["sipfs.settings".into()],
            ranges: 68,
            rows: 10,
            unread_ranges: usize::from(!complete),
        }
    }

    #[test]
    fn statements_distinguish_nothing_held_from_incomplete() {
        let e = AccessExport::new("sipfs".into(), vec![], scan(true), vec![]);
        assert!(e.statement.contains("found no data"), "{}", e.statement);
        let e = AccessExport::new("sipfs".into(), vec![], scan(false), vec![]);
        assert!(e.statement.contains("INCOMPLETE"), "{}", e.statement);
        assert!(!e.statement.contains("found no data"));
    }

    #[test]
    fn values_are_json_when_they_parse() {
        assert_eq!(value_of(r#"{"a":1}"#)["a"], 1);
        assert_eq!(value_of("plain"), Value::String("plain".into()));
    }
}
