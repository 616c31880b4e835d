//! What a script sees: a distinct exit code for each way a run stops, and with
//! `--format json` always one JSON document on stdout, an error included.

use crate::common::*;
use serde_json::Value;

/// A local port where nothing listens (bound, then released).
fn dead_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port().to_string()
}

fn json_error(run: &Run) -> Value {
    let doc = run.json();
    assert!(doc["error"].is_object(), "{doc}");
    assert_eq!(
        doc["error"]["exit_code"].as_i64(),
        Some(run.code as i64),
        "{doc}"
    );
    assert!(
        !doc["error"]["message"].as_str().unwrap_or("").is_empty(),
        "{doc}"
    );
    assert!(run.stderr.contains("error:"), "{}", run.stderr);
    doc["error"].clone()
}

#[tokio::test]
async fn cassandra_that_does_not_answer_is_exit_4_not_the_exit_1_of_an_incomplete_scan() {
    let port = dead_port();
    let base = strings(&[
        "--cass_hostname",
        "127.0.0.1",
        "--cass_port",
        &port,
        "--search",
        "someone@example.com",
    ]);
    let run = forget_me(&base).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("nothing answers"), "{}", run.stderr);

    let mut json = base.clone();
    json.extend(strings(&["--format", "json"]));
    let run = forget_me(&json).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert_eq!(json_error(&run)["kind"], "unreachable");
}

#[tokio::test]
async fn bad_input_with_json_output_still_prints_one_json_document() {
    let port = dead_port();
    // Refused by the tool's own checks.
    let run = forget_me(&strings(&[
        "--cass_port",
        &port,
        "--search",
        "ab",
        "--format",
        "json",
    ]))
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    let e = json_error(&run);
    assert_eq!(e["kind"], "bad_input");
    assert!(e["message"].as_str().unwrap().contains("too short"), "{e}");
    // The message never repeats what was searched for.
    assert!(!run.stdout.contains("\"ab\""), "{}", run.stdout);

    // Refused by the argument parser, in either spelling of the format flag.
    for format in [&["--format", "json"][..], &["--format=json"][..]] {
        let mut args = strings(&["--search", "a@b.com", "--no-such-flag"]);
        args.extend(strings(format));
        let run = forget_me(&args).await;
        assert_eq!(run.code, 2, "{}", run.stderr);
        let e = json_error(&run);
        assert_eq!(e["kind"], "bad_input");
        assert!(
            e["message"].as_str().unwrap().contains("--no-such-flag"),
            "{e}"
        );
    }

    // Text output keeps stdout empty on an error, as before.
    let run = forget_me(&strings(&["--search", "a@b.com", "--no-such-flag"])).await;
    assert_eq!(run.code, 2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
}

#[tokio::test]
async fn help_and_version_are_not_errors_even_with_json_asked_for() {
    let run = forget_me(&strings(&["--help", "--format", "json"])).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("Exit codes:"), "{}", run.stdout);
    assert!(run.stdout.contains("4  could not connect to Cassandra"));
    assert!(
        serde_json::from_str::<Value>(&run.stdout).is_err(),
        "help is text, not a JSON error: {}",
        run.stdout
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gws_url_where_nothing_answers_is_refused_even_without_an_account() {
    let s = seeded("gws_nowhere").await;
    let port = dead_port();
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--search",
        "john.smith@pizza.com",
        "--gws",
        &format!("http://127.0.0.1:{port}"),
        "--no-progress",
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("cannot reach GWS"), "{}", run.stderr);
    assert!(run.stderr.contains("Check --gws"), "{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "no report before the scan: {}",
        run.stdout
    );

    // The emulator's URL answers, so the same search runs, saying why names are missing.
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--search",
        "john.smith@pizza.com",
        "--gws",
        &s.emulator.base_url(),
        "--no-progress",
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("without --gws_username"),
        "{}",
        run.stderr
    );
}

/// Runs `gdpr_forget_me` with its stdout (and, when `close_stderr`, its stderr) a pipe whose
/// reading end is closed before the run writes anything, as `gdpr_forget_me ... | head -0`
/// (or `2>&1 | head -1`) leaves it.
async fn forget_me_into_closed_pipe(args: &[String], close_stderr: bool) -> (i32, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_gdpr_forget_me"));
    cmd.args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .env_remove("GDPR_FORGET_ME_AUDIT_LOG")
        .env_remove("GDPR_FORGET_ME_AUDIT_KEY")
        .env("GWS_PASSWORD", testkit::ADMIN_PASSWORD);
    let mut child = cmd.spawn().expect("binary runs");
    drop(child.stdout.take());
    let stderr = if close_stderr {
        drop(child.stderr.take());
        String::new()
    } else {
        use tokio::io::AsyncReadExt;
        let mut text = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut text)
            .await
            .unwrap();
        text
    };
    let status = child.wait().await.unwrap();
    (status.code().unwrap_or(-1), stderr)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stdout_never_panics_and_the_audit_log_receipt_and_ledger_are_finished() {
    let s = seeded("exit_closed_stdout").await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let subject = [
        "--search",
        "john.smith@pizza.com",
        "--search",
        "+1 555 010 0001",
        "--default-region",
        "US",
        "--case",
        "DSR-2026-0099",
    ];
    // 1. The erasure, JSON report, stdout and stderr both closed (`2>&1 | head -1`): every
    //    note on stderr and the report on stdout fail to be written.
    let mut extra = subject.to_vec();
    extra.extend(["--format", "json"]);
    let (code, _) = forget_me_into_closed_pipe(&cleanup_args(&s, dir.path(), &extra), true).await;
    assert_eq!(code, 0, "the run's own status, not a panic's 101");
    // 2. Again (nothing left to erase), text report, stdout closed: said on stderr.
    let mut extra = subject.to_vec();
    extra.extend(["--format", "text"]);
    let (code, stderr) =
        forget_me_into_closed_pipe(&cleanup_args(&s, dir.path(), &extra), false).await;
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(code, 0, "the run's own status: {stderr}");
    assert!(
        stderr.contains("stdout was closed"),
        "the lost report is said on stderr: {stderr}"
    );

    // Each run's audit segment ends with its run_end, and the chain holds.
    let log = std::fs::read_to_string(&audit).unwrap();
    let kinds: Vec<String> = log
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["kind"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(kinds.iter().filter(|k| *k == "run_start").count(), 2);
    assert_eq!(
        kinds.iter().filter(|k| *k == "run_end").count(),
        2,
        "{kinds:?}"
    );
    assert_eq!(kinds.last().map(String::as_str), Some("run_end"));
    let verify = forget_me(&strings(&[
        "--verify-audit-log",
        audit.to_str().unwrap(),
        "--audit-key",
        dir.path().join("audit.key").to_str().unwrap(),
    ]))
    .await;
    assert_eq!(verify.code, 0, "{}\n{}", verify.stdout, verify.stderr);
    // Both receipts were written beside the log.
    let receipts = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.contains("receipt") && name.ends_with(".json")
        })
        .count();
    assert_eq!(receipts, 2, "one receipt per run");
    // The ledger recorded both runs of the case.
    let show = forget_me(&strings(&[
        "requests",
        "show",
        "DSR-2026-0099",
        "--format",
        "json",
        "--audit-log",
        audit.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(show.code, 0, "{}\n{}", show.stdout, show.stderr);
    let steps: Vec<String> = show.json()["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        steps.iter().filter(|s| *s == "verified").count(),
        2,
        "{steps:?}"
    );

    s.emulator.shutdown().await;
}
