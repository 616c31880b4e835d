//! Property tests of what `properties.rs` does not cover: the parser accepts its own output,
//! the raw-bytes matcher (scan and verification) sees whatever the JSON matcher (erasure
//! planning) sees, JSON escapes hide nothing, and a planned rewrite removes exactly the
//! subject's entries of a list and keeps every other entry, in order.

// Built for the static target (CI), the tests allocate as the shipped binary does (mimalloc):
// musl's own allocator doubled their CPU time.
#[cfg(target_env = "musl")]
#[global_allocator]
static TEST_ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use forgetme_matcher::{
    parse_identifier, plan_erasure, ErasureOptions, ErasurePlan, Matcher, ParseOptions,
    PlanContext, Region,
};
use proptest::prelude::*;
use serde_json::{json, Value};

const EMAIL: &str = "john.smith@pizza.com";
const PHONE: &str = "+15550100001";

fn us() -> Option<Region> {
    Region::parse("US")
}

fn subject_matcher() -> Matcher {
    let options = ParseOptions {
        default_region: us(),
        allow_text: false,
    };
    Matcher::new(
        vec![
            parse_identifier(EMAIL, &options).unwrap(),
            parse_identifier(PHONE, &options).unwrap(),
        ],
        us(),
    )
}

/// The subject as a stored string: the e-mail address in any case, maybe in `Name <...>`
/// form, or the phone number in a spelling Workspace users type.
fn subject_spelling() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<bool>(), EMAIL.len()).prop_map(|flips| {
            EMAIL
                .chars()
                .zip(flips)
                .map(|(c, up)| if up { c.to_ascii_uppercase() } else { c })
                .collect()
        }),
        Just(format!("John Smith <{EMAIL}>")),
        prop::sample::select(vec![
            "+1 555 010 0001",
            "+1 (555) 010-0001",
            "(555) 010-0001",
            "555.010.0001",
            "1-555-010-0001",
            "5550100001",
            "+15550100001",
        ])
        .prop_map(str::to_string),
    ]
}

/// Someone else: never the subject.
fn other_contact() -> impl Strategy<Value = Value> {
    (0u32..10_000, "[a-z]{3,10}").prop_map(|(n, name)| {
        json!({
            "displayName": format!("{name} {n}"),
            "phoneNumber": format!("+1 555 019 {:04}", n),
            "emailAddress": format!("{name}.{n}@example.org"),
        })
    })
}

/// The planner on a setting's text, keyed by `name`.
fn plan(setting: &Value, m: &Matcher, options: ErasureOptions) -> ErasurePlan {
    plan_erasure(
        &setting.to_string(),
        &PlanContext {
            key_attribute: "name",
            matcher: m,
            other_requests: None,
            options,
        },
    )
}

/// Escapes some characters of a JSON string as `\uXXXX`.
fn escape_some(s: &str, mask: &[bool]) -> String {
    s.chars()
        .zip(mask.iter().cycle())
        .map(|(c, esc)| {
            if *esc && c.is_ascii() && c != '"' && c != '\\' {
                format!("\\u{:04x}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn the_parser_accepts_its_own_output(spelling in subject_spelling()) {
        let options = ParseOptions { default_region: us(), allow_text: false };
        let raw = spelling.trim_start_matches("John Smith <").trim_end_matches('>');
        let id = parse_identifier(raw, &options).unwrap();
        let again = parse_identifier(id.normalized(), &options).unwrap();
        prop_assert_eq!(again.normalized(), id.normalized());
        let without_region = parse_identifier(id.normalized(), &ParseOptions::default()).unwrap();
        prop_assert_eq!(without_region.normalized(), id.normalized());
    }

    #[test]
    fn json_escapes_do_not_hide_the_subject(
        spelling in subject_spelling(),
        mask in prop::collection::vec(any::<bool>(), 1..8),
    ) {
        let m = subject_matcher();
        let text = format!(r#"{{"id":"x","note":"{}"}}"#, escape_some(&spelling, &mask));
        let value: Value = serde_json::from_str(&text).unwrap();
        prop_assert!(!m.match_json(&value).is_empty());
        prop_assert!(m.match_bytes(text.as_bytes()).is_match());
    }

    #[test]
    fn a_rewrite_removes_exactly_the_subjects_entries(
        others in prop::collection::vec(other_contact(), 0..8),
        planted in prop::collection::vec((subject_spelling(), any::<prop::sample::Index>(), any::<bool>()), 1..4),
    ) {
        let m = subject_matcher();
        let mut entries: Vec<Value> = others.clone();
        for (spelling, at, as_phone_field) in &planted {
            let field = if *as_phone_field { "phoneNumber" } else { "emailAddress" };
            let entry = json!({"displayName": "J. S.", field: spelling});
            entries.insert(at.index(entries.len() + 1), entry);
        }
        let setting = json!({"name": "recent-list", "entries": entries});
        // What the scan reads (bytes) and what the planner reads (JSON) agree.
        prop_assert!(m.match_bytes(setting.to_string().as_bytes()).is_match());
        match plan(&setting, &m, ErasureOptions::default()) {
            ErasurePlan::RewriteSetting { new_text, removed, .. } => {
                let new_value: Value = serde_json::from_str(&new_text).unwrap();
                prop_assert_eq!(removed.len(), planted.len());
                prop_assert!(m.match_json(&new_value).is_empty());
                prop_assert!(!m.match_bytes(new_value.to_string().as_bytes()).is_match());
                prop_assert_eq!(&new_value["name"], &json!("recent-list"));
                prop_assert_eq!(new_value["entries"].as_array().unwrap(), &others);
            }
            other => prop_assert!(false, "expected a rewrite, got {:?}", other),
        }
        // The whole setting goes only when nobody else is in it.
        let whole = plan(&setting, &m, ErasureOptions { force_whole_setting: true, ..ErasureOptions::default() });
        if others.is_empty() {
            prop_assert_eq!(whole, ErasurePlan::DeleteSetting { also_removes: 0 });
        } else {
            prop_assert!(matches!(whole, ErasurePlan::NeedsReview { .. }), "{:?}", whole);
        }
    }

    #[test]
    fn settings_without_the_subject_are_left_alone(
        others in prop::collection::vec(other_contact(), 0..8),
    ) {
        let m = subject_matcher();
        let setting = json!({"name": "recent-list", "entries": others});
        prop_assert!(!m.match_bytes(setting.to_string().as_bytes()).is_match());
        prop_assert_eq!(
            plan(&setting, &m, ErasureOptions::default()),
            ErasurePlan::NoMatch
        );
    }
}
