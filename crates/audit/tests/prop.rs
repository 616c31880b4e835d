//! Property tests: any sequence of events verifies, and any single changed byte is caught.

mod common;

use forgetme_audit::{verify_bytes, verify_chain, AuditLog};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// JSON data without floats (which `append` refuses), with awkward strings.
fn data_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        "\\PC{0,12}".prop_map(Value::String),
        "[\"\\\\\t\n\u{0}-\u{1f}é😀/]{0,6}".prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_\u{e9}]{0,6}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn event() -> impl Strategy<Value = (String, Map<String, Value>)> {
    (
        prop::sample::select(forgetme_audit::EventKind::ALL.to_vec())
            .prop_map(|k| k.as_str().to_owned()),
        prop::collection::btree_map("[a-z_]{1,8}", data_value(), 0..5)
            .prop_map(|m| m.into_iter().collect()),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_logs_verify_and_every_flipped_byte_is_detected(
        runs in prop::collection::vec(prop::collection::vec(event(), 1..5), 1..3),
        picks in prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..24),
    ) {
        let (_dir, path) = common::temp_log();
        let mut total = 0u64;
        for (i, events) in runs.iter().enumerate() {
            let mut log = AuditLog::open(&path, &format!("run-{i}"), &common::test_key()).unwrap();
            for (kind, data) in events {
                log.append(kind, Value::Object(data.clone())).unwrap();
                total += 1;
            }
        }
        let report = verify_chain(&path, Some(&common::test_key())).unwrap().unwrap();
        prop_assert_eq!(report.events, total);
        prop_assert_eq!(report.runs.len(), runs.len());

        let bytes = std::fs::read(&path).unwrap();
        prop_assert_eq!(verify_bytes(&bytes, Some(&common::test_key())), Ok(report));
        for (index, mask) in picks {
            // Any byte but the final newline.
            let at = index.index(bytes.len() - 1);
            let mut flipped = bytes.clone();
            flipped[at] ^= mask;
            prop_assert!(
                verify_bytes(&flipped, None).is_err(),
                "flipping byte {} with {:#04x} went unnoticed", at, mask
            );
        }
    }
}

#[test]
fn every_single_bit_flip_of_a_small_log_is_detected() {
    let (_dir, path) = common::temp_log();
    common::write_run(&path, 3);
    let bytes = std::fs::read(&path).unwrap();
    for at in 0..bytes.len() - 1 {
        for bit in 0..8 {
            let mut flipped = bytes.clone();
            flipped[at] ^= 1 << bit;
            assert!(
                verify_bytes(&flipped, None).is_err(),
                "byte {at} bit {bit} went unnoticed"
            );
        }
    }
}
