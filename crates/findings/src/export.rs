//! The access export (GDPR Art. 15) of a search: the stored values that held the subject's
//! identifiers, each cut to the subject's own part (Art. 15(4): it discloses nobody else),
//! built into [`forgetme_access_export::AccessExport`]. Writing its files stays in the binary.

use std::collections::{BTreeMap, HashMap};

use forgetme_access_export::{
    value_of, AccessExport, ExportIdentifier, ExportItem, ExportScan, FoundAt,
};
use forgetme_matcher::{Identifier, IdentifierKind, Matcher};
use serde_json::Value;

use crate::found::{SearchOutcome, ValueKey};

/// Builds the access export of a search: every stored value that held a hit, cut to the
/// subject's own part, with where each hit was found. `names` maps agents' user ids to the
/// user names GWS gave (empty without GWS).
pub fn build(
    keyspace: &str,
    outcome: &SearchOutcome,
    ids: &[Identifier],
    names: &HashMap<String, String>,
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
            owner_type: f.owner_type,
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
    export.statement.push_str(&outcome.coverage.sentence());
    if let Some(s) = outcome.coverage.not_searched_sentence() {
        export.statement.push(' ');
        export.statement.push_str(&s);
    }
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
