//! Spellings a hostile review found misread: another person's identifier taken for an exact
//! match of the data subject (erased), or the subject's identifier not found at all. Each
//! test names the rule it holds the matcher to (docs/matching.md).

use forgetme_matcher::{parse_identifier, Identifier, MatchVariant, Matcher, ParseOptions, Region};

fn region(code: &str) -> Region {
    Region::parse(code).expect("a supported region")
}

fn identifier(input: &str, default_region: Option<Region>) -> Identifier {
    let options = ParseOptions {
        default_region,
        allow_text: false,
    };
    parse_identifier(input, &options).expect("a valid identifier")
}

/// A matcher for `inputs`, reading stored national numbers in `default_region`.
fn matcher(inputs: &[&str], default_region: Option<&str>) -> Matcher {
    let default_region = default_region.map(region);
    Matcher::new(
        inputs
            .iter()
            .map(|input| identifier(input, default_region))
            .collect(),
        default_region,
    )
}

/// The hits of `text` stored as a JSON string, as (identifier, variant); the candidate pass
/// must agree with the full walk on every one of them.
fn hits(m: &Matcher, text: &str) -> Vec<(usize, MatchVariant)> {
    let raw = serde_json::json!({ "v": text }).to_string();
    let found = m.match_value(&raw);
    assert_eq!(
        found.hits,
        m.match_value_without_prefilter(&raw).hits,
        "the candidate pass and the walk disagree on {raw}"
    );
    let mut as_text = Vec::new();
    m.match_text(text, &mut |h| as_text.push((h.identifier, h.variant)));
    let walked: Vec<(usize, MatchVariant)> = found
        .hits
        .iter()
        .map(|h| (h.identifier, h.variant))
        .collect();
    assert_eq!(walked, as_text, "{text}");
    walked
}

fn assert_possible_only(m: &Matcher, text: &str, variant: MatchVariant) {
    let found = hits(m, text);
    assert!(!found.is_empty(), "{text}: not found at all");
    for (_, v) in &found {
        assert!(v.is_possible(), "{text}: {v} is an exact match");
        assert_eq!(*v, variant, "{text}");
    }
}

fn assert_exact(m: &Matcher, text: &str) -> MatchVariant {
    let found = hits(m, text);
    assert_eq!(found.len(), 1, "{text}: {found:?}");
    assert!(!found[0].1.is_possible(), "{text}: {:?}", found[0].1);
    found[0].1
}

// 1. E-mail boundary.

#[test]
fn an_address_that_ends_another_address_after_an_apostrophe_is_not_exact() {
    let m = matcher(&["neil@pizza.com"], None);
    assert_possible_only(&m, "o'neil@pizza.com", MatchVariant::EmailAfterSymbol);
    assert_possible_only(
        &m,
        "Mr O'Neil <O'NEIL@pizza.com>",
        MatchVariant::EmailAfterSymbol,
    );
    assert_eq!(
        MatchVariant::EmailAfterSymbol.as_str(),
        "email-after-symbol"
    );
}

#[test]
fn an_address_behind_any_local_part_symbol_is_only_possible() {
    let m = matcher(&["john@pizza.com"], None);
    for text in [
        "?to=john@pizza.com",
        "'john@pizza.com'",
        "mailto:?to=john@pizza.com&cc=x",
        "a&john@pizza.com",
        "a*john@pizza.com",
        "a/john@pizza.com",
        "{john@pizza.com}",
        "|john@pizza.com|",
        "~john@pizza.com",
        "!john@pizza.com",
        "#john@pizza.com",
        "$john@pizza.com",
        "^john@pizza.com",
        "`john@pizza.com`",
        "x.y'john@pizza.com",
        // An ideograph before Latin letters: a word without a space, or part of the address.
        "邮箱john@pizza.com",
    ] {
        assert_possible_only(&m, text, MatchVariant::EmailAfterSymbol);
    }
}

#[test]
fn delimiters_outside_the_local_part_still_give_exact_matches() {
    let m = matcher(&["john@pizza.com"], None);
    for text in [
        "John <JOHN@Pizza.com>",
        "mailto:john@pizza.com",
        "mailto:john@pizza.com?subject=x",
        "(john@pizza.com)",
        "\"john@pizza.com\"",
        "write to john@pizza.com.",
        "[john@pizza.com]",
        "a, john@pizza.com; b",
    ] {
        assert_exact(&m, text);
    }
    for miss in [
        "xjohn@pizza.com",
        "john@pizza.com.au",
        "x'xjohn@pizza.com",
        "邮箱xjohn@pizza.com",
    ] {
        assert_eq!(hits(&m, miss), [], "{miss}");
    }
}

#[test]
fn a_subject_whose_address_holds_a_symbol_is_found_exactly() {
    let m = matcher(&["o'neil@pizza.com", "a/b=c@pizza.com"], None);
    assert_eq!(hits(&m, "o'neil@pizza.com"), [(0, MatchVariant::Exact)]);
    assert_eq!(hits(&m, "<a/b=c@pizza.com>"), [(1, MatchVariant::Exact)]);
    // And behind yet another symbol, only possible.
    assert_possible_only(&m, "x'o'neil@pizza.com", MatchVariant::EmailAfterSymbol);
}

#[test]
fn an_exact_address_elsewhere_in_the_text_wins_over_one_after_a_symbol() {
    let m = matcher(&["neil@pizza.com"], None);
    assert_eq!(
        hits(&m, "o'neil@pizza.com, cc neil@pizza.com"),
        [(0, MatchVariant::Exact)]
    );
}

// 2. Digits without `+`.

#[test]
fn digits_without_plus_that_the_default_region_reads_as_its_own_number_are_possible() {
    // 15550100001 is a valid Chinese mobile number read in CN.
    let m = matcher(&["+15550100001"], Some("CN"));
    assert_possible_only(&m, "15550100001", MatchVariant::AmbiguousWithoutPlus);
    let found = m.match_value(r#"{"phone":15550100001}"#);
    assert!(found.hits.iter().all(|h| h.variant.is_possible()));
    assert_eq!(
        MatchVariant::AmbiguousWithoutPlus.as_str(),
        "ambiguous-without-plus"
    );
}

#[test]
fn digits_without_plus_and_without_a_default_region_are_possible() {
    let m = matcher(&["+15550100001", "+442079460958"], None);
    assert_possible_only(&m, "15550100001", MatchVariant::AmbiguousWithoutPlus);
    assert_possible_only(&m, "44 20 7946 0958", MatchVariant::AmbiguousWithoutPlus);
}

#[test]
fn digits_without_plus_that_the_default_region_cannot_read_nationally_are_exact() {
    let m = matcher(&["+442079460958"], Some("GB"));
    assert_eq!(
        assert_exact(&m, "442079460958"),
        MatchVariant::InternationalWithoutPlus
    );
    // Read in US, 1 555 010 0001 is the same number both ways: no guess.
    let m = matcher(&["+15550100001"], Some("US"));
    assert_exact(&m, "15550100001");
    // With `+`, or after an international prefix, it was never a guess.
    let m = matcher(&["+15550100001"], Some("CN"));
    assert_exact(&m, "+15550100001");
    assert_exact(&m, "0015550100001");
}

// 4. Spellings that were not found.

#[test]
fn a_number_with_an_extension_is_found_as_a_possible_match() {
    let m = matcher(&["+15550100001"], None);
    for text in [
        "+15550100001x23",
        "+15550100001X23",
        "+1 555 010 0001 ext. 23",
        "+1 555 010 0001 ext.23",
        "+1 555 010 0001 ext 23",
        "+1 555 010 0001 x 23",
        "+1 555 010 0001 extension 23",
        "+15550100001ext23",
        "+15550100001 #23",
        "+15550100001#23",
    ] {
        assert_possible_only(&m, text, MatchVariant::WithExtension);
    }
    // Glued letters that are no extension still make the run part of a word.
    for miss in [
        "+15550100001xy",
        "+15550100001x",
        "+15550100001x23y",
        "+15550100001poste23",
    ] {
        assert_eq!(hits(&m, miss), [], "{miss}");
    }
    // Spellings not read as extensions leave the number as written.
    for text in [
        "+15550100001 ext: 23",
        "+15550100001, poste 23",
        "+15550100001 x1234567",
    ] {
        assert_eq!(assert_exact(&m, text), MatchVariant::Exact, "{text}");
    }
    assert_eq!(MatchVariant::WithExtension.as_str(), "with-extension");
}

#[test]
fn digits_glued_to_cjk_text_are_a_number() {
    let m = matcher(&["+15550100001"], Some("US"));
    for text in [
        "电话15550100001",
        "+15550100001号",
        "電話:+15550100001です",
        "电话+1 555 010 0001。",
        "전화+15550100001입니다",
    ] {
        assert_exact(&m, text);
    }
    // A Latin letter still glues: an id, not a number.
    assert_eq!(hits(&m, "id15550100001"), []);
}

#[test]
fn ideographic_full_stops_in_a_domain_are_dots() {
    let m = matcher(&["john@pizza.com"], None);
    for text in [
        "john@pizza\u{3002}com",
        "john@pizza\u{ff0e}com",
        "john@pizza\u{ff61}com",
        "邮箱：john@pizza.com。",
        "邮箱 john@pizza\u{3002}com",
        "邮箱：john@pizza\u{3002}com\u{3002}",
    ] {
        assert_exact(&m, text);
    }
    assert_eq!(hits(&m, "john@pizza\u{3002}com\u{3002}au"), []);
}

#[test]
fn two_numbers_separated_by_a_space_are_both_found() {
    let m = matcher(&["+15550100001", "+15550100002"], Some("US"));
    let found = hits(&m, "5550100001 5550100002");
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found.iter().all(|(_, v)| *v == MatchVariant::SplitRun));
    assert_possible_only(&m, "call 555 010 0001 5550100002", MatchVariant::SplitRun);
    assert_eq!(MatchVariant::SplitRun.as_str(), "split-run");
    // Separated otherwise, each is read as usual.
    assert_eq!(hits(&m, "+15550100001 +15550100002").len(), 2);
    assert_eq!(hits(&m, "5550100001, 5550100002").len(), 2);
}
