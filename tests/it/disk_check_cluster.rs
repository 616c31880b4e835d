//! An erasure through the tool followed down to the disks of the local 3-node, 2-DC cluster
//! (`scripts/cluster`): the GWS emulator runs on the cluster, the subject is erased with
//! `gdpr_forget_me --cleanup true`, and `gdpr_forget_me disk-check` on each node finds the
//! erased bytes in the SSTables of every replica (and in a snapshot) despite the tombstones;
//! after the purge commands the reports printed (garbagecollect, clearsnapshot) and a drain
//! (a restart) of each node for the commit log, every node is clean. The signed per-node
//! reports then go to `--recheck-receipt --disk-report`: NOT PURGED before the purge,
//! PHYSICALLY PURGED after it, and the request ledger says so.
//!
//! It stops and restarts nodes, so it takes the cluster tests' lock (`common::CLUSTER`).
//! Like `cluster.rs`: the cluster's address comes from `FORGETME_CLUSTER` (e.g.
//! `127.0.0.1:9242`); without it the test is skipped with a message, except in CI, where it
//! fails. The nodes' folders are under `FORGETME_CLUSTER_HOME` (default `.cassandra/cluster`
//! of this checkout, `node1/data`, `node1/commitlog`...), and `scripts/cluster` is
//! `FORGETME_CLUSTER_SCRIPT` (default this checkout's). The per-node reports are printed to
//! stderr, so they show in `scripts/test`'s output.

/// Writes to the process's stderr itself, past the test harness's capture: the per-node
/// reports stand in `scripts/test`'s output even when the test passes.
macro_rules! shown {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

use std::path::{Path, PathBuf};

use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use serde_json::Value;

use crate::common::{
    cluster_script, cluster_script_path, forget_me, forget_me_env, strings, CLUSTER,
};

const NODES: [&str; 3] = ["node1", "node2", "node3"];
const ALL_HOSTS: &str = "127.0.0.1,127.0.0.2,127.0.0.3";

fn cluster_port() -> Option<String> {
    match std::env::var("FORGETME_CLUSTER")
        .ok()
        .filter(|s| !s.is_empty())
    {
        Some(addr) => Some(
            addr.rsplit_once(':')
                .map(|(_, p)| p.to_string())
                .unwrap_or_else(|| panic!("FORGETME_CLUSTER={addr}: expected host:port")),
        ),
        None if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("FORGETME_CLUSTER is not set in CI: scripts/test starts the cluster and sets it")
        }
        None => {
            eprintln!("SKIPPED: FORGETME_CLUSTER is not set; start the cluster with `scripts/cluster start` and run with FORGETME_CLUSTER=127.0.0.1:9242");
            None
        }
    }
}

fn cluster_home() -> PathBuf {
    match std::env::var("FORGETME_CLUSTER_HOME") {
        Ok(h) if !h.is_empty() => PathBuf::from(h),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join(".cassandra/cluster"),
    }
}

/// Starts every node that is not running when dropped, so that a failure between a node's
/// stop and its start does not leave the next cluster test a degraded cluster.
struct AllUp;

impl Drop for AllUp {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let _ = std::process::Command::new(cluster_script_path())
                .arg("start")
                .status();
        }
    }
}

async fn session(port: &str) -> Session {
    SessionBuilder::new()
        .known_nodes((1..=3).map(|i| format!("127.0.0.{i}:{port}")))
        .build()
        .await
        .expect("a session to the cluster")
}

/// The subject's identifiers, with the region their national spellings are read in.
fn id_args(subject: &testkit::Subject) -> Vec<String> {
    strings(&[
        "--search",
        &subject.email,
        "--search",
        &subject.phone_e164,
        "--default-region",
        "GB",
    ])
}

/// disk-check of one node: the text report printed to stderr, the signed JSON report written
/// to `out` and returned with the exit code.
async fn disk_check(
    node: &str,
    ks: &str,
    subject: &testkit::Subject,
    key: &Path,
    out: &Path,
) -> (i32, Value) {
    let mut args = strings(&["disk-check", "--data-dir"]);
    args.push(cluster_home().join(node).join("data").display().to_string());
    args.extend(strings(&["--cass_keyspace", ks]));
    args.extend(id_args(subject));
    let text = forget_me(&args).await;
    shown!("--- disk-check, {node} ---\n{}", text.stdout);
    args.extend(strings(&[
        "--audit-key",
        key.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, text.code, "{}", run.stderr);
    std::fs::write(out, &run.stdout).expect("report written");
    (run.code, run.json())
}

/// The kinds of the files of a one-node report that hold the subject.
fn holding_kinds(report: &Value) -> Vec<String> {
    let mut kinds: Vec<String> = report["nodes"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["holds"] == true)
        .map(|f| f["kind"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    kinds.dedup();
    kinds
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_through_the_tool_is_followed_to_every_replica_until_the_purge() {
    let Some(port) = cluster_port() else { return };
    let _one = CLUSTER.lock().await;
    let _up = AllUp;
    let cql = session(&port).await;
    let ks = testkit::unique_keyspace("dc_cluster");
    // Every node holds a copy: two in dc1 (two nodes), one in dc2 (one node).
    cql.query_unpaged(
        format!("CREATE KEYSPACE {ks} WITH replication = {{'class': 'NetworkTopologyStrategy', 'dc1': 2, 'dc2': 1}}"),
        &[],
    )
    .await
    .expect("create keyspace");
    for ddl in [
        gws_emulator::store::SETTINGS_GROUPS_DDL,
        gws_emulator::store::SETTINGS_DDL,
    ] {
        cql.query_unpaged(ddl.replace("{ks}", &ks), &[])
            .await
            .expect("create table");
    }
    cql.await_schema_agreement()
        .await
        .expect("schema agreement");
    // The SSTables stay as flushed until the purge: no compaction of its own choosing.
    for n in NODES {
        cluster_script(&["nodetool", n, "disableautocompaction", &ks]);
    }

    // The subject is this test's own (other tests write the demo subjects to the same nodes'
    // commit logs). Subject 0 of a seed also gets a corporate favorite, which is never erased:
    // the erased subject is the second.
    // The keyspace name ends with 8 random letters (testkit::unique_keyspace): a number of
    // this run's own.
    let letters = ks.rsplit('_').next().unwrap();
    assert!(
        letters.len() == 8 && letters.bytes().all(|b| b.is_ascii_lowercase()),
        "{ks}"
    );
    let tag = letters.bytes().fold(0u32, |t, b| {
        t.wrapping_mul(26).wrapping_add(u32::from(b - b'a'))
    });
    let decoy = testkit::Subject::new(
        &format!("decoy.k{tag:08x}@pizza.co.uk"),
        &format!("+442079460{:03}", 600 + tag % 400),
    );
    let subject = testkit::Subject::new(
        &format!("erin.k{tag:08x}@pizza.co.uk"),
        &format!("+442079460{:03}", 200 + tag % 400),
    );
    let mut config = testkit::emulator_config(&ks);
    config.cassandra = (1..=3).map(|i| format!("127.0.0.{i}:{port}")).collect();
    config.local_dc = Some("dc1".to_string());
    let emulator = gws_emulator::start(config)
        .await
        .expect("emulator on the cluster");
    testkit::seed_small(&emulator, &[decoy, subject.clone()]).await;
    for n in NODES {
        cluster_script(&["nodetool", n, "flush", &ks]);
    }
    let snapshot = format!("before-erasure-{tag:08x}");
    cluster_script(&["nodetool", "node1", "snapshot", "-t", &snapshot, &ks]);

    // The erasure, through GWS, verified by reading every copy.
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("audit.key");
    let log = dir.path().join("audit.jsonl");
    let receipt = dir.path().join("receipt.json");
    let case = format!("DSR-DISK-{tag:08x}");
    let mut args = strings(&[
        "--cass_keyspace",
        &ks,
        "--cass_hostname",
        ALL_HOSTS,
        "--cass_port",
        &port,
        "--local-dc",
        "dc1",
        "--audit-log",
        log.to_str().unwrap(),
        "--audit-key",
        key.to_str().unwrap(),
        "--no-progress",
    ]);
    args.extend(id_args(&subject));
    let mut cleanup = args.clone();
    cleanup.extend(strings(&[
        "--gws",
        &emulator.base_url(),
        "--gws_username",
        testkit::ADMIN_USER,
        "--cleanup",
        "true",
        "--yes",
        "--format",
        "json",
        "--case",
        &case,
        "--receipt",
        receipt.to_str().unwrap(),
    ]));
    let run = forget_me_env(&cleanup, &[("GWS_PASSWORD", testkit::ADMIN_PASSWORD)]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc = run.json();
    assert_eq!(doc["cleanup"]["verified"], true, "{}", doc["cleanup"]);
    assert!(
        doc["cleanup"]["erased"].as_u64().unwrap() > 0,
        "{}",
        doc["cleanup"]
    );
    drop(emulator);

    // Flushed: the tombstones and rewritten settings go to new SSTables; the older ones keep
    // the values on every replica.
    for n in NODES {
        cluster_script(&["nodetool", n, "flush", &ks]);
    }
    let mut reports = Vec::new();
    let mut tables = std::collections::BTreeSet::new();
    for n in NODES {
        let out = dir.path().join(format!("{n}-before.json"));
        let (code, report) = disk_check(n, &ks, &subject, &key, &out).await;
        assert_eq!(code, 1, "{n}: {report}");
        assert_eq!(report["nodes"][0]["verdict"], "holds", "{n}");
        assert!(report["signature"]["value"].is_string(), "{n}: signed");
        let kinds = holding_kinds(&report);
        assert!(kinds.contains(&"sstable".to_string()), "{n}: {kinds:?}");
        let cmds = report["nodes"][0]["purge_commands"].to_string();
        assert!(
            cmds.contains(&format!("nodetool garbagecollect -g CELL {ks} settings")),
            "{n}: {cmds}"
        );
        if n == "node1" {
            assert!(kinds.contains(&"snapshot".to_string()), "{kinds:?}");
            assert!(
                cmds.contains(&format!("nodetool clearsnapshot -t {snapshot} -- {ks}")),
                "{cmds}"
            );
        }
        for f in report["nodes"][0]["files"].as_array().unwrap() {
            if f["holds"] == true && f["kind"] == "sstable" {
                tables.insert(f["table"].as_str().unwrap().to_string());
            }
        }
        reports.push((n, out, report));
    }

    // The receipt re-check with the three signed reports: the live data is clean, the disks
    // are not.
    let recheck = |which: &str| {
        let mut a = args.clone();
        a.extend(strings(&["--recheck-receipt", receipt.to_str().unwrap()]));
        for n in NODES {
            a.push("--disk-report".into());
            a.push(
                dir.path()
                    .join(format!("{n}-{which}.json"))
                    .display()
                    .to_string(),
            );
        }
        a
    };
    let run = forget_me(&recheck("before")).await;
    shown!(
        "--- re-check with the disk reports, before the purge ---\n{}",
        run.stdout
    );
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("no copy holds"), "{}", run.stdout);
    assert!(run.stdout.contains("NOT PURGED"), "{}", run.stdout);
    assert!(!run.stdout.contains(&subject.email), "{}", run.stdout);

    // The purge each report printed, with gc_grace_seconds passed (0 here), then a drain (the
    // restart) of each node so that the commit log segments that saw the writes are deleted.
    for t in &tables {
        cql.query_unpaged(
            format!("ALTER TABLE {ks}.{t} WITH gc_grace_seconds = 0"),
            &[],
        )
        .await
        .expect("alter table");
    }
    cql.await_schema_agreement()
        .await
        .expect("schema agreement");
    for (n, _, report) in &reports {
        for c in report["nodes"][0]["purge_commands"].as_array().unwrap() {
            let c = c.as_str().unwrap();
            let Some(rest) = c.strip_prefix("nodetool ") else {
                continue;
            };
            let mut words = vec!["nodetool", n];
            words.extend(rest.split_whitespace());
            shown!("{n}: {c}");
            cluster_script(&words);
        }
    }
    drop(cql);
    // Every node stopped (a drain) and started again together: what the commit log needs is
    // the drain, not the order, and one start of the ring costs a third of three rolling ones.
    shown!("every node: stop (drain, for the commit log) and start");
    cluster_script(&["stop"]);
    cluster_script(&["start"]);
    for n in NODES {
        let out = dir.path().join(format!("{n}-after.json"));
        let (code, report) = disk_check(n, &ks, &subject, &key, &out).await;
        assert_eq!(report["nodes"][0]["verdict"], "clean", "{n}: {report}");
        assert_eq!(code, 0, "{n}");
    }
    let run = forget_me(&recheck("after")).await;
    shown!(
        "--- re-check with the disk reports, after the purge ---\n{}",
        run.stdout
    );
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("PHYSICALLY PURGED on the 3 node(s)"),
        "{}",
        run.stdout
    );
    assert_eq!(
        run.stdout
            .matches("no file holds the subject's identifiers as of")
            .count(),
        3,
        "{}",
        run.stdout
    );
    let list = forget_me(&strings(&[
        "requests",
        "list",
        "--audit-log",
        log.to_str().unwrap(),
    ]))
    .await;
    shown!("{}", list.stdout);
    assert!(list.stdout.contains("physically purged"), "{}", list.stdout);

    let cql = session(&port).await;
    cql.query_unpaged(format!("DROP KEYSPACE IF EXISTS {ks}"), &[])
        .await
        .expect("drop keyspace");
}
