//! The search half against the real node: every matching rule, both recent-contact shapes,
//! group filtering, deep scans, custom layouts, many identifiers, and a dead node.

use crate::common::*;
use serde_json::Value;

async fn search_json(keyspace: &str, extra: &[&str]) -> Run {
    let mut args = cass_args(keyspace);
    args.extend(strings(&["--format", "json", "--no-progress"]));
    args.extend(strings(extra));
    forget_me(&args).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn email_is_found_exactly_where_it_was_planted_in_any_case() {
    let s = seeded("search_email").await;
    let want = planted(&s.data, 0, "email");
    assert!(
        want.len() >= 3,
        "seeder plants the e-mail several times: {want:?}"
    );
    for spelling in ["john.smith@pizza.com", "JOHN.Smith@PIZZA.com"] {
        let run = search_json(&s.keyspace, &["--search", spelling]).await;
        assert_eq!(run.code, 0, "{}", run.stderr);
        let report = run.json();
        assert_eq!(report["complete"], Value::Bool(true));
        assert!(report["scanned"]["rows"].as_u64().unwrap() > 20);
        assert_eq!(found(&report), want, "spelling {spelling}");
    }
    // The corporate favorite is reported but not deletable; the agents' settings are.
    let report = search_json(&s.keyspace, &["--search", "john.smith@pizza.com"])
        .await
        .json();
    for m in report["matches"].as_array().unwrap() {
        let cc = m["owner_type"] == "contact_center";
        assert_eq!(m["deletable"], Value::Bool(!cc), "{m}");
        assert_eq!(m["identifier"], "john.smith@pizza.com");
    }
    assert!(report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["owner_type"] == "contact_center"));
    // The report names the consistency the scan read at: LOCAL_ONE for one copy of each range,
    // ALL when every copy was read.
    assert_eq!(
        report["coverage"]["copies"], "one",
        "{}",
        report["coverage"]
    );
    assert_eq!(
        report["coverage"]["consistency"], "LOCAL_ONE",
        "{}",
        report["coverage"]
    );
    let every = search_json(
        &s.keyspace,
        &["--search", "john.smith@pizza.com", "--scan-copies", "every"],
    )
    .await
    .json();
    assert_eq!(
        every["coverage"]["copies"], "every",
        "{}",
        every["coverage"]
    );
    assert_eq!(
        every["coverage"]["consistency"], "ALL",
        "{}",
        every["coverage"]
    );
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn near_miss_addresses_and_numbers_are_not_found() {
    let s = seeded("search_negative").await;
    for miss in [
        "xjohn.smith@pizza.com",
        "john.smith@pizza.com.au",
        "john.smith@pizza.co",
    ] {
        let run = search_json(&s.keyspace, &["--search", miss]).await;
        assert_eq!(run.code, 0, "{miss}: {}", run.stderr);
        let report = run.json();
        assert_eq!(report["complete"], Value::Bool(true));
        assert!(
            found(&report).is_empty(),
            "{miss} matched {:?}",
            found(&report)
        );
    }
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn phone_is_found_in_every_spelling_with_and_without_region() {
    let s = seeded("search_phone").await;
    let us = planted(&s.data, 0, "phone");
    let gb = planted(&s.data, 1, "phone");
    assert!(us.len() >= 3 && gb.len() >= 3);
    // Both recent-contact shapes hold a planted phone.
    let groups: Vec<&str> = us.iter().map(|p| p.1.as_str()).collect();
    assert!(
        groups.contains(&"interaction-workspace-recent-contacts"),
        "{groups:?}"
    );
    assert!(
        groups.contains(&"interaction-workspace-recents"),
        "{groups:?}"
    );

    for (args, want) in [
        (vec!["--search", "+1 (555) 010-0001"], &us),
        (
            vec!["--search", "1.555.010.0001", "--default-region", "US"],
            &us,
        ),
        (
            vec!["--search", "555-010-0001", "--default-region", "us"],
            &us,
        ),
        (vec!["--search", "+44 (0)20 7946 0123"], &gb),
        (
            vec!["--search", "0044 20 7946 0123", "--default-region", "GB"],
            &gb,
        ),
        (
            vec!["--search", "020 7946 0123", "--default-region", "GB"],
            &gb,
        ),
    ] {
        let run = search_json(&s.keyspace, &args).await;
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
        assert_eq!(&found(&run.json()), want, "{args:?}");
    }
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_identifiers_are_searched_in_one_pass() {
    let s = seeded("search_many").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("subjects.txt");
    let mut lines = vec!["# subjects of this week".to_string()];
    for i in 0..1000 {
        lines.push(if i % 2 == 0 {
            format!("nobody{i}@example.org")
        } else {
            format!("+1 555 019 {:04}", i)
        });
    }
    lines.insert(500, "john.smith@pizza.com".into());
    lines.insert(700, "+44 20 7946 0123".into());
    std::fs::write(&file, lines.join("\n")).unwrap();
    let run = search_json(&s.keyspace, &["--search-file", file.to_str().unwrap()]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    assert_eq!(report["identifiers"].as_array().unwrap().len(), 1002);
    let mut want = planted(&s.data, 0, "email");
    want.extend(planted(&s.data, 1, "phone"));
    assert_eq!(found(&report), want);
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_name_limits_the_search_and_unknown_groups_are_refused() {
    let s = seeded("search_group").await;
    let group = "interaction-workspace-personal-favorites";
    let run = search_json(
        &s.keyspace,
        &["--search", "john.smith@pizza.com", "--group_name", group],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let want: std::collections::BTreeSet<_> = planted(&s.data, 0, "email")
        .into_iter()
        .filter(|p| p.1 == group)
        .collect();
    assert!(!want.is_empty());
    assert_eq!(found(&run.json()), want);

    let run = search_json(
        &s.keyspace,
        &[
            "--search",
            "john.smith@pizza.com",
            "--group_name",
            "no-such-group",
        ],
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--group_name"), "{}", run.stderr);
    assert_eq!(run.json()["error"]["kind"], "bad_input", "no report");
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_scan_reports_other_tables_as_not_deletable() {
    let s = seeded("search_deep").await;
    let session = testkit::cassandra_session(Some(&s.keyspace)).await;
    session
        .query_unpaged(
            "CREATE TABLE voicemail_notes (box_id text, note_id int, body text, tags list<text>, PRIMARY KEY (box_id, note_id))",
            &[],
        )
        .await
        .unwrap();
    session
        .query_unpaged(
            "INSERT INTO voicemail_notes (box_id, note_id, body, tags) VALUES ('box-7', 1, 'call back John <John.Smith@pizza.com>', ['x'])",
            &[],
        )
        .await
        .unwrap();
    let plain = search_json(&s.keyspace, &["--search", "john.smith@pizza.com"])
        .await
        .json();
    assert!(plain["matches"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["column"].is_null()));

    let run = search_json(&s.keyspace, &["--search", "john.smith@pizza.com", "--deep"]).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let deep: Vec<&Value> = report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["column"] == "body")
        .collect();
    assert_eq!(deep.len(), 1, "{report}");
    assert_eq!(deep[0]["owner_type"], "unknown");
    assert_eq!(deep[0]["deletable"], Value::Bool(false));
    assert_eq!(deep[0]["setting_key"], "box-7/1");
    assert_eq!(deep[0]["table"], format!("{}.voicemail_notes", s.keyspace));
    // The settings hits are still there, once each.
    assert_eq!(
        report["matches"].as_array().unwrap().len(),
        plain["matches"].as_array().unwrap().len() + 1
    );
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thrift_style_table_is_searched_through_a_layout_file() {
    let keyspace = testkit::unique_keyspace("search_layout");
    let _dropped_at_end = testkit::KeyspaceGuard::new(&keyspace);
    let session = testkit::cassandra_session(None).await;
    testkit::create_keyspace(
        &session,
        &keyspace,
        &["CREATE TABLE {ks}.gws_settings (key blob, column1 text, value blob, PRIMARY KEY (key, column1))"],
    )
    .await;
    let owner = "0123456789abcdef0123456789abcdef";
    let rows = [
        (
            format!("{owner}:interaction-workspace-personal-favorites"),
            "fav-1",
            r#"{"id":"fav-1","emailAddresses":["JOHN.SMITH@pizza.com"]}"#,
        ),
        (
            format!("{owner}:interaction-workspace-personal-favorites"),
            "fav-2",
            r#"{"id":"fav-2","emailAddresses":["someone@else.com"]}"#,
        ),
        (
            "CC:interaction-workspace-corporate-favorites".to_string(),
            "corp-1",
            "John Smith john.smith@pizza.com (not JSON)",
        ),
    ];
    for (key, col, value) in rows {
        session
            .query_unpaged(
                format!(
                    "INSERT INTO {keyspace}.gws_settings (key, column1, value) VALUES (?, ?, ?)"
                ),
                (key.as_bytes().to_vec(), col, value.as_bytes().to_vec()),
            )
            .await
            .unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("layout.toml");
    std::fs::write(
        &layout,
        r#"
[[table]]
name = "gws_settings"
owner = { column = "key", separator = ":", part = 0 }
group = { column = "key", separator = ":", part = 1 }
setting_key = "column1"
value = "value"
contact_center_owner = "CC"
"#,
    )
    .unwrap();
    let run = search_json(
        &keyspace,
        &[
            "--search",
            "john.smith@pizza.com",
            "--layout",
            layout.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let matches = report["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 2, "{report}");
    let user = matches.iter().find(|m| m["owner_type"] == "user").unwrap();
    assert_eq!(user["user_id"], owner);
    assert_eq!(user["group"], "interaction-workspace-personal-favorites");
    assert_eq!(user["setting_key"], "fav-1");
    assert_eq!(user["json_path"], "$.emailAddresses[0]");
    let cc = matches
        .iter()
        .find(|m| m["owner_type"] == "contact_center")
        .unwrap();
    assert_eq!(cc["json_path"], Value::Null);
    assert_eq!(cc["deletable"], Value::Bool(false));
    assert_eq!(
        report["warnings"].as_object().unwrap().len(),
        1,
        "the non-JSON value is warned about"
    );

    // A setting key with terminal control characters is shown escaped, never raw.
    session
        .query_unpaged(
            format!("INSERT INTO {keyspace}.gws_settings (key, column1, value) VALUES (?, ?, ?)"),
            (
                format!("{owner}:interaction-workspace-personal-favorites").into_bytes(),
                "fav-\u{1b}[2J\u{7}",
                br#"{"id":"x","emailAddresses":["john.smith@pizza.com"]}"#.to_vec(),
            ),
        )
        .await
        .unwrap();
    let mut args = cass_args(&keyspace);
    args.extend(strings(&[
        "--search",
        "john.smith@pizza.com",
        "--layout",
        layout.to_str().unwrap(),
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        !run.stdout.contains('\u{1b}') && !run.stdout.contains('\u{7}'),
        "{:?}",
        run.stdout
    );
    assert!(
        run.stdout.contains("fav-\\u{1b}[2J\\u{7}"),
        "{}",
        run.stdout
    );

    // A layout naming a missing column is refused before reading.
    std::fs::write(
        &layout,
        std::fs::read_to_string(&layout)
            .unwrap()
            .replace("column1", "column9"),
    )
    .unwrap();
    let run = search_json(
        &keyspace,
        &[
            "--search",
            "john.smith@pizza.com",
            "--layout",
            layout.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("column9"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_node_is_exit_4_never_no_matches() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port().to_string()
    };
    let run = forget_me(&strings(&[
        "--cass_keyspace",
        "sipfs",
        "--cass_hostname",
        "127.0.0.1",
        "--cass_port",
        &port,
        "--search",
        "john.smith@pizza.com",
        "--format",
        "json",
    ]))
    .await;
    assert_eq!(run.code, 4, "{}", run.stderr);
    // No report: stdout holds only the JSON error.
    let doc = run.json();
    assert_eq!(doc["error"]["kind"], "unreachable", "{doc}");
    assert!(
        doc.get("complete").is_none(),
        "no report may be printed: {doc}"
    );
    assert!(run.stderr.contains("9042"), "{}", run.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_originals_first_example_runs_unchanged_but_for_the_port() {
    let s = seeded("search_original").await;
    let addr = testkit::cassandra_addr();
    let (host, port) = addr.rsplit_once(':').unwrap();
    let run = forget_me(&strings(&[
        "--cass_keyspace",
        &s.keyspace,
        "--cass_hostname",
        host,
        "--cass_port",
        port,
        "--search",
        "john.smith@pizza.com",
    ]))
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("complete."), "{}", run.stdout);
    assert!(run
        .stdout
        .contains("interaction-workspace-personal-favorites"));
    // Not a terminal: the identifier is named by number only.
    assert!(
        !run.stdout.contains("john.smith@pizza.com"),
        "{}",
        run.stdout
    );
    s.emulator.shutdown().await;
}

/// Each identifier of a search file may name its own region (`GB:020…`, `us:555…`), which
/// overrides `--default-region` for it; the report says how each was read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_identifier_may_name_its_own_region() {
    let s = seeded("search_own_region").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("subjects.txt");
    std::fs::write(
        &file,
        "# two countries in one file\nGB:020 7946 0123\nus: 555-010-0001\njohn.smith@pizza.com\n",
    )
    .unwrap();
    let list = [
        "--search-file",
        file.to_str().unwrap(),
        "--default-region",
        "IE",
    ];
    let run = search_json(&s.keyspace, &list).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let ids = report["identifiers"].as_array().unwrap();
    assert_eq!(ids[0]["normalized"], "+442079460123", "{report}");
    assert_eq!(ids[0]["read_as"], "GB");
    assert_eq!(ids[0]["region_from"], "identifier");
    // What the numbering plan's metadata calls it.
    assert_eq!(ids[0]["number_type"], "fixed-line", "{report}");
    assert_eq!(ids[0]["number_region"], "GB", "{report}");
    assert_eq!(ids[1]["normalized"], "+15550100001");
    assert_eq!(ids[1]["read_as"], "US");
    assert!(ids[2].get("read_as").is_none(), "{}", ids[2]);
    let mut want = planted(&s.data, 0, "phone");
    want.extend(planted(&s.data, 0, "email"));
    want.extend(planted(&s.data, 1, "phone"));
    assert_eq!(found(&report), want);

    // The text summary says how each was read; redirected, it leaves the values out.
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&["--no-progress", "--search", "+1 555 010 0001"]));
    args.extend(strings(&list));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    for line in [
        "Identifiers:",
        // The fictional +1 555 01xx numbers are in no numbering plan; London's is a
        // geographic (fixed-line) number.
        "  #1 (phone, international; not a number the metadata knows)",
        "  #2 (phone, read as GB, its own region; fixed-line, GB)",
        "  #3 (e-mail)",
    ] {
        assert!(run.stdout.contains(line), "{line:?} in {}", run.stdout);
    }
    assert!(
        run.stderr.contains("1 identifier(s) were the same"),
        "US:555-010-0001 is +1 555 010 0001 once read: {}",
        run.stderr
    );
    assert!(!run.stdout.contains("+442079460123"), "{}", run.stdout);
    assert!(
        !run.stdout.contains("john.smith@pizza.com"),
        "{}",
        run.stdout
    );
    s.emulator.shutdown().await;
}
