//! Conformance of the matcher with libphonenumber's metadata (the `phonenumber` crate).
//!
//! For every region (and non-geographic entity) and every number type that has an example
//! number in the metadata, the example must be accepted as an identifier, and found when it
//! is stored in each standard spelling: E.164, the international and national formats, RFC
//! 3966 `tel:`, behind the region's international dialling prefixes, and inside free text.
//!
//! The kind each hit should have is computed here from the metadata, apart from the
//! matcher: **exact** where the spelling has exactly one reading under the default region
//! of the search, **possible** where the text admits another (a national spelling searched
//! without a region, or digits that read as another valid number too). A neighbour of each
//! example (its last digit changed) is another number and must never be a hit.
//!
//! The test prints a table of totals per spelling and fails on any miss, any refusal of a
//! valid number as an identifier, any hit on a neighbour, and any exact hit where the text
//! also reads as another number.

// Built for the static target (CI), the tests allocate as the shipped binary does (mimalloc):
// musl's own allocator doubled their CPU time.
#[cfg(target_env = "musl")]
#[global_allocator]
static TEST_ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use forgetme_matcher::{parse_identifier, Matcher, ParseOptions, Region};
use phonenumber::metadata::{Descriptor, Metadata, DATABASE};
use phonenumber::Mode;

/// Whether the test fails on what it finds, or only reports it.
const STRICT: bool = true;

/// One example number: its region (or `001` for a non-geographic entity), its type, and
/// libphonenumber's spellings of it.
struct Example {
    meta: &'static Metadata,
    kind: &'static str,
    e164: String,
    international: String,
    national: String,
    rfc3966: String,
}

fn types(meta: &Metadata) -> Vec<(&'static str, Option<&Descriptor>)> {
    let d = meta.descriptors();
    vec![
        ("fixed-line", d.fixed_line()),
        ("mobile", d.mobile()),
        ("toll-free", d.toll_free()),
        ("premium-rate", d.premium_rate()),
        ("shared-cost", d.shared_cost()),
        ("personal", d.personal_number()),
        ("voip", d.voip()),
        ("pager", d.pager()),
        ("uan", d.uan()),
        ("voicemail", d.voicemail()),
    ]
}

fn examples() -> Vec<Example> {
    let mut out = Vec::new();
    for meta in DATABASE.iter() {
        for (kind, descriptor) in types(meta) {
            let Some(example) = descriptor.and_then(|d| d.example()) else {
                continue;
            };
            let e164 = format!("+{}{example}", meta.country_code());
            let Ok(parsed) = phonenumber::parse(None, &e164) else {
                continue;
            };
            // An example the metadata itself does not call valid is not a number to find.
            if !phonenumber::is_valid(&parsed) {
                continue;
            }
            out.push(Example {
                meta,
                kind,
                e164: parsed.format().mode(Mode::E164).to_string(),
                international: parsed.format().mode(Mode::International).to_string(),
                national: parsed.format().mode(Mode::National).to_string(),
                rfc3966: parsed.format().mode(Mode::Rfc3966).to_string(),
            });
        }
    }
    out
}

/// Whether `+digits` is a valid number by the metadata, as its E.164 string.
fn valid(digits: &str) -> Option<String> {
    let e164 = format!("+{digits}");
    let parsed = phonenumber::parse(None, &e164).ok()?;
    phonenumber::is_valid(&parsed).then(|| parsed.format().mode(Mode::E164).to_string())
}

/// Every valid number the digits of `text` read as, dialled in `region` (or, with no region,
/// only the reading a `+` makes certain). Computed from the metadata alone: the region's
/// international prefixes (and `00`) give international readings; without one, the digits
/// are national: as they are, behind the national prefix, or rewritten by the region's
/// national prefix for parsing and its transform rule; and with no national reading, the
/// digits themselves may be an international number written without `+`.
fn readings(text: &str, region: Option<&Metadata>) -> Vec<String> {
    // A `+` before the first digit (`tel:+…`, `Call me on +…`).
    let plus = text
        .find(|c: char| c.is_ascii_digit() || c == '+')
        .is_some_and(|at| text[at..].starts_with('+'));
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    let mut out = Vec::new();
    if plus {
        out.extend(valid(&digits));
        return out;
    }
    let Some(meta) = region else {
        // A national spelling without a region: any region's reading, and the digits
        // written without `+`. More than one reading whenever there is one.
        out.push(String::from("<national, region unknown>"));
        out.extend(valid(&digits));
        return out;
    };
    let mut international = Vec::new();
    if let Some(rest) = digits.strip_prefix("00") {
        international.extend(valid(rest));
    }
    if let Some(m) = meta
        .international_prefix()
        .and_then(|p| p.find(&digits))
        .filter(|m| m.start() == 0 && !m.as_str().is_empty())
    {
        international.extend(valid(&digits[m.end()..]));
    }
    if !international.is_empty() {
        international.sort();
        international.dedup();
        return international;
    }
    let cc = meta.country_code();
    let mut national = Vec::new();
    national.extend(valid(&format!("{cc}{digits}")));
    if let Some(prefix) = meta.national_prefix() {
        if let Some(rest) = digits.strip_prefix(prefix) {
            national.extend(valid(&format!("{cc}{rest}")));
        }
    }
    if let Some(caps) = meta
        .national_prefix_for_parsing()
        .and_then(|p| p.captures(&digits))
    {
        let whole = caps.get(0).expect("group 0");
        if whole.start() == 0 {
            let rest = &digits[whole.end()..];
            let mut rewritten = String::new();
            match meta.national_prefix_transform_rule() {
                Some(rule) if caps.len() > 1 && caps.get(caps.len() - 1).is_some() => {
                    let mut braced = rule.to_string();
                    for group in 1..10 {
                        braced = braced.replace(&format!("${group}"), &format!("${{{group}}}"));
                    }
                    caps.expand(&braced, &mut rewritten);
                }
                _ => {}
            }
            rewritten.push_str(rest);
            national.extend(valid(&format!("{cc}{rewritten}")));
        }
    }
    if national.is_empty() {
        national.extend(valid(&digits));
    }
    national.sort();
    national.dedup();
    national
}

/// The expected kind of a hit on `number` in `text` under `region`, or `None` when the
/// text does not even read as it (then the matcher owes nothing, and the row says so).
fn expected(text: &str, region: Option<&Metadata>, number: &str) -> Option<&'static str> {
    let readings = readings(text, region);
    match readings.as_slice() {
        [only] if only == number => Some("exact"),
        many if many.iter().any(|r| r == number) || region.is_none() => Some("possible"),
        _ => None,
    }
}

/// The totals of one spelling.
#[derive(Default)]
struct Row {
    examples: usize,
    accepted: usize,
    refused: usize,
    exact: usize,
    possible: usize,
    missed: usize,
    /// Exact where the text also reads as another number.
    exact_not_certain: usize,
    /// Possible where the text has exactly one reading.
    possible_but_certain: usize,
    /// The text does not read as the number (by the test's own reading).
    unreadable: usize,
    /// Hits on the neighbour (another number).
    neighbour_hits: usize,
}

fn neighbour(spelling: &str) -> String {
    let at = spelling
        .rfind(|c: char| c.is_ascii_digit())
        .expect("a spelling has digits");
    let d = spelling.as_bytes()[at] - b'0';
    let mut out = spelling.to_string();
    out.replace_range(at..=at, &((d + 1) % 10).to_string());
    out
}

/// The region of `meta`, for a two-letter id.
fn region_of(meta: &Metadata) -> Option<Region> {
    (meta.id().len() == 2).then(|| Region::parse(meta.id()).expect("every region is known"))
}

#[test]
fn every_example_number_of_the_metadata_is_accepted_and_found() {
    let examples = examples();
    let mut rows: BTreeMap<&'static str, Row> = BTreeMap::new();
    let mut failures: Vec<String> = Vec::new();
    // Hits weaker than they need be: reported, not failed.
    let mut notes: Vec<String> = Vec::new();
    let mut regions = std::collections::BTreeSet::new();
    let mut kinds: BTreeMap<&'static str, usize> = BTreeMap::new();
    for ex in &examples {
        regions.insert(ex.meta.id());
        *kinds.entry(ex.kind).or_default() += 1;
        let region = region_of(ex.meta);
        let id = ex.meta.id();
        let at = |spelling: &str| format!("{id} {} {spelling}", ex.kind);

        // The spellings, each with the default region of its search and whether it is an
        // identifier spelling (checked as `parse_identifier` input too).
        let mut spellings: Vec<(&'static str, String, Option<Region>, bool)> = vec![
            ("e164", ex.e164.clone(), None, true),
            ("international", ex.international.clone(), None, true),
            ("rfc3966", ex.rfc3966.clone(), None, false),
            (
                "text, international",
                format!("Call me on {} after six.", ex.international),
                None,
                false,
            ),
        ];
        if let Some(region) = region {
            spellings.push(("national, region", ex.national.clone(), Some(region), true));
            spellings.push(("national, no region", ex.national.clone(), None, false));
            spellings.push((
                "text, national",
                format!("Call me on {} after six.", ex.national),
                Some(region),
                false,
            ));
            let after_plus = ex.international.trim_start_matches('+');
            for prefix in region.international_prefixes() {
                spellings.push((
                    "international prefix",
                    format!("{prefix} {after_plus}"),
                    Some(region),
                    true,
                ));
            }
        }

        for (name, spelling, default_region, as_identifier) in spellings {
            let row = rows.entry(name).or_default();
            row.examples += 1;
            let meta_region = default_region.map(|_| ex.meta);
            let expect = expected(&spelling, meta_region, &ex.e164);
            if expect.is_none() {
                row.unreadable += 1;
                notes.push(format!("{}: {spelling:?} unreadable by the test", at(name)));
            }
            if as_identifier {
                let options = ParseOptions {
                    default_region,
                    allow_text: false,
                };
                match parse_identifier(&spelling, &options) {
                    Ok(parsed) if parsed.normalized() == ex.e164 => row.accepted += 1,
                    Ok(_) | Err(_) if expect.is_none() => {
                        row.refused += 1;
                        notes.push(format!("{}: refused, and unreadable by the test", at(name)));
                    }
                    Ok(parsed) => {
                        row.refused += 1;
                        notes.push(format!(
                            "{}: read as another number ({:?}), reads as {:?}",
                            at(name),
                            parsed.normalized(),
                            readings(&spelling, meta_region)
                        ));
                        if expect == Some("exact") {
                            failures.push(format!(
                                "{}: read as another number ({} digits)",
                                at(name),
                                parsed.normalized().len() - 1
                            ));
                        }
                    }
                    Err(e) => {
                        row.refused += 1;
                        if expect != Some("exact") {
                            notes.push(format!(
                                "{}: refused ({e}), reads as {:?}",
                                at(name),
                                readings(&spelling, meta_region)
                            ));
                        }
                        if expect == Some("exact") {
                            failures.push(format!("{}: refused: {e}", at(name)));
                        }
                    }
                }
            }
            let identifier = parse_identifier(&ex.e164, &ParseOptions::default());
            let Ok(identifier) = identifier else {
                row.missed += 1;
                failures.push(format!("{}: the E.164 form is refused", at(name)));
                continue;
            };
            let matcher = Matcher::new(vec![identifier], default_region);
            let raw = serde_json::json!({ "phone": spelling }).to_string();
            let hits = matcher.match_value(&raw).hits;
            match hits.first() {
                None => {
                    row.missed += 1;
                    if expect.is_some() {
                        failures.push(format!("{}: {spelling:?} not found", at(name)));
                    }
                }
                Some(hit) if hit.variant.is_possible() => {
                    row.possible += 1;
                    if expect == Some("exact") {
                        row.possible_but_certain += 1;
                        notes.push(format!(
                            "{}: {spelling:?} possible ({}), reads only as the number",
                            at(name),
                            hit.variant
                        ));
                    }
                }
                Some(hit) => {
                    row.exact += 1;
                    if expect == Some("possible") {
                        row.exact_not_certain += 1;
                        failures.push(format!(
                            "{}: {spelling:?} exact ({}) but reads as {:?}",
                            at(name),
                            hit.variant,
                            readings(&spelling, meta_region)
                        ));
                    }
                }
            }
            let other = neighbour(&spelling);
            let raw = serde_json::json!({ "phone": other }).to_string();
            if let Some(hit) = matcher.match_value(&raw).hits.first() {
                row.neighbour_hits += 1;
                failures.push(format!(
                    "{}: neighbour {other:?} is a hit ({})",
                    at(name),
                    hit.variant
                ));
            }
        }
    }

    let mut table = String::new();
    writeln!(
        table,
        "{} examples, {} regions and entities; by type: {}",
        examples.len(),
        regions.len(),
        kinds
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect::<Vec<_>>()
            .join(", ")
    )
    .unwrap();
    writeln!(
        table,
        "{:<22} {:>8} {:>8} {:>7} {:>7} {:>8} {:>6} {:>7} {:>7} {:>10} {:>10}",
        "spelling",
        "examples",
        "accepted",
        "refused",
        "exact",
        "possible",
        "missed",
        "exact?",
        "possib.!",
        "unreadable",
        "neighbour"
    )
    .unwrap();
    for (name, r) in &rows {
        writeln!(
            table,
            "{:<22} {:>8} {:>8} {:>7} {:>7} {:>8} {:>6} {:>7} {:>7} {:>10} {:>10}",
            name,
            r.examples,
            r.accepted,
            r.refused,
            r.exact,
            r.possible,
            r.missed,
            r.exact_not_certain,
            r.possible_but_certain,
            r.unreadable,
            r.neighbour_hits
        )
        .unwrap();
    }
    println!("{table}");
    println!(
        "columns: accepted/refused as an identifier (identifier spellings only); exact, \
         possible, missed: the search; exact?: exact where the text reads as another number \
         too; possib.!: possible where the text has one reading; unreadable: the test's own \
         reading does not give the number; neighbour: hits on the number with its last digit \
         changed"
    );
    println!("{} notes", notes.len());
    for n in notes.iter().filter(|n| !n.contains("split-run")).take(30) {
        println!("  {n}");
    }
    println!("{} failures", failures.len());
    for f in failures.iter().take(400) {
        println!("  {f}");
    }
    if STRICT {
        assert!(
            failures.is_empty(),
            "{} failures:\n{}",
            failures.len(),
            failures.join("\n")
        );
    }
}
