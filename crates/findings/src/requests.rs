//! A batch of privacy requests: many data subjects searched in one scan, each answered on
//! its own.
//!
//! A request file (JSON Lines or CSV, docs/requests.md) names, per line, one request: its id,
//! the identifiers of one person, optionally a region for their national numbers, the date
//! it was received and the language of the person's copy, and what to do (`search`, `export` or `erase`). [`parse_requests`] checks
//! every line before anything is read, and refuses the whole file with each bad line's
//! number. After the one scan, [`split_outcome`] gives each request the hits of its own
//! identifiers only: one person's data never reaches another request's files.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use forgetme_access_export::words::Language;
use forgetme_audit::CaseRef;
use forgetme_matcher::{parse_identifier, Identifier, Matcher, ParseOptions, Region};
use serde::Deserialize;

use crate::found::{MatchTotals, OwnerType, SearchOutcome};

/// What a request asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestAction {
    /// Find and report only.
    Search,
    /// Find, report, and write the access export (Art. 15).
    Export,
    /// Find, report, write the access export, and erase (Art. 17) when the run erases.
    Erase,
}

impl RequestAction {
    fn parse(text: &str) -> Option<RequestAction> {
        match text.trim().to_ascii_lowercase().as_str() {
            "search" => Some(RequestAction::Search),
            "export" => Some(RequestAction::Export),
            "erase" => Some(RequestAction::Erase),
            _ => None,
        }
    }

    /// As written in a request file.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestAction::Search => "search",
            RequestAction::Export => "export",
            RequestAction::Erase => "erase",
        }
    }

    /// Whether the request gets an access export.
    pub fn exports(self) -> bool {
        self != RequestAction::Search
    }
}

/// One checked request.
#[derive(Clone, Debug)]
pub struct Request {
    /// Line of the request file (from 1).
    pub line: usize,
    /// The request's reference (a ticket number, never an identifier).
    pub id: CaseRef,
    /// The name of its output folder: the id with anything but letters, digits, `-`, `_`
    /// and `.` replaced by `_`.
    pub folder: String,
    /// The person's identifiers, parsed.
    pub identifiers: Vec<Identifier>,
    /// The region this request's own national-format identifiers are read in (its `region`,
    /// else `--default-region`). It reads nothing else: like a per-identifier region
    /// (`IE:087…`), it says where the person's numbers are from, not where the numbers
    /// agents stored are from.
    pub region: Option<Region>,
    /// The region stored national numbers are read in: the run's `--default-region`, the
    /// same for every request of the batch (see [`Request::matcher`]).
    pub stored_region: Option<Region>,
    /// When the request was received (`YYYY-MM-DD`), if given.
    pub received: Option<String>,
    /// The language of the person's copy (`en` when not given).
    pub language: Language,
    /// What to do.
    pub action: RequestAction,
}

impl Request {
    /// The matcher this request's answer is built with: its own identifiers, and stored
    /// national numbers read with the run's `--default-region` ([`Request::stored_region`]).
    /// Never with the request's `region`: a London requester's region would read a US
    /// stranger's stored `(207) 946-0958` as `+44 20 7946 0958`, an exact match of the
    /// requester, and erase it.
    pub fn matcher(&self) -> Matcher {
        Matcher::new(self.identifiers.clone(), self.stored_region)
    }
}

/// A bad line of a request file. Its message never holds an identifier.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestError {
    /// Line of the request file (from 1; 0 for the file as a whole).
    pub line: usize,
    /// What is wrong and how to fix it.
    pub message: String,
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "line {}: {}", self.line, self.message)
        }
    }
}

/// How a request file is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestFormat {
    /// One JSON object per line.
    JsonLines,
    /// A header line `id,identifiers,region,received,language,action` (region, received and
    /// language may be left out), then one request per line;
    /// several identifiers are separated by `;`.
    Csv,
}

impl RequestFormat {
    /// By the file name's extension (`.csv`; `.jsonl`, `.ndjson`, `.json`), else by the first
    /// line (`{` starts JSON Lines).
    pub fn detect(file_name: &str, text: &str) -> RequestFormat {
        let lower = file_name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            return RequestFormat::Csv;
        }
        if lower.ends_with(".jsonl") || lower.ends_with(".ndjson") || lower.ends_with(".json") {
            return RequestFormat::JsonLines;
        }
        match text.lines().map(str::trim).find(|l| !l.is_empty()) {
            Some(l) if l.starts_with('{') => RequestFormat::JsonLines,
            _ => RequestFormat::Csv,
        }
    }
}

/// Most requests in one file.
pub const MAX_REQUESTS: usize = 10_000;
/// At most this many bad lines are listed; the rest are counted.
const MAX_ERRORS_LISTED: usize = 20;

/// One line as written, before checks.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRequest {
    id: String,
    identifiers: Vec<String>,
    #[serde(default)]
    region: Option<String>,
    #[serde(default)]
    received: Option<String>,
    #[serde(default)]
    language: Option<String>,
    action: String,
}

/// The refusal of a case or request id holding an identifier (`{what}` names which).
pub const REFERENCE_HOLDS_IDENTIFIER: &str = "{what} holds one of the identifiers searched for (a phone number's digits, an e-mail address or its local part, whatever letters or separators stand around them); a case or request id goes into the audit log, the receipt, the request ledger and folder names, and must never hold the person's identifiers: use the ticket number only, without the person's number or name";

/// The fewest letters and digits of an e-mail address's local part (or a text identifier) that
/// a reference is checked for: shorter ones (`ann`, `jo`) sit inside ordinary words and ticket
/// prefixes, and alone say little about whom they belong to.
pub const MIN_LOCAL_PART_IN_REFERENCE: usize = 5;

/// The fewest digits of a national significant number that a reference is checked for (the
/// E.164 digits, country code included, are always checked).
const MIN_NSN_IN_REFERENCE: usize = 6;

/// Whether a case or request id holds one of `identifiers` in any spelling, glued to letters
/// or not: the digits of a phone number's national significant number or of its E.164 form
/// among the reference's digits (whatever stands between them: `DSR5550100001`,
/// `case-555-010-0001`), or an e-mail address's local part (or a text identifier) among its
/// letters and digits (`DSRjohn.smith`, `DSR-JohnSmith`) once it has
/// [`MIN_LOCAL_PART_IN_REFERENCE`] of them. A reference goes into the audit log, the receipt,
/// the request ledger and folder names, none of which may hold the person's identifiers.
///
/// Deliberately wider than the matcher's idea of a match (which wants an identifier to stand
/// apart from letters and digits): a false refusal costs the operator a ticket number typed
/// again; a false pass puts the person's number into the evidence for good.
pub fn reference_holds_identifier(reference: &str, identifiers: &[Identifier]) -> bool {
    use forgetme_matcher::IdentifierKind;
    let digits: String = reference.chars().filter(char::is_ascii_digit).collect();
    let alnum: String = reference
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect();
    let lowered = reference.to_lowercase();
    identifiers.iter().any(|id| match id.kind() {
        IdentifierKind::Phone => id.phone().is_some_and(|p| {
            let nsn = p.national_significant_number();
            digits.contains(p.digits())
                || (nsn.len() >= MIN_NSN_IN_REFERENCE && digits.contains(nsn))
        }),
        IdentifierKind::Email | IdentifierKind::Text => {
            let text = id.normalized();
            let local = match id.kind() {
                IdentifierKind::Email => text.rsplit_once('@').map_or(text, |(l, _)| l),
                _ => text,
            };
            let local_alnum: String = local
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase)
                .collect();
            lowered.contains(text)
                || (local_alnum.chars().count() >= MIN_LOCAL_PART_IN_REFERENCE
                    && alnum.contains(&local_alnum))
        }
    })
}

/// `id` as a request's reference, if the audit log, the ledger and a folder name can hold it:
/// the `--case` rule ([`CaseRef`]), and not `.` or `..` (it names a folder).
pub fn request_id(id: &str) -> Result<CaseRef, String> {
    let id = CaseRef::new(id)?;
    if id == "." || id == ".." {
        return Err("a request id cannot be . or .. (it names the request's folder)".into());
    }
    Ok(id)
}

fn folder_of(id: &str) -> String {
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn check_date(text: &str) -> Result<String, String> {
    let t = text.trim();
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let today = time::OffsetDateTime::now_utc().date();
    match time::Date::parse(t, &format) {
        // Checked here, with every other field, before anything is read or changed: the
        // ledger refuses a request received in the future, and would refuse it only after
        // the batch's erasures were done.
        Ok(d) if t.len() == 10 && d > today => Err(format!(
            "`received` is in the future (today is {today}, UTC): give the date the request reached you"
        )),
        Ok(_) if t.len() == 10 => Ok(t.to_string()),
        _ => Err("`received` must be a date written YYYY-MM-DD (e.g. 2026-11-02)".into()),
    }
}

/// Reads the lines of a request file into raw requests, with their line numbers.
fn raw_lines(text: &str, format: RequestFormat) -> Vec<(usize, Result<RawRequest, String>)> {
    match format {
        RequestFormat::JsonLines => text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                let parsed = serde_json::from_str::<RawRequest>(l).map_err(|e| {
                    format!(
                        "not a request object ({}); write {{\"id\":\"DSR-1\",\"identifiers\":[\"...\"],\"action\":\"export\"}}",
                        classify_json_error(&e)
                    )
                });
                (i + 1, parsed)
            })
            .collect(),
        RequestFormat::Csv => csv_lines(text),
    }
}

/// A serde_json error without any of the input's text: serde's own message can quote a
/// value (`invalid type: string "ann@…"`), and an unknown field's name is the writer's text
/// too, so only a plain word-like field name is repeated.
fn classify_json_error(e: &serde_json::Error) -> String {
    let text = e.to_string();
    let field = |prefix: &str| {
        let name = text.strip_prefix(prefix)?.split('`').next()?;
        let plain = !name.is_empty()
            && name.len() <= 24
            && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_');
        Some(if plain {
            format!("{} `{name}`", prefix.trim_end_matches(" `"))
        } else {
            prefix.trim_end_matches(" `").to_string()
        })
    };
    if let Some(f) = field("unknown field `") {
        format!("{f}; the fields are id, identifiers, region, received, language, action")
    } else if let Some(f) = field("missing field `") {
        f
    } else {
        format!("{:?} error at column {}", e.classify(), e.column())
    }
}

/// The columns of a CSV request file.
const COLUMNS: [&str; 6] = [
    "id",
    "identifiers",
    "region",
    "received",
    "language",
    "action",
];

fn csv_lines(text: &str) -> Vec<(usize, Result<RawRequest, String>)> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header_error = |msg: String| vec![(1, Err(msg))];
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(_) => return header_error("the header line is not CSV".into()),
    };
    let mut columns: HashMap<String, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        let name = h.to_ascii_lowercase();
        if !COLUMNS.contains(&name.as_str()) {
            // A file without its header line has a request as its first line: its cells are
            // identifiers, so only a plain word-like column name is repeated.
            let plain = !h.is_empty()
                && h.len() <= 24
                && h.bytes().all(|b| b.is_ascii_alphabetic() || b == b'_');
            let shown = if plain {
                format!("unknown column {h:?}")
            } else {
                "an unknown column".to_string()
            };
            return header_error(format!(
                "{shown} in the header; the first line must name the columns: id, identifiers, region, received, language, action"
            ));
        }
        if columns.insert(name.clone(), i).is_some() {
            return header_error(format!("the column {name} appears twice in the header"));
        }
    }
    for required in ["id", "identifiers", "action"] {
        if !columns.contains_key(required) {
            return header_error(format!(
                "the header has no column {required}; the first line must name the columns, e.g. id,identifiers,region,received,action"
            ));
        }
    }
    let mut out = Vec::new();
    for record in reader.records() {
        match record {
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                out.push((line, Err("not a CSV line with as many fields as the header (quote a field that holds a comma)".into())));
            }
            Ok(r) => {
                let line = r.position().map(|p| p.line() as usize).unwrap_or(0);
                if r.iter().all(str::is_empty) {
                    continue;
                }
                let get = |name: &str| columns.get(name).and_then(|i| r.get(*i)).unwrap_or("");
                let opt = |name: &str| Some(get(name).to_string()).filter(|s| !s.is_empty());
                out.push((
                    line,
                    Ok(RawRequest {
                        id: get("id").to_string(),
                        identifiers: get("identifiers")
                            .split(';')
                            .map(str::trim)
                            .filter(|s| !s.is_empty())
                            .map(str::to_string)
                            .collect(),
                        region: opt("region"),
                        received: opt("received"),
                        language: opt("language"),
                        action: get("action").to_string(),
                    }),
                ));
            }
        }
    }
    out
}

/// Checks a whole request file. Every bad line is reported (the first twenty listed), and
/// one bad line refuses the file: a batch is run whole or not at all. `default_region` reads
/// the national numbers of requests that name no region; `allow_text` is `--match text`.
pub fn parse_requests(
    text: &str,
    format: RequestFormat,
    default_region: Option<Region>,
    allow_text: bool,
) -> Result<Vec<Request>, Vec<RequestError>> {
    let mut errors: Vec<RequestError> = Vec::new();
    let mut requests: Vec<Request> = Vec::new();
    for (line, raw) in raw_lines(text, format) {
        let err = |message: String| RequestError { line, message };
        let raw = match raw {
            Ok(r) => r,
            Err(message) => {
                errors.push(err(message));
                continue;
            }
        };
        let id = match request_id(raw.id.trim()) {
            Ok(id) => id,
            Err(e) => {
                errors.push(err(e));
                continue;
            }
        };
        let Some(action) = RequestAction::parse(&raw.action) else {
            errors.push(err("`action` must be search, export or erase".to_string()));
            continue;
        };
        let region = match raw.region.as_deref().map(str::trim) {
            None | Some("") => default_region,
            Some(code) => match Region::parse(code) {
                Some(r) => Some(r),
                None => {
                    errors.push(err(format!(
                        "`region` is not a supported region; use the ISO 3166-1 alpha-2 code of one of: {}",
                        Region::supported_codes()
                    )));
                    continue;
                }
            },
        };
        let received = match raw.received.as_deref() {
            None => None,
            Some(d) => match check_date(d) {
                Ok(d) => Some(d),
                Err(e) => {
                    errors.push(err(e));
                    continue;
                }
            },
        };
        let language = match raw.language.as_deref().map(str::trim) {
            None | Some("") => Language::default(),
            Some(code) => match Language::parse(code) {
                Some(l) => l,
                None => {
                    errors.push(err(format!(
                        "`language` must be one of {} (the language of the person's copy)",
                        Language::codes()
                    )));
                    continue;
                }
            },
        };
        if raw.identifiers.is_empty() {
            errors.push(err(
                "`identifiers` is empty; give the person's e-mail addresses and phone numbers"
                    .into(),
            ));
            continue;
        }
        let options = ParseOptions {
            default_region: region,
            allow_text,
        };
        let mut identifiers: Vec<Identifier> = Vec::new();
        let mut bad = false;
        for (n, text) in raw.identifiers.iter().enumerate() {
            match parse_identifier(text, &options) {
                Ok(id) => {
                    if !identifiers.contains(&id) {
                        identifiers.push(id);
                    }
                }
                Err(e) => {
                    errors.push(err(format!("identifier {} of the request: {e}", n + 1)));
                    bad = true;
                }
            }
        }
        if bad {
            continue;
        }
        let own = Matcher::new(identifiers.clone(), region);
        if own.is_match_text(&id) || reference_holds_identifier(&id, &identifiers) {
            errors.push(err(
                REFERENCE_HOLDS_IDENTIFIER.replace("{what}", "the request id")
            ));
            continue;
        }
        requests.push(Request {
            line,
            folder: folder_of(&id),
            id,
            identifiers,
            region,
            stored_region: default_region,
            received,
            language,
            action,
        });
    }
    if requests.is_empty() && errors.is_empty() {
        errors.push(RequestError {
            line: 0,
            message: "the request file holds no request".into(),
        });
    }
    if requests.len() > MAX_REQUESTS {
        errors.push(RequestError {
            line: 0,
            message: format!(
                "the request file holds {} requests, more than {MAX_REQUESTS}: split it",
                requests.len()
            ),
        });
    }
    // Across lines: one id, one folder, and one request per identifier (an identifier in two
    // requests could not say whose data a hit is).
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let mut folders: HashMap<&str, usize> = HashMap::new();
    let mut owners: HashMap<&str, usize> = HashMap::new();
    for r in &requests {
        if let Some(first) = ids.insert(&r.id, r.line) {
            errors.push(RequestError {
                line: r.line,
                message: format!(
                    "the same request id as line {first}; give each request its own id"
                ),
            });
        } else if let Some(first) = folders.insert(&r.folder, r.line) {
            errors.push(RequestError {
                line: r.line,
                message: format!(
                    "its output folder {} is the same as line {first}'s (ids differing only in : / # share a folder); change one id",
                    r.folder
                ),
            });
        }
        for i in &r.identifiers {
            if let Some(first) = owners.insert(i.normalized(), r.line) {
                if first != r.line {
                    errors.push(RequestError {
                        line: r.line,
                        message: format!(
                            "an identifier of this request is also in the request of line {first}; one person's identifiers belong to one request (merge them, or run them apart)"
                        ),
                    });
                }
            }
        }
    }
    if errors.is_empty() {
        return Ok(requests);
    }
    errors.sort_by_key(|e| e.line);
    if errors.len() > MAX_ERRORS_LISTED {
        let more = errors.len() - MAX_ERRORS_LISTED;
        errors.truncate(MAX_ERRORS_LISTED);
        errors.push(RequestError {
            line: 0,
            message: format!("... and {more} more bad line(s)"),
        });
    }
    Err(errors)
}

/// Every request's identifiers, in request order: the one list the batch's scan searches.
/// `owner[i]` says which request (and which of its identifiers) identifier `i` is.
pub fn batch_identifiers(requests: &[Request]) -> (Vec<Identifier>, Vec<(usize, usize)>) {
    let mut all = Vec::new();
    let mut owner = Vec::new();
    for (r, req) in requests.iter().enumerate() {
        for (local, id) in req.identifiers.iter().enumerate() {
            all.push(id.clone());
            owner.push((r, local));
        }
    }
    (all, owner)
}

/// Splits one batch search into one outcome per request: each holds only the hits of its own
/// identifiers (renumbered as that request's), the stored values those hits are in, and
/// counts over them. What the scan read (tables, rows, unread ranges, which copies) is the
/// same for every request: a range left unread could hold anyone's data.
///
/// Refused when the batch's listing was cut short (more settings matched than listed): the
/// hits not listed cannot be given to their request.
pub fn split_outcome(
    outcome: &SearchOutcome,
    owner: &[(usize, usize)],
    requests: usize,
) -> Result<Vec<SearchOutcome>, String> {
    if outcome.truncated() {
        return Err(format!(
            "the batch's search matched {} settings and only {} are listed, so its hits cannot all be given to their requests; raise --max-listed",
            outcome.totals.settings, outcome.totals.listed_settings
        ));
    }
    let mut split: Vec<SearchOutcome> = (0..requests)
        .map(|_| SearchOutcome {
            tables: outcome.tables.clone(),
            ranges: outcome.ranges,
            rows: outcome.rows,
            failed: outcome.failed.clone(),
            warnings: outcome.warnings.clone(),
            elapsed: outcome.elapsed,
            coverage: outcome.coverage.clone(),
            ..SearchOutcome::default()
        })
        .collect();
    for f in &outcome.found {
        let Some(&(r, local)) = owner.get(f.identifier) else {
            return Err(format!(
                "hit of identifier #{} of no request",
                f.identifier + 1
            ));
        };
        let mut mine = f.clone();
        mine.identifier = local;
        split[r].found.push(mine);
    }
    for part in &mut split {
        let keys: BTreeSet<_> = part.found.iter().map(|f| f.value_key()).collect();
        part.values = keys
            .iter()
            .filter_map(|k| outcome.values.get(k).map(|v| (k.clone(), v.clone())))
            .collect::<BTreeMap<_, _>>();
        let agents: BTreeSet<&str> = part
            .found
            .iter()
            .filter(|f| f.owner_type == OwnerType::User)
            .filter_map(|f| f.user_id.as_deref())
            .collect();
        part.totals = MatchTotals {
            hits: part.found.len() as u64,
            settings: keys.len() as u64,
            listed_settings: keys.len() as u64,
            agents: agents.len() as u64,
        };
    }
    Ok(split)
}

/// Matches a request's share of the batch search again with the request's own matcher
/// ([`Request::matcher`]: its identifiers, stored numbers read with the run's
/// `--default-region` as the batch's search read them), over the stored values the search
/// captured, so that each request's plan and export hold its own hits with their paths.
/// A request's `region` reads its own identifiers only, never the stored numbers, so a hit
/// the batch called possible stays possible. Values not captured keep their hits as found.
pub fn rematch(mut part: SearchOutcome, matcher: &Matcher) -> SearchOutcome {
    let mut found: Vec<crate::found::Found> = Vec::with_capacity(part.found.len());
    let mut done: BTreeSet<crate::found::ValueKey> = BTreeSet::new();
    let mut more_hits = BTreeMap::new();
    for f in &part.found {
        let key = f.value_key();
        let Some(value) = part.values.get(&key) else {
            found.push(f.clone());
            continue;
        };
        if !done.insert(key.clone()) {
            continue;
        }
        let (hits, more) = crate::search::keep_hits(
            matcher.match_bytes(value.as_bytes()).hits,
            |h| (h.identifier, h.variant.is_possible()),
            crate::search::MAX_HITS_PER_SETTING,
        );
        if more > 0 {
            more_hits.insert(key, more);
        }
        for hit in hits {
            let mut h = f.clone();
            h.identifier = hit.identifier;
            h.json_path = hit.path.map(|p| forgetme_matcher::redacted_path(&p));
            h.variant = hit.variant.as_str();
            h.possible = hit.variant.is_possible();
            found.push(h);
        }
    }
    found.sort();
    found.dedup();
    part.totals.hits = found.len() as u64 + more_hits.values().sum::<u64>();
    part.found = found;
    part.more_hits = more_hits;
    part
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::found::{Found, ValueKey};
    use forgetme_scanner::read::RawValue;
    use forgetme_scanner::TableName;

    fn parse(text: &str, format: RequestFormat) -> Result<Vec<Request>, Vec<RequestError>> {
        parse_requests(text, format, None, false)
    }

    #[test]
    fn a_reference_holding_an_identifier_glued_to_letters_is_refused() {
        let options = ParseOptions {
            default_region: Some(Region::parse("US").unwrap()),
            allow_text: false,
        };
        let ids: Vec<Identifier> = ["john.smith@pizza.com", "+1 555 010 0001"]
            .iter()
            .map(|t| parse_identifier(t, &options).unwrap())
            .collect();
        for bad in [
            "DSR5550100001",
            "case-5550100001",
            "DSR-15550100001",
            "T15550100001X",
            "DSR-555-010-0001",
            "DSR:555.010.0001",
            "DSRjohn.smith",
            "DSR-JohnSmith-1",
            "JOHN_SMITH",
        ] {
            assert!(reference_holds_identifier(bad, &ids), "{bad}");
        }
        for ok in [
            "DSR-2026-0042",
            "JIRA:PRIV/12#3",
            "smith-2026",
            "DSR-555-0042",
        ] {
            assert!(!reference_holds_identifier(ok, &ids), "{ok}");
        }
        // A batch's request ids go through the same check, against the request's own
        // identifiers; the message names neither the id nor the identifier.
        let text = [
            r#"{"id":"DSR5550100001","identifiers":["+1 555 010 0001"],"action":"search"}"#,
            r#"{"id":"case-john.smith","identifiers":["john.smith@pizza.com"],"action":"search"}"#,
            r#"{"id":"DSR-7","identifiers":["john.smith@pizza.com"],"action":"search"}"#,
        ]
        .join("\n");
        let errors = parse_requests(
            &text,
            RequestFormat::JsonLines,
            options.default_region,
            false,
        )
        .unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [1, 2], "{errors:?}");
        for e in &errors {
            let shown = e.to_string();
            assert!(
                shown.contains("must never hold the person's identifiers"),
                "{shown}"
            );
            assert!(
                !shown.contains("5550100001") && !shown.contains("smith"),
                "{shown}"
            );
        }
    }

    #[test]
    fn json_lines_and_csv_say_the_same() {
        let jsonl = r#"{"id":"DSR-1","identifiers":["ann@example.com","+44 20 7946 0001"],"received":"2026-11-02","action":"export"}

{"id":"DSR/2","identifiers":["087 123 4567"],"region":"IE","action":"erase"}
"#;
        let csv = "id,identifiers,region,received,action\nDSR-1,ann@example.com; +44 20 7946 0001,,2026-11-02,export\nDSR/2,087 123 4567,IE,,erase\n";
        for (text, format) in [(jsonl, RequestFormat::JsonLines), (csv, RequestFormat::Csv)] {
            let r = parse(text, format).unwrap();
            assert_eq!(r.len(), 2);
            assert_eq!(r[0].id, "DSR-1");
            assert_eq!(r[0].identifiers.len(), 2);
            assert_eq!(r[0].identifiers[1].normalized(), "+442079460001");
            assert_eq!(r[0].received.as_deref(), Some("2026-11-02"));
            assert_eq!(r[0].action, RequestAction::Export);
            assert_eq!(r[1].folder, "DSR_2");
            assert_eq!(r[1].identifiers[0].normalized(), "+353871234567");
            assert_eq!(r[1].action, RequestAction::Erase);
        }
        assert_eq!(r_lines(jsonl), [1, 3]);
    }

    fn r_lines(text: &str) -> Vec<usize> {
        parse(text, RequestFormat::JsonLines)
            .unwrap()
            .iter()
            .map(|r| r.line)
            .collect()
    }

    #[test]
    fn every_bad_line_is_named_and_no_message_holds_an_identifier() {
        let text = [
            r#"{"id":"A-1","identifiers":["ann@example.com"],"action":"export"}"#,
            r#"{"id":"A-2","identifiers":["bob@exa mple.com"],"action":"export"}"#,
            r#"{"id":"A-3","identifiers":["carl@example.com"],"action":"delete"}"#,
            r#"{"id":"A-4","identifiers":["dora@example.com"],"action":"export","note":"x"}"#,
            r#"{"id":"A-1","identifiers":["eve@example.com"],"action":"search"}"#,
            r#"{"id":"A-6","identifiers":["ann@example.com"],"action":"search"}"#,
            r#"{"id":"A-7","identifiers":["fay@example.com"],"received":"2026-02-30","action":"search"}"#,
            r#"{"id":"gus@example.com","identifiers":["gus@example.com"],"action":"search"}"#,
            r#"not json at all, hal@example.com"#,
        ]
        .join("\n");
        let errors = parse(&text, RequestFormat::JsonLines).unwrap_err();
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [2, 3, 4, 5, 6, 7, 8, 9], "{errors:?}");
        for e in &errors {
            let shown = e.to_string();
            // Each person's address, or its local part before the domain ("eve" alone is
            // in "never").
            for person in ["ann", "bob", "carl", "dora", "eve", "fay", "gus", "hal"] {
                assert!(!shown.contains(&format!("{person}@")), "{shown}");
                assert!(!shown.contains(&format!("{person}.")), "{shown}");
            }
        }
        assert!(errors[1].message.contains("search, export or erase"));
        assert!(errors[2].message.contains("unknown field `note`"));
        assert!(errors[3].message.contains("same request id as line 1"));
        assert!(errors[4].message.contains("request of line 1"));
    }

    /// A request received in the future is refused with the file's other checks, before
    /// anything is read or changed (the ledger would refuse it only after the erasures).
    #[test]
    fn a_received_date_in_the_future_is_refused_with_its_line() {
        let tomorrow = time::OffsetDateTime::now_utc().date().next_day().unwrap();
        let text = [
            r#"{"id":"A-1","identifiers":["ann@example.com"],"received":"2026-01-02","action":"erase"}"#.to_string(),
            format!(
                r#"{{"id":"A-2","identifiers":["bob@example.com"],"received":"{tomorrow}","action":"erase"}}"#
            ),
        ]
        .join("\n");
        let errors = parse(&text, RequestFormat::JsonLines).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].line, 2);
        assert!(errors[0].message.contains("in the future"), "{errors:?}");
    }

    #[test]
    fn the_language_of_the_copy_is_en_by_default_and_checked_with_its_line() {
        let jsonl = [
            r#"{"id":"L-1","identifiers":["ann@example.com"],"action":"export"}"#,
            r#"{"id":"L-2","identifiers":["bob@example.com"],"language":"de","action":"export"}"#,
            r#"{"id":"L-3","identifiers":["cem@example.com"],"language":"EN","action":"export"}"#,
        ]
        .join("\n");
        let csv = "id,identifiers,language,action\nL-1,ann@example.com,,export\nL-2,bob@example.com,de,export\nL-3,cem@example.com, EN ,export\n";
        for (text, format) in [
            (&jsonl[..], RequestFormat::JsonLines),
            (csv, RequestFormat::Csv),
        ] {
            let r = parse(text, format).unwrap();
            let languages: Vec<Language> = r.iter().map(|r| r.language).collect();
            assert_eq!(languages, [Language::En, Language::De, Language::En]);
        }
        let jsonl = [
            r#"{"id":"L-1","identifiers":["ann@example.com"],"language":"de","action":"export"}"#,
            r#"{"id":"L-2","identifiers":["bob@example.com"],"language":"fr","action":"export"}"#,
        ]
        .join("\n");
        let csv = "id,identifiers,language,action\nL-1,ann@example.com,de,export\nL-2,bob@example.com,deutsch,export\n";
        for (text, format, line) in [
            (&jsonl[..], RequestFormat::JsonLines, 2),
            (csv, RequestFormat::Csv, 3),
        ] {
            let e = parse(text, format).unwrap_err();
            assert_eq!(e.len(), 1, "{e:?}");
            assert_eq!(e[0].line, line);
            assert!(
                e[0].message.contains("`language` must be one of en, de"),
                "{e:?}"
            );
        }
    }

    #[test]
    fn a_csv_without_the_required_columns_is_refused() {
        let e = parse("id,identifiers\nA-1,ann@example.com\n", RequestFormat::Csv).unwrap_err();
        assert_eq!(e[0].line, 1);
        assert!(e[0].message.contains("no column action"));
        let e = parse(
            "id,identifiers,action,secret\nA-1,ann@example.com,search,x\n",
            RequestFormat::Csv,
        )
        .unwrap_err();
        assert!(e[0].message.contains("unknown column \"secret\""));
        // A file without its header: the first request's cells are never repeated.
        let e = parse(
            "ann@example.com,A-1,search\nbob@example.com,A-2,search\n",
            RequestFormat::Csv,
        )
        .unwrap_err();
        assert!(e[0].message.contains("an unknown column"), "{e:?}");
        assert!(!e[0].to_string().contains("ann"), "{e:?}");
    }

    #[test]
    fn ids_that_would_share_a_folder_are_refused() {
        let text =
            "id,identifiers,action\nA:1,ann@example.com,search\nA/1,bob@example.com,search\n";
        let e = parse(text, RequestFormat::Csv).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].line, 3);
        assert!(e[0].message.contains("same as line 2"));
    }

    #[test]
    fn the_format_is_told_by_the_name_or_the_first_line() {
        assert_eq!(RequestFormat::detect("r.csv", "{"), RequestFormat::Csv);
        assert_eq!(
            RequestFormat::detect("r.jsonl", "id"),
            RequestFormat::JsonLines
        );
        assert_eq!(
            RequestFormat::detect("r.txt", "\n {\"id\":1}"),
            RequestFormat::JsonLines
        );
        assert_eq!(
            RequestFormat::detect("r", "id,identifiers"),
            RequestFormat::Csv
        );
    }

    fn found(identifier: usize, key: &str, owner: &str) -> Found {
        Found {
            table: TableName::new("sipfs", "settings"),
            owner_type: OwnerType::User,
            user_id: Some(owner.into()),
            group: Some("interaction-workspace-recents".into()),
            setting_key: key.into(),
            column: None,
            json_path: Some(format!("$.entries[{identifier}].email")),
            identifier,
            variant: "exact",
            possible: false,
            deletable: true,
            row_key: vec![("setting_key".into(), RawValue(key.as_bytes().to_vec()))],
        }
    }

    /// Two people in one shared recents list: each request gets its own hit in it, renumbered,
    /// and the stored value once; a setting only the other holds is not in its outcome.
    #[test]
    fn each_request_gets_only_its_own_hits() {
        let text = "id,identifiers,action\nR-1,ann@example.com,export\nR-2,bob@example.com;+44 20 7946 0002,export\n";
        let requests = parse(text, RequestFormat::Csv).unwrap();
        let (all, owner) = batch_identifiers(&requests);
        assert_eq!(all.len(), 3);
        assert_eq!(owner, [(0, 0), (1, 0), (1, 1)]);
        let mut outcome = SearchOutcome {
            found: vec![
                found(0, "shared", "a1"),
                found(1, "shared", "a1"),
                found(2, "bob-only", "a2"),
            ],
            rows: 10,
            ..SearchOutcome::default()
        };
        for key in ["shared", "bob-only"] {
            let k = ValueKey {
                table: TableName::new("sipfs", "settings"),
                row_key: vec![("setting_key".into(), RawValue(key.as_bytes().to_vec()))],
                column: None,
            };
            outcome.values.insert(k, format!("value of {key}"));
        }
        outcome.totals = MatchTotals {
            hits: 3,
            settings: 2,
            listed_settings: 2,
            agents: 2,
        };
        let split = split_outcome(&outcome, &owner, 2).unwrap();
        assert_eq!(split[0].found.len(), 1);
        assert_eq!(split[0].found[0].identifier, 0);
        assert_eq!(split[0].values.len(), 1);
        assert!(split[0].values.values().all(|v| v == "value of shared"));
        assert_eq!(
            (
                split[0].totals.settings,
                split[0].totals.agents,
                split[0].rows
            ),
            (1, 1, 10)
        );
        assert_eq!(split[1].found.len(), 2);
        assert_eq!(
            split[1]
                .found
                .iter()
                .map(|f| f.identifier)
                .collect::<Vec<_>>(),
            [0, 1]
        );
        assert_eq!(split[1].values.len(), 2);
        assert_eq!(split[1].totals.agents, 2);

        outcome.totals.settings = 5;
        assert!(split_outcome(&outcome, &owner, 2).is_err());
    }

    /// Splits a batch search that found `value` once, as a possible match of identifier 0,
    /// and matches the request's share again with the request's own matcher.
    fn rematched(requests: &[Request], value: &str) -> SearchOutcome {
        let (_, owner) = batch_identifiers(requests);
        let mut f = found(0, "fav-1", "a1");
        f.possible = true;
        f.variant = "national-number";
        let key = f.value_key();
        let mut outcome = SearchOutcome {
            found: vec![f],
            ..SearchOutcome::default()
        };
        outcome.values.insert(key, value.to_string());
        outcome.totals.settings = 1;
        outcome.totals.listed_settings = 1;
        let part = split_outcome(&outcome, &owner, requests.len())
            .unwrap()
            .remove(0);
        rematch(part, &requests[0].matcher())
    }

    /// The hostile review's case: a London requester's international number and `region: GB`
    /// made a US stranger's stored `(207) 946-0958` (a Maine number) an exact match of the
    /// requester, to be erased. The request's region reads its own identifiers only; stored
    /// numbers are read with the run's `--default-region` (none here): a possible match.
    #[test]
    fn a_request_region_does_not_read_the_numbers_agents_stored() {
        let text = "id,identifiers,region,action
R-1,+44 20 7946 0958,GB,erase
";
        let requests = parse(text, RequestFormat::Csv).unwrap();
        assert_eq!(requests[0].region, Region::parse("GB"));
        assert_eq!(requests[0].stored_region, None);
        let value = r#"{"phoneNumbers":["(207) 946-0958"]}"#;
        let hits = requests[0].matcher().match_bytes(value.as_bytes()).hits;
        assert!(
            !hits.is_empty() && hits.iter().all(|h| h.variant.is_possible()),
            "{hits:?}"
        );
        let part = rematched(&requests, value);
        assert_eq!(part.found.len(), 1);
        assert!(part.found[0].possible, "{:?}", part.found[0]);
        assert_eq!(
            part.found[0].json_path.as_deref(),
            Some("$.phoneNumbers[0]")
        );
    }

    /// The request's region still reads the request's own national-format identifiers.
    #[test]
    fn a_request_region_reads_its_own_national_identifiers() {
        let text = "id,identifiers,region,action
R-1,020 7946 0958,GB,erase
";
        let requests = parse(text, RequestFormat::Csv).unwrap();
        assert_eq!(requests[0].identifiers[0].normalized(), "+442079460958");
        // A stored international spelling is exact; a stored national one, read with no
        // default region, is possible.
        let m = requests[0].matcher();
        let exact = m.match_bytes(br#"{"p":"+44 20 7946 0958"}"#).hits;
        assert!(exact.len() == 1 && !exact[0].variant.is_possible());
        let national = m.match_bytes(br#"{"p":"020 7946 0958"}"#).hits;
        assert!(national.len() == 1 && national[0].variant.is_possible());
    }

    /// Stored numbers are read with the run's `--default-region`, whatever each request's
    /// region: with `--default-region US`, a stored `(555) 010-0001` is exact for a US
    /// number's request, with or without a region of its own.
    #[test]
    fn stored_numbers_are_read_with_the_runs_default_region() {
        let text = "id,identifiers,region,action
R-1,+15550100001,GB,erase
R-2,+15550100002,,erase
";
        let requests =
            parse_requests(text, RequestFormat::Csv, Region::parse("US"), false).unwrap();
        for (request, stored) in requests.iter().zip(["(555) 010-0001", "(555) 010-0002"]) {
            assert_eq!(request.stored_region, Region::parse("US"));
            let value = format!(r#"{{"phoneNumbers":["{stored}"]}}"#);
            let hits = request.matcher().match_bytes(value.as_bytes()).hits;
            assert!(
                hits.len() == 1 && !hits[0].variant.is_possible(),
                "{}: {hits:?}",
                request.id
            );
        }
        assert_eq!(requests[1].region, Region::parse("US"));
        let part = rematched(&requests, r#"{"phoneNumbers":["(555) 010-0001"]}"#);
        assert_eq!(part.found.len(), 1);
        assert!(!part.found[0].possible, "{:?}", part.found[0]);
    }
}
