//! Finding any number of identifiers in text and in stored settings in one pass.
//!
//! The matcher does not search for each identifier in turn. It extracts what *could* be an
//! address or a phone number from the text (around each `@`, and each run of digits with
//! phone punctuation), normalizes each candidate once and looks it up in hash maps keyed by
//! normalized form. The cost of a value therefore depends on its size, not on how many
//! identifiers are searched for; text identifiers share one Aho-Corasick automaton.

use std::collections::HashMap;
use std::fmt;

use serde_json::Value;

use crate::email::{self, Spelling};
use crate::identifier::{Identifier, IdentifierKind};
use crate::json::{self, WalkError};
use crate::path::{JsonPath, PathSegment};
use crate::phone::{self, calling_code_digits, Dialled, DigitKey, DigitKeyBuildHasher, Region};
use crate::raw_filter::RawFilter;
use crate::respell;
use crate::tail_scan::{self, TailScan};
use crate::text::TextSearcher;

/// Nesting deeper than this is searched as text. It equals serde_json's recursion limit, so
/// every value searched as JSON here can also be parsed for erasure.
pub const MAX_JSON_DEPTH: usize = 128;

/// Values larger than this are searched as text. A Workspace setting is a few KiB; paths in
/// a multi-MiB value help nobody, and text search is linear and needs no stack.
pub const MAX_JSON_BYTES: usize = 4 * 1024 * 1024;

/// Which spelling of an identifier was found, so a report can say why it matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchVariant {
    /// Written exactly as the normalized identifier.
    Exact,
    /// The same e-mail address in other letter case.
    CaseInsensitive,
    /// The same e-mail address with its domain in Unicode instead of punycode.
    Idna,
    /// The same E.164 number spelled otherwise: punctuation, `(0)`, international prefix, or
    /// national format read with the default region.
    PhoneFormatted,
    /// The E.164 digits written without the `+` (or any international prefix), where the
    /// default region reads the same digits as no other national number.
    InternationalWithoutPlus,
    /// A national-format number equal to the identifier's national number (with or without
    /// trunk prefix) that the default region, if one is set, does not read as the
    /// identifier. It is the subject's number only if it was written in the identifier's
    /// country, which is not known, so this is weaker evidence than the other variants.
    NationalNumber,
    /// A text identifier found as a case-insensitive substring.
    Text,
    /// Found once an unusual spelling was undone: an encoded at-sign (`%40`, `&#64;`),
    /// invisible characters inside, fullwidth or Arabic-Indic digits (`docs/matching.md`).
    Respelled,
    /// An address that is the identifier only once the text up to a character that may be
    /// part of a local part (`'`, `=`, `/`, `?`...) is dropped: `o'neil@pizza.com` holds
    /// `neil@pizza.com` only if the `'` is a delimiter, which is a guess. A possible match.
    EmailAfterSymbol,
    /// The identifier's E.164 digits written without `+`, where they are also read as
    /// another number: as a national number of the default region (`15550100001` is a
    /// Chinese mobile in CN), or under any region's reading when no default region is set.
    /// Reading them as international is a guess. A possible match.
    AmbiguousWithoutPlus,
    /// The identifier's number followed by an extension (`+15550100001x23`,
    /// `… ext. 23`): the line behind the extension may be another person's (the subject's
    /// number may be a switchboard). A possible match.
    WithExtension,
    /// The identifier's number read in a part of a run of digits too long to be one number
    /// (`5550100001 5550100002`): where one number ends and the next starts is a guess. A
    /// possible match.
    SplitRun,
    /// The identifier's number read after one of two international prefixes of the default
    /// region that both fit and both leave a possible number (`008 62…` in Indonesia is
    /// `+62…` after `008` and `+86 2…` after `00`): which one was dialled is a guess. A
    /// possible match.
    AmbiguousPrefix,
}

impl MatchVariant {
    /// A stable kebab-case name for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchVariant::Exact => "exact",
            MatchVariant::CaseInsensitive => "case-insensitive",
            MatchVariant::Idna => "idna",
            MatchVariant::PhoneFormatted => "phone-formatted",
            MatchVariant::InternationalWithoutPlus => "international-without-plus",
            MatchVariant::NationalNumber => "national-number",
            MatchVariant::Text => "text",
            MatchVariant::Respelled => "respelled",
            MatchVariant::EmailAfterSymbol => "email-after-symbol",
            MatchVariant::AmbiguousWithoutPlus => "ambiguous-without-plus",
            MatchVariant::WithExtension => "with-extension",
            MatchVariant::SplitRun => "split-run",
            MatchVariant::AmbiguousPrefix => "ambiguous-prefix",
        }
    }
}

impl MatchVariant {
    /// Whether the hit depends on a guess: the number's country (a national number that
    /// is the subject's only under another reading than the default region's, or digits
    /// without `+` that may be national), where an address or a number starts or ends (an
    /// address after a symbol, a number with an extension, a part of a longer run). Such a
    /// *possible* match may be a stranger's, so it is reported but not erased unless the
    /// operator says so.
    pub fn is_possible(self) -> bool {
        matches!(
            self,
            MatchVariant::NationalNumber
                | MatchVariant::EmailAfterSymbol
                | MatchVariant::AmbiguousWithoutPlus
                | MatchVariant::WithExtension
                | MatchVariant::SplitRun
                | MatchVariant::AmbiguousPrefix
        )
    }

    /// `"possible"` or `"exact"`, the match kind shown in reports.
    pub fn kind(self) -> &'static str {
        if self.is_possible() {
            "possible"
        } else {
            "exact"
        }
    }
}

impl fmt::Display for MatchVariant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An identifier found in a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TextHit {
    /// Index of the identifier in the list given to [`Matcher::new`].
    pub identifier: usize,
    /// Which spelling matched.
    pub variant: MatchVariant,
}

/// An identifier found in a stored value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Hit {
    /// Index of the identifier in the list given to [`Matcher::new`].
    pub identifier: usize,
    /// Which spelling matched.
    pub variant: MatchVariant,
    /// Where in the JSON value; `None` when the value was searched as text.
    pub path: Option<JsonPath>,
}

/// Why a value was not searched as JSON, or was searched with a caveat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueWarning {
    /// The value is not JSON; it was searched as text.
    NotJson,
    /// The value nests containers deeper than the limit; it was searched as text.
    TooDeep {
        /// The limit, [`MAX_JSON_DEPTH`].
        limit: usize,
    },
    /// The value is larger than the limit; it was searched as text.
    TooLarge {
        /// The limit, [`MAX_JSON_BYTES`].
        limit: usize,
    },
    /// The bytes were not valid UTF-8; invalid sequences were replaced by U+FFFD.
    InvalidUtf8,
}

impl fmt::Display for ValueWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueWarning::NotJson => f.write_str("value is not JSON; searched as text"),
            ValueWarning::TooDeep { limit } => {
                write!(
                    f,
                    "value nests deeper than {limit} levels; searched as text"
                )
            }
            ValueWarning::TooLarge { limit } => {
                write!(f, "value is larger than {limit} bytes; searched as text")
            }
            ValueWarning::InvalidUtf8 => {
                f.write_str("value is not valid UTF-8; invalid bytes were replaced")
            }
        }
    }
}

/// The result of searching one stored value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValueMatches {
    /// Each identifier found, at most once per JSON location (or once in total for text).
    pub hits: Vec<Hit>,
    /// Whether the value was parsed as JSON. Also `false`, with no warning, when the
    /// value was not parsed because it cannot hold a hit (no `@` and no digit).
    pub parsed_as_json: bool,
    /// Set when the value was searched as text instead of JSON, or was not valid UTF-8.
    pub warning: Option<ValueWarning>,
}

impl ValueMatches {
    /// Whether any identifier was found.
    pub fn is_match(&self) -> bool {
        !self.hits.is_empty()
    }
}

/// Searches text and stored values for a fixed set of identifiers.
///
/// Build it once per run; it is `Send + Sync` and every method takes `&self`, so scanner
/// threads can share it.
#[derive(Debug, Clone)]
pub struct Matcher {
    identifiers: Vec<Identifier>,
    default_region: Option<Region>,
    /// Normalized address → identifiers.
    emails: HashMap<String, Vec<usize>>,
    /// E.164 digits → identifiers.
    phones: HashMap<DigitKey, Vec<usize>, DigitKeyBuildHasher>,
    /// National significant number, and trunk prefix + NSN → identifiers. A stored national
    /// number equal to one of these is the subject's if read in the identifier's country:
    /// a possible match whenever the default region (if any) did not already read it as the
    /// subject's.
    nationals: HashMap<DigitKey, Vec<usize>, DigitKeyBuildHasher>,
    /// The national spellings of the default region that the metadata rewrites into an
    /// identifier's number (Argentina's `011 15 2345-6789` for `+54 9 11 2345 6789`) →
    /// identifiers: exact matches, read as the default region reads them.
    rewritten: HashMap<DigitKey, Vec<usize>, DigitKeyBuildHasher>,
    text: Option<TextSearcher>,
    /// Cheap exclusion before the JSON walk, see [`Matcher::may_match`].
    /// Built on the first value searched: its automatons cost more to build than a small
    /// matcher's maps, and a batch builds a matcher per request that may search no value.
    prefilter: std::sync::OnceLock<Prefilter>,
    /// The last [`Matcher::phone_tail_digits`] digits of every phone identifier's national
    /// significant number: what any phone hit leaves at the end of a run's digits.
    phone_tails: std::collections::HashSet<DigitKey, DigitKeyBuildHasher>,
    /// How many trailing digits [`Matcher::phone_tails`] holds: [`PHONE_TAIL_DIGITS`], or
    /// fewer when an identifier's national number is shorter.
    phone_tail_digits: usize,
    /// The e-mail identifiers' domains (ASCII, lower case): an address is looked up in full
    /// only when its domain is one of these.
    email_domains: std::collections::HashSet<String, foldhash::fast::FixedState>,
}

/// What any hit must leave in the raw text, searched for before a value is parsed.
///
/// In a value that is pure ASCII and has no backslash (so no JSON escape can hide a
/// character), an e-mail hit needs the identifier's domain written out (in any letter case),
/// and a phone hit needs the tail of the identifier's national significant number among the
/// value's digits once everything else is dropped (punctuation, `(0)`, prefixes only ever come
/// before it). Values that hold neither are not parsed at all. Anything else (non-ASCII
/// text, escapes) takes the full path, so the filter never hides a hit.
///
/// The filter pays for itself only when most values fail it. When the data makes it pass
/// most values anyway (many identifiers sharing a domain or a number range with the data),
/// (more than a quarter of a sample) it switches itself off, so it never costs more than a
/// few thousand checks.
///
/// The scan itself, one pass over the bytes, is [`RawFilter`].
#[derive(Debug, Clone, Default)]
struct Prefilter {
    /// The scan; `None` when some e-mail or phone identifier is not covered by it (then
    /// every value passes).
    filter: Option<RawFilter>,
    /// How selective the filter turned out to be; shared by all clones of the matcher.
    stats: std::sync::Arc<PrefilterStats>,
}

/// More distinct domains or number tails than this, and the filter is not built.
const PREFILTER_MAX_PATTERNS: usize = 16;

/// Counters of the first values checked, and whether the filter gave up.
#[derive(Debug, Default)]
struct PrefilterStats {
    checked: std::sync::atomic::AtomicU64,
    passed: std::sync::atomic::AtomicU64,
    off: std::sync::atomic::AtomicBool,
}

/// Values checked before the filter decides whether it is worth keeping.
const PREFILTER_SAMPLE: u64 = 4096;

/// How many trailing digits of a national significant number the prefilter looks for.
const PHONE_TAIL_DIGITS: usize = 7;

impl Prefilter {
    fn new(identifiers: &[Identifier], tail_digits: usize) -> Prefilter {
        let mut domains = Vec::new();
        let mut tails = Vec::new();
        for id in identifiers {
            match id.kind() {
                IdentifierKind::Email => {
                    if let Some((_, domain)) = id.normalized().rsplit_once('@') {
                        domains.push(domain.to_string());
                    }
                }
                IdentifierKind::Phone => {
                    if let Some(number) = id.phone() {
                        let nsn = number.national_significant_number();
                        tails.push(nsn[nsn.len().saturating_sub(tail_digits)..].to_string());
                    }
                }
                IdentifierKind::Text => {}
            }
        }
        // A filter over many patterns is both less selective and slower than the walk it
        // would save (measured with 1,000 identifiers): it serves the usual request of one
        // or a few subjects. A kind of identifier without its filter would pass every value,
        // which makes the whole filter pointless.
        let distinct = |mut patterns: Vec<String>| {
            patterns.sort();
            patterns.dedup();
            (patterns.len() <= PREFILTER_MAX_PATTERNS).then_some(patterns)
        };
        let filter = match (distinct(domains), distinct(tails)) {
            (Some(domains), Some(tails)) => RawFilter::new(domains, tails),
            _ => None,
        };
        Prefilter {
            filter,
            stats: Default::default(),
        }
    }

    /// `false` only when no e-mail or phone identifier can be in `raw`.
    fn may_match(&self, raw: &[u8]) -> bool {
        use std::sync::atomic::Ordering::Relaxed;
        let Some(filter) = &self.filter else {
            return true;
        };
        if self.stats.off.load(Relaxed) {
            return true;
        }
        let pass = filter.passes(raw);
        if self.stats.checked.load(Relaxed) < PREFILTER_SAMPLE {
            let checked = self.stats.checked.fetch_add(1, Relaxed) + 1;
            let passed = self.stats.passed.fetch_add(u64::from(pass), Relaxed) + u64::from(pass);
            if checked == PREFILTER_SAMPLE && passed * 4 > checked {
                self.stats.off.store(true, Relaxed);
            }
        }
        pass
    }
}

/// Identifiers already reported for the current text, so each is reported once per text,
/// and the possible matches held back until the whole text is read: an exact match anywhere
/// in the text wins over a possible one. Allocates only when something is found.
#[derive(Default)]
struct Reported {
    ids: Vec<usize>,
    /// Each identifier with a possible match not reported yet, and the first such variant.
    possible: Vec<(usize, MatchVariant)>,
}

impl Reported {
    /// Records `id`; returns whether it is new.
    fn insert(&mut self, id: usize) -> bool {
        if self.ids.contains(&id) {
            false
        } else {
            self.ids.push(id);
            true
        }
    }

    /// Holds a possible match of `id` back, unless `id` is already reported.
    fn defer_possible(&mut self, id: usize, variant: MatchVariant) {
        if !self.ids.contains(&id) && !self.possible.iter().any(|&(p, _)| p == id) {
            self.possible.push((id, variant));
        }
    }

    fn clear(&mut self) {
        self.ids.clear();
        self.possible.clear();
    }
}

impl Matcher {
    /// Indexes `identifiers` for matching. `default_region` says how national-format numbers
    /// in stored values are read; without it they match an identifier's national number
    /// ([`MatchVariant::NationalNumber`]).
    pub fn new(identifiers: Vec<Identifier>, default_region: Option<Region>) -> Matcher {
        let mut emails: HashMap<String, Vec<usize>> = HashMap::new();
        let mut phones: HashMap<DigitKey, Vec<usize>, DigitKeyBuildHasher> = HashMap::default();
        let mut nationals: HashMap<DigitKey, Vec<usize>, DigitKeyBuildHasher> = HashMap::default();
        let mut rewritten: HashMap<DigitKey, Vec<usize>, DigitKeyBuildHasher> = HashMap::default();
        // The fewest digits a rewritten spelling keeps of a national number: the candidate
        // pass looks for no more than these at the end of a run.
        let mut shortest_rest = PHONE_TAIL_DIGITS;
        let mut texts = Vec::new();
        for (id, identifier) in identifiers.iter().enumerate() {
            match identifier.kind() {
                IdentifierKind::Email => emails
                    .entry(identifier.normalized().to_string())
                    .or_default()
                    .push(id),
                IdentifierKind::Text => texts.push(id),
                IdentifierKind::Phone => {
                    let number = identifier
                        .phone()
                        .expect("phone identifiers carry their number");
                    let key = DigitKey::of(&[number.digits().as_bytes()])
                        .expect("E.164 has at most 15 digits");
                    phones.entry(key).or_default().push(id);
                    let nsn = number.national_significant_number().as_bytes();
                    let mut keys = vec![DigitKey::of(&[nsn])];
                    // Every trunk prefix of every region of the calling code (`8 0…` in
                    // Belarus, `0…` in the UK and in Jersey), and every national spelling its
                    // metadata rewrites into the number (`011 15…` in Argentina).
                    for region in Region::sharing_calling_code(number.calling_code()) {
                        for trunk in region.trunk_prefixes() {
                            keys.push(DigitKey::of(&[trunk.as_bytes(), nsn]));
                        }
                        for (spelling, rest) in rewritten_spellings(region, nsn) {
                            shortest_rest = shortest_rest.min(rest);
                            keys.push(spelling);
                            if default_region == Some(region) {
                                rewritten
                                    .entry(spelling.expect("checked"))
                                    .or_default()
                                    .push(id);
                            }
                        }
                    }
                    for key in keys.into_iter().flatten() {
                        let ids = nationals.entry(key).or_default();
                        if !ids.contains(&id) {
                            ids.push(id);
                        }
                    }
                }
            }
        }
        let text = TextSearcher::new(
            texts
                .iter()
                .map(|&id| (id, identifiers[id].normalized()))
                .collect(),
        );
        let prefilter = std::sync::OnceLock::new();
        let email_domains = emails
            .keys()
            .filter_map(|address| address.rsplit_once('@'))
            .map(|(_, domain)| domain.to_string())
            .collect();
        let nsns: Vec<&str> = identifiers
            .iter()
            .filter_map(Identifier::phone)
            .map(|number| number.national_significant_number())
            .collect();
        let phone_tail_digits = nsns
            .iter()
            .map(|nsn| nsn.len())
            .min()
            .unwrap_or(PHONE_TAIL_DIGITS)
            .min(shortest_rest);
        let phone_tails = nsns
            .iter()
            .filter_map(|nsn| DigitKey::of(&[&nsn.as_bytes()[nsn.len() - phone_tail_digits..]]))
            .collect();
        Matcher {
            identifiers,
            default_region,
            emails,
            phones,
            nationals,
            rewritten,
            text,
            prefilter,
            phone_tails,
            phone_tail_digits,
            email_domains,
        }
    }

    /// The identifiers, in the order given; [`TextHit::identifier`] indexes this.
    pub fn identifiers(&self) -> &[Identifier] {
        &self.identifiers
    }

    /// The region national-format numbers are read in.
    pub fn default_region(&self) -> Option<Region> {
        self.default_region
    }

    /// Calls `sink` for each identifier found in `text`, once per identifier.
    pub fn match_text(&self, text: &str, sink: &mut impl FnMut(TextHit)) {
        let mut reported = Reported::default();
        self.match_text_once(text, &mut reported, sink);
    }

    /// Whether any identifier occurs in `text`.
    pub fn is_match_text(&self, text: &str) -> bool {
        let mut found = false;
        self.match_text(text, &mut |_| found = true);
        found
    }

    /// The core of [`Matcher::match_text`], with the set of already reported identifiers
    /// passed in so that one allocation serves many texts.
    fn match_text_once(&self, text: &str, reported: &mut Reported, sink: &mut impl FnMut(TextHit)) {
        reported.clear();
        self.match_spelling(text, reported, sink, false);
        // A second look, only at text with an unusual spelling (allocates only then).
        if let Some(copy) = respell::respelled(text) {
            self.match_spelling(&copy, reported, sink, true);
        }
        // Possible matches of identifiers that no exact match of this text reported.
        for i in 0..reported.possible.len() {
            let (identifier, variant) = reported.possible[i];
            if reported.insert(identifier) {
                sink(TextHit {
                    identifier,
                    variant,
                });
            }
        }
    }

    /// Matches one spelling of a text; hits of a respelled copy are reported as
    /// [`MatchVariant::Respelled`] (possible matches stay possible).
    fn match_spelling(
        &self,
        text: &str,
        reported: &mut Reported,
        sink: &mut impl FnMut(TextHit),
        respelled: bool,
    ) {
        let mut report = |identifier: usize, variant: MatchVariant| {
            if variant.is_possible() {
                reported.defer_possible(identifier, variant);
                return;
            }
            let variant = if respelled {
                MatchVariant::Respelled
            } else {
                variant
            };
            if reported.insert(identifier) {
                sink(TextHit {
                    identifier,
                    variant,
                });
            }
        };
        if !self.emails.is_empty() {
            self.match_emails(text, &mut report);
        }
        if !self.phones.is_empty() {
            self.match_phones(text, &mut report);
        }
        if let Some(searcher) = &self.text {
            searcher.search(text, |id| report(id, MatchVariant::Text));
        }
    }

    /// Looks up every candidate address in `text`.
    fn match_emails(&self, text: &str, report: &mut impl FnMut(usize, MatchVariant)) {
        // Most strings have no `@`: skip zeroing the candidate buffer for them.
        if memchr::memchr(b'@', text.as_bytes()).is_none() {
            return;
        }
        let mut buf = email::candidate_buf();
        email::for_each_candidate(text, |candidate| {
            let Some((normalized, spelling)) = email::normalize_candidate(candidate, &mut buf)
            else {
                return;
            };
            if let Some(ids) = self.emails.get(normalized.as_ref()) {
                let variant = match spelling {
                    _ if candidate.after_symbol => MatchVariant::EmailAfterSymbol,
                    Spelling::Normalized => MatchVariant::Exact,
                    Spelling::CaseDiffers => MatchVariant::CaseInsensitive,
                    Spelling::UnicodeDomain => MatchVariant::Idna,
                };
                for &id in ids {
                    report(id, variant);
                }
            }
        });
    }

    /// Looks up every phone-shaped run of `text`.
    fn match_phones(&self, text: &str, report: &mut impl FnMut(usize, MatchVariant)) {
        for_each_phone_run(text, |run| {
            // A number with an extension, or read in a part of a longer run, is the
            // identifier's only under a guess: every reading of it is a possible match.
            if run.extension || run.split {
                let variant = if run.extension {
                    MatchVariant::WithExtension
                } else {
                    MatchVariant::SplitRun
                };
                self.match_phone_run(run.text, &mut |id, _| report(id, variant));
            } else {
                self.match_phone_run(run.text, report);
            }
        });
    }

    /// Looks up each reading of one run of digits and punctuation.
    fn match_phone_run(&self, run: &str, report: &mut impl FnMut(usize, MatchVariant)) {
        let Ok(dialled) = Dialled::read(run, self.default_region) else {
            return;
        };
        // The digits without `+` are the international number for sure only when the
        // default region reads them as no other national number; without a default region
        // they may be a national number of any region.
        let without_plus = match self.default_region {
            Some(region) if !phone::reads_as_another_national_number(region, dialled.digits()) => {
                MatchVariant::InternationalWithoutPlus
            }
            _ => MatchVariant::AmbiguousWithoutPlus,
        };
        let digits = dialled.digits();
        // A national spelling the default region's metadata rewrites into the number.
        if !dialled.has_plus() && !self.rewritten.is_empty() {
            if let Some(ids) = DigitKey::of(&[digits]).and_then(|key| self.rewritten.get(&key)) {
                for &id in ids {
                    report(id, MatchVariant::PhoneFormatted);
                }
            }
        }
        let mut lookup_e164 = |parts: &[&[u8]], variant: MatchVariant| {
            let Some(key) = DigitKey::of(parts) else {
                return;
            };
            if !(phone::MIN_E164_DIGITS..=phone::MAX_E164_DIGITS).contains(&key.len()) {
                return;
            }
            for &id in self.phones.get(&key).into_iter().flatten() {
                let variant =
                    if variant == MatchVariant::Exact && run != self.identifiers[id].normalized() {
                        MatchVariant::PhoneFormatted
                    } else {
                        variant
                    };
                report(id, variant);
            }
        };
        if dialled.has_plus() {
            lookup_e164(&[digits], MatchVariant::Exact);
            return;
        }
        // Two international prefixes that fit (`00` and `008`) and both leave a possible
        // number make the reading a guess. Rare: most runs fit one prefix or none.
        let via_prefix = if dialled
            .after_international_prefixes(self.default_region)
            .nth(1)
            .is_some()
            && dialled
                .after_international_prefixes(self.default_region)
                .filter(|rest| phone::is_possible_international(rest))
                .nth(1)
                .is_some()
        {
            MatchVariant::AmbiguousPrefix
        } else {
            MatchVariant::PhoneFormatted
        };
        for rest in dialled.after_international_prefixes(self.default_region) {
            lookup_e164(&[rest], via_prefix);
        }
        if let Some(region) = self.default_region {
            let mut cc_buf = [0; 3];
            let cc = calling_code_digits(region, &mut cc_buf);
            for trunk in region.trunk_prefixes() {
                if let Some(national) = digits.strip_prefix(trunk.as_bytes()) {
                    lookup_e164(&[cc, national], MatchVariant::PhoneFormatted);
                }
            }
            lookup_e164(&[cc, digits], MatchVariant::PhoneFormatted);
        }
        lookup_e164(&[digits], without_plus);
        // Read in the identifier's own country, the run may be the subject's number even
        // when the default region reads it as another: a possible match (an exact reading
        // of the same identifier wins, see `Reported`).
        if let Some(key) = DigitKey::of(&[digits]) {
            for &id in self.nationals.get(&key).into_iter().flatten() {
                report(id, MatchVariant::NationalNumber);
            }
        }
    }

    /// Whether `raw` can hold a hit at all: e-mail hits need an `@` (or a JSON escape that
    /// may hide one), phone hits need a digit. Skipping the parse of the many values that
    /// fail this is what keeps a scan that finds nothing cheap.
    fn may_match(&self, raw: &str) -> bool {
        if self.text.is_some() {
            return true;
        }
        let bytes = raw.as_bytes();
        self.may_hold_a_character_of_a_hit(bytes)
            && self.prefilter().may_match(bytes)
            && self.has_candidate_in_value(raw)
    }

    /// The pre-filter, built on first use.
    fn prefilter(&self) -> &Prefilter {
        self.prefilter
            .get_or_init(|| Prefilter::new(&self.identifiers, self.phone_tail_digits))
    }

    /// Whether `bytes` hold what every hit needs: e-mail hits an `@` (or a JSON escape or
    /// an encoded or fullwidth at-sign that may spell one), phone hits a digit (or a
    /// fullwidth or Arabic-Indic one). Text identifiers can be anything.
    fn may_hold_a_character_of_a_hit(&self, bytes: &[u8]) -> bool {
        self.text.is_some()
            || (!self.emails.is_empty()
                && (memchr::memchr2(b'@', b'\\', bytes).is_some() || respell::may_hide_at(bytes)))
            || (!self.phones.is_empty()
                && (bytes.iter().any(u8::is_ascii_digit) || respell::may_hide_digits(bytes)))
    }

    /// Whether [`Matcher::match_bytes`] could find anything in `raw`, or in any part of it:
    /// `false` only when neither `raw` nor any slice of it holds a hit. It reads the bytes
    /// once (the pre-filter of [`Matcher::match_value`], without the candidate pass and the
    /// walk), so a caller that cuts a stream of bytes into many pieces (the disk check's
    /// runs of text) can rule most of them out before even validating their UTF-8.
    ///
    /// Every test it makes is of what a hit leaves in the bytes, and what a slice holds the
    /// whole holds too. It lets through, unread, every piece with a byte outside ASCII or a
    /// backslash (which may hide a character of an identifier) and, when numbers are
    /// searched, with `(0)`. The property tests of `tests/prefilter_properties.rs` check it
    /// against the search without pre-filter on generated values in every spelling the
    /// matcher finds. Unlike the pre-filter inside `match_value`, it never switches itself
    /// off: a caller that asks is told about each piece.
    pub fn could_match_bytes(&self, raw: &[u8]) -> bool {
        if self.text.is_some() {
            return true;
        }
        // The one-pass scan first: it rules out nearly every piece, and then the byte
        // searches for the characters of a hit (several passes when none is there) are not
        // made.
        self.prefilter()
            .filter
            .as_ref()
            .is_none_or(|filter| filter.passes(raw))
            && self.may_hold_a_character_of_a_hit(raw)
    }

    /// The candidate pass: whether the raw text of a value holds an address or a phone run
    /// that can be one of the identifiers, found without parsing the JSON.
    ///
    /// Every string of a JSON value appears in its raw text verbatim, between quotes, once
    /// escapes are decoded; integers appear as they are. A quote is neither a local-part, a
    /// domain, a digit nor a punctuation character, so it ends an address or a phone run
    /// exactly as the start or end of a string does: every candidate the walk reads in a
    /// string (or in its respelled copy) is also a candidate of the raw text (or of its
    /// respelled copy), with the same neighbours. Keys add candidates, never remove any.
    /// A value searched as text (not JSON, too deep, too large) is searched in its raw text.
    /// So a value whose raw text has no candidate has no hit, and is not walked.
    fn has_candidate_in_value(&self, raw: &str) -> bool {
        if self.has_candidate_in_spellings(raw) {
            return true;
        }
        if memchr::memchr(b'\\', raw.as_bytes()).is_none() {
            return false;
        }
        // Escapes may hide a character (`\u0040`, `\/`): look at the decoded text too.
        let mut decoded = String::with_capacity(raw.len());
        json::decode_escapes(raw, &mut decoded);
        self.has_candidate_in_spellings(&decoded)
    }

    /// [`Matcher::has_candidate`] on `text` and on its respelled copy, if it has one.
    fn has_candidate_in_spellings(&self, text: &str) -> bool {
        self.has_candidate(text)
            || respell::respelled(text).is_some_and(|copy| self.has_candidate(&copy))
    }

    /// Whether `text` holds an address that is an identifier's, or a phone run whose digits
    /// end with the last digits of an identifier's national significant number.
    ///
    /// Every reading of a phone run that [`Matcher::match_phone_run`] looks up ends with the
    /// run's last digits (prefixes, trunk prefixes and country codes only ever come before
    /// them), and every key it looks up (E.164 digits, national number, trunk prefix and
    /// national number) ends with the identifier's national significant number; so a run
    /// that matches ends with that number's tail. E-mail candidates are looked up exactly as
    /// the walk looks them up.
    fn has_candidate(&self, text: &str) -> bool {
        if !self.emails.is_empty() && self.may_hold_an_address(text) {
            let mut found = false;
            self.match_emails(text, &mut |_, _| found = true);
            if found {
                return true;
            }
        }
        if self.phone_tails.is_empty() {
            return false;
        }
        let tail = self.phone_tail_digits;
        // The scan reads back exactly `tail` digits: no division to take them.
        let is_tail = |value| self.phone_tails.contains(&DigitKey::of_value(value, tail));
        match tail_scan::find_tail(text.as_bytes(), tail, is_tail) {
            TailScan::Found => true,
            TailScan::NotFound => false,
            TailScan::Unsure => self.has_phone_candidate_exactly(text),
        }
    }

    /// The phone half of [`Matcher::has_candidate`], run by run as the walk reads them: for
    /// the texts [`tail_scan::find_tail`] cannot decide.
    fn has_phone_candidate_exactly(&self, text: &str) -> bool {
        let tail = self.phone_tail_digits;
        let mut found = false;
        for_each_phone_run(text, |run| {
            if found || run.digits < tail {
                return;
            }
            // A `(0)` inside may be dropped by the reading, so such a run is read as the
            // walk reads it; otherwise its last digits are the tail of every reading.
            if run.bracket && run.text.contains("(0)") {
                let Ok(dialled) = Dialled::read(run.text, self.default_region) else {
                    return;
                };
                let digits = dialled.digits();
                if digits.len() >= tail {
                    found = DigitKey::of(&[&digits[digits.len() - tail..]])
                        .is_some_and(|key| self.phone_tails.contains(&key));
                }
                return;
            }
            found = self
                .phone_tails
                .contains(&DigitKey::last_digits(run.value, tail));
        });
        found
    }

    /// Whether some `@` of `text` is followed by the domain of an e-mail identifier (or by a
    /// domain in Unicode, which only the full lookup can compare). A candidate address is
    /// the identifier only if its domain, lower-cased, is the identifier's; the domain is
    /// read exactly as [`email::for_each_candidate`] reads it.
    fn may_hold_an_address(&self, text: &str) -> bool {
        let mut lower = [0u8; email::MAX_DOMAIN_LEN];
        memchr::memchr_iter(b'@', text.as_bytes()).any(|at| {
            let domain = email::domain_after(&text[at + 1..]);
            if !domain.is_ascii() {
                return true;
            }
            // Longer ASCII domains are never normalized, so never an identifier's.
            let Some(lower) = lower.get_mut(..domain.len()) else {
                return false;
            };
            lower.copy_from_slice(domain.as_bytes());
            lower.make_ascii_lowercase();
            std::str::from_utf8(lower).is_ok_and(|d| self.email_domains.contains(d))
        })
    }

    /// Searches one stored value: as JSON when it is JSON (each hit with its path), as text
    /// otherwise (hits without path, and a warning saying so).
    pub fn match_value(&self, raw: &str) -> ValueMatches {
        if !self.may_match(raw) {
            return ValueMatches::default();
        }
        self.match_value_walked(raw)
    }

    /// [`Matcher::match_value`] without any pre-filter: every value is parsed and walked.
    /// Slower, with the same hits (a skipped value has `parsed_as_json` false, a walked one
    /// true); the pre-filters' tests compare against it.
    pub fn match_value_without_prefilter(&self, raw: &str) -> ValueMatches {
        self.match_value_walked(raw)
    }

    /// The JSON walk of [`Matcher::match_value`].
    fn match_value_walked(&self, raw: &str) -> ValueMatches {
        if raw.len() > MAX_JSON_BYTES {
            return self.match_as_text(
                raw,
                ValueWarning::TooLarge {
                    limit: MAX_JSON_BYTES,
                },
            );
        }
        let mut hits: Vec<Hit> = Vec::new();
        let mut reported = Reported::default();
        // The hits of the key just visited: a scalar value visited next is at the same path.
        let mut key_hits: Option<(usize, usize)> = None;
        let walked = json::walk(raw, MAX_JSON_DEPTH, |visit| {
            let first = hits.len();
            self.match_text_once(visit.text, &mut reported, &mut |hit| {
                let path = match hits[first..].first() {
                    Some(previous) => previous.path.clone(),
                    None => Some(json::path_of(visit.frames)),
                };
                hits.push(Hit {
                    identifier: hit.identifier,
                    variant: hit.variant,
                    path,
                });
            });
            match key_hits.take() {
                Some((start, depth)) if !visit.key && depth == visit.frames.len() => {
                    merge_member_hits(&mut hits, start, first);
                }
                _ => {}
            }
            if visit.key && first < hits.len() {
                key_hits = Some((first, visit.frames.len()));
            }
        });
        match walked {
            Ok(()) => ValueMatches {
                hits,
                parsed_as_json: true,
                warning: None,
            },
            Err(WalkError::Invalid) => self.match_as_text(raw, ValueWarning::NotJson),
            Err(WalkError::TooDeep) => self.match_as_text(
                raw,
                ValueWarning::TooDeep {
                    limit: MAX_JSON_DEPTH,
                },
            ),
        }
    }

    /// Searches a value that may not be valid UTF-8: invalid sequences are replaced and
    /// [`ValueWarning::InvalidUtf8`] is set (it takes precedence over other warnings; hits
    /// without a path still show that the value was searched as text).
    pub fn match_bytes(&self, raw: &[u8]) -> ValueMatches {
        // Every value read goes through this check; simdutf8 validates with vector
        // instructions chosen at run time, several times as fast as the standard library.
        match simdutf8::basic::from_utf8(raw) {
            Ok(s) => self.match_value(s),
            Err(_) => {
                let lossy = String::from_utf8_lossy(raw);
                let mut matches = self.match_value(&lossy);
                matches.warning = Some(ValueWarning::InvalidUtf8);
                matches
            }
        }
    }

    /// Searches `raw` as plain text.
    fn match_as_text(&self, raw: &str, warning: ValueWarning) -> ValueMatches {
        let mut hits = Vec::new();
        self.match_text(raw, &mut |hit| {
            hits.push(Hit {
                identifier: hit.identifier,
                variant: hit.variant,
                path: None,
            })
        });
        ValueMatches {
            hits,
            parsed_as_json: false,
            warning: Some(warning),
        }
    }

    /// Searches an already parsed JSON value (object keys, strings and integers), walking it
    /// without recursion. Used to plan and verify erasure, where a value is at hand anyway.
    pub fn match_json(&self, value: &Value) -> Vec<Hit> {
        enum Step<'v> {
            Key(&'v str),
            Index(usize),
        }
        let mut hits = Vec::new();
        let mut reported = Reported::default();
        let mut path: Vec<Step<'_>> = Vec::new();
        let mut stack: Vec<(&Value, usize, Option<Step<'_>>)> = vec![(value, 0, None)];
        let mut number_text = String::new();
        let segments_of = |path: &[Step<'_>]| {
            JsonPath::new(
                path.iter()
                    .map(|step| match step {
                        Step::Key(k) => PathSegment::Key(k.to_string()),
                        Step::Index(i) => PathSegment::Index(*i),
                    })
                    .collect(),
            )
        };
        while let Some((value, depth, step)) = stack.pop() {
            path.truncate(depth.saturating_sub(1));
            let key = match step {
                Some(Step::Key(k)) => Some(k),
                _ => None,
            };
            path.extend(step);
            // A member's key is searched like a value, at the member's path.
            let key_start = hits.len();
            if let Some(key) = key {
                self.match_text_once(key, &mut reported, &mut |hit| {
                    hits.push(Hit {
                        identifier: hit.identifier,
                        variant: hit.variant,
                        path: Some(segments_of(&path)),
                    });
                });
            }
            let value_start = hits.len();
            let text = match value {
                Value::String(s) => s.as_str(),
                Value::Number(n) if n.is_i64() || n.is_u64() => {
                    number_text.clear();
                    number_text.push_str(&n.to_string());
                    number_text.as_str()
                }
                Value::Object(map) => {
                    stack.extend(
                        map.iter()
                            .rev()
                            .map(|(k, v)| (v, depth + 1, Some(Step::Key(k)))),
                    );
                    continue;
                }
                Value::Array(items) => {
                    stack.extend(
                        items
                            .iter()
                            .enumerate()
                            .rev()
                            .map(|(i, v)| (v, depth + 1, Some(Step::Index(i)))),
                    );
                    continue;
                }
                _ => continue,
            };
            self.match_text_once(text, &mut reported, &mut |hit| {
                hits.push(Hit {
                    identifier: hit.identifier,
                    variant: hit.variant,
                    path: Some(segments_of(&path)),
                });
            });
            merge_member_hits(&mut hits, key_start, value_start);
        }
        hits
    }
}

/// One hit per identifier and path where a member's key (`hits[key..value]`) and its scalar
/// value (`hits[value..]`) share the member's path: the exact one when either is exact.
fn merge_member_hits(hits: &mut Vec<Hit>, key: usize, value: usize) {
    let mut i = value;
    while i < hits.len() {
        let same = (key..value).find(|&k| hits[k].identifier == hits[i].identifier);
        match same {
            Some(k) => {
                if hits[k].variant.is_possible() && !hits[i].variant.is_possible() {
                    hits[k].variant = hits[i].variant;
                }
                hits.remove(i);
            }
            None => i += 1,
        }
    }
}

/// The national spellings `region`'s metadata rewrites into the national number `nsn`
/// (`011 15 2345 6789` for `9 11 2345 6789` in Argentina), each with how many digits of `nsn`
/// it ends with.
fn rewritten_spellings(region: Region, nsn: &[u8]) -> Vec<(Option<DigitKey>, usize)> {
    region
        .national_rewrites()
        .iter()
        .filter_map(|rewrite| {
            let rest = nsn.strip_prefix(rewrite.replacement.as_bytes())?;
            let mut spelling = Vec::with_capacity(rewrite.prefix.len() + rest.len());
            spelling.extend_from_slice(rewrite.prefix.as_bytes());
            spelling.extend_from_slice(rest);
            // Only a spelling the rewrite reads back as this very number.
            (rewrite.rest(&spelling) == Some(rest))
                .then(|| (DigitKey::of(&[&spelling]), rest.len()))
        })
        .filter(|(key, _)| key.is_some())
        .collect()
}

/// A run of a text that could be one phone number, with its digits already read: the
/// candidate pass needs only its last digits, and reading them while the run is found saves
/// reading it twice.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PhoneRun<'t> {
    /// The run, from its digit or `+` to its last digit.
    pub(crate) text: &'t str,
    /// How many digits it holds: 1 to [`phone::MAX_DIALLED_DIGITS`].
    pub(crate) digits: usize,
    /// Its digits as one number (19 digits fit in a `u64`).
    pub(crate) value: u64,
    /// Whether it holds a `(`: a `(0)` may then be dropped by a reading.
    pub(crate) bracket: bool,
    /// Whether an extension follows it (`x23`, ` ext. 23`, ` #23`).
    pub(crate) extension: bool,
    /// Whether it is a part of a longer run, between spaces (see [`for_each_phone_run`]).
    pub(crate) split: bool,
}

/// Calls `f` with each run of `text` that could be one phone number: a digit or `+`, then
/// digits and phone punctuation, up to the next `+` or other character, without trailing
/// punctuation. Runs glued to a letter, digit or `_` on either side (part of an id, a hash,
/// a word) are skipped, and so are runs of more digits than a dialled number has; an
/// ideograph, kana or hangul is no glue (those scripts write no space before a number), and
/// neither is an extension (`x23`, `ext.23`, `#23`: the run is then marked
/// [`PhoneRun::extension`]). A run of more digits than one number has
/// ([`phone::MAX_E164_DIGITS`]) is also read in parts: each sequence of its space-separated
/// groups of at most that many digits, marked [`PhoneRun::split`].
pub(crate) fn for_each_phone_run<'t>(text: &'t str, mut f: impl FnMut(PhoneRun<'t>)) {
    let bytes = text.as_bytes();
    let mut i = 0;
    loop {
        i = next_digit_or_plus(bytes, i);
        let Some(&b) = bytes.get(i) else {
            break;
        };
        let start = i;
        let mut end = i + 1;
        let mut last_digit_end = if b == b'+' { start } else { end };
        let mut digits = usize::from(b != b'+');
        let mut value = u64::from(b.wrapping_sub(b'0')) * u64::from(b != b'+');
        let mut bracket = false;
        while let Some(&c) = bytes.get(end) {
            if c.is_ascii_digit() {
                digits += 1;
                // Wraps only past 19 digits, and such a run is dropped below.
                value = value.wrapping_mul(10).wrapping_add(u64::from(c - b'0'));
                end += 1;
                last_digit_end = end;
            } else if c.is_ascii() {
                if tail_scan::is_run_punctuation(c) {
                    bracket |= c == b'(';
                    end += 1;
                } else {
                    break;
                }
            } else {
                let ch = text[end..].chars().next().expect("end is a char boundary");
                if phone::is_phone_punctuation(ch) {
                    end += ch.len_utf8();
                } else {
                    break;
                }
            }
        }
        // A `)` right after the digits belongs to them only to close a bracket; it never
        // changes the digits, so the run ends at its last digit.
        let extension_end = tail_scan::extension_after(bytes, last_digit_end);
        if digits > 0
            && !glued_before(text, start)
            && (extension_end.is_some() || !glued_after(text, last_digit_end))
        {
            let run = &text[start..last_digit_end];
            let extension = extension_end.is_some();
            if digits <= phone::MAX_DIALLED_DIGITS {
                f(PhoneRun {
                    text: run,
                    digits,
                    value,
                    bracket,
                    extension,
                    split: false,
                });
            }
            if digits > phone::MAX_E164_DIGITS && digits > one_number_digits(run, bracket) {
                for_each_part(run, extension, &mut f);
            }
        }
        i = extension_end.unwrap_or(end).max(start + 1);
    }
}

/// The most digits `run` can have as one number as written: 15, and the `00` it starts
/// with, and a `(0)` trunk marker an international spelling drops (`00 49 (0)…`). A run
/// with more is read in parts too; one with no more is one number, so that a digit put in
/// after the country code (`+46 (0) 0 20…`) is not read as a trunk prefix of a part.
fn one_number_digits(run: &str, bracket: bool) -> usize {
    let plus = run.starts_with('+');
    let prefix_00 = !plus && run.bytes().filter(u8::is_ascii_digit).take(2).eq(*b"00");
    let marker = (plus || prefix_00) && bracket && run.contains("(0)");
    phone::MAX_E164_DIGITS + if prefix_00 { 2 } else { 0 } + usize::from(marker)
}

/// Calls `f` with each part of `run` (a run too long to be one number) that is a sequence of
/// its space-separated groups holding at most [`phone::MAX_E164_DIGITS`] digits, from its
/// first digit or `+` to its last digit. Only the parts that end the run carry its
/// `extension`. The groups are found in one pass and each part spans at most 15 of them,
/// so a long run of many groups costs linear time.
fn for_each_part<'t>(run: &'t str, extension: bool, f: &mut impl FnMut(PhoneRun<'t>)) {
    /// A space-separated group of the run that holds a digit.
    struct Group {
        /// Its first digit or `+`.
        first: usize,
        /// Just after its last digit.
        end: usize,
        digits: usize,
        /// Its digits as one number (only read when they are at most 15).
        value: u64,
        bracket: bool,
    }
    let bytes = run.as_bytes();
    let mut groups: Vec<Group> = Vec::new();
    let mut at = 0;
    for piece in run.split(' ') {
        let mut group = Group {
            first: usize::MAX,
            end: 0,
            digits: 0,
            value: 0,
            bracket: false,
        };
        for (k, &c) in piece.as_bytes().iter().enumerate() {
            if c.is_ascii_digit() || c == b'+' {
                group.first = group.first.min(at + k);
            }
            if c.is_ascii_digit() {
                group.digits += 1;
                group.value = group
                    .value
                    .wrapping_mul(10)
                    .wrapping_add(u64::from(c - b'0'));
                group.end = at + k + 1;
            }
            group.bracket |= c == b'(';
        }
        if group.digits > 0 {
            groups.push(group);
        }
        at += piece.len() + 1;
    }
    for (i, start) in groups.iter().enumerate() {
        let mut digits = 0;
        let mut value = 0u64;
        let mut bracket = false;
        for group in &groups[i..] {
            digits += group.digits;
            if digits > phone::MAX_E164_DIGITS {
                break;
            }
            value = value * 10u64.pow(group.digits as u32) + group.value;
            bracket |= group.bracket;
            f(PhoneRun {
                text: &run[start.first..group.end],
                digits,
                value,
                bracket,
                extension: extension && group.end == bytes.len(),
                split: true,
            });
        }
    }
}

/// Whether the character before byte `at` of `text` is a word character.
fn glued_before(text: &str, at: usize) -> bool {
    match at.checked_sub(1).map(|i| text.as_bytes()[i]) {
        None => false,
        Some(b) if b.is_ascii() => b.is_ascii_alphanumeric() || b == b'_',
        Some(_) => text[..at].chars().next_back().is_some_and(is_word_char),
    }
}

/// Whether the character at byte `at` of `text` is a word character.
fn glued_after(text: &str, at: usize) -> bool {
    match text.as_bytes().get(at) {
        None => false,
        Some(&b) if b.is_ascii() => b.is_ascii_alphanumeric() || b == b'_',
        Some(_) => text[at..].chars().next().is_some_and(is_word_char),
    }
}

/// The index of the first ASCII digit or `+` at or after `from`, or `bytes.len()`.
///
/// Most of a stored value is words, keys and punctuation, and every value a search for many
/// identifiers reads goes through here: eight bytes are ruled out at a time (a byte is a
/// digit when `byte ^ b'0'` is below 10, a `+` when `byte ^ b'+'` is zero; the word tests
/// below are exact for "some byte of the word is", and for the first such byte).
fn next_digit_or_plus(bytes: &[u8], from: usize) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    let mut i = from;
    while let Some(chunk) = bytes.get(i..i + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let digits = word ^ (ONES * u64::from(b'0'));
        let plus = word ^ (ONES * u64::from(b'+'));
        // A byte below 10 (a digit), or a zero byte (a `+`), sets its high bit here.
        let found = (digits.wrapping_sub(ONES * 10) & !digits & HIGHS)
            | (plus.wrapping_sub(ONES) & !plus & HIGHS);
        if found != 0 {
            // A borrow only ever carries upwards, past a byte that matched: the lowest flag
            // (the first byte, read little-endian) is exact.
            return i + (found.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while let Some(&b) = bytes.get(i) {
        if b.is_ascii_digit() || b == b'+' {
            return i;
        }
        i += 1;
    }
    bytes.len()
}

/// Letters, digits and `_`: characters that make a digit run part of a larger token. Not
/// the letters of scripts written without spaces between words, where a number sits right
/// next to the word before and after it (`电话15550100001`, `+15550100001号`): Han
/// ideographs, hiragana, katakana, and hangul syllables (Korean writes particles right after
/// a number: `…0001입니다`).
fn is_word_char(c: char) -> bool {
    (c.is_alphanumeric() || c == '_') && !crate::text::is_unspaced_script(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identifier::{parse_identifier, ParseOptions};

    fn ids(inputs: &[&str], region: Option<&str>) -> Vec<Identifier> {
        let options = ParseOptions {
            default_region: region.map(|r| Region::parse(r).unwrap()),
            allow_text: true,
        };
        inputs
            .iter()
            .map(|s| parse_identifier(s, &options).unwrap())
            .collect()
    }

    fn matcher(inputs: &[&str], region: Option<&str>) -> Matcher {
        Matcher::new(
            ids(inputs, region),
            region.map(|r| Region::parse(r).unwrap()),
        )
    }

    fn text_hits(m: &Matcher, text: &str) -> Vec<(usize, MatchVariant)> {
        let mut out = Vec::new();
        m.match_text(text, &mut |h| out.push((h.identifier, h.variant)));
        out
    }

    fn runs(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for_each_phone_run(text, |r| out.push(r.text));
        out
    }

    #[test]
    fn phone_runs() {
        assert_eq!(runs("call +1 (555) 010-1234 now"), ["+1 (555) 010-1234"]);
        assert_eq!(runs("(555) 010-1234."), ["555) 010-1234"]);
        assert_eq!(runs("+44 1234 +44 5678"), ["+44 1234", "+44 5678"]);
        assert_eq!(
            runs("id5550101234 5550101234x 5550101234_"),
            Vec::<&str>::new()
        );
        assert_eq!(runs("tel:+15550101234@host"), ["+15550101234"]);
        assert_eq!(runs("a, 12; b"), ["12"]);
        assert_eq!(runs("+ -"), Vec::<&str>::new());
        assert_eq!(runs(&"9".repeat(40)), Vec::<&str>::new());
        // Too long to be one number: also read in parts, between spaces.
        assert_eq!(runs("5550100001 5550100002"), ["5550100001", "5550100002"]);
        // Fifteen digits or fewer: one run, never cut.
        assert_eq!(runs("+1 555 010 0001 23"), ["+1 555 010 0001 23"]);
        let parts = runs("+1 555 010 0001 555 010 0002");
        for part in [
            "+1 555 010 0001",
            "555 010 0001",
            "555 010 0002",
            "0001 555 010",
        ] {
            assert!(parts.contains(&part), "{part} not in {parts:?}");
        }
        assert!(parts
            .iter()
            .all(|p| p.bytes().filter(u8::is_ascii_digit).count() <= 15));
        // Each part spans at most 15 groups: a run of many groups is read in linear time.
        let many = "1 - ".repeat(20_000);
        let parts = runs(&many);
        assert_eq!(
            parts.len(),
            (0..20_000).map(|i| (20_000 - i).min(15)).sum::<usize>()
        );
        assert_eq!(runs("电话15550100001号"), ["15550100001"]);
        assert_eq!(runs("15550100001x23 15550100001y"), ["15550100001"]);
    }

    #[test]
    fn the_word_skip_finds_what_a_byte_loop_finds() {
        let naive = |bytes: &[u8], from: usize| {
            (from..bytes.len())
                .find(|&i| bytes[i].is_ascii_digit() || bytes[i] == b'+')
                .unwrap_or(bytes.len())
        };
        // Every byte value at every offset of a word, behind bytes just outside the classes
        // ('*', ',', '/', ':'), whose borrows are what a word test could get wrong.
        for filler in [b'a', b'*', b',', b'/', b':', 0x00, 0x80, 0xFF] {
            for b in 0..=255u8 {
                for at in 0..20 {
                    let mut bytes = vec![filler; 20];
                    bytes[at] = b;
                    for from in 0..bytes.len() {
                        assert_eq!(
                            next_digit_or_plus(&bytes, from),
                            naive(&bytes, from),
                            "byte {b:#x} at {at} among {filler:#x}, from {from}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn email_variants() {
        let m = matcher(&["john@pizza.com", "jöhn@bücher.de"], None);
        assert_eq!(text_hits(&m, "john@pizza.com"), [(0, MatchVariant::Exact)]);
        assert_eq!(
            text_hits(&m, "John <JOHN@Pizza.com>"),
            [(0, MatchVariant::CaseInsensitive)]
        );
        assert_eq!(text_hits(&m, "jöhn@bücher.de"), [(1, MatchVariant::Idna)]);
        assert_eq!(
            text_hits(&m, "JÖHN@xn--bcher-kva.de"),
            [(1, MatchVariant::CaseInsensitive)]
        );
        assert_eq!(
            text_hits(&m, "jöhn@xn--bcher-kva.de"),
            [(1, MatchVariant::Exact)]
        );
        for miss in [
            "xjohn@pizza.com",
            "john@pizza.com.au",
            "john@pizza.comx",
            "john.doe@pizza.com",
            "john+x@pizza.com",
            "john@pizzas.com",
            "john@ pizza.com",
        ] {
            assert_eq!(text_hits(&m, miss), [], "{miss}");
        }
        assert_eq!(
            text_hits(&m, "mailto:john@pizza.com?x=1, john@pizza.com"),
            [(0, MatchVariant::Exact)]
        );
    }

    #[test]
    fn overlapping_international_prefixes_are_all_tried() {
        let m = matcher(&["+442079460958"], Some("SG"));
        for text in ["000 44 20 7946 0958", "00 44 20 7946 0958"] {
            assert_eq!(
                text_hits(&m, text),
                [(0, MatchVariant::PhoneFormatted)],
                "{text}"
            );
        }
    }

    #[test]
    fn phone_variants_with_region() {
        let m = matcher(&["+442079460958"], Some("GB"));
        for (text, variant) in [
            ("+442079460958", MatchVariant::Exact),
            ("+44 (0)20 7946 0958", MatchVariant::PhoneFormatted),
            ("0044 20 7946 0958", MatchVariant::PhoneFormatted),
            ("020 7946 0958", MatchVariant::PhoneFormatted),
            ("2079460958", MatchVariant::PhoneFormatted),
            ("442079460958", MatchVariant::InternationalWithoutPlus),
            ("Tel.: 020-7946-0958 (home)", MatchVariant::PhoneFormatted),
        ] {
            assert_eq!(text_hits(&m, text), [(0, variant)], "{text}");
        }
        for miss in [
            "+44 20 7946 09580",
            "020 7946 095",
            "+44 020 7946 0958",
            "02079460958 1",
            "x02079460958",
        ] {
            assert_eq!(text_hits(&m, miss), [], "{miss}");
        }
    }

    #[test]
    fn nanp_spellings_match() {
        let m = matcher(&["+1 (555) 010-1234"], Some("US"));
        for text in [
            "+1 (555) 010-1234",
            "1.555.010.1234",
            "555-010-1234",
            "011 1 555 010 1234",
            "(555) 010 1234",
        ] {
            assert_eq!(text_hits(&m, text).len(), 1, "{text}");
        }
        for miss in [
            "555-010-12345",
            "55-010-1234",
            "+1 555 010 123",
            "2 555 010 1234",
        ] {
            assert_eq!(text_hits(&m, miss), [], "{miss}");
        }
    }

    #[test]
    fn national_numbers_without_region() {
        let m = matcher(&["+442079460958", "+15550101234"], None);
        assert_eq!(
            text_hits(&m, "020 7946 0958"),
            [(0, MatchVariant::NationalNumber)]
        );
        assert_eq!(
            text_hits(&m, "20 7946 0958"),
            [(0, MatchVariant::NationalNumber)]
        );
        assert_eq!(
            text_hits(&m, "555-010-1234"),
            [(1, MatchVariant::NationalNumber)]
        );
        // Without a default region, digits without `+` may be any region's national number.
        assert_eq!(
            text_hits(&m, "1 555 010 1234"),
            [(1, MatchVariant::AmbiguousWithoutPlus)]
        );
        assert_eq!(
            text_hits(&m, "0044 20 7946 0958"),
            [(0, MatchVariant::PhoneFormatted)]
        );
        assert_eq!(
            text_hits(&m, "0044 (0)20 7946 0958"),
            [(0, MatchVariant::PhoneFormatted)]
        );
        assert_eq!(text_hits(&m, "0207 946 095"), []);
    }

    #[test]
    fn with_a_region_other_readings_are_possible_matches() {
        // Read in US, `020 7946 0958` is not the London number; read in GB it is.
        let m = matcher(&["+442079460958"], Some("US"));
        assert_eq!(
            text_hits(&m, "020 7946 0958"),
            [(0, MatchVariant::NationalNumber)]
        );
        assert_eq!(
            text_hits(&m, "011 44 20 7946 0958"),
            [(0, MatchVariant::PhoneFormatted)]
        );
        // The issue's case: a Boston number, stored nationally, searched with region IE.
        let m = matcher(&["+1 617 555 0123"], Some("IE"));
        for text in ["617 555 0123", "(617) 555-0123"] {
            assert_eq!(
                text_hits(&m, text),
                [(0, MatchVariant::NationalNumber)],
                "{text}"
            );
        }
        assert_eq!(
            text_hits(&m, "1 617 555 0123"),
            [(0, MatchVariant::InternationalWithoutPlus)]
        );
        // Read in the region, the same digits are the subject's: exact, not possible.
        let m = matcher(&["+1 617 555 0123"], Some("US"));
        assert_eq!(
            text_hits(&m, "617 555 0123"),
            [(0, MatchVariant::PhoneFormatted)]
        );
        // Other digits are no match under any reading.
        let m = matcher(&["+1 617 555 0123"], Some("IE"));
        assert_eq!(text_hits(&m, "617 555 0124"), []);
        assert_eq!(text_hits(&m, "087 123 4567"), []);
    }

    #[test]
    fn an_exact_match_anywhere_in_a_text_wins_over_a_possible_one() {
        let m = matcher(&["+442079460958"], Some("US"));
        assert_eq!(
            text_hits(&m, "020 7946 0958 or +44 20 7946 0958"),
            [(0, MatchVariant::PhoneFormatted)]
        );
        let m = matcher(&["+442079460958"], None);
        assert_eq!(
            text_hits(&m, "020 7946 0958, also +442079460958"),
            [(0, MatchVariant::Exact)]
        );
    }

    #[test]
    fn text_identifiers() {
        let m = matcher(&["Smith", "jöhn"], None);
        assert_eq!(text_hits(&m, "Mr SMITH, smith"), [(0, MatchVariant::Text)]);
        assert_eq!(text_hits(&m, "JÖHN"), [(1, MatchVariant::Text)]);
        assert_eq!(text_hits(&m, "smit h"), []);
    }

    #[test]
    fn match_value_reports_json_paths() {
        let m = matcher(&["john@pizza.com", "+15550101234"], None);
        let raw = r#"{"id":"fav-1","displayName":"John","emailAddresses":["JOHN@pizza.com"],
            "phoneNumbers":[{"type":"mobile","number":"+1 555 010 1234"}],"odd key":{"x":"john@pizza.com"}}"#;
        let found = m.match_value(raw);
        assert!(found.parsed_as_json && found.warning.is_none());
        let got: Vec<(usize, String, MatchVariant)> = found
            .hits
            .iter()
            .map(|h| {
                (
                    h.identifier,
                    h.path.as_ref().unwrap().to_string(),
                    h.variant,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    0,
                    "$.emailAddresses[0]".to_string(),
                    MatchVariant::CaseInsensitive
                ),
                (
                    1,
                    "$.phoneNumbers[0].number".to_string(),
                    MatchVariant::PhoneFormatted
                ),
                (0, "$[\"odd key\"].x".to_string(), MatchVariant::Exact),
            ]
        );
    }

    #[test]
    fn a_number_as_written_is_not_cut_into_parts() {
        // 16 and 17 digits, but one number as written: behind `00`, or with `(0)` dropped.
        // A part read alone would take the extra `0` for a trunk prefix.
        let de = matcher(&["+49 700000000000"], None);
        assert!(text_hits(&de, "00 49 07.00 00/0 00/0 00/0").is_empty());
        let se = matcher(&["+46 200000000000"], None);
        assert!(text_hits(&se, "+46 (0) 020.000 0.0 00000").is_empty());
        // Two numbers in one run are still read in parts.
        let us = matcher(&["+15550100002"], Some("US"));
        assert_eq!(
            text_hits(&us, "5550100001 5550100002"),
            [(0, MatchVariant::SplitRun)]
        );
    }

    #[test]
    fn match_value_decodes_escapes_and_searches_keys() {
        let m = matcher(&["john@pizza.com", "+15550101234"], Some("US"));
        let found = m.match_value(r#"{"a":"john\u0040pizza.com"}"#);
        assert_eq!(found.hits.len(), 1);
        assert_eq!(found.hits[0].path.as_ref().unwrap().to_string(), "$.a");
        // A key is searched like a value; its hit is at the member's path.
        let raw = r#"{"byAddress":{"john@pizza.com":{"n":1}},"byNumber":{"555-010-1234":"x"},"k":{"john\u0040pizza.com":"john@pizza.com"}}"#;
        let found = m.match_value(raw);
        let hits: Vec<(usize, String)> = found
            .hits
            .iter()
            .map(|h| (h.identifier, h.path.as_ref().unwrap().to_string()))
            .collect();
        assert_eq!(
            hits,
            [
                (0, "$.byAddress[\"john@pizza.com\"]".to_string()),
                (1, "$.byNumber[\"555-010-1234\"]".to_string()),
                (0, "$.k[\"john@pizza.com\"]".to_string()),
            ],
            "a key and its value holding the same identifier are one hit"
        );
        let value: Value = serde_json::from_str(raw).unwrap();
        assert_eq!(m.match_json(&value), found.hits);
    }

    #[test]
    fn one_hit_per_identifier_and_location() {
        let m = matcher(&["john@pizza.com", "smith"], None);
        let found =
            m.match_value(r#"["john@pizza.com john@pizza.com SMITH smith", "john@pizza.com"]"#);
        let got: Vec<String> = found
            .hits
            .iter()
            .map(|h| format!("{}{}", h.identifier, h.path.as_ref().unwrap()))
            .collect();
        assert_eq!(got, ["0$[0]", "1$[0]", "0$[1]"]);
    }

    #[test]
    fn non_json_values_are_searched_as_text() {
        let m = matcher(&["john@pizza.com"], None);
        let found = m.match_value("John <john@pizza.com>, {broken");
        assert_eq!(found.warning, Some(ValueWarning::NotJson));
        assert!(!found.parsed_as_json);
        assert_eq!(found.hits.len(), 1);
        assert!(found.hits[0].path.is_none());
        let invalid_after_hit = m.match_value(r#"{"a":"john@pizza.com","#);
        assert_eq!(invalid_after_hit.warning, Some(ValueWarning::NotJson));
        assert_eq!(invalid_after_hit.hits.len(), 1);
        assert!(invalid_after_hit.hits[0].path.is_none());
    }

    #[test]
    fn prefilter_skips_values_without_at_or_digit() {
        let m = matcher(&["john@pizza.com", "+15550101234"], None);
        let found = m.match_value(r#"{"a":"nothing here"}"#);
        assert_eq!(found, ValueMatches::default());
        let text_m = matcher(&["nothing"], None);
        assert!(text_m.match_value(r#"{"a":"nothing here"}"#).is_match());
    }

    #[test]
    fn prefilter_skips_values_without_the_domain_or_the_number_tail() {
        let m = matcher(&["john@pizza.com", "+15550101234"], None);
        // An address and digits, but neither the domain nor the number: not even parsed.
        let skipped = m.match_value(r#"{"e":"ann@other.org","p":"+1 555 010 9999","n":12}"#);
        assert_eq!(skipped, ValueMatches::default());
        // The domain in another case, or the number split by punctuation and "(0)": parsed.
        assert!(m.match_value(r#"{"e":"John <JOHN@PIZZA.COM>"}"#).is_match());
        assert!(m.match_value(r#"{"p":"+1 (555) 010-1234"}"#).is_match());
        let gb = matcher(&["+442079460958"], None);
        assert!(gb.match_value(r#"{"p":"+44 (0)20 7946 0958"}"#).is_match());
        // Non-ASCII text or escapes take the full path.
        assert!(m
            .match_value(r#"{"e":"john\u0040pizza\u002ecom"}"#)
            .is_match());
        // A `(0)` inside the number's tail is dropped by the reading: not skipped.
        let gb = matcher(&["+44207946958"], None);
        assert!(gb.match_value(r#"{"p":"+44 20 7946 (0)958"}"#).is_match());
        let idn = matcher(&["jöhn@bücher.de"], None);
        assert!(idn.match_value(r#"{"e":"JÖHN@BÜCHER.DE"}"#).is_match());
    }

    #[test]
    fn deep_and_large_values_fall_back_to_text() {
        let m = matcher(&["john@pizza.com"], None);
        let deep = format!(
            "{}\"john@pizza.com\"{}",
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let found = m.match_value(&deep);
        assert_eq!(
            found.warning,
            Some(ValueWarning::TooDeep {
                limit: MAX_JSON_DEPTH
            })
        );
        assert_eq!(found.hits.len(), 1);
        let mut large = String::from("[\"");
        large.push_str(&"x ".repeat(5 * 1024 * 1024));
        large.push_str("john@pizza.com\"]");
        let found = m.match_value(&large);
        assert_eq!(
            found.warning,
            Some(ValueWarning::TooLarge {
                limit: MAX_JSON_BYTES
            })
        );
        assert_eq!(found.hits.len(), 1);
    }

    #[test]
    fn invalid_utf8_is_replaced_with_a_warning() {
        let m = matcher(&["john@pizza.com"], None);
        let mut raw = br#"{"a":"john@pizza.com","b":""#.to_vec();
        raw.extend_from_slice(&[0xff, 0xfe]);
        raw.extend_from_slice(br#""}"#);
        let found = m.match_bytes(&raw);
        assert_eq!(found.warning, Some(ValueWarning::InvalidUtf8));
        assert!(found.parsed_as_json);
        assert_eq!(found.hits[0].path.as_ref().unwrap().to_string(), "$.a");
        assert!(m
            .match_bytes(br#"{"a":"john@pizza.com"}"#)
            .warning
            .is_none());
    }

    #[test]
    fn integers_are_searched_too() {
        // GB reads these digits as no national number: they are the international one.
        let m = matcher(&["+15550101234"], Some("GB"));
        let found = m.match_value(r#"{"phone":15550101234}"#);
        assert_eq!(found.hits.len(), 1);
        assert_eq!(
            found.hits[0].variant,
            MatchVariant::InternationalWithoutPlus
        );
        // Without a default region they may be a national number of some region.
        let m = matcher(&["+15550101234"], None);
        let found = m.match_value(r#"{"phone":15550101234}"#);
        assert_eq!(found.hits.len(), 1);
        assert_eq!(found.hits[0].variant, MatchVariant::AmbiguousWithoutPlus);
    }

    #[test]
    fn match_json_agrees_with_match_value() {
        let m = matcher(&["john@pizza.com", "+15550101234", "smith"], Some("US"));
        let raw = r#"{"a":[{"b":"JOHN@pizza.com"},"555-010-1234"],"weird \"key\"":["Smith"],"n":15550101234}"#;
        let value: Value = serde_json::from_str(raw).unwrap();
        let mut from_value = m.match_json(&value);
        let mut from_raw = m.match_value(raw).hits;
        from_value.sort_by_key(|h| format!("{:?}", h.path));
        from_raw.sort_by_key(|h| format!("{:?}", h.path));
        assert_eq!(from_value, from_raw);
        assert_eq!(from_raw.len(), 4);
    }

    #[test]
    fn matcher_can_be_shared_between_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Matcher>();
    }

    #[test]
    fn many_identifiers_in_one_pass() {
        let mut inputs = Vec::new();
        for i in 0..500 {
            inputs.push(format!("user{i}@example{}.com", i % 7));
            inputs.push(format!("+1 555 {:03} {:04}", 100 + i / 100, i));
        }
        let refs: Vec<&str> = inputs.iter().map(String::as_str).collect();
        let m = matcher(&refs, Some("US"));
        assert_eq!(m.identifiers().len(), 1000);
        let raw = r#"{"contacts":[{"e":"USER42@example0.com"},{"p":"(555) 103-0321"},{"e":"user999@example0.com"}],
            "more":"user499@example2.com and 1-555-104-0499"}"#;
        let found = m.match_value(raw);
        let mut got: Vec<usize> = found.hits.iter().map(|h| h.identifier).collect();
        got.sort();
        assert_eq!(got, [84, 643, 998, 999]);
    }
}
