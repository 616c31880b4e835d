//! The identifier parser: never panics, and what it accepts is stable — the normalized form
//! parses to itself, and a matcher built from it finds it.
#![no_main]

use forgetme_matcher::{parse_identifier, IdentifierKind, Matcher, ParseOptions, Region};
use libfuzzer_sys::fuzz_target;

const REGIONS: &[&str] = &["US", "GB", "DE", "FR", "IN", "AU", "IT", "BR"];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let Ok(input) = std::str::from_utf8(rest) else {
        return;
    };
    let region = match selector as usize % (REGIONS.len() + 1) {
        0 => None,
        i => Region::parse(REGIONS[i - 1]),
    };
    let options = ParseOptions {
        default_region: region,
        allow_text: selector & 0x80 != 0,
    };
    let Ok(id) = parse_identifier(input, &options) else {
        return;
    };
    let again = parse_identifier(id.normalized(), &options)
        .expect("the normalized form of an accepted identifier is accepted");
    assert_eq!(again.normalized(), id.normalized(), "normalization is idempotent");
    assert_eq!(again.kind(), id.kind());
    if id.kind() != IdentifierKind::Text {
        let matcher = Matcher::new(vec![id.clone()], region);
        assert!(
            matcher.is_match_text(id.normalized()),
            "a matcher finds its own identifier's normalized form"
        );
    }
});
