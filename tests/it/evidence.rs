//! Art. 15 access exports and Art. 17 erasure receipts against the real node and emulator.

use std::collections::BTreeMap;

use crate::common::*;
use serde_json::{json, Value};

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_export_holds_exactly_the_seeded_values_and_its_page_escapes_them() {
    let s = seeded("export").await;
    // A hostile favorite: markup in the name, the subject's address in the list.
    let agent = testkit::user_id(&testkit::agent_user(2));
    let hostile = json!({
        "id": "fav-hostile",
        "displayName": "<script>alert('x')</script>",
        "firstName": "Mallory", "lastName": "</td></tr></table><b>",
        "category": "Customers",
        "phoneNumbers": [],
        "emailAddresses": ["john.smith@pizza.com"]
    });
    testkit::admin_client(&s.emulator)
        .send_ok(
            reqwest::Method::POST,
            &format!("/users/{agent}/settings/interaction-workspace-personal-favorites"),
            Some(&hostile.to_string()),
        )
        .await
        .unwrap();
    // A shared list: two other people around the subject's entry.
    let shared = json!({
        "name": "shared-list",
        "entries": [
            {"displayName": "Other One", "emailAddress": "other.one@pizza.com", "phoneNumber": "+1 555 010 0077"},
            {"displayName": "John", "emailAddress": "john.smith@pizza.com"},
            {"displayName": "Other Two", "emailAddress": "other.two@pizza.com"}
        ]
    });
    testkit::admin_client(&s.emulator)
        .send_ok(
            reqwest::Method::POST,
            &format!("/users/{agent}/settings/interaction-workspace-recents"),
            Some(&shared.to_string()),
        )
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("export.json");
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--search",
        "john.smith@pizza.com",
        "--no-progress",
        "--export",
        path.to_str().unwrap(),
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    let export: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(export["schema"], "gdpr-forget-me/access-export/v1");
    assert_eq!(export["scan"]["complete"], Value::Bool(true));
    let items = export["items"].as_array().unwrap();

    // Every seeded setting holding the address, plus the hostile one: a contact's whole value,
    // but of a shared list only the subject's own entries (GDPR Art. 15(4)).
    let mut want: BTreeMap<(String, String, String), Value> = BTreeMap::new();
    for p in planted(&s.data, 0, "email") {
        let setting = s
            .data
            .settings
            .iter()
            .find(|x| x.owner_id == p.0 && x.group == p.1 && x.setting_key == p.2)
            .unwrap();
        want.insert((p.0, p.1, p.2), setting.value.clone());
    }
    // The shared list: only the subject's entry.
    want.insert(
        (
            agent.clone(),
            "interaction-workspace-recents".into(),
            "shared-list".into(),
        ),
        json!({"name": "shared-list", "entries": [shared["entries"][1].clone()]}),
    );
    want.insert(
        (
            agent.clone(),
            "interaction-workspace-personal-favorites".into(),
            "fav-hostile".into(),
        ),
        hostile.clone(),
    );
    let got: BTreeMap<(String, String, String), Value> = items
        .iter()
        .map(|i| {
            (
                (
                    i["user_id"]
                        .as_str()
                        .unwrap_or("contact-center")
                        .to_string(),
                    i["group"].as_str().unwrap().to_string(),
                    i["setting_key"].as_str().unwrap().to_string(),
                ),
                i["value"].clone(),
            )
        })
        .collect();
    assert_eq!(got, want);

    // The page: parsed without a browser; the markup is text, not elements.
    let html = std::fs::read_to_string(dir.path().join("export.html")).unwrap();
    assert!(!html.contains("<script>"), "unescaped markup in the page");
    let doc = scraper::Html::parse_document(&html);
    let sel = |s: &str| scraper::Selector::parse(s).unwrap();
    assert_eq!(doc.select(&sel("script")).count(), 0);
    assert_eq!(doc.select(&sel("b")).count(), 0);
    let rows = doc.select(&sel("table.items tr")).count();
    assert_eq!(rows, items.len() + 1, "one row per item plus the header");
    let text: String = doc.root_element().text().collect();
    assert!(text.contains("<script>alert('x')</script>"));
    assert!(text.contains("john.smith@pizza.com"));
    // The list's other entries are counted, said on the page, and nowhere in either file.
    let list = items
        .iter()
        .find(|i| i["setting_key"] == "shared-list")
        .unwrap();
    assert_eq!(list["entries_not_shown"], 2, "{list}");
    assert!(
        text.contains("2 other entries of this list are not shown"),
        "{text}"
    );
    for other in ["other.one", "Other One", "other.two", "0077"] {
        assert!(!text.contains(other), "{other} is on the subject's page");
        assert!(
            !export.to_string().contains(other),
            "{other} is in the export"
        );
    }

    // Both ways round: the other person's export of the same list holds none of the subject.
    let other_path = dir.path().join("other.json");
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--search",
        "other.one@pizza.com",
        "--no-progress",
        "--export",
        other_path.to_str().unwrap(),
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let other: Value =
        serde_json::from_str(&std::fs::read_to_string(&other_path).unwrap()).unwrap();
    let other_items = other["items"].as_array().unwrap();
    assert_eq!(other_items.len(), 1, "{other}");
    assert_eq!(
        other_items[0]["value"],
        json!({"name": "shared-list", "entries": [shared["entries"][0].clone()]})
    );
    assert_eq!(other_items[0]["entries_not_shown"], 2);
    let other_page = std::fs::read_to_string(dir.path().join("other.html")).unwrap();
    for subject in ["john.smith", "Other Two", "other.two"] {
        assert!(!other.to_string().contains(subject), "{subject} in {other}");
        assert!(!other_page.contains(subject), "{subject} on the other page");
    }
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_of_nothing_says_so_with_the_scan_behind_it() {
    let s = seeded("export_none").await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.json");
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--search",
        "never.seen@pizza.com",
        "--export",
        path.to_str().unwrap(),
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let export: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(export["items"].as_array().unwrap().len(), 0);
    assert_eq!(export["scan"]["complete"], Value::Bool(true));
    assert!(export["scan"]["rows"].as_u64().unwrap() > 0);
    assert!(export["statement"]
        .as_str()
        .unwrap()
        .contains("found no data"));
    s.emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_receipt_proves_the_erasure_without_personal_data_and_rechecks_later() {
    let s = seeded("receipt").await;
    let dir = tempfile::tempdir().unwrap();
    let receipt_path = dir.path().join("receipt.json");
    // The region of the stored national spellings is given, so they are exact matches (a
    // region-guessed match is only possible, and is not erased: docs/matching.md).
    let ids = [
        "--search",
        "john.smith@pizza.com",
        "--search",
        "+15550100001",
        "--default-region",
        "US",
    ];
    let mut extra = ids.to_vec();
    extra.extend(["--receipt", receipt_path.to_str().unwrap()]);
    let before = dump(&s.keyspace).await;
    let run = forget_me_env(&cleanup_args(&s, dir.path(), &extra), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    let text = std::fs::read_to_string(&receipt_path).unwrap();
    let readable = std::fs::read_to_string(dir.path().join("receipt.txt")).unwrap();
    for doc in [&text, &readable] {
        for spelling in [
            "john.smith",
            "JOHN.SMITH",
            "John.Smith",
            "5550100001",
            "555) 010",
            "555 010 0001",
        ] {
            assert!(!doc.contains(spelling), "receipt holds {spelling}");
        }
    }
    let r: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(r["schema"], "gdpr-forget-me/erasure-receipt/v1");
    assert_eq!(r["subjects"].as_array().unwrap().len(), 2);
    assert!(r["subjects"][0]
        .as_str()
        .unwrap()
        .starts_with("hmac-sha256:"));
    assert_eq!(r["verification"]["verified"], Value::Bool(true));
    assert_eq!(r["verification"]["consistency"], "QUORUM");
    let locations = r["locations"].as_array().unwrap();
    assert!(locations.len() >= 4);
    assert!(locations
        .iter()
        .all(|l| l["action"] == "deleted" || l["action"] == "rewritten"));
    assert!(locations
        .iter()
        .any(|l| l["action"] == "rewritten" && !l["removed_paths"].as_array().unwrap().is_empty()));

    // The audit segment is the run's, and its digest checks against the log.
    let log = dir.path().join("audit.jsonl");
    let (first, last) = (
        r["audit"]["first_seq"].as_u64().unwrap(),
        r["audit"]["last_seq"].as_u64().unwrap(),
    );
    assert_eq!(first, 1);
    assert_eq!(
        r["audit"]["segment_digest"],
        forgetme_audit::segment_digest(&log, first, last).unwrap()
    );
    let report = forgetme_audit::verify_chain(&log, None).unwrap().unwrap();
    assert_eq!(report.events, last);
    assert_eq!(r["audit"]["head"], report.head);

    // On disk: gc_grace_seconds of the table and the purge date; snapshots said either way.
    let table = &r["disk"]["tables"][0];
    assert_eq!(table["gc_grace_seconds"], 864000);
    assert!(table["purgeable_after"].as_str().unwrap().starts_with("20"));
    let snaps = &r["disk"]["snapshots"];
    assert!(snaps["readable"].is_boolean() && !snaps["note"].as_str().unwrap().is_empty());
    assert!(readable.contains("Backups and snapshots taken before the erasure"));

    // Re-check: clean now.
    let key = dir.path().join("audit.key");
    let recheck = |ids: Vec<&str>| {
        let mut a = cass_args(&s.keyspace);
        a.extend(strings(&[
            "--recheck-receipt",
            receipt_path.to_str().unwrap(),
            "--audit-key",
            key.to_str().unwrap(),
        ]));
        a.extend(strings(&ids));
        a
    };
    let run = forget_me(&recheck(ids.to_vec())).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("clean"), "{}", run.stdout);

    assert!(
        run.stderr.contains("seals checked"),
        "the receipt was not checked against its log: {}",
        run.stderr
    );

    // An identifier that is not a subject of the receipt is refused.
    let run = forget_me(&recheck(vec!["--search", "someone.else@pizza.com"])).await;
    assert_eq!(run.code, 2, "{}", run.stderr);

    // Without the audit key the subjects cannot be checked: refused, not "clean".
    let mut keyless = cass_args(&s.keyspace);
    keyless.extend(strings(&[
        "--recheck-receipt",
        receipt_path.to_str().unwrap(),
        "--audit-key",
        dir.path().join("no-such.key").to_str().unwrap(),
    ]));
    keyless.extend(strings(&ids));
    let run = forget_me(&keyless).await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains("needs the run's audit key"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("clean"), "{}", run.stdout);

    // A receipt with a location removed, or its digest zeroed, does not match its log.
    let forged = dir.path().join("forged.json");
    let mut fewer = r.clone();
    fewer["locations"].as_array_mut().unwrap().pop();
    let mut zeroed = r.clone();
    zeroed["audit"]["segment_digest"] = Value::String("0".repeat(64));
    for (what, doc) in [("a location removed", fewer), ("digest zeroed", zeroed)] {
        std::fs::write(&forged, serde_json::to_string(&doc).unwrap()).unwrap();
        let mut a = cass_args(&s.keyspace);
        a.extend(strings(&[
            "--recheck-receipt",
            forged.to_str().unwrap(),
            "--audit-key",
            key.to_str().unwrap(),
        ]));
        a.extend(strings(&ids));
        let run = forget_me(&a).await;
        assert_eq!(run.code, 2, "{what}: {}\n{}", run.stdout, run.stderr);
        // The seal, checked first, no longer matches.
        assert!(
            run.stderr.contains("seal does not match"),
            "{what}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("clean"), "{what}: {}", run.stdout);
    }

    // A restored backup: a deleted favorite comes back directly in Cassandra.
    let deleted = locations.iter().find(|l| l["action"] == "deleted").unwrap();
    let k = (
        deleted["owner_id"].as_str().unwrap().to_string(),
        deleted["group"].as_str().unwrap().to_string(),
        deleted["setting_key"].as_str().unwrap().to_string(),
    );
    let session = testkit::cassandra_session(None).await;
    session
        .query_unpaged(
            format!("INSERT INTO {}.settings (owner_id, group_name, setting_key, value) VALUES (?, ?, ?, ?)", s.keyspace),
            (&k.0, &k.1, &k.2, &before[&k]),
        )
        .await
        .unwrap();
    let run = forget_me(&recheck(ids.to_vec())).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stdout.contains("DATA IS BACK"), "{}", run.stdout);
    assert!(run.stdout.contains(&k.2), "{}", run.stdout);
    s.emulator.shutdown().await;
}

/// An erasure with both identifiers, with its receipt at `DIR/receipt.json`.
async fn erased_with_receipt(s: &Seeded, dir: &std::path::Path) -> Value {
    let mut extra = RECEIPT_IDS.to_vec();
    let receipt_path = dir.join("receipt.json");
    extra.extend(["--receipt", receipt_path.to_str().unwrap()]);
    let run = forget_me_env(&cleanup_args(s, dir, &extra), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    serde_json::from_str(&std::fs::read_to_string(receipt_path).unwrap()).unwrap()
}

const RECEIPT_IDS: [&str; 6] = [
    "--search",
    "john.smith@pizza.com",
    "--search",
    "+15550100001",
    "--default-region",
    "US",
];

fn recheck_args(
    s: &Seeded,
    receipt: &std::path::Path,
    key: &std::path::Path,
    ids: &[&str],
) -> Vec<String> {
    let mut a = cass_args(&s.keyspace);
    a.extend(strings(&[
        "--recheck-receipt",
        receipt.to_str().unwrap(),
        "--audit-key",
        key.to_str().unwrap(),
    ]));
    a.extend(strings(ids));
    a
}

/// A re-check given only some of the receipt's subjects is refused (exit 2), saying how many
/// refs are not covered: a "clean" about the e-mail address would say nothing of the number.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recheck_must_cover_every_subject_of_the_receipt() {
    let s = seeded("recheck_cover").await;
    let dir = tempfile::tempdir().unwrap();
    let r = erased_with_receipt(&s, dir.path()).await;
    assert_eq!(r["subjects"].as_array().unwrap().len(), 2);
    let run = forget_me(&recheck_args(
        &s,
        &dir.path().join("receipt.json"),
        &dir.path().join("audit.key"),
        &["--search", "john.smith@pizza.com"],
    ))
    .await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr
            .contains("1 of the receipt's 2 subject ref(s) are not covered"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("clean"), "{}", run.stdout);
    s.emulator.shutdown().await;
}

/// Every receipt is sealed with the audit key. With its audit log moved away (so only the key
/// can check it), a receipt whose locations were removed, whose log was re-pointed or whose
/// seal was removed is refused (exit 2), never "clean: 0 location(s)"; the receipt as written
/// still re-checks clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edited_cut_or_repointed_receipt_is_refused_by_its_seal_without_its_log() {
    let s = seeded("receipt_seal").await;
    let dir = tempfile::tempdir().unwrap();
    let r = erased_with_receipt(&s, dir.path()).await;
    let seal = r["seal"].as_str().expect("a sealed receipt");
    assert_eq!(seal.len(), 64, "{seal}");
    assert!(!r["locations"].as_array().unwrap().is_empty());
    let key = dir.path().join("audit.key");
    // The log moves away: the receipt can be checked against the key only.
    std::fs::rename(
        dir.path().join("audit.jsonl"),
        dir.path().join("moved.jsonl"),
    )
    .unwrap();
    let forged = dir.path().join("forged.json");
    let mut cut = r.clone();
    cut["locations"] = Value::Array(Vec::new());
    let mut repointed = r.clone();
    repointed["audit"]["log"] = Value::String("/nowhere/audit.jsonl".into());
    let mut cut_and_repointed = cut.clone();
    cut_and_repointed["audit"]["log"] = Value::String("/nowhere/audit.jsonl".into());
    let mut unsealed = cut_and_repointed.clone();
    unsealed.as_object_mut().unwrap().remove("seal");
    for (what, doc, says) in [
        ("locations removed", cut, "seal does not match"),
        ("log re-pointed", repointed, "seal does not match"),
        (
            "cut and re-pointed",
            cut_and_repointed,
            "seal does not match",
        ),
        ("seal removed", unsealed, "carries no seal"),
    ] {
        std::fs::write(&forged, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
        let run = forget_me(&recheck_args(&s, &forged, &key, &RECEIPT_IDS)).await;
        assert_eq!(run.code, 2, "{what}: {}\n{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(says), "{what}: {}", run.stderr);
        assert!(!run.stdout.contains("clean"), "{what}: {}", run.stdout);
    }
    let run = forget_me(&recheck_args(
        &s,
        &dir.path().join("receipt.json"),
        &key,
        &RECEIPT_IDS,
    ))
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("clean"), "{}", run.stdout);
    s.emulator.shutdown().await;
}

/// The seeded corporate favorite holds the first subject: a contact-center setting this tool
/// never erases. The receipt lists it under `left_stored` with who must act (the GWS
/// administrator), its text does not say a bare VERIFIED, and the ledger does not call the
/// request answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corporate_favorite_left_holding_the_subject_is_in_the_receipt_with_who_must_act() {
    let s = seeded("receipt_left").await;
    let dir = tempfile::tempdir().unwrap();
    let mut extra = RECEIPT_IDS.to_vec();
    let receipt_path = dir.path().join("receipt.json");
    extra.extend([
        "--receipt",
        receipt_path.to_str().unwrap(),
        "--case",
        "DSR-LEFT-1",
    ]);
    let run = forget_me_env(&cleanup_args(&s, dir.path(), &extra), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&receipt_path).unwrap()).unwrap();
    let left = r["left_stored"].as_array().expect("left_stored listed");
    let corporate: Vec<&Value> = left
        .iter()
        .filter(|l| l["action"] == "left_stored_corporate")
        .collect();
    assert_eq!(corporate.len(), 1, "{r}");
    assert_eq!(corporate[0]["owner_id"], "contact-center", "{r}");
    assert!(
        corporate[0]["to_do"]
            .as_str()
            .unwrap()
            .contains("GWS administrator"),
        "{r}"
    );
    let text = std::fs::read_to_string(dir.path().join("receipt.txt")).unwrap();
    assert!(text.contains("Still stored (1)"), "{text}");
    assert!(text.contains("NOT COMPLETE"), "{text}");
    for spelling in ["john.smith", "5550100001"] {
        assert!(!serde_json::to_string(&r).unwrap().contains(spelling));
    }

    let mut show = strings(&[
        "requests",
        "show",
        "DSR-LEFT-1",
        "--format",
        "json",
        "--audit-log",
    ]);
    show.push(dir.path().join("audit.jsonl").display().to_string());
    let ledger = forget_me(&show).await;
    assert_eq!(ledger.code, 0, "{}", ledger.stderr);
    let doc = ledger.json();
    assert_eq!(doc["answered"], false, "{doc}");
    let verified = doc["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["status"] == "verified")
        .unwrap();
    assert_eq!(verified["outcome"], "partial", "{doc}");
    assert!(
        verified["detail"]
            .as_str()
            .unwrap()
            .contains("still hold an identifier"),
        "{doc}"
    );
    s.emulator.shutdown().await;
}
