//! One request answered in-process, through `request::answer`, on the in-memory GWS and store
//! (`forgetme-fakes`): plans, edits, refusals, confirmation, verification and receipts, with
//! no Cassandra node and no GWS. The same paths against the real node and the emulator are in
//! `tests/it` (cleanup, collateral, erasure_races, nobody_else, one_engine, evidence).

use std::collections::BTreeMap;
use std::path::PathBuf;

use forgetme_audit::contract::RunArguments;
use forgetme_cleanup::Outcome;
use forgetme_engine::audit_trail::{self, AuditPlace};
use forgetme_engine::erasure::{Confirmation, ErasurePolicy};
use forgetme_engine::request::{self, Answer, Engine, Erasure, ReceiptPlace, Request};
use forgetme_engine::{RunSettings, EXIT_DECLINED};
use forgetme_fakes::{fakes, FakeGws, FakeStore, RowPlace};
use forgetme_matcher::{parse_identifier, Matcher, ParseOptions, Region};
use forgetme_printer::UserNames;
use forgetme_scanner::layout::Layout;

const ALICE: &str = "0000000000000000000000000000a11c";
const BOB: &str = "00000000000000000000000000000b0b";
const FAVORITES: &str = "interaction-workspace-personal-favorites";
const RECENTS: &str = "interaction-workspace-recent-contacts";
const SUBJECT: &str = "john.smith@pizza.com";

fn matcher_of(inputs: &[&str]) -> Matcher {
    let options = ParseOptions {
        default_region: Region::parse("US"),
        allow_text: false,
    };
    let ids = inputs
        .iter()
        .map(|s| parse_identifier(s, &options).unwrap())
        .collect();
    Matcher::new(ids, Region::parse("US"))
}

/// Two agents: Alice with favorites and recents, Bob with favorites.
fn seeded() -> (FakeGws, FakeStore) {
    let (gws, store) = fakes();
    store.add_group(ALICE, FAVORITES, "id");
    store.add_group(ALICE, RECENTS, "name");
    store.add_group(BOB, FAVORITES, "id");
    store.put_row(
        ALICE,
        FAVORITES,
        "fav-2",
        r#"{"id":"fav-2","displayName":"Ann Lee","emailAddresses":["ann.lee@customer.test"]}"#,
    );
    store.put_row(
        BOB,
        FAVORITES,
        "fav-1",
        r#"{"id":"fav-1","displayName":"Customer 7","phoneNumbers":[{"type":"mobile","number":"+1 555 010 2007"}]}"#,
    );
    (gws, store)
}

const SUBJECT_CARD: &str =
    r#"{"id":"fav-1","displayName":"John Smith","emailAddresses":["John.Smith@Pizza.com"]}"#;
const RECENTS_LIST: &str = r#"{"name":"recents","contacts":[{"n":"Ann","number":"+1 555 010 2001"},{"n":"John Smith","email":"john.smith@pizza.com"},"+44 20 7946 1001"]}"#;
const RECENTS_WITHOUT_SUBJECT: &str =
    r#"{"name":"recents","contacts":[{"n":"Ann","number":"+1 555 010 2001"},"+44 20 7946 1001"]}"#;

/// A run's settings: erasing, `--yes` unless a test says otherwise.
fn settings(policy: ErasurePolicy) -> RunSettings {
    RunSettings {
        keyspace: forgetme_fakes::KEYSPACE.into(),
        verify_consistency: forgetme_scanner::ConsistencyLevel::Quorum,
        local_dc: None,
        erase: true,
        policy,
        audit_arguments: RunArguments {
            cass_keyspace: forgetme_fakes::KEYSPACE.into(),
            cass_hostname: "fake".into(),
            cass_port: 9042,
            group_name: None,
            layout: None,
            deep: false,
            erase: "record".into(),
            gws: forgetme_fakes::BASE_URL.into(),
            default_region: Some("US".into()),
            identifiers: 0,
        },
    }
}

fn yes() -> ErasurePolicy {
    ErasurePolicy {
        yes: true,
        ..ErasurePolicy::default()
    }
}

/// What a run left behind: its answer, the receipt's JSON (when written) and the audit log.
struct Ran {
    answer: Answer,
    receipt: Option<serde_json::Value>,
    audit_log: String,
    _dir: tempfile::TempDir,
}

impl Ran {
    fn done(&self) -> &forgetme_engine::request::ErasureDone {
        match &self.answer.erasure {
            Erasure::Done(d) => d,
            _ => panic!("the erasure did not run"),
        }
    }

    fn outcomes(&self) -> Vec<(String, &Outcome)> {
        self.done()
            .results
            .iter()
            .map(|r| (r.target.setting_key.clone(), &r.outcome))
            .collect()
    }
}

/// Searches the fake store for `identifiers` and answers one erasure request with them.
async fn run(
    gws: &FakeGws,
    store: &FakeStore,
    identifiers: &[&str],
    policy: ErasurePolicy,
    confirm: &(dyn Fn(&Confirmation<'_>) -> bool + Sync),
) -> Ran {
    let dir = tempfile::tempdir().unwrap();
    let matcher = matcher_of(identifiers);
    let part = store.search(&matcher);
    let settings = settings(policy);
    let names = UserNames::new();
    let layout = Layout::reference();
    let no_templates = forgetme_access_export::template::Templates::default();
    let engine = Engine {
        settings: &settings,
        session: store,
        gws: Some(gws),
        layout: &layout,
        names: &names,
        templates: &no_templates,
        confirm,
    };
    let receipt_path: PathBuf = dir.path().join("receipt.json");
    let case = forgetme_audit::CaseRef::new("case-1").unwrap();
    let request = Request {
        case: Some(&case),
        matcher: &matcher,
        others: None,
        export: None,
        language: Default::default(),
        erase: true,
        receipt: ReceiptPlace::At(receipt_path.clone()),
    };
    let place = AuditPlace {
        log: dir.path().join("audit.log"),
        key: dir.path().join("audit.key"),
    };
    let mut audit = ok(audit_trail::open(&place));
    let answer = ok(request::answer(&engine, &request, &part, Some(&mut audit), None).await);
    let receipt = std::fs::read_to_string(&receipt_path)
        .ok()
        .map(|t| serde_json::from_str(&t).unwrap());
    let audit_log = std::fs::read_to_string(&place.log).unwrap_or_default();
    Ran {
        answer,
        receipt,
        audit_log,
        _dir: dir,
    }
}

fn ok<T>(r: Result<T, forgetme_engine::Failure>) -> T {
    r.unwrap_or_else(|e| panic!("{}", e.message()))
}

fn never(_: &Confirmation<'_>) -> bool {
    panic!("--yes: the operator is not asked")
}

fn row(owner: &str, group: &str, key: &str) -> RowPlace {
    (owner.into(), group.into(), key.into())
}

/// The rows, without the ones named.
fn without(rows: &BTreeMap<RowPlace, String>, gone: &[RowPlace]) -> BTreeMap<RowPlace, String> {
    rows.iter()
        .filter(|(k, _)| !gone.contains(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// Nothing personal in what the run wrote besides the stores: the receipt and the audit log.
fn assert_no_identifier(ran: &Ran) {
    let receipt = ran
        .receipt
        .as_ref()
        .map(|r| r.to_string())
        .unwrap_or_default();
    for text in [&receipt, &ran.audit_log] {
        assert!(!text.to_lowercase().contains("john.smith"), "{text}");
    }
}

#[tokio::test]
async fn a_favorite_card_is_deleted_whole_and_the_receipt_says_so() {
    let (gws, store) = seeded();
    store.put_row(ALICE, FAVORITES, "fav-1", SUBJECT_CARD);
    let before = store.rows();
    let ran = run(&gws, &store, &[SUBJECT], yes(), &never).await;
    assert_eq!(ran.outcomes(), [("fav-1".to_string(), &Outcome::Deleted)]);
    assert_eq!(
        store.rows(),
        without(&before, &[row(ALICE, FAVORITES, "fav-1")])
    );
    let d = ran.done();
    assert!(d.verification.verified(), "{:?}", d.verification);
    assert_eq!(d.verification.partitions, 1);
    assert_eq!(ran.answer.exit_code(), 0);
    assert!(ran.answer.answered());
    let receipt = ran.receipt.as_ref().expect("a receipt");
    assert_eq!(receipt["verification"]["verified"], true);
    assert_eq!(receipt["locations"][0]["action"], "deleted");
    assert_eq!(receipt["locations"][0]["setting_key"], "fav-1");
    assert_eq!(
        receipt["disk"]["tables"][0]["gc_grace_seconds"],
        forgetme_fakes::GC_GRACE_SECONDS
    );
    assert_no_identifier(&ran);
}

#[tokio::test]
async fn a_recent_contact_is_cut_out_of_its_list_and_every_other_byte_kept() {
    let (gws, store) = seeded();
    store.put_row(ALICE, RECENTS, "recents", RECENTS_LIST);
    let before = store.rows();
    let ran = run(&gws, &store, &[SUBJECT], yes(), &never).await;
    let outcomes = ran.outcomes();
    assert_eq!(outcomes.len(), 1);
    assert!(
        matches!(outcomes[0].1, Outcome::Rewritten { removed } if removed.len() == 1),
        "{outcomes:?}"
    );
    let mut expected = before.clone();
    expected.insert(
        row(ALICE, RECENTS, "recents"),
        RECENTS_WITHOUT_SUBJECT.into(),
    );
    assert_eq!(store.rows(), expected);
    assert!(ran.done().verification.verified());
    assert_eq!(ran.answer.exit_code(), 0);
    assert_eq!(
        ran.receipt.as_ref().unwrap()["locations"][0]["action"],
        "rewritten"
    );
    assert_no_identifier(&ran);
}

#[tokio::test]
async fn a_record_shared_with_another_person_needs_review_and_nothing_changes() {
    let (gws, store) = seeded();
    // The subject's card carries another person's card inside it.
    store.put_row(
        ALICE,
        FAVORITES,
        "fav-1",
        r#"{"id":"fav-1","displayName":"John Smith","emailAddresses":["john.smith@pizza.com"],"related":[{"name":"Jane Roe","email":"customer.5@example.org"}]}"#,
    );
    let before = store.rows();
    let ran = run(&gws, &store, &[SUBJECT], yes(), &never).await;
    let outcomes = ran.outcomes();
    assert!(
        matches!(outcomes[..], [(_, Outcome::NeedsReview { .. })]),
        "{outcomes:?}"
    );
    assert_eq!(gws.changes(), 0, "{:?}", gws.calls());
    assert_eq!(store.rows(), before);
    // Not an erasure: the request stays open and the receipt names what a person must do.
    assert_eq!(ran.answer.exit_code(), 1);
    assert!(!ran.answer.answered());
    let receipt = ran.receipt.as_ref().unwrap();
    assert_eq!(receipt["verification"]["verified"], false);
    assert_eq!(receipt["locations"][0]["action"], "needs_review");
    assert!(receipt["locations"][0]["to_do"].is_string());
    assert_no_identifier(&ran);
}

#[tokio::test]
async fn a_plan_above_max_settings_is_refused_and_nothing_changes() {
    let (gws, store) = seeded();
    store.put_row(ALICE, FAVORITES, "fav-1", SUBJECT_CARD);
    store.put_row(ALICE, RECENTS, "recents", RECENTS_LIST);
    let before = store.rows();
    let policy = ErasurePolicy {
        max_settings: 1,
        ..yes()
    };
    let ran = run(&gws, &store, &[SUBJECT], policy, &never).await;
    match &ran.answer.erasure {
        Erasure::Refused(size) => assert_eq!(size.settings, 2),
        _ => panic!("not refused"),
    }
    assert_eq!(ran.answer.exit_code(), 2);
    assert!(gws.calls().is_empty(), "{:?}", gws.calls());
    assert_eq!(store.rows(), before);
    assert!(ran.receipt.is_none());
    assert!(
        ran.audit_log.contains("refused_too_large"),
        "{}",
        ran.audit_log
    );
}

#[tokio::test]
async fn a_declined_confirmation_changes_nothing() {
    let (gws, store) = seeded();
    store.put_row(ALICE, FAVORITES, "fav-1", SUBJECT_CARD);
    let before = store.rows();
    let asked = std::sync::atomic::AtomicUsize::new(0);
    let decline = |c: &Confirmation<'_>| {
        asked.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        assert_eq!(c.targets.len(), 1);
        assert_eq!(c.gws, forgetme_fakes::BASE_URL);
        false
    };
    let policy = ErasurePolicy {
        yes: false,
        ..ErasurePolicy::default()
    };
    let ran = run(&gws, &store, &[SUBJECT], policy, &decline).await;
    assert_eq!(asked.load(std::sync::atomic::Ordering::Relaxed), 1);
    assert!(matches!(ran.answer.erasure, Erasure::Declined));
    assert_eq!(ran.answer.exit_code(), EXIT_DECLINED);
    assert!(gws.calls().is_empty(), "{:?}", gws.calls());
    assert_eq!(store.rows(), before);
    assert!(ran.receipt.is_none());
}

#[tokio::test]
async fn a_writer_that_puts_the_subject_back_is_seen_by_the_re_read() {
    // Once: the next pass sees the subject back, cuts it again, and the cut holds.
    let (gws, store) = seeded();
    store.put_row(ALICE, RECENTS, "recents", RECENTS_LIST);
    gws.faults(|f| f.put_back = 1);
    let ran = run(&gws, &store, &[SUBJECT], yes(), &never).await;
    assert!(
        matches!(ran.outcomes()[..], [(_, Outcome::Rewritten { .. })]),
        "{:?}",
        ran.outcomes()
    );
    let puts = gws
        .calls()
        .iter()
        .filter(|c| c.op == forgetme_fakes::Op::Put)
        .count();
    assert_eq!(puts, 2);
    assert_eq!(
        store.rows()[&row(ALICE, RECENTS, "recents")],
        RECENTS_WITHOUT_SUBJECT
    );
    assert!(ran.done().verification.verified());
    assert_eq!(ran.answer.exit_code(), 0);

    // Every time: the eraser gives up after a few passes and says why; nothing is verified.
    let (gws, store) = seeded();
    store.put_row(ALICE, RECENTS, "recents", RECENTS_LIST);
    gws.faults(|f| f.put_back = usize::MAX);
    let ran = run(&gws, &store, &[SUBJECT], yes(), &never).await;
    match &ran.outcomes()[..] {
        [(_, Outcome::Failed(why))] => assert!(why.contains("another writer"), "{why}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(store.rows()[&row(ALICE, RECENTS, "recents")], RECENTS_LIST);
    assert_eq!(ran.done().verification.still_matching, [0]);
    assert_eq!(ran.answer.exit_code(), 1);
    assert_eq!(
        ran.receipt.as_ref().unwrap()["verification"]["verified"],
        false
    );
}

#[tokio::test]
async fn a_delete_that_drops_the_group_is_collateral_damage_and_not_verified() {
    let (gws, store) = seeded();
    store.put_row(ALICE, FAVORITES, "fav-1", SUBJECT_CARD);
    gws.faults(|f| f.delete_drops_group = true);
    let ran = run(&gws, &store, &[SUBJECT], yes(), &never).await;
    let d = ran.done();
    assert_eq!(d.results.len(), 1);
    assert_eq!(d.results[0].outcome, Outcome::Deleted);
    assert_eq!(d.results[0].collateral.vanished, ["fav-2"]);
    assert!(d.results[0].collateral.is_damage());
    // Bob's group is another partition: untouched.
    assert!(store.rows().contains_key(&row(BOB, FAVORITES, "fav-1")));
    assert!(!store.rows().contains_key(&row(ALICE, FAVORITES, "fav-2")));
    assert_eq!(ran.answer.exit_code(), 1);
    assert!(ran.audit_log.contains("collateral_damage"));
    let receipt = ran.receipt.as_ref().unwrap();
    assert_eq!(receipt["verification"]["collateral_damage"], 1);
    assert_eq!(receipt["verification"]["verified"], false);
}

#[tokio::test]
async fn the_verification_finds_the_subject_written_back_under_a_new_key() {
    let (gws, store) = seeded();
    store.put_row(ALICE, FAVORITES, "fav-1", SUBJECT_CARD);
    gws.faults(|f| {
        f.write_back = Some((
            "fav-9".into(),
            SUBJECT_CARD.replace("fav-1", "fav-9").to_string(),
        ))
    });
    let ran = run(&gws, &store, &[SUBJECT], yes(), &never).await;
    let d = ran.done();
    assert_eq!(d.results[0].outcome, Outcome::Deleted);
    assert_eq!(d.verification.elsewhere, [(0, "fav-9".to_string())]);
    assert!(!d.verification.verified());
    assert_eq!(ran.answer.exit_code(), 1);
    let receipt = ran.receipt.as_ref().unwrap();
    assert_eq!(receipt["verification"]["found_elsewhere"], 1);
    assert_eq!(receipt["verification"]["verified"], false);
}

#[tokio::test]
async fn a_row_gws_does_not_show_is_not_erased_and_its_delete_statement_is_given() {
    let (gws, store) = seeded();
    // Written by something other than GWS: not JSON, so GWS cannot name it.
    store.put_row(ALICE, FAVORITES, "note-1", "call john.smith@pizza.com back");
    let ran = run(&gws, &store, &[SUBJECT], yes(), &never).await;
    match &ran.outcomes()[..] {
        [(_, Outcome::NotErased { delete_cql, .. })] => assert_eq!(
            delete_cql.as_deref(),
            Ok(format!(
                r#"DELETE FROM "sipfs"."settings" WHERE "owner_id" = '{ALICE}' AND "group_name" = '{FAVORITES}' AND "setting_key" = 'note-1';"#
            )
            .as_str())
        ),
        other => panic!("{other:?}"),
    }
    assert_eq!(gws.changes(), 0);
    assert_eq!(ran.answer.exit_code(), 1);
}

#[tokio::test]
async fn a_store_that_cannot_be_read_before_the_change_changes_nothing() {
    let (gws, store) = seeded();
    store.put_row(ALICE, FAVORITES, "fav-1", SUBJECT_CARD);
    let before = store.rows();
    let matcher = matcher_of(&[SUBJECT]);
    let part = store.search(&matcher);
    store.faults(|f| f.store_unreadable = true);
    let dir = tempfile::tempdir().unwrap();
    let place = AuditPlace {
        log: dir.path().join("audit.log"),
        key: dir.path().join("audit.key"),
    };
    let mut audit = ok(audit_trail::open(&place));
    let settings = settings(yes());
    let (names, layout) = (UserNames::new(), Layout::reference());
    let no_templates = forgetme_access_export::template::Templates::default();
    let engine = Engine {
        settings: &settings,
        session: &store,
        gws: Some(&gws),
        layout: &layout,
        names: &names,
        templates: &no_templates,
        confirm: &never,
    };
    let request = Request {
        case: None,
        matcher: &matcher,
        others: None,
        export: None,
        language: Default::default(),
        erase: true,
        receipt: ReceiptPlace::At(dir.path().join("receipt.json")),
    };
    let answer = ok(request::answer(&engine, &request, &part, Some(&mut audit), None).await);
    let Erasure::Done(d) = &answer.erasure else {
        panic!("the erasure did not run")
    };
    assert!(
        matches!(&d.results[0].outcome, Outcome::Failed(why) if why.contains("nothing was changed")),
        "{:?}",
        d.results[0].outcome
    );
    assert_eq!(gws.changes(), 0);
    assert_eq!(store.rows(), before);
    assert_eq!(d.verification.unreadable.len(), 1);
    assert_eq!(answer.exit_code(), 1);
}
