//! The cleanup half against the real node and the emulator with CSRF on: exactly the
//! subject's data goes, everything else stays byte for byte, and the audit log proves it
//! without holding the identifier.

use crate::common::*;
use serde_json::Value;

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_erases_exactly_the_subject_and_proves_it() {
    let s = seeded("cleanup_exact").await;
    let dir = tempfile::tempdir().unwrap();
    let before = dump(&s.keyspace).await;
    let places = agent_places(&s);
    let touched = touched(&places);
    assert!(touched.len() >= 4, "{touched:?}");

    let args = cleanup_args(
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
    );
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let cleanup = &report["cleanup"];
    assert_eq!(
        cleanup["erased"].as_u64().unwrap() as usize,
        touched.len(),
        "{cleanup}"
    );
    assert_eq!(cleanup["failed"], 0);
    assert_eq!(cleanup["verified"], Value::Bool(true));

    let after = dump(&s.keyspace).await;
    // Everything not touched is byte-for-byte unchanged, the corporate favorite included.
    for (k, v) in &before {
        if !touched.contains(k) {
            assert_eq!(after.get(k), Some(v), "untouched setting {k:?} changed");
        }
    }
    // The subject's settings are gone, except recents lists, which lost only the subject's
    // entries (the other entries unchanged, in order).
    assert_exactly(&s.keyspace, &expected_after(&before, &places)).await;
    let list = touched
        .iter()
        .find(|k| k.1 == RECENTS)
        .expect("a recents list holds the subject");
    assert!(after.contains_key(list), "the recents list must survive");
    assert_eq!(
        after.len(),
        before.len() - touched.len() + 1,
        "one list rewritten, the rest deleted"
    );

    // Never a DELETE without a body (that would delete a whole group).
    let requests = s.emulator.recorded_requests();
    let deletes: Vec<_> = requests.iter().filter(|r| r.method == "DELETE").collect();
    assert!(!deletes.is_empty());
    assert!(deletes.iter().all(|r| r.has_body), "{deletes:?}");

    // A second run finds nothing to erase (the corporate favorite is not erasable) and exits 0.
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let second = run.json();
    assert_eq!(second["cleanup"]["erased"], 0);
    assert_eq!(dump(&s.keyspace).await, after);

    // The audit log holds both runs, verifies, and never the identifier in any spelling.
    let log_path = dir.path().join("audit.jsonl");
    let log = std::fs::read_to_string(&log_path).unwrap();
    for spelling in [
        "john.smith@pizza.com",
        "John.Smith",
        "JOHN.SMITH",
        "5550100001",
        "555) 010-0001",
        "555 010 0001",
        "john.smith",
    ] {
        assert!(
            !log.to_lowercase().contains(&spelling.to_lowercase()),
            "audit log holds {spelling}"
        );
    }
    assert!(log.contains("hmac-sha256:"));
    for kind in [
        "run_start",
        "scan_complete",
        "planned",
        "result",
        "verification",
        "run_end",
    ] {
        assert!(
            log.contains(&format!("\"kind\":\"{kind}\"")),
            "no {kind} event"
        );
    }
    let verify = forget_me(&strings(&[
        "--verify-audit-log",
        log_path.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(verify.code, 0, "{}{}", verify.stdout, verify.stderr);
    assert!(verify.stdout.contains("2 run(s)"), "{}", verify.stdout);
    // Without the key only the chain is checked, and the output says so.
    assert!(
        verify.stdout.contains("seals NOT checked"),
        "{}",
        verify.stdout
    );
    let key_path = dir.path().join("audit.key");
    let sealed = forget_me(&strings(&[
        "--verify-audit-log",
        log_path.to_str().unwrap(),
        "--audit-key",
        key_path.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(sealed.code, 0, "{}{}", sealed.stdout, sealed.stderr);
    assert!(
        sealed.stdout.contains("every event's seal matches"),
        "{}",
        sealed.stdout
    );
    // A rewrite that re-chains every later line fools the chain, not the seals: forge line 2
    // and recompute every hash after it, as anyone without the key could.
    let forged = rechain_from(&log, 2, |line| {
        line.replace("\"complete\":true", "\"complete\":false")
    });
    std::fs::write(&log_path, &forged).unwrap();
    let keyless = forget_me(&strings(&[
        "--verify-audit-log",
        log_path.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(
        keyless.code, 0,
        "the chain alone is fooled: {}",
        keyless.stdout
    );
    let keyed = forget_me(&strings(&[
        "--verify-audit-log",
        log_path.to_str().unwrap(),
        "--audit-key",
        key_path.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(keyed.code, 1, "{}", keyed.stdout);
    assert!(
        keyed.stdout.contains("line 2") && keyed.stdout.contains("seal"),
        "{}",
        keyed.stdout
    );
    std::fs::write(&log_path, &log).unwrap();

    // An edited line breaks the chain, and verification names it.
    let mut lines: Vec<String> = log.lines().map(String::from).collect();
    lines[2] = lines[2]
        .replacen("\"seq\":3", "\"seq\":3 ", 1)
        .replace("planned", "plannex");
    std::fs::write(&log_path, lines.join("\n") + "\n").unwrap();
    let verify = forget_me(&strings(&[
        "--verify-audit-log",
        log_path.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(verify.code, 1, "{}", verify.stdout);
    assert!(verify.stdout.contains("line 3"), "{}", verify.stdout);
    // ...and the tool refuses to append to it.
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);

    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn erase_setting_mode_deletes_whole_settings_but_never_a_shared_list() {
    let s = seeded("cleanup_whole").await;
    let dir = tempfile::tempdir().unwrap();
    let before = dump(&s.keyspace).await;
    let places = agent_places(&s);
    let touched = touched(&places);
    let args = cleanup_args(
        &s,
        dir.path(),
        &[
            "--search",
            "john.smith@pizza.com",
            "--search",
            "+15550100001",
            "--default-region",
            "US",
            "--erase",
            "setting",
            // The original's CSRF example: extra headers still go along.
            "--gws_additional_headers",
            r#"{"X-Extra-Header": "1434429f-81a8-459a-9d6d-792d17644471"}"#,
        ],
    );
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    // The seeded recent-list holds other people's entries beside the subject's: deleting it
    // whole (as the original did) would erase them, so it needs review and stays as it was.
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("NEEDS REVIEW"), "{}", run.stdout);
    let after = dump(&s.keyspace).await;
    let mut shared = 0;
    for k in &touched {
        if k.2 == "recent-list" {
            shared += 1;
            assert_eq!(after.get(k), before.get(k), "{k:?} must stay untouched");
        } else {
            assert!(!after.contains_key(k), "{k:?} should be deleted whole");
        }
    }
    assert_eq!(shared, 1, "the seed has one shared list of recents");
    assert_eq!(after.len(), before.len() - (touched.len() - shared));
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_password_non_admin_and_missing_confirmation_change_nothing() {
    let s = seeded("cleanup_refused").await;
    let dir = tempfile::tempdir().unwrap();
    let before = dump(&s.keyspace).await;
    s.emulator.clear_recorded_requests();
    let base = cleanup_args(&s, dir.path(), &["--search", "john.smith@pizza.com"]);

    let run = forget_me_env(&base, &[("GWS_PASSWORD", "wrong")]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("401"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("wrong"),
        "the password leaked: {}",
        run.stderr
    );

    let agent: Vec<String> = base
        .iter()
        .map(|a| {
            if a == testkit::ADMIN_USER {
                testkit::agent_user(1)
            } else {
                a.clone()
            }
        })
        .collect();
    let run = forget_me_env(&agent, &[("GWS_PASSWORD", testkit::AGENT_PASSWORD)]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("administrator"), "{}", run.stderr);

    let unconfirmed: Vec<String> = base.iter().filter(|a| *a != "--yes").cloned().collect();
    let run = forget_me_env(&unconfirmed, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);

    let no_password = forget_me(&base).await;
    assert_eq!(no_password.code, 2, "{}", no_password.stderr);
    assert!(
        no_password.stderr.contains("GWS_PASSWORD"),
        "{}",
        no_password.stderr
    );

    assert_eq!(dump(&s.keyspace).await, before, "nothing may change");
    assert!(
        s.emulator
            .recorded_requests()
            .iter()
            .all(|r| r.method == "GET"),
        "only reads were sent"
    );
    assert!(
        !s.emulator.recorded_requests().is_empty(),
        "the admin check did reach GWS"
    );
    assert!(
        !dir.path().join("audit.jsonl").exists()
            || std::fs::read_to_string(dir.path().join("audit.jsonl"))
                .unwrap()
                .is_empty()
    );
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_on_the_command_line_works_with_a_warning() {
    let s = seeded("cleanup_pwflag").await;
    let dir = tempfile::tempdir().unwrap();
    let args = cleanup_args(
        &s,
        dir.path(),
        &[
            "--search",
            "nobody.at.all@pizza.com",
            "--gws_user_password",
            testkit::ADMIN_PASSWORD,
        ],
    );
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning: a password given with --gws_user_password"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains(testkit::ADMIN_PASSWORD));
    assert!(!run.stderr.contains(testkit::ADMIN_PASSWORD));
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(!log.contains(testkit::ADMIN_PASSWORD));
    s.emulator.shutdown().await;
}

/// The log with line `n` (1-based) changed by `edit` and every hash from there on recomputed
/// as docs/audit-log.md describes: what a forger without the audit key can do.
fn rechain_from(log: &str, n: usize, edit: impl Fn(&str) -> String) -> String {
    use sha2::{Digest, Sha256};
    let mut out = String::new();
    let mut prev: Option<String> = None;
    for (i, line) in log.lines().enumerate() {
        let mut line = line.to_string();
        if i + 1 == n {
            line = edit(&line);
            assert_ne!(
                line,
                log.lines().nth(i).unwrap(),
                "the edit must change line {n}"
            );
        }
        if let Some(p) = &prev {
            let old_prev = &line[line.find("\"prev\":\"").unwrap() + 8..][..64].to_string();
            line = line.replacen(
                &format!("\"prev\":\"{old_prev}\""),
                &format!("\"prev\":\"{p}\""),
                1,
            );
        }
        let (body, _) = line.rsplit_once(",\"hash\":\"").unwrap();
        let prev_text = &body[body.find("\"prev\":\"").unwrap() + 8..][..64];
        let hash = hex::encode(Sha256::digest(format!("{prev_text}\n{body}}}")));
        if i + 1 >= n {
            prev = Some(hash.clone());
            line = format!("{body},\"hash\":\"{hash}\"}}");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A setting row written straight to Cassandra by something other than GWS: its value is not
/// JSON, so GWS's GET does not show it as a setting. The cleanup must not call it gone while
/// Cassandra holds it: it is reported not erased, with the CQL statement that removes exactly
/// that row, and that statement (run as printed) removes it and nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setting_gws_does_not_show_is_not_called_gone() {
    let s = seeded("cleanup_hidden").await;
    let dir = tempfile::tempdir().unwrap();
    let favs = "interaction-workspace-personal-favorites";
    let owner = s
        .data
        .settings
        .iter()
        .find(|x| x.group == favs && x.owner_id != "contact-center")
        .expect("an agent with favorites")
        .owner_id
        .clone();
    // A hostile key: quotes, a statement separator and a comment, as another writer could
    // store. The value is not JSON, so GWS answers it as a bare string without a key.
    let hidden_key = "note'); DROP TABLE x; -- \"q\"";
    let session = testkit::cassandra_session(None).await;
    session
        .query_unpaged(
            format!(
                "INSERT INTO {}.settings (owner_id, group_name, setting_key, value) VALUES (?, ?, ?, ?)",
                s.keyspace
            ),
            (
                owner.as_str(),
                favs,
                hidden_key,
                "call back ghost.writer@pizza.com (not JSON)",
            ),
        )
        .await
        .unwrap();
    let before = dump(&s.keyspace).await;

    let args = cleanup_args(
        &s,
        dir.path(),
        &["--search", "ghost.writer@pizza.com", "--format", "json"],
    );
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let cleanup = &report["cleanup"];
    assert_eq!(cleanup["already_gone"], 0, "{cleanup}");
    assert_eq!(cleanup["not_erased"], 1, "{cleanup}");
    assert_eq!(cleanup["verified"], Value::Bool(false), "{cleanup}");
    let setting = &cleanup["settings"][0];
    assert_eq!(setting["outcome"], "not_erased", "{setting}");
    assert_eq!(setting["still_matching"], Value::Bool(true), "{setting}");
    assert!(
        setting["reason"]
            .as_str()
            .unwrap()
            .contains("GWS does not show this setting"),
        "{setting}"
    );
    let cql = setting["cql"]
        .as_str()
        .expect("a CQL statement")
        .to_string();
    assert!(cql.starts_with("DELETE FROM "), "{cql}");
    assert_eq!(dump(&s.keyspace).await, before, "nothing changed");

    // The text report prints the same statement for the operator.
    let text_args: Vec<String> = args
        .iter()
        .filter(|a| *a != "--format" && *a != "json")
        .cloned()
        .collect();
    let text = forget_me_env(&text_args, &[PASSWORD_ENV]).await;
    assert_eq!(text.code, 1, "{}\n{}", text.stdout, text.stderr);
    assert!(text.stdout.contains("NOT ERASED"), "{}", text.stdout);
    assert!(text.stdout.contains(&cql), "{}", text.stdout);

    // The audit log says the setting was not erased, and holds neither the identifier nor
    // the statement.
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(log.contains("\"outcome\":\"not_erased\""), "{log}");
    assert!(!log.contains("ghost.writer"));
    assert!(!log.contains("DELETE FROM"));

    // Run as printed, the statement removes that one row and nothing else.
    session.query_unpaged(cql.as_str(), &[]).await.unwrap();
    let after = dump(&s.keyspace).await;
    let mut expected = before.clone();
    expected.remove(&(owner.clone(), favs.to_string(), hidden_key.to_string()));
    assert_eq!(after.len(), before.len() - 1);
    assert_eq!(after, expected);

    // Now Cassandra agrees: nothing is left to find.
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    s.emulator.shutdown().await;
}

/// A setting holding the address 5,000 times: the report lists 100 of its hits and counts the
/// other 4,900 (text and JSON), and the erasure, which re-reads and re-matches the setting
/// whole, removes every copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setting_holding_the_address_5000_times_lists_100_hits_counts_the_rest_and_is_erased_whole(
) {
    let s = seeded("cleanup_many_hits").await;
    let dir = tempfile::tempdir().unwrap();
    let owner = testkit::user_id(&testkit::agent_user(1));
    let group = "interaction-workspace-personal-favorites";
    let copies: Vec<&str> = vec!["John.Smith@pizza.com"; 5_000];
    let setting = serde_json::json!({
        "id": "fav-many-copies",
        "displayName": "Many copies",
        "emailAddresses": copies,
    });
    testkit::admin_client(&s.emulator)
        .send_ok(
            reqwest::Method::POST,
            &format!("/users/{owner}/settings/{group}"),
            Some(&setting.to_string()),
        )
        .await
        .unwrap();
    let search = |format: &'static str| {
        let mut args = cass_args(&s.keyspace);
        args.extend(strings(&[
            "--search",
            "john.smith@pizza.com",
            "--no-progress",
            "--format",
            format,
        ]));
        args
    };
    // Text: the setting's 100 listed hits, then one line for the rest.
    let run = forget_me(&search("text")).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains("setting fav-many-copies"))
        .collect();
    assert_eq!(lines.len(), 100, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("... and 4,900 more hits in this setting"),
        "{}",
        run.stdout
    );
    // JSON: the same, with the counts.
    let run = forget_me(&search("json")).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let listed = report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["setting_key"] == "fav-many-copies")
        .count();
    assert_eq!(listed, 100);
    let unlisted = report["unlisted_hits"].as_array().unwrap();
    assert_eq!(unlisted.len(), 1, "{unlisted:?}");
    assert_eq!(unlisted[0]["setting_key"], "fav-many-copies");
    assert_eq!(unlisted[0]["user_id"], owner.as_str());
    assert_eq!(unlisted[0]["listed"], 100);
    assert_eq!(unlisted[0]["more"], 4_900);
    let hits = report["totals"]["hits"].as_u64().unwrap();
    assert_eq!(
        hits as usize,
        report["matches"].as_array().unwrap().len() + 4_900
    );

    // The erasure: every copy goes, though only 100 were listed.
    let args = cleanup_args(
        &s,
        dir.path(),
        &["--search", "john.smith@pizza.com", "--format", "json"],
    );
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let cleanup = &run.json()["cleanup"];
    assert_eq!(cleanup["verified"], Value::Bool(true), "{cleanup}");
    assert_eq!(cleanup["failed"], 0, "{cleanup}");
    let again = forget_me(&search("json")).await;
    assert_eq!(again.code, 0, "{}", again.stderr);
    let again = again.json();
    assert!(
        again["matches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["owner_type"] != "user"),
        "{again}"
    );
    assert!(again["unlisted_hits"].as_array().unwrap().is_empty());
    s.emulator.shutdown().await;
}
