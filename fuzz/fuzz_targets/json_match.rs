//! The JSON matcher and the erasure planner on arbitrary stored values: never panic, and a
//! planned rewrite really removes the subject and keeps the setting's key.
#![no_main]

use std::sync::OnceLock;

use forgetme_matcher::{
    parse_identifier, plan_erasure, ErasureOptions, ErasurePlan, Matcher, ParseOptions, Region,
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
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    for options in [
        ErasureOptions::default(),
        ErasureOptions {
            force_whole_setting: true,
            ..ErasureOptions::default()
        },
    ] {
        match plan_erasure(&value, "id", m, options) {
            ErasurePlan::NoMatch => {
                assert!(m.match_json(&value).is_empty(), "NoMatch but the JSON matches");
            }
            ErasurePlan::DeleteSetting => {}
            ErasurePlan::RewriteSetting { new_value, removed } => {
                assert!(!removed.is_empty());
                assert!(
                    m.match_json(&new_value).is_empty(),
                    "a rewrite leaves the subject in"
                );
                assert_eq!(new_value.get("id"), value.get("id"), "a rewrite changes the key");
            }
        }
    }
    // What the erasure planner sees, the scan and the verification (which read raw bytes)
    // see too: otherwise a verification could pass with the subject still there.
    if !m.match_json(&value).is_empty() {
        assert!(found.is_match(), "match_json finds the subject, match_bytes does not");
    }
});
