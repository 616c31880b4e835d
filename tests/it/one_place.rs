//! One audit key and one request ledger per user unless the user chooses another: a run
//! started from another folder without the environment variables would create a second key
//! and ledger there and split the request history; it is refused and told where the first
//! ones are (src/places.rs).

use crate::common::*;

fn case_search(s: &Seeded, case: &str, extra: &[&str]) -> Vec<String> {
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--search",
        "john.smith@pizza.com",
        "--no-progress",
        "--case",
        case,
    ]));
    args.extend(strings(extra));
    args
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_key_and_ledger_in_another_folder_is_refused_and_the_first_named() {
    let s = seeded("one_place").await;
    let home = tempfile::tempdir().unwrap();
    let places = home.path().join("place");
    let env = [("GDPR_FORGET_ME_PLACES", places.to_str().unwrap())];
    let first = tempfile::tempdir().unwrap();
    let second = tempfile::tempdir().unwrap();

    let run = forget_me_in(
        Some(first.path()),
        &case_search(&s, "DSR-PLACE-1", &[]),
        &env,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(first.path().join("gdpr_forget_me.audit.key").is_file());
    assert!(first
        .path()
        .join("gdpr_forget_me.requests.sqlite")
        .is_file());

    // A new shell in another folder, nothing pinned: refused before anything is read or made.
    let run = forget_me_in(
        Some(second.path()),
        &case_search(&s, "DSR-PLACE-2", &[]),
        &env,
    )
    .await;
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains(&first.path().display().to_string()),
        "the refusal names the first place: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("GDPR_FORGET_ME_AUDIT_LOG"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_dir(second.path()).unwrap().count(),
        0,
        "nothing was created in the second folder"
    );

    // The first place pinned by the environment: the same history, from anywhere.
    let log = first.path().join("gdpr_forget_me.audit.jsonl");
    let key = first.path().join("gdpr_forget_me.audit.key");
    let pinned = [
        env[0],
        ("GDPR_FORGET_ME_AUDIT_LOG", log.to_str().unwrap()),
        ("GDPR_FORGET_ME_AUDIT_KEY", key.to_str().unwrap()),
    ];
    let run = forget_me_in(
        Some(second.path()),
        &case_search(&s, "DSR-PLACE-2", &[]),
        &pinned,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(std::fs::read_dir(second.path()).unwrap().count(), 0);

    // A separate history on purpose: given with the flags, it is used as given.
    let own_log = second.path().join("other.audit.jsonl");
    let own_key = second.path().join("other.audit.key");
    let run = forget_me_in(
        Some(second.path()),
        &case_search(
            &s,
            "DSR-PLACE-3",
            &[
                "--audit-log",
                own_log.to_str().unwrap(),
                "--audit-key",
                own_key.to_str().unwrap(),
            ],
        ),
        &env,
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(own_key.is_file());
}
