//! The data subject's identifiers as the operator gives them: classification, validation
//! and normalization.
//!
//! Validation happens here, before any scan, because a typo in the subject's number would
//! otherwise produce a clean "nothing found" report. Errors say how to fix the input and
//! never repeat it: identifiers are personal data and errors end up in logs.

use std::fmt;

use crate::email::{normalize_email, EmailError};
use crate::phone::{
    normalize_phone_reading, Dialled, NumberReading, PhoneError, PhoneNumber, Region,
};

/// The fewest characters an identifier may have; shorter strings would match too much.
pub const MIN_IDENTIFIER_CHARS: usize = 4;

/// How [`parse_identifier`] reads its input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ParseOptions {
    /// The region national-format numbers (without `+`) belong to; `--default-region`.
    pub default_region: Option<Region>,
    /// Accept any input of at least 4 characters as a case-insensitive substring when it is
    /// neither a valid e-mail address nor a valid phone number; `--match text`.
    pub allow_text: bool,
}

/// What kind of identifier a string was recognized as, which decides how it is matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IdentifierKind {
    /// An e-mail address, matched whole and case-insensitively.
    Email,
    /// A phone number, matched in any spelling of the same E.164 number.
    Phone,
    /// A plain string, matched as a case-insensitive substring (`--match text`).
    Text,
}

/// How the operator's input was read, for the report to show next to the normalized form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Reading {
    /// An e-mail address.
    Email,
    /// A phone number written internationally (`+`, `00` or an international prefix).
    International,
    /// A phone number written nationally, read in this region: its own (`IE:087…`) when
    /// `own` is set, the default region (`--default-region`) otherwise.
    National {
        /// The region the number was read in.
        region: Region,
        /// Whether the identifier named its region itself (`IE:…`).
        own: bool,
    },
    /// A text identifier (`--match text`).
    Text,
}

impl fmt::Display for Reading {
    /// `e-mail`, `international`, `read as IE`, `read as IE (its own region)`, `text`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reading::Email => f.write_str("e-mail"),
            Reading::International => f.write_str("international"),
            Reading::National { region, own: false } => write!(f, "read as {region}"),
            Reading::National { region, own: true } => {
                write!(f, "read as {region}, its own region")
            }
            Reading::Text => f.write_str("text"),
        }
    }
}

/// A validated, normalized identifier of the data subject.
///
/// `Debug` does not print the value, so an identifier can sit in structures that get logged;
/// read it on purpose with [`Identifier::normalized`]. Two identifiers are equal when they
/// are the same kind and normalized form, however each was written.
#[derive(Clone)]
pub struct Identifier {
    kind: IdentifierKind,
    normalized: String,
    phone: Option<PhoneNumber>,
    reading: Reading,
}

impl PartialEq for Identifier {
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind && self.normalized == other.normalized
    }
}

impl Eq for Identifier {}

impl std::hash::Hash for Identifier {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.kind.hash(state);
        self.normalized.hash(state);
    }
}

impl Identifier {
    /// Which kind of identifier this is.
    pub fn kind(&self) -> IdentifierKind {
        self.kind
    }

    /// The normalized form: `local@ascii-domain` lower-cased for an e-mail, `+<digits>` for a
    /// phone, the lower-cased trimmed string for text.
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The phone number split into its parts, for a phone identifier.
    pub fn phone(&self) -> Option<&PhoneNumber> {
        self.phone.as_ref()
    }

    /// How the input was read: an international or a national number (and in which region),
    /// an address, or text.
    pub fn reading(&self) -> Reading {
        self.reading
    }

    /// For a phone identifier, what libphonenumber's metadata calls the number: its region
    /// and type (`toll-free, AU`), for the report's `Identifiers:` line. Reads the metadata
    /// on the first call; a search does not need it.
    pub fn number_reading(&self) -> Option<NumberReading> {
        self.phone.as_ref().map(PhoneNumber::metadata_reading)
    }

    /// A text identifier (`--match text`) for `value`, lower-cased.
    fn text(value: &str) -> Identifier {
        Identifier {
            kind: IdentifierKind::Text,
            normalized: value.to_lowercase(),
            phone: None,
            reading: Reading::Text,
        }
    }
}

/// Prints the kind only: the value is personal data.
impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Identifier")
            .field("kind", &self.kind)
            .field("normalized", &format_args!("<redacted>"))
            .finish()
    }
}

/// Why an identifier was refused. Every message says how to fix the input and none
/// contains it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdentifierError {
    /// Nothing but whitespace.
    #[error("the identifier is empty; give an e-mail address or a phone number")]
    Empty,
    /// Fewer than [`MIN_IDENTIFIER_CHARS`] characters.
    #[error("the identifier is too short (fewer than 4 characters) to be matched safely; give the whole e-mail address or phone number")]
    TooShort,
    /// Neither an e-mail address nor a phone number, and text matching is off.
    #[error("neither an e-mail address nor a phone number; add --default-region for national numbers, or --match text for a plain substring")]
    Unrecognized,
    /// Has an `@` but is not a valid address.
    #[error("looks like an e-mail address, but {0}; correct it, or use --match text for a plain substring")]
    Email(EmailError),
    /// Made of digits and punctuation but not a valid phone number.
    #[error("looks like a phone number, but {0}")]
    Phone(PhoneError),
    /// A phone number behind a region prefix (`XX:`) that is not a supported region.
    #[error("the region prefix {code:?} is not a supported region; write REGION:number with the ISO 3166-1 alpha-2 code of one of: {}", Region::supported_codes())]
    UnknownRegion {
        /// The two letters given; a region code is not personal data.
        code: String,
    },
}

/// Classifies, validates and normalizes one identifier of the data subject.
///
/// An input with an `@` must be an e-mail address; one made only of digits, a leading `+` and
/// punctuation must be a phone number, optionally behind its own region (`IE:087 123 4567`,
/// which overrides the default region for this number); with `allow_text`, anything else of
/// at least four characters (and an invalid address or number) becomes a text identifier.
pub fn parse_identifier(
    input: &str,
    options: &ParseOptions,
) -> Result<Identifier, IdentifierError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(IdentifierError::Empty);
    }
    if trimmed.chars().count() < MIN_IDENTIFIER_CHARS {
        return Err(IdentifierError::TooShort);
    }
    let (phone_text, region, own_region) = match split_region_prefix(trimmed) {
        Some((code, rest)) => {
            let region = Region::parse(code).ok_or_else(|| IdentifierError::UnknownRegion {
                code: code.to_string(),
            })?;
            (rest, Some(region), true)
        }
        None => (trimmed, options.default_region, false),
    };
    let refused = if trimmed.contains('@') {
        match normalize_email(trimmed) {
            Ok(normalized) => {
                return Ok(Identifier {
                    kind: IdentifierKind::Email,
                    normalized,
                    phone: None,
                    reading: Reading::Email,
                })
            }
            Err(e) => IdentifierError::Email(e),
        }
    } else if looks_like_phone(phone_text, region) {
        match normalize_phone_reading(phone_text, region) {
            Ok((number, read_in)) => {
                return Ok(Identifier {
                    kind: IdentifierKind::Phone,
                    normalized: number.e164().to_string(),
                    phone: Some(number),
                    reading: match read_in {
                        Some(region) => Reading::National {
                            region,
                            own: own_region,
                        },
                        None => Reading::International,
                    },
                })
            }
            Err(e) => IdentifierError::Phone(e),
        }
    } else {
        IdentifierError::Unrecognized
    };
    if options.allow_text {
        Ok(Identifier::text(trimmed))
    } else {
        Err(refused)
    }
}

/// Splits a region prefix off a phone number: two ASCII letters and `:` in front of
/// something made only of what phone numbers are written with (`IE:087 123 4567`,
/// `gb: 020 7946 0958`). An input with an `@` never has one: `ab:c@example.com` is an
/// e-mail address (whose local part happens to hold a colon), not a number of region AB.
fn split_region_prefix(s: &str) -> Option<(&str, &str)> {
    let bytes = s.as_bytes();
    if bytes.len() < 4
        || !bytes[0].is_ascii_alphabetic()
        || !bytes[1].is_ascii_alphabetic()
        || bytes[2] != b':'
        || s.contains('@')
    {
        return None;
    }
    let rest = s[3..].trim();
    looks_like_phone(rest, None).then_some((&s[..2], rest))
}

/// Whether `s` is made only of what phone numbers are written with, and has a digit.
fn looks_like_phone(s: &str, region: Option<Region>) -> bool {
    match Dialled::read(s, region) {
        Ok(d) => !d.digits().is_empty(),
        Err(PhoneError::NotAPhone) => false,
        Err(_) => true,
    }
}

/// The identifiers of a search file (`--search-file`), one a line, blank lines and `#`
/// comments left out, each with where it came from (`FILE line N`) for messages: the search
/// and `disk-check` read the same file format.
pub fn search_file_entries(text: &str, shown: &str) -> Vec<(String, String)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
        .map(|(i, l)| (format!("{shown} line {}", i + 1), l.trim().to_string()))
        .collect()
}

/// Identifiers given more than once (the same once normalized) kept once, in the order first
/// given, with how many were left out. One hash set: a list of 100,000 stays linear.
pub fn distinct_identifiers(parsed: Vec<Identifier>) -> (Vec<Identifier>, usize) {
    let mut seen: std::collections::HashSet<Identifier> =
        std::collections::HashSet::with_capacity(parsed.len());
    let total = parsed.len();
    let identifiers: Vec<Identifier> = parsed
        .into_iter()
        .filter(|id| seen.insert(id.clone()))
        .collect();
    let duplicates = total - identifiers.len();
    (identifiers, duplicates)
}

/// At most this many national numbers are checked against their region's numbering plan:
/// the check costs tens of microseconds a number, and a request names a few.
const MAX_PLAN_CHECKS: usize = 1000;

/// The national numbers (read in a region, not written internationally) that are no valid
/// number of that region by libphonenumber's metadata, as (index, region): `087 123 4567`
/// read in GB is `+44871234567`, which exists nowhere. Worth a note, not a refusal: fictional
/// test numbers (`555-010-…`) are not valid either.
pub fn unknown_in_region(identifiers: &[Identifier]) -> Vec<(usize, Region)> {
    identifiers
        .iter()
        .enumerate()
        .filter_map(|(i, id)| match id.reading() {
            Reading::National { region, .. } => Some((i, id, region)),
            _ => None,
        })
        .take(MAX_PLAN_CHECKS)
        .filter(|(_, id, region)| {
            id.phone()
                .is_some_and(|number| !crate::phone::is_valid_number_of(number, *region))
        })
        .map(|(i, _, region)| (i, region))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_list_is_deduplicated_in_order() {
        let options = ParseOptions::default();
        let n = 100_000;
        // Every address twice (once in other case), plus phone numbers spelled two ways.
        let mut inputs = Vec::new();
        for i in 0..n {
            inputs.push(format!("person{i}@example.com"));
        }
        for i in (0..n).rev() {
            inputs.push(format!("PERSON{i}@Example.com"));
        }
        inputs.push("+44 20 7946 0958".into());
        inputs.push("+442079460958".into());
        let parsed = inputs
            .iter()
            .map(|s| parse_identifier(s, &options).unwrap())
            .collect();
        let (ids, duplicates) = distinct_identifiers(parsed);
        assert_eq!(ids.len(), n + 1);
        assert_eq!(duplicates, n + 1);
        assert_eq!(ids[0].normalized(), "person0@example.com");
        assert_eq!(
            ids[n - 1].normalized(),
            format!("person{}@example.com", n - 1)
        );
        let set: std::collections::HashSet<&str> = ids.iter().map(|i| i.normalized()).collect();
        assert_eq!(set.len(), ids.len());
    }

    fn opts(region: Option<&str>, allow_text: bool) -> ParseOptions {
        ParseOptions {
            default_region: region.map(|r| Region::parse(r).unwrap()),
            allow_text,
        }
    }

    fn parse(s: &str) -> Result<Identifier, IdentifierError> {
        parse_identifier(s, &ParseOptions::default())
    }

    #[test]
    fn classifies_emails_and_phones() {
        let e = parse(" John@Pizza.com ").unwrap();
        assert_eq!(
            (e.kind(), e.normalized()),
            (IdentifierKind::Email, "john@pizza.com")
        );
        let p = parse("+44 (0)20 7946 0958").unwrap();
        assert_eq!(
            (p.kind(), p.normalized()),
            (IdentifierKind::Phone, "+442079460958")
        );
        assert_eq!(p.phone().unwrap().calling_code(), 44);
        let n = parse_identifier("020 7946 0958", &opts(Some("gb"), false)).unwrap();
        assert_eq!(n.normalized(), "+442079460958");
    }

    #[test]
    fn refuses_with_fixing_advice() {
        assert_eq!(parse("   "), Err(IdentifierError::Empty));
        assert_eq!(parse("abc"), Err(IdentifierError::TooShort));
        assert_eq!(parse("John Smith"), Err(IdentifierError::Unrecognized));
        assert!(parse("John Smith")
            .unwrap_err()
            .to_string()
            .contains("--default-region"));
        assert!(matches!(
            parse("john@pizza"),
            Err(IdentifierError::Email(_))
        ));
        assert!(matches!(
            parse("020 7946 0958"),
            Err(IdentifierError::Phone(PhoneError::NeedsRegion { .. }))
        ));
        assert!(matches!(
            parse_identifier("020 7946 09", &opts(Some("GB"), false)),
            Err(IdentifierError::Phone(PhoneError::NotARegionNumber { .. }))
        ));
    }

    #[test]
    fn errors_never_contain_the_input() {
        let inputs = [
            "John Smith",
            "john@pizza",
            "jo hn@pizza.com",
            "020 7946 0958",
            "+1 555 010 12345",
            "+44 020 7946 0958",
            "abc",
        ];
        for input in inputs {
            for o in [opts(None, false), opts(Some("US"), false)] {
                if let Err(e) = parse_identifier(input, &o) {
                    let msg = e.to_string();
                    let debug = format!("{e:?}");
                    // Country codes (`+44`) may appear: they identify nobody.
                    for part in input.split([' ', '@']).filter(|p| p.len() >= 4) {
                        assert!(!msg.contains(part), "{msg} contains {part}");
                        assert!(!debug.contains(part), "{debug} contains {part}");
                    }
                }
            }
        }
    }

    #[test]
    fn text_mode_accepts_anything_long_enough() {
        let t = parse_identifier("John Smith", &opts(None, true)).unwrap();
        assert_eq!(
            (t.kind(), t.normalized()),
            (IdentifierKind::Text, "john smith")
        );
        let t = parse_identifier("555-0101", &opts(None, true)).unwrap();
        assert_eq!(t.kind(), IdentifierKind::Text);
        assert_eq!(
            parse_identifier("abc", &opts(None, true)),
            Err(IdentifierError::TooShort)
        );
        let e = parse_identifier("John@Pizza.com", &opts(None, true)).unwrap();
        assert_eq!(
            e.kind(),
            IdentifierKind::Email,
            "valid addresses stay addresses"
        );
    }

    #[test]
    fn a_phone_number_may_name_its_own_region() {
        let own = parse_identifier("IE:087 123 4567", &opts(Some("GB"), false)).unwrap();
        assert_eq!(own.normalized(), "+353871234567", "IE overrides GB");
        assert_eq!(
            own.reading(),
            Reading::National {
                region: Region::parse("IE").unwrap(),
                own: true
            }
        );
        assert_eq!(own.reading().to_string(), "read as IE, its own region");
        for spelling in ["ie: 087 123 4567", "Ie:(087) 123-4567", " IE:087 123 4567 "] {
            let id = parse(spelling).unwrap_or_else(|e| panic!("{spelling}: {e}"));
            assert_eq!(id.normalized(), "+353871234567", "{spelling}");
        }
        // The default region reads the others; an international number stays international.
        let gb = parse_identifier("020 7946 0958", &opts(Some("GB"), false)).unwrap();
        assert_eq!(gb.reading().to_string(), "read as GB");
        let intl = parse_identifier("IE:+1 617 555 0123", &opts(None, false)).unwrap();
        assert_eq!(
            (intl.normalized(), intl.reading()),
            ("+16175550123", Reading::International)
        );
        // The same number however written is one identifier.
        assert_eq!(own, parse("+353 87 123 4567").unwrap());
        // A number wrong for its own region is refused in that region's terms.
        assert!(matches!(
            parse("IE:087 123 45678 9"),
            Err(IdentifierError::Phone(PhoneError::NotARegionNumber {
                region: "IE",
                ..
            }))
        ));
    }

    #[test]
    fn an_unknown_region_prefix_is_refused_with_the_list() {
        for o in [opts(None, false), opts(Some("GB"), true)] {
            let e = parse_identifier("XX:087 123 4567", &o).unwrap_err();
            assert_eq!(
                e,
                IdentifierError::UnknownRegion {
                    code: "XX".to_string()
                }
            );
            let msg = e.to_string();
            assert!(msg.contains("IE") && msg.contains("US"), "{msg}");
            assert!(!msg.contains("4567"), "{msg}");
        }
    }

    #[test]
    fn an_address_is_never_read_as_a_region_prefix() {
        // `ab:c@example.com`: an input with `@` is an address, whatever precedes a colon.
        // The project's addresses allow no colon, so it is refused as an address.
        assert!(matches!(
            parse("ab:c@example.com"),
            Err(IdentifierError::Email(_))
        ));
        assert!(matches!(
            parse("IE:john@pizza.com"),
            Err(IdentifierError::Email(_))
        ));
        // Text that is not a number behind the prefix is not a region prefix either.
        assert_eq!(parse("re:order"), Err(IdentifierError::Unrecognized));
        let t = parse_identifier("re:order", &opts(None, true)).unwrap();
        assert_eq!(
            (t.kind(), t.reading()),
            (IdentifierKind::Text, Reading::Text)
        );
    }

    #[test]
    fn a_phone_identifier_carries_the_metadata_reading() {
        let toll_free = parse("+61 1800 123 456").unwrap();
        let reading = toll_free.number_reading().unwrap();
        assert_eq!(reading.to_string(), "toll-free, AU");
        let national = parse_identifier("1800 123 456", &opts(Some("AU"), false)).unwrap();
        assert_eq!(national, toll_free);
        assert!(parse("john@pizza.com").unwrap().number_reading().is_none());
    }

    #[test]
    fn debug_is_redacted() {
        let e = parse("john@pizza.com").unwrap();
        let debug = format!("{e:?}");
        assert!(!debug.contains("john"), "{debug}");
        assert!(debug.contains("Email"));
    }
}
