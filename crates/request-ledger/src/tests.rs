use super::*;
use time::macros::date;

const KEY_FP: &str = "0123456789abcdef";

fn new_ledger() -> (tempfile::TempDir, Ledger) {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("requests.sqlite")).unwrap();
    (dir, ledger)
}

fn subject_ref(n: u8) -> String {
    format!("hmac-sha256:{}", format!("{n:02x}").repeat(32))
}

fn step(status: Status, outcome: Outcome) -> Step {
    Step {
        status,
        outcome,
        detail: format!("{} {}", status.as_str(), outcome.as_str()),
        receipt: None,
        export: None,
        purge_after: None,
        disk_reports: Vec::new(),
    }
}

fn run(steps: Vec<Step>) -> RunRecord {
    RunRecord {
        run_id: Some("20261130T010203Z-0011223344556677".into()),
        kind: None,
        received: None,
        subject_refs: vec![subject_ref(1), subject_ref(2)],
        key_fingerprint: KEY_FP.into(),
        steps,
    }
}

#[test]
fn a_new_ledger_is_private_at_the_latest_schema_and_reopens_unchanged() {
    let (dir, ledger) = new_ledger();
    let path = dir.path().join("requests.sqlite");
    assert_eq!(ledger.schema_version().unwrap(), schema::LATEST);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    drop(ledger);
    let again = Ledger::open(&path).unwrap();
    let rows: i64 = again
        .conn
        .query_row("SELECT count(*) FROM schema_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, schema::LATEST, "each migration is applied once");
}

#[test]
fn a_ledger_of_a_newer_version_is_refused_and_left_as_it_is() {
    let (dir, ledger) = new_ledger();
    let path = dir.path().join("requests.sqlite");
    ledger
        .conn
        .execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?1, 'later')",
            [schema::LATEST + 1],
        )
        .unwrap();
    drop(ledger);
    let before = std::fs::read(&path).unwrap();
    for opened in [Ledger::open(&path), Ledger::open_existing(&path)] {
        let err = opened.err().expect("refused");
        assert!(
            matches!(err, LedgerError::NewerSchema { found, .. } if found == schema::LATEST + 1)
        );
        let msg = err.to_string();
        assert!(msg.contains("newer version"), "{msg}");
        assert!(msg.contains(&format!("({})", schema::LATEST)), "{msg}");
    }
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file must not change"
    );
}

#[test]
fn an_older_ledger_is_migrated_forward() {
    // A file at version 0: a ledger created (application id, version table) but never
    // migrated, as a crash right after creation would leave it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA application_id = {}; CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL) STRICT;",
            schema::APPLICATION_ID
        ))
        .unwrap();
    }
    let mut ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), schema::LATEST);
    ledger
        .add(
            "DSR-1",
            date!(2026 - 11 - 02),
            RequestType::Unspecified,
            date!(2026 - 11 - 30),
        )
        .unwrap();
}

#[test]
fn other_files_are_not_taken_for_a_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "not a database at all, just some text that is long enough ........................................................................................").unwrap();
    let err = Ledger::open(&text).err().unwrap();
    assert!(matches!(err, LedgerError::NotALedger { .. }), "{err}");
    let other = dir.path().join("other.sqlite");
    Connection::open(&other)
        .unwrap()
        .execute_batch("CREATE TABLE t (x INTEGER)")
        .unwrap();
    let err = Ledger::open(&other).err().unwrap();
    assert!(err.to_string().contains("something else"), "{err}");
    #[cfg(unix)]
    {
        let link = dir.path().join("link.sqlite");
        std::os::unix::fs::symlink(&other, &link).unwrap();
        let err = Ledger::open(&link).err().unwrap();
        assert!(err.to_string().contains("symbolic link"), "{err}");
    }
    let missing = Ledger::open_existing(&dir.path().join("none.sqlite"))
        .err()
        .unwrap();
    assert!(missing.to_string().contains("requests add"), "{missing}");
}

#[test]
fn the_deadline_is_one_month_and_extensions_add_at_most_two_more_with_a_reason() {
    let (_dir, mut ledger) = new_ledger();
    let today = date!(2026 - 11 - 30);
    ledger
        .add(
            "DSR-1",
            date!(2026 - 11 - 10),
            RequestType::Unspecified,
            today,
        )
        .unwrap();
    let s = ledger.show("DSR-1", today).unwrap().unwrap();
    assert_eq!(s.summary.deadline, "2026-12-10");
    assert_eq!(s.summary.days_left, 10);
    assert_eq!(s.summary.status, Status::Received);

    let new = ledger
        .extend("DSR-1", 1, "complex: 14 agents", today)
        .unwrap();
    assert_eq!(new, date!(2027 - 01 - 10));
    let err = ledger.extend("DSR-1", 2, "more", today).unwrap_err();
    assert!(err.to_string().contains("at most 1"), "{err}");
    ledger.extend("DSR-1", 1, "still complex", today).unwrap();
    let s = ledger.show("DSR-1", today).unwrap().unwrap();
    assert_eq!(s.summary.deadline, "2027-02-10");
    assert_eq!(s.summary.extended_months, 2);
    assert_eq!(s.extensions.len(), 2);
    assert_eq!(s.extensions[0].reason, "complex: 14 agents");
    assert!(ledger.extend("DSR-1", 1, "again", today).is_err());

    // Too late: past the first month, no extension can be told in time.
    ledger
        .add(
            "DSR-2",
            date!(2026 - 10 - 01),
            RequestType::Unspecified,
            today,
        )
        .unwrap();
    let err = ledger.extend("DSR-2", 1, "late", today).unwrap_err();
    assert!(err.to_string().contains("within one month"), "{err}");
    // Unknown requests, bad reasons and zero months are refused, and nothing is recorded.
    assert!(ledger.extend("DSR-9", 1, "x", today).is_err());
    assert!(ledger.extend("DSR-1", 0, "x", today).is_err());
    let err = ledger
        .extend("DSR-2", 1, "caller a@b.com", today)
        .unwrap_err();
    assert!(err.to_string().contains("e-mail"), "{err}");
    assert!(ledger
        .show("DSR-2", today)
        .unwrap()
        .unwrap()
        .extensions
        .is_empty());
}

#[test]
fn adding_refuses_duplicates_and_future_dates_but_corrects_a_run_created_request() {
    let (_dir, mut ledger) = new_ledger();
    let today = date!(2026 - 11 - 30);
    assert!(ledger
        .add(
            "DSR-1",
            date!(2026 - 12 - 01),
            RequestType::Unspecified,
            today
        )
        .is_err());
    assert!(ledger
        .add(
            "bad id",
            date!(2026 - 11 - 01),
            RequestType::Unspecified,
            today
        )
        .is_err());
    ledger
        .add(
            "DSR-1",
            date!(2026 - 11 - 01),
            RequestType::Unspecified,
            today,
        )
        .unwrap();
    let err = ledger
        .add(
            "DSR-1",
            date!(2026 - 11 - 02),
            RequestType::Unspecified,
            today,
        )
        .unwrap_err();
    assert!(err.to_string().contains("already"), "{err}");

    // A run created DSR-2 today; the officer then records when it really arrived.
    assert_eq!(
        ledger
            .record(
                "DSR-2",
                &run(vec![step(Status::Searched, Outcome::Ok)]),
                today
            )
            .unwrap(),
        Recorded::Created
    );
    assert_eq!(
        ledger.show("DSR-2", today).unwrap().unwrap().created_by,
        "run"
    );
    ledger
        .add(
            "DSR-2",
            date!(2026 - 11 - 20),
            RequestType::Unspecified,
            today,
        )
        .unwrap();
    let s = ledger.show("DSR-2", today).unwrap().unwrap();
    assert_eq!(s.summary.received, "2026-11-20");
    assert_eq!(s.summary.deadline, "2026-12-20");
    assert_eq!(s.history.len(), 1, "the history is kept");
}

#[test]
fn a_run_records_refs_and_steps_and_the_status_follows_the_last_step() {
    let (_dir, mut ledger) = new_ledger();
    let today = date!(2026 - 11 - 30);
    ledger
        .add(
            "DSR-1",
            date!(2026 - 11 - 29),
            RequestType::Unspecified,
            today,
        )
        .unwrap();
    let mut erased = step(Status::Erased, Outcome::Partial);
    erased.receipt = Some("/srv/privacy/gdpr_forget_me.receipt.r1.json".into());
    erased.purge_after = Some("2026-12-10T01:00:00Z".into());
    let mut verified = step(Status::Verified, Outcome::Failed);
    verified.purge_after = erased.purge_after.clone();
    assert_eq!(
        ledger
            .record(
                "DSR-1",
                &run(vec![step(Status::Searched, Outcome::Ok), erased, verified]),
                today
            )
            .unwrap(),
        Recorded::Existing
    );
    let s = ledger.show("DSR-1", today).unwrap().unwrap();
    assert_eq!(
        (s.summary.status, s.summary.outcome),
        (Status::Verified, Outcome::Failed)
    );
    assert!(!s.summary.answered);
    assert_eq!(s.subject_refs.len(), 2);
    assert_eq!(s.history.len(), 3);
    assert_eq!(
        s.history[1].receipt.as_deref(),
        Some("/srv/privacy/gdpr_forget_me.receipt.r1.json")
    );
    assert_eq!(
        s.summary.purge_after.as_deref(),
        Some("2026-12-10T01:00:00Z")
    );
    assert_eq!(s.summary.next_recheck_due.as_deref(), Some("2026-12-11"));

    // The next run finishes it: same refs (not duplicated), one more.
    let mut again = run(vec![
        step(Status::Erased, Outcome::Ok),
        step(Status::Verified, Outcome::Ok),
    ]);
    again.subject_refs.push(subject_ref(3));
    ledger.record("DSR-1", &again, today).unwrap();
    let s = ledger.show("DSR-1", today).unwrap().unwrap();
    assert_eq!(
        (s.summary.status, s.summary.outcome),
        (Status::Verified, Outcome::Ok)
    );
    assert!(s.summary.answered);
    assert_eq!(s.subject_refs.len(), 3);

    // A re-check after the purge date that is clean: no re-check scheduled any more; one that
    // finds the data back: due at once.
    let later = date!(2026 - 12 - 12);
    ledger
        .conn
        .execute("UPDATE events SET at = '2026-12-12T09:00:00Z'", [])
        .unwrap();
    ledger
        .record(
            "DSR-1",
            &run(vec![step(Status::ReChecked, Outcome::Ok)]),
            later,
        )
        .unwrap();
    ledger
        .conn
        .execute("UPDATE events SET at = '2026-12-12T09:00:00Z'", [])
        .unwrap();
    assert_eq!(
        ledger
            .show("DSR-1", later)
            .unwrap()
            .unwrap()
            .summary
            .next_recheck_due,
        None
    );
    ledger
        .record(
            "DSR-1",
            &run(vec![step(Status::ReChecked, Outcome::Failed)]),
            later,
        )
        .unwrap();
    ledger
        .conn
        .execute("UPDATE events SET at = '2026-12-12T09:00:00Z'", [])
        .unwrap();
    assert_eq!(
        ledger
            .show("DSR-1", later)
            .unwrap()
            .unwrap()
            .summary
            .next_recheck_due
            .as_deref(),
        Some("2026-12-12")
    );
}

#[test]
fn only_hmac_refs_enter_the_ledger() {
    let (dir, mut ledger) = new_ledger();
    let today = date!(2026 - 11 - 30);
    let mut bad = run(vec![step(Status::Searched, Outcome::Ok)]);
    bad.subject_refs = vec!["john.smith@pizza.com".into()];
    assert!(ledger.record("DSR-1", &bad, today).is_err());
    assert!(
        ledger.show("DSR-1", today).unwrap().is_none(),
        "nothing recorded"
    );
    drop(ledger);
    let bytes = std::fs::read(dir.path().join("requests.sqlite")).unwrap();
    assert!(!bytes.windows(10).any(|w| w == b"john.smith"));
}

#[test]
fn the_list_puts_overdue_requests_first_then_by_deadline() {
    let (_dir, mut ledger) = new_ledger();
    let today = date!(2026 - 11 - 30);
    ledger
        .add(
            "B-late",
            date!(2026 - 10 - 05),
            RequestType::Unspecified,
            today,
        )
        .unwrap();
    ledger
        .add(
            "A-later",
            date!(2026 - 11 - 20),
            RequestType::Unspecified,
            today,
        )
        .unwrap();
    ledger
        .add(
            "C-sooner",
            date!(2026 - 11 - 05),
            RequestType::Unspecified,
            today,
        )
        .unwrap();
    ledger
        .add(
            "D-very-late",
            date!(2026 - 09 - 01),
            RequestType::Unspecified,
            today,
        )
        .unwrap();
    ledger
        .add(
            "E-answered",
            date!(2026 - 09 - 02),
            RequestType::Unspecified,
            today,
        )
        .unwrap();
    ledger
        .record(
            "E-answered",
            &run(vec![step(Status::Exported, Outcome::Ok)]),
            today,
        )
        .unwrap();
    let list = ledger.list(today).unwrap();
    let ids: Vec<&str> = list.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(
        ids,
        ["D-very-late", "B-late", "E-answered", "C-sooner", "A-later"]
    );
    assert!(list[0].overdue && list[1].overdue && !list[2].overdue);
    assert_eq!(list[1].days_left, -25);
    assert_eq!(list[3].days_left, 5);
}

/// An erasure request that was exported but whose erasure was not run is not answered: only
/// its verified erasure answers it. A request that asked for an export alone is answered by it.
#[test]
fn an_erasure_request_is_answered_by_its_verified_erasure_not_by_its_export() {
    let (_dir, mut ledger) = new_ledger();
    let today = date!(2026 - 11 - 30);
    ledger
        .add(
            "DSR-E",
            date!(2026 - 10 - 01),
            RequestType::Unspecified,
            today,
        )
        .unwrap();
    ledger
        .add(
            "DSR-X",
            date!(2026 - 10 - 01),
            RequestType::Unspecified,
            today,
        )
        .unwrap();
    ledger
        .record(
            "DSR-E",
            &run(vec![
                step(Status::Searched, Outcome::Ok),
                step(Status::Exported, Outcome::Ok),
                step(Status::Erased, Outcome::Failed),
            ]),
            today,
        )
        .unwrap();
    ledger
        .record(
            "DSR-X",
            &run(vec![
                step(Status::Searched, Outcome::Ok),
                step(Status::Exported, Outcome::Ok),
            ]),
            today,
        )
        .unwrap();
    let e = ledger.show("DSR-E", today).unwrap().unwrap();
    assert!(!e.summary.answered);
    assert!(e.summary.overdue, "past its deadline and not answered");
    assert!(
        ledger
            .show("DSR-X", today)
            .unwrap()
            .unwrap()
            .summary
            .answered
    );

    ledger
        .record(
            "DSR-E",
            &run(vec![
                step(Status::Erased, Outcome::Ok),
                step(Status::Verified, Outcome::Ok),
            ]),
            today,
        )
        .unwrap();
    assert!(
        ledger
            .show("DSR-E", today)
            .unwrap()
            .unwrap()
            .summary
            .answered
    );
}

#[test]
fn a_version_1_ledger_is_migrated_to_the_purged_step_and_keeps_its_history() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v1.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA application_id = {}; CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL) STRICT;
             {}
             INSERT INTO schema_version VALUES (1, '2026-11-01T00:00:00Z');
             INSERT INTO requests VALUES ('DSR-1', '2026-11-02', '2026-11-02T00:00:00Z', 'add');
             INSERT INTO events (request_id, at, status, outcome, run_id, detail) VALUES ('DSR-1', '2026-11-03T00:00:00Z', 'verified', 'ok', NULL, 'verified');",
            schema::APPLICATION_ID,
            schema::MIGRATIONS[0]
        ))
        .unwrap();
    }
    let mut ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), schema::LATEST);
    let today = date!(2026 - 11 - 30);
    let d = ledger.show("DSR-1", today).unwrap().unwrap();
    assert_eq!(d.history.len(), 1);
    assert_eq!(d.history[0].status, Status::Verified);
    assert!(d.history[0].disk_reports.is_empty());
    assert!(!d.summary.physically_purged);
    let mut purged = step(Status::Purged, Outcome::Ok);
    purged.disk_reports = vec!["/proof/node1.json".into(), "/proof/node2.json".into()];
    ledger.record("DSR-1", &run(vec![purged]), today).unwrap();
    let d = ledger.show("DSR-1", today).unwrap().unwrap();
    assert_eq!(d.summary.status, Status::Purged);
    assert!(d.summary.physically_purged);
    assert_eq!(
        d.history[1].disk_reports,
        ["/proof/node1.json", "/proof/node2.json"]
    );
}

#[test]
fn physically_purged_needs_a_clean_purge_step_after_the_last_erasure() {
    let (_dir, mut ledger) = new_ledger();
    let today = date!(2026 - 11 - 30);
    let purged = |ledger: &mut Ledger, steps: Vec<Step>| {
        ledger.record("DSR-1", &run(steps), today).unwrap();
        ledger.show("DSR-1", today).unwrap().unwrap().summary
    };
    let s = purged(
        &mut ledger,
        vec![
            step(Status::Erased, Outcome::Ok),
            step(Status::Verified, Outcome::Ok),
        ],
    );
    assert!(!s.physically_purged, "erased, nothing known of the disk");
    let s = purged(&mut ledger, vec![step(Status::Purged, Outcome::Failed)]);
    assert!(!s.physically_purged, "a node still holds the bytes");
    let s = purged(
        &mut ledger,
        vec![
            step(Status::ReChecked, Outcome::Ok),
            step(Status::Purged, Outcome::Ok),
        ],
    );
    assert!(s.physically_purged);
    assert!(ledger.list(today).unwrap()[0].physically_purged);
    let s = purged(&mut ledger, vec![step(Status::Searched, Outcome::Ok)]);
    assert!(s.physically_purged, "a search writes nothing to disk");
    let s = purged(&mut ledger, vec![step(Status::ReChecked, Outcome::Failed)]);
    assert!(!s.physically_purged, "the data is back, so on disk again");
    let s = purged(&mut ledger, vec![step(Status::Purged, Outcome::Ok)]);
    assert!(s.physically_purged);
    let s = purged(&mut ledger, vec![step(Status::Erased, Outcome::Ok)]);
    assert!(!s.physically_purged, "a later erasure wrote new bytes");
}

fn typed_run(kind: Option<RequestType>, steps: Vec<Step>) -> RunRecord {
    RunRecord { kind, ..run(steps) }
}

fn summary_of(ledger: &Ledger, id: &str) -> Summary {
    ledger.show(id, today_utc()).unwrap().unwrap().summary
}

fn refused(result: Result<impl std::fmt::Debug, LedgerError>) -> String {
    match result {
        Err(LedgerError::Refused(m)) => m,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// What answers a request follows its type: an erasure only a verified erasure (its export
/// does not), an access request only an export from a complete scan, a restriction nothing a
/// run records. The state goes received, in-progress, answered, closed.
#[test]
fn each_type_is_answered_by_its_own_step_and_the_state_follows() {
    let (_dir, mut ledger) = new_ledger();
    let today = today_utc();
    let now = format_date(today);
    for (id, kind) in [
        ("DSR-E", RequestType::Erasure),
        ("DSR-A", RequestType::Access),
        ("DSR-R", RequestType::Restriction),
    ] {
        assert_eq!(ledger.add(id, today, kind, today).unwrap(), Added::New);
        let s = summary_of(&ledger, id);
        assert_eq!(
            (s.kind, s.state, s.answered_on),
            (kind, State::Received, None)
        );
    }
    let export_steps = || {
        vec![
            step(Status::Searched, Outcome::Ok),
            step(Status::Exported, Outcome::Ok),
        ]
    };
    for id in ["DSR-E", "DSR-R"] {
        ledger.record(id, &run(export_steps()), today).unwrap();
        let s = summary_of(&ledger, id);
        assert_eq!(
            s.state,
            State::InProgress,
            "{id}: an export does not answer it"
        );
        assert!(!s.answered && s.answered_on.is_none(), "{id}");
    }
    ledger
        .record(
            "DSR-A",
            &run(vec![step(Status::Exported, Outcome::Partial)]),
            today,
        )
        .unwrap();
    assert_eq!(summary_of(&ledger, "DSR-A").state, State::InProgress);
    ledger.record("DSR-A", &run(export_steps()), today).unwrap();
    let a = summary_of(&ledger, "DSR-A");
    assert_eq!(a.state, State::Answered);
    assert_eq!(a.answered_on.as_deref(), Some(now.as_str()));

    ledger
        .record(
            "DSR-E",
            &run(vec![
                step(Status::Erased, Outcome::Ok),
                step(Status::Verified, Outcome::Partial),
            ]),
            today,
        )
        .unwrap();
    assert_eq!(summary_of(&ledger, "DSR-E").state, State::InProgress);
    ledger
        .record(
            "DSR-E",
            &run(vec![
                step(Status::Erased, Outcome::Ok),
                step(Status::Verified, Outcome::Ok),
            ]),
            today,
        )
        .unwrap();
    let e = summary_of(&ledger, "DSR-E");
    assert_eq!((e.state, e.answered), (State::Answered, true));

    // The restriction is answered by its closing as done, on the day it is closed.
    let r = ledger
        .close(
            "DSR-R",
            CloseAs::Done,
            "processing restricted in CRM",
            today,
        )
        .unwrap();
    assert_eq!(r.state, State::Closed);
    assert_eq!(r.answered_on.as_deref(), Some(now.as_str()));
    let c = r.closed.expect("closed");
    assert_eq!(
        (c.closed_as, c.reason.as_str()),
        (CloseAs::Done, "processing restricted in CRM")
    );
    let a = ledger
        .close("DSR-A", CloseAs::Done, "export sent", today)
        .unwrap();
    assert_eq!(a.state, State::Closed);
    // The JSON names the type `type` and the closing's way `as`.
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["type"], "access");
    assert_eq!(json["state"], "closed");
    assert_eq!(json["closed"]["as"], "done");
    assert_eq!(json["answered_on"], now.as_str());
}

/// Closing as done is refused while the ledger does not show what answers the request, and
/// says what to do; a refused closing records nothing. Withdrawn and rejected close any open
/// request; nothing closes twice.
#[test]
fn closing_as_done_needs_the_answer_and_a_request_closes_once() {
    let (_dir, mut ledger) = new_ledger();
    let today = today_utc();
    let received = date!(2026 - 01 - 05);
    ledger
        .add("DSR-E", received, RequestType::Erasure, today)
        .unwrap();
    ledger
        .add("DSR-A", received, RequestType::Access, today)
        .unwrap();
    ledger
        .record(
            "DSR-U",
            &run(vec![step(Status::Searched, Outcome::Ok)]),
            today,
        )
        .unwrap();

    let m = refused(ledger.close("DSR-E", CloseAs::Done, "erased", today));
    assert!(
        m.contains("no verified erasure") && m.contains("--cleanup true"),
        "{m}"
    );
    assert!(m.contains("--as withdrawn"), "{m}");
    let m = refused(ledger.close("DSR-A", CloseAs::Done, "sent", today));
    assert!(m.contains("--export FILE"), "{m}");
    let m = refused(ledger.close("DSR-U", CloseAs::Done, "done", today));
    assert!(
        m.contains("has no type") && m.contains("--type TYPE"),
        "{m}"
    );
    assert!(m.contains("access (Art. 15)"), "{m}");
    let m = refused(ledger.close("DSR-9", CloseAs::Withdrawn, "gone", today));
    assert!(m.contains("not in the request ledger"), "{m}");
    let m = refused(ledger.close("DSR-E", CloseAs::Withdrawn, "asked by a@b.com", today));
    assert!(m.contains("e-mail"), "{m}");
    let m = refused(ledger.close("DSR-E", CloseAs::Withdrawn, "  ", today));
    assert!(m.contains("--reason is empty"), "{m}");
    assert!(
        summary_of(&ledger, "DSR-E").closed.is_none(),
        "nothing recorded"
    );

    // Verified, but its re-check is still due: a closed request would never be re-checked.
    let mut erased = step(Status::Erased, Outcome::Ok);
    erased.purge_after = Some("2020-01-01T00:00:00Z".into());
    erased.receipt = Some("/r/1.json".into());
    ledger
        .record(
            "DSR-E",
            &run(vec![erased, step(Status::Verified, Outcome::Ok)]),
            today,
        )
        .unwrap();
    let s = summary_of(&ledger, "DSR-E");
    assert!(!s.overdue && s.state == State::Answered);
    let m = refused(ledger.close("DSR-E", CloseAs::Done, "erased", today));
    assert!(
        m.contains("re-checked on 2020-01-02") && m.contains("recheck-due"),
        "{m}"
    );
    ledger
        .record(
            "DSR-E",
            &run(vec![step(Status::ReChecked, Outcome::Ok)]),
            today,
        )
        .unwrap();
    let closed = ledger
        .close("DSR-E", CloseAs::Done, "erased, re-checked", today)
        .unwrap();
    assert_eq!(closed.state, State::Closed);
    let m = refused(ledger.close("DSR-E", CloseAs::Withdrawn, "again", today));
    assert!(m.contains("closed already, as done"), "{m}");

    // Withdrawn: not answered, not overdue, nothing due. Rejected: answered on its closing
    // (the person is told why, Art. 12(4)).
    let s = summary_of(&ledger, "DSR-A");
    assert!(s.overdue, "received long ago, not answered");
    let w = ledger
        .close("DSR-A", CloseAs::Withdrawn, "withdrawn by letter", today)
        .unwrap();
    assert_eq!(
        (w.state, w.answered, w.overdue),
        (State::Withdrawn, false, false)
    );
    assert!(due(&ledger.list(today).unwrap(), today, 365)
        .iter()
        .all(|d| d.id != "DSR-A"));
    let r = ledger
        .close(
            "DSR-U",
            CloseAs::Rejected,
            "identity not established",
            today,
        )
        .unwrap();
    assert_eq!(r.state, State::Rejected);
    assert_eq!(r.answered_on, Some(format_date(today)));
}

/// Nothing is done for a closed request: runs are refused before they start, with the way
/// out (a new request id), and so are extending it and adding it again.
#[test]
fn a_closed_request_refuses_runs_extensions_and_adding_again() {
    let (_dir, mut ledger) = new_ledger();
    let today = today_utc();
    assert_eq!(ledger.check_open("DSR-1").unwrap(), None, "not there yet");
    ledger
        .add("DSR-1", today, RequestType::Objection, today)
        .unwrap();
    assert_eq!(
        ledger.check_open("DSR-1").unwrap(),
        Some(RequestType::Objection)
    );
    ledger
        .close("DSR-1", CloseAs::Withdrawn, "the person withdrew it", today)
        .unwrap();
    let m = refused(ledger.check_open("DSR-1"));
    assert!(
        m.contains("closed as withdrawn") && m.contains("use a new request id"),
        "{m}"
    );
    let m = refused(ledger.extend("DSR-1", 1, "complex", today));
    assert!(m.contains("use a new request id"), "{m}");
    let m = refused(ledger.add("DSR-1", today, RequestType::Objection, today));
    assert!(m.contains("use a new request id"), "{m}");
    assert!(ledger
        .show("DSR-1", today)
        .unwrap()
        .unwrap()
        .extensions
        .is_empty());
}

/// `add` sets a type the ledger does not know (a request a plain search created, one recorded
/// before types were kept) and refuses to change a recorded one, saying what to do.
#[test]
fn a_recorded_type_is_never_changed_but_an_unknown_one_is_set() {
    let (_dir, mut ledger) = new_ledger();
    let today = date!(2026 - 11 - 30);
    ledger
        .add("DSR-1", date!(2026 - 11 - 02), RequestType::Erasure, today)
        .unwrap();
    let m = refused(ledger.add("DSR-1", date!(2026 - 11 - 02), RequestType::Access, today));
    assert!(m.contains("recorded as an erasure request"), "{m}");
    assert!(m.contains("give --type erasure"), "{m}");
    assert!(m.contains("under its own id"), "{m}");
    let m = refused(ledger.add("DSR-1", date!(2026 - 11 - 02), RequestType::Erasure, today));
    assert!(m.contains("already"), "{m}");
    assert_eq!(
        ledger.show("DSR-1", today).unwrap().unwrap().summary.kind,
        RequestType::Erasure
    );

    // A plain search created DSR-2: no type; the officer gives it with its received date.
    assert_eq!(
        ledger
            .record(
                "DSR-2",
                &run(vec![step(Status::Searched, Outcome::Ok)]),
                today
            )
            .unwrap(),
        Recorded::Created
    );
    assert_eq!(
        ledger.show("DSR-2", today).unwrap().unwrap().summary.kind,
        RequestType::Unspecified
    );
    assert_eq!(
        ledger
            .add(
                "DSR-2",
                date!(2026 - 11 - 20),
                RequestType::Rectification,
                today
            )
            .unwrap(),
        Added::Corrected
    );
    let s = ledger.show("DSR-2", today).unwrap().unwrap().summary;
    assert_eq!(
        (s.kind, s.received.as_str()),
        (RequestType::Rectification, "2026-11-20")
    );

    // A request recorded without a type (as a migrated one is): its type is set when its
    // received date is given as recorded, and the message says so when it is not.
    ledger
        .add(
            "DSR-3",
            date!(2026 - 11 - 10),
            RequestType::Unspecified,
            today,
        )
        .unwrap();
    let m = refused(ledger.add("DSR-3", date!(2026 - 11 - 11), RequestType::Access, today));
    assert!(m.contains("--received 2026-11-10 --type access"), "{m}");
    assert_eq!(
        ledger
            .add("DSR-3", date!(2026 - 11 - 10), RequestType::Access, today)
            .unwrap(),
        Added::Typed
    );
    assert_eq!(
        ledger.show("DSR-3", today).unwrap().unwrap().summary.kind,
        RequestType::Access
    );
}

/// A run gives its type to a request it creates or that has none, and never changes a
/// recorded one; a batch's received date is the created request's.
#[test]
fn a_run_types_a_request_only_when_its_type_is_unknown() {
    let (_dir, mut ledger) = new_ledger();
    let today = date!(2026 - 11 - 30);
    let mut created = typed_run(
        Some(RequestType::Erasure),
        vec![step(Status::Erased, Outcome::Failed)],
    );
    created.received = Some(date!(2026 - 11 - 21));
    assert_eq!(
        ledger.record("DSR-1", &created, today).unwrap(),
        Recorded::Created
    );
    let s = ledger.show("DSR-1", today).unwrap().unwrap().summary;
    assert_eq!(
        (s.kind, s.received.as_str()),
        (RequestType::Erasure, "2026-11-21")
    );

    // An access export does not turn the erasure request into an access request.
    let access = typed_run(
        Some(RequestType::Access),
        vec![step(Status::Exported, Outcome::Ok)],
    );
    assert_eq!(
        ledger.record("DSR-1", &access, today).unwrap(),
        Recorded::Existing
    );
    let s = ledger.show("DSR-1", today).unwrap().unwrap().summary;
    assert_eq!(s.kind, RequestType::Erasure);
    assert!(!s.answered, "an export does not answer an erasure");

    ledger
        .record(
            "DSR-2",
            &run(vec![step(Status::Searched, Outcome::Ok)]),
            today,
        )
        .unwrap();
    assert_eq!(
        ledger.record("DSR-2", &access, today).unwrap(),
        Recorded::Typed
    );
    let s = ledger.show("DSR-2", today).unwrap().unwrap().summary;
    assert_eq!((s.kind, s.state), (RequestType::Access, State::Answered));
    assert_eq!(
        s.received, "2026-11-30",
        "created by a run without a date: today"
    );
}

/// A version 2 file, as this build's migrations 1 and 2 write it, migrates to version 3:
/// its requests have no type, their state and answer derived from their steps as version 2
/// derived them. A file of a version newer than this build's is still refused.
#[test]
fn a_version_2_ledger_migrates_to_types_and_states() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("v2.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA application_id = {}; CREATE TABLE schema_version (version INTEGER PRIMARY KEY NOT NULL, applied_at TEXT NOT NULL) STRICT;
             {}
             INSERT INTO schema_version VALUES (1, '2026-11-01T00:00:00Z');
             {}
             INSERT INTO schema_version VALUES (2, '2026-11-02T00:00:00Z');
             INSERT INTO requests VALUES ('DSR-ERASED', '2026-11-02', '2026-11-02T00:00:00Z', 'add');
             INSERT INTO requests VALUES ('DSR-EXPORTED', '2026-11-02', '2026-11-02T00:00:00Z', 'run');
             INSERT INTO requests VALUES ('DSR-OLD', '2026-01-02', '2026-01-02T00:00:00Z', 'add');
             INSERT INTO requests VALUES ('DSR-ASKED', '2026-11-02', '2026-11-02T00:00:00Z', 'add');
             INSERT INTO events (request_id, at, status, outcome, run_id, detail) VALUES
                ('DSR-ERASED', '2026-11-03T10:00:00Z', 'erased', 'ok', NULL, 'erased'),
                ('DSR-ERASED', '2026-11-04T10:00:00Z', 'verified', 'ok', NULL, 'verified'),
                ('DSR-EXPORTED', '2026-11-05T10:00:00Z', 'exported', 'ok', NULL, 'exported'),
                ('DSR-ASKED', '2026-11-05T10:00:00Z', 'exported', 'ok', NULL, 'exported'),
                ('DSR-ASKED', '2026-11-05T10:00:00Z', 'erased', 'failed', NULL, 'not run');",
            schema::APPLICATION_ID,
            schema::MIGRATIONS[0],
            schema::MIGRATIONS[1],
        ))
        .unwrap();
    }
    let mut ledger = Ledger::open(&path).unwrap();
    assert_eq!(ledger.schema_version().unwrap(), 3);
    let today = date!(2026 - 11 - 30);
    let got: Vec<(String, RequestType, State, Option<String>, bool)> = ledger
        .list(today)
        .unwrap()
        .into_iter()
        .map(|s| (s.id, s.kind, s.state, s.answered_on, s.overdue))
        .collect();
    let u = RequestType::Unspecified;
    assert_eq!(
        got,
        [
            ("DSR-OLD".into(), u, State::Received, None, true),
            ("DSR-ASKED".into(), u, State::InProgress, None, false),
            (
                "DSR-ERASED".into(),
                u,
                State::Answered,
                Some("2026-11-04".into()),
                false
            ),
            (
                "DSR-EXPORTED".into(),
                u,
                State::Answered,
                Some("2026-11-05".into()),
                false
            ),
        ]
    );
    // The history is kept, and the migrated requests take a type and a closing.
    assert_eq!(
        ledger
            .show("DSR-ERASED", today)
            .unwrap()
            .unwrap()
            .history
            .len(),
        2
    );
    ledger
        .add("DSR-OLD", date!(2026 - 01 - 02), RequestType::Access, today)
        .unwrap();
    ledger
        .close("DSR-OLD", CloseAs::Rejected, "manifestly unfounded", today)
        .unwrap();
    drop(ledger);

    // Written by a build after this one: refused, left as it is.
    Connection::open(&path)
        .unwrap()
        .execute(
            "INSERT INTO schema_version (version, applied_at) VALUES (?1, 'later')",
            [schema::LATEST + 1],
        )
        .unwrap();
    let before = std::fs::read(&path).unwrap();
    let err = Ledger::open(&path).err().expect("refused");
    assert!(
        matches!(err, LedgerError::NewerSchema { found: 4, .. }),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}
