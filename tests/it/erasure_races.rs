//! The erasure library against the emulator, for what a single run of the binary cannot
//! stage: a setting changed between scan and cleanup, a setting already gone, and a GWS
//! session that expires mid-run.

use crate::common::*;
use forgetme_audit::{AuditKey, AuditLog};
use forgetme_cleanup::{erase_all, verify_targets, Eraser, Outcome, SettingTarget};
use forgetme_matcher::{parse_identifier, ErasureOptions, Matcher, ParseOptions};
use forgetme_scanner::read::RawValue;
use forgetme_scanner::TableName;
use gws_client::{GwsClient, GwsConfig, Url};
use serde_json::Value;

fn target(keyspace: &str, owner: &str, group: &str, key: &str) -> SettingTarget {
    SettingTarget {
        table: TableName::new(keyspace, "settings"),
        value_column: "value".into(),
        user_id: owner.into(),
        group: group.into(),
        setting_key: key.into(),
        row_key: vec![
            ("owner_id".into(), RawValue(owner.as_bytes().to_vec())),
            ("group_name".into(), RawValue(group.as_bytes().to_vec())),
            ("setting_key".into(), RawValue(key.as_bytes().to_vec())),
        ],
        json_paths: vec![],
        identifiers: vec![0],
        possible: false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changed_settings_are_skipped_gone_ones_counted_and_sessions_renewed() {
    let s = seeded("races").await;
    let matcher = Matcher::new(
        vec![parse_identifier("john.smith@pizza.com", &ParseOptions::default()).unwrap()],
        None,
    );
    let favs = "interaction-workspace-personal-favorites";
    let planted: Vec<_> = planted(&s.data, 0, "email")
        .into_iter()
        .filter(|p| p.1 == favs)
        .collect();
    let place = &planted[0];
    let (owner, key) = (place.0.clone(), place.2.clone());

    let admin = testkit::admin_client(&s.emulator);
    let path = format!("/users/{owner}/settings/{favs}");

    // Three targets: one edited after the scan, one deleted after the scan, one untouched.
    let edited = target(&s.keyspace, &owner, favs, &key);
    let gone = target(&s.keyspace, &owner, favs, "fav-does-not-exist");
    let other_fav = s
        .data
        .settings
        .iter()
        .find(|x| x.group == favs && x.owner_id == owner && x.setting_key != key)
        .expect("another favorite of the same agent");
    let mut planted_copy = other_fav.value.clone();
    planted_copy["emailAddresses"] = serde_json::json!(["John.Smith@pizza.com"]);
    admin
        .send_ok(reqwest::Method::PUT, &path, Some(&planted_copy.to_string()))
        .await
        .unwrap();
    let fresh = target(&s.keyspace, &owner, favs, &other_fav.setting_key);

    // The agent removes the subject from the first favorite before the cleanup reaches it.
    let current = s
        .data
        .settings
        .iter()
        .find(|x| x.owner_id == owner && x.group == favs && x.setting_key == key)
        .unwrap();
    let mut changed = current.value.clone();
    changed["emailAddresses"] = serde_json::json!(["someone.else@pizza.com"]);
    admin
        .send_ok(reqwest::Method::PUT, &path, Some(&changed.to_string()))
        .await
        .unwrap();

    let client = GwsClient::new(GwsConfig::new(
        Url::parse(&s.emulator.base_url()).unwrap(),
        testkit::ADMIN_USER,
        testkit::ADMIN_PASSWORD,
    ))
    .unwrap();
    client.me().await.unwrap();
    // The session expires: the next modifying request meets a CSRF refusal and must recover.
    s.emulator.invalidate_sessions();

    let dir = tempfile::tempdir().unwrap();
    let key_file = AuditKey::load_or_create(&dir.path().join("k")).unwrap();
    let mut log = AuditLog::open(&dir.path().join("a.jsonl"), "test-run", &key_file).unwrap();
    let targets = vec![edited.clone(), gone, fresh.clone()];
    let mut eraser = Eraser {
        gws: &client,
        matcher: &matcher,
        other_requests: None,
        audit: &mut log,
        audit_key: &key_file,
        options: ErasureOptions::default(),
        store: &testkit::cassandra_session(None).await,
        consistency: forgetme_scanner::Consistency::Quorum,
    };
    let results = erase_all(&mut eraser, &targets).await.unwrap();
    let outcomes: Vec<&Outcome> = results.iter().map(|r| &r.outcome).collect();
    assert_eq!(
        outcomes,
        vec![
            &Outcome::SkippedChanged,
            &Outcome::AlreadyGone,
            &Outcome::Deleted
        ]
    );

    // The edited favorite is intact with the agent's change; the fresh one is gone.
    let rows = testkit::settings_rows(
        &testkit::cassandra_session(None).await,
        &s.keyspace,
        &owner,
        favs,
    )
    .await;
    let kept = rows
        .iter()
        .find(|(k, _)| *k == key)
        .expect("edited favorite kept");
    assert_eq!(serde_json::from_str::<Value>(&kept.1).unwrap(), changed);
    assert!(!rows.iter().any(|(k, _)| *k == other_fav.setting_key));

    let session = testkit::cassandra_session(None).await;
    let v = verify_targets(
        &session,
        &targets,
        &matcher,
        forgetme_scanner::Consistency::Quorum,
        false,
    )
    .await;
    assert!(v.verified(), "{v:?}");
    assert_eq!(v.checked, 3);
    assert!(
        forgetme_audit::verify_chain(&dir.path().join("a.jsonl"), Some(&key_file))
            .unwrap()
            .is_ok()
    );

    // A modifying request right after the session expired: refused once for CSRF, then the
    // client performs a new handshake and succeeds.
    client.me().await.unwrap();
    s.emulator.invalidate_sessions();
    s.emulator.clear_recorded_requests();
    client
        .put_user_setting(&owner, favs, &changed)
        .await
        .unwrap();
    let statuses: Vec<(String, u16)> = s
        .emulator
        .recorded_requests()
        .iter()
        .map(|r| (r.method.clone(), r.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("PUT".to_string(), 403),
            ("GET".to_string(), 200),
            ("PUT".to_string(), 200)
        ]
    );

    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verification_notices_a_copy_that_came_back() {
    let s = seeded("verify_back").await;
    let matcher = Matcher::new(
        vec![parse_identifier("john.smith@pizza.com", &ParseOptions::default()).unwrap()],
        None,
    );
    let place = planted(&s.data, 0, "email")
        .into_iter()
        .find(|p| p.0 != "contact-center")
        .unwrap();
    let t = target(&s.keyspace, &place.0, &place.1, &place.2);
    let session = testkit::cassandra_session(None).await;
    let v = verify_targets(
        &session,
        std::slice::from_ref(&t),
        &matcher,
        forgetme_scanner::Consistency::Quorum,
        false,
    )
    .await;
    assert_eq!(
        v.still_matching,
        vec![0],
        "the planted setting is still there before any erasure"
    );
    assert!(!v.verified());
    s.emulator.shutdown().await;
}

/// The statement printed for a row GWS cannot erase removes exactly that row whatever its key
/// holds: a blob, an int, text with quotes, a line break and a right-to-left override.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_printed_delete_statement_removes_exactly_one_row() {
    let keyspace = testkit::unique_keyspace("cql_delete");
    let _dropped_at_end = testkit::KeyspaceGuard::new(&keyspace);
    let session = testkit::cassandra_session(None).await;
    testkit::create_keyspace(
        &session,
        &keyspace,
        &["CREATE TABLE {ks}.odd_keys (k blob, t text, n int, v text, PRIMARY KEY ((k), t, n))"],
    )
    .await;
    let hostile = "it's\n\u{202e}'; DROP TABLE x; --";
    let rows: Vec<(Vec<u8>, &str, i32)> = vec![
        (vec![0, 0x27, 0xff], hostile, -7),
        (vec![0, 0x27, 0xff], hostile, 7),
        (vec![0, 0x27, 0xff], "it's", -7),
        (vec![0, 0x27], hostile, -7),
    ];
    for (k, t, n) in &rows {
        session
            .query_unpaged(
                format!("INSERT INTO {keyspace}.odd_keys (k, t, n, v) VALUES (?, ?, ?, 'x')"),
                (k, *t, *n),
            )
            .await
            .unwrap();
    }
    session.refresh_metadata().await.unwrap();
    let (k, t, n) = &rows[0];
    let key = vec![
        ("k".to_string(), RawValue(k.clone())),
        ("t".to_string(), RawValue(t.as_bytes().to_vec())),
        ("n".to_string(), RawValue(n.to_be_bytes().to_vec())),
    ];
    let cql = forgetme_cleanup::cql::delete_row_statement(
        &session,
        &TableName::new(&keyspace, "odd_keys"),
        &key,
    )
    .unwrap();
    assert!(
        !cql.chars().any(|c| c.is_control() || c == '\u{202e}'),
        "{cql:?}"
    );
    assert!(cql.contains("blobAsText(0x"), "{cql}");
    session.query_unpaged(cql.as_str(), &[]).await.unwrap();
    let mut left: Vec<(Vec<u8>, String, i32)> = session
        .query_unpaged(format!("SELECT k, t, n FROM {keyspace}.odd_keys"), &[])
        .await
        .unwrap()
        .into_rows_result()
        .unwrap()
        .rows::<(Vec<u8>, String, i32)>()
        .unwrap()
        .map(Result::unwrap)
        .collect();
    left.sort();
    let mut want: Vec<(Vec<u8>, String, i32)> = rows[1..]
        .iter()
        .map(|(k, t, n)| (k.clone(), t.to_string(), *n))
        .collect();
    want.sort();
    assert_eq!(left, want);
}
