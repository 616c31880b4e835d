use super::*;
use crate::identifier::{parse_identifier, ParseOptions};
use crate::phone::Region;

fn matcher(inputs: &[&str]) -> Matcher {
    let options = ParseOptions {
        default_region: Region::parse("US"),
        allow_text: false,
    };
    let ids = inputs
        .iter()
        .map(|s| parse_identifier(s, &options).unwrap())
        .collect();
    Matcher::new(ids, Region::parse("US"))
}

fn plan_with(
    text: &str,
    m: &Matcher,
    others: Option<&Matcher>,
    options: ErasureOptions,
) -> ErasurePlan {
    plan_erasure(
        text,
        &PlanContext {
            key_attribute: "id",
            matcher: m,
            other_requests: others,
            options,
        },
    )
}

fn plan(text: &str, m: &Matcher) -> ErasurePlan {
    plan_with(text, m, None, ErasureOptions::default())
}

/// The rewritten text, or a panic naming the plan.
fn rewritten(plan: ErasurePlan) -> String {
    match plan {
        ErasurePlan::RewriteSetting { new_text, .. } => new_text,
        other => panic!("expected a rewrite, got {other:?}"),
    }
}

const JOHN: &str = "john@pizza.com";

#[test]
fn no_hit_no_change() {
    let m = matcher(&[JOHN]);
    assert_eq!(
        plan(r#"{"id":"f1","emailAddresses":["jane@pizza.com"]}"#, &m),
        ErasurePlan::NoMatch
    );
}

#[test]
fn a_favorite_card_of_the_subject_is_deleted_with_its_other_values() {
    let m = matcher(&[JOHN]);
    let card = r#"{"id":"f1","displayName":"John","emailAddresses":["john@pizza.com","js@home.org"],
        "phoneNumbers":[{"name":"Mobile","number":"+1 555 010 1234"}]}"#;
    assert_eq!(
        plan(card, &m),
        ErasurePlan::DeleteSetting { also_removes: 2 }
    );
}

#[test]
fn a_typed_value_takes_its_card_not_only_itself() {
    // The phone object has a `name` ("Mobile"): it is part of the card, not a contact.
    let m = matcher(&["+15550101234"]);
    let recents = r#"{"id":"r","contacts":[
        {"displayName":"John","notes":"VIP","phones":[{"name":"Mobile","number":"+1 555 010 1234"}]},
        {"displayName":"Jane","phones":[{"name":"Mobile","number":"+1 555 010 9999"}]}]}"#;
    let out = rewritten(plan(recents, &m));
    assert!(!out.contains("John") && !out.contains("VIP"), "{out}");
    assert!(out.contains(
        r#"{"displayName":"Jane","phones":[{"name":"Mobile","number":"+1 555 010 9999"}]}"#
    ));
}

#[test]
fn a_category_member_goes_alone_not_the_category() {
    let m = matcher(&[JOHN]);
    let favorites = r#"{"id":"c","categories":[{"name":"Friends","members":[
        {"name":"Ann","email":"ann@x.org"},{"name":"John","email":"john@pizza.com"},{"name":"Bo","email":"bo@x.org"}]}]}"#;
    let out = rewritten(plan(favorites, &m));
    assert_eq!(
        out,
        r#"{"id":"c","categories":[{"name":"Friends","members":[
        {"name":"Ann","email":"ann@x.org"},{"name":"Bo","email":"bo@x.org"}]}]}"#
    );
}

#[test]
fn an_unnamed_caller_is_removed_alone() {
    let m = matcher(&["+15550101234"]);
    let recents = r#"{"id":"r","calls":[{"number":"+15550109999","t":1},{"number":"+15550101234","t":2},"+15550108888"]}"#;
    assert_eq!(
        rewritten(plan(recents, &m)),
        r#"{"id":"r","calls":[{"number":"+15550109999","t":1},"+15550108888"]}"#
    );
}

#[test]
fn other_bytes_are_kept_exactly() {
    let m = matcher(&[JOHN]);
    let recents = "{ \"zeta\" : 12345678901234567890123, \"id\":\"r\",\n \"c\": [ {\"name\":\"J\",\"e\":\"john@pizza.com\"} ,\n\t{\"name\":\"X\\u00e9\",\"n\":-0,\"f\":1.0E+2,\"s\":\"\\ud800\\/\"} ] }";
    assert_eq!(
        rewritten(plan(recents, &m)),
        "{ \"zeta\" : 12345678901234567890123, \"id\":\"r\",\n \"c\": [ {\"name\":\"X\\u00e9\",\"n\":-0,\"f\":1.0E+2,\"s\":\"\\ud800\\/\"} ] }"
    );
}

#[test]
fn a_record_holding_other_records_needs_review() {
    let m = matcher(&[JOHN]);
    let card = r#"{"id":"r","contacts":[{"name":"John","email":"john@pizza.com",
        "related":[{"name":"Jane","email":"jane@x.org"}]}]}"#;
    assert!(matches!(
        plan(card, &m),
        ErasurePlan::NeedsReview {
            reason: ReviewReason::HoldsOtherRecords { identifiers: 1 },
            ..
        }
    ));
    // A hit in the list's own field makes the whole setting the unit: other people's
    // entries are in it, so it is not deleted.
    let list =
        r#"{"id":"r","owner":"john@pizza.com","contacts":[{"name":"Jane","email":"jane@x.org"}]}"#;
    assert!(matches!(plan(list, &m), ErasurePlan::NeedsReview { .. }));
}

#[test]
fn whole_setting_erasure_keeps_the_census() {
    let m = matcher(&[JOHN]);
    let whole = ErasureOptions {
        force_whole_setting: true,
        ..ErasureOptions::default()
    };
    let shared = r#"{"id":"r","c":[{"name":"J","e":"john@pizza.com"},{"name":"A","e":"a@x.org"}]}"#;
    assert!(matches!(
        plan_with(shared, &m, None, whole),
        ErasurePlan::NeedsReview { .. }
    ));
    let alone = r#"{"id":"r","c":[{"name":"J","e":"john@pizza.com"},{"name":"A"}]}"#;
    assert_eq!(
        plan_with(alone, &m, None, whole),
        ErasurePlan::DeleteSetting { also_removes: 0 }
    );
}

#[test]
fn another_request_of_the_batch_is_never_taken() {
    let john = matcher(&[JOHN]);
    let ann = matcher(&["ann@x.org"]);
    let shared =
        r#"{"id":"r","c":[{"name":"J","e":"john@pizza.com"},{"name":"A","e":"ann@x.org"}]}"#;
    assert_eq!(
        rewritten(plan_with(
            shared,
            &john,
            Some(&ann),
            ErasureOptions::default()
        )),
        r#"{"id":"r","c":[{"name":"A","e":"ann@x.org"}]}"#
    );
    let together = r#"{"id":"r","c":[{"name":"J","e":"john@pizza.com","cc":"ann@x.org"}]}"#;
    assert!(matches!(
        plan_with(together, &john, Some(&ann), ErasureOptions::default()),
        ErasurePlan::NeedsReview {
            reason: ReviewReason::HoldsAnotherRequest,
            ..
        }
    ));
}

#[test]
fn map_entries_are_cut_alone_keys_included() {
    let m = matcher(&[JOHN]);
    let map = r#"{"id":"m","contacts":{"c1":{"name":"John","e":"john@pizza.com"},"c2":{"name":"Ann","e":"ann@x.org"}}}"#;
    assert_eq!(
        rewritten(plan(map, &m)),
        r#"{"id":"m","contacts":{"c2":{"name":"Ann","e":"ann@x.org"}}}"#
    );
    let keyed = r#"{"id":"m","byAddress":{"ann@x.org":{"n":1},"JOHN@pizza.com":{"n":2}}}"#;
    let plan = plan(keyed, &m);
    let ErasurePlan::RewriteSetting {
        new_text, removed, ..
    } = plan
    else {
        panic!("{plan:?}")
    };
    assert_eq!(new_text, r#"{"id":"m","byAddress":{"ann@x.org":{"n":1}}}"#);
    assert_eq!(redacted_path(&removed[0]), r#"$.byAddress["*"]"#);
}

#[test]
fn the_key_attribute_is_never_altered() {
    let m = matcher(&[JOHN]);
    let keyed = r#"{"id":"john@pizza.com","contacts":[{"name":"John","e":"john@pizza.com"}]}"#;
    assert_eq!(
        plan(keyed, &m),
        ErasurePlan::DeleteSetting { also_removes: 0 }
    );
}

#[test]
fn possible_matches_are_other_people_unless_asked_for() {
    let m = Matcher::new(
        vec![parse_identifier("+44 20 7946 0958", &ParseOptions::default()).unwrap()],
        None,
    );
    let stranger = r#"{"id":"f","displayName":"Stranger","phone":"(207) 946-0958"}"#;
    assert_eq!(plan(stranger, &m), ErasurePlan::NoMatch);
    let asked = ErasureOptions {
        erase_possible: true,
        ..ErasureOptions::default()
    };
    assert_eq!(
        plan_with(stranger, &m, None, asked),
        ErasurePlan::DeleteSetting { also_removes: 0 }
    );
    let list =
        r#"{"id":"r","c":[{"name":"S","p":"+44 20 7946 0958"},{"name":"X","p":"(207) 946-0958"}]}"#;
    assert_eq!(
        rewritten(plan(list, &m)),
        r#"{"id":"r","c":[{"name":"X","p":"(207) 946-0958"}]}"#
    );
}

#[test]
fn unreadable_settings() {
    let m = matcher(&[JOHN]);
    assert_eq!(
        plan("not json john@pizza.com", &m),
        ErasurePlan::DeleteSetting { also_removes: 0 }
    );
    assert!(matches!(
        plan("not json john@pizza.com ann@x.org", &m),
        ErasurePlan::NeedsReview {
            reason: ReviewReason::Unreadable,
            ..
        }
    ));
}

#[test]
fn the_key_attribute_never_makes_a_list_a_card() {
    // Workspace's recents list is keyed by `name`: its typed-looking entries are still
    // each caller's own record.
    let m = matcher(&["+15550101234"]);
    let recents = r#"{"name":"recent-list","recentNumbers":[{"number":"+15550109999"},{"number":"+15550101234"}]}"#;
    let plan = plan_erasure(
        recents,
        &PlanContext {
            key_attribute: "name",
            matcher: &m,
            other_requests: None,
            options: ErasureOptions::default(),
        },
    );
    assert_eq!(
        rewritten(plan),
        r#"{"name":"recent-list","recentNumbers":[{"number":"+15550109999"}]}"#
    );
}
