//! What counts as the subject, end to end against the real node and the emulator:
//!
//! - a national number found without a region is a *possible* match: reported with its kind,
//!   never erased unless the region or `--erase-possible-matches` is given;
//! - unusual spellings (a JSON number, an encoded at-sign, invisible characters, fullwidth and
//!   Arabic-Indic digits) are found and erased;
//! - a setting whose duplicate key hides the identifier from a last-key-wins parser is
//!   erasable, and `--erase setting` deletes it.

use crate::common::*;
use serde_json::{json, Value};

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);
const FAVORITES: &str = "interaction-workspace-personal-favorites";

fn first_agent(s: &Seeded) -> String {
    s.data
        .settings
        .iter()
        .find(|x| x.group == FAVORITES && x.owner_id != "contact-center")
        .map(|x| x.owner_id.clone())
        .expect("an agent with favorites")
}

async fn put_favorite(s: &Seeded, owner: &str, value: &Value) {
    testkit::admin_client(&s.emulator)
        .send_ok(
            reqwest::Method::POST,
            &format!("/users/{owner}/settings/{FAVORITES}"),
            Some(&value.to_string()),
        )
        .await
        .unwrap();
}

/// Writes a row straight into the settings table, for values GWS itself would re-serialize.
async fn insert_raw(keyspace: &str, owner: &str, key: &str, value: &str) {
    let session = testkit::cassandra_session(None).await;
    session
        .query_unpaged(
            format!("INSERT INTO {keyspace}.settings (owner_id, group_name, setting_key, value) VALUES (?, ?, ?, ?)"),
            (owner, FAVORITES, key, value),
        )
        .await
        .unwrap();
}

fn has_key(state: &std::collections::BTreeMap<Key, String>, owner: &str, key: &str) -> bool {
    state.contains_key(&(owner.to_string(), FAVORITES.to_string(), key.to_string()))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_national_number_without_region_is_possible_and_not_erased() {
    let s = seeded("possible").await;
    let dir = tempfile::tempdir().unwrap();
    let owner = first_agent(&s);
    // A US favorite whose national digits equal those of a London number.
    put_favorite(
        &s,
        &owner,
        &json!({"id":"fav-us-stranger","displayName":"Stranger in Maine","phoneNumbers":[{"type":"work","number":"(207) 946-0958"}]}),
    )
    .await;

    // Without a region: found, reported as possible, not erased, exit 0.
    let search = ["--search", "+44 20 7946 0958", "--format", "json"];
    let run = forget_me_env(&cleanup_args(&s, dir.path(), &search), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let m = report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["setting_key"] == "fav-us-stranger")
        .unwrap_or_else(|| panic!("the possible match is reported: {report}"));
    assert_eq!(m["kind"], "possible", "{m}");
    assert_eq!(report["cleanup"]["erased"], 0, "{report}");
    assert!(run.stderr.contains("possible match"), "{}", run.stderr);
    assert!(has_key(&dump(&s.keyspace).await, &owner, "fav-us-stranger"));

    // The text report names the kind too.
    let mut text_args = cass_args(&s.keyspace);
    text_args.extend(strings(&["--search", "+44 20 7946 0958", "--no-progress"]));
    let run = forget_me(&text_args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.contains("fav-us-stranger"))
        .unwrap();
    assert!(line.contains("possible match"), "{line}");

    // With the stored numbers' region given (they are American), read in US it is not the
    // London number, but read in GB it is: still a possible match, still not erased.
    let mut us = search.to_vec();
    us.extend(["--default-region", "US"]);
    let run = forget_me_env(&cleanup_args(&s, dir.path(), &us), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let m = report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["setting_key"] == "fav-us-stranger")
        .unwrap_or_else(|| panic!("a region loses nothing: {report}"));
    assert_eq!(m["kind"], "possible", "{m}");
    assert!(has_key(&dump(&s.keyspace).await, &owner, "fav-us-stranger"));

    let mut forced = search.to_vec();
    forced.push("--erase-possible-matches");
    let run = forget_me_env(&cleanup_args(&s, dir.path(), &forced), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["cleanup"]["erased"], 1, "{}", run.stdout);
    assert!(!has_key(
        &dump(&s.keyspace).await,
        &owner,
        "fav-us-stranger"
    ));
    s.emulator.shutdown().await;
}

/// The issue's case: `+1 617 555 0123` had 1 hit without a region and 0 with
/// `--default-region IE`. A stored national number that is the subject's under another
/// reading than the region's is a possible match with and without the region; the region
/// that reads it as the subject's makes it exact; a cleanup leaves a possible-only setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_region_loses_nothing_that_no_region_finds() {
    let s = seeded("region_keeps").await;
    let dir = tempfile::tempdir().unwrap();
    let owner = first_agent(&s);
    put_favorite(
        &s,
        &owner,
        &json!({"id":"fav-boston-national","displayName":"Boston office","phoneNumbers":[{"type":"work","number":"617 555 0123"}]}),
    )
    .await;
    put_favorite(
        &s,
        &owner,
        &json!({"id":"fav-boston-intl","displayName":"Boston mobile","phoneNumbers":[{"type":"mobile","number":"+1 (617) 555-0123"}]}),
    )
    .await;
    let kind_of = |report: &Value, key: &str| -> Option<String> {
        report["matches"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["setting_key"] == key)
            .map(|m| m["kind"].as_str().unwrap().to_string())
    };
    let search_only = |extra: &[&str]| {
        let mut args = cass_args(&s.keyspace);
        args.extend(strings(&[
            "--search",
            "+1 617 555 0123",
            "--format",
            "json",
            "--no-progress",
        ]));
        args.extend(strings(extra));
        args
    };
    for (extra, national) in [
        (&[][..], "possible"),
        (&["--default-region", "IE"][..], "possible"),
        (&["--default-region", "US"][..], "exact"),
    ] {
        let run = forget_me(&search_only(extra)).await;
        assert_eq!(run.code, 0, "{extra:?}: {}", run.stderr);
        let report = run.json();
        assert_eq!(
            kind_of(&report, "fav-boston-national").as_deref(),
            Some(national),
            "{extra:?}: {report}"
        );
        assert_eq!(
            kind_of(&report, "fav-boston-intl").as_deref(),
            Some("exact"),
            "{extra:?}: {report}"
        );
    }

    // Cleanup with the region IE: the exact one goes, the possible-only one stays.
    let args = [
        "--search",
        "+1 617 555 0123",
        "--default-region",
        "IE",
        "--format",
        "json",
    ];
    let run = forget_me_env(&cleanup_args(&s, dir.path(), &args), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["cleanup"]["erased"], 1, "{report}");
    assert!(run.stderr.contains("possible match"), "{}", run.stderr);
    let after = dump(&s.keyspace).await;
    assert!(has_key(&after, &owner, "fav-boston-national"));
    assert!(!has_key(&after, &owner, "fav-boston-intl"));
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unusual_spellings_are_found_and_erased() {
    let s = seeded("spellings").await;
    let dir = tempfile::tempdir().unwrap();
    let owner = first_agent(&s);
    let spellings: Vec<(&str, Value)> = vec![
        (
            "fav-json-number",
            json!({"id":"fav-json-number","displayName":"N","phone":15550100001_u64}),
        ),
        (
            "fav-percent",
            json!({"id":"fav-percent","displayName":"P","link":"mailto:john.smith%40pizza.com?subject=hi"}),
        ),
        (
            "fav-entity",
            json!({"id":"fav-entity","displayName":"E","html":"<a>john.smith&#64;pizza.com</a>"}),
        ),
        (
            "fav-entity-hex",
            json!({"id":"fav-entity-hex","displayName":"H","html":"john.smith&#x40;pizza.com"}),
        ),
        (
            "fav-zero-width",
            json!({"id":"fav-zero-width","displayName":"Z","emailAddresses":["john.sm\u{200b}ith@pizza.com"]}),
        ),
        (
            "fav-joiner-phone",
            json!({"id":"fav-joiner-phone","displayName":"J","phone":"\u{202e}+1 555\u{2060} 010 0001"}),
        ),
        (
            "fav-fullwidth",
            json!({"id":"fav-fullwidth","displayName":"F","phone":"＋１ ５５５ ０１０ ０００１"}),
        ),
        (
            "fav-arabic",
            json!({"id":"fav-arabic","displayName":"A","phone":"+١ ٥٥٥ ٠١٠ ٠٠٠١"}),
        ),
    ];
    for (_, v) in &spellings {
        put_favorite(&s, &owner, v).await;
    }
    let run = forget_me_env(
        &cleanup_args(
            &s,
            dir.path(),
            &[
                "--search",
                "john.smith@pizza.com",
                "--search",
                "+1 555 010 0001",
                "--default-region",
                "US",
                "--format",
                "json",
            ],
        ),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let after = dump(&s.keyspace).await;
    for (key, _) in &spellings {
        assert!(
            report["matches"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["setting_key"] == *key),
            "{key} not found"
        );
        assert!(!has_key(&after, &owner, key), "{key} not erased");
    }
    assert_eq!(report["cleanup"]["verified"], Value::Bool(true));
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_key_holding_the_identifier_is_erasable() {
    let s = seeded("duplicates").await;
    let dir = tempfile::tempdir().unwrap();
    let owner = first_agent(&s);
    // The first copy of "email" holds the subject; a last-key-wins parser sees the second.
    let raw = r#"{"id":"fav-dup","displayName":"D","email":"john.smith@pizza.com","email":"someone@else.com"}"#;
    insert_raw(&s.keyspace, &owner, "fav-dup", raw).await;
    let raw2 = r#"{"id":"fav-dup2","displayName":"D2","email":"john.smith@pizza.com","email":"x@else.com"}"#;
    insert_raw(&s.keyspace, &owner, "fav-dup2", raw2).await;

    let args = [
        "--search",
        "john.smith@pizza.com",
        "--group_name",
        FAVORITES,
        "--format",
        "json",
    ];
    let run = forget_me_env(&cleanup_args(&s, dir.path(), &args), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let outcome = |key: &str| {
        report["cleanup"]["settings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["setting_key"] == key)
            .map(|x| x["outcome"].clone())
    };
    assert_eq!(outcome("fav-dup"), Some(json!("deleted")), "{report}");
    assert!(!has_key(&dump(&s.keyspace).await, &owner, "fav-dup"));

    // --erase setting deletes it too.
    insert_raw(
        &s.keyspace,
        &owner,
        "fav-dup3",
        &raw.replace("fav-dup", "fav-dup3"),
    )
    .await;
    let mut whole = args.to_vec();
    whole.extend(["--erase", "setting"]);
    let run = forget_me_env(&cleanup_args(&s, dir.path(), &whole), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!has_key(&dump(&s.keyspace).await, &owner, "fav-dup3"));
    s.emulator.shutdown().await;
}
