//! The request ledger end to end: runs given `--case` record their search, erasure (partial
//! when a setting fails), verification and re-check in the ledger; `requests list` and
//! `requests show` show it; the ledger never holds a raw identifier; a ledger it cannot use
//! stops a run before anything is read. A request's type and state: `requests close`, the
//! refusals around it, runs refused for a closed request; `requests recheck-due` against the
//! real node.

use crate::common::*;
use gws_emulator::{Fault, FaultRule};
use serde_json::Value;

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);
const CASE: &str = "DSR-2026-0042";

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

/// `gdpr_forget_me requests ARGS --audit-log DIR/audit.jsonl` (the ledger beside it).
async fn requests(dir: &std::path::Path, args: &[&str]) -> Run {
    let mut all = strings(&["requests"]);
    all.extend(strings(args));
    all.extend(strings(&[
        "--audit-log",
        dir.join("audit.jsonl").to_str().unwrap(),
    ]));
    forget_me(&all).await
}

async fn show(dir: &std::path::Path) -> Value {
    let run = requests(dir, &["show", CASE, "--format", "json"]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run.json()
}

fn steps(doc: &Value) -> Vec<(String, String)> {
    doc["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["status"].as_str().unwrap().to_string(),
                e["outcome"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_case_is_searched_erased_in_part_then_finished_and_re_checked_in_the_ledger() {
    let s = seeded("ledger_e2e").await;
    let dir = tempfile::tempdir().unwrap();
    let ledger_file = dir.path().join("gdpr_forget_me.requests.sqlite");

    // 1. A search for the case: the request is created (received today) and searched.
    let mut search = cass_args(&s.keyspace);
    search.extend(strings(&subject_args()));
    search.extend(strings(&[
        "--case",
        CASE,
        "--no-progress",
        "--format",
        "json",
        "--audit-log",
        dir.path().join("audit.jsonl").to_str().unwrap(),
        "--audit-key",
        dir.path().join("audit.key").to_str().unwrap(),
    ]));
    let run = forget_me(&search).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        ledger_file.is_file(),
        "the ledger lives beside the audit log"
    );
    assert!(
        run.stderr.contains("was not in the request ledger"),
        "{}",
        run.stderr
    );
    let doc = show(dir.path()).await;
    assert_eq!(steps(&doc), [("searched".into(), "ok".into())]);
    assert_eq!(doc["created_by"], "run");
    // A plain search does not say what the person asked for.
    assert_eq!(doc["type"], "unspecified");
    assert_eq!(doc["state"], "in-progress");
    assert_eq!(doc["subjects"], 2);
    assert_eq!(doc["overdue"], false);
    assert!(doc["deadline"].as_str().unwrap() > doc["received"].as_str().unwrap());

    // 2. The erasure, with one agent's changes failing at GWS: partial.
    let places = agent_places(&s);
    let all = touched(&places);
    let victim = all.iter().next().unwrap().0.clone();
    let victims = all.iter().filter(|k| k.0 == victim).count();
    assert!(victims < all.len(), "the test needs another agent too");
    for method in ["DELETE", "PUT"] {
        s.emulator.faults().add(
            FaultRule::new(Fault::InternalError)
                .method(method)
                .path_contains(&victim),
        );
    }
    let mut extra = subject_args();
    extra.extend(["--case", CASE, "--format", "json"]);
    let cleanup = cleanup_args(&s, dir.path(), &extra);
    let run = forget_me_env(&cleanup, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(
        run.json()["cleanup"]["failed"].as_u64().unwrap() as usize,
        victims
    );
    let doc = show(dir.path()).await;
    assert_eq!(
        steps(&doc)[1..],
        [
            ("searched".to_string(), "ok".to_string()),
            ("erased".into(), "partial".into()),
            ("verified".into(), "partial".into()),
        ]
    );
    assert_eq!(doc["status"], "verified");
    assert_eq!(doc["outcome"], "partial");
    assert_eq!(doc["answered"], false);
    // The erasure run gave the request its type; it is not answered yet.
    assert_eq!(doc["type"], "erasure");
    assert_eq!(doc["state"], "in-progress");
    assert_eq!(doc["answered_on"], Value::Null);
    let erased = &doc["history"][2];
    let detail = erased["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("{victims} failed")),
        "the failed settings must show: {detail}"
    );
    let first_receipt = erased["receipt"].as_str().unwrap().to_string();
    assert!(
        std::path::Path::new(&first_receipt).is_file(),
        "{first_receipt}"
    );
    assert!(erased["run_id"].as_str().is_some(), "{erased}");
    let listed = requests(dir.path(), &["list"]).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let line = listed.stdout.lines().find(|l| l.starts_with(CASE)).unwrap();
    assert!(line.contains("verified PARTIAL"), "{}", listed.stdout);

    // 3. GWS recovers; the next run finishes it: erased and verified, with a purge date and a
    //    re-check due after it.
    //    The corporate favorite holding the subject is the contact center's, never erased by
    //    the tool: until the GWS administrator removes it, the request is not answered (the
    //    receipt names it under left_stored). The administrator removes it here.
    s.emulator.faults().clear();
    let session = testkit::cassandra_session(None).await;
    let corporate: Vec<_> = dump(&s.keyspace)
        .await
        .into_iter()
        .filter(|((owner, _, _), value)| {
            owner == "contact-center" && value.contains("john.smith@pizza.com")
        })
        .map(|(k, _)| k)
        .collect();
    assert_eq!(corporate.len(), 1, "the seeded corporate favorite");
    for (owner, group, key) in &corporate {
        session
            .query_unpaged(
                format!(
                    "DELETE FROM {}.settings WHERE owner_id = ? AND group_name = ? AND setting_key = ?",
                    s.keyspace
                ),
                (owner, group, key),
            )
            .await
            .unwrap();
    }
    let run = forget_me_env(&cleanup, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc = show(dir.path()).await;
    assert_eq!(
        steps(&doc)[4..],
        [
            ("searched".to_string(), "ok".to_string()),
            ("erased".into(), "ok".into()),
            ("verified".into(), "ok".into()),
        ]
    );
    assert_eq!(doc["answered"], true);
    assert_eq!(doc["state"], "answered");
    assert_eq!(doc["answered_on"].as_str().map(str::len), Some(10));
    // Answered, but its re-check is still to come: closing it as done is refused.
    let run = requests(
        dir.path(),
        &["close", CASE, "--reason", "erased, person told"],
    )
    .await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("recheck-due"), "{}", run.stderr);
    let purge = doc["purge_after"]
        .as_str()
        .expect("a purge date")
        .to_string();
    let due = doc["next_recheck_due"].as_str().expect("a re-check due");
    assert!(due > &purge[..10], "{due} after {purge}");
    let second_receipt = doc["history"][5]["receipt"].as_str().unwrap().to_string();
    assert_ne!(first_receipt, second_receipt);
    let receipt: Value = serde_json::from_slice(&std::fs::read(&second_receipt).unwrap()).unwrap();
    let refs: Vec<&str> = doc["subject_refs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["subject_ref"].as_str().unwrap())
        .collect();
    let mut receipt_refs: Vec<&str> = receipt["subjects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    let mut ledger_refs = refs.clone();
    receipt_refs.sort();
    ledger_refs.sort();
    assert_eq!(
        ledger_refs, receipt_refs,
        "the ledger's refs are the receipt's"
    );

    // 4. A re-check of the receipt (its case comes from the receipt) is recorded too.
    let mut recheck = cass_args(&s.keyspace);
    recheck.extend(strings(&subject_args()));
    recheck.extend(strings(&[
        "--recheck-receipt",
        &second_receipt,
        "--audit-log",
        dir.path().join("audit.jsonl").to_str().unwrap(),
        "--audit-key",
        dir.path().join("audit.key").to_str().unwrap(),
    ]));
    let run = forget_me(&recheck).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc = show(dir.path()).await;
    assert_eq!(
        steps(&doc).last().unwrap(),
        &("re-checked".to_string(), "ok".to_string())
    );
    let text = requests(dir.path(), &["show", CASE]).await;
    assert!(text.stdout.contains("re-checked"), "{}", text.stdout);
    assert!(text.stdout.contains("erased PARTIAL"), "{}", text.stdout);

    // 5. No raw identifier anywhere in the file, in any spelling the runs were given or
    //    the data holds.
    let bytes = std::fs::read(&ledger_file).unwrap();
    let lower = String::from_utf8_lossy(&bytes).to_lowercase();
    for needle in [
        "john.smith",
        "pizza.com",
        "+15550100001",
        "5550100001",
        "555 010 0001",
        "010-0001",
    ] {
        assert!(!lower.contains(needle), "{needle} is in the ledger file");
    }
    s.emulator.shutdown().await;
}

#[tokio::test]
async fn a_run_with_a_case_refuses_an_unusable_ledger_before_anything_is_read() {
    // Nothing listens on this port: a run that got as far as connecting would exit 4.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    drop(l);
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let ledger_file = dir.path().join("gdpr_forget_me.requests.sqlite");
    let base = |extra: &[&str]| {
        let mut a = strings(&[
            "--cass_port",
            &port,
            "--search",
            "john.smith@pizza.com",
            "--case",
            CASE,
            "--audit-log",
            log.to_str().unwrap(),
            "--audit-key",
            dir.path().join("audit.key").to_str().unwrap(),
        ]);
        a.extend(strings(extra));
        a
    };

    // An export named after the subject would put the identifier into the ledger.
    let export = dir.path().join("john.smith@pizza.com.json");
    let run = forget_me(&base(&["--export", export.to_str().unwrap()])).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("name the file after the case"),
        "{}",
        run.stderr
    );
    assert!(!ledger_file.exists(), "nothing may be created");

    // A ledger written by a newer version.
    let run = requests(
        dir.path(),
        &["add", CASE, "--received", "2026-01-05", "--type", "erasure"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    rusqlite::Connection::open(&ledger_file)
        .unwrap()
        .execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (999, 'later')",
            [],
        )
        .unwrap();
    let before = std::fs::read(&ledger_file).unwrap();
    let run = forget_me(&base(&[])).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("newer version"), "{}", run.stderr);
    let run = requests(dir.path(), &["list"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("newer version"), "{}", run.stderr);
    assert_eq!(std::fs::read(&ledger_file).unwrap(), before);

    // Something that is not a ledger at all.
    std::fs::write(&ledger_file, vec![b'x'; 4096]).unwrap();
    let run = forget_me(&base(&[])).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("is not a request ledger"),
        "{}",
        run.stderr
    );

    // `requests` commands: bad input is exit 2 with how to fix it.
    for (args, hint) in [
        (
            &[
                "add",
                "DSR 1",
                "--received",
                "2026-01-05",
                "--type",
                "access",
            ][..],
            "ticket reference",
        ),
        (
            &["add", "DSR-1", "--received", "5.1.2026", "--type", "access"][..],
            "YYYY-MM-DD",
        ),
        (
            &["add", "DSR-1", "--received", "2026-01-05"][..],
            "rectification (Art. 16)",
        ),
        (
            &["extend", "DSR-1", "--months", "1", "--reason", "a@b.c"][..],
            "not a request ledger",
        ),
    ] {
        let run = requests(dir.path(), args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(hint), "{args:?}: {}", run.stderr);
    }
}

/// A re-check run in another folder without `--audit-log` records into the ledger beside
/// the receipt's audit log, and creates no ledger (nor anything else) in its working folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recheck_records_beside_the_receipts_audit_log_not_in_the_working_folder() {
    let s = seeded("ledger_recheck_place").await;
    let dir = tempfile::tempdir().unwrap();
    let mut args = cleanup_args(&s, dir.path(), &subject_args());
    args.extend(strings(&["--case", CASE]));
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let doc = show(dir.path()).await;
    let receipt = doc["history"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["receipt"].as_str())
        .expect("a receipt")
        .to_string();

    let elsewhere = tempfile::tempdir().unwrap();
    let mut recheck = cass_args(&s.keyspace);
    recheck.extend(strings(&subject_args()));
    recheck.extend(strings(&[
        "--recheck-receipt",
        &receipt,
        "--audit-key",
        dir.path().join("audit.key").to_str().unwrap(),
    ]));
    let run = forget_me_in(Some(elsewhere.path()), &recheck, &[]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let left: Vec<_> = std::fs::read_dir(elsewhere.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "the working folder got {left:?}");
    let doc = show(dir.path()).await;
    assert_eq!(
        steps(&doc).last().unwrap(),
        &("re-checked".to_string(), "ok".to_string())
    );
    s.emulator.shutdown().await;
}

/// A run killed mid-change leaves `run_start`, `scan_complete` and `planned` in the audit log
/// and no `run_end`. The next run of the same case finds nothing left to erase (the killed run
/// had done it), and says so on stderr; its receipt and the ledger name the killed run and
/// what it planned.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_killed_mid_change_is_named_by_the_next_runs_stderr_receipt_and_ledger() {
    let s = seeded("ledger_killed").await;
    let dir = tempfile::tempdir().unwrap();
    let mut extra = subject_args();
    extra.extend(["--case", CASE]);
    let cleanup = cleanup_args(&s, dir.path(), &extra);
    let run = forget_me_env(&cleanup, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    // What a run killed between its plan and its results leaves in the log.
    let log_path = dir.path().join("audit.jsonl");
    let key = forgetme_audit::AuditKey::load_existing(&dir.path().join("audit.key")).unwrap();
    let killed = forgetme_audit::new_run_id();
    {
        let mut log = forgetme_audit::AuditLog::open(&log_path, &killed, &key).unwrap();
        log.append(
            "run_start",
            serde_json::json!({
                "tool": "gdpr_forget_me", "version": "0", "operator": "admin", "host": "h",
                "arguments": {"cass_keyspace": s.keyspace, "cass_hostname": "127.0.0.1",
                    "cass_port": 9042, "group_name": null, "layout": null, "deep": false,
                    "erase": "record", "gws": "http://127.0.0.1:1/", "default_region": "US",
                    "identifiers": 1},
                "subjects": [key.subject_ref("john.smith@pizza.com")],
                "case": CASE,
            }),
        )
        .unwrap();
        log.append(
            "scan_complete",
            serde_json::json!({"complete": true, "tables": [], "ranges": 1, "rows": 1,
                "unread_ranges": 0, "hits": 2, "settings": 2, "listed_settings": 2}),
        )
        .unwrap();
        for k in ["fav-1", "fav-2"] {
            log.append(
                "planned",
                serde_json::json!({"setting": {"table": "t.settings", "owner_id": "a",
                    "group": "g", "setting_key": k, "setting_key_ref": null, "subjects": []},
                    "json_paths": []}),
            )
            .unwrap();
        }
    }

    let receipt_path = dir.path().join("after-killed.json");
    let mut again = cleanup.clone();
    again.extend(strings(&["--receipt", receipt_path.to_str().unwrap()]));
    let run = forget_me_env(&again, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!("run {killed}")) && run.stderr.contains("never ended"),
        "{}",
        run.stderr
    );
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&receipt_path).unwrap()).unwrap();
    assert_eq!(r["locations"].as_array().unwrap().len(), 0, "{r}");
    let interrupted = r["interrupted_runs"]
        .as_array()
        .expect("named in the receipt");
    assert_eq!(interrupted.len(), 1, "{r}");
    assert_eq!(interrupted[0]["run_id"], killed.as_str(), "{r}");
    assert_eq!(interrupted[0]["planned"], 2, "{r}");
    assert_eq!(interrupted[0]["results"], 0, "{r}");
    let text = std::fs::read_to_string(receipt_path.with_extension("txt")).unwrap();
    assert!(text.contains("EARLIER RUN NEVER ENDED"), "{text}");

    let doc = show(dir.path()).await;
    let last_erased = doc["history"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|e| e["status"] == "erased")
        .unwrap();
    let detail = last_erased["detail"].as_str().unwrap();
    assert!(detail.contains(&killed), "{detail}");
    assert!(detail.contains("planned 2 change(s)"), "{detail}");
    s.emulator.shutdown().await;
}

/// `requests due`: what falls due in the next days, overdue first, with an exit status a cron
/// job can act on (0 nothing due, 1 something is).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_due_lists_what_falls_due_and_exits_1_for_cron() {
    let dir = tempfile::tempdir().unwrap();
    let today = String::from_utf8(
        std::process::Command::new("date")
            .args(["-u", "+%F"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string();
    let run = requests(
        dir.path(),
        &["add", "DSR-NEW", "--received", &today, "--type", "access"],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    // Received today: nothing due today, the end of its first month within 31 days.
    let run = requests(dir.path(), &["due", "--within", "0"]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Nothing is due"), "{}", run.stdout);
    let run = requests(dir.path(), &["due", "--within", "31"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stdout.contains("DSR-NEW") && run.stdout.contains("first month"),
        "{}",
        run.stdout
    );

    // A request received long ago and never answered is overdue, listed first.
    let run = requests(
        dir.path(),
        &[
            "add",
            "DSR-OLD",
            "--received",
            "2026-01-05",
            "--type",
            "erasure",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = requests(dir.path(), &["due", "--format", "json"]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    assert_eq!(doc["due"][0]["id"], "DSR-OLD", "{doc}");
    assert_eq!(doc["due"][0]["kind"], "deadline");
    assert_eq!(doc["due"][0]["type"], "erasure");
    assert_eq!(doc["due"][0]["state"], "received");
    assert!(doc["due"][0]["days_left"].as_i64().unwrap() < 0);
    assert_eq!(doc["overdue"], 1);
}

fn today_utc() -> String {
    String::from_utf8(
        std::process::Command::new("date")
            .args(["-u", "+%F"])
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap()
    .trim()
    .to_string()
}

/// Types, states and closing, through the real binary: what `close` refuses (exit 2, nothing
/// changed, saying what to do), `list --state/--type`, `show`, `due`; and a run or a batch for
/// a closed request refused before anything is read (nothing listens on the port: a run that
/// got as far as connecting would exit 4).
#[tokio::test]
async fn requests_are_typed_closed_once_and_a_closed_one_refuses_runs_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let ledger_file = dir.path().join("gdpr_forget_me.requests.sqlite");
    let add = |id: &'static str, kind: &'static str| {
        let dir = dir.path().to_path_buf();
        async move {
            let run = requests(
                &dir,
                &["add", id, "--received", "2026-01-05", "--type", kind],
            )
            .await;
            assert_eq!(run.code, 0, "{id}: {}", run.stderr);
            run
        }
    };
    let run = add("DSR-E", "erasure").await;
    assert!(
        run.stdout.contains("erasure request (Art. 17)"),
        "{}",
        run.stdout
    );
    add("DSR-R", "restriction").await;
    add("DSR-W", "access").await;

    // A recorded type is never changed.
    let run = requests(
        dir.path(),
        &[
            "add",
            "DSR-E",
            "--received",
            "2026-01-05",
            "--type",
            "access",
        ],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("recorded as an erasure request")
            && run.stderr.contains("--type erasure"),
        "{}",
        run.stderr
    );

    // Closing: refusals first, each exit 2 with what to do, the file unchanged.
    let before = std::fs::read(&ledger_file).unwrap();
    for (args, hint) in [
        (
            &["close", "DSR-E", "--reason", "erased"][..],
            "no verified erasure",
        ),
        (
            &[
                "close",
                "DSR-W",
                "--reason",
                "asked by ann.lee@customer.test",
                "--as",
                "withdrawn",
            ][..],
            "e-mail address or a phone number",
        ),
        (
            &[
                "close",
                "DSR-W",
                "--reason",
                "call back on +1 555 010 0001",
                "--as",
                "withdrawn",
            ][..],
            "e-mail address or a phone number",
        ),
        (
            &["close", "DSR-NONE", "--reason", "x", "--as", "rejected"][..],
            "not in the request ledger",
        ),
        (
            &["close", "DSR-W", "--reason", "x", "--as", "later"][..],
            "possible values",
        ),
    ] {
        let run = requests(dir.path(), args).await;
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(hint), "{args:?}: {}", run.stderr);
        assert!(
            !run.stderr.contains("ann.lee") && !run.stderr.contains("555 010"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(
        std::fs::read(&ledger_file).unwrap(),
        before,
        "nothing changed"
    );

    let run = requests(
        dir.path(),
        &[
            "close",
            "DSR-R",
            "--reason",
            "processing restricted in the CRM",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("closed as done"), "{}", run.stdout);
    let run = requests(
        dir.path(),
        &[
            "close",
            "DSR-W",
            "--reason",
            "withdrawn by letter",
            "--as",
            "withdrawn",
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let run = requests(
        dir.path(),
        &["close", "DSR-W", "--reason", "again", "--as", "rejected"],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("closed already"), "{}", run.stderr);

    // list, filtered; show; due.
    let run = requests(dir.path(), &["list", "--format", "json"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc = run.json();
    let of = |id: &str| {
        doc["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(
        (of("DSR-E")["type"].clone(), of("DSR-E")["state"].clone()),
        ("erasure".into(), "received".into())
    );
    assert_eq!(of("DSR-E")["overdue"], true);
    let r = of("DSR-R");
    assert_eq!(
        (r["state"].as_str(), r["answered_on"].as_str()),
        (Some("closed"), Some(today_utc().as_str()))
    );
    assert_eq!(r["closed"]["as"], "done");
    assert_eq!(r["closed"]["reason"], "processing restricted in the CRM");
    let w = of("DSR-W");
    assert_eq!(
        (
            w["state"].as_str(),
            w["overdue"].as_bool(),
            w["answered"].as_bool()
        ),
        (Some("withdrawn"), Some(false), Some(false))
    );
    let run = requests(
        dir.path(),
        &["list", "--state", "withdrawn", "--format", "json"],
    )
    .await;
    let ids: Vec<String> = run.json()["requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["DSR-W"]);
    let run = requests(dir.path(), &["list", "--type", "erasure"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("DSR-E") && !run.stdout.contains("DSR-R"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("TYPE") && run.stdout.contains("STATE"),
        "{}",
        run.stdout
    );
    let run = requests(dir.path(), &["list", "--state", "rejected"]).await;
    assert!(run.stdout.contains("No request"), "{}", run.stdout);
    let run = requests(dir.path(), &["show", "DSR-W"]).await;
    assert!(
        run.stdout
            .contains("type access (Art. 15)  state withdrawn"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("closed as withdrawn on") && run.stdout.contains("withdrawn by letter"),
        "{}",
        run.stdout
    );
    let run = requests(dir.path(), &["due", "--within", "400", "--format", "json"]).await;
    let due_ids: Vec<String> = run.json()["due"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(due_ids, ["DSR-E"], "closed requests have nothing due");

    // A run for the withdrawn request, and a batch holding it: refused before anything is read.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    drop(l);
    let before = std::fs::read(&ledger_file).unwrap();
    let common = |extra: &[&str]| {
        let mut a = strings(&[
            "--cass_port",
            &port,
            "--audit-log",
            dir.path().join("audit.jsonl").to_str().unwrap(),
            "--audit-key",
            dir.path().join("audit.key").to_str().unwrap(),
        ]);
        a.extend(strings(extra));
        a
    };
    let run = forget_me(&common(&[
        "--search",
        "john.smith@pizza.com",
        "--case",
        "DSR-W",
    ]))
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("closed as withdrawn") && run.stderr.contains("use a new request id"),
        "{}",
        run.stderr
    );
    let file = dir.path().join("week.jsonl");
    std::fs::write(
        &file,
        "{\"id\":\"DSR-NEW-1\",\"identifiers\":[\"emma.jones@pizza.co.uk\"],\"action\":\"export\"}\n{\"id\":\"DSR-W\",\"identifiers\":[\"john.smith@pizza.com\"],\"action\":\"export\"}\n",
    )
    .unwrap();
    let out = dir.path().join("answers");
    let run = forget_me(&common(&[
        "--requests",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("1 request(s) of the batch are closed"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("request DSR-W was closed"),
        "{}",
        run.stderr
    );
    assert!(!out.exists(), "nothing created");
    assert_eq!(
        std::fs::read(&ledger_file).unwrap(),
        before,
        "nothing recorded"
    );
    let bytes = String::from_utf8_lossy(&std::fs::read(&ledger_file).unwrap()).to_lowercase();
    for needle in ["john.smith", "ann.lee", "emma.jones", "555 010"] {
        assert!(!bytes.contains(needle), "{needle} is in the ledger");
    }
}

/// `requests recheck-due` against the real node: of two erased requests, only the one whose
/// re-check is due is re-checked (with the identifiers that are its subjects) and recorded;
/// without its identifiers it is bad input and nothing is read; once clean nothing is due;
/// data put back is found (exit 1) and recorded as a failed re-check, due again at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recheck_due_rechecks_only_what_is_due_and_records_it() {
    let s = seeded("ledger_recheck_due").await;
    let dir = tempfile::tempdir().unwrap();
    let before = dump(&s.keyspace).await;
    let john = [
        "--search",
        "john.smith@pizza.com",
        "--search",
        "+1 555 010 0001",
        "--default-region",
        "US",
    ];
    let emma = [
        "--search",
        "emma.jones@pizza.co.uk",
        "--search",
        "+44 20 7946 0123",
    ];
    for (case, who) in [("DSR-DUE", &john[..]), ("DSR-LATER", &emma[..])] {
        let mut extra = who.to_vec();
        extra.extend(["--case", case]);
        let run = forget_me_env(&cleanup_args(&s, dir.path(), &extra), &[PASSWORD_ENV]).await;
        assert!(run.code == 0, "{case}: {}\n{}", run.stdout, run.stderr);
    }
    let after = dump(&s.keyspace).await;
    let history_len = |doc: &Value| doc["history"].as_array().unwrap().len();
    let show_of = |id: &'static str| {
        let dir = dir.path().to_path_buf();
        async move {
            let run = requests(&dir, &["show", id, "--format", "json"]).await;
            assert_eq!(run.code, 0, "{}", run.stderr);
            run.json()
        }
    };
    let later_before = show_of("DSR-LATER").await;
    assert_eq!(later_before["type"], "erasure");
    // DSR-DUE's purge date is long past (as months after its erasure); DSR-LATER's is not.
    let ledger_file = dir.path().join("gdpr_forget_me.requests.sqlite");
    let sql = |statement: &str| {
        rusqlite::Connection::open(&ledger_file)
            .unwrap()
            .execute(statement, [])
            .unwrap()
    };
    assert!(sql("UPDATE events SET purge_after = '2020-01-01T00:00:00Z' WHERE request_id = 'DSR-DUE' AND purge_after IS NOT NULL") > 0);
    let run = requests(dir.path(), &["due", "--within", "0", "--format", "json"]).await;
    let rechecks: Vec<String> = run.json()["due"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "recheck")
        .map(|d| d["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(rechecks, ["DSR-DUE"]);

    let recheck_due = |extra: &[&str]| {
        let mut a = strings(&["recheck-due"]);
        a.extend(cass_args(&s.keyspace));
        a.extend(strings(&[
            "--audit-key",
            dir.path().join("audit.key").to_str().unwrap(),
        ]));
        a.extend(strings(extra));
        let dir = dir.path().to_path_buf();
        async move {
            let refs: Vec<&str> = a.iter().map(String::as_str).collect();
            requests(&dir, &refs).await
        }
    };
    // Without identifiers, or with another person's: bad input, nothing read or recorded.
    let due_before = history_len(&show_of("DSR-DUE").await);
    let run = recheck_due(&[]).await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("DSR-DUE") && run.stderr.contains("--search-file"),
        "{}",
        run.stderr
    );
    let run = recheck_due(&emma).await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("request DSR-DUE") && run.stderr.contains("not covered"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("emma.jones"), "{}", run.stderr);
    assert_eq!(history_len(&show_of("DSR-DUE").await), due_before);
    let run = recheck_due(&["--search", "john.smith@pizza.com", "--cleanup", "true"]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--cleanup is not one of them"),
        "{}",
        run.stderr
    );

    // With every identifier of both: only the due one is re-checked, clean, and recorded.
    let mut both = john.to_vec();
    both.extend(emma);
    let run = recheck_due(&both).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("DSR-"))
        .collect();
    assert_eq!(lines.len(), 1, "{}", run.stdout);
    assert!(
        lines[0].starts_with("DSR-DUE") && lines[0].contains("clean"),
        "{}",
        run.stdout
    );
    let due_doc = show_of("DSR-DUE").await;
    assert_eq!(history_len(&due_doc), due_before + 1);
    assert_eq!(
        steps(&due_doc).last().unwrap(),
        &("re-checked".to_string(), "ok".to_string())
    );
    assert_eq!(due_doc["next_recheck_due"], Value::Null, "{due_doc}");
    assert_eq!(
        show_of("DSR-LATER").await["history"],
        later_before["history"],
        "not due: not touched"
    );
    let run = recheck_due(&both).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("No receipt re-check is due"),
        "{}",
        run.stdout
    );

    // A setting the erasure changed comes back (a restored backup); the re-check is due
    // again (its last clean one made before the purge date): found, exit 1, recorded failed.
    let (key, value) = before
        .iter()
        .find(|(k, v)| {
            v.contains("john.smith@pizza.com")
                && k.0 != "contact-center"
                && after.get(*k) != Some(*v)
        })
        .expect("a setting the erasure changed");
    let session = testkit::cassandra_session(None).await;
    session
        .query_unpaged(
            format!("INSERT INTO {}.settings (owner_id, group_name, setting_key, value) VALUES (?, ?, ?, ?)", s.keyspace),
            (&key.0, &key.1, &key.2, value),
        )
        .await
        .unwrap();
    sql("UPDATE events SET at = '2020-01-01T12:00:00Z' WHERE request_id = 'DSR-DUE' AND status = 're-checked'");
    let mut json = john.to_vec();
    json.extend(["--format", "json"]);
    let run = recheck_due(&json).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let doc = run.json();
    assert_eq!(doc["rechecks"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(doc["rechecks"][0]["id"], "DSR-DUE");
    assert_eq!(doc["rechecks"][0]["clean"], false);
    assert!(doc["rechecks"][0]["back"].as_u64().unwrap() >= 1, "{doc}");
    assert_eq!(doc["not_clean"], 1);
    let due_doc = show_of("DSR-DUE").await;
    assert_eq!(
        steps(&due_doc).last().unwrap(),
        &("re-checked".to_string(), "failed".to_string())
    );
    assert_eq!(
        due_doc["next_recheck_due"].as_str(),
        Some(today_utc().as_str())
    );
    s.emulator.shutdown().await;
}
