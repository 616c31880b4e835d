//! Blast radius and hostile stored names, end to end against the real node and the emulator:
//!
//! - an erasure plan larger than one person's data (500 settings or 50 agents by default) is
//!   refused, with the counts shown, before anything changes, unless a flag names the number;
//! - newlines, terminal escapes and bidirectional overrides in stored keys never reach a
//!   human-readable output raw: the text report, the cleanup lines, the receipt's copy.

use crate::common::*;
use serde_json::{json, Value};

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);
const FAVORITES: &str = "interaction-workspace-personal-favorites";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_above_the_limit_is_refused_before_anything_changes() {
    let s = seeded("blast_limit").await;
    let dir = tempfile::tempdir().unwrap();
    let before = dump(&s.keyspace).await;
    let touched = touched(&agent_places(&s));
    assert!(touched.len() > 2);
    let search = [
        "--search",
        "john.smith@pizza.com",
        "--search",
        "+1 555 010 0001",
        "--default-region",
        "US",
    ];

    // A limit below the plan: refused with the counts, exit 2, report printed, nothing changed.
    let mut limited = search.to_vec();
    limited.extend(["--max-erase", "2"]);
    let run = forget_me_env(&cleanup_args(&s, dir.path(), &limited), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(&format!("would erase {} setting(s)", touched.len())),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--max-erase"), "{}", run.stderr);
    assert!(run.stdout.contains("Cleanup: REFUSED"), "{}", run.stdout);
    assert!(run.stdout.contains("Found "), "{}", run.stdout);
    assert_eq!(dump(&s.keyspace).await, before);
    let log = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(log.contains("refused_too_large"), "{log}");
    assert!(!log.contains("\"kind\":\"planned\""), "{log}");

    // The agents limit works the same way.
    let mut agents = search.to_vec();
    agents.extend(["--max-erase-agents", "1"]);
    let run = forget_me_env(&cleanup_args(&s, dir.path(), &agents), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(dump(&s.keyspace).await, before);

    // Naming a number at least as large lets it through.
    let n = touched.len().to_string();
    let mut allowed = search.to_vec();
    allowed.extend(["--max-erase", &n]);
    let run = forget_me_env(&cleanup_args(&s, dir.path(), &allowed), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains(&format!("Erasing the data subject from {n} setting(s)")),
        "{}",
        run.stderr
    );
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_default_limit_refuses_a_search_that_is_too_broad() {
    let s = seeded("blast_default").await;
    let dir = tempfile::tempdir().unwrap();
    let owner = favorites_owner(&s);
    // 501 favorites of one agent that all mention the same shared address.
    insert_shared_desk(&s.keyspace, &owner, 501).await;
    let before = dump(&s.keyspace).await;

    let args = cleanup_args(
        &s,
        dir.path(),
        &["--search", "desk@pizza.com", "--format", "json"],
    );
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("would erase 501 setting(s) of 1 agent(s)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("--max-erase 501"), "{}", run.stderr);
    let report = run.json();
    assert_eq!(
        report["cleanup"]["refused"], "too_large",
        "{}",
        report["cleanup"]
    );
    assert_eq!(report["cleanup"]["planned_settings"], 501);
    assert_eq!(dump(&s.keyspace).await, before);
    let deletes = s
        .emulator
        .recorded_requests()
        .iter()
        .filter(|r| r.method == "DELETE" || r.method == "PUT")
        .count();
    assert_eq!(deletes, 0);
    s.emulator.shutdown().await;
}

/// The first agent the seeder gave personal favorites.
fn favorites_owner(s: &Seeded) -> String {
    s.data
        .settings
        .iter()
        .find(|x| x.group == FAVORITES)
        .expect("the seeder wrote favorites")
        .owner_id
        .clone()
}

/// Writes `n` favorites of `owner` that all hold the same shared address, `desk@pizza.com`,
/// straight into Cassandra.
async fn insert_shared_desk(keyspace: &str, owner: &str, n: usize) {
    let session = testkit::cassandra_session(None).await;
    let insert = session
        .prepare(format!(
            "INSERT INTO {keyspace}.settings (owner_id, group_name, setting_key, value) VALUES (?, ?, ?, ?)"
        ))
        .await
        .unwrap();
    let writes = (0..n).map(|i| {
        let key = format!("fav-bulk-{i}");
        let value = json!({"id": key, "displayName": format!("Desk {i}"), "emailAddresses": ["desk@pizza.com"]}).to_string();
        let (session, insert) = (&session, &insert);
        async move {
            session
                .execute_unpaged(insert, (owner, FAVORITES, key.as_str(), value.as_str()))
                .await
                .unwrap();
        }
    });
    futures::future::join_all(writes).await;
}

/// D19's memory half: past `--max-listed` settings a search counts instead of keeping hits,
/// and a partial listing is never turned into an erasure or an access export.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_broader_than_the_listing_is_counted_and_never_erased_or_exported_in_part() {
    let s = seeded("blast_listed").await;
    let dir = tempfile::tempdir().unwrap();
    let owner = favorites_owner(&s);
    insert_shared_desk(&s.keyspace, &owner, 30).await;
    let before = dump(&s.keyspace).await;

    // The JSON report: exact counts over all 30, hits of only 10 settings kept.
    let mut search = cass_args(&s.keyspace);
    search.extend(strings(&[
        "--search",
        "desk@pizza.com",
        "--max-listed",
        "10",
        "--no-progress",
    ]));
    let mut json_search = search.clone();
    json_search.extend(strings(&["--format", "json"]));
    let run = forget_me(&json_search).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["truncated"], true, "{}", report["totals"]);
    assert_eq!(report["totals"]["settings"], 30);
    assert_eq!(report["totals"]["hits"], 30);
    assert_eq!(report["totals"]["agents"], 1);
    assert_eq!(report["totals"]["listed_settings"], 10);
    let listed: std::collections::BTreeSet<&str> = report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["setting_key"].as_str().unwrap())
        .collect();
    assert_eq!(listed.len(), 10, "{listed:?}");

    // The text report says so in words.
    let run = forget_me(&search).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("Found 30 hit(s) in 30 setting(s)/row(s) of 1 agent(s): far more than one person's data. Only the first 10"),
        "{}",
        run.stdout
    );

    // An access export from a partial listing is refused, and no file appears.
    let export = dir.path().join("export.json");
    let mut exporting = search.clone();
    exporting.extend(strings(&["--export", export.to_str().unwrap()]));
    let run = forget_me(&exporting).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("access export was NOT written"),
        "{}",
        run.stderr
    );
    assert!(!export.exists());

    // A cleanup from a partial listing is refused before anything changes, naming the count.
    let args = cleanup_args(
        &s,
        dir.path(),
        &[
            "--search",
            "desk@pizza.com",
            "--max-listed",
            "10",
            "--max-erase",
            "5",
        ],
    );
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("only 10 are listed"), "{}", run.stderr);
    assert!(run.stderr.contains("--max-erase 500"), "{}", run.stderr);
    assert_eq!(dump(&s.keyspace).await, before);
    let changes = s
        .emulator
        .recorded_requests()
        .iter()
        .filter(|r| r.method == "DELETE" || r.method == "PUT")
        .count();
    assert_eq!(changes, 0);

    // --max-erase raises the listing with it: 30 allowed, 30 listed, all erased.
    let args = cleanup_args(
        &s,
        dir.path(),
        &[
            "--search",
            "desk@pizza.com",
            "--max-listed",
            "10",
            "--max-erase",
            "30",
            "--format",
            "json",
        ],
    );
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["truncated"], false);
    assert_eq!(report["cleanup"]["erased"], 30, "{}", report["cleanup"]);
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stored_keys_cannot_write_lines_or_escapes_into_any_output() {
    let s = seeded("hostile_keys").await;
    let dir = tempfile::tempdir().unwrap();
    let owner = favorites_owner(&s);
    let hostile = "fav-x\nVerified: 99 setting(s) re-read from Cassandra; none holds the identifier(s).\n\u{1b}]8;;http://evil\u{7}\u{202e}gnp.exe";
    testkit::admin_client(&s.emulator)
        .send_ok(
            reqwest::Method::POST,
            &format!("/users/{owner}/settings/{FAVORITES}"),
            Some(&json!({"id": hostile, "displayName":"H", "emailAddresses":["john.smith@pizza.com"]}).to_string()),
        )
        .await
        .unwrap();
    let assert_clean = |what: &str, text: &str| {
        assert!(!text.contains('\u{1b}'), "{what} holds ESC: {text}");
        assert!(!text.contains('\u{7}'), "{what} holds BEL: {text}");
        assert!(!text.contains('\u{202e}'), "{what} holds U+202E: {text}");
        assert!(
            !text.lines().any(|l| l.starts_with("Verified: 99")),
            "{what} has a forged line: {text}"
        );
        assert!(
            text.contains("fav-x\\u{a}Verified: 99"),
            "{what} does not show the key escaped: {text}"
        );
    };

    // The text report of a search.
    let mut search = cass_args(&s.keyspace);
    search.extend(strings(&[
        "--search",
        "john.smith@pizza.com",
        "--no-progress",
    ]));
    let run = forget_me(&search).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_clean("search report", &run.stdout);

    // The cleanup lines and the receipt's readable copy.
    let receipt = dir.path().join("r.json");
    let args = cleanup_args(
        &s,
        dir.path(),
        &[
            "--search",
            "john.smith@pizza.com",
            "--group_name",
            FAVORITES,
            "--receipt",
            receipt.to_str().unwrap(),
        ],
    );
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_clean("cleanup report", &run.stdout);
    let cleanup_line = run
        .stdout
        .lines()
        .find(|l| l.contains("erased: whole setting deleted") && l.contains("fav-x"))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(cleanup_line.contains("\\u{202e}"), "{cleanup_line}");
    let txt = std::fs::read_to_string(receipt.with_extension("txt")).unwrap();
    assert_clean("receipt copy", &txt);
    // The JSON receipt keeps the key exactly (JSON escapes it).
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    assert!(r["locations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["setting_key"] == hostile));
    s.emulator.shutdown().await;
}
