//! The access export (GDPR Art. 15) of a search: the stored values that held the subject's
//! identifiers, each cut into the officer's part and the subject's own part (Art. 15(4): what
//! is meant for one person discloses nobody else), built into
//! [`forgetme_access_export::AccessExport`]. Writing its files stays in the binary.

use std::collections::{BTreeMap, HashMap};

use forgetme_access_export::{
    AccessExport, ExportIdentifier, ExportItem, ExportScan, FoundAt, SubjectPart, WITHHELD,
    WITHHELD_OTHER_REQUEST,
};
use forgetme_matcher::{
    identifier_tokens, is_identifier_like, record_paths, redacted_path, subject_records,
    Identifier, IdentifierKind, JsonPath, Matcher, PathSegment, Shape, Token,
};
use serde_json::Value;

use crate::found::{SearchOutcome, ValueKey};

/// Builds the access export of a search: every stored value that held a hit, with where each
/// hit was found, the officer's part of it and the subject's (see [`cut`]). `names` maps
/// agents' user ids to the user names GWS gave (empty without GWS). `other_requests` holds the
/// identifiers of the other requests of the same batch (`None` for a single run): a record
/// holding one of them is withheld from this request's files.
pub fn build(
    keyspace: &str,
    outcome: &SearchOutcome,
    ids: &[Identifier],
    names: &HashMap<String, String>,
    matcher: &Matcher,
    other_requests: Option<&Matcher>,
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
        let item = items.entry(key.clone()).or_insert_with(|| {
            let mut item = ExportItem {
                table: f.table.to_string(),
                owner_type: f.owner_type,
                user_id: f.user_id.clone(),
                user_name: f.user_id.as_ref().and_then(|u| names.get(u).cloned()),
                group: f.group.clone(),
                setting_key: f.setting_key.clone(),
                column: f.column.clone(),
                found_at: Vec::new(),
                value: Value::Null,
                possible_only: false,
                subject_records: Vec::new(),
                entries_not_shown: 0,
                records_possible_only: 0,
                records_of_another_request: 0,
                others_withheld: 0,
                free_text: Vec::new(),
            };
            if let Some(stored) = outcome.values.get(&key) {
                cut(stored, ids, matcher, other_requests).fill(&mut item);
            }
            item
        });
        item.found_at.push(FoundAt {
            json_path: f.json_path.clone(),
            identifier: f.identifier + 1,
            variant: f.variant.to_string(),
            possible: f.possible,
        });
    }
    for item in items.values_mut() {
        // Without a captured value, the hits say it: only possible ones, nothing for the subject.
        if item.subject_records.is_empty() && item.records_of_another_request == 0 {
            item.possible_only |= item.found_at.iter().all(|f| f.possible);
        }
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

/// One stored value cut for the export (GDPR Art. 15(4): what is meant for one person holds
/// that person's data and nobody else's).
#[derive(Debug, Default)]
pub struct ValueCut {
    /// The officer's part: the records holding a hit (exact or possible) inside the setting's
    /// own fields; a record holding another request of the batch replaced by a marker.
    pub officer: Value,
    /// The subject's records (exact matches only), other people's identifiers withheld.
    pub subject: Vec<SubjectPart>,
    /// Whether nothing of the value is the subject's for sure (possible matches only).
    pub possible_only: bool,
    /// Other records of the value, left out of both parts.
    pub entries_not_shown: usize,
    /// Records holding only possible matches (the officer's part only).
    pub records_possible_only: usize,
    /// Records of the subject that also hold another request of the batch (in neither part).
    pub records_of_another_request: usize,
    /// Identifier-shaped texts withheld from the subject's records.
    pub others_withheld: usize,
    /// Paths of text fields of the subject's records that may name other people.
    pub free_text: Vec<String>,
}

impl ValueCut {
    /// Puts the cut into an export item.
    pub fn fill(self, item: &mut ExportItem) {
        item.value = self.officer;
        item.subject_records = self.subject;
        item.possible_only = self.possible_only;
        item.entries_not_shown = self.entries_not_shown;
        item.records_possible_only = self.records_possible_only;
        item.records_of_another_request = self.records_of_another_request;
        item.others_withheld = self.others_withheld;
        item.free_text = self.free_text;
    }
}

/// Cuts a stored value (its text as stored) for the export.
///
/// - The unit is the contact record that holds the subject, the same as an erasure's
///   ([`forgetme_matcher::subject_records`]): a favorite card (the whole setting), one entry
///   of a list or a map of contacts, one member of a category.
/// - The subject's copy gets only the records with an exact match. A record holding only
///   possible matches (a stranger's number with the same national digits) is the officer's
///   to check, never shown to the subject as theirs.
/// - Inside a record shown to the subject, every e-mail- or phone-shaped text (values and
///   object keys, any spelling, anybody's: [`identifier_tokens`]) that is not one of the
///   subject's identifiers is replaced by [`WITHHELD`] and counted.
/// - A record that also holds an identifier of another request of the same batch is
///   withheld from this request's files altogether and counted.
/// - A value that is not JSON the planner reads shows the subject only their own
///   identifiers found in it, never the rest of the text.
pub fn cut(
    text: &str,
    ids: &[Identifier],
    matcher: &Matcher,
    other_requests: Option<&Matcher>,
) -> ValueCut {
    let own = Own { ids, matcher };
    // The group's key attribute is not known here: a bare `name` at the top then does not
    // make the setting a card (forgetme_matcher::subject_records).
    let records = subject_records(text, matcher, None)
        .filter(|r| !r.is_empty())
        .and_then(|r| {
            serde_json::from_str::<Value>(text)
                .ok()
                .map(|root| (r, root))
        });
    let Some((records, root)) = records else {
        return cut_text(text, &own, other_requests);
    };
    let mut out = ValueCut::default();
    let all_records = record_paths(text).unwrap_or_default();
    let mut officer_records: Vec<(Vec<PathSegment>, Value)> = Vec::new();
    for record in &records {
        let Ok(value) = serde_json::from_str::<Value>(&record.value_text) else {
            // Not readable on its own (a duplicate key, a lone surrogate): the officer's.
            officer_records.push((record.path.segments().to_vec(), Value::Null));
            continue;
        };
        let with_key = |v: Value| match &record.entry_key {
            Some(k) => Value::Object([(k.clone(), v)].into_iter().collect()),
            None => v,
        };
        if other_requests.is_some_and(|o| holds(o, &with_key(value.clone()))) {
            out.records_of_another_request += 1;
            officer_records.push((
                record.path.segments().to_vec(),
                Value::String(WITHHELD_OTHER_REQUEST.into()),
            ));
            continue;
        }
        officer_records.push((record.path.segments().to_vec(), value.clone()));
        if record.possible_only {
            out.records_possible_only += 1;
            continue;
        }
        // Records inside the subject's record that are not the subject's (a category's other
        // members, a list held in the record's own fields) are left out.
        let (value, inner_left_out) =
            without_others_records(value, record.path.segments(), &all_records, &own);
        out.entries_not_shown += inner_left_out;
        let mut w = Withholding {
            own: &own,
            withheld: 0,
            free_text: Vec::new(),
        };
        let shown = w.value(
            with_key(value),
            None,
            &redacted_path(&record.path),
            record.entry_key.is_some(),
        );
        out.others_withheld += w.withheld;
        out.free_text.extend(w.free_text);
        out.subject.push(SubjectPart {
            value: shown,
            withheld: w.withheld,
        });
    }
    let mut dropped = 0;
    out.officer = prune(&root, &mut Vec::new(), &officer_records, &mut dropped);
    out.entries_not_shown += dropped;
    out.possible_only = out.subject.is_empty() && out.records_of_another_request == 0;
    out
}

/// `value`, the record at `at`, without the records inside it that hold no exact match of the
/// subject (outermost first: a record left out takes the records inside it along), and how
/// many were left out.
fn without_others_records(
    mut value: Value,
    at: &[PathSegment],
    all_records: &[JsonPath],
    own: &Own<'_>,
) -> (Value, usize) {
    let mut inner: Vec<&[PathSegment]> = all_records
        .iter()
        .map(|p| p.segments())
        .filter(|p| p.len() > at.len() && p.starts_with(at))
        .map(|p| &p[at.len()..])
        .collect();
    inner.sort_by_key(|p| p.len());
    let mut out: Vec<&[PathSegment]> = Vec::new();
    for path in inner {
        if out.iter().any(|o| path.starts_with(o)) {
            continue;
        }
        if !pointer(&value, path).is_some_and(|v| own.holds_exact(v)) {
            out.push(path);
        }
    }
    // Deepest and last first, so that the indexes of the rest stay valid.
    out.sort_by(|a, b| b.cmp(a));
    let mut left_out = 0;
    for path in &out {
        let Some((last, parent)) = path.split_last() else {
            continue;
        };
        let removed = match (pointer_mut(&mut value, parent), last) {
            (Some(Value::Array(items)), PathSegment::Index(i)) if *i < items.len() => {
                items.remove(*i);
                true
            }
            (Some(Value::Object(map)), PathSegment::Key(k)) => map.remove(k).is_some(),
            _ => false,
        };
        left_out += usize::from(removed);
    }
    (value, left_out)
}

fn pointer<'v>(value: &'v Value, path: &[PathSegment]) -> Option<&'v Value> {
    path.iter().try_fold(value, |v, s| match (v, s) {
        (Value::Array(items), PathSegment::Index(i)) => items.get(*i),
        (Value::Object(map), PathSegment::Key(k)) => map.get(k),
        _ => None,
    })
}

fn pointer_mut<'v>(value: &'v mut Value, path: &[PathSegment]) -> Option<&'v mut Value> {
    path.iter().try_fold(value, |v, s| match (v, s) {
        (Value::Array(items), PathSegment::Index(i)) => items.get_mut(*i),
        (Value::Object(map), PathSegment::Key(k)) => map.get_mut(k),
        _ => None,
    })
}

/// A value that is not JSON: the officer's record has it as stored; the subject's copy has
/// only the subject's own identifiers found in it.
fn cut_text(text: &str, own: &Own<'_>, other_requests: Option<&Matcher>) -> ValueCut {
    let mut out = ValueCut::default();
    if other_requests.is_some_and(|o| o.is_match_text(text)) {
        out.records_of_another_request = 1;
        out.officer = Value::String(WITHHELD_OTHER_REQUEST.into());
        return out;
    }
    out.officer = Value::String(text.to_string());
    let mut exact = false;
    own.matcher
        .match_text(text, &mut |h| exact |= !h.variant.is_possible());
    if !exact {
        out.possible_only = true;
        out.records_possible_only = 1;
        return out;
    }
    let mut shown: Vec<&str> = Vec::new();
    let mut withheld = 0;
    for span in spans(text) {
        if span.tokens.iter().all(|t| own.is_theirs(t)) {
            if !shown.contains(&&text[span.start..span.end]) {
                shown.push(&text[span.start..span.end]);
            }
        } else {
            withheld += 1;
        }
    }
    let value = if shown.is_empty() {
        // Found in a spelling no token reads (a text identifier): the identifiers as searched.
        let mut found = Vec::new();
        own.matcher.match_text(text, &mut |h| {
            if !h.variant.is_possible() && !found.contains(&h.identifier) {
                found.push(h.identifier);
            }
        });
        found
            .iter()
            .map(|&i| own.ids[i].normalized().to_string())
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        shown.join(", ")
    };
    out.others_withheld = withheld;
    out.subject.push(SubjectPart {
        value: Value::String(value),
        withheld,
    });
    out
}

/// The subject's identifiers, to tell theirs from anybody else's.
struct Own<'a> {
    ids: &'a [Identifier],
    matcher: &'a Matcher,
}

impl Own<'_> {
    /// Whether a JSON value holds an exact match of the subject (in a value or a key).
    fn holds_exact(&self, value: &Value) -> bool {
        let exact = |text: &str| {
            let mut found = false;
            self.matcher
                .match_text(text, &mut |h| found |= !h.variant.is_possible());
            found
        };
        match value {
            Value::String(s) => exact(s),
            Value::Number(n) => exact(&n.to_string()),
            Value::Array(items) => items.iter().any(|v| self.holds_exact(v)),
            Value::Object(map) => map.iter().any(|(k, v)| exact(k) || self.holds_exact(v)),
            _ => false,
        }
    }

    /// Whether an identifier-shaped token is one of the subject's identifiers, spelled as a
    /// whole: an exact match of an identifier of the token's kind, and for a phone number no
    /// more digits than the number written with an international prefix (a run of two
    /// numbers holding the subject's is not the subject's).
    fn is_theirs(&self, token: &Token<'_>) -> bool {
        let mut theirs = false;
        self.matcher.match_text(token.text, &mut |h| {
            if h.variant.is_possible() {
                return;
            }
            let id = &self.ids[h.identifier];
            theirs |= match (token.shape, id.kind()) {
                (Shape::Email, IdentifierKind::Email) => true,
                (Shape::Phone, IdentifierKind::Phone) => {
                    let digits = |s: &str| s.chars().filter(|c| c.is_numeric()).count();
                    digits(token.text) <= digits(id.normalized()) + 3
                }
                _ => false,
            };
        });
        theirs
    }
}

/// Identifier-shaped pieces of a text that overlap, merged: replaced or kept as one.
struct Span<'a> {
    start: usize,
    end: usize,
    tokens: Vec<Token<'a>>,
}

fn spans(text: &str) -> Vec<Span<'_>> {
    let mut tokens: Vec<Token<'_>> = Vec::new();
    identifier_tokens(text, &mut |t| tokens.push(t));
    tokens.sort_by_key(|t| (t.start, std::cmp::Reverse(t.text.len())));
    let mut out: Vec<Span<'_>> = Vec::new();
    for t in tokens {
        let end = t.start + t.text.len();
        match out.last_mut() {
            Some(last) if t.start < last.end => {
                last.end = last.end.max(end);
                last.tokens.push(t);
            }
            _ => out.push(Span {
                start: t.start,
                end,
                tokens: vec![t],
            }),
        }
    }
    out
}

/// The span to withhold for an identifier at `start..end`: a mailbox's display name goes with
/// its address (`Ann Other <ann@example.org>` as a whole, up to a `,` or `;` before it, not
/// before `from`), since it names the same person.
fn mailbox(text: &str, from: usize, start: usize, end: usize) -> (usize, usize) {
    let before = &text[from..start];
    if !(before.ends_with('<') && text[end..].starts_with('>')) {
        return (start, end);
    }
    let open = start - 1;
    let name_start = text[from..open]
        .rfind([',', ';', ':'])
        .map_or(from, |i| from + i + 1);
    let name_start =
        name_start + (text[name_start..open].len() - text[name_start..open].trim_start().len());
    (name_start, end + 1)
}

/// Whether a matcher finds anything in any text of a JSON value (keys included).
fn holds(matcher: &Matcher, value: &Value) -> bool {
    match value {
        Value::String(s) => matcher.is_match_text(s),
        Value::Number(n) => matcher.is_match_text(&n.to_string()),
        Value::Array(items) => items.iter().any(|v| holds(matcher, v)),
        Value::Object(map) => map
            .iter()
            .any(|(k, v)| matcher.is_match_text(k) || holds(matcher, v)),
        _ => false,
    }
}

/// Withholds other people's identifiers from one record of the subject.
struct Withholding<'a, 'o> {
    own: &'a Own<'o>,
    withheld: usize,
    free_text: Vec<String>,
}

impl Withholding<'_, '_> {
    /// `text` with every identifier-shaped piece that is not the subject's replaced.
    fn text(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for span in spans(text) {
            if span.tokens.iter().all(|t| self.own.is_theirs(t)) {
                continue;
            }
            let (start, end) = mailbox(text, last, span.start, span.end);
            out.push_str(&text[last..start]);
            out.push_str(WITHHELD);
            self.withheld += 1;
            last = end;
        }
        out.push_str(&text[last..]);
        out
    }

    /// The record's `value` (under `key`, at `path` into the stored value) with others'
    /// identifiers withheld. `entry` says the value is `{entry key: record}`, whose path is
    /// the record's own.
    fn value(&mut self, value: Value, key: Option<&str>, path: &str, entry: bool) -> Value {
        match value {
            Value::String(s) => {
                if may_name_others(&s, key) {
                    self.free_text.push(path.to_string());
                }
                Value::String(self.text(&s))
            }
            Value::Number(n) => {
                let text = n.to_string();
                let date = key.is_some_and(is_date_key) && is_epoch(&text);
                if date || !is_identifier_like(&text) || self.text(&text) == text {
                    Value::Number(n)
                } else {
                    Value::String(WITHHELD.into())
                }
            }
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| self.value(v, key, &format!("{path}[{i}]"), false))
                    .collect(),
            ),
            Value::Object(map) => {
                let mut out = serde_json::Map::new();
                for (k, v) in map {
                    let inner = if entry {
                        path.to_string()
                    } else if is_identifier_like(&k) {
                        format!("{path}[\"*\"]")
                    } else {
                        format!("{path}.{k}")
                    };
                    let v = self.value(v, Some(&k), &inner, false);
                    let mut k = self.text(&k);
                    while out.contains_key(&k) {
                        k.push(' ');
                    }
                    out.insert(k, v);
                }
                Value::Object(out)
            }
            other => other,
        }
    }
}

/// Fields whose text is written by a person and may name anyone.
const NOTE_WORDS: [&str; 7] = [
    "note",
    "comment",
    "description",
    "memo",
    "remark",
    "message",
    "text",
];

/// Whether a text field of the subject's record may name other people: a note, or text that
/// holds an identifier (anybody's) among other words.
fn may_name_others(text: &str, key: Option<&str>) -> bool {
    let words = |t: &str| t.chars().filter(|c| c.is_alphabetic()).count() >= 2;
    let mut rest = String::with_capacity(text.len());
    let mut last = 0;
    let spans = spans(text);
    for s in &spans {
        rest.push_str(&text[last..s.start]);
        rest.push(' ');
        last = s.end;
    }
    rest.push_str(&text[last..]);
    let note = key.is_some_and(|k| {
        let k = k.to_ascii_lowercase();
        NOTE_WORDS.iter().any(|w| k.contains(w))
    });
    (note && words(text)) || (!spans.is_empty() && words(&rest))
}

/// Field names that hold a date, where a long number is a time, not a phone number.
fn is_date_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "time", "date", "created", "modified", "updated", "used", "saved", "added", "changed",
        "seen", "when",
    ]
    .iter()
    .any(|w| k.contains(w))
}

/// Seconds (9-10 digits) or milliseconds (12-13 digits) since 1970.
fn is_epoch(text: &str) -> bool {
    text.bytes().all(|b| b.is_ascii_digit()) && matches!(text.len(), 9 | 10 | 12 | 13)
}

/// The officer's part: the setting's own fields and, along the way to each record, only that
/// record (or what replaces it); other records and identifier-shaped fields left out and
/// counted.
fn prune(
    node: &Value,
    at: &mut Vec<PathSegment>,
    records: &[(Vec<PathSegment>, Value)],
    dropped: &mut usize,
) -> Value {
    if let Some((_, v)) = records.iter().find(|(p, _)| *p == *at) {
        return v.clone();
    }
    let on_path = |at: &[PathSegment]| records.iter().any(|(p, _)| p.starts_with(at));
    let other = |v: &Value| match v {
        Value::Object(_) | Value::Array(_) => true,
        Value::String(s) => is_identifier_like(s),
        Value::Number(n) => is_identifier_like(&n.to_string()),
        _ => false,
    };
    match node {
        Value::Array(items) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                at.push(PathSegment::Index(i));
                if on_path(at) {
                    out.push(prune(item, at, records, dropped));
                } else if other(item) {
                    *dropped += 1;
                } else {
                    out.push(item.clone());
                }
                at.pop();
            }
            Value::Array(out)
        }
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            for (k, v) in map {
                at.push(PathSegment::Key(k.clone()));
                if on_path(at) {
                    out.insert(k.clone(), prune(v, at, records, dropped));
                } else if other(v) || is_identifier_like(k) {
                    *dropped += 1;
                } else {
                    out.insert(k.clone(), v.clone());
                }
                at.pop();
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use forgetme_matcher::{parse_identifier, ParseOptions};
    use serde_json::json;

    fn ids(ids: &[&str]) -> Vec<Identifier> {
        ids.iter()
            .map(|s| parse_identifier(s, &ParseOptions::default()).unwrap())
            .collect()
    }

    /// The cut of `value` for the subject `who`, with `others` the other requests of a batch.
    fn cut_for(value: &Value, who: &[&str], others: &[&str]) -> ValueCut {
        let ids = ids(who);
        let matcher = Matcher::new(ids.clone(), None);
        let others = (!others.is_empty()).then(|| Matcher::new(self::ids(others), None));
        cut(&value.to_string(), &ids, &matcher, others.as_ref())
    }

    fn subject_text(c: &ValueCut) -> String {
        serde_json::to_string(&c.subject.iter().map(|p| &p.value).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn a_shared_list_keeps_only_the_subjects_entries_and_counts_the_others() {
        let list = json!({"name": "recent-list", "entries": [
            {"name": "Other Person", "phone": "+1 555 010 7777", "email": "other.person@example.com"},
            {"name": "Subject", "email": "subject.x@example.com"},
            {"name": "Third", "email": "third@example.com"},
        ]});
        let c = cut_for(&list, &["subject.x@example.com"], &[]);
        assert_eq!(
            c.officer,
            json!({"name": "recent-list", "entries": [{"name": "Subject", "email": "subject.x@example.com"}]})
        );
        assert_eq!(
            c.subject.iter().map(|p| &p.value).collect::<Vec<_>>(),
            [&json!({"name": "Subject", "email": "subject.x@example.com"})]
        );
        assert_eq!(c.entries_not_shown, 2);
        assert!(c.free_text.is_empty());

        // The other way round: the other person's export holds none of the subject.
        let c = cut_for(&list, &["other.person@example.com"], &[]);
        let text = subject_text(&c) + &c.officer.to_string();
        assert!(
            !text.contains("subject.x") && !text.contains("Third"),
            "{text}"
        );
        assert_eq!(c.entries_not_shown, 2);
    }

    #[test]
    fn a_possible_match_is_not_in_the_subjects_records_and_is_marked_for_the_officer() {
        // A US favorite whose national digits are those of the subject's London number.
        let stranger = json!({"displayName": "Stranger", "phoneNumbers": ["(207) 946-0147"],
            "emailAddresses": ["stranger@example.org"]});
        let c = cut_for(&stranger, &["+44 20 7946 0147"], &[]);
        assert!(c.subject.is_empty(), "{}", subject_text(&c));
        assert!(c.possible_only);
        assert_eq!(c.records_possible_only, 1);
        assert_eq!(c.officer, stranger, "the officer sees it, to check it");

        // In a list: the subject's own entry is shown, the stranger's is not.
        let list = json!({"entries": [
            {"displayName": "Stranger", "phoneNumber": "(207) 946-0147"},
            {"displayName": "Subject", "phoneNumber": "+44 20 7946 0147"},
        ]});
        let c = cut_for(&list, &["+44 20 7946 0147"], &[]);
        assert!(!c.possible_only);
        assert_eq!(c.records_possible_only, 1);
        assert!(
            !subject_text(&c).contains("Stranger"),
            "{}",
            subject_text(&c)
        );
        assert!(subject_text(&c).contains("+44 20 7946 0147"));
    }

    #[test]
    fn a_record_holding_another_request_of_the_batch_is_withheld_from_both() {
        let shared = json!({"entries": [
            {"displayName": "Ann and Bob", "emailAddresses": ["ann@example.org", "bob@example.org"]},
            {"displayName": "Ann", "email": "ann@example.org"},
        ]});
        let ann = cut_for(&shared, &["ann@example.org"], &["bob@example.org"]);
        assert_eq!(ann.records_of_another_request, 1);
        assert_eq!(ann.subject.len(), 1, "Ann's own entry stays");
        let text = subject_text(&ann) + &ann.officer.to_string();
        assert!(!text.contains("bob@"), "{text}");
        let bob = cut_for(&shared, &["bob@example.org"], &["ann@example.org"]);
        assert_eq!(bob.records_of_another_request, 1);
        assert!(bob.subject.is_empty());
        let text = subject_text(&bob) + &bob.officer.to_string();
        assert!(!text.contains("ann@"), "{text}");
        assert!(text.contains(WITHHELD_OTHER_REQUEST));
    }

    #[test]
    fn a_map_of_contacts_shows_only_the_subjects_entry() {
        let map = json!({"id": "m", "contacts": {
            "c1": {"name": "Ann Other", "email": "ann.other@example.org"},
            "c2": {"name": "Subject", "email": "subject.x@example.com"},
        }});
        let c = cut_for(&map, &["subject.x@example.com"], &[]);
        let text = subject_text(&c);
        assert!(
            !text.contains("Ann Other") && !text.contains("ann.other"),
            "{text}"
        );
        assert!(text.contains("subject.x@example.com"));
        assert_eq!(c.entries_not_shown, 1);
        assert!(
            !c.officer.to_string().contains("ann.other"),
            "{}",
            c.officer
        );
    }

    #[test]
    fn colleagues_in_fields_of_any_name_are_withheld_and_counted() {
        let card = json!({"displayName": "Subject", "email": "subject.x@example.com",
            "handledBy": "colleague@pizza.com", "transferredFrom": "+1 555 010 4242",
            "colleague@pizza.com": "seen", "z": 15550104242_i64, "lastUsed": 1_700_000_000_000_i64});
        let c = cut_for(&card, &["subject.x@example.com"], &[]);
        let text = subject_text(&c);
        for other in ["colleague", "4242"] {
            assert!(!text.contains(other), "{other} in {text}");
        }
        assert_eq!(c.others_withheld, 4);
        assert_eq!(c.subject[0].withheld, 4);
        assert!(text.contains(WITHHELD));
        assert_eq!(c.subject[0].value["lastUsed"], json!(1_700_000_000_000_i64));
    }

    #[test]
    fn other_members_of_a_category_named_for_the_subject_are_left_out() {
        let category = json!({"id": "cat", "categories": [{"name": "Family of subject.x@example.com",
        "members": [
            {"displayName": "Sister Other", "email": "sister@example.org"},
            {"displayName": "Subject", "email": "subject.x@example.com"},
        ]}]});
        let c = cut_for(&category, &["subject.x@example.com"], &[]);
        let text = subject_text(&c);
        assert!(!text.contains("Sister"), "{text}");
        assert!(text.contains("\"Subject\""), "{text}");
        assert_eq!(c.entries_not_shown, 1);
    }

    #[test]
    fn a_free_text_path_never_names_an_identifier_keyed_entry() {
        let map = json!({"byAddress": {
            "subject.x@example.com": {"note": "met at the fair", "seen": 1},
            "colleague@pizza.com": {"note": "x"}
        }});
        let c = cut_for(&map, &["subject.x@example.com"], &[]);
        assert_eq!(c.free_text, [r#"$.byAddress["*"].note"#]);
    }

    #[test]
    fn a_mailbox_is_withheld_with_its_display_name() {
        let card = json!({"displayName": "Subject", "email": "subject.x@example.com",
            "cc": "Subject X <subject.x@example.com>, Bob Other <bob@example.org>; x"});
        let c = cut_for(&card, &["subject.x@example.com"], &[]);
        assert_eq!(
            c.subject[0].value["cc"],
            json!(format!("Subject X <subject.x@example.com>, {WITHHELD}; x"))
        );
    }

    #[test]
    fn a_note_naming_a_third_person_and_their_phone_is_flagged_and_their_phone_withheld() {
        let card = json!({"firstName": "Ann", "emailAddresses": ["ann@example.com"],
            "phoneNumbers": [{"type": "mobile", "number": "+1 555 010 0001"}],
            "notes": "Her neighbour Bob Jones, +1 555 010 7777, takes parcels"});
        let c = cut_for(&card, &["ann@example.com"], &[]);
        assert_eq!(c.free_text, ["$.notes"]);
        let text = subject_text(&c);
        assert!(!text.contains("7777"), "{text}");
        // The card's number was not given by the subject: nobody can say it is theirs.
        assert!(!text.contains("010 0001"), "{text}");
        assert_eq!(c.others_withheld, 2);
        let c = cut_for(&card, &["ann@example.com", "+1 555 010 0001"], &[]);
        assert!(
            subject_text(&c).contains("+1 555 010 0001"),
            "given, it is shown"
        );
        assert_eq!(c.free_text, ["$.notes"]);
    }

    #[test]
    fn text_that_is_not_json_shows_only_the_subjects_identifiers() {
        let ids = ids(&["ann@example.com"]);
        let matcher = Matcher::new(ids.clone(), None);
        let c = cut(
            "from ann@example.com to bob@example.org, call +1 555 010 7777",
            &ids,
            &matcher,
            None,
        );
        assert_eq!(c.subject.len(), 1);
        assert_eq!(c.subject[0].value, json!("ann@example.com"));
        assert_eq!(c.others_withheld, 2);
    }
}
