//! Nothing outside the plan may change unnoticed, and "Verified" must be a search: the
//! binary against the real node and the emulator, with GWS made to misbehave.
//!
//! - A DELETE that loses its body deletes the whole group in GWS. The tool re-reads the group
//!   from Cassandra after each change and fails loudly when a neighbour vanished.
//! - An agent writing another setting of the same group during the change is reported as
//!   "changed meanwhile", not as damage.
//! - A contact written back under a new key during the erasure is found by the verification,
//!   which re-scans the whole group.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::common::*;
use gws_emulator::{Fault, FaultRule};
use serde_json::{json, Value};

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);
const FAVORITES: &str = "interaction-workspace-personal-favorites";

/// An agent's favorites group holding subject 0 in exactly one favorite, next to at least two
/// others: (owner, the subject's favorite key, the other keys).
fn favorite_group(s: &Seeded) -> (String, String, Vec<String>) {
    let places = agent_places(s);
    for p in places.iter().filter(|p| p.1 == FAVORITES) {
        let owner = &p.0;
        let mine: BTreeSet<&String> = places
            .iter()
            .filter(|q| &q.0 == owner && q.1 == FAVORITES)
            .map(|q| &q.2)
            .collect();
        let others: Vec<String> = s
            .data
            .settings_of(owner, FAVORITES)
            .map(|x| x.setting_key.clone())
            .filter(|k| !mine.contains(k))
            .collect();
        if mine.len() == 1 && others.len() >= 2 {
            return (owner.clone(), p.2.clone(), others);
        }
    }
    panic!("no favorites group with one subject favorite and two others: {places:?}");
}

fn only_group_args(s: &Seeded, dir: &std::path::Path, extra: &[&str]) -> Vec<String> {
    // Both of subject 0's identifiers: the favorite `favorite_group` picks may hold either.
    let mut a = vec![
        "--search",
        "john.smith@pizza.com",
        "--search",
        "+1 555 010 0001",
        "--default-region",
        "US",
        "--group_name",
        FAVORITES,
        "--format",
        "json",
    ];
    a.extend_from_slice(extra);
    cleanup_args(s, dir, &a)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_delete_in_place_of_one_setting_fails_loudly() {
    let s = seeded("collateral").await;
    let dir = tempfile::tempdir().unwrap();
    let (owner, mine, others) = favorite_group(&s);
    // Every DELETE of that agent's settings reaches GWS without its body: a group DELETE.
    s.emulator.faults().add(
        FaultRule::new(Fault::DropBody)
            .method("DELETE")
            .path_contains(&owner),
    );

    let receipt = dir.path().join("receipt.json");
    let args = only_group_args(&s, dir.path(), &["--receipt", receipt.to_str().unwrap()]);
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(
        run.code, 1,
        "collateral damage must fail the run\n{}\n{}",
        run.stdout, run.stderr
    );
    assert!(
        !s.emulator.faults().injected().is_empty(),
        "the fault never fired"
    );
    let report = run.json();
    let cleanup = &report["cleanup"];
    assert!(
        cleanup["collateral_damage"].as_u64().unwrap() >= 1,
        "{cleanup}"
    );
    let vanished: BTreeSet<String> = cleanup["settings"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|x| {
            x["collateral"]["vanished"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|k| k.as_str().unwrap().to_string())
        .collect();
    for k in &others {
        assert!(vanished.contains(k), "{k} vanished unreported: {cleanup}");
    }

    // The audit log says so, by key, never by value.
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let event = log
        .lines()
        .find(|l| l.contains("\"kind\":\"collateral_damage\""))
        .unwrap_or_else(|| panic!("no collateral_damage event:\n{log}"));
    assert!(event.contains(&others[0]), "{event}");
    for other in s.data.settings_of(&owner, FAVORITES) {
        for text in other
            .value
            .as_object()
            .unwrap()
            .values()
            .filter_map(Value::as_str)
        {
            // Keys (the subject's and the vanished ones) and the owner id are named; no
            // other stored text may be.
            let named = others.contains(&text.to_string()) || *text == *owner || *text == *mine;
            if text.len() > 6 && !named {
                assert!(!event.contains(text), "a value in the audit log: {text}");
            }
        }
    }
    assert!(log.contains("\"outcome\":\"done\""), "{log}");
    // One verdict everywhere: the re-scan of the group may be clean (the vanished settings
    // held no identifier), but a run that damaged other settings is not verified, in the
    // report, in run_end and in the receipt alike.
    assert_eq!(cleanup["verified"], Value::Bool(false), "{cleanup}");
    let run_end = log
        .lines()
        .find(|l| l.contains("\"kind\":\"run_end\""))
        .unwrap_or_else(|| panic!("no run_end:\n{log}"));
    assert!(run_end.contains("\"verified\":false"), "{run_end}");

    // The receipt and its readable copy say so too.
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    assert_eq!(r["verification"]["verified"], Value::Bool(false), "{r}");
    assert!(
        r["verification"]["collateral_damage"].as_u64().unwrap() >= 1,
        "{r}"
    );
    let txt = std::fs::read_to_string(receipt.with_extension("txt")).unwrap();
    assert!(txt.contains("COLLATERAL DAMAGE"), "{txt}");

    s.emulator.shutdown().await;
}

/// Waits until the emulator has injected `n` faults (the request is then in flight).
async fn wait_for_faults(s: &Seeded, n: usize) {
    for _ in 0..600 {
        if s.emulator.faults().injected().len() >= n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the fault never fired");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_writing_meanwhile_is_reported_not_counted_as_damage() {
    let s = seeded("collateral_meanwhile").await;
    let dir = tempfile::tempdir().unwrap();
    let (owner, _mine, others) = favorite_group(&s);
    // The DELETE is held back for a while, and the agent edits another favorite meanwhile.
    s.emulator.faults().add(
        FaultRule::new(Fault::Delay(Duration::from_secs(2)))
            .method("DELETE")
            .path_contains(&owner)
            .times(1),
    );
    let args = only_group_args(&s, dir.path(), &[]);
    let binary = tokio::spawn(async move { forget_me_env(&args, &[PASSWORD_ENV]).await });
    wait_for_faults(&s, 1).await;
    let edited = s
        .data
        .settings_of(&owner, FAVORITES)
        .find(|x| x.setting_key == others[0])
        .unwrap();
    let mut value = edited.value.clone();
    value["displayName"] = json!("Renamed meanwhile");
    testkit::admin_client(&s.emulator)
        .send_ok(
            reqwest::Method::PUT,
            &format!("/users/{owner}/settings/{FAVORITES}"),
            Some(&value.to_string()),
        )
        .await
        .unwrap();
    let run = binary.await.unwrap();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let cleanup = &run.json()["cleanup"];
    assert_eq!(cleanup["collateral_damage"], 0, "{cleanup}");
    assert_eq!(cleanup["changed_meanwhile"], 1, "{cleanup}");
    let changed: Vec<&Value> = cleanup["settings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["collateral"]["changed_meanwhile"].as_array())
        .flatten()
        .collect();
    assert_eq!(changed, [&json!(others[0])], "{cleanup}");
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_contact_written_back_under_a_new_key_is_not_verified() {
    let s = seeded("verify_search").await;
    let dir = tempfile::tempdir().unwrap();
    let (owner, mine, _others) = favorite_group(&s);
    s.emulator.faults().add(
        FaultRule::new(Fault::Delay(Duration::from_secs(2)))
            .method("DELETE")
            .path_contains(&owner)
            .times(1),
    );
    let args = only_group_args(&s, dir.path(), &[]);
    let binary = tokio::spawn(async move { forget_me_env(&args, &[PASSWORD_ENV]).await });
    wait_for_faults(&s, 1).await;
    // A Workspace client re-syncs: the same contact, under a new key.
    let original = s
        .data
        .settings_of(&owner, FAVORITES)
        .find(|x| x.setting_key == mine)
        .unwrap();
    let mut copy = original.value.clone();
    copy[original.key_attribute.as_str()] = json!("fav-resynced-copy");
    testkit::admin_client(&s.emulator)
        .send_ok(
            reqwest::Method::POST,
            &format!("/users/{owner}/settings/{FAVORITES}"),
            Some(&copy.to_string()),
        )
        .await
        .unwrap();
    let run = binary.await.unwrap();
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let cleanup = &run.json()["cleanup"];
    assert_eq!(cleanup["verified"], Value::Bool(false), "{cleanup}");
    let elsewhere = cleanup["verification"]["found_elsewhere"]
        .as_array()
        .unwrap();
    assert!(
        elsewhere
            .iter()
            .any(|e| e["setting_key"] == "fav-resynced-copy" && e["user_id"] == owner.as_str()),
        "{cleanup}"
    );
    // The verification read at QUORUM, and the audit event says it searched the group.
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let v = log
        .lines()
        .find(|l| l.contains("\"kind\":\"verification\""))
        .unwrap();
    assert!(v.contains("\"found_elsewhere\":[{"), "{v}");
    assert!(v.contains("\"verified\":false"), "{v}");
    s.emulator.shutdown().await;
}
