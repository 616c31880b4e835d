//! Signed erasure receipts, end to end: a receipt written by a real erasure run verifies with
//! the published public key alone, in a folder holding nothing else; any byte changed fails;
//! another key, an unsigned (older) receipt and bad inputs are told apart by exit code; key
//! rotation keeps older receipts verifiable; the re-check checks the signature too.

use crate::common::*;
use forgetme_audit::signing::{parse_public_keys, verify_document, SigningKey};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);

const IDS: [&str; 6] = [
    "--search",
    "john.smith@pizza.com",
    "--search",
    "+15550100001",
    "--default-region",
    "US",
];

/// An erasure run with its receipt at `DIR/NAME`.
async fn erase(s: &Seeded, dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let receipt = dir.join(name);
    let mut extra = IDS.to_vec();
    extra.extend(["--receipt", receipt.to_str().unwrap()]);
    let run = forget_me_env(&cleanup_args(s, dir, &extra), &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    receipt
}

/// `gdpr_forget_me ARGS` in `cwd`.
async fn in_dir(cwd: &std::path::Path, args: &[&str]) -> Run {
    forget_me_in(Some(cwd), &strings(args), &[]).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_receipt_verifies_with_the_public_key_alone_and_with_no_other() {
    let s = seeded("signed_receipt").await;
    let dir = tempfile::tempdir().unwrap();
    let receipt = erase(&s, dir.path(), "receipt.json").await;
    let audit_key = dir.path().join("audit.key");
    assert!(dir.path().join("audit.key.signing").is_file());

    // The officer publishes the public key.
    let published = dir.path().join("public-keys.txt");
    let run = in_dir(
        dir.path(),
        &[
            "signing-key",
            "public",
            "--audit-key",
            audit_key.to_str().unwrap(),
            "--out",
            published.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let keys_text = std::fs::read_to_string(&published).unwrap();
    let keys = parse_public_keys(&keys_text).unwrap();
    assert_eq!(keys.len(), 1);
    assert!(!keys_text.contains("secret"), "{keys_text}");

    // The regulator's folder: the receipt and the public key, nothing else (no audit key, no
    // log, no Cassandra named).
    let regulator = tempfile::tempdir().unwrap();
    std::fs::copy(&receipt, regulator.path().join("receipt.json")).unwrap();
    std::fs::copy(&published, regulator.path().join("controller.pub")).unwrap();
    let verify = |receipt: &str, keys: &[&str]| {
        let mut a = vec!["verify-receipt", receipt];
        for k in keys {
            a.extend(["--public-key", k]);
        }
        a.iter().map(|s| s.to_string()).collect::<Vec<_>>()
    };
    let run = forget_me_in(
        Some(regulator.path()),
        &verify("receipt.json", &["controller.pub"]),
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .starts_with("VALID: receipt.json is signed by key "),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(&keys[0].key_id()), "{}", run.stdout);
    assert!(
        run.stdout.contains("verification VERIFIED"),
        "{}",
        run.stdout
    );
    // The key's own text works as well as its file.
    let run = forget_me_in(
        Some(regulator.path()),
        &verify("receipt.json", &[&keys[0].to_text()]),
        &[],
    )
    .await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);

    // Another key: a key mismatch, exit 1, naming the receipt's key.
    let other = SigningKey::generate().public_key();
    std::fs::write(regulator.path().join("other.pub"), other.to_text()).unwrap();
    let run = forget_me_in(
        Some(regulator.path()),
        &verify("receipt.json", &["other.pub"]),
        &[],
    )
    .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("KEY MISMATCH"), "{}", run.stdout);
    assert!(run.stdout.contains(&keys[0].key_id()), "{}", run.stdout);

    // A receipt as the previous version wrote it (the same receipt, no signature): unsigned,
    // exit 1, never valid.
    let signed: Value = serde_json::from_slice(&std::fs::read(&receipt).unwrap()).unwrap();
    let mut old = signed.clone();
    old.as_object_mut().unwrap().remove("signature");
    let old: forgetme_erasure_receipt::Receipt = serde_json::from_value(old).unwrap();
    std::fs::write(
        regulator.path().join("old.json"),
        serde_json::to_string_pretty(&old).unwrap(),
    )
    .unwrap();
    let run = forget_me_in(
        Some(regulator.path()),
        &verify("old.json", &["controller.pub"]),
        &[],
    )
    .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("UNSIGNED"), "{}", run.stdout);

    // A receipt changed after signing: a signature mismatch.
    let mut changed = signed.clone();
    changed["verification"]["still_matching"] = Value::from(0);
    changed["locations"].as_array_mut().unwrap().pop();
    std::fs::write(
        regulator.path().join("changed.json"),
        forgetme_audit::signing::canonical_pretty(&changed),
    )
    .unwrap();
    let run = forget_me_in(
        Some(regulator.path()),
        &verify("changed.json", &["controller.pub"]),
        &[],
    )
    .await;
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("SIGNATURE MISMATCH"), "{}", run.stdout);

    // Bad input, exit 2, saying how to fix it.
    std::fs::write(regulator.path().join("hex.pub"), "ab".repeat(32)).unwrap();
    std::fs::write(
        regulator.path().join("pem.pub"),
        "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n",
    )
    .unwrap();
    for (what, args, says) in [
        (
            "missing receipt",
            verify("nowhere.json", &["controller.pub"]),
            "cannot read the receipt",
        ),
        (
            "missing key file",
            verify("receipt.json", &["nowhere.pub"]),
            "cannot read it",
        ),
        (
            "hex key",
            verify("receipt.json", &["hex.pub"]),
            "signing-key public",
        ),
        (
            "PEM key",
            verify("receipt.json", &["pem.pub"]),
            "signing-key public",
        ),
        (
            "short key text",
            verify("receipt.json", &["gdpr-forget-me-ed25519:AAAA"]),
            "not 32",
        ),
        ("no key at all", verify("receipt.json", &[]), "--public-key"),
    ] {
        let run = forget_me_in(Some(regulator.path()), &args, &[]).await;
        assert_eq!(run.code, 2, "{what}: {}\n{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(says), "{what}: {}", run.stderr);
        assert!(!run.stdout.contains("VALID"), "{what}: {}", run.stdout);
    }
    s.emulator.shutdown().await;
}

/// Any byte of a real receipt changed, to any other value, fails: checked in the library over
/// many generated changes, and through the command line for some of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_receipt_fails_after_any_byte_of_it_changes() {
    let s = seeded("signed_bytes").await;
    let dir = tempfile::tempdir().unwrap();
    let receipt = erase(&s, dir.path(), "receipt.json").await;
    let file = std::fs::read(&receipt).unwrap();
    let keys = forgetme_audit::signing::keyfile::public_keys(&dir.path().join("audit.key"))
        .unwrap()
        .all();
    assert!(verify_document(&file, &keys).is_ok());

    let mut runner = TestRunner::new(Config {
        cases: 2000,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &(any::<prop::sample::Index>(), 1u8..=255),
            |(pos, delta)| {
                let mut changed = file.clone();
                let i = pos.index(changed.len());
                changed[i] = changed[i].wrapping_add(delta);
                prop_assert!(
                    verify_document(&changed, &keys).is_err(),
                    "byte {i} changed by {delta} still verifies"
                );
                Ok(())
            },
        )
        .unwrap();

    // Through the command line: a byte in the content, in the white space, in the signature,
    // in the key id, and the last newline.
    let text = String::from_utf8(file.clone()).unwrap();
    let at = |needle: &str| text.find(needle).unwrap() + needle.len();
    let positions = [
        at("\"run_id\": \""),
        at("\"verified\": "),
        at("{\n"),
        at("\"value\": \""),
        at("\"key_id\": \""),
        file.len() - 1,
    ];
    let pubs = dir.path().join("pub.txt");
    std::fs::write(
        &pubs,
        keys.iter().map(|k| k.to_text() + "\n").collect::<String>(),
    )
    .unwrap();
    for i in positions {
        let mut changed = file.clone();
        changed[i] ^= 0x01;
        let path = dir.path().join("changed.json");
        std::fs::write(&path, &changed).unwrap();
        let run = in_dir(
            dir.path(),
            &[
                "verify-receipt",
                path.to_str().unwrap(),
                "--public-key",
                pubs.to_str().unwrap(),
            ],
        )
        .await;
        assert_eq!(run.code, 1, "byte {i}: {}\n{}", run.stdout, run.stderr);
        assert!(
            run.stdout.starts_with("INVALID"),
            "byte {i}: {}",
            run.stdout
        );
    }
    s.emulator.shutdown().await;
}

/// After a rotation the old receipt names the retired key and still verifies with the
/// published keys (which now list both); the next run signs with the new key; the old key
/// alone does not verify the new receipt. The re-check checks the signature too: a signed
/// receipt with its content intact but one byte of white space changed is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rotation_keeps_old_receipts_verifiable_and_the_recheck_checks_the_signature() {
    let s = seeded("signed_rotate").await;
    let dir = tempfile::tempdir().unwrap();
    let first = erase(&s, dir.path(), "first.json").await;
    let audit_key = dir.path().join("audit.key");
    let key = audit_key.to_str().unwrap();
    let old_pub = dir.path().join("old.pub");
    let run = in_dir(
        dir.path(),
        &[
            "signing-key",
            "public",
            "--audit-key",
            key,
            "--out",
            old_pub.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);

    let run = in_dir(dir.path(), &["signing-key", "rotate", "--audit-key", key]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("is retired"), "{}", run.stdout);

    // The next run has nothing left to erase, and still writes a receipt: with the new key.
    let second = erase(&s, dir.path(), "second.json").await;
    let all_pub = dir.path().join("all.pub");
    let run = in_dir(
        dir.path(),
        &[
            "signing-key",
            "public",
            "--audit-key",
            key,
            "--out",
            all_pub.to_str().unwrap(),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let all = std::fs::read_to_string(&all_pub).unwrap();
    assert_eq!(parse_public_keys(&all).unwrap().len(), 2, "{all}");
    assert!(
        all.contains(" current\n") && all.contains(" retired "),
        "{all}"
    );

    let key_of = |p: &std::path::Path| {
        let v: Value = serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap();
        v["signature"]["key_id"].as_str().unwrap().to_string()
    };
    assert_ne!(key_of(&first), key_of(&second));
    let verify = |receipt: &std::path::Path, keys: &[&std::path::Path]| {
        let mut a = vec!["verify-receipt".to_string(), receipt.display().to_string()];
        for k in keys {
            a.extend(["--public-key".to_string(), k.display().to_string()]);
        }
        a
    };
    for (receipt, keys, code) in [
        (&first, vec![all_pub.as_path()], 0),
        (&second, vec![all_pub.as_path()], 0),
        (&first, vec![old_pub.as_path()], 0),
        (&second, vec![old_pub.as_path()], 1),
    ] {
        let run = forget_me(&verify(receipt, &keys)).await;
        assert_eq!(run.code, code, "{}\n{}", run.stdout, run.stderr);
    }

    // The re-check: the old receipt's signature verifies with the retired key kept beside
    // the audit key.
    let recheck = |receipt: &std::path::Path| {
        let mut a = cass_args(&s.keyspace);
        a.extend(strings(&[
            "--recheck-receipt",
            receipt.to_str().unwrap(),
            "--audit-key",
            key,
        ]));
        a.extend(strings(&IDS));
        a
    };
    let run = forget_me(&recheck(&first)).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "its signature verifies with signing key {}",
            key_of(&first)
        )),
        "{}",
        run.stderr
    );
    // One byte of white space: the seal (over the parsed content) still holds, the
    // signature's canonical form does not.
    let mut bytes = std::fs::read(&first).unwrap();
    let i = bytes.iter().position(|b| *b == b'\n').unwrap() + 1;
    bytes.insert(i, b' ');
    let spaced = dir.path().join("spaced.json");
    std::fs::write(&spaced, &bytes).unwrap();
    let run = forget_me(&recheck(&spaced)).await;
    assert_eq!(run.code, 2, "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("not byte for byte"), "{}", run.stderr);
    assert!(!run.stdout.contains("clean"), "{}", run.stdout);
    s.emulator.shutdown().await;
}
