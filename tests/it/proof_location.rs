//! Where the proof lives: the audit log and key go where the operator pinned them (not into
//! whatever folder the tool was started from), their creation is announced, a `--case`
//! reference travels into the log and the receipt, and a cleanup that erased nothing still
//! leaves a receipt saying so.

use crate::common::*;
use serde_json::Value;

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);

fn receipts_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut found: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.starts_with("gdpr_forget_me.receipt.") && name.ends_with(".json")
        })
        .collect();
    found.sort();
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pinned_audit_place_a_case_and_a_receipt_for_nothing_to_erase() {
    let s = seeded("proof_place").await;
    let before = dump(&s.keyspace).await;
    let started_in = tempfile::tempdir().unwrap();
    let pinned = tempfile::tempdir().unwrap();
    let log = pinned.path().join("audit.jsonl");
    let key = pinned.path().join("audit.key");
    let env = [
        PASSWORD_ENV,
        ("GDPR_FORGET_ME_AUDIT_LOG", log.to_str().unwrap()),
        ("GDPR_FORGET_ME_AUDIT_KEY", key.to_str().unwrap()),
    ];
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--gws",
        &s.emulator.base_url(),
        "--gws_username",
        testkit::ADMIN_USER,
        "--cleanup",
        "true",
        "--yes",
        "--no-progress",
        "--format",
        "json",
        "--case",
        "DSR-2026-0042",
        // Nobody in the seeded data.
        "--search",
        "nobody.here@example.org",
    ]));

    let run = forget_me_in(Some(started_in.path()), &args, &env).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert_eq!(run.json()["cleanup"]["erased"], 0);
    // The log and key are where they were pinned, and nothing was left in the start folder.
    assert!(log.is_file() && key.is_file());
    assert_eq!(
        std::fs::read_dir(started_in.path()).unwrap().count(),
        0,
        "files were written into the folder the tool was started from"
    );
    // Their creation is said, with the full path.
    for what in ["created the audit key", "created the audit log"] {
        assert!(run.stderr.contains(what), "{what}: {}", run.stderr);
    }
    assert!(
        run.stderr.contains(pinned.path().to_str().unwrap()),
        "{}",
        run.stderr
    );

    // The receipt says nothing was erased, and on what search that rests.
    let receipts = receipts_in(pinned.path());
    assert_eq!(receipts.len(), 1, "{receipts:?}\n{}", run.stderr);
    let receipt: Value = serde_json::from_slice(&std::fs::read(&receipts[0]).unwrap()).unwrap();
    assert_eq!(receipt["locations"], Value::Array(vec![]), "{receipt}");
    assert_eq!(receipt["case"], "DSR-2026-0042");
    assert_eq!(receipt["scan"]["complete"], Value::Bool(true), "{receipt}");
    assert_eq!(receipt["scan"]["matched"], 0, "{receipt}");
    assert!(receipt["scan"]["rows"].as_u64().unwrap() > 0, "{receipt}");
    assert_eq!(receipt["verification"]["verified"], Value::Bool(true));
    let text = std::fs::read_to_string(receipts[0].with_extension("txt")).unwrap();
    assert!(text.contains("case DSR-2026-0042"), "{text}");
    assert!(text.contains("nothing was erased"), "{text}");
    assert!(text.contains("every token range read"), "{text}");

    // The case is in the run's first event; the identifier is not anywhere in the log.
    let log_text = std::fs::read_to_string(&log).unwrap();
    let start: Value = serde_json::from_str(log_text.lines().next().unwrap()).unwrap();
    assert_eq!(start["kind"], "run_start", "{start}");
    assert!(
        log_text.contains("\"case\":\"DSR-2026-0042\""),
        "{log_text}"
    );
    assert!(!log_text.contains("nobody.here"), "{log_text}");
    assert_eq!(dump(&s.keyspace).await, before, "nothing may change");

    // A second run finds both in place and does not announce them again.
    let run = forget_me_in(Some(started_in.path()), &args, &env).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("created the audit"), "{}", run.stderr);
    assert_eq!(receipts_in(pinned.path()).len(), 2);

    // The receipt of a run that erased nothing re-checks against its log.
    let recheck = forget_me_in(
        Some(started_in.path()),
        &{
            let mut a = cass_args(&s.keyspace);
            a.extend(strings(&[
                "--search",
                "nobody.here@example.org",
                "--recheck-receipt",
                receipts[0].to_str().unwrap(),
            ]));
            a
        },
        &env,
    )
    .await;
    assert_eq!(recheck.code, 0, "{}\n{}", recheck.stdout, recheck.stderr);

    s.emulator.shutdown().await;
}

#[tokio::test]
async fn a_case_reference_is_a_ticket_number_never_the_subject_in_any_spelling() {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    drop(l);
    for (case, hint) in [
        ("DSR-john.smith@pizza.com", "ticket reference"),
        ("DSR 42", "ticket reference"),
        ("", "ticket reference"),
        (&"X".repeat(65), "ticket reference"),
        ("CALLER-15550100001", "holds one of the identifiers"),
        // Glued to letters, or spelled with separators: still the person's.
        ("DSR5550100001", "must never hold the person's identifiers"),
        (
            "case-5550100001",
            "must never hold the person's identifiers",
        ),
        (
            "DSR-555-010-0001",
            "must never hold the person's identifiers",
        ),
        ("DSRjohn.smith", "must never hold the person's identifiers"),
        ("DSR-JohnSmith", "must never hold the person's identifiers"),
    ] {
        let run = forget_me(&strings(&[
            "--cass_port",
            &port,
            "--search",
            "john.smith@pizza.com",
            "--search",
            "+1 555 010 0001",
            "--case",
            case,
        ]))
        .await;
        assert_eq!(run.code, 2, "{case:?}: {}", run.stderr);
        assert!(run.stderr.contains(hint), "{case:?}: {}", run.stderr);
        assert!(!run.stderr.contains("pizza"), "{}", run.stderr);
        for part in ["5550100001", "010-0001", "smith", "Smith"] {
            assert!(!run.stderr.contains(part), "{case:?}: {}", run.stderr);
        }
    }
}
