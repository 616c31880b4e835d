//! The phone normalizer: never panics, and its E.164 output normalizes to itself.
#![no_main]

use forgetme_matcher::{normalize_phone, Region};
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
    let Ok(number) = normalize_phone(input, region) else {
        return;
    };
    assert!(number.e164().starts_with('+'));
    assert!(number.digits().bytes().all(|b| b.is_ascii_digit()));
    let again = normalize_phone(number.e164(), None).expect("E.164 output is accepted");
    assert_eq!(again.e164(), number.e164(), "normalization is idempotent");
    let again = normalize_phone(number.e164(), region).expect("E.164 output is accepted");
    assert_eq!(again.e164(), number.e164(), "a region does not change an E.164 number");
});
