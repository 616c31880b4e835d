//! Erasure planning: what to do with a setting in which the subject was found.
//!
//! The model (`docs/matching.md`, "What an erasure removes"):
//!
//! 1. **The unit is the contact record that holds the hit** ([`records`]): the setting itself
//!    for a favorite card, one entry of a list or map of contacts, one member of a category.
//!    Never a typed value inside a card (the card goes), never a group of contacts.
//! 2. **A census before every change** ([`census`]): every identifier-shaped text of the unit
//!    (values and object keys, any spelling, anybody's) is listed with the record it belongs
//!    to. The unit's own other identifiers (the card's other phone) go with it and are
//!    counted. An identifier of *another record inside the unit*, or of another request of
//!    the same batch, stops the plan: the setting [needs review](ErasurePlan::NeedsReview),
//!    and nothing is changed.
//! 3. **Byte-preserving edits** ([`edit`]): a record is cut out of the stored text with one
//!    separator; every other byte (numbers, key order, escapes, lone surrogates) stays.
//!    The result is parsed and matched again before it is offered.
//!
//! The setting's key attribute is never removed or altered: a hit in it makes the setting
//! itself the unit.

mod census;
mod edit;
mod records;
mod span;

use crate::matcher::{Matcher, TextHit};
use crate::path::{JsonPath, PathSegment};

pub use census::{is_identifier_like, tokens as identifier_tokens, Shape, Token};
pub use records::is_label_word;
pub use records::CONTACT_NAME_FIELDS;

use records::{structure, Place, Record};

/// The nesting limit of a setting the planner edits (the matcher's own limit).
const MAX_DEPTH: usize = crate::matcher::MAX_JSON_DEPTH;

/// How [`plan_erasure`] decides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ErasureOptions {
    /// The unit is always the whole setting (`--erase setting`). The census still applies:
    /// a setting that holds other records' identifiers is not deleted.
    pub force_whole_setting: bool,
    /// Also erase possible matches ([`crate::MatchVariant::is_possible`]). Off by default:
    /// such a hit is not the subject's as far as the plan is concerned.
    pub erase_possible: bool,
}

/// What to do with one setting.
#[derive(Debug, Clone, PartialEq)]
pub enum ErasurePlan {
    /// The subject is not in the setting; leave it alone.
    NoMatch,
    /// Delete the whole setting: it is the subject's record, or every record in it is.
    DeleteSetting {
        /// Identifier-shaped texts of the setting that are not the subject's identifiers but
        /// belong to the subject's record (a card's other phone), removed with it.
        also_removes: usize,
    },
    /// Write back `new_text`: the stored text without the subject's records, every other
    /// byte as it was.
    RewriteSetting {
        /// The setting as it is to be written back.
        new_text: String,
        /// The records cut out (paths into the old text), in text order.
        removed: Vec<JsonPath>,
        /// As for [`ErasurePlan::DeleteSetting`].
        also_removes: usize,
    },
    /// The subject's record cannot be removed without someone else's data: nothing is
    /// planned, a person must decide.
    NeedsReview {
        /// Why.
        reason: ReviewReason,
        /// The records that hold the subject (for the report; keys that look like identifiers
        /// must be redacted before they are shown: [`redacted_path`]).
        records: Vec<JsonPath>,
    },
}

/// Why a setting needs review instead of an erasure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewReason {
    /// The subject's record holds other records that carry identifiers of their own.
    HoldsOtherRecords {
        /// How many identifier-shaped texts of other records the unit holds.
        identifiers: usize,
    },
    /// The subject's record holds an identifier of another request of the same batch.
    HoldsAnotherRequest,
    /// The setting is not JSON the planner can edit (malformed or too deep) and holds
    /// identifier-shaped texts besides the subject's.
    Unreadable,
    /// Cutting the records left a match of the subject (a shape the planner did not foresee).
    EditLeftAMatch,
}

impl ReviewReason {
    /// A stable name for reports, the audit log and receipts.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewReason::HoldsOtherRecords { .. } => "holds_other_records",
            ReviewReason::HoldsAnotherRequest => "holds_another_request",
            ReviewReason::Unreadable => "unreadable",
            ReviewReason::EditLeftAMatch => "edit_left_a_match",
        }
    }

    /// What it means and what to do, in plain words (no value).
    pub fn explain(self) -> String {
        match self {
            ReviewReason::HoldsOtherRecords { identifiers } => format!(
                "the record that holds the subject also holds other people's records ({identifiers} identifier(s) of theirs); removing it would erase them too. Edit the setting by hand, or ask the agent"
            ),
            ReviewReason::HoldsAnotherRequest => "the record that holds the subject also holds an identifier of another request of this batch; answer the two requests together by hand".into(),
            ReviewReason::Unreadable => "the setting is not JSON that can be edited safely and holds other identifiers besides the subject's; review it by hand".into(),
            ReviewReason::EditLeftAMatch => "removing the subject's records would still leave a match; review the setting by hand".into(),
        }
    }
}

/// Everything [`plan_erasure`] needs besides the setting.
#[derive(Clone, Copy)]
pub struct PlanContext<'m> {
    /// The setting's key attribute (never altered).
    pub key_attribute: &'m str,
    /// The subject's identifiers.
    pub matcher: &'m Matcher,
    /// Identifiers of the other requests of the same batch, if any: a unit holding one of
    /// them is never removed.
    pub other_requests: Option<&'m Matcher>,
    /// Whole-setting or record-level, possible matches or not.
    pub options: ErasureOptions,
}

/// A path for an output that must hold no identifier: object keys that look like one are
/// written as `[*]`.
pub fn redacted_path(path: &JsonPath) -> String {
    let segments: Vec<PathSegment> = path
        .segments()
        .iter()
        .map(|s| match s {
            PathSegment::Key(k) if is_identifier_like(k) => PathSegment::Key("*".into()),
            other => other.clone(),
        })
        .collect();
    JsonPath::new(segments).to_string()
}

/// Plans the erasure of the subject from a setting's stored `text`. See the module docs.
pub fn plan_erasure(text: &str, context: &PlanContext<'_>) -> ErasurePlan {
    let counts = |hit: &TextHit| context.options.erase_possible || !hit.variant.is_possible();
    let is_subject = |text: &str| {
        let mut found = false;
        context
            .matcher
            .match_text(text, &mut |h| found |= counts(&h));
        found
    };
    let root = match span::parse(text, MAX_DEPTH) {
        Ok(root) => root,
        Err(_) => return plan_unreadable(text, context, &is_subject),
    };
    let shape = structure(&root, text, Some(context.key_attribute));

    // 1. The units: the innermost record around each place that holds the subject (indices
    // into the records: 0 is the setting itself).
    let mut units: Vec<usize> = Vec::new();
    for place in shape.places.iter().filter(|p| is_subject(&p.text)) {
        let in_key_attribute = place.record == 0
            && matches!(
                place.path.first(),
                Some(PathSegment::Key(k)) if k == context.key_attribute
            );
        units.push(if context.options.force_whole_setting || in_key_attribute {
            0
        } else {
            place.record
        });
    }
    if units.is_empty() {
        return ErasurePlan::NoMatch;
    }
    units.sort_unstable();
    units.dedup();
    // An outer record swallows the records inside it (the setting swallows every one).
    let records = &shape.records;
    let outer: Vec<usize> = units
        .iter()
        .copied()
        .filter(|&u| {
            !units
                .iter()
                .any(|&o| o != u && contains(&records[o], &records[u]))
        })
        .collect();
    let record_paths: Vec<JsonPath> = outer
        .iter()
        .map(|&u| JsonPath::new(records[u].path.clone()))
        .collect();

    // 2. The census of every unit.
    let mut also_removes = 0;
    for &unit in &outer {
        match census_of(unit, records, &shape.places, context, &is_subject) {
            Ok(n) => also_removes += n,
            Err(reason) => {
                return ErasurePlan::NeedsReview {
                    reason,
                    records: record_paths,
                }
            }
        }
    }
    if outer.contains(&0) {
        return ErasurePlan::DeleteSetting { also_removes };
    }

    // 3. The edit, checked.
    let cut: Vec<&Record> = outer.iter().map(|&u| &records[u]).collect();
    let new_text = edit::cut_records(text, &cut);
    let still_matches = match span::parse(&new_text, MAX_DEPTH) {
        Ok(new_root) => {
            let after = structure(&new_root, &new_text, Some(context.key_attribute));
            let key_kept = key_bytes(&root, text, context.key_attribute)
                == key_bytes(&new_root, &new_text, context.key_attribute);
            !key_kept || after.places.iter().any(|p| is_subject(&p.text))
        }
        Err(_) => true,
    };
    if still_matches {
        return ErasurePlan::NeedsReview {
            reason: ReviewReason::EditLeftAMatch,
            records: record_paths,
        };
    }
    ErasurePlan::RewriteSetting {
        new_text,
        removed: record_paths,
        also_removes,
    }
}

/// The census of one unit: how many identifier-shaped texts of its own (not the subject's)
/// go with it, or why it must not go.
fn census_of(
    unit: usize,
    records: &[Record],
    places: &[Place<'_>],
    context: &PlanContext<'_>,
    is_subject: &impl Fn(&str) -> bool,
) -> Result<usize, ReviewReason> {
    let mut own_others = 0;
    let mut foreign = 0;
    let span = &records[unit];
    for place in places
        .iter()
        .filter(|p| span.start <= p.start && p.start < span.end)
    {
        if let Some(others) = context.other_requests {
            if others.is_match_text(&place.text) {
                return Err(ReviewReason::HoldsAnotherRequest);
            }
        }
        let mut others_here = 0;
        census::tokens(&place.text, &mut |token| {
            if !is_subject(token.text) {
                others_here += 1;
            }
        });
        if others_here == 0 {
            continue;
        }
        if place.record == unit {
            own_others += others_here;
        } else {
            foreign += others_here;
        }
    }
    if foreign > 0 {
        return Err(ReviewReason::HoldsOtherRecords {
            identifiers: foreign,
        });
    }
    Ok(own_others)
}

/// Whether record `outer` holds record `inner` (by their spans), `inner` not being `outer`.
fn contains(outer: &Record, inner: &Record) -> bool {
    outer.start <= inner.start
        && inner.end <= outer.end
        && (outer.start, outer.end) != (inner.start, inner.end)
}

/// A record of a setting that holds the subject: what an access export shows the subject.
#[derive(Debug, Clone, PartialEq)]
pub struct SubjectRecord {
    /// Where it is; empty for the setting itself.
    pub path: JsonPath,
    /// A map entry's key (`{"contacts": {"c1": {...}}}`: `c1`), `None` for a list element or
    /// the setting.
    pub entry_key: Option<String>,
    /// The record's value, as stored.
    pub value_text: String,
    /// Whether it holds only possible matches of the subject (never shown as theirs without
    /// saying so).
    pub possible_only: bool,
}

/// The records of a setting that hold the subject, outermost first and without the records
/// inside them; `None` when the text is not JSON the planner reads. The unit is the same as
/// an erasure's ([`plan_erasure`]), so an export shows what an erasure would remove; possible
/// matches make records of their own, marked as such.
///
/// `key_attribute` is the setting's group's key attribute when known (it never makes the
/// setting a contact card); without it, a bare `name` at the top does not either.
pub fn subject_records(
    text: &str,
    matcher: &Matcher,
    key_attribute: Option<&str>,
) -> Option<Vec<SubjectRecord>> {
    let root = span::parse(text, MAX_DEPTH).ok()?;
    let shape = structure(&root, text, key_attribute);
    // For each record: whether it holds an exact hit.
    let mut holding: Vec<(&Record, bool)> = Vec::new();
    for place in &shape.places {
        let mut exact = false;
        let mut any = false;
        matcher.match_text(&place.text, &mut |h| {
            any = true;
            exact |= !h.variant.is_possible();
        });
        if !any {
            continue;
        }
        let record = &shape.records[place.record];
        match holding.iter_mut().find(|(r, _)| std::ptr::eq(*r, record)) {
            Some((_, e)) => *e |= exact,
            None => holding.push((record, exact)),
        }
    }
    let outer: Vec<&(&Record, bool)> = holding
        .iter()
        .filter(|(u, _)| !holding.iter().any(|(o, _)| contains(o, u)))
        .collect();
    let mut out: Vec<SubjectRecord> = outer
        .into_iter()
        .map(|(record, exact)| {
            // A nested record's exact hit makes its outer record exact too.
            let exact = *exact
                || holding
                    .iter()
                    .any(|(r, e)| *e && (std::ptr::eq(*r, *record) || contains(record, r)));
            SubjectRecord {
                path: JsonPath::new(record.path.clone()),
                entry_key: match (record.value_start != record.start, record.path.last()) {
                    (true, Some(PathSegment::Key(k))) => Some(k.clone()),
                    _ => None,
                },
                value_text: text[record.value_start..record.end].to_string(),
                possible_only: !exact,
            }
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Some(out)
}

/// Every contact record of a setting ([`records`]), the setting itself first; `None` when the
/// text is not JSON the planner reads. An export uses it to leave out, from a record of the
/// subject, the records inside it that are not the subject's (a category's other members).
pub fn record_paths(text: &str) -> Option<Vec<JsonPath>> {
    let root = span::parse(text, MAX_DEPTH).ok()?;
    let shape = structure(&root, text, None);
    Some(
        shape
            .records
            .iter()
            .map(|r| JsonPath::new(r.path.clone()))
            .collect(),
    )
}

/// A setting that cannot be parsed: deleted whole when it holds nothing identifier-shaped
/// besides the subject's, else reviewed.
fn plan_unreadable(
    text: &str,
    context: &PlanContext<'_>,
    is_subject: &impl Fn(&str) -> bool,
) -> ErasurePlan {
    if !is_subject(text) {
        return ErasurePlan::NoMatch;
    }
    let review = |reason| ErasurePlan::NeedsReview {
        reason,
        records: vec![JsonPath::default()],
    };
    if context
        .other_requests
        .is_some_and(|o| o.is_match_text(text))
    {
        return review(ReviewReason::HoldsAnotherRequest);
    }
    let mut others = 0;
    census::tokens(text, &mut |t| {
        if !is_subject(t.text) {
            others += 1;
        }
    });
    if others > 0 {
        return review(ReviewReason::Unreadable);
    }
    ErasurePlan::DeleteSetting { also_removes: 0 }
}

/// The bytes of the root's key attribute member value (the last of that name), if any.
fn key_bytes<'t>(root: &span::Node, text: &'t str, key_attribute: &str) -> Option<&'t str> {
    root.child(&PathSegment::Key(key_attribute.to_string()))
        .map(|n| &text[n.start..n.end])
}

#[cfg(test)]
mod tests;
