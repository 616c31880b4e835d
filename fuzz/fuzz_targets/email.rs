//! The e-mail normalizer: never panics, and its output normalizes to itself.
#![no_main]

use forgetme_matcher::normalize_email;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(normalized) = normalize_email(input) else {
        return;
    };
    assert_eq!(
        normalize_email(&normalized).as_deref(),
        Ok(normalized.as_str()),
        "normalization is idempotent"
    );
});
