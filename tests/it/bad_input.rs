//! Bad input: exit 2, a message that says how to fix it, and nothing read. These runs point at
//! a port where nothing listens, so any attempt to connect would show up as exit 4.

use crate::common::*;

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

#[tokio::test]
async fn wrong_lengths_line_breaks_and_hostile_names_are_refused() {
    // A phone number with a digit too few or too many for its region.
    refused(&["--search", "+1 555 010 000"], "missing or extra digit").await;
    refused(&["--search", "+1 555 010 00011"], "missing or extra digit").await;
    refused(&["--search", "+44 20 7946 012345"], "GB numbers have").await;
    refused(
        &["--search", "555 010 00", "--default-region", "US"],
        "US numbers have 10",
    )
    .await;
    // Line breaks in extra header names or values (header injection).
    for headers in [
        "{\"X-A\\r\\nX-Evil\": \"v\"}",
        "{\"X-A\\rB\": \"v\"}",
        "{\"X-A\": \"v\\r\\nX-Evil: 1\"}",
        "{\"X-A\": \"v\\nX-Evil: 1\"}",
    ] {
        refused(
            &[
                "--search",
                "a@b.com",
                "--gws",
                "http://x",
                "--gws_additional_headers",
                headers,
            ],
            "--gws_additional_headers",
        )
        .await;
    }
    // --gws that is not an http(s) URL.
    for url in [
        "127.0.0.1:8090",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://",
    ] {
        refused(&["--search", "a@b.com", "--gws", url], "http://").await;
    }
    refused(
        &[
            "--search",
            "a@b.com",
            "--gws",
            "https://x",
            "--gws-insecure",
            "--gws-ca-file",
            "/dev/null",
        ],
        "contradict",
    )
    .await;

    // Layout files naming tables or columns with quotes or semicolons.
    let dir = tempfile::tempdir().unwrap();
    for (n, (table, column)) in [
        (r#"settings\"; DROP TABLE x; --"#, "value"),
        ("settings; DROP KEYSPACE sipfs", "value"),
        ("settings", r#"value\" FROM x; --"#),
        ("settings", "val'ue"),
    ]
    .iter()
    .enumerate()
    {
        let layout = dir.path().join(format!("layout{n}.toml"));
        std::fs::write(
            &layout,
            format!(
                "[[table]]\nname = \"{table}\"\nowner = \"owner_id\"\ngroup = \"group_name\"\nsetting_key = \"setting_key\"\nvalue = \"{column}\"\n"
            ),
        )
        .unwrap();
        refused(
            &["--search", "a@b.com", "--layout", layout.to_str().unwrap()],
            "letters, digits or underscores",
        )
        .await;
    }

    // A Cassandra CA file that is not PEM: refused before connecting.
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "this is not a certificate\n").unwrap();
    refused(
        &[
            "--search",
            "a@b.com",
            "--cass-ca-file",
            not_pem.to_str().unwrap(),
        ],
        "CA file",
    )
    .await;
    refused(
        &[
            "--search",
            "a@b.com",
            "--cass-ca-file",
            "/nonexistent/ca.pem",
        ],
        "--cass-ca-file",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_keyspace_and_unreachable_gws_are_refused_before_the_scan() {
    let mut args = cass_args("no_such_keyspace_here");
    args.extend(strings(&["--search", "a@b.com"]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--cass_keyspace"), "{}", run.stderr);
    assert!(run.stdout.is_empty());

    // A keyspace that exists, and a GWS that is gone: cleanup is refused before scanning.
    let keyspace = testkit::unique_keyspace("bad_gws");
    let _dropped_at_end = testkit::KeyspaceGuard::new(&keyspace);
    let emulator = testkit::start_emulator(&keyspace).await;
    let url = emulator.base_url();
    emulator.shutdown().await;
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let mut args = cass_args(&keyspace);
    args.extend(strings(&[
        "--search",
        "a@b.com",
        "--gws",
        &url,
        "--gws_username",
        testkit::ADMIN_USER,
        "--cleanup",
        "true",
        "--yes",
        "--gws-timeout",
        "2",
        "--audit-log",
        audit.to_str().unwrap(),
        "--audit-key",
        dir.path().join("audit.key").to_str().unwrap(),
    ]));
    let run = forget_me_env(&args, &[("GWS_PASSWORD", testkit::ADMIN_PASSWORD)]).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(&url), "{}", run.stderr);
    assert!(run.stderr.contains("cannot be used"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no report: {}", run.stdout);
    assert!(
        !audit.exists(),
        "nothing is recorded for a run that never started"
    );
}

#[tokio::test]
async fn a_password_in_the_gws_url_is_refused_and_never_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let mut args = dead_port_args();
    args.extend(strings(&[
        "--search",
        "a@b.com",
        "--gws",
        "http://admin:hunter2-secret@127.0.0.1:1",
        "--cleanup",
        "true",
        "--yes",
        "--audit-log",
        log.to_str().unwrap(),
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--gws-password-file"), "{}", run.stderr);
    assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
    assert!(!run.stdout.contains("hunter2"));
    assert!(!log.exists(), "nothing may be written");
}

#[tokio::test]
async fn a_secret_in_the_gws_urls_query_or_fragment_is_refused_and_never_repeated() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    for url in [
        "http://127.0.0.1:1/?apikey=Q-hunter2-secret",
        "http://127.0.0.1:1?apikey=Q-hunter2-secret",
        "http://127.0.0.1:1/api/v2?token=Q-hunter2-secret",
        "http://127.0.0.1:1/#Q-hunter2-secret",
    ] {
        for format in ["text", "json"] {
            let mut args = dead_port_args();
            args.extend(strings(&[
                "--search",
                "a@b.com",
                "--gws",
                url,
                "--gws_username",
                "admin",
                "--cleanup",
                "true",
                "--yes",
                "--format",
                format,
                "--audit-log",
                log.to_str().unwrap(),
                "--audit-key",
                dir.path().join("audit.key").to_str().unwrap(),
            ]));
            let run = forget_me_env(&args, &[("GWS_PASSWORD", "pw")]).await;
            // Exit 2, not 4: refused before Cassandra (a dead port here) is even tried.
            assert_eq!(run.code, 2, "{url} {format}: {}", run.stderr);
            assert!(
                run.stderr.contains("--gws_additional_headers"),
                "{url}: {}",
                run.stderr
            );
            assert!(!run.stderr.contains("hunter2"), "{}", run.stderr);
            assert!(!run.stdout.contains("hunter2"), "{}", run.stdout);
            assert!(!log.exists(), "nothing may be written");
        }
    }
}

#[tokio::test]
async fn a_ca_file_that_is_not_pem_is_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.der");
    std::fs::write(&ca, [0x30u8, 0x82, 0x03, 0x0a, 0x30, 0x82, 0x01, 0xf2]).unwrap();
    refused(
        &[
            "--search",
            "a@b.com",
            "--gws",
            "https://127.0.0.1:1",
            "--gws-ca-file",
            ca.to_str().unwrap(),
        ],
        "PEM",
    )
    .await;
}

#[tokio::test]
async fn endless_or_huge_inputs_are_refused_with_a_limit_not_read_forever() {
    refused(&["--search-file", "/dev/zero"], "larger than").await;
    refused(
        &["--search", "a@b.com", "--layout", "/dev/zero"],
        "larger than",
    )
    .await;
    refused(
        &[
            "--search",
            "a@b.com",
            "--gws",
            "http://127.0.0.1:1",
            "--gws_username",
            "admin",
            "--gws-password-file",
            "/dev/zero",
        ],
        "larger than",
    )
    .await;
    refused(
        &[
            "--search",
            "a@b.com",
            "--gws",
            "http://127.0.0.1:1",
            "--cleanup",
            "true",
            "--yes",
            "--audit-log",
            "/dev/full",
        ],
        "not a regular file",
    )
    .await;
    // Verifying a "log" that is an endless device ends, with a broken-chain verdict.
    let run = forget_me(&strings(&["--verify-audit-log", "/dev/zero"])).await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("longer than"), "{}", run.stdout);
}

#[tokio::test]
async fn port_zero_is_bad_input_and_a_bom_is_not() {
    refused(&["--search", "a@b.com", "--cass_port", "0"], "--cass_port").await;
    // A search file saved with a byte order mark is read like any other: the run gets past
    // the checks and fails only on the dead port (exit 4, nothing answers), not as bad input.
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(
        &list,
        "\u{feff}john.smith@pizza.com\r\n+44 20 7946 0958\r\n",
    )
    .unwrap();
    let mut args = dead_port_args();
    args.extend(strings(&["--search-file", list.to_str().unwrap()]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 4, "{}", run.stderr);
}

/// A password file other users can read is used, with a warning that says how to close it;
/// one only its owner reads gets no warning. (The run then fails on the dead port: exit 4.)
#[tokio::test]
async fn a_password_file_others_can_read_is_warned_about() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gws.pw");
    std::fs::write(&file, "secret\n").unwrap();
    let run_with = |mode: u32| {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode)).unwrap();
        let mut args = dead_port_args();
        args.extend(strings(&[
            "--search",
            "john.smith@pizza.com",
            "--gws",
            "http://127.0.0.1:1",
            "--gws_username",
            "admin",
            "--gws-password-file",
            file.to_str().unwrap(),
        ]));
        args
    };
    let run = forget_me(&run_with(0o644)).await;
    assert!(
        run.stderr
            .contains("other local users can read it (mode 644); run chmod 600"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("secret"), "{}", run.stderr);
    let run = forget_me(&run_with(0o600)).await;
    assert!(!run.stderr.contains("other local users"), "{}", run.stderr);
}

/// A national number without region is refused naming only regions where it is a number:
/// an Irish mobile once got the hint `--default-region GB`, which searched `+44871234567`.
#[tokio::test]
async fn a_national_number_hint_names_no_region_it_does_not_fit() {
    let mut args = dead_port_args();
    args.extend(strings(&["--search", "087 123 4567"]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(run.stderr.contains("IE"), "{}", run.stderr);
    assert!(!run.stderr.contains("GB"), "{}", run.stderr);
    assert!(!run.stderr.contains("4567"), "{}", run.stderr);
    // Digits that are a number nowhere: no region is named at all.
    refused(
        &["--search", "0999 9999 9999 9999"],
        "not a valid number of any",
    )
    .await;
}

/// `REGION:number` with an unknown region is refused with the list, in `--search` and in a
/// search file (named by line); an address is never read as a region prefix.
#[tokio::test]
async fn a_region_prefix_must_be_a_supported_region() {
    refused(
        &["--search", "XX:087 123 4567"],
        "\"XX\" is not a supported region",
    )
    .await;
    refused(&["--search", "XX:087 123 4567"], "IE, DE").await;
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("list.txt");
    std::fs::write(&list, "IE:087 123 4567\nzz:020 7946 0958\n").unwrap();
    refused(
        &["--search-file", list.to_str().unwrap()],
        "line 2: the region prefix \"zz\"",
    )
    .await;
    // `ab:c@example.com` is an address (refused as one: a colon needs a quoted local part).
    let mut args = dead_port_args();
    args.extend(strings(&["--search", "ab:c@example.com"]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("e-mail address"), "{}", run.stderr);
    assert!(!run.stderr.contains("region"), "{}", run.stderr);
}

/// A national number read in a region whose numbering plan does not know it (the Irish
/// mobile read in GB) is searched as asked, with a note on stderr naming it by number only.
/// (The run then fails on the dead port.)
#[tokio::test]
async fn a_number_its_region_does_not_know_is_noted() {
    let note = "note: identifier #1, read as GB, is not a number of GB's numbering plan";
    let mut args = dead_port_args();
    args.extend(strings(&[
        "--search",
        "087 123 4567",
        "--default-region",
        "GB",
    ]));
    let run = forget_me(&args).await;
    assert!(run.stderr.contains(note), "{}", run.stderr);
    assert!(!run.stderr.contains("4567"), "{}", run.stderr);
    let mut args = dead_port_args();
    args.extend(strings(&[
        "--search",
        "IE:087 123 4567",
        "--default-region",
        "GB",
    ]));
    let run = forget_me(&args).await;
    assert!(!run.stderr.contains("note: identifier"), "{}", run.stderr);
}
