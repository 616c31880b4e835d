//! `gdpr_forget_me layout discover`: a real install's first run. The draft it writes from a
//! keyspace's schema and a sample of its rows is used unchanged for the search, the erasure,
//! the verification and the receipt; it reads no more rows than it announces and prints no
//! value, only counts and shapes.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::common::*;

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);

fn discover_args(keyspace: &str, extra: &[&str]) -> Vec<String> {
    let mut args = strings(&["layout", "discover"]);
    args.extend(cass_args(keyspace));
    args.extend(strings(extra));
    args
}

/// The (owner, group, key, path) of every match of a JSON report.
fn places(report: &Value) -> BTreeSet<(String, String, String, String)> {
    report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap_or_default().to_string();
            (s("user_id"), s("group"), s("setting_key"), s("json_path"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_draft_of_the_reference_keyspace_searches_erases_and_proves_like_the_built_in_layout() {
    let s = seeded("discover_ref").await;
    whole_run_with_the_draft(s, &["name = \"settings\"", "value = \"value\""], true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_draft_of_a_packed_thrift_era_keyspace_searches_erases_and_proves() {
    let keyspace = testkit::unique_keyspace("discover_packedemu");
    let mut config = testkit::emulator_config(&keyspace);
    config.storage_layout = gws_emulator::store::StorageLayout::Packed;
    let emulator = gws_emulator::start(config).await.unwrap();
    let data = testkit::seed_small(&emulator, &subjects()).await;
    let s = Seeded {
        dropped_at_end: testkit::KeyspaceGuard::new(&keyspace),
        keyspace,
        emulator,
        data,
    };
    whole_run_with_the_draft(
        s,
        &[
            "name = \"gws_settings\"",
            "owner = { column = \"key\", separator = \":\", part = 0 }",
            "group = { column = \"key\", separator = \":\", part = 1 }",
            "setting_key = \"column1\"",
            "contact_center_owner = \"contact-center\"",
        ],
        false,
    )
    .await;
}

/// A table with one row per owner and group, each setting an entry of a `map<text, text>`
/// (the emulator's `map` layout): drafted as a `value_map`, and each entry is searched,
/// erased alone, verified and receipted as one setting.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_draft_of_a_map_of_settings_searches_erases_and_proves() {
    let keyspace = testkit::unique_keyspace("discover_mapemu");
    let mut config = testkit::emulator_config(&keyspace);
    config.storage_layout = gws_emulator::store::StorageLayout::Map;
    let emulator = gws_emulator::start(config).await.unwrap();
    let data = testkit::seed_small(&emulator, &subjects()).await;
    let s = Seeded {
        dropped_at_end: testkit::KeyspaceGuard::new(&keyspace),
        keyspace,
        emulator,
        data,
    };
    whole_run_with_the_draft(
        s,
        &[
            "name = \"group_settings\"",
            "owner = \"owner_id\"",
            "group = \"group_name\"",
            "value_map = \"settings\"",
            "contact_center_owner = \"contact-center\"",
        ],
        false,
    )
    .await;
}

/// Drafts a layout for `s`'s keyspace, checks it holds `lines`, then runs the search (the
/// same places the seeder planted), the erasure, the verification and the receipt with it,
/// unchanged. `built_in`: the keyspace is in the reference layout, so the default layout's
/// search must find the same.
async fn whole_run_with_the_draft(s: Seeded, lines: &[&str], built_in: bool) {
    let dir = tempfile::tempdir().unwrap();
    let draft = dir.path().join("draft.toml");
    let run = forget_me(&discover_args(
        &s.keyspace,
        &["--sample", "50", "--out", draft.to_str().unwrap()],
    ))
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(&draft).unwrap();
    assert!(text.contains("[[table]]\n"), "{text}");
    for line in lines {
        assert!(text.contains(line), "{line} missing:\n{text}");
    }
    // Shapes only: no seeded address, number or user id in the draft or the coverage table.
    for planted in ["john.smith", "pizza.com", "555", &s.data.agents[0].id] {
        assert!(!text.contains(planted), "{planted} in the draft:\n{text}");
        assert!(
            !run.stderr.contains(planted),
            "{planted} in the coverage table:\n{}",
            run.stderr
        );
    }
    // A second discovery never overwrites the reviewed draft.
    let again = forget_me(&discover_args(
        &s.keyspace,
        &["--out", draft.to_str().unwrap()],
    ))
    .await;
    assert_eq!(again.code, 2, "{}", again.stderr);

    let search = |layout: Option<&str>| {
        let mut args = cass_args(&s.keyspace);
        args.extend(strings(&[
            "--search",
            "john.smith@pizza.com",
            "--format",
            "json",
        ]));
        if let Some(l) = layout {
            args.extend(strings(&["--layout", l]));
        }
        args
    };
    let drafted = forget_me(&search(Some(draft.to_str().unwrap()))).await;
    assert_eq!(drafted.code, 0, "{}", drafted.stderr);
    let drafted = drafted.json();
    assert_eq!(found(&drafted), planted(&s.data, 0, "email"), "{drafted}");
    if built_in {
        let built_in = forget_me(&search(None)).await;
        assert_eq!(places(&drafted), places(&built_in.json()));
    }

    // The whole erasure with the draft, unchanged.
    let receipt = dir.path().join("receipt.json");
    let cleanup = forget_me_env(
        &cleanup_args(
            &s,
            dir.path(),
            &[
                "--search",
                "john.smith@pizza.com",
                "--layout",
                draft.to_str().unwrap(),
                "--receipt",
                receipt.to_str().unwrap(),
            ],
        ),
        &[PASSWORD_ENV],
    )
    .await;
    assert_eq!(cleanup.code, 0, "{}\n{}", cleanup.stdout, cleanup.stderr);
    assert!(cleanup.stdout.contains("Verified"), "{}", cleanup.stdout);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&receipt).unwrap()).unwrap();
    assert_eq!(r["verification"]["verified"], Value::Bool(true), "{r}");
    // The receipt's locations are read back by their row keys alone: clean.
    let mut recheck = cass_args(&s.keyspace);
    recheck.extend(strings(&[
        "--recheck-receipt",
        receipt.to_str().unwrap(),
        "--audit-key",
        dir.path().join("audit.key").to_str().unwrap(),
        "--search",
        "john.smith@pizza.com",
    ]));
    let recheck = forget_me(&recheck).await;
    assert_eq!(recheck.code, 0, "{}\n{}", recheck.stdout, recheck.stderr);
    assert!(recheck.stdout.contains("clean"), "{}", recheck.stdout);
    let after = forget_me(&search(Some(draft.to_str().unwrap())))
        .await
        .json();
    assert!(
        after["matches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["owner_type"] == "contact_center"),
        "only the corporate favorite (never erased) is left: {after}"
    );
    s.emulator.shutdown().await;
    testkit::drop_keyspace(&s.keyspace).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_packed_thrift_table_is_drafted_and_a_table_of_identifiers_is_named_never_shown() {
    let keyspace = testkit::unique_keyspace("discover_packed");
    let session = testkit::cassandra_session(None).await;
    testkit::create_keyspace(
        &session,
        &keyspace,
        &[
            "CREATE TABLE {ks}.gws_settings (key blob, column1 text, value blob, PRIMARY KEY (key, column1))",
            "CREATE TABLE {ks}.user_props (id int PRIMARY KEY, props text)",
        ],
    )
    .await;
    let owner = "0123456789abcdef0123456789abcdef";
    for i in 0..12 {
        let (key, value) = if i == 0 {
            (
                "CC:interaction-workspace-corporate-favorites".to_string(),
                format!(r#"{{"id":"corp-{i}","emailAddresses":["someone{i}@else.com"]}}"#),
            )
        } else {
            (
                format!("{owner}:interaction-workspace-personal-favorites"),
                format!(
                    r#"{{"id":"fav-{i}","emailAddresses":["{}"]}}"#,
                    if i == 3 {
                        "JOHN.SMITH@pizza.com".to_string()
                    } else {
                        format!("someone{i}@else.com")
                    }
                ),
            )
        };
        session
            .query_unpaged(
                format!(
                    "INSERT INTO {keyspace}.gws_settings (key, column1, value) VALUES (?, ?, ?)"
                ),
                (
                    key.as_bytes().to_vec(),
                    format!("fav-{i}"),
                    value.as_bytes().to_vec(),
                ),
            )
            .await
            .unwrap();
    }
    for i in 0..30 {
        session
            .query_unpaged(
                format!("INSERT INTO {keyspace}.user_props (id, props) VALUES (?, ?)"),
                (i, format!("prefers calls on +1 555 010 {:04}", 4000 + i)),
            )
            .await
            .unwrap();
    }
    let run = forget_me(&discover_args(&keyspace, &["--sample", "7"])).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let draft = &run.stdout;
    assert!(
        draft.contains("owner = { column = \"key\", separator = \":\", part = 0 }"),
        "{draft}"
    );
    assert!(
        draft.contains("group = { column = \"key\", separator = \":\", part = 1 }"),
        "{draft}"
    );
    assert!(draft.contains("setting_key = \"column1\""), "{draft}");
    assert!(draft.contains("value = \"value\""), "{draft}");
    // At most the announced sample: 7 rows of each table.
    assert!(draft.contains("# 7 row(s) sampled."), "{draft}");
    let props = run
        .stderr
        .lines()
        .find(|l| l.contains("user_props") && l.contains("props") && l.contains("NOT COVERED"))
        .unwrap_or_else(|| panic!("user_props.props not listed:\n{}", run.stderr));
    let numbers: Vec<&str> = props.split_whitespace().rev().take(3).collect();
    assert_eq!(
        numbers,
        ["7", "0", "7"],
        "identifier-shaped, json, sampled: {props}"
    );
    assert!(
        run.stderr
            .contains("Identifier-shaped values outside the draft: user_props"),
        "{}",
        run.stderr
    );
    for planted in ["555 010", "john.smith", "else.com", owner] {
        assert!(
            !run.stdout.contains(planted) && !run.stderr.contains(planted),
            "{planted} printed"
        );
    }

    // With every row in the sample, the contact center's marker is seen and written.
    let whole = forget_me(&discover_args(&keyspace, &[])).await;
    assert_eq!(whole.code, 0, "{}", whole.stderr);
    assert!(
        whole.stdout.contains("contact_center_owner = \"CC\""),
        "{}",
        whole.stdout
    );

    // The draft, unchanged, finds the subject.
    let dir = tempfile::tempdir().unwrap();
    let layout = dir.path().join("draft.toml");
    std::fs::write(&layout, draft).unwrap();
    let mut args = cass_args(&keyspace);
    args.extend(strings(&[
        "--search",
        "john.smith@pizza.com",
        "--layout",
        layout.to_str().unwrap(),
        "--format",
        "json",
    ]));
    let search = forget_me(&args).await;
    assert_eq!(search.code, 0, "{}", search.stderr);
    // The report names what the layout's search did not read.
    let report = search.json();
    assert_eq!(
        report["coverage"]["not_searched"],
        serde_json::json!(["user_props"]),
        "{report}"
    );
    let found = places(&report);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found.contains(&(
        owner.to_string(),
        "interaction-workspace-personal-favorites".to_string(),
        "fav-3".to_string(),
        "$.emailAddresses[0]".to_string()
    )));
    // --deep reads it, and finds the number there, never erasable.
    let mut deep = cass_args(&keyspace);
    deep.extend(strings(&[
        "--search",
        "+1 555 010 4003",
        "--layout",
        layout.to_str().unwrap(),
        "--deep",
        "--format",
        "json",
    ]));
    let deep = forget_me(&deep).await;
    assert_eq!(deep.code, 0, "{}", deep.stderr);
    let report = deep.json();
    let matches = report["matches"].as_array().unwrap();
    assert_eq!(matches.len(), 1, "{report}");
    assert_eq!(matches[0]["table"], format!("{keyspace}.user_props"));
    assert_eq!(matches[0]["deletable"], Value::Bool(false));
    assert_eq!(
        report["coverage"]["not_searched"],
        serde_json::json!([]),
        "{report}"
    );
    testkit::drop_keyspace(&keyspace).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_keyspace_without_settings_says_so_and_bad_input_is_refused_before_reading() {
    let keyspace = testkit::unique_keyspace("discover_none");
    let session = testkit::cassandra_session(None).await;
    testkit::create_keyspace(
        &session,
        &keyspace,
        &["CREATE TABLE {ks}.favs_v2 (id int PRIMARY KEY, note text)"],
    )
    .await;
    let run = forget_me(&discover_args(&keyspace, &[])).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("--deep"), "{}", run.stderr);
    for bad in [
        &["--sample", "0"][..],
        &["--sample", "100000"],
        &["--search", "x@y.org"],
    ] {
        let run = forget_me(&discover_args(&keyspace, bad)).await;
        assert_eq!(run.code, 2, "{bad:?}: {}", run.stderr);
    }
    let run = forget_me(&strings(&["layout", "guess"])).await;
    assert_eq!(run.code, 2, "{}", run.stderr);

    // Its settings are nowhere the default layout says: a search is refused and names the
    // way out; --deep searches every table anyway and reports what it did not search (none).
    session
        .query_unpaged(
            format!("INSERT INTO {keyspace}.favs_v2 (id, note) VALUES (1, 'call ann@example.org')"),
            (),
        )
        .await
        .unwrap();
    let mut args = cass_args(&keyspace);
    args.extend(strings(&[
        "--search",
        "ann@example.org",
        "--format",
        "json",
    ]));
    let refused = forget_me(&args).await;
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("layout discover"),
        "{}",
        refused.stderr
    );
    args.push("--deep".into());
    let deep = forget_me(&args).await;
    assert_eq!(deep.code, 0, "{}", deep.stderr);
    let report = deep.json();
    assert_eq!(
        report["matches"][0]["table"],
        format!("{keyspace}.favs_v2"),
        "{report}"
    );
    assert_eq!(report["matches"][0]["deletable"], Value::Bool(false));
    testkit::drop_keyspace(&keyspace).await;
}

/// `--deep` on a keyspace whose values sit in collections, blobs, user-defined types and
/// tuples (frozen or not): every one is searched, each hit is reported as outside the layout,
/// and nothing there is erased.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deep_finds_the_subject_inside_collections_blobs_udts_and_tuples() {
    let keyspace = testkit::unique_keyspace("deep_shapes");
    let _dropped_at_end = testkit::KeyspaceGuard::new(&keyspace);
    let session = testkit::cassandra_session(None).await;
    testkit::create_keyspace(
        &session,
        &keyspace,
        &[
            "CREATE TYPE {ks}.contact (name text, email text)",
            "CREATE TABLE {ks}.odd (id int PRIMARY KEY, tags list<text>, labels set<text>, m map<text, text>, raw blob, people frozen<list<frozen<contact>>>, one frozen<contact>, pair tuple<int, text>)",
        ],
    )
    .await;
    for cql in [
        "INSERT INTO {ks}.odd (id, tags) VALUES (1, ['x', 'john.smith@pizza.com'])",
        "INSERT INTO {ks}.odd (id, labels) VALUES (2, {'JOHN.SMITH@pizza.com'})",
        "INSERT INTO {ks}.odd (id, m) VALUES (3, {'k': '+1 555 010 0001'})",
        "INSERT INTO {ks}.odd (id, raw) VALUES (4, textAsBlob('{\"e\":\"john.smith@pizza.com\"}'))",
        "INSERT INTO {ks}.odd (id, people) VALUES (5, [{name: 'J', email: 'John.Smith@pizza.com'}])",
        "INSERT INTO {ks}.odd (id, one) VALUES (6, {name: 'K', email: 'john.smith@pizza.com'})",
        "INSERT INTO {ks}.odd (id, pair) VALUES (7, (1, 'call +1 555 010 0001'))",
        "INSERT INTO {ks}.odd (id, tags) VALUES (8, ['someone.else@pizza.com'])",
    ] {
        session
            .query_unpaged(cql.replace("{ks}", &keyspace), &[])
            .await
            .unwrap();
    }
    let mut args = cass_args(&keyspace);
    args.extend(strings(&[
        "--search",
        "john.smith@pizza.com",
        "--search",
        "+1 555 010 0001",
        "--deep",
        "--format",
        "json",
        "--no-progress",
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let report = run.json();
    let mut columns: Vec<String> = report["matches"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["column"].as_str().unwrap_or_default().to_string())
        .collect();
    columns.sort();
    assert_eq!(
        columns,
        ["labels", "m", "one", "pair", "people", "raw", "tags"],
        "{report:#}"
    );
    assert!(
        report["matches"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["deletable"] == false),
        "nothing outside the layout is erasable: {report:#}"
    );
}
