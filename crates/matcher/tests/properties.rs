//! Property tests: normalization is idempotent, a planted identifier is found in any
//! supported spelling and surroundings, and a number one digit longer or shorter is not.

// Built for the static target (CI), the tests allocate as the shipped binary does (mimalloc):
// musl's own allocator doubled their CPU time.
#[cfg(target_env = "musl")]
#[global_allocator]
static TEST_ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use forgetme_matcher::{parse_identifier, Identifier, MatchVariant, Matcher, ParseOptions, Region};
use proptest::prelude::*;
use serde_json::json;

/// The first digits a generated NSN of `region` may start with: digits 2–9 that the region
/// allows first and that no trunk prefix of the region starts with (so that a national
/// spelling without trunk prefix cannot be read as one with it).
fn first_digits(region: Region) -> Vec<u8> {
    (2u8..=9)
        .filter(|d| {
            let b = b'0' + d;
            region.accepts_nsn(&vec![b; usize::from(region.nsn_lengths()[0])])
                && region.trunk_prefixes().iter().all(|t| t.as_bytes()[0] != b)
        })
        .collect()
}

/// A phone number of a table region: the region and its national significant number. The
/// NSN starts with a first digit the region allows and no trunk prefix equals.
fn phone_number() -> impl Strategy<Value = (Region, String)> {
    let regions: Vec<Region> = Region::all()
        .iter()
        .copied()
        .filter(|r| !first_digits(*r).is_empty())
        .collect();
    prop::sample::select(regions)
        .prop_flat_map(|region| {
            (
                Just(region),
                prop::sample::select(region.nsn_lengths().to_vec()),
                prop::sample::select(first_digits(region)),
            )
        })
        .prop_flat_map(|(region, len, first)| {
            (
                Just(region),
                Just(first),
                prop::collection::vec(0u8..=9, usize::from(len) - 1),
            )
        })
        .prop_map(|(region, first, rest)| {
            let nsn = std::iter::once(first)
                .chain(rest)
                .map(|d| char::from(b'0' + d))
                .collect();
            (region, nsn)
        })
}

/// How a number is written in stored text, and the default region the matcher needs to
/// read it.
#[derive(Debug, Clone)]
enum Form {
    /// `+<cc> <nsn>`, optionally with the `(0)` trunk marker.
    Plus { trunk_marker: bool },
    /// `00<cc> <nsn>`, read in any region or none.
    Prefix00 { region: Option<usize> },
    /// The dialler region's own international prefix.
    DiallerPrefix { dialler: usize },
    /// Trunk prefix and NSN, read in the number's region.
    NationalTrunk,
    /// NSN alone, read in the number's region.
    NationalBare,
    /// National format and no default region.
    NationalNoRegion { with_trunk: bool },
}

fn form() -> impl Strategy<Value = Form> {
    let regions = Region::all().len();
    prop_oneof![
        any::<bool>().prop_map(|trunk_marker| Form::Plus { trunk_marker }),
        prop::option::of(0..regions).prop_map(|region| Form::Prefix00 { region }),
        (0..regions).prop_map(|dialler| Form::DiallerPrefix { dialler }),
        Just(Form::NationalTrunk),
        Just(Form::NationalBare),
        any::<bool>().prop_map(|with_trunk| Form::NationalNoRegion { with_trunk }),
    ]
}

/// Writes `digits` with a separator (or none) after each digit, chosen by `seps`.
fn punctuate(digits: &str, seps: &[u8]) -> String {
    let mut out = String::new();
    let n = digits.len();
    for (i, d) in digits.chars().enumerate() {
        out.push(d);
        if i + 1 < n {
            out.push_str(match seps[i % seps.len()] {
                6 => " ",
                7 => "-",
                8 => ".",
                9 => "/",
                10 => "\u{a0}",
                _ => "",
            });
        }
    }
    out
}

/// Spells the number `(region, nsn)` in `form`; returns the text and the matcher's region.
/// `paren` wraps the first digits of a national spelling in brackets, as in `(020) 7946…`.
fn spell(
    region: Region,
    nsn: &str,
    form: &Form,
    seps: &[u8],
    paren: usize,
) -> (String, Option<Region>) {
    let cc = region.calling_code().to_string();
    let all = Region::all();
    let national = |digits: String| {
        let body = punctuate(&digits, seps);
        if paren >= 2 && paren < digits.len() {
            let split = body
                .char_indices()
                .filter(|(_, c)| c.is_ascii_digit())
                .nth(paren)
                .map(|(i, _)| i)
                .unwrap();
            format!(
                "({}) {}",
                body[..split].trim_end_matches(|c: char| !c.is_ascii_digit()),
                &body[split..]
            )
        } else {
            body
        }
    };
    let trunk = region.trunk_prefix().unwrap_or("");
    match form {
        Form::Plus { trunk_marker } => {
            let marker = if *trunk_marker && trunk == "0" {
                " (0)"
            } else {
                ""
            };
            (format!("+{cc}{marker} {}", punctuate(nsn, seps)), None)
        }
        Form::Prefix00 { region: r } => (
            format!("00 {cc} {}", punctuate(nsn, seps)),
            r.map(|i| all[i]),
        ),
        Form::DiallerPrefix { dialler } => {
            let d = all[*dialler];
            let prefix = d.international_prefixes().first().copied().unwrap_or("00");
            (format!("{prefix} {cc} {}", punctuate(nsn, seps)), Some(d))
        }
        Form::NationalTrunk => (national(format!("{trunk}{nsn}")), Some(region)),
        Form::NationalBare => (national(nsn.to_string()), Some(region)),
        Form::NationalNoRegion { with_trunk } => {
            let t = if *with_trunk { trunk } else { "" };
            (national(format!("{t}{nsn}")), None)
        }
    }
}

fn phone_identifier(region: Region, nsn: &str) -> Identifier {
    let input = format!("+{} {nsn}", region.calling_code());
    parse_identifier(&input, &ParseOptions::default()).expect("generated numbers are valid")
}

/// Text before a planted identifier: a word and a delimiter that is neither part of an
/// address nor of a phone number.
fn prefix() -> impl Strategy<Value = String> {
    (
        "[a-zA-Z]{0,8}",
        prop::sample::select(vec![" ", ": ", ", ", " <", "(", "\"", "; "]),
    )
        .prop_map(|(w, d)| format!("{w}{d}"))
}

/// Text after a planted identifier.
fn suffix() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["", " ", ">", ", ", ". ", ";", ")"]),
        "[a-zA-Z]{0,8}",
    )
        .prop_map(|(d, w)| {
            if d.is_empty() {
                String::new()
            } else {
                format!("{d}{w}")
            }
        })
}

/// Filler strings that cannot hold an address or a phone number.
fn filler() -> impl Strategy<Value = Vec<String>> {
    prop::collection::vec("[a-zA-Z ,.:;<>()\\[\\]{}\"'\\\\]{0,20}", 0..4)
}

/// Plants `text` in a JSON setting among filler, or returns it alone as a non-JSON value.
fn embed(text: &str, filler: &[String], as_json: bool) -> (String, Option<String>) {
    if !as_json {
        return (format!("note {text} end {{"), None);
    }
    let value = json!({
        "id": "setting-1",
        "displayName": filler.first().cloned().unwrap_or_default(),
        "contacts": [
            {"notes": filler},
            {"name": "x", "values": {"odd key": text}},
        ],
    });
    (
        value.to_string(),
        Some("$.contacts[1].values[\"odd key\"]".to_string()),
    )
}

/// The hits for identifier 0, as displayed paths (`-` for text hits).
fn hits_for_first(matcher: &Matcher, raw: &str) -> Vec<(String, MatchVariant)> {
    matcher
        .match_value(raw)
        .hits
        .iter()
        .filter(|h| h.identifier == 0)
        .map(|h| {
            (
                h.path.as_ref().map_or("-".to_string(), ToString::to_string),
                h.variant,
            )
        })
        .collect()
}

/// An e-mail address with ASCII and Unicode letters: `(local, domain)`.
fn email_address() -> impl Strategy<Value = (String, String)> {
    let local = prop::collection::vec("[a-z0-9äöü]{1,6}", 1..=3)
        .prop_flat_map(|parts| {
            let n = parts.len();
            (
                Just(parts),
                prop::collection::vec(prop::sample::select(vec![".", "_", "-", "+"]), n),
            )
        })
        .prop_map(|(parts, seps)| {
            let mut s = String::new();
            for (i, p) in parts.iter().enumerate() {
                if i > 0 {
                    s.push_str(seps[i]);
                }
                s.push_str(p);
            }
            s
        });
    let domain = (
        prop::collection::vec("[a-z0-9äöüé]{1,8}", 1..=2),
        "[a-z]{2,5}",
    )
        .prop_map(|(labels, tld)| {
            let mut d = labels.join(".");
            d.push('.');
            d.push_str(&tld);
            d
        });
    (local, domain)
}

/// Flips the case of letters where `flips` says so.
fn recase(s: &str, flips: &[bool]) -> String {
    s.chars()
        .enumerate()
        .map(|(i, c)| {
            if flips[i % flips.len()] {
                c.to_uppercase().next().unwrap()
            } else {
                c
            }
        })
        .collect()
}

proptest! {
    #[test]
    fn phone_normalization_is_idempotent(
        (region, nsn) in phone_number(),
        form in form(),
        seps in prop::collection::vec(0u8..=10, 1..20),
        paren in 0usize..5,
    ) {
        let (spelling, matcher_region) = spell(region, &nsn, &form, &seps, paren);
        let options = ParseOptions { default_region: matcher_region, allow_text: false };
        if let Form::NationalNoRegion { .. } = form {
            // The refusal's hint asks libphonenumber about each of the 245 regions, which
            // is slow in a debug build: a quarter of these cases (by the last digit) suffice.
            if nsn.as_bytes()[nsn.len() - 1] % 4 == 0 {
                prop_assert!(parse_identifier(&spelling, &options).is_err());
            }
            return Ok(());
        }
        let once = match parse_identifier(&spelling, &options) {
            Ok(once) => once,
            // `00` and a region's own prefix (Hong Kong's `009`) can both fit.
            Err(e) if e.to_string().contains("more than one international prefix") => return Ok(()),
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        let expected = phone_identifier(region, &nsn);
        if once.normalized() != expected.normalized() {
            // `00` and a region's own prefix (`002`) both fit and give two possible numbers:
            // the one libphonenumber's metadata knows to exist is read, when the other is not.
            let exists = |e164: &str| {
                phonenumber::parse(None, e164).is_ok_and(|n| phonenumber::is_valid(&n))
            };
            prop_assert!(
                matches!(form, Form::Prefix00 { region: Some(_) } | Form::DiallerPrefix { .. })
                    && exists(once.normalized())
                    && !exists(expected.normalized()),
                "{} read as {}, not {}",
                spelling,
                once.normalized(),
                expected.normalized()
            );
        }
        let twice = parse_identifier(once.normalized(), &ParseOptions::default()).unwrap();
        prop_assert_eq!(once.normalized(), twice.normalized());
    }

    #[test]
    fn email_normalization_is_idempotent((local, domain) in email_address(), flips in prop::collection::vec(any::<bool>(), 1..8)) {
        let input = recase(&format!("{local}@{domain}"), &flips);
        let once = parse_identifier(&input, &ParseOptions::default()).unwrap();
        let twice = parse_identifier(once.normalized(), &ParseOptions::default()).unwrap();
        prop_assert_eq!(once.normalized(), twice.normalized());
        let lower = parse_identifier(&format!("{local}@{domain}"), &ParseOptions::default()).unwrap();
        prop_assert_eq!(once.normalized(), lower.normalized());
    }

    #[test]
    fn planted_phone_is_found(
        (region, nsn) in phone_number(),
        form in form(),
        seps in prop::collection::vec(0u8..=10, 1..20),
        paren in 0usize..5,
        before in prefix(),
        after in suffix(),
        filler in filler(),
        as_json in any::<bool>(),
    ) {
        let (spelling, matcher_region) = spell(region, &nsn, &form, &seps, paren);
        let matcher = Matcher::new(vec![phone_identifier(region, &nsn)], matcher_region);
        let (raw, path) = embed(&format!("{before}{spelling}{after}"), &filler, as_json);
        let hits = hits_for_first(&matcher, &raw);
        prop_assert_eq!(hits.len(), 1, "{} in {}", spelling, raw);
        prop_assert_eq!(&hits[0].0, path.as_deref().unwrap_or("-"));
        if let Form::NationalNoRegion { .. } = form {
            // In NANP, trunk prefix and country code are both 1: `1 555…` is both, and
            // without a region, digits without `+` may be national: possible either way.
            prop_assert!(matches!(hits[0].1, MatchVariant::NationalNumber | MatchVariant::AmbiguousWithoutPlus));
        }
    }

    #[test]
    fn a_digit_more_or_less_is_not_found(
        (region, nsn) in phone_number(),
        form in prop_oneof![
            Just(Form::Plus { trunk_marker: false }),
            Just(Form::Plus { trunk_marker: true }),
            Just(Form::Prefix00 { region: None }),
            Just(Form::NationalTrunk),
            Just(Form::NationalBare),
            Just(Form::NationalNoRegion { with_trunk: true }),
            Just(Form::NationalNoRegion { with_trunk: false }),
        ],
        insert in any::<bool>(),
        position in any::<prop::sample::Index>(),
        digit in 0u8..=9,
        seps in prop::collection::vec(0u8..=10, 1..20),
        before in prefix(),
        after in suffix(),
        as_json in any::<bool>(),
    ) {
        let mut mutated: Vec<char> = nsn.chars().collect();
        let national = !matches!(form, Form::Plus { .. } | Form::Prefix00 { .. });
        if insert {
            // A leading extra digit in a national spelling can be a trunk prefix, which
            // does not change the number; everywhere else it must.
            let lowest = usize::from(national);
            let at = lowest + position.index(mutated.len() + 1 - lowest);
            mutated.insert(at, char::from(b'0' + digit));
        } else {
            mutated.remove(position.index(mutated.len()));
        }
        let mutated: String = mutated.into_iter().collect();
        let (spelling, matcher_region) = spell(region, &mutated, &form, &seps, 0);
        let matcher = Matcher::new(vec![phone_identifier(region, &nsn)], matcher_region);
        let (raw, _) = embed(&format!("{before}{spelling}{after}"), &[], as_json);
        let hits = hits_for_first(&matcher, &raw);
        // A digit more can make a 15-digit number's run longer than one number has (16
        // digits besides a prefix and a `(0)` marker): it is then also read in parts, each a
        // possible match (`split-run`), and the part without the extra digit is the number.
        let digits = spelling.chars().filter(char::is_ascii_digit).count();
        let beyond_one = digits > 15 + if matches!(form, Form::Prefix00 { .. }) { 2 } else { 0 }
            + usize::from(spelling.contains("(0)"));
        if insert && beyond_one && hits.iter().all(|(_, v)| *v == MatchVariant::SplitRun) {
            return Ok(());
        }
        prop_assert_eq!(hits, vec![], "{} vs {}", spelling, nsn);
    }

    #[test]
    fn planted_email_is_found(
        (local, domain) in email_address(),
        flips in prop::collection::vec(any::<bool>(), 1..8),
        punycode in any::<bool>(),
        before in prefix(),
        after in suffix(),
        filler in filler(),
        as_json in any::<bool>(),
    ) {
        let identifier = parse_identifier(&format!("{local}@{domain}"), &ParseOptions::default()).unwrap();
        let stored_domain = if punycode { idna::domain_to_ascii(&domain).unwrap() } else { domain.clone() };
        let spelling = recase(&format!("{local}@{stored_domain}"), &flips);
        let matcher = Matcher::new(vec![identifier], None);
        let (raw, path) = embed(&format!("{before}{spelling}{after}"), &filler, as_json);
        let hits = hits_for_first(&matcher, &raw);
        prop_assert_eq!(hits.len(), 1, "{} in {}", spelling, raw);
        prop_assert_eq!(&hits[0].0, path.as_deref().unwrap_or("-"));
    }

    #[test]
    fn a_longer_address_is_not_found(
        (local, domain) in email_address(),
        change in 0..3,
        extra in "[a-z0-9]",
        before in prefix(),
        after in suffix(),
        as_json in any::<bool>(),
    ) {
        let identifier = parse_identifier(&format!("{local}@{domain}"), &ParseOptions::default()).unwrap();
        let stored = match change {
            0 => format!("{extra}{local}@{domain}"),
            1 => format!("{local}@{domain}{extra}"),
            _ => format!("{local}@{domain}.{extra}x"),
        };
        let matcher = Matcher::new(vec![identifier], None);
        let (raw, _) = embed(&format!("{before}{stored}{after}"), &[], as_json);
        prop_assert_eq!(hits_for_first(&matcher, &raw), vec![]);
    }
}

/// A national number of a region whose own international prefixes start with a digit its
/// numbers may start with (Finland's 990/994/999, Chile's 1100…, Iceland's 1001…, Russia's
/// 810…): the region, one such prefix, and an NSN that begins with it. The numbers the
/// general generator rarely makes (how Finland's 99400 was found).
fn national_number_beginning_with_an_international_prefix(
) -> impl Strategy<Value = (Region, String, String)> {
    let cases: Vec<(Region, &'static str, u8)> = Region::all()
        .iter()
        .flat_map(|r| {
            let r = *r;
            r.international_prefixes()
                .iter()
                .filter(move |p| {
                    !p.starts_with('0') && r.trunk_prefixes().iter().all(|t| !p.starts_with(t))
                })
                .flat_map(move |p| {
                    r.nsn_lengths()
                        .iter()
                        .filter(move |&&len| usize::from(len) > p.len())
                        .map(move |&len| (r, *p, len))
                })
        })
        .collect();
    prop::sample::select(cases)
        .prop_flat_map(|(region, prefix, len)| {
            (
                Just(region),
                Just(prefix),
                prop::collection::vec(0u8..=9, usize::from(len) - prefix.len()),
            )
        })
        .prop_map(|(region, prefix, rest)| {
            let nsn: String = prefix
                .chars()
                .chain(rest.iter().map(|d| char::from(b'0' + d)))
                .collect();
            (region, prefix.to_string(), nsn)
        })
        .prop_filter("a number of its region", |(region, _, nsn)| {
            region.accepts_nsn(nsn.as_bytes())
        })
}

proptest! {
    /// Read in its own region, such a number is one of its possible readings and never a
    /// guess beyond them: the national number, or the number after one of the region's
    /// prefixes when that is possible, or refused as ambiguous between two prefixes.
    #[test]
    fn a_national_number_beginning_with_an_international_prefix_has_one_honest_reading(
        (region, _prefix, nsn) in national_number_beginning_with_an_international_prefix(),
        seps in prop::collection::vec(0u8..=10, 1..20),
    ) {
        let (spelling, matcher_region) = spell(region, &nsn, &Form::NationalBare, &seps, 0);
        let options = ParseOptions { default_region: matcher_region, allow_text: false };
        let national = phone_identifier(region, &nsn);
        match parse_identifier(&spelling, &options) {
            Ok(read) if read.normalized() == national.normalized() => {}
            Ok(read) => {
                // Read internationally: its digits are exactly those after one of the
                // region's prefixes.
                let digits = read.normalized().trim_start_matches('+').to_string();
                let after_a_prefix = region
                    .international_prefixes()
                    .iter()
                    .any(|p| nsn.strip_prefix(p) == Some(digits.as_str()));
                prop_assert!(after_a_prefix, "{} read as {}", spelling, read.normalized());
            }
            Err(e) => prop_assert!(
                e.to_string().contains("more than one international prefix"),
                "{} refused: {}", spelling, e
            ),
        }
    }
}

/// A national number that starts with the digits of its region's own international prefix
/// (Finland's 99400; 994 is one of Finland's prefixes) and reads as no international number:
/// it is read as the national number it can only be, and found where it is stored so.
#[test]
fn a_national_number_that_starts_like_the_international_prefix_is_read_nationally() {
    let fi: Region = "FI".parse().unwrap();
    assert!(
        fi.international_prefixes().contains(&"994"),
        "{:?}",
        fi.international_prefixes()
    );
    let options = ParseOptions {
        default_region: Some(fi),
        allow_text: false,
    };
    let parsed = parse_identifier("99 400", &options).expect("a Finnish national number");
    assert_eq!(
        parsed.normalized(),
        phone_identifier(fi, "99400").normalized()
    );
    let matcher = Matcher::new(vec![parsed], Some(fi));
    let (raw, _) = embed("tel 99 400", &[], false);
    assert_eq!(hits_for_first(&matcher, &raw).len(), 1, "{raw}");
    // A number with no possible reading either way is still refused.
    assert!(parse_identifier("99 4", &options).is_err());
    // Two international readings (Korea's prefixes 001 and 00) are refused as ambiguous, or
    // read as the one that exists, never as a third, national, guess (+82 0…).
    let kr: Region = "KR".parse().unwrap();
    let options = ParseOptions {
        default_region: Some(kr),
        allow_text: false,
    };
    let seychelles = phone_identifier("SC".parse().unwrap(), "2100000");
    match parse_identifier("001 248 2100000", &options) {
        Ok(id) => assert_eq!(id.normalized(), seychelles.normalized()),
        Err(e) => assert!(
            e.to_string().contains("more than one international prefix"),
            "{e}"
        ),
    }
}
