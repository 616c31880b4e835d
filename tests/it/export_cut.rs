//! The subject's copy of an access export holds the subject's records and nobody else's data
//! (GDPR Art. 15(4)), end to end through the binary against the real node and the emulator:
//! a stranger's possible match, a map of contacts, colleagues in fields of any name, a note
//! naming a third person, and, in a batch, a record shared by two requests.

use crate::common::*;
use serde_json::{json, Value};

const PASSWORD_ENV: (&str, &str) = ("GWS_PASSWORD", testkit::ADMIN_PASSWORD);
const FAVORITES: &str = "interaction-workspace-personal-favorites";
const RECENTS: &str = "interaction-workspace-recents";
const WITHHELD: &str = "(withheld: another person's data)";

async fn put(s: &Seeded, owner: &str, group: &str, value: &Value) {
    testkit::admin_client(&s.emulator)
        .send_ok(
            reqwest::Method::POST,
            &format!("/users/{owner}/settings/{group}"),
            Some(&value.to_string()),
        )
        .await
        .unwrap();
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every text the subject reads: the copy as JSON and the page, which must not show `what`.
fn assert_not_shown(copy: &str, page: &str, what: &[&str]) {
    for w in what {
        assert!(
            !copy.contains(w),
            "{w} in the subject's copy (JSON): {copy}"
        );
        assert!(!page.contains(w), "{w} in the subject's copy (page)");
    }
}

/// What one single-run export wrote.
struct Exported {
    /// The subject's copy as JSON, as written.
    copy: String,
    /// The subject's page.
    page: String,
    /// The officer's record.
    officer: Value,
    stderr: String,
}

/// Seeds `values` (group, value) for one agent and exports for the London subject.
async fn export_for_london_subject(prefix: &str, values: &[(&str, Value)]) -> Exported {
    let s = seeded(prefix).await;
    let agent = testkit::user_id(&testkit::agent_user(4));
    for (group, value) in values {
        put(&s, &agent, group, value).await;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("request.json");
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--search",
        "london.subject@example.com",
        "--search",
        "+44 20 7946 0147",
        "--no-progress",
        "--export",
        path.to_str().unwrap(),
    ]));
    let run = forget_me(&args).await;
    assert_eq!(run.code, 0, "{}", run.stderr);
    let out = Exported {
        copy: read(&dir.path().join("request.subject.json")),
        page: read(&dir.path().join("request.subject.html")),
        officer: serde_json::from_str(&read(&path)).unwrap(),
        stderr: run.stderr,
    };
    out
}

fn item<'a>(officer: &'a Value, key: &str) -> &'a Value {
    officer["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["setting_key"] == key)
        .unwrap_or_else(|| panic!("{key} in {officer}"))
}

/// Defect 1: a stranger whose national number has the subject's digits is not the subject.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_strangers_possible_match_is_not_in_the_subject_copy_but_marked_for_the_officer() {
    let e = export_for_london_subject(
        "cut_possible",
        &[(
            FAVORITES,
            json!({"id": "fav-maine", "displayName": "Stranger In Maine",
                "phoneNumbers": [{"type": "work", "number": "(207) 946-0147"}],
                "emailAddresses": ["maine.stranger@example.org"]}),
        )],
    )
    .await;
    assert_not_shown(&e.copy, &e.page, &["Maine", "maine.stranger", "946-0147"]);
    let maine = item(&e.officer, "fav-maine");
    assert_eq!(maine["possible_only"], true, "{maine}");
    assert_eq!(maine["found_at"][0]["possible"], true, "{maine}");
    assert!(
        maine["value"].to_string().contains("Maine"),
        "the officer checks it"
    );
    assert!(e.stderr.contains("possible matches"), "{}", e.stderr);
}

/// Defect 3: a map of contacts is cut to the subject's entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_map_of_contacts_shows_the_subject_only_their_own_entry() {
    let e = export_for_london_subject(
        "cut_map",
        &[(
            RECENTS,
            json!({"name": "map-of-contacts", "contacts": {
                "c1": {"displayName": "Map Neighbour", "email": "map.neighbour@example.org",
                       "lastUsed": "2026-01-02T10:00:00Z"},
                "c2": {"displayName": "Subject In Map", "email": "london.subject@example.com",
                       "lastUsed": "2026-01-03T10:00:00Z"}
            }}),
        )],
    )
    .await;
    assert_not_shown(&e.copy, &e.page, &["Map Neighbour", "map.neighbour"]);
    assert!(e.copy.contains("Subject In Map"), "{}", e.copy);
    assert!(e.copy.contains("london.subject@example.com"), "{}", e.copy);
    assert_eq!(item(&e.officer, "map-of-contacts")["entries_not_shown"], 1);
}

/// Defect 4: colleagues' addresses and numbers in fields no name heuristic knows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn colleagues_in_fields_of_any_name_are_withheld_and_counted() {
    let e = export_for_london_subject(
        "cut_colleagues",
        &[(
            FAVORITES,
            json!({"id": "fav-handled", "displayName": "London Subject",
                "emailAddresses": ["london.subject@example.com"],
                "handledBy": "colleague.one@pizza.com", "transferredFrom": "+1 555 010 4242",
                "escalation": {"to": "Colleague Two <colleague.two@pizza.com>"}}),
        )],
    )
    .await;
    assert_not_shown(
        &e.copy,
        &e.page,
        &["colleague.one", "colleague.two", "4242"],
    );
    assert!(e.copy.contains("london.subject@example.com"), "{}", e.copy);
    assert!(
        e.page.contains(&WITHHELD.replace('\'', "&#39;")) || e.page.contains(WITHHELD),
        "the page says what was withheld"
    );
    let copy: Value = serde_json::from_str(&e.copy).unwrap();
    assert_eq!(copy["records"][0]["withheld"], 3, "{copy}");
    assert_eq!(item(&e.officer, "fav-handled")["others_withheld"], 3);
}

/// Defect 5: a note naming a third person and their phone is flagged, at its own path, and
/// the phone withheld.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_note_naming_a_third_person_is_flagged_at_its_path_and_their_phone_withheld() {
    let e = export_for_london_subject(
        "cut_note",
        &[(
            RECENTS,
            json!({"name": "noted-list", "entries": [
                {"displayName": "Someone Else", "email": "someone.else@example.org"},
                {"displayName": "London Subject", "email": "london.subject@example.com",
                 "notes": "Her brother Bob Marsh, 0161 496 0777, picks up parcels"}
            ]}),
        )],
    )
    .await;
    assert_eq!(
        item(&e.officer, "noted-list")["free_text"],
        json!(["$.entries[1].notes"]),
        "the note is named where it is stored"
    );
    assert!(e.stderr.contains("free-text field"), "{}", e.stderr);
    assert_not_shown(&e.copy, &e.page, &["0777", "Someone Else"]);
    assert!(
        e.copy.contains("Bob Marsh"),
        "a name is not withheld: the officer reads it"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_holding_two_requests_of_a_batch_is_in_neither_requesters_files() {
    let s = seeded("export_cut_batch").await;
    let agent = testkit::user_id(&testkit::agent_user(3));
    put(
        &s,
        &agent,
        RECENTS,
        &json!({"name": "couple-list", "entries": [
            {"displayName": "Pat and Sam", "emailAddress": "pat.couple@example.org",
             "phoneNumber": "+44 20 7946 0311", "lastUsed": "2026-02-01T09:00:00Z"},
            {"displayName": "Pat Alone", "emailAddress": "pat.couple@example.org",
             "lastUsed": "2026-02-02T09:00:00Z"}
        ]}),
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requests.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"id":"DSR-2026-0101","identifiers":["pat.couple@example.org"],"action":"export"}"#,
            r#"{"id":"DSR-2026-0102","identifiers":["+44 20 7946 0311"],"action":"export"}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    let out = dir.path().join("answers");
    let mut args = cass_args(&s.keyspace);
    args.extend(strings(&[
        "--no-progress",
        "--audit-log",
        dir.path().join("audit.jsonl").to_str().unwrap(),
        "--audit-key",
        dir.path().join("audit.key").to_str().unwrap(),
        "--requests",
        file.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]));
    let run = forget_me_env(&args, &[PASSWORD_ENV]).await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let pat = out.join("DSR-2026-0101");
    let sam = out.join("DSR-2026-0102");
    for (folder, other) in [
        (&pat, ["7946 0311", "79460311", "Pat and Sam"]),
        (&sam, ["pat.couple", "Pat and Sam", "Pat Alone"]),
    ] {
        for f in [
            "export.json",
            "export.html",
            "export.subject.html",
            "export.subject.json",
        ] {
            let text = read(&folder.join(f));
            for o in other {
                assert!(!text.contains(o), "{}/{f} holds {o}", folder.display());
            }
        }
    }
    // Pat's own entry is in Pat's copy; the shared one is counted for the officer and said
    // to the subject.
    let pat_copy = read(&pat.join("export.subject.json"));
    assert!(pat_copy.contains("Pat Alone"), "{pat_copy}");
    for folder in [&pat, &sam] {
        let copy: Value = serde_json::from_str(&read(&folder.join("export.subject.json"))).unwrap();
        assert_eq!(copy["records_under_review"], 1, "{copy}");
        let officer: Value = serde_json::from_str(&read(&folder.join("export.json"))).unwrap();
        let n: u64 = officer["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["records_of_another_request"].as_u64().unwrap_or(0))
            .sum();
        assert_eq!(n, 1, "{officer}");
    }
}
