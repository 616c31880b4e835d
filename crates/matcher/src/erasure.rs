//! Erasure planning: what to do with a setting in which the subject was found.
//!
//! A setting is one JSON object stored and rewritten whole through the GWS API. The
//! smallest safe change is chosen:
//!
//! - A hit inside an element of an array, where that element is an object carrying its own
//!   name field (`displayName`, `firstName`, `lastName`, `name`, `fullName` or
//!   `contactName`, any case), sits in a *whole contact record* (a recent contact, a member of
//!   a favorites list). Removing that element removes the subject and nobody else. When such
//!   records nest, the outermost one on the hit's path is removed.
//! - Any other hit (a favorite's own `emailAddresses: ["…"]`, or
//!   `phoneNumbers: [{"type":"mobile","number":"…"}]` whose elements have no name) belongs to
//!   the setting as a whole, which is then deleted.
//! - After removing records the matcher runs again on the result; if anything still
//!   matches, the whole setting is deleted rather than left half-erased.
//! - The setting's key attribute is never removed or altered: a hit in it means the setting
//!   is deleted.

use serde_json::Value;

use crate::matcher::Matcher;
use crate::path::{JsonPath, PathSegment};

/// Fields whose presence (any letter case) makes an object a whole contact record.
pub const CONTACT_NAME_FIELDS: [&str; 6] = [
    "displayName",
    "firstName",
    "lastName",
    "name",
    "fullName",
    "contactName",
];

/// How [`plan_erasure`] decides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ErasureOptions {
    /// Delete the whole setting whenever it holds a hit, never rewrite it.
    pub force_whole_setting: bool,
    /// Also erase possible matches ([`crate::MatchVariant::is_possible`]): national numbers
    /// read without a region. Off by default: such a hit is ignored by the plan.
    pub erase_possible: bool,
}

/// What to do with one setting.
#[derive(Debug, Clone, PartialEq)]
pub enum ErasurePlan {
    /// The subject is not in the setting; leave it alone.
    NoMatch,
    /// Delete the whole setting.
    DeleteSetting,
    /// Replace the setting by `new_value`, which is the old one without the array elements
    /// at `removed` (sorted; the key attribute unchanged).
    RewriteSetting {
        /// The setting as it is to be written back.
        new_value: Value,
        /// The contact records that were removed.
        removed: Vec<JsonPath>,
    },
}

/// Plans the erasure of the subject from `setting`, a setting of a group whose key
/// attribute is `key_attribute`. See the module documentation for the rule.
pub fn plan_erasure(
    setting: &Value,
    key_attribute: &str,
    matcher: &Matcher,
    options: ErasureOptions,
) -> ErasurePlan {
    let counts = |h: &crate::matcher::Hit| options.erase_possible || !h.variant.is_possible();
    let hits: Vec<_> = matcher
        .match_json(setting)
        .into_iter()
        .filter(counts)
        .collect();
    if hits.is_empty() {
        return ErasurePlan::NoMatch;
    }
    if options.force_whole_setting {
        return ErasurePlan::DeleteSetting;
    }
    let mut removed = Vec::with_capacity(hits.len());
    for hit in &hits {
        let record = hit
            .path
            .as_ref()
            .and_then(|path| outermost_contact_record(setting, path, key_attribute));
        match record {
            Some(record) => removed.push(record),
            None => return ErasurePlan::DeleteSetting,
        }
    }
    removed.sort();
    removed.dedup();
    let mut new_value = setting.clone();
    // Last first, so that removing an element does not shift the index of another target.
    for path in removed.iter().rev() {
        if !remove_element(&mut new_value, path) {
            return ErasurePlan::DeleteSetting;
        }
    }
    let key_unchanged = setting.get(key_attribute) == new_value.get(key_attribute);
    if !key_unchanged || matcher.match_json(&new_value).iter().any(counts) {
        return ErasurePlan::DeleteSetting;
    }
    ErasurePlan::RewriteSetting { new_value, removed }
}

/// Whether `value` is an object with a name field of its own.
pub fn is_contact_record(value: &Value) -> bool {
    value.as_object().is_some_and(|object| {
        object.keys().any(|key| {
            CONTACT_NAME_FIELDS
                .iter()
                .any(|name| name.eq_ignore_ascii_case(key))
        })
    })
}

/// The path of the outermost array element on `path` that is a contact record, unless the
/// path goes through the key attribute.
fn outermost_contact_record(
    root: &Value,
    path: &JsonPath,
    key_attribute: &str,
) -> Option<JsonPath> {
    let segments = path.segments();
    if let Some(PathSegment::Key(first)) = segments.first() {
        if first == key_attribute {
            return None;
        }
    }
    let mut current = root;
    for (depth, segment) in segments.iter().enumerate() {
        current = match (current, segment) {
            (Value::Array(items), PathSegment::Index(i)) => {
                let element = items.get(*i)?;
                if is_contact_record(element) {
                    return Some(JsonPath::new(segments[..=depth].to_vec()));
                }
                element
            }
            (Value::Object(object), PathSegment::Key(key)) => object.get(key)?,
            _ => return None,
        };
    }
    None
}

/// Removes the array element at `path`; returns whether there was one.
fn remove_element(root: &mut Value, path: &JsonPath) -> bool {
    let Some((PathSegment::Index(index), parents)) = path.segments().split_last() else {
        return false;
    };
    let mut current = root;
    for segment in parents {
        let next = match (current, segment) {
            (Value::Array(items), PathSegment::Index(i)) => items.get_mut(*i),
            (Value::Object(object), PathSegment::Key(key)) => object.get_mut(key),
            _ => None,
        };
        match next {
            Some(next) => current = next,
            None => return false,
        }
    }
    match current {
        Value::Array(items) if *index < items.len() => {
            items.remove(*index);
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifier::{parse_identifier, ParseOptions};
    use serde_json::json;

    fn matcher(inputs: &[&str]) -> Matcher {
        let ids = inputs
            .iter()
            .map(|s| parse_identifier(s, &ParseOptions::default()).unwrap())
            .collect();
        Matcher::new(ids, None)
    }

    fn plan(setting: &Value, m: &Matcher) -> ErasurePlan {
        plan_erasure(setting, "id", m, ErasureOptions::default())
    }

    #[test]
    fn no_hit_no_change() {
        let m = matcher(&["john@pizza.com"]);
        assert_eq!(
            plan(&json!({"id":"f1","emailAddresses":["jane@pizza.com"]}), &m),
            ErasurePlan::NoMatch
        );
    }

    #[test]
    fn a_favorite_of_the_subject_is_deleted_whole() {
        let m = matcher(&["john@pizza.com", "+15550101234"]);
        let favorite = json!({"id":"f1","displayName":"John","emailAddresses":["john@pizza.com"]});
        assert_eq!(plan(&favorite, &m), ErasurePlan::DeleteSetting);
        let by_phone = json!({"id":"f2","firstName":"John","phoneNumbers":[{"type":"mobile","number":"+1 555 010 1234"}]});
        assert_eq!(plan(&by_phone, &m), ErasurePlan::DeleteSetting);
    }

    #[test]
    fn a_contact_record_in_a_list_is_removed_alone() {
        let m = matcher(&["john@pizza.com"]);
        let recents = json!({"id":"recent","contacts":[
            {"displayName":"Jane","emailAddresses":["jane@pizza.com"]},
            {"DisplayName":"John","emailAddresses":["JOHN@pizza.com"]},
            {"name":"Bob","phoneNumbers":[{"number":"+1 555 010 9999"}]}
        ]});
        let ErasurePlan::RewriteSetting { new_value, removed } = plan(&recents, &m) else {
            panic!("expected a rewrite");
        };
        assert_eq!(
            removed.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["$.contacts[1]"]
        );
        assert_eq!(
            new_value,
            json!({"id":"recent","contacts":[
                {"displayName":"Jane","emailAddresses":["jane@pizza.com"]},
                {"name":"Bob","phoneNumbers":[{"number":"+1 555 010 9999"}]}
            ]})
        );
    }

    #[test]
    fn several_records_are_removed_from_the_end_first() {
        let m = matcher(&["john@pizza.com", "+15550101234"]);
        let recents = json!({"id":"r","a":[
            {"name":"J1","e":"john@pizza.com"},
            {"name":"X"},
            {"name":"J2","p":"+1 555 010 1234"},
            {"name":"J3","nested":{"deep":["john@pizza.com"]}}
        ]});
        let ErasurePlan::RewriteSetting { new_value, removed } = plan(&recents, &m) else {
            panic!("expected a rewrite");
        };
        assert_eq!(removed.len(), 3);
        assert_eq!(new_value, json!({"id":"r","a":[{"name":"X"}]}));
    }

    #[test]
    fn the_outermost_record_is_removed() {
        let m = matcher(&["john@pizza.com"]);
        let nested = json!({"id":"g","groups":[{"name":"team","members":[{"name":"John","e":"john@pizza.com"}]},{"name":"other"}]});
        let ErasurePlan::RewriteSetting { new_value, removed } = plan(&nested, &m) else {
            panic!("expected a rewrite");
        };
        assert_eq!(removed[0].to_string(), "$.groups[0]");
        assert_eq!(new_value, json!({"id":"g","groups":[{"name":"other"}]}));
    }

    #[test]
    fn any_hit_outside_a_record_deletes_the_setting() {
        let m = matcher(&["john@pizza.com"]);
        let mixed = json!({"id":"m","contacts":[{"name":"John","e":"john@pizza.com"}],"note":"john@pizza.com"});
        assert_eq!(plan(&mixed, &m), ErasurePlan::DeleteSetting);
        let unnamed = json!({"id":"u","contacts":[{"e":"john@pizza.com"},{"e":"x@y.com"}]});
        assert_eq!(plan(&unnamed, &m), ErasurePlan::DeleteSetting);
    }

    #[test]
    fn the_key_attribute_is_never_altered() {
        let m = matcher(&["john@pizza.com"]);
        let keyed =
            json!({"id":"john@pizza.com","contacts":[{"name":"John","e":"john@pizza.com"}]});
        assert_eq!(plan(&keyed, &m), ErasurePlan::DeleteSetting);
        let key_is_list = json!({"id":[{"name":"John","e":"john@pizza.com"}]});
        assert_eq!(plan(&key_is_list, &m), ErasurePlan::DeleteSetting);
    }

    #[test]
    fn force_whole_setting() {
        let m = matcher(&["john@pizza.com"]);
        let recents =
            json!({"id":"r","contacts":[{"name":"John","e":"john@pizza.com"},{"name":"Jane"}]});
        let force = ErasureOptions {
            force_whole_setting: true,
            ..ErasureOptions::default()
        };
        assert_eq!(
            plan_erasure(&recents, "id", &m, force),
            ErasurePlan::DeleteSetting
        );
        assert_eq!(
            plan_erasure(&json!({"id":"x"}), "id", &m, force),
            ErasurePlan::NoMatch
        );
    }

    #[test]
    fn possible_matches_are_left_alone_unless_asked_for() {
        let m = matcher(&["+44 20 7946 0958"]);
        // A US number with the same national digits: only a possible match without a region.
        let stranger = json!({"id":"f","displayName":"Stranger","phone":"(207) 946-0958"});
        assert_eq!(plan(&stranger, &m), ErasurePlan::NoMatch);
        let asked = ErasureOptions {
            erase_possible: true,
            ..ErasureOptions::default()
        };
        assert_eq!(
            plan_erasure(&stranger, "id", &m, asked),
            ErasurePlan::DeleteSetting
        );
        // A list with the subject and a possible match: only the subject's record goes.
        let list = json!({"id":"r","c":[{"name":"S","p":"+44 20 7946 0958"},{"name":"X","p":"(207) 946-0958"}]});
        let ErasurePlan::RewriteSetting { new_value, .. } = plan(&list, &m) else {
            panic!("expected a rewrite");
        };
        assert_eq!(
            new_value,
            json!({"id":"r","c":[{"name":"X","p":"(207) 946-0958"}]})
        );
    }

    #[test]
    fn contact_records_need_a_name_field() {
        assert!(is_contact_record(&json!({"FULLNAME":"x"})));
        assert!(is_contact_record(&json!({"contactName":null})));
        assert!(!is_contact_record(&json!({"type":"mobile","number":"1"})));
        assert!(!is_contact_record(&json!(["name"])));
    }
}
