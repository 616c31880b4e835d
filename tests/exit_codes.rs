//! What a script sees: a distinct exit code for each way a run stops, and with
//! `--format json` always one JSON document on stdout, an error included.

mod common;

use common::*;
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
