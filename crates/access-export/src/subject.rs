//! The data subject's copy: the same findings as the officer's record, in plain words, with
//! nothing that is not the person's own.
//!
//! The officer's record ([`AccessExport`]) says where every hit sits: keyspace, table, agent,
//! group, setting key, JSON path and the raw value. Those are the contact center's internals
//! and, for the agent's user name and id, an employee's personal data: none of them goes into
//! the subject's copy. What goes in, per record found:
//!
//! - what kind of record it is (a personal favorite or a recent contact saved by one of our
//!   agents, a corporate favorite of the contact center, or another record);
//! - the person's details it holds, under plain labels (name, e-mail address, phone number,
//!   category, note...), as stored, taken from the item's `subject_records` alone (the
//!   person's own records, exact matches only, other people's identifiers already withheld by
//!   `forgetme-findings`), never from the officer's `value`;
//! - when it was last used, saved or changed, when the stored value says so.
//!
//! Fields are recognized by their names. Internal ones (`id`, `type`, anything naming an
//! agent, user, owner or employee, any `...Id`) are left out, unless their text holds one of
//! the identifiers searched (then it is the person's data and stays, as "Other detail"). Text
//! in a field nobody knows is kept as "Other detail" unless it looks like an internal id (a
//! long run of hex digits). The agent's user name and id are replaced in every text kept.
//! Each of the item's subject records is one record of the copy.
//!
//! The copy answers one request: it carries the request's reference (`--case`, a batch's
//! request id) and the date it answers on, and it is written in the request's language, with
//! the words of that language's template ([`crate::words`]).

use std::collections::BTreeSet;

use forgetme_audit::Timestamp;
use serde::Serialize;
use serde_json::Value;

use crate::template::SubjectTemplate;
use crate::words::{fill, Language, Words};
use crate::{AccessExport, ExportItem, OwnerType};

/// The schema name of the subject's copy as JSON.
pub const SUBJECT_SCHEMA: &str = "gdpr-forget-me/subject-copy/v1";

/// Which request a copy answers, in which language, with which controller's information.
#[derive(Clone, Copy, Debug, Default)]
pub struct CopyFor<'a> {
    /// The request's reference (`--case`, a batch's request id); checked like every
    /// reference, so it never holds an identifier.
    pub reference: Option<&'a str>,
    /// The language the copy is written in.
    pub language: Language,
    /// The controller's template in that language; `None`: the copy is a draft that says
    /// where the information is missing.
    pub information: Option<&'a SubjectTemplate>,
}

/// The subject's copy.
#[derive(Clone, Debug, Serialize)]
pub struct SubjectCopy {
    /// Always [`SUBJECT_SCHEMA`].
    pub schema: &'static str,
    /// When the export was made (written RFC 3339, UTC, milliseconds).
    pub generated_at: Timestamp,
    /// The request this copy answers: its reference (a ticket number, never an identifier),
    /// when the run was given one.
    pub reference: Option<String>,
    /// The date the copy answers on (`YYYY-MM-DD`, UTC): the day it was made.
    pub answered_on: String,
    /// The language the copy is written in (`en`, `de`).
    pub language: Language,
    /// Whether every stored record was read. A copy from an incomplete search says so.
    pub search_complete: bool,
    /// The details the person gave, as searched.
    pub asked_about: Vec<AskedAbout>,
    /// One paragraph: what this copy covers and what was found.
    pub summary: String,
    /// The kinds of the person's data held (Art. 15(1)(b)), from the records found.
    pub kinds_of_data: Vec<String>,
    /// Every record found.
    pub records: Vec<Record>,
    /// Records of the person withheld because they also concern another request answered at
    /// the same time: reviewed by hand, answered separately.
    pub records_under_review: usize,
    /// The controller's Art. 15(1)/(2) information; `None` when no template was given, and
    /// the copy then shows that it is not filled in.
    pub information: Option<SubjectTemplate>,
    /// The copy's own words, in its language.
    #[serde(skip)]
    pub words: Words,
}

/// One identifier the person gave.
#[derive(Clone, Debug, Serialize)]
pub struct AskedAbout {
    /// `E-mail address`, `Phone number` or `Text`.
    pub kind: String,
    /// As searched (normalized).
    pub value: String,
}

/// What kind of record holds the person's details.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    /// An agent's own favorite.
    PersonalFavorite,
    /// An agent's recent contact (a recent-contact setting, or an entry of a recents list).
    RecentContact,
    /// A favorite the contact center shares with its agents.
    CorporateFavorite,
    /// Anything else the search found (another settings group, a `--deep` hit).
    Other,
}

impl RecordKind {
    /// The heading of this kind's records.
    pub fn heading(self, w: &Words) -> &str {
        match self {
            RecordKind::PersonalFavorite => &w.personal_favorites,
            RecordKind::RecentContact => &w.recent_contacts,
            RecordKind::CorporateFavorite => &w.corporate_favorites,
            RecordKind::Other => &w.other_records,
        }
    }

    /// One sentence saying what such a record is.
    pub fn description(self, w: &Words) -> &str {
        match self {
            RecordKind::PersonalFavorite => &w.personal_favorite_about,
            RecordKind::RecentContact => &w.recent_contact_about,
            RecordKind::CorporateFavorite => &w.corporate_favorite_about,
            RecordKind::Other => &w.other_record_about,
        }
    }
}

/// One record found.
#[derive(Clone, Debug, Serialize)]
pub struct Record {
    /// What kind of record it is.
    pub kind: RecordKind,
    /// The person's details it holds, in a fixed order of labels.
    pub details: Vec<Detail>,
    /// When it was last used, saved or changed, as far as the stored value says.
    pub dates: Vec<Detail>,
    /// The record is one entry of a list that also holds other people's contacts, which are
    /// not shown.
    pub in_shared_list: bool,
    /// How many other people's details (e-mail addresses, phone numbers) the record holds
    /// that are withheld: each is shown as [`crate::WITHHELD`].
    pub withheld: usize,
    /// The latest date, seconds since 1970, for ordering.
    #[serde(skip)]
    pub(crate) latest: Option<i64>,
}

/// A labelled detail and its values as stored (dates: as a reader reads them).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Detail {
    /// Plain label in the copy's language, e.g. `Phone number`.
    pub label: String,
    /// The values, each once.
    pub values: Vec<String>,
    /// Whether its values are prose (a note, another detail) that may wrap between words;
    /// other values (addresses, numbers, names, dates) are never broken across lines.
    #[serde(skip)]
    pub prose: bool,
}

use crate::words::labels::*;

/// Labels of details, in the order a record shows them.
const LABELS: &[&str] = &[
    NAME,
    FIRST_NAME,
    MIDDLE_NAME,
    LAST_NAME,
    COMPANY,
    JOB_TITLE,
    EMAIL,
    PHONE,
    ADDRESS,
    CATEGORY,
    CHANNEL,
    LANGUAGE,
    NOTE,
    OTHER,
];
const DATE_LABELS: &[&str] = &[LAST_USED, SAVED, CHANGED, DATE];

/// What a field's name says it holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Field {
    /// A detail of the person, under this label.
    Detail(&'static str),
    /// A date, under this label.
    Date(&'static str),
    /// The contact center's own (ids, types, agents): left out.
    Internal,
    /// A name nobody knows.
    Unknown,
}

/// Classifies a field by its name (case, `_` and `-` ignored).
fn classify(key: &str) -> Field {
    let k: String = key
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let camel_id = key.ends_with("Id") || key.ends_with("ID") || key.ends_with("Ids");
    let snake_id = {
        let l = key.to_lowercase();
        l.ends_with("_id") || l.ends_with("-id") || l.ends_with("_ids")
    };
    let has = |words: &[&str]| words.iter().any(|w| k.contains(w));
    if matches!(
        k.as_str(),
        "id" | "ids" | "uuid" | "guid" | "type" | "key" | "etag" | "version" | "revision" | "dbid"
    ) || camel_id
        || snake_id
        || has(&[
            "agent",
            "user",
            "employee",
            "owner",
            "operator",
            "createdby",
            "modifiedby",
            "updatedby",
            "savedby",
            "tenant",
            "uuid",
            "guid",
        ])
    {
        return Field::Internal;
    }
    if has(&[
        "lastused",
        "lastcontact",
        "lastcall",
        "lastinteraction",
        "lastseen",
    ]) {
        return Field::Date(LAST_USED);
    }
    if has(&["created", "saved", "added"]) {
        return Field::Date(SAVED);
    }
    if has(&["modified", "updated", "changed"]) {
        return Field::Date(CHANGED);
    }
    if matches!(k.as_str(), "date" | "time" | "timestamp" | "when") {
        return Field::Date(DATE);
    }
    if has(&["mail"]) {
        return Field::Detail(EMAIL);
    }
    if has(&["phone", "mobile", "telephone", "fax", "msisdn"]) || k == "number" || k == "tel" {
        return Field::Detail(PHONE);
    }
    if has(&["firstname", "givenname", "forename"]) {
        return Field::Detail(FIRST_NAME);
    }
    if has(&["middlename"]) {
        return Field::Detail(MIDDLE_NAME);
    }
    if has(&["lastname", "surname", "familyname"]) {
        return Field::Detail(LAST_NAME);
    }
    if has(&["name"]) {
        return Field::Detail(NAME);
    }
    if has(&["company", "organization", "organisation", "employer"]) {
        return Field::Detail(COMPANY);
    }
    if matches!(k.as_str(), "title" | "jobtitle" | "position" | "role") {
        return Field::Detail(JOB_TITLE);
    }
    if has(&[
        "address",
        "street",
        "city",
        "postcode",
        "postalcode",
        "zip",
        "country",
    ]) {
        return Field::Detail(ADDRESS);
    }
    if has(&["categor", "tag", "label", "group"]) {
        return Field::Detail(CATEGORY);
    }
    if has(&["media", "channel"]) {
        return Field::Detail(CHANNEL);
    }
    if matches!(k.as_str(), "language" | "locale" | "lang") {
        return Field::Detail(LANGUAGE);
    }
    if has(&["note", "comment", "description", "memo", "remark"]) {
        return Field::Detail(NOTE);
    }
    Field::Unknown
}

/// What the copy is built with besides the export: the identifiers, to keep any field holding
/// one, and the agent's identity, to take out of every text.
struct Context<'a> {
    identifiers: &'a [(String, String)],
    employee: Vec<&'a str>,
    words: &'a Words,
}

impl Context<'_> {
    /// Whether a text holds one of the identifiers searched (e-mail: case-insensitively;
    /// phone: its last nine digits among the text's digits).
    fn holds_identifier(&self, text: &str) -> bool {
        let lower = text.to_lowercase();
        let digits: String = text.chars().filter(char::is_ascii_digit).collect();
        self.identifiers
            .iter()
            .any(|(kind, id)| match kind.as_str() {
                "phone" => {
                    let d: String = id.chars().filter(char::is_ascii_digit).collect();
                    let tail = &d[d.len().saturating_sub(9)..];
                    !tail.is_empty() && digits.contains(tail)
                }
                _ => !id.is_empty() && lower.contains(&id.to_lowercase()),
            })
    }

    /// A note with every e-mail address that is not one searched for replaced: a note may
    /// name other people, and an agent's address (when the export could not learn the agent's
    /// user name) is an employee's.
    fn others_addresses_out(&self, text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(at) = rest.find('@') {
            let is_part = |c: char| c.is_alphanumeric() || "._%+-".contains(c);
            let start = rest[..at]
                .char_indices()
                .rev()
                .take_while(|(_, c)| is_part(*c))
                .last()
                .map_or(at, |(i, _)| i);
            let end = rest[at + 1..]
                .char_indices()
                .take_while(|(_, c)| is_part(*c))
                .last()
                .map_or(at + 1, |(i, c)| at + 1 + i + c.len_utf8());
            let address = rest[start..end].trim_end_matches('.');
            let end = start + address.len();
            out.push_str(&rest[..start]);
            if start < at
                && address[at - start + 1..].contains('.')
                && !self.holds_identifier(address)
            {
                out.push_str(&self.words.other_address);
            } else {
                out.push_str(&rest[start..end.max(at + 1)]);
            }
            rest = &rest[end.max(at + 1)..];
        }
        out.push_str(rest);
        out
    }

    /// The text with the agent's user name and id replaced, and other people's withheld
    /// details marked in the copy's language.
    fn scrub(&self, text: &str) -> String {
        let mut out = self.localize(text);
        for who in &self.employee {
            out = replace_ignore_case(&out, who, &self.words.agent);
        }
        out
    }

    /// The text with the marker of another person's withheld detail ([`crate::WITHHELD`],
    /// put in by the cut) in the copy's language.
    fn localize(&self, text: &str) -> String {
        text.replace(crate::WITHHELD, &self.words.withheld)
    }
}

/// `text` with every case-insensitive occurrence of `what` replaced (ASCII case folding, so
/// byte positions stay where they are).
fn replace_ignore_case(text: &str, what: &str, with: &str) -> String {
    if what.is_empty() {
        return text.to_string();
    }
    let hay = text.to_ascii_lowercase();
    let needle = what.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in hay.match_indices(&needle) {
        if at < last {
            continue;
        }
        out.push_str(&text[last..at]);
        out.push_str(with);
        last = at + needle.len();
    }
    out.push_str(&text[last..]);
    out
}

/// Whether a text looks like an internal id rather than something a person typed: a UUID, or
/// a run of 16 or more hex digits, or a prefixed hex id (`fav-8b94d123`).
fn looks_like_id(text: &str) -> bool {
    let t = text.trim();
    let hexish = |s: &str| {
        s.len() >= 8
            && s.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
            && s.chars().filter(char::is_ascii_hexdigit).count() >= 8
            && s.chars().any(|c| c.is_ascii_digit())
    };
    if !t.contains(' ') && hexish(t) {
        return true;
    }
    match t.split_once('-') {
        Some((prefix, rest)) => {
            !t.contains(' ')
                && prefix.len() <= 8
                && prefix.chars().all(|c| c.is_ascii_alphabetic())
                && hexish(rest)
        }
        None => false,
    }
}

/// Collects a record's details from one JSON object.
#[derive(Default)]
struct Collector {
    details: Vec<(&'static str, String)>,
    dates: Vec<(&'static str, String)>,
    pub(crate) latest: Option<i64>,
}

impl Collector {
    fn object(
        &mut self,
        ctx: &Context,
        map: &serde_json::Map<String, Value>,
        inherited: Option<&'static str>,
    ) {
        for (key, v) in map {
            // A key that holds the person's identifier (a map entry keyed by their address)
            // is their data; any other key holding one was withheld before.
            if ctx.holds_identifier(key) {
                self.details.push((OTHER, ctx.scrub(key)));
            }
            let field = match (classify(key), inherited) {
                // Inside a labelled field (`phoneNumbers: [{"number": ...}]`), a part with no
                // label of its own takes the field's label.
                (Field::Unknown, Some(label)) => Field::Detail(label),
                (f, _) => f,
            };
            self.value(ctx, field, v);
        }
    }

    fn value(&mut self, ctx: &Context, field: Field, v: &Value) {
        match v {
            Value::Null => {}
            Value::Array(items) => {
                for item in items {
                    self.value(ctx, field, item);
                }
            }
            Value::Object(map) => {
                let inherited = match field {
                    Field::Detail(label) => Some(label),
                    _ => None,
                };
                if field == Field::Internal {
                    // An internal object still keeps whatever in it holds an identifier.
                    let text = v.to_string();
                    if ctx.holds_identifier(&text) {
                        self.object(ctx, map, None);
                    }
                    return;
                }
                self.object(ctx, map, inherited);
            }
            scalar => {
                let text = match scalar {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if text.trim().is_empty() {
                    return;
                }
                match field {
                    Field::Detail(CHANNEL) => {
                        let text = channel(ctx.words, &ctx.localize(&text));
                        self.details.push((CHANNEL, text));
                    }
                    Field::Detail(NOTE) => {
                        let text = ctx.others_addresses_out(&ctx.scrub(&text));
                        self.details.push((NOTE, text));
                    }
                    Field::Detail(label) => self.details.push((label, ctx.scrub(&text))),
                    Field::Date(label) => {
                        if let Some(t) = parse_date(scalar) {
                            self.latest = self.latest.max(Some(t.unix_timestamp()));
                        }
                        let shown = match parse_date(scalar) {
                            Some(_) => readable_date(scalar, ctx.words),
                            None => ctx.localize(&text),
                        };
                        self.dates.push((label, shown));
                    }
                    Field::Internal | Field::Unknown => {
                        if ctx.holds_identifier(&text) {
                            self.details.push((OTHER, ctx.scrub(&text)));
                        } else if field == Field::Unknown && !looks_like_id(&text) {
                            let scrubbed = ctx.scrub(&text);
                            self.details.push((OTHER, scrubbed));
                        }
                    }
                }
            }
        }
    }

    fn into_record(self, words: &Words, kind: RecordKind, in_shared_list: bool) -> Record {
        Record {
            kind,
            details: grouped(words, self.details, LABELS),
            dates: grouped(words, self.dates, DATE_LABELS),
            in_shared_list,
            withheld: 0,
            latest: self.latest,
        }
    }
}

/// Workspace's media type in words: `voice` is a phone call.
fn channel(w: &Words, stored: &str) -> String {
    match stored.trim().to_lowercase().as_str() {
        "voice" | "phone" | "call" => w.phone_call.clone(),
        "email" | "e-mail" | "mail" => w.email_message.clone(),
        "chat" | "webchat" => w.chat.clone(),
        "sms" => w.sms.clone(),
        _ => stored.to_string(),
    }
}

/// Values grouped by label in the order of `order`, each value once, labelled in the copy's
/// language.
fn grouped(words: &Words, pairs: Vec<(&'static str, String)>, order: &[&str]) -> Vec<Detail> {
    order
        .iter()
        .filter_map(|label| {
            let mut seen = BTreeSet::new();
            let values: Vec<String> = pairs
                .iter()
                .filter(|(l, _)| l == label)
                .map(|(_, v)| v.clone())
                .filter(|v| seen.insert(v.clone()))
                .collect();
            (!values.is_empty()).then(|| Detail {
                label: words.label(label).to_string(),
                values,
                prose: [NOTE, OTHER].contains(label),
            })
        })
        .collect()
}

/// A stored date as a person reads it, in the copy's language: `24 January 2024, 06:03 UTC`
/// from RFC 3339 text or from seconds or milliseconds since 1970; anything else as stored.
pub fn readable_date(v: &Value, w: &Words) -> String {
    match parse_date(v) {
        Some(t) => fill(
            &w.date_time,
            &[
                ("day", &t.day().to_string()),
                ("month", &w.months[usize::from(u8::from(t.month())) - 1]),
                ("year", &t.year().to_string()),
                ("hour", &format!("{:02}", t.hour())),
                ("minute", &format!("{:02}", t.minute())),
            ],
        ),
        None => match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        },
    }
}

/// A stored date's day as a person reads it, in the copy's language (`30 November 2026`);
/// anything else as stored.
pub fn readable_day(v: &Value, w: &Words) -> String {
    match parse_date(v) {
        Some(t) => fill(
            &w.day,
            &[
                ("day", &t.day().to_string()),
                ("month", &w.months[usize::from(u8::from(t.month())) - 1]),
                ("year", &t.year().to_string()),
            ],
        ),
        None => match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        },
    }
}

/// A stored date, in UTC, when it is one.
fn parse_date(v: &Value) -> Option<time::OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    use time::{OffsetDateTime, UtcOffset};
    let parsed = match v {
        Value::String(s) => OffsetDateTime::parse(s.trim(), &Rfc3339).ok(),
        Value::Number(n) => n.as_i64().and_then(|n| {
            if n > 100_000_000_000 {
                OffsetDateTime::from_unix_timestamp(n / 1000).ok()
            } else if n > 100_000_000 {
                OffsetDateTime::from_unix_timestamp(n).ok()
            } else {
                None
            }
        }),
        _ => None,
    };
    parsed.map(|t| t.to_offset(UtcOffset::UTC))
}

/// The kind of record an export item is, from its settings group and owner.
fn kind_of(item: &ExportItem) -> RecordKind {
    let group = match (&item.group, &item.column) {
        (Some(g), None) => g.to_lowercase(),
        _ => return RecordKind::Other,
    };
    if group.contains("corporate")
        || (group.contains("favorite") && item.owner_type == OwnerType::ContactCenter)
    {
        RecordKind::CorporateFavorite
    } else if group.contains("favorite") {
        RecordKind::PersonalFavorite
    } else if group.contains("recent") {
        RecordKind::RecentContact
    } else {
        RecordKind::Other
    }
}

/// The records of one item: its subject records ([`ExportItem::subject_records`]: exact
/// matches only, other people's identifiers already withheld), each one record. The officer's
/// `value` is never read here.
fn records_of(ctx: &Context, item: &ExportItem) -> Vec<Record> {
    let kind = kind_of(item);
    let shared = item.entries_not_shown > 0 || item.records_possible_only > 0;
    item.subject_records
        .iter()
        .map(|part| {
            let mut c = Collector::default();
            match &part.value {
                Value::Object(m) => c.object(ctx, m, None),
                other => c.value(ctx, Field::Unknown, other),
            }
            let mut r = c.into_record(ctx.words, kind, shared);
            r.withheld = part.withheld;
            r
        })
        .collect()
}

impl SubjectCopy {
    /// Builds the subject's copy from the officer's record, for one request, in its language,
    /// with the controller's information when given (a template in the copy's language).
    pub fn from_export(export: &AccessExport, request: &CopyFor) -> SubjectCopy {
        let information = request.information.cloned();
        let language = information
            .as_ref()
            .map_or(request.language, |t| t.language);
        let words = information
            .as_ref()
            .map_or_else(|| Words::shipped(language).clone(), |t| t.words.clone());
        let w = &words;
        let identifiers: Vec<(String, String)> = export
            .identifiers
            .iter()
            .map(|i| (i.kind.clone(), i.normalized.clone()))
            .collect();
        let mut records: Vec<Record> = Vec::new();
        for item in &export.items {
            let employee: Vec<&str> = [item.user_id.as_deref(), item.user_name.as_deref()]
                .into_iter()
                .flatten()
                .filter(|s| s.len() >= 3)
                .collect();
            let ctx = Context {
                identifiers: &identifiers,
                employee,
                words: w,
            };
            records.extend(records_of(&ctx, item));
        }
        // Grouped by kind, the most recent first, then by what they hold: no order that
        // follows the agents, tables or keys of the officer's record.
        records.sort_by(|a, b| {
            a.kind
                .cmp(&b.kind)
                .then_with(|| b.latest.cmp(&a.latest))
                .then_with(|| {
                    a.details
                        .iter()
                        .map(|d| &d.values)
                        .cmp(b.details.iter().map(|d| &d.values))
                })
        });
        let mut kinds: Vec<String> = Vec::new();
        for label in LABELS.iter().filter(|l| **l != OTHER) {
            let label = w.label(label);
            if records
                .iter()
                .any(|r| r.details.iter().any(|d| d.label == label))
            {
                kinds.push(if w.lowercase_kinds {
                    label.to_lowercase()
                } else {
                    label.to_string()
                });
            }
        }
        if records.iter().any(|r| !r.dates.is_empty()) {
            kinds.push(w.kind_dates.clone());
        }
        if records
            .iter()
            .any(|r| r.details.iter().any(|d| d.label == w.other))
        {
            kinds.push(w.kind_other_details.clone());
        }
        let under_review: usize = export
            .items
            .iter()
            .map(|i| i.records_of_another_request)
            .sum();
        let withheld: usize = records.iter().map(|r| r.withheld).sum();
        let mut summary = vec![w.scope.clone()];
        summary.push(if !export.scan.complete {
            w.summary_incomplete.clone()
        } else if records.is_empty() && under_review == 0 {
            w.summary_none.clone()
        } else {
            Words::count(records.len(), &w.summary_found_one, &w.summary_found_many)
        });
        if withheld > 0 {
            let text = Words::count(withheld, &w.summary_withheld_one, &w.summary_withheld_many);
            summary.push(fill(&text, &[("withheld", &w.withheld)]));
        }
        if under_review > 0 {
            summary.push(Words::count(
                under_review,
                &w.summary_review_one,
                &w.summary_review_many,
            ));
        }
        // The reference is checked where it is given (`--case`, a request file), never to
        // hold an identifier; one that fails the reference rule anyway is left out.
        let reference = request
            .reference
            .filter(|r| forgetme_audit::check_reference(r).is_ok())
            .map(str::to_string);
        SubjectCopy {
            schema: SUBJECT_SCHEMA,
            generated_at: export.generated_at,
            reference,
            answered_on: export.generated_at.day(),
            language,
            search_complete: export.scan.complete,
            asked_about: export
                .identifiers
                .iter()
                .map(|i| AskedAbout {
                    kind: match i.kind.as_str() {
                        "email" => &w.email,
                        "phone" => &w.phone,
                        _ => &w.text,
                    }
                    .clone(),
                    value: i.normalized.clone(),
                })
                .collect(),
            summary: summary.join(" "),
            kinds_of_data: kinds,
            records,
            records_under_review: under_review,
            information,
            words,
        }
    }
}

/// `1 record`, `3 records`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{subject_html, ExportIdentifier, ExportScan, FoundAt, SubjectPart};
    use serde_json::json;

    const AGENT_REDACTED: &str = "[one of our agents]";
    const OTHER_ADDRESS: &str = "[another e-mail address]";

    /// Internal strings the person's copy must never show.
    const AGENT_ID: &str = "2fabcff5bb132f1d2b4d7bf954e8a713";
    const AGENT_NAME: &str = "agent1@pizza.com";
    const FORBIDDEN: &[&str] = &[
        AGENT_ID,
        AGENT_NAME,
        "sipfs_secret_ks",
        "settings",
        "interaction-workspace",
        "dfa10a95-1501-4980-91d9-67753716341d",
        "fav-8b94d123",
        "recent-list",
        "rc-fa1185c2",
        "custom-contact",
        "$.",
        "json_path",
        "Other Person",
        "other.person@example.com",
        "010 7777",
    ];

    fn item(group: &str, owner: &str, key: &str, value: Value, not_shown: usize) -> ExportItem {
        ExportItem {
            table: "sipfs_secret_ks.settings".into(),
            owner_type: match owner {
                "user" => OwnerType::User,
                "contact_center" => OwnerType::ContactCenter,
                _ => OwnerType::Unknown,
            },
            user_id: (owner == "user").then(|| AGENT_ID.to_string()),
            user_name: (owner == "user").then(|| AGENT_NAME.to_string()),
            group: Some(group.into()),
            setting_key: key.into(),
            column: None,
            found_at: vec![FoundAt {
                json_path: Some("$.emailAddresses[0]".into()),
                identifier: 1,
                variant: "exact".into(),
                possible: false,
            }],
            value,
            possible_only: false,
            subject_records: vec![],
            entries_not_shown: not_shown,
            records_possible_only: 0,
            records_of_another_request: 0,
            others_withheld: 0,
            free_text: vec![],
        }
    }

    /// The subject's records of an item whose value is already the subject's part: a list
    /// setting's entries each, else the value (what `forgetme-findings` cuts).
    fn with_parts(mut items: Vec<ExportItem>) -> Vec<ExportItem> {
        for item in &mut items {
            if !item.subject_records.is_empty() {
                continue;
            }
            let parts: Vec<Value> = match item.value.get("entries") {
                Some(Value::Array(entries)) => entries.clone(),
                _ => vec![item.value.clone()],
            };
            item.subject_records = parts
                .into_iter()
                .map(|value| SubjectPart { value, withheld: 0 })
                .collect();
        }
        items
    }

    fn export(items: Vec<ExportItem>, complete: bool) -> AccessExport {
        let items = with_parts(items);
        AccessExport::new(
            "sipfs_secret_ks".into(),
            vec![
                ExportIdentifier {
                    index: 1,
                    kind: "email".into(),
                    normalized: "john.smith@pizza.com".into(),
                },
                ExportIdentifier {
                    index: 2,
                    kind: "phone".into(),
                    normalized: "+15550100001".into(),
                },
            ],
            ExportScan {
                complete,
                tables: vec!["sipfs_secret_ks.settings".into()],
                ranges: 4,
                rows: 10,
                unread_ranges: usize::from(!complete),
            },
            items,
        )
    }

    /// The seeder's shapes (crates/gws-emulator/src/seed.rs), as item 1 cuts them.
    fn seeded_items() -> Vec<ExportItem> {
        vec![
            item(
                "interaction-workspace-personal-favorites",
                "user",
                "dfa10a95-1501-4980-91d9-67753716341d",
                json!({"type": "custom-contact", "id": "dfa10a95-1501-4980-91d9-67753716341d",
                    "firstName": "John", "lastName": "Smith", "phoneNumbers": ["+44 20 7946 0147"],
                    "emailAddresses": ["John.Smith@Pizza.COM"], "favoriteDisplayName": "John Smith",
                    "category": "Customers"}),
                0,
            ),
            item(
                "interaction-workspace-personal-favorites",
                "user",
                "fav-8b94d123",
                json!({"id": "fav-8b94d123", "displayName": "John Smith", "firstName": "John",
                    "lastName": "Smith", "category": "VIP", "emailAddresses": [],
                    "phoneNumbers": ["(312) 555-0152", "+1 (555) 010-0001"]}),
                0,
            ),
            item(
                "interaction-workspace-recents",
                "user",
                "recent-list",
                json!({"name": "recent-list", "entries": [{"displayName": "John Smith",
                    "phoneNumber": "(555) 010-0001", "lastUsed": "2024-01-24T06:03:52Z"}]}),
                8,
            ),
            item(
                "interaction-workspace-recent-contacts",
                "user",
                "rc-fa1185c2",
                json!({"id": "rc-fa1185c2", "displayName": "John Smith",
                    "emailAddress": "John Smith <john.smith@pizza.com>", "lastUsed": "2024-01-06T20:10:08Z",
                    "mediaType": "voice", "phoneNumber": "555.010.0001"}),
                0,
            ),
            item(
                "interaction-workspace-corporate-favorites",
                "contact_center",
                "corp-4fefe9a0",
                json!({"id": "corp-4fefe9a0", "displayName": "John Smith (key account)",
                    "category": "Corporate", "emailAddresses": ["john.smith@pizza.com"],
                    "phoneNumbers": ["+15550100001"]}),
                0,
            ),
        ]
    }

    fn detail<'a>(r: &'a Record, label: &str) -> Option<&'a Vec<String>> {
        r.details
            .iter()
            .chain(&r.dates)
            .find(|d| d.label == label)
            .map(|d| &d.values)
    }

    #[test]
    fn each_seeded_shape_becomes_a_plain_record_of_its_kind() {
        let copy = SubjectCopy::from_export(&export(seeded_items(), true), &CopyFor::default());
        let kinds: Vec<RecordKind> = copy.records.iter().map(|r| r.kind).collect();
        use RecordKind::*;
        assert_eq!(
            kinds,
            [
                PersonalFavorite,
                PersonalFavorite,
                RecentContact,
                RecentContact,
                CorporateFavorite
            ]
        );
        // Workspace's custom-contact favorite: names, both contact points, its category; not its
        // type or id.
        let fav = copy
            .records
            .iter()
            .find(|r| detail(r, EMAIL).is_some_and(|v| v[0] == "John.Smith@Pizza.COM"))
            .unwrap();
        assert_eq!(detail(fav, NAME).unwrap(), &["John Smith"]);
        assert_eq!(detail(fav, FIRST_NAME).unwrap(), &["John"]);
        assert_eq!(detail(fav, PHONE).unwrap(), &["+44 20 7946 0147"]);
        assert_eq!(detail(fav, CATEGORY).unwrap(), &["Customers"]);
        assert!(detail(fav, OTHER).is_none(), "{fav:?}");
        // Recent contacts, newest first, with their date read as a person reads it.
        let recents: Vec<&Record> = copy
            .records
            .iter()
            .filter(|r| r.kind == RecentContact)
            .collect();
        assert_eq!(
            detail(recents[0], LAST_USED).unwrap(),
            &["24 January 2024, 06:03 UTC"]
        );
        assert!(
            recents[0].in_shared_list,
            "the list's other entries are said to be left out"
        );
        assert_eq!(detail(recents[1], CHANNEL).unwrap(), &["phone call"]);
        assert_eq!(
            detail(recents[1], LAST_USED).unwrap(),
            &["6 January 2024, 20:10 UTC"]
        );
        assert!(!recents[1].in_shared_list);
        assert_eq!(
            copy.kinds_of_data,
            [
                "name",
                "first name",
                "last name",
                "e-mail address",
                "phone number",
                "category",
                "how we were in contact",
                "when a record was used or saved"
            ]
        );
        assert!(
            copy.summary
                .contains("found 5 records that hold your details"),
            "{}",
            copy.summary
        );
    }

    #[test]
    fn nothing_internal_reaches_the_copy_json_or_page() {
        let mut items = seeded_items();
        // Fields a real install might add: an agent's id and name inside the value, a nested id.
        items[3].value["agentId"] = json!("a-17");
        items[3].value["savedByUser"] = json!(AGENT_NAME);
        items[3].value["notes"] = json!(format!("called back by {AGENT_NAME} ({AGENT_ID})"));
        items[3].value["crmRef"] = json!("9f3c2a1b7d6e5f40");
        let copy = SubjectCopy::from_export(&export(items, true), &CopyFor::default());
        let json = serde_json::to_string(&copy).unwrap();
        let page = subject_html::render(&copy);
        for text in [&json, &page] {
            for f in FORBIDDEN {
                assert!(!text.contains(f), "{f} in {text}");
            }
            assert!(!text.contains("a-17"));
        }
        // No raw JSON on the page.
        assert!(!page.contains("{&quot;") && !page.contains("{\""), "{page}");
        // The note stays (it is about the person), with the agent taken out.
        assert!(page.contains(&format!(
            "called back by {AGENT_REDACTED} ({AGENT_REDACTED})"
        )));
    }

    #[test]
    fn a_field_with_an_internal_name_that_holds_the_identifier_is_kept() {
        let items = vec![item(
            "interaction-workspace-personal-favorites",
            "user",
            "k1",
            json!({"id": "k1", "userName": "John.Smith@pizza.com", "contactId": "0 555 010 0001"}),
            0,
        )];
        let copy = SubjectCopy::from_export(&export(items, true), &CopyFor::default());
        assert_eq!(
            detail(&copy.records[0], OTHER).unwrap(),
            &["0 555 010 0001", "John.Smith@pizza.com"]
        );
    }

    #[test]
    fn nested_contact_points_take_their_fields_label() {
        let items = vec![item(
            "my-favorites",
            "user",
            "k",
            json!({"displayName": "J", "phoneNumbers": [{"type": "mobile", "number": "+1 555 010 0001"}],
                   "created": 1_700_000_000_000_i64}),
            0,
        )];
        let copy = SubjectCopy::from_export(&export(items, true), &CopyFor::default());
        let r = &copy.records[0];
        assert_eq!(r.kind, RecordKind::PersonalFavorite);
        assert_eq!(detail(r, PHONE).unwrap(), &["+1 555 010 0001"]);
        assert_eq!(detail(r, SAVED).unwrap(), &["14 November 2023, 22:13 UTC"]);
        assert!(detail(r, OTHER).is_none(), "{r:?}");
    }

    #[test]
    fn a_note_keeps_the_subjects_address_and_hides_everyone_elses() {
        let items = vec![item(
            "interaction-workspace-personal-favorites",
            "contact_center",
            "k",
            json!({"emailAddresses": ["john.smith@pizza.com"],
                   "notes": "Write to John.Smith@Pizza.com, cc his wife (mary@example.org) or agent7@pizza.com."}),
            0,
        )];
        let copy = SubjectCopy::from_export(&export(items, true), &CopyFor::default());
        assert_eq!(
            detail(&copy.records[0], NOTE).unwrap(),
            &[format!(
                "Write to John.Smith@Pizza.com, cc his wife ({OTHER_ADDRESS}) or {OTHER_ADDRESS}."
            )]
        );
    }

    #[test]
    fn ids_are_told_from_words() {
        for id in [
            "dfa10a95-1501-4980-91d9-67753716341d",
            "fav-8b94d123",
            "9f3c2a1b7d6e5f40",
        ] {
            assert!(looks_like_id(id), "{id}");
        }
        for text in ["Customers", "decade", "call back on Friday", "VIP-2024"] {
            assert!(!looks_like_id(text), "{text}");
        }
    }

    #[test]
    fn an_incomplete_search_or_nothing_found_is_said_in_plain_words() {
        let copy = SubjectCopy::from_export(&export(vec![], true), &CopyFor::default());
        assert!(copy.summary.contains("found none"), "{}", copy.summary);
        let copy = SubjectCopy::from_export(&export(vec![], false), &CopyFor::default());
        assert!(copy.summary.contains("NOT complete"), "{}", copy.summary);
        assert!(!copy.summary.contains("found none"));
        assert!(subject_html::render(&copy).contains("id=\"incomplete\""));
    }

    /// A German copy: labels, dates, the channel, the kinds of data, the summary, the
    /// withheld marker and the agent's stand-in in German; the reference and the day kept.
    #[test]
    fn a_german_copy_says_everything_of_its_own_in_german() {
        let mut items = seeded_items();
        items[3].value["notes"] = json!(format!("called back by {AGENT_ID}"));
        items[3].value["handledBy"] = json!(crate::WITHHELD);
        let request = CopyFor {
            reference: Some("DSR-2026-0042"),
            language: Language::De,
            information: None,
        };
        let copy = SubjectCopy::from_export(&export(items, true), &request);
        assert_eq!(copy.language, Language::De);
        assert_eq!(copy.reference.as_deref(), Some("DSR-2026-0042"));
        assert_eq!(copy.answered_on, &copy.generated_at.to_string()[..10]);
        let recent = copy
            .records
            .iter()
            .find(|r| r.kind == RecordKind::RecentContact && !r.in_shared_list)
            .unwrap();
        let value = |label: &str| {
            recent
                .details
                .iter()
                .chain(&recent.dates)
                .find(|d| d.label == label)
                .map(|d| d.values.clone())
        };
        assert_eq!(value("Wie wir in Kontakt waren").unwrap(), ["Anruf"]);
        assert_eq!(
            value("Zuletzt genutzt").unwrap(),
            ["6. Januar 2024, 20:10 UTC"]
        );
        assert_eq!(
            value("Notiz").unwrap(),
            ["called back by [eine Mitarbeiterin oder ein Mitarbeiter]"]
        );
        assert_eq!(
            value("Weitere Angabe").unwrap(),
            ["(zurückgehalten: Daten einer anderen Person)"]
        );
        assert_eq!(copy.asked_about[0].kind, "E-Mail-Adresse");
        assert!(copy.kinds_of_data.contains(&"Telefonnummer".to_string()));
        assert!(
            copy.summary.contains("5 Einträge gefunden"),
            "{}",
            copy.summary
        );
        // A reference that breaks the reference rule is never shown.
        let request = CopyFor {
            reference: Some("john.smith@pizza.com"),
            ..request
        };
        let copy = SubjectCopy::from_export(&export(vec![], true), &request);
        assert_eq!(copy.reference, None);
    }
}
