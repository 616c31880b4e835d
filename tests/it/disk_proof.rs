//! Disk reports in the proof, on the real node: `disk-check --format json --audit-key` signs
//! its report with the receipts' key, `verify-receipt` checks it with the public key alone,
//! `--recheck-receipt --disk-report` refuses a report that is not this erasure's before
//! anything is read, states per node which files still hold the subject, and records a
//! `purged` step that `requests list/show` show as "physically purged" once the node is clean.
//!
//! The node is shared with every other test, which write the demo subjects to its commit log
//! all the time, and it is never stopped: its commit log cannot be made clean here. The
//! reports of this module read the keyspace's SSTables and snapshots with `--commitlog-dir`
//! and `--hints-dir` set to empty folders; the commit log and hints of a node are followed to
//! clean in `disk_check_cluster.rs`, which drains the cluster's nodes.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{cass_args, cleanup_args, forget_me, forget_me_env, seeded, strings, Run};

fn node_home() -> PathBuf {
    match std::env::var("FORGETME_CASSANDRA_HOME") {
        Ok(h) if !h.is_empty() => PathBuf::from(h),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join(".cassandra/default"),
    }
}

fn nodetool(args: &[&str]) {
    let script = match std::env::var("FORGETME_CASSANDRA_SCRIPT") {
        Ok(s) if !s.is_empty() => PathBuf::from(s),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/cassandra"),
    };
    let out = std::process::Command::new(script)
        .arg("nodetool")
        .args(args)
        .output()
        .expect("scripts/cassandra runs");
    assert!(
        out.status.success(),
        "nodetool {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Subject 1 of the demo (no corporate favorite, so an erasure leaves nothing of theirs).
fn ids() -> Vec<String> {
    let s = &crate::common::subjects()[1];
    strings(&[
        "--search",
        &s.email,
        "--search",
        &s.phone_e164,
        "--default-region",
        "GB",
    ])
}

/// disk-check of the keyspace on the node (commit log and hints: the empty folder `empty`),
/// with `extra` arguments; the output written to `out` when given.
async fn disk_check(ks: &str, empty: &Path, extra: &[&str], out: Option<&Path>) -> Run {
    let mut args = strings(&["disk-check", "--data-dir"]);
    args.push(node_home().join("data").display().to_string());
    args.extend(strings(&[
        "--commitlog-dir",
        empty.to_str().unwrap(),
        "--hints-dir",
        empty.to_str().unwrap(),
        "--cass_keyspace",
        ks,
    ]));
    args.extend(ids());
    args.extend(strings(extra));
    let run = forget_me(&args).await;
    if let Some(out) = out {
        std::fs::write(out, &run.stdout).unwrap();
    }
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disk_reports_prove_the_purge_and_the_ledger_records_it() {
    let s = seeded("disk_proof").await;
    let ks = s.keyspace.clone();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let empty = d.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let key = d.join("audit.key");
    let key_arg = key.to_str().unwrap();
    let receipt = d.join("receipt.json");
    nodetool(&["flush", &ks]);

    // The erasure of subject 1, through GWS, for request DSR-DISK.
    let mut args = cleanup_args(
        &s,
        d,
        &[
            "--case",
            "DSR-DISK",
            "--receipt",
            receipt.to_str().unwrap(),
            "--format",
            "json",
        ],
    );
    args.extend(ids());
    let run = forget_me_env(&args, &[("GWS_PASSWORD", testkit::ADMIN_PASSWORD)]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["cleanup"]["verified"], true);
    nodetool(&["flush", &ks]);

    // A signed report: the SSTable flushed before the erasure still holds the subject.
    let held = d.join("held.json");
    let run = disk_check(
        &ks,
        &empty,
        &["--audit-key", key_arg, "--format", "json"],
        Some(&held),
    )
    .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["signature"]["algorithm"], "ed25519");
    assert_eq!(report["keyspace"], ks.as_str());
    assert!(report["identifiers"][0]["subject_ref"]
        .as_str()
        .unwrap()
        .starts_with("hmac-sha256:"));
    let text = std::fs::read_to_string(&held).unwrap();
    let subject = &crate::common::subjects()[1];
    assert!(!text.contains(&subject.email) && !text.contains(&subject.phone_e164));

    // Checked with the public key alone.
    let public = d.join("public.txt");
    let run = forget_me(&strings(&[
        "signing-key",
        "public",
        "--audit-key",
        key_arg,
        "--out",
        public.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let verify = |file: &Path| {
        strings(&[
            "verify-receipt",
            file.to_str().unwrap(),
            "--public-key",
            public.to_str().unwrap(),
        ])
    };
    let run = forget_me(&verify(&held)).await;
    eprintln!("{}", run.stdout);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.starts_with("VALID:"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("disk check of keyspace {ks}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("file(s) still hold the subject's identifiers as of"),
        "{}",
        run.stdout
    );
    // One byte changed: invalid.
    let changed = d.join("changed.json");
    std::fs::write(
        &changed,
        text.replacen("\"holds\": true", "\"holds\": false", 1),
    )
    .unwrap();
    let run = forget_me(&verify(&changed)).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.starts_with("INVALID:"), "{}", run.stdout);

    // The re-check refuses, before anything is read (exit 2), a report that is not proof of
    // this erasure.
    let recheck = |reports: &[&Path]| {
        let mut a = cass_args(&ks);
        a.extend(ids());
        a.extend(strings(&[
            "--audit-log",
            d.join("audit.jsonl").to_str().unwrap(),
            "--audit-key",
            key_arg,
            "--recheck-receipt",
            receipt.to_str().unwrap(),
            "--no-progress",
        ]));
        for r in reports {
            a.push("--disk-report".into());
            a.push(r.display().to_string());
        }
        a
    };
    let unsigned = d.join("unsigned.json");
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    doc.as_object_mut().unwrap().remove("signature");
    std::fs::write(&unsigned, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let other_subject = d.join("other-subject.json");
    let mut other_args = strings(&["disk-check", "--data-dir"]);
    other_args.push(node_home().join("data").display().to_string());
    other_args.extend(strings(&[
        "--commitlog-dir",
        empty.to_str().unwrap(),
        "--hints-dir",
        empty.to_str().unwrap(),
        "--cass_keyspace",
        &ks,
        "--search",
        &subject.email,
        "--audit-key",
        key_arg,
        "--format",
        "json",
    ]));
    std::fs::write(&other_subject, forget_me(&other_args).await.stdout).unwrap();
    for (bad, why) in [
        (&unsigned, "not signed"),
        (&changed, "SIGNATURE MISMATCH"),
        (&other_subject, "not the receipt's subjects"),
    ] {
        let run = forget_me(&recheck(&[bad.as_path()])).await;
        assert_eq!(run.code, 2, "{why}: {}\n{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(why), "{why}: {}", run.stderr);
        assert!(
            !run.stdout.contains("no copy holds"),
            "nothing read: {}",
            run.stdout
        );
    }
    let run = forget_me(&recheck(&[&held, &held])).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("one report per node"), "{}", run.stderr);

    // Given: the live data is clean, the node's SSTable is not. Named by path and kind.
    let run = forget_me(&recheck(&[&held])).await;
    eprintln!("{}", run.stdout);
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("no copy holds"), "{}", run.stdout);
    assert!(run.stdout.contains("NOT PURGED"), "{}", run.stdout);
    assert!(run.stdout.contains("holds      sstable"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!("/{ks}/settings-")),
        "{}",
        run.stdout
    );
    let ledger = |cmd: &[&str]| {
        let mut a = strings(&["requests"]);
        a.extend(strings(cmd));
        a.extend(strings(&[
            "--audit-log",
            d.join("audit.jsonl").to_str().unwrap(),
        ]));
        a
    };
    let show = forget_me(&ledger(&["show", "DSR-DISK"])).await;
    assert!(
        show.stdout.contains("purge: still ON DISK"),
        "{}",
        show.stdout
    );
    assert!(
        !show.stdout.contains("physically purged"),
        "{}",
        show.stdout
    );

    // The purge the report printed (gc_grace_seconds passed: 0 here).
    let cql = testkit::cassandra_session(None).await;
    cql.query_unpaged(
        format!("ALTER TABLE {ks}.settings WITH gc_grace_seconds = 0"),
        &[],
    )
    .await
    .unwrap();
    nodetool(&["flush", &ks]);
    nodetool(&["garbagecollect", "-g", "CELL", &ks, "settings"]);
    let clean = d.join("clean.json");
    let run = disk_check(
        &ks,
        &empty,
        &["--audit-key", key_arg, "--format", "json"],
        Some(&clean),
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let run = forget_me(&recheck(&[&clean])).await;
    eprintln!("{}", run.stdout);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("PHYSICALLY PURGED on the 1 node(s)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("no file holds the subject's identifiers as of 20"),
        "{}",
        run.stdout
    );

    let list = forget_me(&ledger(&["list"])).await;
    eprintln!("{}", list.stdout);
    assert!(list.stdout.contains("physically purged"), "{}", list.stdout);
    let show = forget_me(&ledger(&["show", "DSR-DISK"])).await;
    eprintln!("{}", show.stdout);
    assert!(
        show.stdout.contains("status physically purged"),
        "{}",
        show.stdout
    );
    assert!(
        show.stdout
            .contains(&format!("disk report {}", clean.display())),
        "{}",
        show.stdout
    );
    let doc = forget_me(&ledger(&["show", "DSR-DISK", "--format", "json"]))
        .await
        .json();
    assert_eq!(doc["physically_purged"], true, "{doc}");
    let last = doc["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["status"], "purged", "{last}");
    assert_eq!(last["outcome"], "ok", "{last}");
}
