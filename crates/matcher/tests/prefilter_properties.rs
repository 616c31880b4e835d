//! Property tests of the pre-filters: `match_value`, which skips the values its filters rule
//! out, finds exactly what the full walk of every value finds (same hits, same order, same
//! JSON paths, same variants, possible matches included), for one, a few and many
//! identifiers, on generated values that spell the identifiers and near misses in many ways:
//! letter case, JSON escapes (`\u0040`, `\/`), encoded at-signs, invisible characters,
//! fullwidth digits, separators, national and international spellings, integers, keys, and
//! values that are not JSON.
//!
//! And `could_match_bytes`, the same pre-filter asked directly about raw bytes (the disk
//! check's runs of text): it passes whatever the search finds in the bytes or a slice of them.

// Built for the static target (CI), the tests allocate as the shipped binary does (mimalloc):
// musl's own allocator doubled their CPU time.
#[cfg(target_env = "musl")]
#[global_allocator]
static TEST_ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use forgetme_matcher::{parse_identifier, Identifier, Matcher, ParseOptions, Region};
use proptest::prelude::*;

/// E-mail identifiers and their stored spellings' building blocks.
const EMAILS: &[&str] = &[
    "john@pizza.com",
    "jöhn@bücher.de",
    "ann.lee+x@mail.example.co.uk",
];

/// Phone identifiers of several regions (E.164) with the region that reads their national
/// spelling.
const PHONES: &[(&str, &str)] = &[
    ("+442079460958", "GB"),
    ("+15550101234", "US"),
    ("+353871234567", "IE"),
    ("+4930123456", "DE"),
    ("+6561234567", "SG"),
    ("+33612345678", "FR"),
    // Spelled nationally in a form the metadata rewrites: Argentina's `011 15 2345-6789`,
    // Saint Kitts' seven-digit local number.
    ("+5491123456789", "AR"),
    ("+18692361234", "KN"),
];

fn parse(input: &str) -> Identifier {
    let options = ParseOptions {
        default_region: None,
        allow_text: true,
    };
    parse_identifier(input, &options).expect("fixed identifiers are valid")
}

/// Many identifiers that the generated values never hold, so that the set is large (the
/// Aho-Corasick pre-filter is not built) and shares domains and number ranges with them.
fn bulk() -> Vec<Identifier> {
    let mut out = Vec::new();
    for i in 0..40 {
        out.push(parse(&format!("person{i}@pizza.com")));
        out.push(parse(&format!("+44 20 7946 {:04}", 1000 + i)));
        out.push(parse(&format!("+1 555 010 {:04}", 2000 + i)));
    }
    out
}

/// Writes `digits` with separators chosen by `seps`.
fn punctuate(digits: &str, seps: &[u8]) -> String {
    let mut out = String::new();
    for (i, d) in digits.chars().enumerate() {
        out.push(d);
        if i + 1 < digits.len() {
            out.push_str(match seps[i % seps.len()] {
                0 => " ",
                1 => "-",
                2 => ".",
                3 => "/",
                4 => "\u{a0}",
                5 => "\u{2009}",
                6 => "(",
                7 => ")",
                _ => "",
            });
        }
    }
    out
}

/// One stored spelling of a phone number, or a near miss.
fn phone_text() -> impl Strategy<Value = String> {
    (
        0..PHONES.len(),
        0u8..18,
        prop::collection::vec(0u8..12, 1..6),
        any::<bool>(),
    )
        .prop_map(|(i, form, seps, fullwidth)| {
            let (e164, region) = PHONES[i];
            let region = Region::parse(region).unwrap();
            let digits = &e164[1..];
            let cc = region.calling_code().to_string();
            let nsn = &digits[cc.len()..];
            let trunk = region.trunk_prefix().unwrap_or("");
            let text = match form {
                0 => format!("+{}", punctuate(digits, &seps)),
                1 => format!("+{cc} (0){}", punctuate(nsn, &seps)),
                2 => format!("00{cc} {}", punctuate(nsn, &seps)),
                3 => format!("011 {cc} {}", punctuate(nsn, &seps)),
                4 => punctuate(&format!("{trunk}{nsn}"), &seps),
                5 => punctuate(nsn, &seps),
                6 => punctuate(digits, &seps),
                // Near misses: a digit more, a digit less, another last digit.
                7 => punctuate(&format!("{digits}7"), &seps),
                8 => punctuate(&digits[..digits.len() - 1], &seps),
                9 => format!("+{}", punctuate(&digits[..digits.len() - 1], &seps)),
                10 => format!("x{}", punctuate(nsn, &seps)),
                11 => {
                    let last = digits.as_bytes()[digits.len() - 1];
                    let other = char::from(b'0' + (last - b'0' + 1) % 10);
                    format!("{}{other}", &digits[..digits.len() - 1])
                }
                // An extension, glued or spaced.
                13 => format!("+{}x23", punctuate(digits, &seps)),
                14 => format!("{} Ext. 4", punctuate(&format!("{trunk}{nsn}"), &seps)),
                // Two numbers separated by a space: too long to be one.
                15 => format!("{} {}", punctuate(nsn, &seps), punctuate(digits, &seps)),
                // Glued to ideographs.
                16 => format!("电话{}号", punctuate(digits, &seps)),
                // The national spelling the region's metadata rewrites (others: the NSN).
                12 => match region.iso_code() {
                    "AR" => format!("0{} 15 {}", &nsn[1..3], punctuate(&nsn[3..], &seps)),
                    "KN" => punctuate(&nsn[3..], &seps),
                    _ => punctuate(nsn, &seps),
                },
                // A `(0)` inside the number: dropped by an international reading.
                _ => {
                    let cut = nsn.len() / 2 + usize::from(seps[0]) % 3;
                    let cut = cut.min(nsn.len());
                    format!("+{cc} {} (0){}", &nsn[..cut], &nsn[cut..])
                }
            };
            if fullwidth {
                text.chars()
                    .map(|c| match c {
                        '0'..='9' | '+' => char::from_u32(c as u32 - 0x21 + 0xFF01).unwrap(),
                        c => c,
                    })
                    .collect()
            } else {
                text
            }
        })
}

/// One stored spelling of an address, or a near miss.
fn email_text() -> impl Strategy<Value = String> {
    (
        0..EMAILS.len(),
        prop::collection::vec(any::<bool>(), 1..12),
        0u8..12,
    )
        .prop_map(|(i, flips, form)| {
            let address = EMAILS[i];
            let (local, domain) = address.split_once('@').unwrap();
            let domain = if form == 1 && domain == "bücher.de" {
                "xn--bcher-kva.de"
            } else {
                domain
            };
            let at = match form {
                2 => "%40",
                3 => "&#64;",
                4 => "&#x40;",
                5 => "&commat;",
                _ => "@",
            };
            let text = match form {
                6 => format!("x{local}@{domain}"),
                7 => format!("{local}@{domain}x"),
                8 => format!("{local}@sub.{domain}"),
                // After a character that may be part of a local part.
                9 => format!("o'{local}@{domain}"),
                // Ideographic full stops between the domain's labels.
                10 => format!("{local}@{}", domain.replace('.', "\u{3002}")),
                // Glued to an ideograph.
                11 => format!("邮箱{local}@{domain}"),
                _ => format!("{local}{at}{domain}"),
            };
            text.chars()
                .zip(flips.iter().cycle())
                .map(|(c, &flip)| {
                    if flip {
                        c.to_uppercase().next().unwrap()
                    } else {
                        c
                    }
                })
                .collect()
        })
}

/// A piece of stored text: an identifier's spelling, a near miss, or noise that may glue
/// to its neighbours (letters, digits, punctuation, quotes, backslashes, invisible and
/// non-ASCII characters).
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => phone_text(),
        3 => email_text(),
        2 => "[a-z0-9 @.+()/;&#%_\"'\\\\<>:=-]{0,6}",
        1 => prop::sample::select(vec![
            "\u{200b}", "\u{ad}", "é", "ü", "\u{a0}", "\u{feff}", "١", "＠", "\u{2013}", "电",
            "\u{3002}", "x", "ext",
        ])
        .prop_map(str::to_string),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..5).prop_map(|pieces| pieces.concat())
}

/// A JSON string literal of `s`, each character written literally or escaped as chosen by
/// `escapes` (`\uXXXX`, or `\/` for a slash); quotes, backslashes and control characters
/// are always escaped.
fn json_string(s: &str, escapes: &[u8]) -> String {
    let mut out = String::from("\"");
    for (i, c) in s.chars().enumerate() {
        let choice = escapes[i % escapes.len()];
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '/' if choice == 1 => out.push_str("\\/"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c if choice == 2 && (c as u32) < 0x10000 => {
                out.push_str(&format!("\\u{:04X}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A stored value: a JSON document holding the texts as values, keys and integers, or
/// something that is not JSON.
fn value() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(text(), 1..5),
        prop::collection::vec(0u8..8, 1..8),
        0u8..8,
        any::<u64>(),
    )
        .prop_map(|(texts, escapes, shape, number)| {
            let strings: Vec<String> = texts.iter().map(|t| json_string(t, &escapes)).collect();
            match shape {
                0 => format!("note {} end {{", texts.concat()),
                1 => format!("[{}]", strings.join(",")),
                2 => format!(
                    "{{{}: {}, \"n\": {}}}",
                    strings[0],
                    strings[strings.len() - 1],
                    number % 100_000_000_000_000
                ),
                3 => format!(
                    "{{\"phone\": {}, \"neg\": -{}, \"f\": 1.5, \"items\": [{}]}}",
                    15_550_101_234u64 + number % 3,
                    number % 1_000_000_000_000,
                    strings.join(" , ")
                ),
                4 => {
                    // Truncated: invalid JSON, searched as text.
                    let whole = format!("{{\"a\":[{}]}}", strings.join(","));
                    let cut = whole
                        .char_indices()
                        .map(|(i, _)| i)
                        .nth(whole.chars().count() * 2 / 3)
                        .unwrap_or(whole.len());
                    whole[..cut].to_string()
                }
                // Identifiers as keys of a map (`byAddress`), of nested and scalar values.
                5 => format!(
                    "{{\"byAddress\":{{{}}},\"last\":{{{}: null}}}}",
                    strings
                        .iter()
                        .enumerate()
                        .map(|(i, k)| if i % 2 == 0 {
                            format!("{k}: {{\"n\": {i}}}")
                        } else {
                            format!("{k}: {k}")
                        })
                        .collect::<Vec<_>>()
                        .join(","),
                    strings[strings.len() - 1]
                ),
                _ => format!(
                    "{{\"id\":\"fav-1\",\"contacts\":[{{\"displayName\":{},\"values\":{{\"odd key\":[{}]}}}}],\"notes\":{}}}",
                    strings[0],
                    strings.join(","),
                    strings[strings.len() - 1]
                ),
            }
        })
}

/// The identifier sets and default regions searched: one address, one number, a few of
/// both (the Aho-Corasick pre-filter applies), and many (it does not).
fn matchers() -> Vec<Matcher> {
    let mut out = Vec::new();
    let all: Vec<Identifier> = EMAILS
        .iter()
        .copied()
        .chain(PHONES.iter().map(|(e164, _)| *e164))
        .map(parse)
        .collect();
    let regions: Vec<Option<Region>> = [
        None,
        Some("GB"),
        Some("US"),
        Some("IE"),
        Some("CN"),
        Some("SG"),
        Some("AR"),
        Some("KN"),
    ]
    .iter()
    .map(|r| r.map(|r| Region::parse(r).unwrap()))
    .collect();
    for region in &regions {
        out.push(Matcher::new(vec![parse(EMAILS[0])], *region));
        out.push(Matcher::new(vec![parse(PHONES[0].0)], *region));
        out.push(Matcher::new(all.clone(), *region));
        let mut many = bulk();
        many.extend(all.iter().cloned());
        out.push(Matcher::new(many, *region));
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn filtered_search_finds_what_the_full_walk_finds(raw in value()) {
        thread_local! {
            static MATCHERS: Vec<Matcher> = matchers();
        }
        MATCHERS.with(|matchers| -> Result<(), TestCaseError> {
            for (i, matcher) in matchers.iter().enumerate() {
                let fast = matcher.match_value(&raw);
                let full = matcher.match_value_without_prefilter(&raw);
                prop_assert_eq!(&fast.hits, &full.hits, "matcher {}: {}", i, raw);
                if fast.parsed_as_json || fast.warning.is_some() {
                    prop_assert_eq!(&fast, &full, "matcher {}: {}", i, raw);
                }
            }
            Ok(())
        })?;
    }
}

/// Bytes around a stored value as the disk check meets them in a node's files: lengths,
/// flags and timestamps, which may be control characters, printable characters, or bytes
/// that are not UTF-8 at all (so that the value is also searched as invalid UTF-8).
fn binary() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            2 => 0u8..0x20,
            2 => 0x20u8..0x7f,
            1 => any::<u8>(),
        ],
        0..4,
    )
}

/// A stored value (JSON or not), or bare text: spellings not escaped as JSON strings, as
/// they are in a value that is not JSON, or in the text between two binary fields; and
/// single spellings, alone (pure ASCII more often, so that nothing else in the value makes
/// the pre-filter pass: each of its own tests is put to work), also as a JSON string.
fn stored() -> impl Strategy<Value = String> {
    let spelling = || prop_oneof![phone_text(), email_text()];
    prop_oneof![
        2 => value(),
        2 => text(),
        2 => spelling(),
        // One spelling as a JSON string, some characters escaped.
        1 => (spelling(), prop::collection::vec(0u8..3, 1..4))
            .prop_map(|(text, escapes)| json_string(&text, &escapes)),
    ]
}

/// The hits of the search without any pre-filter, on bytes that may not be UTF-8 (replaced
/// as [`Matcher::match_bytes`] replaces them): the oracle does not share the filter it
/// checks.
fn found_unfiltered(matcher: &Matcher, bytes: &[u8]) -> Vec<forgetme_matcher::Hit> {
    matcher
        .match_value_without_prefilter(&String::from_utf8_lossy(bytes))
        .hits
}

/// A value between binary bytes, and the slice of it from `from` to `to` (bounds taken
/// from the whole length and put in order).
fn in_a_run(
    value: String,
    before: Vec<u8>,
    after: Vec<u8>,
    from: prop::sample::Index,
    to: prop::sample::Index,
) -> (Vec<u8>, std::ops::Range<usize>) {
    let bytes = [before, value.into_bytes(), after].concat();
    let (a, b) = (from.index(bytes.len() + 1), to.index(bytes.len() + 1));
    (bytes, a.min(b)..a.max(b))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]

    /// The oracle of `could_match_bytes`, the pre-filter the disk check runs on every piece
    /// of a file before anything else: whenever the search finds an identifier in some bytes
    /// or in any slice of them (the search without its own pre-filter, which is the same
    /// scan: `match_bytes` would agree with a wrong filter), `could_match_bytes` passes the
    /// bytes (and the slice).
    /// The values spell the identifiers in every way the generator above knows (letter case,
    /// JSON escapes, encoded at-signs, invisible characters, fullwidth and Arabic-Indic digits,
    /// punctuation, `(0)`, national and international forms, keys, integers, text that is
    /// not JSON), between bytes that may not be UTF-8, for one, a few and many identifiers
    /// and every default region. A `false` where the search finds something would report a
    /// file clean that is not.
    #[test]
    fn could_match_bytes_passes_whatever_the_search_finds(
        value in stored(),
        before in binary(),
        after in binary(),
        from in any::<prop::sample::Index>(),
        to in any::<prop::sample::Index>(),
    ) {
        thread_local! {
            static MATCHERS: Vec<Matcher> = matchers();
        }
        let (bytes, slice) = in_a_run(value, before, after, from, to);
        let part = &bytes[slice];
        MATCHERS.with(|matchers| -> Result<(), TestCaseError> {
            for (i, matcher) in matchers.iter().enumerate() {
                if !found_unfiltered(matcher, &bytes).is_empty() {
                    prop_assert!(matcher.could_match_bytes(&bytes), "matcher {}: {:?}", i, bytes);
                }
                if !found_unfiltered(matcher, part).is_empty() {
                    prop_assert!(matcher.could_match_bytes(part), "matcher {}: {:?}", i, part);
                    prop_assert!(matcher.could_match_bytes(&bytes), "matcher {}: {:?}", i, bytes);
                }
            }
            Ok(())
        })?;
    }
}

/// The oracle above is not vacuous: the search finds identifiers, of every kind, in many of
/// its byte strings and slices, and `could_match_bytes` rules out many others.
#[test]
fn could_match_bytes_oracle_sees_hits_and_misses() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let matchers = matchers();
    let mut runner = TestRunner::deterministic();
    let strategy = (
        stored(),
        binary(),
        binary(),
        any::<prop::sample::Index>(),
        any::<prop::sample::Index>(),
    );
    let (mut found, mut found_in_slice, mut ruled_out) = (0, 0, 0);
    let mut variants = std::collections::HashSet::new();
    for _ in 0..1000 {
        let (value, before, after, from, to) = strategy.new_tree(&mut runner).unwrap().current();
        let (bytes, slice) = in_a_run(value, before, after, from, to);
        for matcher in &matchers {
            let hits = found_unfiltered(matcher, &bytes);
            found += usize::from(!hits.is_empty());
            variants.extend(hits.iter().map(|h| h.variant.as_str()));
            found_in_slice +=
                usize::from(!found_unfiltered(matcher, &bytes[slice.clone()]).is_empty());
            ruled_out += usize::from(!matcher.could_match_bytes(&bytes));
        }
    }
    assert!(found > 2000, "{found}");
    assert!(found_in_slice > 500, "{found_in_slice}");
    assert!(ruled_out > 1500, "{ruled_out}");
    for variant in [
        "exact",
        "case-insensitive",
        "idna",
        "phone-formatted",
        "national-number",
        "respelled",
        "with-extension",
    ] {
        assert!(
            variants.contains(variant),
            "{variant} never found: {variants:?}"
        );
    }
}

/// The generator is not vacuous: it plants every kind of hit (exact, respelled, possible,
/// through escapes) often enough for the comparison above to mean something.
#[test]
fn generated_values_hold_hits_of_every_kind() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let matchers = matchers();
    let mut runner = TestRunner::deterministic();
    let strategy = value();
    let mut variants = std::collections::HashSet::new();
    let mut with_hits = 0;
    let mut keyed = 0;
    for _ in 0..2000 {
        let raw = strategy.new_tree(&mut runner).unwrap().current();
        // Every region's matcher of all identifiers: digits without `+` are ambiguous
        // without a region and in CN, the international number in SG.
        let hits: Vec<_> = matchers
            .iter()
            .skip(3)
            .step_by(4)
            .flat_map(|m| m.match_value(&raw).hits)
            .collect();
        if !hits.is_empty() {
            with_hits += 1;
        }
        // Hits in a map keyed by identifiers: found in a key (`{"…": {"n": 0}}`) or in the
        // key and value of one member.
        keyed += hits
            .iter()
            .filter(|h| {
                h.path.as_ref().is_some_and(|p| {
                    let p = p.to_string();
                    p.starts_with("$.byAddress[") && !p.ends_with(".n")
                })
            })
            .count();
        variants.extend(hits.iter().map(|h| h.variant));
    }
    assert!(with_hits > 200, "{with_hits}");
    assert!(keyed > 50, "{keyed}");
    for variant in [
        "exact",
        "case-insensitive",
        "idna",
        "phone-formatted",
        "international-without-plus",
        "national-number",
        "respelled",
        "email-after-symbol",
        "ambiguous-without-plus",
        "with-extension",
        "split-run",
    ] {
        assert!(
            variants.iter().any(|v| v.as_str() == variant),
            "{variant} never generated: {variants:?}"
        );
    }
}
