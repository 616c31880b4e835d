//! The tool on a real cluster: three Cassandra 5.0 nodes in two data centers (`scripts/cluster`:
//! node1 127.0.0.1 and node2 127.0.0.2 in dc1, node3 127.0.0.3 in dc2), nodes stopped and
//! killed for real. Each test ends with an exact check of the match set or of the rows left.
//!
//! The tests share one cluster, so they run one at a time (`common::CLUSTER`, which
//! `disk_check_cluster.rs` takes too), and each one
//! leaves every node up for the next, even when it fails (a guard restarts what it stopped).
//! The cluster's address comes from `FORGETME_CLUSTER` (e.g. `127.0.0.1:9242`, as `scripts/test`
//! sets it), and the script that stops and starts its nodes from `FORGETME_CLUSTER_SCRIPT`
//! (default this checkout's `scripts/cluster`: a work tree's own manages no node of a cluster
//! started from another checkout). Without it the tests are skipped with a message, except in CI (`CI=true`), where
//! they fail.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::time::{Duration, Instant};

use crate::common::{
    agent_places, cluster_script, expected_after, strings, Key, Run, Seeded, CLUSTER,
};
use futures::{StreamExt, TryStreamExt};
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::statement::batch::{Batch, BatchType};
use scylla::statement::unprepared::Statement;
use scylla::statement::Consistency;
use serde_json::Value;

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);
const FAVORITES: &str = "interaction-workspace-personal-favorites";
const SUBJECT: &str = "john.smith@pizza.com";
/// The replication of every test keyspace but one: two copies in dc1, one in dc2.
const NTS: &str = "{'class': 'NetworkTopologyStrategy', 'dc1': 2, 'dc2': 1}";

/// The cluster's native port, or `None` (test skipped) when `FORGETME_CLUSTER` is not set
/// outside CI.
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
            panic!("FORGETME_CLUSTER is not set in CI: scripts/test starts the cluster (scripts/cluster start) and sets it")
        }
        None => {
            eprintln!("SKIPPED: FORGETME_CLUSTER is not set; start the cluster with `scripts/cluster start` and run with FORGETME_CLUSTER=127.0.0.1:9242");
            None
        }
    }
}

fn nodes(port: &str) -> Vec<String> {
    (1..=3).map(|i| format!("127.0.0.{i}:{port}")).collect()
}

/// Brings a node back when dropped, so a failed test does not leave the cluster degraded,
/// and turns hinted handoff back on where it was turned off.
struct Down {
    node: &'static str,
    handoff_off_on: Vec<&'static str>,
}

impl Down {
    fn stop(node: &'static str) -> Down {
        cluster_script(&["stop-node", node]);
        Down {
            node,
            handoff_off_on: Vec::new(),
        }
    }

    fn kill(node: &'static str) -> Down {
        cluster_script(&["kill", node]);
        Down {
            node,
            handoff_off_on: Vec::new(),
        }
    }

    /// Turns off hints on `others`, so writes made now never reach the stopped node.
    fn without_hints(mut self, others: &[&'static str]) -> Down {
        for n in others {
            cluster_script(&["nodetool", n, "disablehandoff"]);
            self.handoff_off_on.push(n);
        }
        self
    }

    /// Starts the node again and waits until the ring shows it Up/Normal.
    fn restart(mut self) {
        self.heal();
    }

    fn heal(&mut self) {
        if self.node.is_empty() {
            return;
        }
        cluster_script(&["start-node", self.node]);
        for n in self.handoff_off_on.drain(..) {
            cluster_script(&["nodetool", n, "enablehandoff"]);
        }
        self.node = "";
    }
}

impl Drop for Down {
    fn drop(&mut self) {
        self.heal();
    }
}

/// A session whose requests are coordinated in data center `dc` only: at LOCAL_ONE it reads
/// that data center's copy (dc2 has one node, so its copy is that node's).
async fn dc_session(port: &str, dc: &str) -> Session {
    let policy = scylla::policies::load_balancing::DefaultPolicy::builder()
        .prefer_datacenter(dc.to_string())
        .permit_dc_failover(false)
        .build();
    let profile = scylla::client::execution_profile::ExecutionProfile::builder()
        .load_balancing_policy(policy)
        .consistency(Consistency::LocalOne)
        .build();
    SessionBuilder::new()
        .known_nodes(nodes(port))
        .default_execution_profile_handle(profile.into_handle())
        .build()
        .await
        .expect("a session to the data center")
}

async fn session(port: &str) -> Session {
    SessionBuilder::new()
        .known_nodes(nodes(port))
        .build()
        .await
        .expect("a session to the cluster")
}

/// A keyspace of the test's own with the reference layout's tables.
async fn keyspace(s: &Session, prefix: &str, replication: &str) -> String {
    let ks = testkit::unique_keyspace(prefix);
    s.query_unpaged(
        format!("CREATE KEYSPACE {ks} WITH replication = {replication}"),
        &[],
    )
    .await
    .expect("create keyspace");
    for ddl in [
        gws_emulator::store::SETTINGS_GROUPS_DDL,
        gws_emulator::store::SETTINGS_DDL,
    ] {
        s.query_unpaged(ddl.replace("{ks}", &ks), &[])
            .await
            .expect("create table");
    }
    s.await_schema_agreement().await.expect("schema agreement");
    ks
}

/// Writes `users x per_user` favorites; every `every`-th holds the subject. Returns the
/// subject's settings as (owner, setting key). Each user's favorites are one partition, written
/// as one unlogged batch: one mutation per replica instead of one per setting (a load of
/// 10,000 single-row writes at ALL took most of a test's time on two cores).
async fn load(
    s: &Session,
    ks: &str,
    users: usize,
    per_user: usize,
    every: usize,
    consistency: Consistency,
    tag: &str,
) -> BTreeSet<(String, String)> {
    let insert = s
        .prepare(format!(
            "INSERT INTO {ks}.settings (owner_id, group_name, setting_key, value) VALUES (?, ?, ?, ?)"
        ))
        .await
        .expect("prepare");
    let mut batch = Batch::new(BatchType::Unlogged);
    for _ in 0..per_user {
        batch.append_statement(insert.clone());
    }
    batch.set_consistency(consistency);
    let mut partitions = Vec::new();
    let mut subject = BTreeSet::new();
    for u in 0..users {
        let owner = format!("user-{u:05}");
        let mut rows = Vec::new();
        for f in 0..per_user {
            let n = u * per_user + f;
            let key = format!("{tag}fav-{f}");
            let email = if n % every == every - 1 {
                subject.insert((owner.clone(), key.clone()));
                SUBJECT.to_string()
            } else {
                format!("filler.{n}@pizza.com")
            };
            let value =
                format!(r#"{{"name":"Contact {n}","email":"{email}","phone":"+1 555 0{n:06}"}}"#);
            rows.push((owner.clone(), FAVORITES, key, value));
        }
        partitions.push(rows);
    }
    futures::stream::iter(partitions)
        .map(|rows| {
            let batch = &batch;
            async move {
                // Three JVMs share two busy cores: a write can time out, and is tried again
                // (the batch's INSERTs are idempotent).
                let mut tries = 0;
                loop {
                    match s.batch(batch, &rows).await {
                        Ok(r) => return Ok(r),
                        Err(e) if tries >= 5 => return Err(e),
                        Err(_) => {
                            tries += 1;
                            tokio::time::sleep(Duration::from_millis(500 * tries)).await;
                        }
                    }
                }
            }
        })
        .buffer_unordered(8)
        .try_collect::<Vec<_>>()
        .await
        .expect("insert");
    subject
}

/// The tool's arguments against the cluster: the keyspace, all three nodes as contact points,
/// JSON output.
fn tool_args(ks: &str, hosts: &str, port: &str, extra: &[&str]) -> Vec<String> {
    let mut args = strings(&[
        "--cass_keyspace",
        ks,
        "--cass_hostname",
        hosts,
        "--cass_port",
        port,
        "--search",
        SUBJECT,
        "--format",
        "json",
        "--no-progress",
    ]);
    args.extend(strings(extra));
    args
}

const ALL_HOSTS: &str = "127.0.0.1,127.0.0.2,127.0.0.3";

async fn scan(ks: &str, port: &str, extra: &[&str]) -> (Run, Value) {
    let run = crate::common::forget_me(&tool_args(ks, ALL_HOSTS, port, extra)).await;
    let doc = run.json();
    (run, doc)
}

/// The (owner, setting key) of a report's matches.
fn matched(doc: &Value) -> BTreeSet<(String, String)> {
    doc["matches"]
        .as_array()
        .expect("matches")
        .iter()
        .map(|m| {
            (
                m["user_id"].as_str().unwrap_or_default().to_string(),
                m["setting_key"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn unread_replicas(doc: &Value) -> BTreeSet<String> {
    doc["unread_ranges"]
        .as_array()
        .expect("unread_ranges")
        .iter()
        .map(|r| r["replicas"].as_str().unwrap_or("?").to_string())
        .collect()
}

// ----------------------------------------------------------------------------------------------

/// One dc1 node down before the scan (and it is the first contact point): the fast scan pinned
/// to dc1 completes with the healthy cluster's match set; the every-copy scan refuses to call
/// itself complete and names the replica it could not read. Also measures what reading every
/// copy costs on the healthy cluster.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_local_node_down_the_scan_completes_with_the_same_match_set() {
    let Some(port) = cluster_port() else { return };
    let _one = CLUSTER.lock().await;
    let s = session(&port).await;
    let ks = keyspace(&s, "cl_down", NTS).await;
    let planted = load(&s, &ks, 250, 40, 250, Consistency::All, "").await; // 10,000 rows, 40 hits
    assert_eq!(planted.len(), 40);

    let t = Instant::now();
    let (run, healthy) = scan(&ks, &port, &["--local-dc", "dc1"]).await;
    let fast_s = t.elapsed().as_secs_f64();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(healthy["complete"], true);
    assert_eq!(healthy["coverage"]["copies"], "one");
    assert_eq!(healthy["coverage"]["local_dc"], "dc1");
    assert_eq!(matched(&healthy), planted);

    let t = Instant::now();
    let (run, every) = scan(&ks, &port, &["--scan-copies", "every"]).await;
    let every_s = t.elapsed().as_secs_f64();
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(every["complete"], true);
    assert_eq!(every["coverage"]["copies"], "every");
    assert_eq!(matched(&every), planted);
    // Every row once: the coordinator merged its three copies (dc1: 2, dc2: 1) at ALL.
    assert_eq!(every["scanned"]["rows"], 10_000);
    assert_eq!(healthy["scanned"]["rows"], 10_000);
    eprintln!(
        "MEASURE cluster scan of 10,000 settings: fast (one copy, dc1) {fast_s:.1} s wall / {} ms scan; every copy (3 copies merged at ALL) {every_s:.1} s wall / {} ms scan",
        healthy["scanned"]["elapsed_ms"], every["scanned"]["elapsed_ms"]
    );

    let down = Down::stop("node2");
    // The dead node is the first contact point: not fatal.
    let run = crate::common::forget_me(&tool_args(
        &ks,
        "127.0.0.2,127.0.0.1",
        &port,
        &["--local-dc", "dc1"],
    ))
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let one_down = run.json();
    assert_eq!(one_down["complete"], true);
    assert_eq!(matched(&one_down), planted);

    // Every copy cannot be read with node2 down (it holds a copy of every range): exit 1,
    // every range unread with node2 named, no "nothing found".
    let (run, every_down) = scan(&ks, &port, &["--scan-copies", "every"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(every_down["complete"], false);
    assert_eq!(every_down["matches"].as_array().unwrap().len(), 0);
    assert!(!run.stdout.contains("No copy"), "{}", run.stdout);
    assert_eq!(
        unread_replicas(&every_down),
        BTreeSet::from(["127.0.0.2 (dc1)".to_string()])
    );
    // "Too few replicas alive" does not change on a second asking: each split was tried at
    // most once per replica, not for rounds of back-off.
    for r in every_down["unread_ranges"].as_array().unwrap() {
        assert!(r["attempts"].as_u64().unwrap() <= 3, "{r}");
    }
    down.restart();
    let _ = s.query_unpaged(format!("DROP KEYSPACE {ks}"), &[]).await;
}

/// A node killed (kill -9) during the scan: its splits are retried on the other dc1 replica
/// and the scan completes with exactly the healthy match set.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_during_the_scan_its_splits_are_retried_elsewhere() {
    let Some(port) = cluster_port() else { return };
    let _one = CLUSTER.lock().await;
    let s = session(&port).await;
    let ks = keyspace(&s, "cl_kill", NTS).await;
    let planted = load(&s, &ks, 300, 40, 400, Consistency::All, "").await; // 12,000 rows, 30 hits
    assert_eq!(planted.len(), 30);

    // The row cap makes the scan last about 24 s whatever the machine's speed, so the kill,
    // 8 s after the start, lands in the middle of it even when start-up is slow.
    let args = tool_args(
        &ks,
        ALL_HOSTS,
        &port,
        &[
            "--local-dc",
            "dc1",
            "--page-size",
            "50",
            "--max-rows-per-second",
            "500",
        ],
    );
    let scan = tokio::spawn(async move { crate::common::forget_me(&args).await });
    tokio::time::sleep(Duration::from_millis(8000)).await;
    assert!(
        !scan.is_finished(),
        "the scan ended before the kill; make it longer"
    );
    let down = Down::kill("node2");
    let killed_at = Instant::now();
    let run = scan.await.expect("scan task");
    let ended_at = Instant::now();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc = run.json();
    // The scan itself (not just the process) was under way when node2 died.
    let scan_time = Duration::from_millis(doc["scanned"]["elapsed_ms"].as_u64().unwrap());
    assert!(
        ended_at - scan_time < killed_at,
        "the scan started only after the kill ({scan_time:?} long, ended {:?} after the kill)",
        ended_at - killed_at
    );
    assert_eq!(doc["complete"], true);
    assert_eq!(matched(&doc), planted);
    assert_eq!(doc["scanned"]["rows"], 12_000);
    down.restart();
    let _ = s.query_unpaged(format!("DROP KEYSPACE {ks}"), &[]).await;
}

/// Every replica of some ranges down (a keyspace with one copy, in dc1, and node2 stopped):
/// exit 1, the unread ranges listed, never "nothing found"; and the settings that were found
/// are exactly the planted ones outside the unread ranges.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_replica_of_some_ranges_down_exit_1_and_the_ranges_listed() {
    let Some(port) = cluster_port() else { return };
    let _one = CLUSTER.lock().await;
    let s = session(&port).await;
    let ks = keyspace(
        &s,
        "cl_rf1",
        "{'class': 'NetworkTopologyStrategy', 'dc1': 1}",
    )
    .await;
    let planted = load(&s, &ks, 100, 20, 50, Consistency::All, "").await; // 2,000 rows, 40 hits
                                                                          // Tokens of the planted rows, read while every node is up.
    let mut tokens: BTreeMap<(String, String), i64> = BTreeMap::new();
    let rows = s
        .query_unpaged(
            format!("SELECT token(owner_id, group_name), owner_id, setting_key FROM {ks}.settings"),
            &[],
        )
        .await
        .expect("tokens")
        .into_rows_result()
        .expect("rows");
    for row in rows.rows::<(i64, String, String)>().expect("typed") {
        let (t, o, k) = row.expect("row");
        if planted.contains(&(o.clone(), k.clone())) {
            tokens.insert((o, k), t);
        }
    }
    assert_eq!(tokens.len(), planted.len());

    let down = Down::stop("node2");
    for copies in ["one", "every"] {
        let run = crate::common::forget_me(&{
            let mut a = tool_args(
                &ks,
                ALL_HOSTS,
                &port,
                &["--local-dc", "dc1", "--scan-copies", copies],
            );
            a.retain(|x| x != "json");
            a.retain(|x| x != "--format");
            a
        })
        .await;
        assert_eq!(run.code, 1, "{copies}: {}", run.stdout);
        assert!(run.stdout.contains("INCOMPLETE"), "{}", run.stdout);
        assert!(!run.stdout.contains("No setting holds"), "{}", run.stdout);
        assert!(!run.stdout.contains("No copy"), "{}", run.stdout);
    }
    let (run, doc) = scan(&ks, &port, &["--local-dc", "dc1"]).await;
    assert_eq!(run.code, 1);
    assert_eq!(doc["complete"], false);
    let unread: Vec<(i64, i64)> = doc["unread_ranges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["start"].as_str().unwrap().parse().unwrap(),
                r["end"].as_str().unwrap().parse().unwrap(),
            )
        })
        .collect();
    assert!(!unread.is_empty());
    let outside: BTreeSet<(String, String)> = tokens
        .iter()
        .filter(|(_, t)| !unread.iter().any(|(a, b)| **t > *a && **t <= *b))
        .map(|(k, _)| k.clone())
        .collect();
    assert!(outside.len() < planted.len(), "node2 owned no planted row");
    assert_eq!(matched(&doc), outside);
    down.restart();
    let _ = s.query_unpaged(format!("DROP KEYSPACE {ks}"), &[]).await;
}

/// One replica merely stale (stopped cleanly while 8 more of the subject's settings were
/// written with hints off, then started again): with all three nodes up, the fast scan of dc2
/// reads that replica and finds 30; its statement says it read one copy. The every-copy
/// scan, and the access export (which uses it by default), find all 38.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stale_replica_the_every_replica_scan_finds_what_the_fast_scan_missed() {
    let Some(port) = cluster_port() else { return };
    let _one = CLUSTER.lock().await;
    let s = session(&port).await;
    let ks = keyspace(&s, "cl_stale", NTS).await;
    let old = load(&s, &ks, 100, 30, 100, Consistency::All, "").await; // 3,000 rows, 30 hits
    assert_eq!(old.len(), 30);

    let down = Down::stop("node3").without_hints(&["node1", "node2"]);
    let new = load(&s, &ks, 8, 1, 1, Consistency::LocalQuorum, "late-").await;
    assert_eq!(new.len(), 8);
    down.restart();
    let all: BTreeSet<_> = old.union(&new).cloned().collect();

    // The fast scan of dc2 reads node3's copy only.
    let (run, fast) = scan(&ks, &port, &["--local-dc", "dc2"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        matched(&fast),
        old,
        "node3 was expected to miss the 8 late settings"
    );
    let statement = fast["coverage"]["statement"].as_str().unwrap();
    assert!(
        statement.contains("ONE replica") && statement.contains("dc2"),
        "{statement}"
    );

    let (run, every) = scan(&ks, &port, &["--local-dc", "dc2", "--scan-copies", "every"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(matched(&every), all);

    // The access export reads every copy without being asked.
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.json");
    let (run, _) = scan(
        &ks,
        &port,
        &["--local-dc", "dc2", "--export", export.to_str().unwrap()],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let e: Value = serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    let items: BTreeSet<(String, String)> = e["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["user_id"].as_str().unwrap().to_string(),
                i["setting_key"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(items, all);
    assert!(
        e["statement"].as_str().unwrap().contains("every replica"),
        "{}",
        e["statement"]
    );
    let _ = s.query_unpaged(format!("DROP KEYSPACE {ks}"), &[]).await;
}

/// Every row of the settings table, read at `consistency`.
async fn dump(s: &Session, ks: &str, consistency: Consistency) -> BTreeMap<Key, String> {
    let mut q = Statement::new(format!(
        "SELECT owner_id, group_name, setting_key, value FROM {ks}.settings"
    ));
    q.set_consistency(consistency);
    s.query_iter(q, &[])
        .await
        .expect("select")
        .rows_stream::<(String, String, String, String)>()
        .expect("typed")
        .map_ok(|(o, g, k, v)| ((o, g, k), v))
        .try_collect()
        .await
        .expect("rows")
}

/// Asserts two table states are equal, naming only the settings that differ.
fn assert_same(now: BTreeMap<Key, Value>, want: &BTreeMap<Key, Value>) {
    let keys: BTreeSet<&Key> = now.keys().chain(want.keys()).collect();
    let differ: Vec<String> = keys
        .into_iter()
        .filter(|k| now.get(*k) != want.get(*k))
        .map(|k| format!("{k:?}: now {:?}, expected {:?}", now.get(k), want.get(k)))
        .collect();
    assert!(differ.is_empty(), "settings differ:\n{}", differ.join("\n"));
}

fn as_json(m: BTreeMap<Key, String>) -> BTreeMap<Key, Value> {
    m.into_iter()
        .map(|(k, v)| {
            let value = serde_json::from_str(&v).unwrap_or(Value::String(v));
            (k, value)
        })
        .collect()
}

fn cleanup_args(s: &Seeded, port: &str, dir: &Path, subject: usize, extra: &[&str]) -> Vec<String> {
    let sub = &crate::common::subjects()[subject];
    let mut args = strings(&[
        "--cass_keyspace",
        &s.keyspace,
        "--cass_hostname",
        ALL_HOSTS,
        "--cass_port",
        port,
        "--search",
        &sub.email,
        "--search",
        &sub.phone_e164,
        // The demo's subject 0 is American, subject 1 British: with the region given, national
        // spellings are theirs, not possible matches (docs/matching.md).
        "--default-region",
        if subject == 0 { "US" } else { "GB" },
        "--gws",
        &s.emulator.base_url(),
        "--gws_username",
        testkit::ADMIN_USER,
        "--cleanup",
        "true",
        "--yes",
        "--no-progress",
        "--format",
        "json",
        "--audit-log",
        dir.join("audit.jsonl").to_str().unwrap(),
        "--audit-key",
        dir.join("audit.key").to_str().unwrap(),
    ]);
    args.extend(strings(extra));
    args
}

/// Cleanup with the dc2 node down: the erasure through GWS works (dc1 holds a local quorum)
/// and verification at QUORUM is VERIFIED; with verification asked at ALL nothing is changed
/// (the group cannot be read at ALL first) and nothing is claimed verified, exit 1. The receipt
/// re-check over every copy says NOT CLEAN while node3 is down; node3 comes back stale
/// (no hints), the re-check at ALL says clean and repairs node3's copy of each location; after
/// `nodetool repair` every copy agrees.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_with_a_node_down_then_repair_and_the_receipt_recheck_tells_the_truth() {
    let Some(port) = cluster_port() else { return };
    let _one = CLUSTER.lock().await;
    let cql = session(&port).await;
    let ks = keyspace(&cql, "cl_erase", NTS).await;
    let mut config = testkit::emulator_config(&ks);
    config.cassandra = nodes(&port);
    // Its quorums in one data center: a group written through a dc2 coordinator was once
    // "not found" by a read through a dc1 one.
    config.local_dc = Some("dc1".to_string());
    let emulator = gws_emulator::start(config)
        .await
        .expect("emulator on the cluster");
    let data = testkit::seed_small(&emulator, &crate::common::subjects()).await;
    let seeded = Seeded {
        // On the cluster, which drops its keyspace itself; the guard's drop on the default
        // node finds nothing to drop.
        dropped_at_end: testkit::KeyspaceGuard::new(&ks),
        keyspace: ks.clone(),
        emulator,
        data,
    };
    let dir = tempfile::tempdir().unwrap();
    let receipt = dir.path().join("receipt.json");

    let down = Down::stop("node3").without_hints(&["node1", "node2"]);
    // Subject 0, verified at QUORUM (2 of the 3 replicas are up).
    let before = dump(&cql, &ks, Consistency::Quorum).await;
    let places = agent_places(&seeded);
    let want = expected_after(&before, &places);
    let run = crate::common::forget_me_env(
        &cleanup_args(
            &seeded,
            &port,
            dir.path(),
            0,
            &[
                "--local-dc",
                "dc1",
                "--scan-copies",
                "one",
                "--receipt",
                receipt.to_str().unwrap(),
            ],
        ),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc = run.json();
    assert_eq!(doc["cleanup"]["verified"], true, "{}", doc["cleanup"]);
    assert_same(as_json(dump(&cql, &ks, Consistency::Quorum).await), &want);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    assert_eq!(r["verification"]["consistency"], "QUORUM");
    assert_eq!(r["verification"]["data_center"], "dc1");

    // Subject 1, verification asked at ALL: one replica is down, so the group of each target
    // cannot be read at ALL before the change (the collateral-damage check), no change is
    // made, and nothing is claimed verified.
    let before1 = dump(&cql, &ks, Consistency::Quorum).await;
    let want1 = as_json(before1);
    let run = crate::common::forget_me_env(
        &cleanup_args(
            &seeded,
            &port,
            dir.path(),
            1,
            &[
                "--local-dc",
                "dc1",
                "--scan-copies",
                "one",
                "--verify-consistency",
                "all",
            ],
        ),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let cleanup = &run.json()["cleanup"];
    assert_eq!(cleanup["verified"], false, "{cleanup}");
    assert_eq!(cleanup["erased"], 0, "{cleanup}");
    assert!(cleanup["failed"].as_u64().unwrap() > 0, "{cleanup}");
    assert_same(as_json(dump(&cql, &ks, Consistency::Quorum).await), &want1);

    let recheck = |extra: &'static [&'static str]| {
        let mut a = strings(&[
            "--cass_keyspace",
            &ks,
            "--cass_hostname",
            ALL_HOSTS,
            "--cass_port",
            &port,
            "--search",
            "john.smith@pizza.com",
            "--search",
            "+15550100001",
            "--audit-key",
            dir.path().join("audit.key").to_str().unwrap(),
            "--recheck-receipt",
            receipt.to_str().unwrap(),
        ]);
        a.extend(strings(extra));
        a
    };
    // While node3 is down, every copy cannot be read: NOT CLEAN, with what to do.
    let run = crate::common::forget_me(&recheck(&[])).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("UNREADABLE"), "{}", run.stdout);
    assert!(run.stdout.contains("nodetool repair"), "{}", run.stdout);
    assert!(!run.stdout.contains("clean:"), "{}", run.stdout);

    // node3 back, without the hints: its own copy (the only replica in dc2, read at
    // LOCAL_ONE there) still holds subject 0.
    down.restart();
    let dc2 = dc_session(&port, "dc2").await;
    let stale = as_json(dump(&dc2, &ks, Consistency::LocalOne).await);
    assert_ne!(
        stale, want,
        "node3 missed nothing: the test did not make it stale"
    );
    assert_eq!(
        stale,
        as_json(before.clone()),
        "node3 holds the state before the erasure"
    );

    // The re-check reads every copy at ALL: the newest write wins (clean), and Cassandra's
    // blocking read repair brings node3's copy of each location up to date.
    let run = crate::common::forget_me(&recheck(&[])).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("re-read at ALL"), "{}", run.stdout);
    assert!(run.stdout.contains("no copy holds"), "{}", run.stdout);
    let repaired = as_json(dump(&dc2, &ks, Consistency::LocalOne).await);
    let touched = crate::common::touched(&places);
    for key in &touched {
        assert_eq!(
            repaired.get(key),
            want.get(key),
            "node3's copy of {key:?} was not repaired by the re-check"
        );
    }

    cluster_script(&["nodetool", "node3", "repair", "--full", &ks]);
    let run = crate::common::forget_me(&recheck(&[])).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("no copy holds"), "{}", run.stdout);
    // Every copy now holds exactly what a QUORUM read shows.
    assert_same(as_json(dump(&cql, &ks, Consistency::All).await), &want1);
    let _ = cql.query_unpaged(format!("DROP KEYSPACE {ks}"), &[]).await;
}
