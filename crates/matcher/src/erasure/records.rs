//! Contact records: the unit an erasure removes, and the unit the census attributes
//! identifiers to.
//!
//! A setting holds contacts in a few shapes: a favorite is one contact card (the setting
//! itself); a list of recent contacts holds one entry per contact, named or not; a favorites
//! category holds member cards; a map holds entries keyed by an id or by an address. Inside a
//! card, *typed values* (`{"type": "mobile", "number": "…"}`, `{"name": "Mobile", …}`, or a
//! plain string in `emailAddresses`) are parts of the card, not contacts of their own.
//!
//! The rules, in the order they are applied:
//!
//! - The setting itself is a record (the root). It is a *card* when it has a name field.
//! - Inside a record that is not a card (a list's setting, a wrapper object), every element
//!   of a list and every entry of a map is a record of its own, scalars included: an unnamed
//!   caller's number in a list of recents is that caller's record.
//! - Inside a card, an element or entry is a typed value of the card when it is a scalar, or
//!   an object of scalars with at most one identifier-shaped value, no person-name field,
//!   and a label (a `type`/`label`/`kind` field, a `name` that is a label word such as
//!   "Mobile", a list key such as `phoneNumbers`, or a map key that is a label word).
//!   Anything else is a record of its own (a category's member card).
//! - A map is an object, other than a record itself, whose values are all objects, or whose
//!   keys all look like identifiers.
//!
//! The rules never decide alone what is erased: the census ([`super::plan_erasure`]) stops a
//! unit that holds another record's identifiers, so a misread shape costs a review, never
//! another person's data.

use super::census::is_identifier_like;
use super::span::{Kind, Member, Node};
use crate::path::PathSegment;

/// Fields whose presence (any letter case) makes an object a contact card.
pub const CONTACT_NAME_FIELDS: [&str; 6] = [
    "displayName",
    "firstName",
    "lastName",
    "name",
    "fullName",
    "contactName",
];

/// Name fields that only a person's card has (a typed value may have a `name`: "Mobile").
const PERSON_NAME_FIELDS: [&str; 5] = [
    "displayName",
    "firstName",
    "lastName",
    "fullName",
    "contactName",
];

/// Fields that make an object a typed value when the rest allows it.
const LABEL_FIELDS: [&str; 4] = ["type", "label", "kind", "category"];

/// Words that label a typed value rather than name a person.
const LABEL_WORDS: [&str; 30] = [
    "mobile",
    "cell",
    "cellular",
    "home",
    "work",
    "office",
    "business",
    "personal",
    "private",
    "main",
    "other",
    "fax",
    "pager",
    "phone",
    "telephone",
    "tel",
    "email",
    "mail",
    "primary",
    "secondary",
    "landline",
    "direct",
    "voip",
    "sip",
    "skype",
    "number",
    "address",
    "default",
    "alternate",
    "custom",
];

/// Parts of a list's key that say it holds typed values.
const TYPED_LIST_WORDS: [&str; 9] = [
    "phone", "mail", "number", "tel", "fax", "mobile", "address", "uri", "channel",
];

/// Whether `key` (any case) is one of `fields`.
fn is_one_of(key: &str, fields: &[&str]) -> bool {
    fields.iter().any(|f| f.eq_ignore_ascii_case(key))
}

/// Whether `value` is an object with a name field: a contact card.
pub(crate) fn is_card(node: &Node) -> bool {
    match &node.kind {
        Kind::Object(members) => members
            .iter()
            .any(|m| is_one_of(&m.key, &CONTACT_NAME_FIELDS)),
        _ => false,
    }
}

/// Whether `text` is a label word ("Mobile", "work_phone", "Home 2"), not a person's name.
pub fn is_label_word(text: &str) -> bool {
    let letters: String = text
        .chars()
        .filter(char::is_ascii_alphabetic)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    if letters.is_empty() || letters.len() > 20 {
        return false;
    }
    if LABEL_WORDS.contains(&letters.as_str()) {
        return true;
    }
    // Two label words glued: "workphone", "homeemail".
    LABEL_WORDS.iter().any(|first| {
        letters
            .strip_prefix(first)
            .is_some_and(|rest| LABEL_WORDS.contains(&rest))
    })
}

/// Whether a list under `key` is named for typed values (`phoneNumbers`, `emails`).
fn is_typed_list_key(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    TYPED_LIST_WORDS.iter().any(|w| lower.contains(w))
}

/// How many identifier-shaped texts a node's own scalars hold (not its keys).
fn identifier_values(members: &[Member]) -> usize {
    members
        .iter()
        .filter(|m| match &m.value.kind {
            Kind::String(s) => is_identifier_like(s),
            Kind::Number => false,
            _ => false,
        })
        .count()
}

/// Whether an element or entry of a container inside a card is a typed value of that card.
/// `list_key` is the key the list or map sits under; `entry_key` the map entry's own key.
pub(crate) fn is_typed_value(node: &Node, list_key: Option<&str>, entry_key: Option<&str>) -> bool {
    match &node.kind {
        Kind::String(_) | Kind::Number | Kind::Literal => true,
        Kind::Array(_) => false,
        Kind::Object(members) => {
            if members.iter().any(|m| !m.value.is_scalar()) {
                return false;
            }
            if members
                .iter()
                .any(|m| is_one_of(&m.key, &PERSON_NAME_FIELDS))
            {
                return false;
            }
            let name = members
                .iter()
                .rev()
                .find(|m| m.key.eq_ignore_ascii_case("name"))
                .map(|m| match &m.value.kind {
                    Kind::String(s) => is_label_word(s),
                    _ => true,
                });
            if name == Some(false) {
                return false;
            }
            if identifier_values(members) > 1 {
                return false;
            }
            let labelled = members.iter().any(|m| is_one_of(&m.key, &LABEL_FIELDS))
                || name == Some(true)
                || list_key.is_some_and(is_typed_list_key)
                || entry_key.is_some_and(is_label_word);
            labelled
        }
    }
}

/// Whether an object (not a record itself) is a map of entries: each value is an object or
/// an identifier-shaped string (`{"c1": {...}, "c2": "+1 555 ..."}`), or every key looks like
/// an identifier (`{"ann@example.org": {...}}`).
pub(crate) fn is_map(members: &[Member]) -> bool {
    !members.is_empty()
        && (members.iter().all(|m| match &m.value.kind {
            Kind::Object(_) => true,
            Kind::String(s) => is_identifier_like(s),
            _ => false,
        }) || members.iter().all(|m| is_identifier_like(&m.key)))
}

/// One scalar, or one object key, of a setting, with the record it belongs to.
#[derive(Debug, Clone)]
pub(crate) struct Place<'t> {
    /// Where it is (for a key: the path of the member).
    pub(crate) path: Vec<PathSegment>,
    /// Its text: a string decoded, a number as written, a key decoded.
    pub(crate) text: std::borrow::Cow<'t, str>,
    /// Its first byte in the setting's text.
    pub(crate) start: usize,
    /// The innermost record that holds it: an index into [`Structure::records`] (0 for the
    /// setting itself). An index, not a path: two entries of a map under the same key
    /// (duplicate keys) share a path and are still two records.
    pub(crate) record: usize,
}

/// A record: where it is and its byte span (a map entry's span starts at its key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Record {
    /// Its path; empty for the setting.
    pub(crate) path: Vec<PathSegment>,
    /// First byte.
    pub(crate) start: usize,
    /// First byte of the value (after a map entry's key; `start` otherwise).
    pub(crate) value_start: usize,
    /// Just past the last byte.
    pub(crate) end: usize,
    /// Whether it is an element of a list or an entry of a map (so it can be cut out).
    pub(crate) removable: bool,
}

/// Everything the planner needs to know about a setting's structure.
#[derive(Debug, Default)]
pub(crate) struct Structure<'t> {
    /// Every scalar and key, in text order.
    pub(crate) places: Vec<Place<'t>>,
    /// Every record, the setting first.
    pub(crate) records: Vec<Record>,
}

/// Whether the setting itself is a contact card. Its key attribute is the setting's name in
/// its group (a recents list is `{"name": "recent-list", ...}` in Workspace), not a person's:
/// it never makes the setting a card. When the key attribute is not known, a bare `name`
/// does not either.
fn root_is_card(root: &Node, key_attribute: Option<&str>) -> bool {
    match &root.kind {
        Kind::Object(members) => members.iter().any(|m| {
            is_one_of(&m.key, &CONTACT_NAME_FIELDS)
                && match key_attribute {
                    Some(k) => m.key != k,
                    None => !m.key.eq_ignore_ascii_case("name"),
                }
        }),
        _ => false,
    }
}

/// Walks the tree and attributes every scalar and key to its record.
pub(crate) fn structure<'t>(
    root: &Node,
    text: &'t str,
    key_attribute: Option<&str>,
) -> Structure<'t> {
    let mut out = Structure::default();
    out.records.push(Record {
        path: Vec::new(),
        start: root.start,
        value_start: root.start,
        end: root.end,
        removable: false,
    });
    let mut path = Vec::new();
    let context = Context {
        record: 0,
        in_card: root_is_card(root, key_attribute),
    };
    visit(root, text, &mut path, &context, None, true, &mut out);
    out
}

/// The record around the node being visited.
struct Context {
    /// Its index in [`Structure::records`].
    record: usize,
    in_card: bool,
}

/// `is_record`: `node` is the value of the context's record itself (the setting, a list
/// element or a map entry's value), whose members are its fields, never map entries.
#[allow(clippy::too_many_arguments)]
fn visit<'t>(
    node: &Node,
    text: &'t str,
    path: &mut Vec<PathSegment>,
    context: &Context,
    list_key: Option<&str>,
    is_record: bool,
    out: &mut Structure<'t>,
) {
    match &node.kind {
        Kind::String(s) => out.places.push(Place {
            path: path.clone(),
            text: std::borrow::Cow::Owned(s.clone()),
            start: node.start,
            record: context.record,
        }),
        Kind::Number => out.places.push(Place {
            path: path.clone(),
            text: std::borrow::Cow::Borrowed(&text[node.start..node.end]),
            start: node.start,
            record: context.record,
        }),
        Kind::Literal => {}
        Kind::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(PathSegment::Index(i));
                let own = !context.in_card || !is_typed_value(item, list_key, None);
                enter(item, item.start, own, text, path, context, list_key, out);
                path.pop();
            }
        }
        Kind::Object(members) => {
            // The setting's root and every record are objects of fields; any other object
            // that looks like a map holds one entry per record.
            let map = !is_record && is_map(members);
            for member in members {
                path.push(PathSegment::Key(member.key.clone()));
                let own = map
                    && (!context.in_card
                        || !is_typed_value(&member.value, list_key, Some(&member.key)));
                // A map entry's key belongs to the entry's record, pushed next by `enter`.
                let key_record = if own {
                    out.records.len()
                } else {
                    context.record
                };
                out.places.push(Place {
                    path: path.clone(),
                    text: std::borrow::Cow::Owned(member.key.clone()),
                    start: member.key_start,
                    record: key_record,
                });
                let inner_list_key = if map {
                    list_key
                } else {
                    Some(member.key.as_str())
                };
                enter(
                    &member.value,
                    member.key_start,
                    own,
                    text,
                    path,
                    context,
                    inner_list_key,
                    out,
                );
                path.pop();
            }
        }
    }
}

/// Visits a list element or a member's value; `own` says it is a record of its own.
#[allow(clippy::too_many_arguments)]
fn enter<'t>(
    node: &Node,
    start: usize,
    own: bool,
    text: &'t str,
    path: &mut Vec<PathSegment>,
    context: &Context,
    list_key: Option<&str>,
    out: &mut Structure<'t>,
) {
    if own {
        let index = out.records.len();
        out.records.push(Record {
            path: path.clone(),
            start,
            value_start: node.start,
            end: node.end,
            removable: true,
        });
        let inner = Context {
            record: index,
            in_card: is_card(node),
        };
        visit(node, text, path, &inner, list_key, true, out);
    } else {
        visit(node, text, path, context, list_key, false, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::erasure::span::parse;

    fn records_of(text: &str) -> Vec<String> {
        let root = parse(text, 64).unwrap();
        structure(&root, text, Some("id"))
            .records
            .iter()
            .map(|r| text[r.start..r.end].to_string())
            .collect()
    }

    #[test]
    fn a_favorite_card_is_one_record_with_its_typed_values() {
        let text = r#"{"id":"f","displayName":"J","emailAddresses":["j@x.org","k@x.org"],
            "phoneNumbers":[{"name":"Mobile","number":"+15550100001"},{"type":"work","number":"+15550100002"}],
            "phones":{"home":"+15550100003"}}"#;
        assert_eq!(records_of(text).len(), 1);
    }

    #[test]
    fn list_entries_are_records_named_or_not() {
        let text = r#"{"id":"r","contacts":[{"number":"+15550100001","t":1},"+15550100002",{"name":"Mobile","number":"+15550100003"}]}"#;
        assert_eq!(
            records_of(text)[1..],
            [
                r#"{"number":"+15550100001","t":1}"#,
                r#""+15550100002""#,
                r#"{"name":"Mobile","number":"+15550100003"}"#
            ]
        );
    }

    #[test]
    fn category_members_and_map_entries_are_records() {
        let text = r#"{"id":"c","categories":[{"name":"Friends","members":[{"name":"Ann","email":"a@x.org"},{"firstName":"Bo","phoneNumbers":[{"type":"m","number":"+15550100001"}]}]}],
            "byAddress":{"ann@example.org":{"seen":1}},"contacts":{"c1":{"e":"b@x.org"}}}"#;
        assert_eq!(
            records_of(text)[1..],
            [
                r#"{"name":"Friends","members":[{"name":"Ann","email":"a@x.org"},{"firstName":"Bo","phoneNumbers":[{"type":"m","number":"+15550100001"}]}]}"#,
                r#"{"name":"Ann","email":"a@x.org"}"#,
                r#"{"firstName":"Bo","phoneNumbers":[{"type":"m","number":"+15550100001"}]}"#,
                r#""ann@example.org":{"seen":1}"#,
                r#""c1":{"e":"b@x.org"}"#,
            ]
        );
    }

    #[test]
    fn label_words() {
        for w in ["Mobile", "work_phone", "Home 2", "HOMEEMAIL", "other"] {
            assert!(is_label_word(w), "{w}");
        }
        for w in [
            "Ann",
            "John Smith",
            "",
            "Mobile Mobile Mobile Mobile Mobile",
        ] {
            assert!(!is_label_word(w), "{w}");
        }
    }
}
