//! The erasure oracle, run through the eraser: many agents' generated settings in the
//! in-memory store, one subject's erasure run by `forgetme_cleanup::erase_all` through the
//! in-memory GWS, then checked against what the generator knows.
//!
//! `crates/matcher/tests/erasure_oracle.rs` checks the planner on one setting at a time. This
//! one checks the whole erasure on whole keyspaces: the search's hits, the targets, the
//! re-read, the GWS calls, the verification. The generator builds each setting's text record
//! by record and remembers whose each record is; it never asks the planner what a record is.
//! Afterwards:
//!
//! - no setting holds the subject's identifiers (exact spellings), except the ones left alone
//!   and reported: a record entangled with someone else's (needs review), a corporate
//!   favorite (never erased), a row GWS cannot show (not erased, with its CQL statement);
//! - every other person's record is byte for byte where it was: a setting without the
//!   subject is unchanged, a setting holding anyone else's record is never deleted, a
//!   rewritten one lost only the subject's records and their separators;
//! - nothing appeared, and the verification agrees with the outcomes.
//!
//! `ERASURE_ORACLE_CASES` sets the number of cases (2,000 by default; each is a keyspace of
//! several agents), `ERASURE_ORACLE_SEED` the first seed; a failure prints the seed.

// Built for the static target (CI), the tests allocate as the shipped binary does (mimalloc):
// musl's own allocator doubled their CPU time.
#[cfg(target_env = "musl")]
#[global_allocator]
static TEST_ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::BTreeMap;

use forgetme_audit::{AuditKey, AuditLog};
use forgetme_cleanup::{erase_all, verify_targets, Eraser, Outcome};
use forgetme_fakes::{fakes, RowPlace};
use forgetme_findings::erasure_plan::targets;
use forgetme_matcher::{parse_identifier, ErasureOptions, Matcher, ParseOptions, Region};
use forgetme_scanner::layout::{Layout, CONTACT_CENTER_OWNER};
use forgetme_scanner::Consistency;

/// splitmix64: small, seedable, and independent of any crate's sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Who a record belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Subject,
    OtherRequest,
    Other(usize),
}

const SUBJECT: [&str; 3] = ["john.smith@pizza.com", "+15550100001", "+442079460958"];
const OTHER_REQUEST: [&str; 2] = ["ann.lee@customer.test", "+15550100077"];

const SUBJECT_SPELLINGS: [&str; 12] = [
    "john.smith@pizza.com",
    "JOHN.SMITH@PIZZA.COM",
    "John Smith <john.smith@pizza.com>",
    "mailto:john.smith@pizza.com",
    "+1 555 010 0001",
    "(555) 010-0001",
    "555.010.0001",
    "tel:+15550100001",
    "+44 20 7946 0958",
    "+44 (0)20 7946 0958",
    "011 44 20 7946 0958",
    "call me on +1 555 010 0001 after 5",
];

const OTHER_REQUEST_SPELLINGS: [&str; 3] = [
    "ann.lee@customer.test",
    "Ann.Lee@Customer.Test",
    "(555) 010-0077",
];

/// Other people, near misses and possible matches among them (never the subject's).
fn other_spelling(rng: &mut Rng, n: usize) -> String {
    match rng.below(11) {
        0 => format!("agent{n}@pizza.com"),
        1 => format!("customer.{n}@example.org"),
        2 => format!("+1 555 010 {:04}", 2000 + n),
        3 => format!("+44 20 7946 {:04}", 1000 + n),
        4 => "xjohn.smith@pizza.com".into(),
        5 => "john.smith@pizza.com.au".into(),
        6 => "john.smith+news@pizza.com".into(),
        7 => "o'john.smith@pizza.com".into(),
        8 => "+1 555 010 0002".into(),
        // The subject's British national digits read as a Maine number: a possible match.
        9 => "(207) 946-0958".into(),
        _ => "207.946.0958".into(),
    }
}

const FILLERS: [&str; 8] = [
    "\"n\":12345678901234567890123",
    "\"z\":-0",
    "\"f\":1.0E+2",
    "\"u\":\"caf\\u00e9 \\/ x\"",
    "\"t\":\"2024-01-05T10:00:00Z\"",
    "\"ok\":true",
    "\"nil\":null",
    "\"emptyList\":[]",
];

/// Generated JSON text and the records in it: (whose, start, end), nested ones included.
struct Piece {
    text: String,
    records: Vec<(Who, usize, usize)>,
    /// The outermost record holds someone else's record or another request's identifier.
    entangled: bool,
}

struct Gen<'r> {
    rng: &'r mut Rng,
    batch: bool,
}

impl Gen<'_> {
    fn ws(&mut self) -> &'static str {
        const SPACES: [&str; 4] = ["", "", " ", "\n  "];
        SPACES[self.rng.below(SPACES.len())]
    }

    fn string(s: &str) -> String {
        serde_json::to_string(s).unwrap()
    }

    fn spelling(&mut self, who: Who) -> String {
        match who {
            Who::Subject => self.rng.pick(&SUBJECT_SPELLINGS).to_string(),
            Who::OtherRequest => self.rng.pick(&OTHER_REQUEST_SPELLINGS).to_string(),
            Who::Other(n) => other_spelling(self.rng, n),
        }
    }

    fn someone(&mut self, i: usize) -> Who {
        match self.rng.below(10) {
            0..=2 => Who::Subject,
            3 if self.batch => Who::OtherRequest,
            _ => Who::Other(i),
        }
    }

    /// A contact card of `who`, with `extra` fields (a favorite's key) first.
    fn card(&mut self, who: Who, name_key: &str, extra: Option<String>) -> Piece {
        let name = match who {
            Who::Subject => "John Smith".to_string(),
            Who::OtherRequest => "Ann Lee".to_string(),
            Who::Other(n) => format!("Person {n}"),
        };
        let mut fields = vec![format!("\"{name_key}\":{}", Self::string(&name))];
        let emails: Vec<String> = (0..1 + self.rng.below(2))
            .map(|_| Self::string(&self.spelling(who)))
            .collect();
        fields.push(format!("\"emailAddresses\":[{}]", emails.join(",")));
        if self.rng.chance(50) {
            let number = Self::string(&self.spelling(who));
            fields.push(format!(
                "\"phoneNumbers\":[{{\"type\":\"mobile\",\"number\":{number}}}]"
            ));
        }
        if self.rng.chance(40) {
            fields.push(self.rng.pick(&FILLERS).to_string());
        }
        let mut entangled = false;
        if self.batch && who == Who::Subject && self.rng.chance(8) {
            let s = self.spelling(Who::OtherRequest);
            fields.push(format!("\"note\":{}", Self::string(&format!("cc {s}"))));
            entangled = true;
        }
        // Sometimes another person's card inside.
        let marker = "\u{1}NESTED\u{1}";
        let nested = if self.rng.chance(12) {
            let inner_who = if self.batch && self.rng.chance(50) {
                Who::OtherRequest
            } else {
                Who::Other(90 + self.rng.below(5))
            };
            (inner_who != who).then(|| {
                let s = Self::string(&self.spelling(inner_who));
                (
                    inner_who,
                    format!("{{\"name\":\"Jane Roe\",\"email\":{s}}}"),
                )
            })
        } else {
            None
        };
        if nested.is_some() {
            fields.push(format!("\"related\":[{marker}]"));
            entangled = true;
        }
        for i in (1..fields.len()).rev() {
            let j = self.rng.below(i + 1);
            fields.swap(i, j);
        }
        if let Some(e) = extra {
            fields.insert(0, e);
        }
        let sep = format!(",{}", self.ws());
        let mut text = format!("{{{}{}}}", self.ws(), fields.join(&sep));
        let mut records = vec![];
        if let Some((inner_who, inner)) = nested {
            let at = text.find(marker).unwrap();
            text.replace_range(at..at + marker.len(), &inner);
            records.push((inner_who, at, at + inner.len()));
        }
        records.insert(0, (who, 0, text.len()));
        Piece {
            text,
            records,
            entangled,
        }
    }

    /// An entry of a list of recent contacts: a card, an unnamed call, or a bare number.
    fn entry(&mut self, who: Who) -> Piece {
        match self.rng.below(4) {
            0 | 1 => {
                let key = *self.rng.pick(&["displayName", "name", "fullName"]);
                self.card(who, key, None)
            }
            2 => {
                let s = Self::string(&self.spelling(who));
                let text = format!("{{\"number\":{s},{}\"direction\":\"in\"}}", self.ws());
                let len = text.len();
                Piece {
                    text,
                    records: vec![(who, 0, len)],
                    entangled: false,
                }
            }
            _ => {
                let text = Self::string(&self.spelling(who));
                let len = text.len();
                Piece {
                    text,
                    records: vec![(who, 0, len)],
                    entangled: false,
                }
            }
        }
    }
}

/// One generated setting.
struct Setting {
    text: String,
    records: Vec<(Who, usize, usize)>,
    /// Spans of the records that are entangled.
    entangled: Vec<(usize, usize)>,
    /// The setting as a whole is this person's (a favorite card).
    whole: Option<Who>,
    /// A row written by something other than GWS (not JSON): GWS cannot show it.
    outside_gws: bool,
}

/// `{"<key attribute>":"<key>","<list>":[entries]}` (or a map keyed by id or address).
fn list_setting(gen: &mut Gen<'_>, key_attribute: &str, key: &str, n: usize) -> Setting {
    let map = gen.rng.chance(25);
    let list_key = *gen.rng.pick(&[
        "contacts",
        "recents",
        "items",
        "phoneNumbers",
        "emailAddresses",
    ]);
    let mut text = format!(
        "{{\"{key_attribute}\":{},{}\"{list_key}\":{}",
        Gen::string(key),
        gen.ws(),
        if map { "{" } else { "[" }
    );
    let mut records = Vec::new();
    let mut entangled = Vec::new();
    for i in 0..n {
        let who = gen.someone(i);
        let piece = gen.entry(who);
        if i > 0 {
            text.push(',');
            text.push_str(gen.ws());
        }
        let base = text.len();
        let entry_key = if !map {
            String::new()
        } else {
            match who {
                _ if gen.rng.chance(50) => format!("\"c{i}\":"),
                Who::Subject => "\"john.smith@pizza.com\":".to_string(),
                Who::OtherRequest => "\"ann.lee@customer.test\":".to_string(),
                Who::Other(n) => format!("\"customer.{n}.{i}@example.org\":"),
            }
        };
        let shift = entry_key.len();
        text.push_str(&entry_key);
        text.push_str(&piece.text);
        for (j, (w, s, e)) in piece.records.into_iter().enumerate() {
            // A map entry's record starts at its key.
            let start = if j == 0 { base } else { base + shift + s };
            records.push((w, start, base + shift + e));
            if j == 0 && piece.entangled {
                entangled.push((start, base + shift + e));
            }
        }
    }
    text.push_str(if map { "}}" } else { "]}" });
    Setting {
        text,
        records,
        entangled,
        whole: None,
        outside_gws: false,
    }
}

fn favorite(gen: &mut Gen<'_>, key: &str, who: Who) -> Setting {
    let piece = gen.card(
        who,
        "displayName",
        Some(format!("\"id\":{}", Gen::string(key))),
    );
    let len = piece.text.len();
    Setting {
        entangled: if piece.entangled {
            vec![(0, len)]
        } else {
            vec![]
        },
        text: piece.text,
        records: piece.records,
        whole: Some(who),
        outside_gws: false,
    }
}

const FAVORITES: &str = "interaction-workspace-personal-favorites";
const RECENTS: &str = "interaction-workspace-recent-contacts";

/// A keyspace: every setting, by its row, and whether the batch's other request is in play.
fn generate(rng: &mut Rng) -> (BTreeMap<RowPlace, Setting>, bool) {
    let batch = rng.chance(30);
    let mut gen = Gen { rng, batch };
    let mut settings = BTreeMap::new();
    let agents = 2 + gen.rng.below(4);
    for a in 0..agents {
        let owner = format!("{:032x}", 0xa9e0_u64 + a as u64);
        for f in 0..gen.rng.below(4) {
            let who = gen.someone(10 * a + f);
            let key = format!("fav-{f}");
            let s = favorite(&mut gen, &key, who);
            settings.insert((owner.clone(), FAVORITES.to_string(), key), s);
        }
        if gen.rng.chance(80) {
            let n = 1 + gen.rng.below(5);
            let s = list_setting(&mut gen, "name", "recents", n);
            settings.insert((owner.clone(), RECENTS.into(), "recents".into()), s);
        }
        if gen.rng.chance(8) {
            // Written by something other than GWS: not JSON.
            let who = gen.someone(a);
            let s = gen.spelling(who);
            let text = format!("call back {s}");
            let len = text.len();
            settings.insert(
                (owner.clone(), RECENTS.into(), "note".into()),
                Setting {
                    text,
                    records: vec![(who, 0, len)],
                    entangled: vec![],
                    whole: Some(who),
                    outside_gws: true,
                },
            );
        }
    }
    if gen.rng.chance(20) {
        // A corporate favorite: the contact center's, never erased.
        let who = gen.someone(99);
        let s = favorite(&mut gen, "corp-1", who);
        settings.insert(
            (
                CONTACT_CENTER_OWNER.into(),
                FAVORITES.into(),
                "corp-1".into(),
            ),
            s,
        );
    }
    (settings, batch)
}

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

/// Whitespace and commas removed: what a cut may take besides the records themselves.
fn skeleton(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, ' ' | '\n' | '\t' | '\r' | ','))
        .collect()
}

fn holds_subject_exactly(subject: &Matcher, text: &str) -> bool {
    subject
        .match_bytes(text.as_bytes())
        .hits
        .iter()
        .any(|h| !h.variant.is_possible())
}

/// Checks one setting after the run; `Err` says what broke.
fn check(
    place: &RowPlace,
    s: &Setting,
    after: Option<&String>,
    outcome: Option<&Outcome>,
    subject: &Matcher,
) -> Result<(), String> {
    let subject_records: Vec<(usize, usize)> = s
        .records
        .iter()
        .filter(|(w, _, _)| *w == Who::Subject)
        .map(|&(_, a, b)| (a, b))
        .collect();
    let someone_elses = s.records.iter().any(|(w, _, _)| *w != Who::Subject);
    let inside_someone_elses = |(a, b): (usize, usize)| {
        s.records
            .iter()
            .any(|&(o, oa, ob)| o != Who::Subject && oa <= a && b <= ob && (oa, ob) != (a, b))
    };
    let entangled = subject_records.iter().any(|r| s.entangled.contains(r))
        || (s.whole == Some(Who::Subject) && someone_elses)
        || subject_records.iter().any(|&r| inside_someone_elses(r));
    let corporate = place.0 == CONTACT_CENTER_OWNER;

    // Review only when the generator knows the subject's record is entangled; nothing
    // changes then.
    if let Some(Outcome::NeedsReview { .. }) = outcome {
        if !entangled {
            return Err(format!("needless review: {outcome:?}"));
        }
        if after != Some(&s.text) {
            return Err("a setting left for review was changed".into());
        }
    }
    // A record of the subject that holds someone else's record or another request's
    // identifier is never cut: the whole setting waits for review.
    if entangled && after != Some(&s.text) {
        return Err("an entangled record of the subject was erased".into());
    }
    match after {
        None => {
            if someone_elses {
                return Err("a setting holding someone else's record was deleted".into());
            }
            if subject_records.is_empty() {
                return Err("a setting without the subject was deleted".into());
            }
            if corporate || s.outside_gws {
                return Err("a setting the tool may not erase was deleted".into());
            }
        }
        Some(now) if *now == s.text => {}
        Some(now) => {
            if subject_records.is_empty() || corporate || s.outside_gws {
                return Err(format!("a setting outside the plan changed:\n{now}"));
            }
            if s.whole == Some(Who::Subject) {
                return Err("a favorite card of the subject was rewritten, not deleted".into());
            }
            if !matches!(outcome, Some(Outcome::Rewritten { .. })) {
                return Err(format!("changed, yet reported {outcome:?}"));
            }
            // Nobody else's record lost a byte.
            for &(who, a, b) in &s.records {
                if who == Who::Subject || subject_records.iter().any(|&(sa, sb)| sa <= a && b <= sb)
                {
                    continue;
                }
                let bytes = &s.text[a..b];
                if s.text.matches(bytes).count() != now.matches(bytes).count() {
                    return Err(format!("{who:?}'s record changed: {bytes}"));
                }
            }
            // What was cut is the subject's outermost records and separators.
            let mut expected = s.text.clone();
            let mut outer: Vec<(usize, usize)> = subject_records
                .iter()
                .copied()
                .filter(|&r| !inside_someone_elses(r))
                .collect();
            outer.sort_unstable();
            outer.dedup();
            for (a, b) in outer.into_iter().rev() {
                expected.replace_range(a..b, "");
            }
            if skeleton(&expected) != skeleton(now) {
                return Err(format!(
                    "cut more or less than the subject's records:\n{now}"
                ));
            }
        }
    }
    // What still holds the subject was left alone and reported.
    if let Some(now) = after {
        if holds_subject_exactly(subject, now) {
            let reported = match outcome {
                Some(Outcome::NeedsReview { .. }) => true,
                Some(Outcome::NotErased { delete_cql, .. }) => s.outside_gws && delete_cql.is_ok(),
                None => corporate,
                _ => false,
            };
            if !reported {
                return Err(format!(
                    "the subject is still stored, reported as {outcome:?}:\n{now}"
                ));
            }
        }
    }
    Ok(())
}

async fn run_case(
    seed: u64,
    subject: &Matcher,
    other: &Matcher,
    audit: &mut AuditLog,
    key: &AuditKey,
    kinds: &mut BTreeMap<&'static str, u64>,
) -> Result<(), String> {
    let mut rng = Rng(seed);
    let (settings, batch) = generate(&mut rng);
    let (gws, store) = fakes();
    for (owner, group, key) in settings.keys() {
        store.add_group(owner, group, if group == FAVORITES { "id" } else { "name" });
        store.put_row(
            owner,
            group,
            key,
            &settings[&(owner.clone(), group.clone(), key.clone())].text,
        );
    }
    let part = store.search(subject);
    let planned = targets(&part.found, &Layout::reference(), false);
    let mut eraser = Eraser {
        gws: &gws,
        matcher: subject,
        other_requests: batch.then_some(other),
        audit,
        audit_key: key,
        options: ErasureOptions::default(),
        store: &store,
        consistency: Consistency::Quorum,
    };
    let mut results = erase_all(&mut eraser, &planned).await?;
    let verification = verify_targets(&store, &planned, subject, Consistency::Quorum, false).await;
    forgetme_cleanup::demote_claims_verification_refutes(&mut results, &verification);

    let after = store.rows();
    if let Some(new) = after.keys().find(|k| !settings.contains_key(*k)) {
        return Err(format!("a setting appeared: {new:?}"));
    }
    let mut left_alone = false;
    for r in &results {
        let outcome = &r.outcome;
        *kinds.entry(outcome.as_str()).or_default() += 1;
        match outcome {
            Outcome::NeedsReview { .. } | Outcome::NotErased { .. } => left_alone = true,
            Outcome::Deleted | Outcome::Rewritten { .. } => {}
            other => return Err(format!("unexpected outcome {other:?}")),
        }
        if !r.collateral.is_empty() {
            return Err(format!("collateral: {:?}", r.collateral));
        }
    }
    for (place, s) in &settings {
        let outcome = results
            .iter()
            .find(|r| {
                (&r.target.user_id, &r.target.group, &r.target.setting_key)
                    == (&place.0, &place.1, &place.2)
            })
            .map(|r| &r.outcome);
        check(place, s, after.get(place), outcome, subject)
            .map_err(|why| format!("{place:?}: {why}\nbefore:\n{}", s.text))?;
    }
    // The verification agrees: it finds exactly what was left alone.
    if verification.verified() == left_alone {
        return Err(format!(
            "verification {verification:?} with the settings left alone: {left_alone}"
        ));
    }
    Ok(())
}

#[tokio::test]
async fn an_erasure_changes_nothing_but_the_subjects_records() {
    let cases: u64 = std::env::var("ERASURE_ORACLE_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let first_seed: u64 = std::env::var("ERASURE_ORACLE_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5EED);
    let subject = matcher_of(&SUBJECT);
    let other = matcher_of(&OTHER_REQUEST);
    // The audit log is written (and synced) ahead of every change: on a memory file system
    // when there is one, so thousands of cases stay fast.
    let dir = match std::path::Path::new("/dev/shm") {
        shm if shm.is_dir() => tempfile::tempdir_in(shm),
        _ => tempfile::tempdir(),
    }
    .unwrap();
    let key = AuditKey::from_bytes([5; 32]);
    let mut audit = AuditLog::open(&dir.path().join("audit.log"), "oracle", &key).unwrap();
    let mut kinds = BTreeMap::new();
    for seed in first_seed..first_seed + cases {
        if let Err(why) = run_case(seed, &subject, &other, &mut audit, &key, &mut kinds).await {
            panic!("seed {seed} (ERASURE_ORACLE_SEED={seed} ERASURE_ORACLE_CASES=1): {why}");
        }
    }
    println!("erasure oracle through the eraser: {cases} cases from seed {first_seed}: {kinds:?}");
    // Every outcome the generator aims at must be exercised, or it has gone blind somewhere.
    for kind in ["deleted", "rewritten", "needs_review", "not_erased"] {
        assert!(
            kinds.get(kind).copied().unwrap_or(0) * 200 >= cases,
            "fewer than 0.5% of the cases had a setting {kind}: {kinds:?}"
        );
    }
}
