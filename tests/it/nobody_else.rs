//! Nobody else's data, end to end: the binary against the real node and the emulator, on
//! settings shaped the way a hostile review found other people erased. The planner's own
//! unit tests and its generated-case oracle (crates/matcher) cover the shapes; these check
//! that what reaches Cassandra is exactly the stored text without the subject's record.

use std::time::Duration;

use crate::common::*;
use gws_emulator::{Fault, FaultRule};

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);

/// A subject the seed does not hold, so only the settings a test writes are touched.
const ZED: &str = "zed.subject@example.net";

/// Writes `text` as a new setting of agent 0's recents group (key attribute `name`); returns
/// the setting's key in `dump`'s terms.
async fn write_setting(s: &Seeded, name: &str, text: &str) -> Key {
    let owner = s.data.agents[0].id.clone();
    testkit::admin_client(&s.emulator)
        .send_ok(
            reqwest::Method::POST,
            &format!("/users/{owner}/settings/{RECENTS}"),
            Some(text),
        )
        .await
        .unwrap();
    (owner, RECENTS.to_string(), name.to_string())
}

fn zed_args(s: &Seeded, dir: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut a = vec!["--search", ZED, "--group_name", RECENTS, "--format", "json"];
    a.extend_from_slice(extra);
    cleanup_args(s, dir, &a)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_category_member_is_cut_out_and_every_other_byte_stays() {
    let s = seeded("nobody_member").await;
    let dir = tempfile::tempdir().unwrap();
    // Another entry holds a lone surrogate escape, a big integer and -0: a parse and
    // re-serialization would change or refuse them.
    let text = r#"{"name":"cat-list", "big":12345678901234567890123, "categories":[{"name":"Friends","members":[
  {"name":"Ann","email":"ann@example.org","note":"\ud800 \u00e9","n":-0},
  {"name":"Zed","email":"ZED.subject@example.net"},
  {"name":"Bo","phone":"+1 555 010 2222"}]}]}"#;
    let key = write_setting(&s, "cat-list", text).await;
    let run = forget_me_env(&zed_args(&s, dir.path(), &[]), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let after = dump(&s.keyspace).await;
    assert_eq!(
        after[&key],
        r#"{"name":"cat-list", "big":12345678901234567890123, "categories":[{"name":"Friends","members":[
  {"name":"Ann","email":"ann@example.org","note":"\ud800 \u00e9","n":-0},
  {"name":"Bo","phone":"+1 555 010 2222"}]}]}"#
    );
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_holding_another_persons_record_is_left_for_review() {
    let s = seeded("nobody_review").await;
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{"name":"shared","entries":[{"displayName":"Zed","email":"zed.subject@example.net","related":[{"name":"Ann","email":"ann@example.org"}]},{"displayName":"Bo","email":"bo@example.org"}]}"#;
    let key = write_setting(&s, "shared", text).await;
    let receipt = dir.path().join("receipt.json");
    let run = forget_me_env(
        &zed_args(&s, dir.path(), &["--receipt", receipt.to_str().unwrap()]),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let settings = report["cleanup"]["settings"].as_array().unwrap();
    assert_eq!(settings.len(), 1, "{report}");
    assert_eq!(settings[0]["outcome"], "needs_review", "{report}");
    assert!(
        settings[0]["reason"]
            .as_str()
            .unwrap()
            .contains("other people's records"),
        "{report}"
    );
    assert_eq!(dump(&s.keyspace).await[&key], text, "nothing may change");
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(log.contains("\"outcome\":\"needs_review\""), "{log}");
    for leaked in ["ann@example.org", "zed.subject", "bo@example.org"] {
        assert!(!log.contains(leaked), "{leaked} in the audit log");
    }
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_identifier_in_an_object_key_on_a_hits_path_stays_out_of_every_file() {
    let s = seeded("nobody_keypath").await;
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{"name":"by-address","byAddress":{"ann@example.org":{"cc":"zed.subject@example.net"},"bo@example.org":{"n":2}}}"#;
    let key = write_setting(&s, "by-address", text).await;
    let receipt = dir.path().join("receipt.json");
    let run = forget_me_env(
        &zed_args(&s, dir.path(), &["--receipt", receipt.to_str().unwrap()]),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    // The entry keyed by Ann's address holds the subject: it is one record and goes whole;
    // Bo's entry stays byte for byte.
    assert_eq!(
        dump(&s.keyspace).await[&key],
        r#"{"name":"by-address","byAddress":{"bo@example.org":{"n":2}}}"#
    );
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let receipt = std::fs::read_to_string(&receipt).unwrap();
    for (what, text) in [
        ("audit log", &log),
        ("receipt", &receipt),
        ("report", &run.stdout),
    ] {
        assert!(
            !text.contains("ann@example.org"),
            "the key leaked into the {what}:\n{text}"
        );
    }
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_that_puts_the_subject_back_after_the_rewrite_is_seen_and_undone() {
    let s = seeded("nobody_rewrite").await;
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{"name":"recent-calls","calls":[{"number":"+15550109999"},{"displayName":"Zed","email":"zed.subject@example.net"}]}"#;
    let key = write_setting(&s, "recent-calls", text).await;
    let owner = key.0.clone();
    // The re-read after the rewrite waits; meanwhile another writer (an agent's client with
    // an old copy, a second run) writes the old list back.
    s.emulator.faults().add(
        FaultRule::new(Fault::Delay(Duration::from_secs(3)))
            .method("GET")
            .path_contains(&format!("{owner}/settings/{RECENTS}"))
            .after(1)
            .times(1),
    );
    let args = zed_args(&s, dir.path(), &[]);
    let binary = tokio::spawn(async move { forget_me_env(&args, &[PASSWORD_ENV]).await });
    for _ in 0..200 {
        if !s.emulator.faults().injected().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !s.emulator.faults().injected().is_empty(),
        "the re-read never came"
    );
    testkit::admin_client(&s.emulator)
        .send_ok(
            reqwest::Method::PUT,
            &format!("/users/{owner}/settings/{RECENTS}"),
            Some(text),
        )
        .await
        .unwrap();
    let run = binary.await.unwrap();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        dump(&s.keyspace).await[&key],
        r#"{"name":"recent-calls","calls":[{"number":"+15550109999"}]}"#
    );
    let puts = s
        .emulator
        .recorded_requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path.contains(&owner))
        .count();
    // The tool's rewrite, the other writer's, and the tool's second rewrite.
    assert_eq!(puts, 3, "the rewrite was not planned again");
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_requests_of_a_batch_each_take_their_own_entry_and_never_a_shared_one() {
    let s = seeded("nobody_batch").await;
    let dir = tempfile::tempdir().unwrap();
    let list = write_setting(
        &s,
        "calls",
        r#"{"name":"calls","entries":[{"displayName":"Zed","email":"zed.subject@example.net"},{"displayName":"Ann","email":"ann.lee@customer.test"},{"displayName":"Bo","email":"bo@example.org"}]}"#,
    )
    .await;
    let together = r#"{"name":"together","entries":[{"displayName":"Zed","email":"zed.subject@example.net","cc":"ann.lee@customer.test"},{"displayName":"Bo","email":"bo@example.org"}]}"#;
    let shared = write_setting(&s, "together", together).await;
    let file = dir.path().join("requests.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"id":"DSR-A","identifiers":["zed.subject@example.net"],"action":"erase"}"#,
            r#"{"id":"DSR-B","identifiers":["ann.lee@customer.test"],"action":"erase"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let mut args = cleanup_args(&s, dir.path(), &["--group_name", RECENTS]);
    args.extend(strings(&[
        "--requests",
        file.to_str().unwrap(),
        "--out",
        dir.path().join("answers").to_str().unwrap(),
    ]));
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    // The shared entry holds both requesters: neither request erases it alone.
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let after = dump(&s.keyspace).await;
    assert_eq!(
        after[&list],
        r#"{"name":"calls","entries":[{"displayName":"Bo","email":"bo@example.org"}]}"#
    );
    assert_eq!(
        after[&shared], together,
        "a shared entry must stay for review"
    );
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_map_keyed_by_the_subjects_address_is_found_and_only_that_entry_is_erased() {
    let s = seeded("nobody_keyed").await;
    let dir = tempfile::tempdir().unwrap();
    let text = r#"{"name":"by-address","byAddress":{"Zed.Subject@example.net":{"seen":3},"bo@example.org":{"seen":1}}}"#;
    let key = write_setting(&s, "by-address", text).await;

    // The search finds the address where it is only a key; the path never shows it.
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&["--search", ZED, "--format", "json"]));
    let search = forget_me(&args).await;
    assert_eq!(search.code, 0, "{}", search.stderr);
    let report = search.json();
    let hit = report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["setting_key"] == "by-address")
        .unwrap_or_else(|| panic!("the keyed entry was not found: {report}"));
    assert_eq!(hit["json_path"], r#"$.byAddress["*"]"#, "{hit}");

    // The erasure takes that entry only, and the verification and receipt say so.
    let receipt = dir.path().join("receipt.json");
    let run = forget_me_env(
        &zed_args(&s, dir.path(), &["--receipt", receipt.to_str().unwrap()]),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.json()["cleanup"]["verified"],
        serde_json::Value::Bool(true)
    );
    assert_eq!(
        dump(&s.keyspace).await[&key],
        r#"{"name":"by-address","byAddress":{"bo@example.org":{"seen":1}}}"#
    );
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    assert_eq!(
        r["verification"]["verified"],
        serde_json::Value::Bool(true),
        "{r}"
    );
    let location = r["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["setting_key"] == "by-address")
        .unwrap_or_else(|| panic!("{r}"));
    assert_eq!(location["action"], "rewritten", "{location}");
    assert_eq!(
        location["removed_paths"][0], r#"$.byAddress["*"]"#,
        "{location}"
    );
    assert!(!std::fs::read_to_string(&receipt)
        .unwrap()
        .to_lowercase()
        .contains("zed.subject"));
    s.emulator.shutdown().await;
}
