//! `gdpr_forget_me disk-check` against the real node's files: SSTables written by Cassandra
//! 5.0 with each compressor, a value across a chunk boundary, corrupt and unreadable files,
//! the commit log, a snapshot, Cassandra's own `sstabledump` as the oracle of which SSTables
//! hold a value, and an erasure followed down to the disk until garbagecollect removes it.
//!
//! The node is the test node of `FORGETME_CASSANDRA`; its folders are found under
//! `FORGETME_CASSANDRA_HOME` (default `.cassandra/default` of this checkout, where
//! `scripts/cassandra` keeps them) and nodetool is run through `FORGETME_CASSANDRA_SCRIPT`
//! (default `scripts/cassandra`). Each test has its own keyspace and its own subject, so the
//! shared commit log never mixes tests up.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{forget_me, strings, Run};

/// The node's folder (holding data/, commitlog/, hints/).
fn node_home() -> PathBuf {
    match std::env::var("FORGETME_CASSANDRA_HOME") {
        Ok(h) if !h.is_empty() => PathBuf::from(h),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join(".cassandra/default"),
    }
}

fn data_dir() -> PathBuf {
    node_home().join("data")
}

fn script() -> PathBuf {
    match std::env::var("FORGETME_CASSANDRA_SCRIPT") {
        Ok(s) if !s.is_empty() => PathBuf::from(s),
        _ => Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/cassandra"),
    }
}

/// `scripts/cassandra ARGS` (nodetool, java); panics when it fails.
fn cassandra(args: &[&str]) -> String {
    let out = std::process::Command::new(script())
        .args(args)
        .output()
        .expect("scripts/cassandra runs");
    assert!(
        out.status.success(),
        "scripts/cassandra {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn nodetool(args: &[&str]) {
    let mut all = vec!["nodetool"];
    all.extend_from_slice(args);
    cassandra(&all);
}

/// A keyspace of the test's own, and a subject of its own.
struct Ks {
    name: String,
    subject: String,
    session: scylla::client::session::Session,
}

impl Ks {
    async fn new(prefix: &str) -> Ks {
        let name = testkit::unique_keyspace(prefix);
        let session = testkit::cassandra_session(None).await;
        testkit::create_keyspace(&session, &name, &[]).await;
        let subject = format!("Person.{}@Disk-Check.example", name.replace('_', "-"));
        Ks {
            name,
            subject,
            session,
        }
    }

    async fn cql(&self, cql: &str) {
        let cql = cql.replace("{ks}", &self.name);
        self.session
            .query_unpaged(cql.clone(), &[])
            .await
            .unwrap_or_else(|e| panic!("{cql}: {e}"));
    }

    async fn insert(&self, table: &str, key: &str, value: &str) {
        self.session
            .query_unpaged(
                format!("INSERT INTO {}.{table} (k, v) VALUES (?, ?)", self.name),
                (key, value),
            )
            .await
            .expect("insert");
    }

    fn flush(&self) {
        nodetool(&["flush", &self.name]);
    }

    fn table_dir(&self, table: &str) -> PathBuf {
        let ks = data_dir().join(&self.name);
        std::fs::read_dir(&ks)
            .expect("keyspace folder")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with(&format!("{table}-"))
            })
            .unwrap_or_else(|| panic!("no folder for {table} in {}", ks.display()))
    }

    async fn drop(self) {
        testkit::drop_keyspace(&self.name).await;
    }
}

/// Runs disk-check on `data` for `ks`, looking for `subject`, with `extra` arguments.
async fn disk_check(data: &Path, ks: &str, subject: &str, extra: &[&str]) -> Run {
    let mut args = strings(&["disk-check", "--data-dir"]);
    args.push(data.display().to_string());
    args.extend(strings(&["--cass_keyspace", ks, "--search", subject]));
    args.extend(strings(extra));
    forget_me(&args).await
}

/// disk-check with an empty commit log and hints folder: the keyspace's own files alone.
async fn keyspace_files(data: &Path, ks: &str, subject: &str, extra: &[&str]) -> (Run, Value) {
    let empty = tempfile::tempdir().unwrap();
    let cl = empty.path().join("commitlog");
    let hints = empty.path().join("hints");
    std::fs::create_dir(&cl).unwrap();
    std::fs::create_dir(&hints).unwrap();
    let mut all = vec![
        "--format",
        "json",
        "--commitlog-dir",
        cl.to_str().unwrap(),
        "--hints-dir",
        hints.to_str().unwrap(),
    ];
    all.extend_from_slice(extra);
    let run = disk_check(data, ks, subject, &all).await;
    let json = run.json();
    (run, json)
}

fn files(report: &Value) -> &Vec<Value> {
    report["files"].as_array().expect("files")
}

/// The files of `report` that hold an identifier, as paths.
fn holders(report: &Value) -> Vec<String> {
    files(report)
        .iter()
        .filter(|f| f["holds"] == true)
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

/// The `Data.db` file of `table` in `report`.
fn data_files<'r>(report: &'r Value, table: &str) -> Vec<&'r Value> {
    files(report)
        .iter()
        .filter(|f| f["table"] == table && f["path"].as_str().unwrap().ends_with("-Data.db"))
        .collect()
}

/// A node's folders in a temporary folder (`data/`, and `commitlog/` and `hints/` empty, where
/// disk-check looks for them by default), holding a copy of a keyspace's table folder, for
/// tests that damage files. Returns the data folder and the table folder's copy.
fn copy_table(table_dir: &Path, dest: &Path, ks: &str) -> (PathBuf, PathBuf) {
    let data = dest.join("data");
    std::fs::create_dir_all(dest.join("commitlog")).unwrap();
    std::fs::create_dir_all(dest.join("hints")).unwrap();
    let to = data.join(ks).join(table_dir.file_name().unwrap());
    std::fs::create_dir_all(&to).unwrap();
    for e in std::fs::read_dir(table_dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
    (data, to)
}

fn find_file(dir: &Path, suffix: &str) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .find(|p| p.to_string_lossy().ends_with(suffix))
        .unwrap_or_else(|| panic!("no *{suffix} in {}", dir.display()))
}

#[tokio::test]
async fn every_compressor_is_read_and_the_subject_found_in_each() {
    let ks = Ks::new("dc_codecs").await;
    // Deflate and Zstd tables are flushed with LZ4 (flush_compression: fast); a major
    // compaction rewrites them with their own compressor.
    let tables = [
        ("lz4", "{'class': 'LZ4Compressor'}", "LZ4Compressor", false),
        (
            "snappy",
            "{'class': 'SnappyCompressor'}",
            "SnappyCompressor",
            false,
        ),
        (
            "deflate",
            "{'class': 'DeflateCompressor'}",
            "DeflateCompressor",
            true,
        ),
        (
            "zstd",
            "{'class': 'ZstdCompressor'}",
            "ZstdCompressor",
            true,
        ),
        ("plain", "{'enabled': 'false'}", "", false),
    ];
    let other = "somebody.else@disk-check.example";
    for (t, compression, _, _) in &tables {
        ks.cql(&format!(
            "CREATE TABLE {{ks}}.{t} (k text PRIMARY KEY, v text) WITH compression = {compression}"
        ))
        .await;
        // The subject in one row, in another spelling (case), among rows of others.
        for i in 0..50 {
            ks.insert(
                t,
                &format!("row{i}"),
                &format!("{{\"email\":\"{other}\",\"n\":{i}}}"),
            )
            .await;
        }
        ks.insert(
            t,
            "subject",
            &format!("{{\"email\":\"{}\"}}", ks.subject.to_uppercase()),
        )
        .await;
        ks.cql(&format!("CREATE TABLE {{ks}}.{t}_clean (k text PRIMARY KEY, v text) WITH compression = {compression}"))
            .await;
        ks.insert(
            &format!("{t}_clean"),
            "row",
            &format!("{{\"email\":\"{other}\"}}"),
        )
        .await;
    }
    ks.flush();
    for (t, _, _, compact) in &tables {
        if *compact {
            nodetool(&["compact", &ks.name, t]);
        }
    }
    let (run, report) = keyspace_files(&data_dir(), &ks.name, &ks.subject, &[]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    for (t, _, compressor, _) in &tables {
        let data = data_files(&report, t);
        assert_eq!(data.len(), 1, "{t}: {data:?}");
        let f = data[0];
        assert_eq!(f["holds"], true, "{t}: {f}");
        assert_eq!(f["count"], 1, "{t}: {f}");
        assert_eq!(f["readable"], true, "{t}: {f}");
        assert_eq!(f["kind"], "sstable");
        if compressor.is_empty() {
            assert!(f.get("compressor").is_none(), "{t}: {f}");
            assert_eq!(
                f["checked"],
                serde_json::json!(["CRC.db", "Digest.crc32"]),
                "{t}"
            );
        } else {
            assert_eq!(f["compressor"], *compressor, "{t}: {f}");
            assert_eq!(
                f["checked"],
                serde_json::json!(["chunk CRC32", "Digest.crc32"]),
                "{t}"
            );
        }
        let clean = data_files(&report, &format!("{t}_clean"));
        assert_eq!(clean.len(), 1);
        assert_eq!(clean[0]["holds"], false, "{t}_clean: {}", clean[0]);
        assert_eq!(clean[0]["readable"], true);
    }
    // No value or identifier is printed, in either format.
    assert!(!run
        .stdout
        .to_lowercase()
        .contains(&ks.subject.to_lowercase()));
    let text = disk_check(&data_dir(), &ks.name, &ks.subject, &[]).await;
    assert!(!text
        .stdout
        .to_lowercase()
        .contains(&ks.subject.to_lowercase()));
    assert!(text.stdout.contains("HOLDS"), "{}", text.stdout);
    ks.drop().await;
}

#[tokio::test]
async fn a_value_across_a_chunk_boundary_is_found() {
    let ks = Ks::new("dc_chunks").await;
    ks.cql("CREATE TABLE {ks}.t (k text PRIMARY KEY, v text) WITH compression = {'class': 'LZ4Compressor', 'chunk_length_in_kb': 1}")
        .await;
    // Values of growing length, the subject at their end: with 1 KiB chunks some address
    // falls across a boundary (checked below on the decompressed stream itself).
    let rows = 40;
    for i in 0..rows {
        let filler: String = (0..i * 53)
            .map(|j| char::from(b'a' + (j % 26) as u8))
            .collect();
        ks.insert(
            "t",
            &format!("k{i:02}"),
            &format!("{filler} {}", ks.subject),
        )
        .await;
    }
    ks.flush();
    let data = find_file(&ks.table_dir("t"), "-Data.db");
    let info = find_file(&ks.table_dir("t"), "-CompressionInfo.db");
    let mut stream = Vec::new();
    forgetme_disk_check::read::read_file(
        &data,
        &forgetme_disk_check::Format::CompressedData { info, digest: None },
        &mut forgetme_disk_check::read::FnSink(|b: &[u8]| stream.extend_from_slice(b)),
    )
    .expect("readable");
    let needle = ks.subject.as_bytes();
    let straddling = stream
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .filter(|(at, _)| at / 1024 != (at + needle.len() - 1) / 1024)
        .count();
    assert!(straddling > 0, "no address crosses a 1 KiB chunk boundary");

    let (run, report) = keyspace_files(&data_dir(), &ks.name, &ks.subject, &[]).await;
    assert_eq!(run.code, 1);
    let f = data_files(&report, "t")[0];
    assert_eq!(f["count"], rows, "every row once, none twice: {f}");
    assert_eq!(f["readable"], true);
    ks.drop().await;
}

#[tokio::test]
async fn a_corrupt_chunk_makes_the_file_not_known() {
    let ks = Ks::new("dc_corrupt").await;
    ks.cql("CREATE TABLE {ks}.t (k text PRIMARY KEY, v text)")
        .await;
    ks.insert(
        "t",
        "a",
        "nobody's data, long enough to be compressed into a chunk of its own",
    )
    .await;
    ks.flush();
    let tmp = tempfile::tempdir().unwrap();
    let (data_copy, copy) = copy_table(&ks.table_dir("t"), tmp.path(), &ks.name);
    let data = find_file(&copy, "-Data.db");
    let mut bytes = std::fs::read(&data).unwrap();
    bytes[10] ^= 0x55;
    std::fs::write(&data, &bytes).unwrap();

    let (run, report) = keyspace_files(&data_copy, &ks.name, &ks.subject, &[]).await;
    assert_eq!(
        run.code, 1,
        "a file that fails its checksum is not clean: {}",
        run.stderr
    );
    let f = data_files(&report, "t")[0];
    assert_eq!(f["readable"], false, "{f}");
    assert!(
        f["problem"].as_str().unwrap().contains("checksum mismatch"),
        "{f}"
    );
    assert_eq!(report["verdict"], "not_known");
    let text = disk_check(&data_copy, &ks.name, &ks.subject, &[]).await;
    assert_eq!(text.code, 1);
    assert!(text.stdout.contains("NOT KNOWN"), "{}", text.stdout);
    assert!(
        text.stdout.contains("not known: chunk 0"),
        "{}",
        text.stdout
    );
    ks.drop().await;
}

#[tokio::test]
async fn an_unreadable_file_is_not_known() {
    let ks = Ks::new("dc_unreadable").await;
    ks.cql("CREATE TABLE {ks}.t (k text PRIMARY KEY, v text) WITH compression = {'class': 'LZ4Compressor', 'chunk_length_in_kb': 1}")
        .await;
    for i in 0..20 {
        ks.insert("t", &format!("k{i}"), &format!("{i} {}", "x".repeat(300)))
            .await;
    }
    ks.flush();

    // A Data.db cut in the middle of a chunk. (Tests may run as root, for whom chmod 000
    // does not stop a read: a truncated file and a special file are unreadable for anybody.)
    let tmp = tempfile::tempdir().unwrap();
    let (data_copy, copy) = copy_table(&ks.table_dir("t"), tmp.path(), &ks.name);
    let data = find_file(&copy, "-Data.db");
    let len = std::fs::metadata(&data).unwrap().len();
    std::fs::OpenOptions::new()
        .write(true)
        .open(&data)
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let (run, report) = keyspace_files(&data_copy, &ks.name, &ks.subject, &[]).await;
    assert_eq!(run.code, 1);
    let f = data_files(&report, "t")[0];
    assert_eq!(f["readable"], false, "{f}");
    assert_eq!(report["verdict"], "not_known");

    // A named pipe where an SSTable component should be: not a regular file.
    let tmp2 = tempfile::tempdir().unwrap();
    let (data_copy2, copy2) = copy_table(&ks.table_dir("t"), tmp2.path(), &ks.name);
    let fifo = copy2.join("nb-99-big-Index.db");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (run, report) = keyspace_files(&data_copy2, &ks.name, &ks.subject, &[]).await;
    assert_eq!(run.code, 1);
    let f = files(&report)
        .iter()
        .find(|f| f["path"].as_str().unwrap().ends_with("nb-99-big-Index.db"))
        .expect("the pipe is reported");
    assert_eq!(f["readable"], false, "{f}");
    assert!(
        f["problem"]
            .as_str()
            .unwrap()
            .contains("not a regular file"),
        "{f}"
    );
    let text = disk_check(&data_copy2, &ks.name, &ks.subject, &[]).await;
    assert!(text.stdout.contains("NOT KNOWN"), "{}", text.stdout);
    ks.drop().await;
}

#[tokio::test]
async fn the_commit_log_holds_a_value_before_a_flush() {
    let ks = Ks::new("dc_commitlog").await;
    ks.cql("CREATE TABLE {ks}.t (k text PRIMARY KEY, v text)")
        .await;
    ks.insert(
        "t",
        "a",
        &format!(
            "{{\"phone\":\"+1 555 010 0001\",\"email\":\"{}\"}}",
            ks.subject
        ),
    )
    .await;
    let run = disk_check(&data_dir(), &ks.name, &ks.subject, &["--format", "json"]).await;
    let report = run.json();
    assert_eq!(run.code, 1);
    let logs: Vec<&Value> = files(&report)
        .iter()
        .filter(|f| f["kind"] == "commitlog" && f["holds"] == true)
        .collect();
    assert!(
        !logs.is_empty(),
        "no commit log segment holds the value: {report}"
    );
    assert!(logs[0]["why"]
        .as_str()
        .unwrap()
        .contains("commit log segment"));
    assert!(
        files(&report)
            .iter()
            .all(|f| f["kind"] != "sstable" || f["holds"] == false),
        "nothing is flushed yet"
    );
    let node = &report["nodes"][0];
    assert_eq!(node["verdict"], "holds");
    let cmds = node["purge_commands"].to_string();
    assert!(cmds.contains("nodetool drain"), "{cmds}");
    ks.drop().await;
}

#[tokio::test]
async fn a_snapshot_holds_the_value_until_it_is_cleared() {
    let ks = Ks::new("dc_snapshot").await;
    ks.cql("CREATE TABLE {ks}.t (k text PRIMARY KEY, v text)")
        .await;
    ks.insert("t", "a", &ks.subject).await;
    ks.flush();
    let tag = format!("before-{}", ks.name);
    nodetool(&["snapshot", "-t", &tag, &ks.name]);
    let (run, report) = keyspace_files(&data_dir(), &ks.name, &ks.subject, &[]).await;
    assert_eq!(run.code, 1);
    let snaps: Vec<&Value> = files(&report)
        .iter()
        .filter(|f| f["kind"] == "snapshot" && f["holds"] == true)
        .collect();
    assert!(!snaps.is_empty(), "{report}");
    assert!(snaps.iter().all(|f| f["snapshot"] == tag.as_str()));
    let cmds = report["nodes"][0]["purge_commands"].to_string();
    assert!(
        cmds.contains(&format!("nodetool clearsnapshot -t {tag} -- {}", ks.name)),
        "{cmds}"
    );
    nodetool(&["clearsnapshot", "-t", &tag, "--", &ks.name]);
    let (_, report) = keyspace_files(&data_dir(), &ks.name, &ks.subject, &[]).await;
    assert!(files(&report).iter().all(|f| f["kind"] != "snapshot"));
    ks.drop().await;
}

/// `sstabledump FILE` (Cassandra's SSTableExport), offline, from the node's jars.
fn sstabledump(data_file: &Path) -> String {
    let java_home = cassandra(&["java"]).trim().to_string();
    let lib = node_home().join("../lib");
    let conf = tempfile::tempdir().unwrap();
    let yaml = conf.path().join("cassandra.yaml");
    std::fs::write(
        &yaml,
        "cluster_name: dump\npartitioner: org.apache.cassandra.dht.Murmur3Partitioner\ncommitlog_sync: periodic\ncommitlog_sync_period: 10000ms\nendpoint_snitch: SimpleSnitch\nseed_provider:\n  - class_name: org.apache.cassandra.locator.SimpleSeedProvider\n    parameters:\n      - seeds: 127.0.0.1\n",
    )
    .unwrap();
    let storage = tempfile::tempdir().unwrap();
    let flags = "--add-exports java.base/jdk.internal.misc=ALL-UNNAMED --add-exports java.base/jdk.internal.ref=ALL-UNNAMED --add-exports java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/jdk.internal.ref=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED";
    let out = std::process::Command::new(Path::new(&java_home).join("bin/java"))
        // A short-lived tool: the client compiler only and one GC thread cost it a fraction of
        // the CPU the server compiler spends on code it runs once.
        .args(["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx256m"])
        .args(flags.split(' '))
        .arg("-cp")
        .arg(format!("{}/*", lib.display()))
        .arg(format!("-Dcassandra.config=file://{}", yaml.display()))
        .arg(format!(
            "-Dcassandra.storagedir={}",
            storage.path().display()
        ))
        .arg("org.apache.cassandra.tools.SSTableExport")
        .arg(data_file)
        .output()
        .expect("java runs");
    assert!(
        out.status.success(),
        "sstabledump {} failed: {}",
        data_file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn disk_check_agrees_with_sstabledump_on_which_sstables_hold_the_value() {
    let ks = Ks::new("dc_oracle").await;
    ks.cql("CREATE TABLE {ks}.t (k text PRIMARY KEY, v text) WITH compaction = {'class': 'SizeTieredCompactionStrategy', 'enabled': 'false'}")
        .await;
    // Five SSTables: the subject in the first, third and fifth (once in capitals, once as
    // an escaped JSON string), other people in every one.
    let subject = ks.subject.clone();
    let values = [
        Some(format!("{{\"email\":\"{subject}\"}}")),
        None,
        Some(format!("{{\"email\":\"{}\"}}", subject.to_uppercase())),
        None,
        Some(format!("note: call {subject} back")),
    ];
    for (i, v) in values.iter().enumerate() {
        ks.insert(
            "t",
            &format!("other{i}"),
            &format!("{{\"email\":\"other{i}@disk-check.example\"}}"),
        )
        .await;
        if let Some(v) = v {
            ks.insert("t", &format!("subject{i}"), v).await;
        }
        ks.flush();
    }
    let dir = ks.table_dir("t");
    let mut dumped = Vec::new();
    let mut datas: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with("-Data.db"))
        .collect();
    datas.sort();
    assert_eq!(datas.len(), 5, "{datas:?}");
    for d in &datas {
        if sstabledump(d)
            .to_lowercase()
            .contains(&subject.to_lowercase())
        {
            dumped.push(d.display().to_string());
        }
    }
    assert_eq!(
        dumped.len(),
        3,
        "sstabledump finds the subject in three SSTables"
    );
    let (_, report) = keyspace_files(&data_dir(), &ks.name, &subject, &[]).await;
    let mut found: Vec<String> = data_files(&report, "t")
        .iter()
        .filter(|f| f["holds"] == true)
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect();
    found.sort();
    dumped.sort();
    assert_eq!(found, dumped, "disk-check and sstabledump disagree");
    ks.drop().await;
}

#[tokio::test]
async fn an_erased_value_stays_on_disk_until_garbagecollect() {
    let ks = Ks::new("dc_erase").await;
    ks.cql("CREATE TABLE {ks}.t (k text PRIMARY KEY, v text)")
        .await;
    ks.insert("t", "subject", &format!("{{\"email\":\"{}\"}}", ks.subject))
        .await;
    ks.insert("t", "other", "{\"email\":\"other@disk-check.example\"}")
        .await;
    ks.flush();
    ks.cql("DELETE FROM {ks}.t WHERE k = 'subject'").await;
    ks.flush();
    // Erased through CQL, flushed: the row is gone for every reader, the bytes are not.
    let rows = ks
        .session
        .query_unpaged(format!("SELECT k FROM {}.t", ks.name), &[])
        .await
        .unwrap()
        .into_rows_result()
        .unwrap()
        .rows_num();
    assert_eq!(rows, 1);
    let (run, report) = keyspace_files(&data_dir(), &ks.name, &ks.subject, &[]).await;
    assert_eq!(run.code, 1);
    let held = holders(&report);
    assert_eq!(held.len(), 1, "the older SSTable alone: {held:?}");
    assert!(held[0].ends_with("-Data.db"));
    let f = data_files(&report, "t")
        .into_iter()
        .find(|f| f["holds"] == true)
        .unwrap();
    assert!(f["why"].as_str().unwrap().contains("gc_grace_seconds"));
    let cmds = report["nodes"][0]["purge_commands"].to_string();
    assert!(
        cmds.contains(&format!("nodetool flush {}", ks.name)),
        "{cmds}"
    );
    assert!(
        cmds.contains(&format!("nodetool garbagecollect -g CELL {} t", ks.name)),
        "{cmds}"
    );

    // What the purge commands say, with gc_grace_seconds passed (0 here).
    ks.cql("ALTER TABLE {ks}.t WITH gc_grace_seconds = 0").await;
    ks.flush();
    nodetool(&["garbagecollect", "-g", "CELL", &ks.name, "t"]);
    let (run, report) = keyspace_files(&data_dir(), &ks.name, &ks.subject, &[]).await;
    assert_eq!(holders(&report), Vec::<String>::new(), "{report}");
    assert_eq!(report["verdict"], "clean");
    assert_eq!(run.code, 0, "{}", run.stdout);
    ks.drop().await;
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            strings(&[
                "disk-check",
                "--data-dir",
                "/nonexistent/data",
                "--cass_keyspace",
                "ks",
                "--search",
                "a@b.example",
            ]),
            "no such folder",
        ),
        (
            vec![
                "disk-check".into(),
                "--data-dir".into(),
                tmp.path().display().to_string(),
                "--cass_keyspace".into(),
                "ks".into(),
                "--search".into(),
                "a@b.example".into(),
            ],
            "has no folder ks",
        ),
        (
            vec![
                "disk-check".into(),
                "--data-dir".into(),
                tmp.path().display().to_string(),
                "--cass_keyspace".into(),
                "ks".into(),
            ],
            "nothing to look for",
        ),
        (
            strings(&[
                "disk-check",
                "--data-dir",
                "/tmp",
                "--cass_keyspace",
                "bad-name",
                "--search",
                "a@b.example",
            ]),
            "keyspace name",
        ),
    ];
    for (args, message) in cases {
        let run = forget_me(&args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{args:?}: {}", run.stderr);
    }
    // The commit log folder is looked for beside the data folder.
    std::fs::create_dir_all(tmp.path().join("data/ks")).unwrap();
    let mut args = strings(&["disk-check", "--data-dir"]);
    args.push(tmp.path().join("data").display().to_string());
    args.extend(strings(&[
        "--cass_keyspace",
        "ks",
        "--search",
        "a@b.example",
        "--format",
        "json",
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("give --commitlog-dir"),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["error"]["kind"], "bad_input");
}
