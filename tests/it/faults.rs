//! Faults: a GWS that errs, hangs, drops connections and forgets sessions; a Cassandra node
//! that goes away in the middle of a scan; a cleanup killed halfway. Every test ends with the
//! same check: the settings left are exactly the expected ones — nothing of the subject left
//! behind, nothing of anyone else lost.
//!
//! Faults are injected deterministically (the emulator's `faults()` rules, a seeded random
//! share, and a TCP proxy in front of the shared Cassandra node that the test cuts and
//! restores), so these tests are not flaky. The shared node itself is never stopped: other
//! tests run against it at the same time.

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::*;
use gws_emulator::{Fault, FaultRule, RandomFaults, RequestFilter};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);

/// The search arguments for subject 0 (both identifiers).
fn subject_args() -> Vec<&'static str> {
    vec![
        "--search",
        "john.smith@pizza.com",
        "--search",
        "+1 555 010 0001",
        "--default-region",
        "US",
    ]
}

fn verify_log(path: &std::path::Path) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_gdpr_forget_me"))
        .arg("--verify-audit-log")
        .arg(path)
        .output()
        .expect("binary runs")
}

fn events(log: &str, kind: &str) -> Vec<Value> {
    log.lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("log line is JSON"))
        .filter(|e| e["kind"] == kind)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_gws_faults_are_retried_and_the_cleanup_still_succeeds() {
    let s = seeded("fault_retry").await;
    let dir = tempfile::tempdir().unwrap();
    let before = dump(&s.keyspace).await;
    let places = agent_places(&s);
    let want = expected_after(&before, &places);
    let n = touched(&places).len();
    s.emulator.clear_recorded_requests();

    let faults = s.emulator.faults();
    // The first DELETE: two HTTP 500 / statusCode 4, then it goes through.
    faults.add(
        FaultRule::new(Fault::InternalError)
            .method("DELETE")
            .times(2),
    );
    // The second DELETE: a load balancer's 503 without a GWS body, then the connection drops
    // before GWS sees it.
    faults.add(
        FaultRule::new(Fault::Unavailable)
            .method("DELETE")
            .after(1)
            .times(1),
    );
    faults.add(
        FaultRule::new(Fault::DropBefore)
            .method("DELETE")
            .after(1)
            .times(1),
    );
    // The third DELETE: all sessions end first, so its CSRF token is stale.
    faults.add(
        FaultRule::new(Fault::InvalidateSessions)
            .method("DELETE")
            .after(2)
            .times(1),
    );
    // A re-read hangs beyond the client's time-out (1 s here), once.
    faults.add(
        FaultRule::new(Fault::Delay(Duration::from_secs(3)))
            .method("GET")
            .path_contains("/settings/interaction-workspace-personal-favorites")
            .times(1),
    );
    // The PUT of the recents list: the change is made, but the answer is lost.
    faults.add(FaultRule::new(Fault::DropAfter).method("PUT").times(1));

    let mut extra = subject_args();
    extra.extend(["--gws-timeout", "1", "--format", "json"]);
    let args = cleanup_args(&s, dir.path(), &extra);
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let cleanup = &run.json()["cleanup"];
    assert_eq!(cleanup["failed"], 0, "{cleanup}");
    assert_eq!(cleanup["verified"], Value::Bool(true), "{cleanup}");
    assert_eq!(
        (cleanup["erased"].as_u64().unwrap() + cleanup["already_gone"].as_u64().unwrap()) as usize,
        n,
        "{cleanup}"
    );

    let injected: BTreeSet<&str> = faults.injected().iter().map(|f| f.fault.name()).collect();
    for kind in [
        "internal_error",
        "unavailable",
        "drop_before",
        "invalidate_sessions",
        "delay",
        "drop_after",
    ] {
        assert!(injected.contains(kind), "{kind} was never injected");
    }
    // The stale CSRF token was refused once and the client handshook again.
    assert!(s
        .emulator
        .recorded_requests()
        .iter()
        .any(|r| r.method == "DELETE" && r.status == 403));
    // Never a DELETE without a body, retries included.
    assert!(s
        .emulator
        .recorded_requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .all(|r| r.has_body));
    assert_exactly(&s.keyspace, &want).await;
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_setting_that_keeps_failing_is_counted_the_others_are_erased_and_a_rerun_finishes() {
    let s = seeded("fault_partial").await;
    let dir = tempfile::tempdir().unwrap();
    let before = dump(&s.keyspace).await;
    let places = agent_places(&s);
    let want = expected_after(&before, &places);
    let all = touched(&places);
    // One agent's changes always fail.
    let victim = all.iter().next().unwrap().0.clone();
    let victims: BTreeSet<&Key> = all.iter().filter(|k| k.0 == victim).collect();
    assert!(
        victims.len() < all.len(),
        "the test needs another agent too"
    );
    s.emulator.clear_recorded_requests();
    s.emulator.faults().add(
        FaultRule::new(Fault::InternalError)
            .method("DELETE")
            .path_contains(&victim),
    );
    s.emulator.faults().add(
        FaultRule::new(Fault::InternalError)
            .method("PUT")
            .path_contains(&victim),
    );

    let mut extra = subject_args();
    extra.extend(["--format", "json"]);
    let args = cleanup_args(&s, dir.path(), &extra);
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let cleanup = &report["cleanup"];
    assert_eq!(
        cleanup["failed"].as_u64().unwrap() as usize,
        victims.len(),
        "{cleanup}"
    );
    assert_eq!(
        cleanup["erased"].as_u64().unwrap() as usize,
        all.len() - victims.len(),
        "{cleanup}"
    );
    assert_eq!(cleanup["verified"], Value::Bool(false));
    for setting in cleanup["settings"].as_array().unwrap() {
        let failed = setting["outcome"] == "failed";
        assert_eq!(failed, setting["user_id"] == victim.as_str(), "{setting}");
        if failed {
            let error = setting["error"].as_str().unwrap();
            assert!(error.contains("statusCode 4"), "{error}");
        }
    }
    // Each failing change was tried 4 times, and never reached GWS's handlers.
    let tries = s
        .emulator
        .recorded_requests()
        .iter()
        .filter(|r| r.path.contains(&victim) && r.method != "GET")
        .count();
    assert_eq!(tries, 0, "a failed request must not reach GWS's handlers");
    assert_eq!(
        s.emulator
            .faults()
            .injected()
            .iter()
            .filter(|f| f.path.contains(&victim))
            .count(),
        victims.len() * 4
    );
    // The victim's settings are untouched, the others' erased.
    let now = dump(&s.keyspace).await;
    for k in &victims {
        assert_eq!(now.get(*k), before.get(*k), "{k:?}");
    }
    for k in all.iter().filter(|k| k.0 != victim) {
        assert_eq!(
            now.get(k)
                .map(|v| serde_json::from_str::<Value>(v).unwrap()),
            want.get(k).cloned(),
            "{k:?}"
        );
    }

    // GWS recovers; a second run finishes the job.
    s.emulator.faults().clear();
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let cleanup = &run.json()["cleanup"];
    assert_eq!(cleanup["erased"].as_u64().unwrap() as usize, victims.len());
    assert_exactly(&s.keyspace, &want).await;
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_seeded_share_of_failing_requests_never_loses_or_leaves_anything() {
    let s = seeded("fault_random").await;
    let dir = tempfile::tempdir().unwrap();
    let before = dump(&s.keyspace).await;
    let places = agent_places(&s);
    let want = expected_after(&before, &places);
    s.emulator.faults().set_random(RandomFaults {
        seed: 20_240_229,
        rate: 0.3,
        faults: vec![Fault::InternalError, Fault::Unavailable, Fault::DropBefore],
        filter: RequestFilter::default(),
    });
    let mut extra = subject_args();
    extra.extend(["--format", "json"]);
    let args = cleanup_args(&s, dir.path(), &extra);
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert!(
        !s.emulator.faults().injected().is_empty(),
        "no fault was injected"
    );
    // With 4 attempts per request almost everything gets through; whatever did not is
    // counted and the exit status says so.
    match run.code {
        0 => assert_eq!(run.json()["cleanup"]["failed"], 0),
        1 => assert!(run.json()["cleanup"]["failed"].as_u64().unwrap() > 0),
        2 => assert!(run.stderr.contains("GWS"), "{}", run.stderr),
        c => panic!("exit {c}: {}", run.stderr),
    }
    s.emulator.faults().clear();
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_exactly(&s.keyspace, &want).await;
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cleanup_killed_halfway_is_finished_by_a_second_run() {
    let s = seeded("fault_kill").await;
    let dir = tempfile::tempdir().unwrap();
    let before = dump(&s.keyspace).await;
    let places = agent_places(&s);
    let want = expected_after(&before, &places);
    let all = touched(&places);
    s.emulator.clear_recorded_requests();
    // Every change takes a while, so the run can be killed after the first one, while it
    // waits for the answer to the second.
    for method in ["DELETE", "PUT"] {
        s.emulator
            .faults()
            .add(FaultRule::new(Fault::Delay(Duration::from_millis(1500))).method(method));
    }
    let mut extra = subject_args();
    extra.extend(["--format", "json"]);
    let args = cleanup_args(&s, dir.path(), &extra);
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_gdpr_forget_me"))
        .args(&args)
        .env(PASSWORD_ENV.0, PASSWORD_ENV.1)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let started = Instant::now();
    loop {
        let done = s
            .emulator
            .recorded_requests()
            .iter()
            .filter(|r| (r.method == "DELETE" || r.method == "PUT") && r.status == 200)
            .count();
        if done >= 1 && s.emulator.faults().injected().len() >= 2 {
            break;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it could be killed"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no erasure seen"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        s.emulator.faults().in_flight() >= 1,
        "the kill must land while a change is in flight"
    );
    child.kill().await.unwrap();
    // A change in flight at the kill lands (its delay runs out) or is dropped with the
    // connection: wait until the emulator holds no request any more before looking.
    s.emulator.faults().clear();
    let killed = Instant::now();
    while s.emulator.faults().in_flight() > 0 {
        assert!(
            killed.elapsed() < Duration::from_secs(30),
            "a request is still in flight 30 s after the kill"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let log_path = dir.path().join("audit.jsonl");
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        log.ends_with('\n'),
        "the kill landed between fsynced events"
    );
    let first_planned = events(&log, "planned").len();
    let first_results = events(&log, "result").len();
    assert!(first_results >= 1 && first_results < all.len(), "{log}");
    assert_eq!(
        first_planned,
        first_results + 1,
        "the change in flight is planned: {log}"
    );
    assert!(events(&log, "run_end").is_empty(), "the run was killed");
    let out = verify_log(&log_path);
    assert!(out.status.success(), "{:?}", out);

    // The second run finds only what is left and erases it; nothing is erased twice.
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let cleanup = &run.json()["cleanup"];
    assert_eq!(cleanup["failed"], 0);
    assert_eq!(cleanup["verified"], Value::Bool(true));
    assert!(
        (cleanup["erased"].as_u64().unwrap() as usize) < all.len(),
        "the second run redid the first run's work: {cleanup}"
    );
    assert_exactly(&s.keyspace, &want).await;
    // Each setting was changed once over both runs (a list rewritten once, never twice).
    let changes: Vec<(String, String)> = s
        .emulator
        .recorded_requests()
        .iter()
        .filter(|r| (r.method == "DELETE" || r.method == "PUT") && r.status == 200)
        .map(|r| (r.path.clone(), r.body.clone().unwrap_or_default()))
        .collect();
    let distinct: BTreeSet<&(String, String)> = changes.iter().collect();
    assert_eq!(distinct.len(), changes.len(), "a change was made twice");
    assert_eq!(changes.len(), all.len());

    // The audit log shows both runs and still verifies.
    let log = std::fs::read_to_string(&log_path).unwrap();
    let out = verify_log(&log_path);
    assert!(out.status.success(), "{:?}", out);
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("2 run(s)"),
        "{:?}",
        out
    );
    assert_eq!(events(&log, "run_start").len(), 2);
    assert_eq!(events(&log, "run_end").len(), 1);

    // Had the kill landed in the middle of writing an event, the log would end with a
    // partial line: verification names it, and the tool refuses to append to it (exit 2,
    // nothing changed) until the operator keeps it as evidence and starts a new log.
    let torn = dir.path().join("torn.jsonl");
    std::fs::write(&torn, &log.as_bytes()[..log.len() - 20]).unwrap();
    let out = verify_log(&torn);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("newline"),
        "{:?}",
        out
    );
    let mut torn_args = args.clone();
    let i = torn_args.iter().position(|a| a == "--audit-log").unwrap();
    torn_args[i + 1] = torn.to_str().unwrap().to_string();
    s.emulator.clear_recorded_requests();
    let run = forget_me_env(&torn_args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        s.emulator
            .recorded_requests()
            .iter()
            .all(|r| r.method == "GET"),
        "nothing may change with a torn log"
    );
    assert_exactly(&s.keyspace, &want).await;
    s.emulator.shutdown().await;
}

// ---------------------------------------------------------------------------------------------
// Cassandra going away mid-scan: a TCP proxy in front of the shared node, cut by the test.
// ---------------------------------------------------------------------------------------------

/// A TCP forwarder between the tool and the Cassandra node. Once the scan's SELECT has been
/// prepared (the client sent `token(`) and `cut_after` more bytes have come back from the node,
/// it closes every connection and refuses new ones, as a node that died would, until
/// [`Proxy::rearm`] or [`Proxy::restore`].
struct Proxy {
    addr: SocketAddr,
    shared: Arc<ProxyShared>,
    task: tokio::task::JoinHandle<()>,
}

struct ProxyShared {
    upstream: String,
    /// Connections are refused and closed.
    cut: AtomicBool,
    /// A cut happens once the scan has moved `cut_after` bytes.
    armed: AtomicBool,
    cuts: AtomicU64,
    scan_seen: AtomicBool,
    after_scan: AtomicU64,
    cut_after: u64,
    /// Bumped at each cut; connections opened before it close.
    signal: tokio::sync::watch::Sender<u64>,
}

impl ProxyShared {
    fn cut_now(&self) {
        if !self.cut.swap(true, Ordering::SeqCst) {
            let n = self.cuts.fetch_add(1, Ordering::SeqCst) + 1;
            let _ = self.signal.send(n);
        }
    }
}

impl Proxy {
    async fn start(upstream: String, cut_after: u64) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (signal, _) = tokio::sync::watch::channel(0u64);
        let shared = Arc::new(ProxyShared {
            upstream,
            cut: AtomicBool::new(false),
            armed: AtomicBool::new(true),
            cuts: AtomicU64::new(0),
            scan_seen: AtomicBool::new(false),
            after_scan: AtomicU64::new(0),
            cut_after,
            signal,
        });
        let accepting = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                if accepting.cut.load(Ordering::SeqCst) {
                    drop(client); // the node is "down": connection closed at once
                    continue;
                }
                let shared = accepting.clone();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(&shared.upstream).await else {
                        return;
                    };
                    let _ = client.set_nodelay(true);
                    let _ = server.set_nodelay(true);
                    let (cr, cw) = client.into_split();
                    let (sr, sw) = server.into_split();
                    let generation = *shared.signal.borrow();
                    let up = pump(cr, sw, shared.clone(), true, generation);
                    let down = pump(sr, cw, shared.clone(), false, generation);
                    tokio::join!(up, down);
                });
            }
        });
        Proxy { addr, shared, task }
    }

    /// The node is back, and will die again during the next scan.
    fn rearm(&self) {
        self.shared.scan_seen.store(false, Ordering::SeqCst);
        self.shared.after_scan.store(0, Ordering::SeqCst);
        self.shared.armed.store(true, Ordering::SeqCst);
        self.shared.cut.store(false, Ordering::SeqCst);
    }

    /// The node is back for good.
    fn restore(&self) {
        self.shared.armed.store(false, Ordering::SeqCst);
        self.shared.cut.store(false, Ordering::SeqCst);
    }

    fn cuts(&self) -> u64 {
        self.shared.cuts.load(Ordering::SeqCst)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
        let _ = self.shared.signal.send(u64::MAX);
    }
}

/// Copies one direction until EOF, an error, or a cut.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    shared: Arc<ProxyShared>,
    client_to_server: bool,
    generation: u64,
) {
    let mut cut_rx = shared.signal.subscribe();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = tokio::select! {
            r = from.read(&mut buf) => match r { Ok(0) | Err(_) => break, Ok(n) => n },
            _ = cut_rx.wait_for(|g| *g != generation) => break,
        };
        let chunk = &buf[..n];
        if shared.armed.load(Ordering::SeqCst) {
            if client_to_server {
                if chunk.windows(6).any(|w| w == b"token(") {
                    shared.scan_seen.store(true, Ordering::SeqCst);
                }
            } else if shared.scan_seen.load(Ordering::SeqCst) {
                let total = shared.after_scan.fetch_add(n as u64, Ordering::SeqCst) + n as u64;
                if total >= shared.cut_after {
                    // The node dies while this page is on its way: the client never gets it.
                    shared.cut_now();
                    break;
                }
            }
        }
        if to.write_all(chunk).await.is_err() {
            break;
        }
    }
    let _ = to.shutdown().await;
}

/// Adds `n` settings of made-up agents that mention no subject, so the scan spans many pages.
async fn add_filler(keyspace: &str, n: usize) {
    let session = testkit::cassandra_session(Some(keyspace)).await;
    let insert = session
        .prepare(
            "INSERT INTO settings (owner_id, group_name, setting_key, value) VALUES (?, ?, ?, ?)",
        )
        .await
        .unwrap();
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        let futures = chunk.iter().map(|i| {
            let owner = format!("{:032x}", 0xf111e5u64 * 1_000_003 + *i as u64);
            let key = format!("fav-filler-{i}");
            let value = format!(
                r#"{{"id":"{key}","displayName":"Filler {i}","phoneNumbers":["+1 555 019 {:04}"],"emailAddresses":["filler{i}@example.org"]}}"#,
                i % 10_000
            );
            let insert = &insert;
            let session = &session;
            async move {
                session
                    .execute_unpaged(
                        insert,
                        (
                            owner,
                            "interaction-workspace-personal-favorites",
                            key,
                            value,
                        ),
                    )
                    .await
                    .unwrap();
            }
        });
        futures::future::join_all(futures).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cassandra_gone_mid_scan_is_exit_1_with_unread_ranges_and_a_rerun_finds_everything() {
    let s = seeded("fault_cass").await;
    add_filler(&s.keyspace, 1500).await;
    let mut want = planted(&s.data, 0, "email");
    want.extend(planted(&s.data, 0, "phone"));

    let proxy = Proxy::start(testkit::cassandra_addr(), 100_000).await;
    let port = proxy.addr.port().to_string();
    let mut args = strings(&[
        "--cass_keyspace",
        &s.keyspace,
        "--cass_hostname",
        "127.0.0.1",
        "--cass_port",
        &port,
        "--page-size",
        "20",
        "--concurrency",
        "2",
        "--no-progress",
    ]);
    args.extend(strings(&subject_args()));

    for format in ["text", "json"] {
        let mut a = args.clone();
        a.extend(strings(&["--format", format]));
        let before_cuts = proxy.cuts();
        let run = forget_me(&a).await;
        assert_eq!(proxy.cuts(), before_cuts + 1, "the proxy never cut");
        assert_eq!(run.code, 1, "{format}: {}\n{}", run.stdout, run.stderr);
        assert!(
            !run.stdout.contains("No setting holds"),
            "an interrupted scan must never say nothing was found: {}",
            run.stdout
        );
        if format == "json" {
            let report = run.json();
            assert_eq!(report["complete"], Value::Bool(false));
            let unread = report["unread_ranges"].as_array().unwrap();
            assert!(!unread.is_empty(), "{report}");
            for r in unread {
                assert!(r["start"].is_string() && r["end"].is_string(), "{r}");
                assert!(r["attempts"].as_u64().unwrap() >= 1, "{r}");
            }
            assert!(
                unread.len() < report["scanned"]["ranges"].as_u64().unwrap() as usize,
                "some ranges were read before the node went away: {report}"
            );
        } else {
            assert!(run.stdout.contains("INCOMPLETE"), "{}", run.stdout);
            assert!(run.stdout.contains("could not be read"), "{}", run.stdout);
        }
        // The node "restarts", and dies again during the next scan.
        proxy.rearm();
    }

    // The node is back: the same search completes and finds every planted place.
    proxy.restore();
    let mut a = args.clone();
    a.extend(strings(&["--format", "json"]));
    let run = forget_me(&a).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    assert_eq!(report["complete"], Value::Bool(true));
    assert_eq!(report["unread_ranges"].as_array().unwrap().len(), 0);
    assert_eq!(found(&report), want);
    assert!(report["scanned"]["rows"].as_u64().unwrap() >= 1500);
    drop(proxy);
    s.emulator.shutdown().await;
}

/// A row callback that panics ends only the task reading that split: the scan reports that
/// split's own token range unread (not the whole ring, and not "read"), every other split is
/// read, and a scan without the panic is complete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicked_split_reports_its_own_range_unread() {
    use forgetme_scanner::scan::{scan_table, ScanOptions, ScanProgress, ScanTarget};
    use std::collections::HashMap;

    let keyspace = testkit::unique_keyspace("fault_panic");

    let _dropped_at_end = testkit::KeyspaceGuard::new(&keyspace);
    let admin = testkit::cassandra_session(None).await;
    testkit::create_keyspace(
        &admin,
        &keyspace,
        &["CREATE TABLE {ks}.rows (k text PRIMARY KEY, v text)"],
    )
    .await;
    let session = Arc::new(testkit::cassandra_session(None).await);
    for i in 0..300 {
        session
            .query_unpaged(
                format!("INSERT INTO {keyspace}.rows (k, v) VALUES (?, 'x')"),
                (format!("row-{i}"),),
            )
            .await
            .unwrap();
    }
    session.refresh_metadata().await.unwrap();
    let tokens: HashMap<String, i64> = session
        .query_unpaged(format!("SELECT k, token(k) FROM {keyspace}.rows"), &[])
        .await
        .unwrap()
        .into_rows_result()
        .unwrap()
        .rows::<(String, i64)>()
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(tokens.len(), 300);

    let target = ScanTarget::from_schema(&session, &keyspace, "rows", vec!["k".into()]).unwrap();
    let opts = ScanOptions {
        concurrency: 2,
        ..ScanOptions::default()
    };
    let scan = |poison: Option<&'static str>| {
        let seen = Arc::new(std::sync::Mutex::new(BTreeSet::<String>::new()));
        let handler_seen = seen.clone();
        let handler: forgetme_scanner::scan::RowHandler = Arc::new(move |row| {
            let k = String::from_utf8(row.column(0).unwrap().to_vec()).unwrap();
            if Some(k.as_str()) == poison {
                panic!("row callback fails on one row");
            }
            handler_seen.lock().unwrap().insert(k);
        });
        let (session, target, opts) = (session.clone(), target.clone(), opts.clone());
        async move {
            let result = scan_table(
                session,
                &target,
                &opts,
                Arc::new(ScanProgress::default()),
                handler,
            )
            .await
            .unwrap();
            let seen = seen.lock().unwrap().clone();
            (result, seen)
        }
    };

    let (clean, seen) = scan(None).await;
    assert!(clean.complete(), "{:?}", clean.failed);
    assert_eq!(seen.len(), 300);
    assert!(clean.splits > 1, "one split only: nothing to tell apart");

    let (result, seen) = scan(Some("row-17")).await;
    assert_eq!(result.failed.len(), 1, "{:?}", result.failed);
    let failed = &result.failed[0];
    assert_ne!(failed.range, forgetme_scanner::ring::TokenRange::FULL);
    assert!(
        failed.range.contains(tokens["row-17"]),
        "{failed:?} does not hold the row that panicked"
    );
    assert!(failed.error.contains("panicked"), "{}", failed.error);
    // Every row outside the failed range was handed over.
    for (k, t) in &tokens {
        if !failed.range.contains(*t) {
            assert!(
                seen.contains(k),
                "{k} outside the failed range was not read"
            );
        }
    }
    assert!(!seen.contains("row-17"));
}

/// A GWS that stalls every user lookup: the names are asked for 8 at a time under one budget
/// (`--gws-names-budget`), not one agent after another at 4 attempts × `--gws-timeout` each.
/// Past the budget the report shows user ids, and says so once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalling_user_name_lookups_end_within_one_budget_not_one_timeout_per_agent() {
    let s = seeded("faults_names").await;
    // Every GET /api/v2/users/{id} answers after 5 s, well past the 1 s time-out.
    s.emulator.faults().add(
        FaultRule::new(Fault::Delay(Duration::from_secs(5)))
            .method("GET")
            .path_contains("/api/v2/users/"),
    );
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&subject_args()));
    args.extend(strings(&[
        "--gws",
        &s.emulator.base_url(),
        "--gws_username",
        testkit::ADMIN_USER,
        "--gws-timeout",
        "1",
        "--gws-names-budget",
        "2",
        "--no-progress",
        "--format",
        "json",
    ]));
    let started = Instant::now();
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    let elapsed = started.elapsed();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let report = run.json();
    let matches = report["matches"].as_array().unwrap();
    let agents: BTreeSet<&str> = matches
        .iter()
        .filter_map(|m| m["user_id"].as_str())
        .collect();
    assert!(
        agents.len() >= 3,
        "the test needs several agents: {agents:?}"
    );
    // Every agent is shown by id, none by a name.
    assert!(matches.iter().all(|m| m["user_name"].is_null()));
    // Said once, with the budget.
    assert_eq!(
        run.stderr.matches("--gws-names-budget").count(),
        1,
        "{}",
        run.stderr
    );
    // Counting: one at a time, each agent would take its 4 attempts (4 lookups stalled per
    // agent); in parallel under a 2 s budget of 1 s attempts, at most 2 each were started.
    let stalled = s
        .emulator
        .faults()
        .injected()
        .iter()
        .filter(|f| f.path.contains("/api/v2/users/"))
        .count();
    assert!(
        stalled <= 2 * agents.len(),
        "{stalled} lookups for {} agents",
        agents.len()
    );
    // And generously: well before the sum of the per-agent time-outs (4 × 1 s per agent,
    // with back-off more).
    assert!(
        elapsed < Duration::from_secs(4 * agents.len() as u64),
        "{elapsed:?} for {} agents",
        agents.len()
    );
    s.emulator.faults().clear();
    s.emulator.shutdown().await;
}
