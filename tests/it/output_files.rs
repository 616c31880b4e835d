//! The files a run writes: checked before anything is read, created private and atomically,
//! never through a symlink, and a receipt never replaced.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::common::*;

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);

/// Arguments that would erase through a GWS and a node that do not exist: exit 2 proves the
/// refusal came before any connection.
fn dead_cleanup(dir: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = strings(&[
        "--cass_hostname",
        "127.0.0.1",
        "--cass_port",
        "1",
        "--search",
        "john.smith@pizza.com",
        "--gws",
        "http://127.0.0.1:1",
        "--cleanup",
        "true",
        "--yes",
        "--audit-key",
        dir.join("audit.key").to_str().unwrap(),
    ]);
    if !extra.contains(&"--audit-log") {
        args.extend(strings(&[
            "--audit-log",
            dir.join("audit.jsonl").to_str().unwrap(),
        ]));
    }
    args.extend(strings(extra));
    args
}

async fn refused(args: Vec<String>, hint: &str) {
    let run = forget_me(&args).await;
    assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    assert!(
        run.stderr.contains(hint),
        "{args:?}: {hint:?} not in {}",
        run.stderr
    );
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn export_receipt_and_audit_log_paths_are_checked_before_anything_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let target = d.join("elsewhere.json");
    std::fs::write(&target, "keep").unwrap();
    let link = d.join("link.json");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let existing = d.join("old-receipt.json");
    std::fs::write(&existing, "an earlier run's proof").unwrap();
    let dangling = d.join("dangling.jsonl");
    std::os::unix::fs::symlink(d.join("created-by-nobody.jsonl"), &dangling).unwrap();

    refused(
        dead_cleanup(d, &["--export", "/nonexistent-folder/export.json"]),
        "does not exist",
    )
    .await;
    refused(
        dead_cleanup(d, &["--export", link.to_str().unwrap()]),
        "symbolic link",
    )
    .await;
    refused(
        dead_cleanup(d, &["--receipt", "/nonexistent-folder/receipt.json"]),
        "does not exist",
    )
    .await;
    refused(
        dead_cleanup(d, &["--receipt", existing.to_str().unwrap()]),
        "never overwritten",
    )
    .await;
    refused(
        dead_cleanup(d, &["--receipt", link.to_str().unwrap()]),
        "symbolic link",
    )
    .await;
    refused(
        dead_cleanup(d, &["--audit-log", dangling.to_str().unwrap()]),
        "symbolic link",
    )
    .await;
    refused(
        dead_cleanup(d, &["--audit-log", "/nonexistent-folder/audit.jsonl"]),
        "does not exist",
    )
    .await;
    // A search with an export in a missing folder is refused too, before the scan.
    let run = forget_me(&strings(&[
        "--cass_hostname",
        "127.0.0.1",
        "--cass_port",
        "1",
        "--search",
        "john.smith@pizza.com",
        "--export",
        "/nonexistent-folder/export.json",
    ]))
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);

    assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep");
    assert_eq!(
        std::fs::read_to_string(&existing).unwrap(),
        "an earlier run's proof"
    );
    assert!(!d.join("created-by-nobody.jsonl").exists());
    assert!(!d.join("audit.jsonl").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_export_is_created_private_whatever_existed_and_a_receipt_is_never_replaced() {
    let s = seeded("outfiles").await;
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.json");
    std::fs::write(&export, "an old export").unwrap();
    std::fs::set_permissions(&export, std::fs::Permissions::from_mode(0o644)).unwrap();
    let receipt = dir.path().join("receipt.json");
    let args = cleanup_args(
        &s,
        dir.path(),
        &[
            "--search",
            "john.smith@pizza.com",
            "--export",
            export.to_str().unwrap(),
            "--receipt",
            receipt.to_str().unwrap(),
        ],
    );
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("Verified"), "{}", run.stdout);
    for p in [
        export.clone(),
        export.with_extension("html"),
        export.with_extension("subject.html"),
        export.with_extension("subject.json"),
        receipt.clone(),
        receipt.with_extension("txt"),
    ] {
        assert_eq!(mode(&p), 0o600, "{}", p.display());
    }
    let exported: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    assert_eq!(exported["schema"], "gdpr-forget-me/access-export/v1");
    // No temporary file is left in the folder.
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // A second run with the same --receipt is refused before anything, and the first run's
    // proof stays as it was.
    let first = std::fs::read(&receipt).unwrap();
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("never overwritten"), "{}", run.stderr);
    assert_eq!(std::fs::read(&receipt).unwrap(), first);
    s.emulator.shutdown().await;
}
