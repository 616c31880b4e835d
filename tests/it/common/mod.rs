//! Helpers shared by the integration tests of `gdpr_forget_me`: run the real binary against
//! the real Cassandra node, in a keyspace of the test's own, seeded through the emulator.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use testkit::{RunningEmulator, SeededData, Subject};

/// What a run of the binary did.
#[derive(Debug)]
pub struct Run {
    /// Exit code.
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// stdout parsed as the JSON report.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }
}

/// Runs `gdpr_forget_me` with `args`, no stdin, and the given extra environment.
pub async fn forget_me_env(args: &[String], env: &[(&str, &str)]) -> Run {
    forget_me_in(None, args, env).await
}

/// Runs `gdpr_forget_me` in the folder `cwd` (the test's own when `None`), with `args`, no
/// stdin, the given extra environment and none of the operator's own settings.
pub async fn forget_me_in(
    cwd: Option<&std::path::Path>,
    args: &[String],
    env: &[(&str, &str)],
) -> Run {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_gdpr_forget_me"));
    if let Some(dir) = cwd {
        cmd.current_dir(dir);
    }
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .env_remove("GWS_PASSWORD")
        .env_remove("GWS_USERNAME")
        .env_remove("CASS_PASSWORD")
        .env_remove("CASS_USERNAME")
        .env_remove("GDPR_FORGET_ME_AUDIT_LOG")
        .env_remove("GDPR_FORGET_ME_AUDIT_KEY")
        // Each run remembers its audit place in a file of its own (a test that follows one
        // user across runs gives GDPR_FORGET_ME_PLACES itself), never in the developer's
        // home.
        .env("GDPR_FORGET_ME_PLACES", own_places_file());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let started = std::time::Instant::now();
    let out = cmd.output().await.expect("binary runs");
    // Shown with a failure (or --nocapture), beside the test's own timings.
    eprintln!(
        "gdpr_forget_me exited {:?} after {:.1} s",
        out.status.code(),
        started.elapsed().as_secs_f64()
    );
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A file name of its own for one run's remembered audit place (see src/places.rs).
fn own_places_file() -> std::path::PathBuf {
    static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    std::env::temp_dir().join(format!("forgetme-places-{}-{n}", std::process::id()))
}

/// Runs `gdpr_forget_me` with `args`.
pub async fn forget_me(args: &[String]) -> Run {
    forget_me_env(args, &[]).await
}

/// `--cass_keyspace KS --cass_hostname HOST --cass_port PORT` for the test node.
pub fn cass_args(keyspace: &str) -> Vec<String> {
    let addr = testkit::cassandra_addr();
    let (host, port) = addr.rsplit_once(':').expect("host:port");
    strings(&[
        "--cass_keyspace",
        keyspace,
        "--cass_hostname",
        host,
        "--cass_port",
        port,
    ])
}

/// Owned strings from literals.
pub fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A keyspace of the test's own, with the emulator on it and the demo subjects seeded.
pub struct Seeded {
    pub keyspace: String,
    pub emulator: RunningEmulator,
    pub data: SeededData,
    /// Drops the keyspace when the test ends (declared last: after the emulator stops).
    pub dropped_at_end: testkit::KeyspaceGuard,
}

/// Creates a keyspace, starts the emulator on it and seeds the demo subjects.
pub async fn seeded(prefix: &str) -> Seeded {
    let keyspace = testkit::unique_keyspace(prefix);
    let emulator = testkit::start_emulator(&keyspace).await;
    let data = testkit::seed_small(&emulator, &subjects()).await;
    Seeded {
        dropped_at_end: testkit::KeyspaceGuard::new(&keyspace),
        keyspace,
        emulator,
        data,
    }
}

/// The demo subjects.
pub fn subjects() -> Vec<Subject> {
    gws_emulator::seed::demo_subjects()
}

/// A place: (owner id or "contact-center", group, setting key, JSON path).
pub type Place = (String, String, String, String);

/// Where the seeder planted subject `n`'s identifiers of `kind` ("email" or "phone").
pub fn planted(data: &SeededData, n: usize, kind: &str) -> BTreeSet<Place> {
    data.planted[n]
        .locations
        .iter()
        .filter(|l| l.kind == kind)
        .map(|l| {
            (
                l.owner_id.clone(),
                l.group.clone(),
                l.setting_key.clone(),
                l.json_path.clone(),
            )
        })
        .collect()
}

/// The places of a JSON report's matches.
pub fn found(report: &Value) -> BTreeSet<Place> {
    report["matches"]
        .as_array()
        .expect("matches array")
        .iter()
        .map(|m| {
            (
                m["user_id"]
                    .as_str()
                    .unwrap_or("contact-center")
                    .to_string(),
                m["group"].as_str().unwrap_or_default().to_string(),
                m["setting_key"].as_str().unwrap_or_default().to_string(),
                m["json_path"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Every row of the settings table: (owner, group, key) -> value text.
pub async fn dump(keyspace: &str) -> std::collections::BTreeMap<(String, String, String), String> {
    let session = testkit::cassandra_session(None).await;
    let mut pager = session
        .query_iter(
            format!("SELECT owner_id, group_name, setting_key, value FROM {keyspace}.settings"),
            &[],
        )
        .await
        .expect("select")
        .rows_stream::<(String, String, String, String)>()
        .expect("typed");
    let mut out = std::collections::BTreeMap::new();
    use futures::TryStreamExt;
    while let Some((o, g, k, v)) = pager.try_next().await.expect("row") {
        out.insert((o, g, k), v);
    }
    out
}

/// The cleanup arguments of the original's second example, pointed at the emulator, with
/// the password left to the environment and the audit files in `dir`.
pub fn cleanup_args(s: &Seeded, dir: &std::path::Path, extra: &[&str]) -> Vec<String> {
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--gws",
        &s.emulator.base_url(),
        "--gws_username",
        testkit::ADMIN_USER,
        "--cleanup",
        "true",
        "--yes",
        "--no-progress",
        "--audit-log",
        dir.join("audit.jsonl").to_str().unwrap(),
        "--audit-key",
        dir.join("audit.key").to_str().unwrap(),
    ]));
    args.extend(strings(extra));
    args
}

/// A setting's identity in the settings table: (owner, group, key).
pub type Key = (String, String, String);

/// The recents-list group, whose entries are erased one by one.
pub const RECENTS: &str = "interaction-workspace-recents";

/// The places of subject 0 (both identifiers) that belong to agents.
pub fn agent_places(s: &Seeded) -> BTreeSet<Place> {
    let mut p = planted(&s.data, 0, "email");
    p.extend(planted(&s.data, 0, "phone"));
    p.into_iter().filter(|p| p.0 != "contact-center").collect()
}

pub fn touched(places: &BTreeSet<Place>) -> BTreeSet<Key> {
    places
        .iter()
        .map(|p| (p.0.clone(), p.1.clone(), p.2.clone()))
        .collect()
}

/// What the settings table must hold after a complete record-level erasure of subject 0,
/// starting from `before`: the subject's settings deleted, except recents lists, which lose
/// only the subject's entries. Values are compared as JSON.
pub fn expected_after(
    before: &BTreeMap<Key, String>,
    places: &BTreeSet<Place>,
) -> BTreeMap<Key, Value> {
    let touched = touched(places);
    let mut want = BTreeMap::new();
    for (k, v) in before {
        let mut value: Value = serde_json::from_str(v).unwrap_or(Value::String(v.clone()));
        if touched.contains(k) {
            if k.1 != RECENTS {
                continue;
            }
            let removed: BTreeSet<usize> = places
                .iter()
                .filter(|p| (&p.0, &p.1, &p.2) == (&k.0, &k.1, &k.2))
                .map(|p| {
                    p.3.trim_start_matches("$.entries[")
                        .split(']')
                        .next()
                        .unwrap()
                        .parse()
                        .unwrap()
                })
                .collect();
            let entries = value["entries"].as_array_mut().unwrap();
            for i in removed.iter().rev() {
                entries.remove(*i);
            }
        }
        want.insert(k.clone(), value);
    }
    want
}

/// The settings table now, values as JSON.
pub async fn state(keyspace: &str) -> BTreeMap<Key, Value> {
    dump(keyspace)
        .await
        .into_iter()
        .map(|(k, v)| {
            let value = serde_json::from_str(&v).unwrap_or(Value::String(v));
            (k, value)
        })
        .collect()
}

/// The end check of every test: exactly the expected settings remain.
pub async fn assert_exactly(keyspace: &str, want: &BTreeMap<Key, Value>) {
    let got = state(keyspace).await;
    for (k, v) in want {
        assert_eq!(got.get(k), Some(v), "setting {k:?} is wrong or missing");
    }
    for k in got.keys() {
        assert!(want.contains_key(k), "setting {k:?} should be gone");
    }
}

/// A controller's template filled in (none of the example's values, which the tool refuses),
/// in `language` (`en`, `de`), written into `dir`; the copy's words are the shipped ones.
/// Each field's text names the field (in German: its number), so a test can find it.
pub fn filled_template(dir: &std::path::Path, language: &str) -> std::path::PathBuf {
    let company = match language {
        "de" => "Acme Testmarkt GmbH, Hauptstraße 1, 10115 Berlin",
        _ => "Acme Test Stores plc, 2 High Street, Leeds LS1 1AA",
    };
    let mut text = format!("language = \"{language}\"\ncontroller = \"{company}\"\n");
    for (i, field) in [
        "contact",
        "dpo",
        "purposes",
        "recipients",
        "transfers",
        "retention",
        "source",
        "automated_decisions",
        "rights",
        "complaint",
    ]
    .into_iter()
    .enumerate()
    {
        let said = match language {
            "de" => format!("Acme-Testtext Nummer {i}."),
            _ => format!("Acme test text for {field}."),
        };
        text.push_str(&format!("{field} = \"{said}\"\n"));
    }
    let path = dir.join(format!("subject-copy.{language}.toml"));
    std::fs::write(&path, text).unwrap();
    path
}

/// One test at a time on the shared 3-node cluster (`scripts/cluster`): every module's cluster
/// tests take it (they stop, restart and flush nodes, which would break each other's runs).
pub static CLUSTER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// `scripts/cluster`: `FORGETME_CLUSTER_SCRIPT` when set (the script of the checkout whose
/// cluster runs, e.g. when the tests run from another work tree), else this checkout's.
pub fn cluster_script_path() -> std::path::PathBuf {
    match std::env::var("FORGETME_CLUSTER_SCRIPT") {
        Ok(s) if !s.is_empty() => std::path::PathBuf::from(s),
        _ => std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/cluster"),
    }
}

/// Runs `scripts/cluster ARGS` (see [`cluster_script_path`]) and panics when it fails;
/// returns its stdout.
pub fn cluster_script(args: &[&str]) -> String {
    let started = std::time::Instant::now();
    let out = std::process::Command::new(cluster_script_path())
        .args(args)
        .output()
        .expect("scripts/cluster runs");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    // Shown with a failure (or --nocapture): where a slow cluster test spent its time.
    eprintln!(
        "scripts/cluster {} took {:.1} s",
        args.join(" "),
        started.elapsed().as_secs_f64()
    );
    assert!(
        out.status.success(),
        "scripts/cluster {args:?} failed:\n{text}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    text
}
