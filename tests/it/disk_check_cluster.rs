//! `gdpr_forget_me disk-check` on the local 3-node, 2-DC cluster (`scripts/cluster`): an
//! erased subject's bytes are found on every replica after a flush (and in a snapshot), and
//! are gone from every node after garbagecollect, clearsnapshot and a drain (a restart).
//!
//! Like `cluster.rs`: the cluster's address comes from `FORGETME_CLUSTER` (e.g.
//! `127.0.0.1:9242`); without it the test is skipped with a message, except in CI, where it
//! fails. The nodes' folders are under `FORGETME_CLUSTER_HOME` (default `.cassandra/cluster`
//! of this checkout, `node1/data`, `node1/commitlog`...), and `scripts/cluster` is
//! `FORGETME_CLUSTER_SCRIPT` (default this checkout's).

use std::path::{Path, PathBuf};

use scylla::client::session_builder::SessionBuilder;
use scylla::statement::unprepared::Statement;
use scylla::statement::Consistency;
use serde_json::Value;

use crate::common::{forget_me, strings};

const NODES: [&str; 3] = ["node1", "node2", "node3"];

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

fn cluster_script(args: &[&str]) -> String {
    let script = match std::env::var("FORGETME_CLUSTER_SCRIPT") {
        Ok(s) if !s.is_empty() => PathBuf::from(s),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/cluster"),
    };
    let out = std::process::Command::new(script)
        .args(args)
        .output()
        .expect("scripts/cluster runs");
    assert!(
        out.status.success(),
        "scripts/cluster {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// disk-check over the three nodes' folders, as JSON; the text report is printed too.
async fn disk_check(ks: &str, subject: &str) -> (i32, Value) {
    let mut args = strings(&["disk-check"]);
    for n in NODES {
        args.push("--data-dir".into());
        args.push(cluster_home().join(n).join("data").display().to_string());
    }
    args.extend(strings(&["--cass_keyspace", ks, "--search", subject]));
    let text = forget_me(&args).await;
    println!("{}", text.stdout);
    args.extend(strings(&["--format", "json"]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, text.code);
    (run.code, run.json())
}

/// Per node: the kinds of the files that hold the subject.
fn holding_kinds(report: &Value) -> Vec<Vec<String>> {
    report["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let mut kinds: Vec<String> = n["files"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|f| f["holds"] == true)
                .map(|f| f["kind"].as_str().unwrap().to_string())
                .collect();
            kinds.sort();
            kinds.dedup();
            kinds
        })
        .collect()
}

#[tokio::test]
async fn an_erasure_is_followed_to_every_replica_until_the_purge() {
    let Some(port) = cluster_port() else { return };
    let s = SessionBuilder::new()
        .known_nodes((1..=3).map(|i| format!("127.0.0.{i}:{port}")))
        .build()
        .await
        .expect("a session to the cluster");
    let ks = testkit::unique_keyspace("dc_cluster");
    let subject = format!("Person.{}@Disk-Check.example", ks.replace('_', "-"));
    let run = |cql: String| {
        let s = &s;
        async move {
            let mut st = Statement::new(cql.clone());
            st.set_consistency(Consistency::All);
            s.query_unpaged(st, &[])
                .await
                .unwrap_or_else(|e| panic!("{cql}: {e}"));
        }
    };
    // Every node holds a copy: two in dc1 (two nodes), one in dc2 (one node).
    run(format!("CREATE KEYSPACE {ks} WITH replication = {{'class': 'NetworkTopologyStrategy', 'dc1': 2, 'dc2': 1}}")).await;
    run(format!(
        "CREATE TABLE {ks}.settings (k text PRIMARY KEY, v text)"
    ))
    .await;
    s.await_schema_agreement().await.expect("schema agreement");
    run(format!(
        "INSERT INTO {ks}.settings (k, v) VALUES ('subject', '{{\"email\":\"{subject}\"}}')"
    ))
    .await;
    run(format!("INSERT INTO {ks}.settings (k, v) VALUES ('other', '{{\"email\":\"other@disk-check.example\"}}')")).await;
    for n in NODES {
        cluster_script(&["nodetool", n, "flush", &ks]);
    }
    let tag = format!("before-erasure-{ks}");
    cluster_script(&["nodetool", "node1", "snapshot", "-t", &tag, &ks]);
    // The erasure, at ALL, then flushed everywhere.
    run(format!("DELETE FROM {ks}.settings WHERE k = 'subject'")).await;
    for n in NODES {
        cluster_script(&["nodetool", n, "flush", &ks]);
    }

    let (code, report) = disk_check(&ks, &subject).await;
    assert_eq!(code, 1);
    let kinds = holding_kinds(&report);
    for (i, k) in kinds.iter().enumerate() {
        assert!(k.contains(&"sstable".to_string()), "node{}: {k:?}", i + 1);
        assert_eq!(report["nodes"][i]["verdict"], "holds");
    }
    assert!(kinds[0].contains(&"snapshot".to_string()), "{:?}", kinds[0]);
    let cmds = report["nodes"][0]["purge_commands"].to_string();
    assert!(
        cmds.contains(&format!("nodetool clearsnapshot -t {tag} -- {ks}")),
        "{cmds}"
    );
    assert!(
        cmds.contains(&format!("nodetool garbagecollect {ks} settings")),
        "{cmds}"
    );

    // The purge the report printed, with gc_grace_seconds passed (0 here); and a drain (the
    // restart) so that the commit log segments that saw the writes are deleted.
    run(format!(
        "ALTER TABLE {ks}.settings WITH gc_grace_seconds = 0"
    ))
    .await;
    for n in NODES {
        cluster_script(&["nodetool", n, "flush", &ks]);
        cluster_script(&["nodetool", n, "garbagecollect", &ks, "settings"]);
    }
    cluster_script(&["nodetool", "node1", "clearsnapshot", "-t", &tag, "--", &ks]);
    let (_, report) = disk_check(&ks, &subject).await;
    for (i, k) in holding_kinds(&report).iter().enumerate() {
        assert!(
            !k.contains(&"sstable".to_string()) && !k.contains(&"snapshot".to_string()),
            "node{}: {k:?}",
            i + 1
        );
    }
    for n in NODES {
        cluster_script(&["restart", n]);
    }
    let (code, report) = disk_check(&ks, &subject).await;
    for i in 0..3 {
        assert_eq!(report["nodes"][i]["verdict"], "clean", "node{}", i + 1);
    }
    assert_eq!(code, 0);
    drop(s);
    let s = SessionBuilder::new()
        .known_nodes((1..=3).map(|i| format!("127.0.0.{i}:{port}")))
        .build()
        .await
        .expect("a session to the cluster");
    s.query_unpaged(format!("DROP KEYSPACE IF EXISTS {ks}"), &[])
        .await
        .expect("drop keyspace");
}
