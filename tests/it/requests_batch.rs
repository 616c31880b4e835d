//! `--requests FILE --out DIR`: a batch of privacy requests answered from one scan, each into
//! its own folder, against the real node and the emulator.

use crate::common::*;
use gws_emulator::{Fault, FaultRule};
use serde_json::{json, Value};
use std::path::Path;

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);

/// Every byte of every file under `dir`, with its path.
fn files_under(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            out.push((path.display().to_string(), text));
        }
    }
    out
}

/// Two people share one recents list. One asks for access, the other for erasure; the batch
/// scans once, and neither's folder holds a trace of the other. The erasure takes the
/// erasure subject's entry out of the shared list and leaves the access subject's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_requests_sharing_a_setting_each_get_only_their_own_data() {
    let s = seeded("batch").await;
    let agent = testkit::user_id(&testkit::agent_user(3));
    let shared = json!({
        "name": "shared-batch-list",
        "entries": [
            {"displayName": "John", "emailAddress": "john.smith@pizza.com", "lastUsed": "2026-10-01T09:00:00Z"},
            {"displayName": "Emma", "emailAddress": "emma.jones@pizza.co.uk", "lastUsed": "2026-10-02T09:00:00Z"}
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
    let before = dump(&s.keyspace).await;
    let holding = |rows: &std::collections::BTreeMap<(String, String, String), String>,
                   needle: &str| {
        rows.values().filter(|v| v.contains(needle)).count()
    };
    assert!(holding(&before, "emma.jones@pizza.co.uk") > 1);
    let john_before = holding(&before, "john.smith@pizza.com");

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requests.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"id":"DSR-2026-0001","identifiers":["john.smith@pizza.com","+1 555 010 0001"],"received":"2026-11-20","action":"export"}"#,
            r#"{"id":"DSR-2026-0002","identifiers":["emma.jones@pizza.co.uk","GB:020 7946 0123"],"received":"2026-11-21","action":"erase"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let out = dir.path().join("answers");
    let mut args = cleanup_args(&s, dir.path(), &[]);
    args.extend(strings(&[
        "--requests",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    // The table names requests and counts, never an identifier.
    for id in ["DSR-2026-0001", "DSR-2026-0002"] {
        assert!(run.stdout.contains(id), "{}", run.stdout);
    }
    for secret in ["john.smith", "emma.jones", "5550100001", "79460123"] {
        assert!(!run.stdout.contains(secret), "{}", run.stdout);
        assert!(!run.stderr.contains(secret), "{}", run.stderr);
    }

    let john = out.join("DSR-2026-0001");
    let emma = out.join("DSR-2026-0002");
    for f in [
        "export.json",
        "export.html",
        "export.subject.html",
        "summary.json",
    ] {
        assert!(john.join(f).is_file(), "{f}");
        assert!(emma.join(f).is_file(), "{f}");
    }
    assert!(emma.join("receipt.json").is_file());
    assert!(
        !john.join("receipt.json").exists(),
        "an access request erases nothing"
    );

    // Each folder holds its own subject and nothing of the other.
    for (folder, own, other) in [
        (
            &john,
            "john.smith@pizza.com",
            ["emma.jones", "Emma", "79460123", "7946 0123"],
        ),
        (
            &emma,
            "emma.jones@pizza.co.uk",
            ["john.smith", "John", "5550100001", "555 010 0001"],
        ),
    ] {
        let files = files_under(folder);
        assert!(
            files
                .iter()
                .any(|(p, t)| p.ends_with("export.json") && t.contains(own)),
            "{own}"
        );
        for (path, text) in &files {
            for o in other {
                assert!(!text.contains(o), "{path} holds {o}");
            }
        }
    }
    let export: Value =
        serde_json::from_str(&std::fs::read_to_string(john.join("export.json")).unwrap()).unwrap();
    let list = export["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["setting_key"] == "shared-batch-list")
        .expect("the shared list is in the access subject's export");
    assert_eq!(list["entries_not_shown"], 1, "{list}");

    // The erasure: Emma is gone everywhere, John is where he was (his shared-list entry too).
    let after = dump(&s.keyspace).await;
    assert_eq!(holding(&after, "emma.jones@pizza.co.uk"), 0);
    assert_eq!(holding(&after, "john.smith@pizza.com"), john_before);
    let list_after = after
        .iter()
        .find(|((_, _, k), _)| k == "shared-batch-list")
        .map(|(_, v)| v.clone())
        .expect("the shared list stays: it holds the other person");
    assert!(list_after.contains("john.smith@pizza.com"), "{list_after}");

    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(emma.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["search"]["complete"], true);
    // The summary carries the request's own search report: its hits, its identifiers only.
    let report_ids = summary["report"]["identifiers"].as_array().unwrap();
    assert_eq!(report_ids.len(), 2, "{summary}");
    assert!(summary["report"]["matches"].as_array().unwrap().len() > 1);
    assert!(
        summary["erasure"].as_str().unwrap().ends_with("; verified"),
        "{summary}"
    );
    let receipt: Value =
        serde_json::from_str(&std::fs::read_to_string(emma.join("receipt.json")).unwrap()).unwrap();
    assert_eq!(receipt["case"], "DSR-2026-0002");
    assert_eq!(receipt["subjects"].as_array().unwrap().len(), 2);
    assert_eq!(receipt["verification"]["verified"], true);
    // A batch's receipt is signed like a single run's, with the key beside the audit key.
    let keys = forgetme_audit::signing::keyfile::public_keys(&dir.path().join("audit.key"))
        .unwrap()
        .all();
    let signed = std::fs::read(emma.join("receipt.json")).unwrap();
    forgetme_audit::signing::verify_document(&signed, &keys).expect("a signed receipt");

    // The ledger: both requests, with the received dates of the file.
    let mut list_args = strings(&["requests", "list", "--format", "json", "--audit-log"]);
    list_args.push(dir.path().join("audit.jsonl").display().to_string());
    let listed = forget_me(&list_args).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let requests = listed.json()["requests"].as_array().unwrap().clone();
    let of = |id: &str| requests.iter().find(|r| r["id"] == id).unwrap().clone();
    assert_eq!(of("DSR-2026-0001")["received"], "2026-11-20");
    assert_eq!(of("DSR-2026-0001")["status"], "exported");
    // Each request's type follows its action: an export is an access request, answered by
    // it; an erase request is an erasure request.
    assert_eq!(of("DSR-2026-0001")["type"], "access");
    assert_eq!(of("DSR-2026-0001")["state"], "answered");
    assert_eq!(of("DSR-2026-0002")["type"], "erasure");
    assert_eq!(of("DSR-2026-0002")["received"], "2026-11-21");
    assert_eq!(of("DSR-2026-0002")["status"], "verified");
    let ledger_bytes = std::fs::read(dir.path().join("gdpr_forget_me.requests.sqlite")).unwrap();
    let ledger_text = String::from_utf8_lossy(&ledger_bytes);
    for secret in ["john.smith", "emma.jones", "5550100001", "79460123"] {
        assert!(!ledger_text.contains(secret));
    }

    // The same batch again is refused before anything is read: its answers exist.
    let again = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(again.stderr.contains("exists already"), "{}", again.stderr);
}

/// A request file with bad lines is refused whole, each bad line named, before anything is
/// read or created, and without repeating any identifier.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_request_lines_are_refused_with_their_numbers_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requests.csv");
    std::fs::write(
        &file,
        "id,identifiers,region,received,action\n\
         R-1,ann@example.com,,2026-11-02,export\n\
         R-2,bob@exa mple.com,,,export\n\
         R-3,carl@example.com,,2026-13-01,erase\n\
         R-4,ann@example.com,,,search\n",
    )
    .unwrap();
    let out = dir.path().join("answers");
    // Port 1: nothing listens; the refusal must come before any connection.
    let run = forget_me(&strings(&[
        "--cass_hostname",
        "127.0.0.1",
        "--cass_port",
        "1",
        "--requests",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]))
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    for line in ["line 3:", "line 4:", "line 5:"] {
        assert!(run.stderr.contains(line), "{}", run.stderr);
    }
    assert!(!run.stderr.contains("line 2:"), "{}", run.stderr);
    for person in ["ann", "bob", "carl"] {
        assert!(!run.stderr.contains(person), "{}", run.stderr);
    }
    assert!(!out.exists());

    // --requests is a batch: single-request flags do not mix with it.
    let run = forget_me(&strings(&[
        "--requests",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--search",
        "x@example.com",
    ]))
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(!out.exists());
}

/// A batch erasure that GWS fails for one agent: that request's folder and the ledger say
/// partial, the batch exits 1; the next batch (a new --out) finishes it, and the ledger says
/// verified.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partly_failed_batch_erasure_shows_in_the_ledger_and_the_next_batch_finishes_it() {
    let s = seeded("batch_partial").await;
    let places = agent_places(&s);
    let all = touched(&places);
    let victim = all.iter().next().unwrap().0.clone();
    for method in ["DELETE", "PUT"] {
        s.emulator.faults().add(
            FaultRule::new(Fault::InternalError)
                .method(method)
                .path_contains(&victim),
        );
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requests.csv");
    std::fs::write(
        &file,
        "id,identifiers,region,action\nDSR-9,john.smith@pizza.com;+15550100001,US,erase\n",
    )
    .unwrap();
    // The stored numbers are read with the installation's region (a request's `region` reads
    // only its own identifiers), so the national spellings agents stored are exact matches.
    let batch = |out: &str| {
        let mut args = cleanup_args(&s, dir.path(), &["--default-region", "US"]);
        args.extend(strings(&[
            "--requests",
            file.to_str().unwrap(),
            "--out",
            dir.path().join(out).to_str().unwrap(),
        ]));
        args
    };
    let status = |listed: &Run| {
        listed.json()["requests"][0]["outcome"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut list_args = strings(&["requests", "list", "--format", "json", "--audit-log"]);
    list_args.push(dir.path().join("audit.jsonl").display().to_string());

    let run = forget_me_env(&batch("first"), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("1 not"), "{}", run.stdout);
    let summary: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("first/DSR-9/summary.json")).unwrap(),
    )
    .unwrap();
    let erasure = summary["erasure"].as_str().unwrap();
    assert!(!erasure.contains(" 0 failed"), "{summary}");
    assert!(erasure.contains("; NOT verified"), "{summary}");
    let listed = forget_me(&list_args).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    assert_ne!(status(&listed), "ok", "{}", listed.stdout);

    s.emulator.faults().clear();
    // The seeded corporate favorite holds the subject and is never erased by the tool: the
    // GWS administrator removes it, else the request stays unanswered (its receipt says so).
    let session = testkit::cassandra_session(None).await;
    for ((owner, group, key), value) in dump(&s.keyspace).await {
        if owner == "contact-center" && value.contains("john.smith@pizza.com") {
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
    }
    // The second run says it in JSON (the first said it in text, above).
    let mut second = batch("second");
    second.extend(strings(&["--format", "json"]));
    let run = forget_me_env(&second, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let answered = run.json();
    assert_eq!(answered["answered"], 1, "{answered}");
    assert_eq!(answered["not_answered"], 0, "{answered}");
    let request = &answered["requests"][0];
    assert_eq!(request["id"], "DSR-9", "{answered}");
    assert_eq!(request["action"], "erase", "{answered}");
    assert_eq!(request["answered"], true, "{answered}");
    assert_eq!(request["complete"], true, "{answered}");
    assert!(
        request["erasure"]
            .as_str()
            .is_some_and(|e| e.ends_with("; verified")),
        "{answered}"
    );
    assert!(
        request["folder"]
            .as_str()
            .is_some_and(|f| Path::new(f).join("receipt.json").is_file()),
        "{answered}"
    );
    assert!(!run.stdout.contains("john.smith"), "{}", run.stdout);
    let listed = forget_me(&list_args).await;
    assert_eq!(listed.json()["requests"][0]["status"], "verified");
    assert_eq!(status(&listed), "ok", "{}", listed.stdout);
    let after = dump(&s.keyspace).await;
    for (key, value) in &after {
        if all.contains(key) {
            assert!(!value.contains("john.smith@pizza.com"), "{key:?}");
        }
    }
}

/// A batch without `--cleanup true` exports an erasure request but does not erase it: the
/// request is not answered (stdout, JSON, the ledger), and the batch exits 1. The export
/// request of the same batch is answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_erasure_request_run_without_cleanup_is_not_answered() {
    let s = seeded("batch_nocleanup").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requests.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"id":"DSR-NC-1","identifiers":["john.smith@pizza.com"],"action":"erase"}"#,
            r#"{"id":"DSR-NC-2","identifiers":["emma.jones@pizza.co.uk"],"action":"export"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--no-progress",
        "--format",
        "json",
        "--requests",
        file.to_str().unwrap(),
        "--out",
        dir.path().join("answers").to_str().unwrap(),
        "--audit-log",
        dir.path().join("audit.jsonl").to_str().unwrap(),
        "--audit-key",
        dir.path().join("audit.key").to_str().unwrap(),
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let answered = run.json();
    assert_eq!(answered["answered"], 1, "{answered}");
    assert_eq!(answered["not_answered"], 1, "{answered}");
    assert_eq!(answered["requests"][0]["answered"], false, "{answered}");
    assert_eq!(answered["requests"][1]["answered"], true, "{answered}");

    let mut list = strings(&["requests", "list", "--format", "json", "--audit-log"]);
    list.push(dir.path().join("audit.jsonl").display().to_string());
    let listed = forget_me(&list).await;
    assert_eq!(listed.code, 0, "{}", listed.stderr);
    let listed = listed.json();
    let by_id = |id: &str| {
        listed["requests"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_id("DSR-NC-1")["answered"], false, "{listed}");
    assert_eq!(by_id("DSR-NC-1")["status"], "erased", "{listed}");
    assert_eq!(by_id("DSR-NC-1")["outcome"], "failed", "{listed}");
    assert_eq!(by_id("DSR-NC-2")["answered"], true, "{listed}");
}

/// A request received "tomorrow" refuses the whole batch before anything is read, created or
/// changed (exit 2): the ledger would have refused it only after the batch's erasures.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_future_received_date_refuses_the_batch_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requests.csv");
    let later = (std::time::SystemTime::now() + std::time::Duration::from_secs(2 * 86_400))
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        / 86_400;
    // Days since 1970 to a civil date (Howard Hinnant's algorithm).
    let z = later as i64 + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    std::fs::write(
        &file,
        format!(
            "id,identifiers,region,received,action\n\
             R-1,ann@example.com,,2026-01-02,erase\n\
             R-2,bob@example.com,,{year:04}-{month:02}-{day:02},erase\n"
        ),
    )
    .unwrap();
    let out = dir.path().join("answers");
    let run = forget_me(&strings(&[
        "--cass_hostname",
        "127.0.0.1",
        "--cass_port",
        "1",
        "--requests",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--audit-log",
        dir.path().join("audit.jsonl").to_str().unwrap(),
    ]))
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("line 3:"), "{}", run.stderr);
    assert!(run.stderr.contains("in the future"), "{}", run.stderr);
    assert!(!out.exists());
    assert!(!dir.path().join("audit.jsonl").exists());
    assert!(!dir.path().join("gdpr_forget_me.requests.sqlite").exists());
}

/// A batch's access exports rest on every copy of every range, as a single `--export` does:
/// the officer's record and the request's summary say "every replica", never "ONE replica".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_export_reads_every_copy_by_default() {
    let s = seeded("batch_copies").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requests.jsonl");
    std::fs::write(
        &file,
        r#"{"id":"DSR-CP-1","identifiers":["john.smith@pizza.com"],"action":"export"}"#,
    )
    .unwrap();
    let out = dir.path().join("answers");
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--no-progress",
        "--requests",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--audit-log",
        dir.path().join("audit.jsonl").to_str().unwrap(),
        "--audit-key",
        dir.path().join("audit.key").to_str().unwrap(),
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let summary = std::fs::read_to_string(out.join("DSR-CP-1/summary.json")).unwrap();
    assert!(
        summary.contains("every replica of every token range"),
        "{summary}"
    );
    assert!(!summary.contains("ONE replica"), "{summary}");
    let export = std::fs::read_to_string(out.join("DSR-CP-1/export.json")).unwrap();
    assert!(!export.contains("ONE replica"), "{export}");
}

/// One request in German, one in English, in one batch: each subject's copy is in its
/// request's language, with that language's template, and names its request's id and the day
/// it answers on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_request_gets_its_copy_in_its_own_language_with_its_reference() {
    let s = seeded("batch_language").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requests.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"id":"DSR-EN-1","identifiers":["john.smith@pizza.com"],"action":"export"}"#,
            r#"{"id":"DSR-DE-2","identifiers":["emma.jones@pizza.co.uk"],"language":"de","action":"export"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let out = dir.path().join("answers");
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--no-progress",
        "--requests",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--audit-log",
        dir.path().join("audit.jsonl").to_str().unwrap(),
        "--audit-key",
        dir.path().join("audit.key").to_str().unwrap(),
        "--subject-template",
        filled_template(dir.path(), "de").to_str().unwrap(),
        "--subject-template",
        filled_template(dir.path(), "en").to_str().unwrap(),
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    let page_text = |id: &str| {
        let page = std::fs::read_to_string(out.join(id).join("export.subject.html")).unwrap();
        let doc = scraper::Html::parse_document(&page);
        let text: String = doc.root_element().text().collect();
        (page, text)
    };
    let copy_of = |id: &str| -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(out.join(id).join("export.subject.json")).unwrap(),
        )
        .unwrap()
    };
    let (en_copy, de_copy) = (copy_of("DSR-EN-1"), copy_of("DSR-DE-2"));
    let today = &en_copy["generated_at"].as_str().unwrap()[..10];
    for (copy, id, language) in [(&en_copy, "DSR-EN-1", "en"), (&de_copy, "DSR-DE-2", "de")] {
        assert_eq!(copy["reference"], id);
        assert_eq!(copy["language"], language);
        assert_eq!(copy["answered_on"], today);
        assert!(!copy["records"].as_array().unwrap().is_empty(), "{copy}");
    }

    let (page, text) = page_text("DSR-EN-1");
    assert!(page.contains("<html lang=\"en\">"));
    for shown in [
        "Your request: DSR-EN-1",
        "Answered on ",
        "From Acme Test Stores plc",
        "What we hold about you",
    ] {
        assert!(text.contains(shown), "{shown:?}:\n{text}");
    }
    assert!(
        !text.contains("Acme Testmarkt") && !text.contains("Ihre"),
        "{text}"
    );

    let (page, text) = page_text("DSR-DE-2");
    assert!(page.contains("<html lang=\"de\">"));
    for shown in [
        "Ihre Anfrage: DSR-DE-2",
        "Beantwortet am ",
        "Von Acme Testmarkt GmbH",
        "Was wir über Sie gespeichert haben",
        "emma.jones@pizza.co.uk",
    ] {
        assert!(text.contains(shown), "{shown:?}:\n{text}");
    }
    for english in crate::subject_copy::english_words() {
        assert!(!text.contains(&english), "English {english:?}:\n{text}");
    }
    assert!(!text.contains("Acme Test Stores"), "{text}");
    // Neither copy holds the other request's id or person.
    assert!(!text.contains("DSR-EN-1") && !text.contains("john.smith"));
    let (_, text) = page_text("DSR-EN-1");
    assert!(!text.contains("DSR-DE-2") && !text.contains("emma.jones"));
}
