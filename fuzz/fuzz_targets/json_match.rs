//! The JSON matcher and the erasure planner on arbitrary stored values: never panic, and a
//! planned rewrite really removes the subject and keeps the setting's key.
#![no_main]

use std::sync::OnceLock;

use forgetme_matcher::{
    parse_identifier, plan_erasure, ErasureOptions, ErasurePlan, Matcher, ParseOptions,
    PlanContext, Region,
};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fn matcher() -> &'static Matcher {
    static M: OnceLock<Matcher> = OnceLock::new();
    M.get_or_init(|| {
        let region = Region::parse("US");
        let options = ParseOptions {
            default_region: region,
            allow_text: false,
        };
        let ids = ["john.smith@pizza.com", "+1 555 010 0001", "+44 20 7946 0123"]
            .iter()
            .map(|s| parse_identifier(s, &options).expect("valid identifier"))
            .collect();
        Matcher::new(ids, region)
    })
}

fuzz_target!(|data: &[u8]| {
    let m = matcher();
    // The scan's hot path: raw bytes as stored (any encoding, any nesting, any size).
    let found = m.match_bytes(data);
    // The planner reads the stored text itself (lone surrogates and all), never a re-parse.
    if let Ok(text) = std::str::from_utf8(data) {
        for options in [
            ErasureOptions::default(),
            ErasureOptions {
                force_whole_setting: true,
                ..ErasureOptions::default()
            },
        ] {
            let context = PlanContext {
                key_attribute: "id",
                matcher: m,
                other_requests: None,
                options,
            };
            match plan_erasure(text, &context) {
                ErasurePlan::NoMatch | ErasurePlan::DeleteSetting { .. } => {}
                ErasurePlan::NeedsReview { records, .. } => assert!(!records.is_empty()),
                ErasurePlan::RewriteSetting {
                    new_text, removed, ..
                } => {
                    assert!(!removed.is_empty());
                    assert!(new_text.len() < text.len(), "a rewrite removes bytes");
                    // Only deletions: what stays is a subsequence of the stored text.
                    let mut rest = text.bytes();
                    assert!(
                        new_text.bytes().all(|b| rest.any(|c| c == b)),
                        "a rewrite wrote bytes that were not there"
                    );
                    let mut exact = false;
                    m.match_text(&new_text, &mut |h| exact |= !h.variant.is_possible());
                    assert!(!exact, "a rewrite leaves the subject in");
                    if let (Ok(old), Ok(new)) = (
                        serde_json::from_str::<Value>(text),
                        serde_json::from_str::<Value>(&new_text),
                    ) {
                        assert_eq!(new.get("id"), old.get("id"), "a rewrite changes the key");
                    }
                }
            }
        }
    }
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    // What the erasure planner sees, the scan and the verification (which read raw bytes)
    // see too: otherwise a verification could pass with the subject still there.
    if !m.match_json(&value).is_empty() {
        assert!(found.is_match(), "match_json finds the subject, match_bytes does not");
    }
});
