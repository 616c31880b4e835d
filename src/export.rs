//! Glue for the access export: turning a search's hits and captured values into
//! [`forgetme_access_export::AccessExport`] (the officer's record), and writing it with the
//! data subject's copy made from it (docs/export-and-receipt.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use forgetme_access_export::subject::SubjectCopy;
use forgetme_access_export::template::SubjectTemplate;
use forgetme_access_export::{
    html, subject_html, value_of, AccessExport, ExportIdentifier, ExportItem, ExportScan, FoundAt,
};
use forgetme_matcher::{Identifier, IdentifierKind, Matcher};
use serde_json::Value;

use crate::files::{read_text_limited, write_atomic, Existing};
use crate::input::InputError;
use crate::report::UserNames;
use forgetme_findings::{OwnerType, SearchOutcome, ValueKey};

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
        let key: ValueKey = f.value_key();
        let item = items.entry(key.clone()).or_insert_with(|| ExportItem {
            table: f.table.to_string(),
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
            value: Value::Null,
            entries_not_shown: 0,
            free_text: Vec::new(),
        });
        if item.found_at.is_empty() {
            if let Some(stored) = outcome.values.get(&key) {
                let mut cut = Cut::default();
                item.value = cut.subjects_part(value_of(stored), matcher, "$");
                item.entries_not_shown = cut.entries_not_shown;
                item.free_text = cut.free_text;
            }
        }
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
            tables: outcome.tables.iter().map(ToString::to_string).collect(),
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

/// Cuts a stored value down to the subject's own part (GDPR Art. 15(4): an access export
/// discloses nobody else), counting what it leaves out and noting free text.
#[derive(Default)]
struct Cut {
    /// List entries left out: they hold none of the subject's identifiers.
    entries_not_shown: usize,
    /// Paths of kept text fields that hold an identifier among other words.
    free_text: Vec<String>,
}

impl Cut {
    /// A list of entries (an array of objects or arrays, e.g. a shared recent-contacts list)
    /// keeps only the entries holding an identifier, each cut the same way; everything else is
    /// kept, so one contact's own record (a personal favorite, its list of phone numbers) stays
    /// whole. `path` is where `value` sits in the exported value.
    fn subjects_part(&mut self, value: Value, matcher: &Matcher, path: &str) -> Value {
        match value {
            Value::Array(items) if items.iter().any(|v| v.is_object() || v.is_array()) => {
                let total = items.len();
                let kept: Vec<Value> = items
                    .into_iter()
                    .filter(|item| {
                        serde_json::to_vec(item)
                            .map(|bytes| matcher.match_bytes(&bytes).is_match())
                            .unwrap_or(false)
                    })
                    .collect();
                self.entries_not_shown += total - kept.len();
                kept.into_iter()
                    .enumerate()
                    .map(|(i, item)| self.subjects_part(item, matcher, &format!("{path}[{i}]")))
                    .collect()
            }
            Value::Array(items) => items
                .into_iter()
                .enumerate()
                .map(|(i, item)| self.subjects_part(item, matcher, &format!("{path}[{i}]")))
                .collect(),
            Value::Object(map) => Value::Object(
                map.into_iter()
                    .map(|(k, v)| {
                        let inner = self.subjects_part(v, matcher, &format!("{path}.{k}"));
                        (k, inner)
                    })
                    .collect(),
            ),
            Value::String(text) => {
                if is_free_text(&text) && matcher.is_match_text(&text) {
                    self.free_text.push(path.to_string());
                }
                Value::String(text)
            }
            other => other,
        }
    }
}

/// Whether a text holds words besides identifiers: what is left once every token that could
/// be an e-mail address or a phone number (an `@`, or three digits or more) is taken out still
/// has letters. `john@x.com` and `+1 (555) 010-0001` are not free text; `call John on +1 555
/// 010 0001 or his wife` is.
fn is_free_text(text: &str) -> bool {
    let letters: usize = text
        .split_whitespace()
        .filter(|token| {
            !token.contains('@') && token.chars().filter(char::is_ascii_digit).count() < 3
        })
        .map(|token| token.chars().filter(|c| c.is_alphabetic()).count())
        .sum();
    letters >= 2
}

/// Every file an export writes: the officer's record (`x.json`, `x.html`) and the data
/// subject's copy (`x.subject.html`, `x.subject.json`), all named after `--export x.json`.
pub struct ExportPaths {
    /// The officer's record as JSON: the path given.
    pub json: PathBuf,
    /// The officer's record as a page.
    pub html: PathBuf,
    /// The subject's copy as a page: what is handed to the person.
    pub subject_html: PathBuf,
    /// The subject's copy as JSON.
    pub subject_json: PathBuf,
}

impl ExportPaths {
    /// The four paths from `--export FILE`; refused when they would not be four different
    /// files (`--export x.html`) or the officer's page would be named like a subject's copy
    /// (`--export x.subject.json`). Checked before anything is read.
    pub fn of(json: &Path) -> Result<ExportPaths, String> {
        let paths = ExportPaths {
            json: json.to_path_buf(),
            html: json.with_extension("html"),
            subject_html: json.with_extension("subject.html"),
            subject_json: json.with_extension("subject.json"),
        };
        let all = paths.all();
        // `x.subject.json` would make the officer's page `x.subject.html`: the name of the
        // person's copy.
        let subject_named = json
            .file_stem()
            .is_some_and(|s| s.to_string_lossy().ends_with(".subject"));
        if subject_named || (1..all.len()).any(|i| all[..i].contains(&all[i])) {
            return Err(format!(
                "--export {}: give a .json file name; the pages and the subject's copy are written beside it",
                json.display()
            ));
        }
        Ok(paths)
    }

    /// The four paths, the officer's record first.
    pub fn all(&self) -> [&Path; 4] {
        [
            &self.json,
            &self.html,
            &self.subject_html,
            &self.subject_json,
        ]
    }
}

/// The longest controller template read (a few paragraphs of text).
const MAX_TEMPLATE_FILE: u64 = 64 * 1024;

/// Reads and checks the controller's template (`--subject-template`), before anything else is
/// read: a missing file, a missing or empty field, or a field the template does not know is
/// refused with what to fix.
pub fn load_template(path: &Path) -> Result<SubjectTemplate, InputError> {
    let what = format!("--subject-template {}", path.display());
    let text = read_text_limited(path, MAX_TEMPLATE_FILE, &what)?;
    SubjectTemplate::parse(&text).map_err(|e| InputError(format!("{what}: {e}")))
}

/// What [`write`] wrote, and what the officer should know before sending the subject's copy.
pub struct Written {
    /// The files.
    pub paths: ExportPaths,
    /// Notes for stderr: the copy is not ready to send as it is (no template, free text).
    pub notes: Vec<String>,
}

/// Writes the officer's record and the subject's copy, each file atomically, new and readable
/// by its owner only (0600) whatever existed at the path before; a symlink at any path is
/// refused.
pub fn write(
    export: &AccessExport,
    json_path: &Path,
    template: Option<&SubjectTemplate>,
) -> Result<Written, String> {
    let paths = ExportPaths::of(json_path)?;
    let copy = SubjectCopy::from_export(export, template.cloned());
    let json = serde_json::to_string_pretty(export).map_err(|e| e.to_string())?;
    let subject_json = serde_json::to_string_pretty(&copy).map_err(|e| e.to_string())?;
    write_atomic(&paths.json, json.as_bytes(), Existing::Replace)?;
    write_atomic(
        &paths.html,
        html::render(export).as_bytes(),
        Existing::Replace,
    )?;
    write_atomic(
        &paths.subject_html,
        subject_html::render(&copy).as_bytes(),
        Existing::Replace,
    )?;
    write_atomic(
        &paths.subject_json,
        subject_json.as_bytes(),
        Existing::Replace,
    )?;
    let mut notes = Vec::new();
    if template.is_none() {
        notes.push(format!(
            "the subject's copy {} says NOT FILLED IN where the controller's information goes (Art. 15(1)): give --subject-template FILE (templates/subject-copy.toml is the example) before sending it",
            paths.subject_html.display()
        ));
    }
    let free_text: usize = export.items.iter().map(|i| i.free_text.len()).sum();
    if free_text > 0 {
        notes.push(format!(
            "the subject's copy holds {free_text} free-text field(s) that may name other people (free_text in {}): read them before sending the copy",
            paths.json.display()
        ));
    }
    Ok(Written { paths, notes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use forgetme_matcher::{parse_identifier, ParseOptions};
    use serde_json::json;

    fn matcher(ids: &[&str]) -> Matcher {
        let ids = ids
            .iter()
            .map(|s| parse_identifier(s, &ParseOptions::default()).unwrap())
            .collect();
        Matcher::new(ids, None)
    }

    #[test]
    fn a_shared_list_keeps_only_the_subjects_entries_and_counts_the_others() {
        let list = json!({"entries": [
            {"name": "Other Person", "phone": "+1 555 010 7777", "email": "other.person@example.com"},
            {"name": "Subject", "email": "subject.x@example.com"},
            {"name": "Third", "email": "third@example.com"},
        ]});
        let mut cut = Cut::default();
        let part = cut.subjects_part(list.clone(), &matcher(&["subject.x@example.com"]), "$");
        assert_eq!(
            part,
            json!({"entries": [{"name": "Subject", "email": "subject.x@example.com"}]})
        );
        assert_eq!(cut.entries_not_shown, 2);
        assert!(cut.free_text.is_empty());

        // The other way round: the other person's export holds none of the subject.
        let mut cut = Cut::default();
        let part = cut.subjects_part(list, &matcher(&["other.person@example.com"]), "$");
        let text = part.to_string();
        assert!(
            !text.contains("subject.x") && !text.contains("Third"),
            "{text}"
        );
        assert_eq!(cut.entries_not_shown, 2);
    }

    #[test]
    fn a_note_holding_the_identifier_is_kept_and_named_as_free_text() {
        let record = json!({"firstName": "Ann", "emailAddresses": ["ann@example.com"],
            "notes": "Ann (ann@example.com) calls for her neighbour Bob"});
        let mut cut = Cut::default();
        let part = cut.subjects_part(record.clone(), &matcher(&["ann@example.com"]), "$");
        assert_eq!(part, record, "one contact record stays whole");
        assert_eq!(cut.free_text, vec!["$.notes".to_string()]);
        assert_eq!(cut.entries_not_shown, 0);
    }

    #[test]
    fn an_export_is_four_files_named_after_the_one_given() {
        let p = ExportPaths::of(Path::new("/r/request-4711.json")).unwrap();
        assert_eq!(
            p.all().map(|p| p.to_str().unwrap()),
            [
                "/r/request-4711.json",
                "/r/request-4711.html",
                "/r/request-4711.subject.html",
                "/r/request-4711.subject.json"
            ]
        );
        // Names whose files would coincide are refused.
        for bad in ["/r/x.html", "/r/x.subject.html", "/r/x.subject.json"] {
            assert!(ExportPaths::of(Path::new(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn identifiers_alone_are_not_free_text() {
        for t in [
            "john@x.com",
            "+1 (555) 010-0001",
            "+44 20 7946 0958",
            "mailto:a@b.c",
        ] {
            assert!(!is_free_text(t), "{t}");
        }
        for t in ["call John on +1 555 010 0001", "Ann <ann@example.com>"] {
            assert!(is_free_text(t), "{t}");
        }
    }
}
