//! Bad input: exit 2, a message that says how to fix it, and nothing read. These runs point at
//! a port where nothing listens, so any attempt to connect would show up as exit 1.

mod common;

use common::*;

fn dead_port_args() -> Vec<String> {
    strings(&["--cass_hostname", "127.0.0.1", "--cass_port", "1"])
}

async fn refused(extra: &[&str], hint: &str) {
    let mut args = dead_port_args();
    args.extend(strings(extra));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 2, "{extra:?} gave {}: {}", run.code, run.stderr);
    assert!(run.stdout.is_empty(), "{extra:?}: {}", run.stdout);
    assert!(
        run.stderr.contains(hint),
        "{extra:?}: hint {hint:?} missing in {}",
        run.stderr
    );
}

#[tokio::test]
async fn each_bad_input_is_refused_with_a_hint() {
    refused(&[], "--search").await;
    refused(&["--search", ""], "empty").await;
    refused(&["--search", "ab"], "too short").await;
    refused(&["--search", "hello world"], "--match text").await;
    refused(&["--search", "020 7946 0958"], "--default-region").await;
    refused(&["--search", "+44 20 7946 09"], "phone").await;
    refused(
        &["--search", "a@b.com", "--default-region", "XX"],
        "--default-region",
    )
    .await;
    refused(
        &[
            "--search",
            "a@b.com",
            "--cass_keyspace",
            "sipfs'; DROP KEYSPACE x",
        ],
        "keyspace",
    )
    .await;
    refused(
        &["--search", "a@b.com", "--group_name", "a/b"],
        "--group_name",
    )
    .await;
    refused(&["--search", "a@b.com", "--gws", "ftp://x"], "http").await;
    refused(
        &[
            "--search",
            "a@b.com",
            "--gws",
            "http://x",
            "--gws_additional_headers",
            "{",
        ],
        "JSON",
    )
    .await;
    refused(
        &[
            "--search",
            "a@b.com",
            "--gws",
            "http://x",
            "--gws_additional_headers",
            "[]",
        ],
        "object",
    )
    .await;
    refused(
        &[
            "--search",
            "a@b.com",
            "--gws",
            "http://x",
            "--gws_additional_headers",
            r#"{"a": 1}"#,
        ],
        "string",
    )
    .await;
    refused(
        &[
            "--search",
            "a@b.com",
            "--gws",
            "http://x",
            "--gws_additional_headers",
            "{\"a\\nb\": \"v\"}",
        ],
        "header name",
    )
    .await;
    refused(&["--search", "a@b.com", "--cleanup", "true"], "--gws").await;
    refused(
        &["--search", "a@b.com", "--cleanup", "maybe"],
        "true or false",
    )
    .await;
    refused(
        &[
            "--search",
            "a@b.com",
            "--layout",
            "/nonexistent/layout.toml",
        ],
        "layout",
    )
    .await;
    refused(&["--search-file", "/nonexistent/list.txt"], "--search-file").await;
}

#[tokio::test]
async fn errors_never_repeat_the_identifier() {
    let mut args = dead_port_args();
    args.extend(strings(&["--search", "john.smith@@pizza.com"]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 2);
    assert!(!run.stderr.contains("john.smith"), "{}", run.stderr);
}
