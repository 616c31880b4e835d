//! Glue for the access export: turning a search's hits and captured values into
//! [`forgetme_access_export::AccessExport`] and writing the JSON and HTML files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use forgetme_access_export::{
    html, value_of, AccessExport, ExportIdentifier, ExportItem, ExportScan, FoundAt,
};
use forgetme_matcher::{Identifier, IdentifierKind, Matcher};
use serde_json::Value;

use crate::files::{write_atomic, Existing};
use crate::report::UserNames;
use crate::search::{OwnerType, SearchOutcome, ValueKey};

/// Builds the export.
pub fn build(
    keyspace: &str,
    outcome: &SearchOutcome,
    ids: &[Identifier],
    names: &UserNames,
    matcher: &Matcher,
) -> AccessExport {
    let identifiers = ids
        .iter()
        .enumerate()
        .map(|(i, id)| ExportIdentifier {
            index: i + 1,
            kind: match id.kind() {
                IdentifierKind::Email => "email",
                IdentifierKind::Phone => "phone",
                IdentifierKind::Text => "text",
            }
            .to_string(),
            normalized: id.normalized().to_string(),
        })
        .collect();
    let mut items: BTreeMap<ValueKey, ExportItem> = BTreeMap::new();
    for f in &outcome.found {
        let key: ValueKey = (f.table.clone(), f.row_key.clone(), f.column.clone());
        let item = items.entry(key.clone()).or_insert_with(|| ExportItem {
            table: f.table.clone(),
            owner_type: match f.owner_type {
                OwnerType::User => "user",
                OwnerType::ContactCenter => "contact_center",
                OwnerType::Unknown => "unknown",
            }
            .to_string(),
            user_id: f.user_id.clone(),
            user_name: f.user_id.as_ref().and_then(|u| names.get(u).cloned()),
            group: f.group.clone(),
            setting_key: f.setting_key.clone(),
            column: f.column.clone(),
            found_at: Vec::new(),
            value: outcome
                .values
                .get(&key)
                .map(|v| subjects_part(value_of(v), matcher))
                .unwrap_or(Value::Null),
        });
        item.found_at.push(FoundAt {
            json_path: f.json_path.clone(),
            identifier: f.identifier + 1,
            variant: f.variant.to_string(),
        });
    }
    let mut export = AccessExport::new(
        keyspace.to_string(),
        identifiers,
        ExportScan {
            complete: outcome.complete(),
            tables: outcome.tables.clone(),
            ranges: outcome.ranges,
            rows: outcome.rows,
            unread_ranges: outcome.failed.len(),
        },
        items.into_values().collect(),
    );
    // The statement says which copies were read: "found no data" about one copy of each range
    // is not "found no data" about every copy.
    export.statement.push(' ');
    export
        .statement
        .push_str(&crate::report::coverage_sentence(&outcome.coverage));
    export
}

/// The part of a stored value that is the subject's own (GDPR Art. 15(4): an access export
/// discloses nobody else). A list of entries (an array of objects or arrays, e.g. a shared
/// recent-contacts list) keeps only the entries holding an identifier, each cut the same way;
/// everything else is kept, so one contact's own record (a personal favorite, its list of
/// phone numbers) stays whole.
fn subjects_part(value: Value, matcher: &Matcher) -> Value {
    match value {
        Value::Array(items) if items.iter().any(|v| v.is_object() || v.is_array()) => Value::Array(
            items
                .into_iter()
                .filter(|item| {
                    serde_json::to_vec(item)
                        .map(|bytes| matcher.match_bytes(&bytes).is_match())
                        .unwrap_or(false)
                })
                .map(|item| subjects_part(item, matcher))
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, subjects_part(v, matcher)))
                .collect(),
        ),
        other => other,
    }
}

/// The HTML file beside a JSON export: `x.json` -> `x.html`, `x` -> `x.html`.
pub fn html_path(json: &Path) -> PathBuf {
    json.with_extension("html")
}

/// Writes both files, each atomically, new and readable by its owner only (0600) whatever
/// existed at the path before; a symlink at either path is refused.
pub fn write(export: &AccessExport, json_path: &Path) -> Result<PathBuf, String> {
    let html = html_path(json_path);
    if html == json_path {
        return Err(format!(
            "--export {}: give a .json file name; the HTML page is written beside it",
            json_path.display()
        ));
    }
    let json = serde_json::to_string_pretty(export).map_err(|e| e.to_string())?;
    write_atomic(json_path, json.as_bytes(), Existing::Replace)?;
    write_atomic(&html, html::render(export).as_bytes(), Existing::Replace)?;
    Ok(html)
}
