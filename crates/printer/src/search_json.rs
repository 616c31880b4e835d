//! The search report as one JSON document (`--format json`; `docs/output.md` describes it),
//! as types: what the document can hold is what these structs say, not what a map literal
//! happened to build.
//!
//! Every struct declares its fields in alphabetical order. The document has always had its
//! keys in that order (it used to be assembled as a serde_json map, which sorts them), scripts
//! and golden files compare it as text, and a struct serializes its fields in declaration
//! order: so a new field goes where the alphabet puts it. The tests check it.

use std::collections::BTreeMap;

use forgetme_findings::{Found, OwnerType, SearchOutcome};
use forgetme_matcher::{Identifier, IdentifierKind, Reading};
use forgetme_scanner::routing::Copies;
use forgetme_scanner::{ConsistencyLevel, TableName};
use serde::{Serialize, Serializer};

use crate::erasure_report::CleanupReport;
use crate::report::{same_value, UserNames};

/// The whole report: the search's, and the run's cleanup when it erases.
#[derive(Debug, Serialize)]
pub struct SearchReport<'a> {
    /// What the cleanup did (`--cleanup true` only; absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<CleanupReport<'a>>,
    /// Every token range of every table was read.
    pub complete: bool,
    /// Which copies were read, and what was not searched.
    pub coverage: CoverageJson<'a>,
    /// The identifiers, numbered from 1.
    pub identifiers: Vec<IdentifierJson<'a>>,
    /// Every listed hit.
    pub matches: Vec<MatchJson<'a>>,
    /// What was read.
    pub scanned: Scanned<'a>,
    /// Counts over every match, listed or not.
    pub totals: Totals,
    /// More settings matched than are listed.
    pub truncated: bool,
    /// Listed settings holding more hits than are kept.
    pub unlisted_hits: Vec<UnlistedHit<'a>>,
    /// The splits that could not be read.
    pub unread_ranges: Vec<UnreadRange<'a>>,
    /// Values searched with a caveat, counted by the caveat (a sorted map).
    pub warnings: &'a BTreeMap<String, u64>,
}

/// Which copies the scan read (`coverage`).
#[derive(Debug, Serialize)]
pub struct CoverageJson<'a> {
    pub allow_remote_dc: bool,
    /// The level the scan read at: `ALL` when it read every copy.
    pub consistency: ConsistencyLevel,
    pub copies: Copies,
    pub data_centers: &'a [String],
    pub local_dc: Option<&'a str>,
    pub not_searched: &'a [String],
    /// The sentence the text report prints.
    pub statement: String,
}

/// What kind of identifier was searched for, as the report names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum IdentifierKindJson {
    Email,
    Phone,
    Text,
}

impl From<IdentifierKind> for IdentifierKindJson {
    fn from(k: IdentifierKind) -> Self {
        match k {
            IdentifierKind::Email => IdentifierKindJson::Email,
            IdentifierKind::Phone => IdentifierKindJson::Phone,
            IdentifierKind::Text => IdentifierKindJson::Text,
        }
    }
}

/// How a phone number was read: `"international"`, or the ISO code of the region a national
/// spelling was read in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadAs {
    International,
    Region(&'static str),
}

impl Serialize for ReadAs {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            ReadAs::International => s.serialize_str("international"),
            ReadAs::Region(code) => s.serialize_str(code),
        }
    }
}

/// Where the region of a national number came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegionFrom {
    /// The identifier named it (`IE:087…`).
    Identifier,
    /// `--default-region`.
    DefaultRegion,
}

/// What the numbering plan's metadata calls a phone number.
#[derive(Debug, Serialize)]
pub struct NumberJson {
    /// The region the number is valid in; `null` when no plan knows it.
    pub number_region: Option<&'static str>,
    /// `fixed-line`, `mobile`, ... or `unknown`.
    pub number_type: String,
}

/// One entry of `identifiers`. `read_as` and `region_from` are absent for what is not a phone
/// number (and `region_from` for an international one), the number's fields for what no plan
/// reads.
#[derive(Debug, Serialize)]
pub struct IdentifierJson<'a> {
    pub index: usize,
    pub kind: IdentifierKindJson,
    pub normalized: &'a str,
    /// `number_region` and `number_type`, which sort right here.
    #[serde(flatten)]
    pub number: Option<NumberJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_as: Option<ReadAs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region_from: Option<RegionFrom>,
}

impl<'a> IdentifierJson<'a> {
    /// Identifier number `index` (from 0).
    pub fn new(index: usize, id: &'a Identifier) -> IdentifierJson<'a> {
        let (read_as, region_from) = match id.reading() {
            Reading::International => (Some(ReadAs::International), None),
            Reading::National { region, own } => (
                Some(ReadAs::Region(region.iso_code())),
                Some(if own {
                    RegionFrom::Identifier
                } else {
                    RegionFrom::DefaultRegion
                }),
            ),
            Reading::Email | Reading::Text => (None, None),
        };
        IdentifierJson {
            index: index + 1,
            kind: id.kind().into(),
            normalized: id.normalized(),
            number: id.number_reading().map(|r| NumberJson {
                number_region: r.region.map(|g| g.iso_code()),
                number_type: r.number_type.to_string(),
            }),
            read_as,
            region_from,
        }
    }
}

/// Whether a hit is the identifier's for sure or only under a guess.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    Exact,
    Possible,
}

/// One entry of `matches`.
#[derive(Debug, Serialize)]
pub struct MatchJson<'a> {
    pub column: Option<&'a str>,
    pub deletable: bool,
    pub group: Option<&'a str>,
    /// The normalized identifier that matched.
    pub identifier: &'a str,
    pub identifier_index: usize,
    pub json_path: Option<&'a str>,
    pub kind: MatchKind,
    pub owner_type: OwnerType,
    pub setting_key: &'a str,
    pub table: &'a TableName,
    pub user_id: Option<&'a str>,
    /// The agent's user name, when GWS gave it.
    pub user_name: Option<&'a str>,
    pub variant: &'static str,
}

impl<'a> MatchJson<'a> {
    fn new(f: &'a Found, ids: &'a [Identifier], names: &'a UserNames) -> MatchJson<'a> {
        MatchJson {
            column: f.column.as_deref(),
            deletable: f.deletable,
            group: f.group.as_deref(),
            identifier: ids[f.identifier].normalized(),
            identifier_index: f.identifier + 1,
            json_path: f.json_path.as_deref(),
            kind: if f.possible {
                MatchKind::Possible
            } else {
                MatchKind::Exact
            },
            owner_type: f.owner_type,
            setting_key: &f.setting_key,
            table: &f.table,
            user_id: f.user_id.as_deref(),
            user_name: f
                .user_id
                .as_ref()
                .and_then(|u| names.get(u))
                .map(String::as_str),
            variant: f.variant,
        }
    }
}

/// What the search read (`scanned`).
#[derive(Debug, Serialize)]
pub struct Scanned<'a> {
    /// Wall time, whole milliseconds.
    pub elapsed_ms: u64,
    pub ranges: usize,
    pub rows: u64,
    pub table_names: &'a [TableName],
    pub tables: usize,
}

/// `totals`.
#[derive(Debug, Serialize)]
pub struct Totals {
    pub agents: u64,
    pub hits: u64,
    pub listed_settings: u64,
    pub settings: u64,
}

/// One entry of `unlisted_hits`: a listed setting holding more hits than are kept.
#[derive(Debug, Serialize)]
pub struct UnlistedHit<'a> {
    pub column: Option<&'a str>,
    pub group: Option<&'a str>,
    /// Its hits in `matches`.
    pub listed: usize,
    /// Its hits counted, not listed.
    pub more: u64,
    pub owner_type: OwnerType,
    pub setting_key: &'a str,
    pub table: &'a TableName,
    pub user_id: Option<&'a str>,
}

/// One entry of `unread_ranges`. Tokens are written as strings: a 64-bit token does not fit
/// the numbers every JSON reader reads exactly.
#[derive(Debug, Serialize)]
pub struct UnreadRange<'a> {
    pub attempts: u32,
    #[serde(serialize_with = "as_text")]
    pub end: i64,
    pub error: &'a str,
    /// The every-copy scan's replicas (`address (dc)`); `null` for the fast scan.
    pub replicas: Option<&'a str>,
    #[serde(serialize_with = "as_text")]
    pub start: i64,
    pub table: &'a TableName,
}

fn as_text<S: Serializer>(n: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(n)
}

impl<'a> SearchReport<'a> {
    /// The report of `outcome`, without a `cleanup` object.
    pub fn new(
        outcome: &'a SearchOutcome,
        ids: &'a [Identifier],
        names: &'a UserNames,
    ) -> SearchReport<'a> {
        let coverage = &outcome.coverage;
        SearchReport {
            cleanup: None,
            complete: outcome.complete(),
            coverage: CoverageJson {
                allow_remote_dc: coverage.allow_remote_dc,
                consistency: match coverage.copies {
                    Copies::Every => ConsistencyLevel::All,
                    Copies::One => coverage.consistency,
                },
                copies: coverage.copies,
                data_centers: &coverage.data_centers,
                local_dc: coverage.local_dc.as_deref(),
                not_searched: &coverage.not_searched,
                statement: coverage.sentence(),
            },
            identifiers: ids
                .iter()
                .enumerate()
                .map(|(i, id)| IdentifierJson::new(i, id))
                .collect(),
            matches: outcome
                .found
                .iter()
                .map(|f| MatchJson::new(f, ids, names))
                .collect(),
            scanned: Scanned {
                elapsed_ms: outcome.elapsed.as_millis() as u64,
                ranges: outcome.ranges,
                rows: outcome.rows,
                table_names: &outcome.tables,
                tables: outcome.tables.len(),
            },
            totals: Totals {
                agents: outcome.totals.agents,
                hits: outcome.totals.hits,
                listed_settings: outcome.totals.listed_settings,
                settings: outcome.totals.settings,
            },
            truncated: outcome.truncated(),
            unlisted_hits: unlisted_hits(outcome),
            unread_ranges: outcome
                .failed
                .iter()
                .map(|u| UnreadRange {
                    attempts: u.split.attempts,
                    end: u.split.range.end,
                    error: &u.split.error,
                    replicas: u.split.replica.as_deref(),
                    start: u.split.range.start,
                    table: &u.table,
                })
                .collect(),
            warnings: &outcome.warnings,
        }
    }
}

/// Each listed setting holding more hits than are kept, with how many are listed and how
/// many more it holds. The hits are sorted, so a setting's hits are one run of `found`.
fn unlisted_hits(outcome: &SearchOutcome) -> Vec<UnlistedHit<'_>> {
    let mut out = Vec::new();
    if outcome.more_hits.is_empty() {
        return out;
    }
    let found = &outcome.found;
    let mut i = 0;
    while i < found.len() {
        let f = &found[i];
        let run = found[i..].iter().take_while(|g| same_value(g, f)).count();
        if let Some(more) = outcome.more_hits.get(&f.value_key()) {
            out.push(UnlistedHit {
                column: f.column.as_deref(),
                group: f.group.as_deref(),
                listed: run,
                more: *more,
                owner_type: f.owner_type,
                setting_key: &f.setting_key,
                table: &f.table,
                user_id: f.user_id.as_deref(),
            });
        }
        i += run;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text<T: Serialize>(v: &T) -> String {
        serde_json::to_string(v).unwrap()
    }

    #[test]
    fn enums_are_written_as_the_report_always_wrote_them() {
        assert_eq!(text(&IdentifierKindJson::Email), "\"email\"");
        assert_eq!(text(&RegionFrom::DefaultRegion), "\"default-region\"");
        assert_eq!(text(&RegionFrom::Identifier), "\"identifier\"");
        assert_eq!(text(&ReadAs::International), "\"international\"");
        assert_eq!(text(&ReadAs::Region("IE")), "\"IE\"");
        assert_eq!(text(&MatchKind::Possible), "\"possible\"");
        assert_eq!(text(&Copies::Every), "\"every\"");
    }
}
