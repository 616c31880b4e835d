//! An independent check of the access export's cut over generated settings that mix several
//! people: the subject, another request of the same batch, strangers whose national number
//! has the subject's digits (possible matches), colleagues in fields of any name and in map
//! keys, third people named in notes; as favorite cards, lists, maps, categories and text
//! that is not JSON.
//!
//! For every setting, the subject's copy (its data structure, `ExportItem::subject_records`
//! and `SubjectCopy`, and the rendered page's text) must hold no identifier of anybody else
//! in any spelling (every e-mail- or phone-shaped text in it is the subject's, no other
//! person's matcher finds anything, no other record's name shows), and every exact hit of the
//! subject in a record of theirs alone must be shown.
//!
//! `FORGETME_CUT_SEED=N` replays one case; `FORGETME_CUT_CASES=N` runs more.

// Built for the static target (CI), the tests allocate as the shipped binary does (mimalloc):
// musl's own allocator doubled their CPU time.
#[cfg(target_env = "musl")]
#[global_allocator]
static TEST_ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::collections::HashMap;

use forgetme_access_export::subject::SubjectCopy;
use forgetme_access_export::{
    subject_html, AccessExport, ExportIdentifier, ExportItem, ExportScan, OwnerType,
};
use forgetme_findings::export::cut;
use forgetme_matcher::{identifier_tokens, parse_identifier, Identifier, Matcher, ParseOptions};
use serde_json::{json, Map, Value};

/// A small deterministic generator (xorshift64*): no dependency, the same on every machine.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    fn word(&mut self) -> String {
        const SYL: [&str; 12] = [
            "ka", "lo", "mi", "ren", "sa", "to", "vu", "zel", "ny", "pra", "qui", "dor",
        ];
        let n = 2 + self.below(2);
        let mut w: String = (0..n).map(|_| *self.pick(&SYL)).collect();
        w[..1].make_ascii_uppercase();
        w
    }
}

/// One person of a case.
#[derive(Clone, Debug)]
struct Person {
    role: Role,
    /// Unique among the case's people: a record's name tells whose it is.
    name: String,
    email: String,
    /// E.164.
    phone: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    Subject,
    OtherRequest,
    /// A stranger whose stored number reads as the subject's national number.
    Stranger,
    Colleague,
    Third,
}

/// Spellings of an e-mail address as agents store it.
fn spell_email(rng: &mut Rng, p: &Person) -> String {
    match rng.below(5) {
        0 => p.email.clone(),
        1 => p.email.to_uppercase(),
        2 => format!("{} <{}>", p.name, p.email),
        3 => format!("mailto:{}", p.email),
        _ => {
            let (local, domain) = p.email.split_once('@').unwrap();
            format!("{}@{}", local, domain.to_uppercase())
        }
    }
}

/// Spellings of a phone number as agents store it. A stranger's is written nationally, as
/// the subject's national number would be.
fn spell_phone(rng: &mut Rng, p: &Person) -> String {
    let d = &p.phone[1..];
    let (cc, rest) = if d.starts_with('1') {
        d.split_at(1)
    } else {
        d.split_at(2)
    };
    if p.role == Role::Stranger {
        // +1 207 946 xxxx written as the Americans write it.
        return match rng.below(3) {
            0 => format!("({}) {}-{}", &rest[..3], &rest[3..6], &rest[6..]),
            1 => format!("{}.{}.{}", &rest[..3], &rest[3..6], &rest[6..]),
            _ => rest.to_string(),
        };
    }
    match rng.below(5) {
        0 => p.phone.clone(),
        1 => format!("+{cc} {} {} {}", &rest[..2], &rest[2..6], &rest[6..]),
        2 => format!("+{cc}-{}-{}-{}", &rest[..2], &rest[2..6], &rest[6..]),
        3 => format!("00{cc} {} {} {}", &rest[..2], &rest[2..6], &rest[6..]),
        _ => format!("+{cc} ({}) {}", &rest[..2], &rest[2..]),
    }
}

/// The people of one case: a London subject, another request, strangers in Maine with the
/// subject's national digits, colleagues and third people.
fn people(rng: &mut Rng) -> Vec<Person> {
    let mut used: Vec<String> = Vec::new();
    let mut name = |rng: &mut Rng| loop {
        let n = format!("{} {}", rng.word(), rng.word());
        if !used.contains(&n) {
            used.push(n.clone());
            return n;
        }
    };
    let mut digits_used: Vec<String> = Vec::new();
    let mut digits = |rng: &mut Rng| loop {
        let d = format!("{:04}", rng.below(10_000));
        if !digits_used.contains(&d) {
            digits_used.push(d.clone());
            return d;
        }
    };
    let mut out = Vec::new();
    let subject_digits = digits(rng);
    let mut person = |rng: &mut Rng, role: Role, phone: String, domain: &str| {
        let name = name(rng);
        let local = name.to_lowercase().replace(' ', ".");
        Person {
            role,
            email: format!("{local}@{domain}"),
            name,
            phone,
        }
    };
    out.push(person(
        rng,
        Role::Subject,
        format!("+44207946{subject_digits}"),
        "example.com",
    ));
    let d = digits(rng);
    out.push(person(
        rng,
        Role::OtherRequest,
        format!("+44207946{d}"),
        "example.co.uk",
    ));
    for _ in 0..2 {
        out.push(person(
            rng,
            Role::Stranger,
            format!("+1207946{subject_digits}"),
            "example.org",
        ));
    }
    for _ in 0..3 {
        let d = digits(rng);
        out.push(person(
            rng,
            Role::Colleague,
            format!("+1555010{d}"),
            "pizza.com",
        ));
    }
    for _ in 0..2 {
        let d = digits(rng);
        out.push(person(
            rng,
            Role::Third,
            format!("+44161496{d}"),
            "example.net",
        ));
    }
    out
}

/// A contact record of `owner` (or, `shared`, of the subject and the other request at once),
/// with colleagues and third people mixed in.
fn record(rng: &mut Rng, owner: &Person, others: &[Person], shared: Option<&Person>) -> Value {
    let mut r = Map::new();
    r.insert("displayName".into(), json!(owner.name));
    if rng.chance(80) {
        r.insert("emailAddress".into(), json!(spell_email(rng, owner)));
    }
    if rng.chance(70) || !r.contains_key("emailAddress") {
        if rng.chance(50) {
            r.insert(
                "phoneNumbers".into(),
                json!([{"type": "mobile", "number": spell_phone(rng, owner)}]),
            );
        } else {
            r.insert("phoneNumber".into(), json!(spell_phone(rng, owner)));
        }
    }
    if let Some(second) = shared {
        r.insert("otherEmail".into(), json!(spell_email(rng, second)));
    }
    let colleagues: Vec<&Person> = others
        .iter()
        .filter(|p| p.role == Role::Colleague)
        .collect();
    let thirds: Vec<&Person> = others.iter().filter(|p| p.role == Role::Third).collect();
    for _ in 0..rng.below(3) {
        let c = *rng.pick(&colleagues);
        let key = rng
            .pick(&[
                "handledBy",
                "transferredFrom",
                "zq",
                "routing",
                "lastAgent",
                "cc",
            ])
            .to_string();
        let value = match rng.below(5) {
            0 | 1 => json!(spell_email(rng, c)),
            2 | 3 => json!(spell_phone(rng, c)),
            // A number stored as a JSON number.
            _ => json!(c.phone[1..].parse::<u64>().unwrap()),
        };
        let value = match rng.below(3) {
            0 => value,
            1 => json!({"to": value}),
            _ => json!([value]),
        };
        r.insert(key, value);
    }
    if rng.chance(30) {
        let c = *rng.pick(&colleagues);
        let key = if rng.chance(50) {
            spell_email(rng, c)
        } else {
            spell_phone(rng, c)
        };
        r.insert("seenBy".into(), json!({ key: "2026-01-02T10:00:00Z" }));
    }
    if rng.chance(40) {
        let t = *rng.pick(&thirds);
        let phone = spell_phone(rng, t);
        let email = spell_email(rng, t);
        let note = match rng.below(3) {
            // A name in a note is not withheld (the officer reads notes first): a first name
            // only, so that a record's full name tells whose record is shown.
            0 => format!(
                "Her brother {} ({phone}) picks up parcels",
                t.name.split(' ').next().unwrap()
            ),
            1 => format!("cc {email} on every reply"),
            _ => format!(
                "call back on {}; neighbour {phone}",
                spell_phone(rng, owner)
            ),
        };
        r.insert("notes".into(), json!(note));
    }
    if rng.chance(50) {
        r.insert(
            "lastUsed".into(),
            json!(1_700_000_000_000_u64 + rng.below(1_000_000) as u64),
        );
    } else {
        r.insert("lastUsed".into(), json!("2026-01-03T10:00:00Z"));
    }
    Value::Object(r)
}

/// What a case's setting holds: its text, and per record, whose it is and its name.
struct Setting {
    text: String,
    /// (owner role, name, shared with the other request)
    records: Vec<(Role, String, bool)>,
    /// The records as generated, in the same order (text values: none).
    values: Vec<Value>,
    /// The subject is also in a field around the records (a category named for them, a
    /// list's own field): that record is the unit, with the others' records inside it.
    enclosing: bool,
}

fn setting(rng: &mut Rng, people: &[Person]) -> Setting {
    let n = 1 + rng.below(4);
    let mut records = Vec::new();
    let mut values = Vec::new();
    for _ in 0..n {
        let owner = match rng.below(10) {
            0..=3 => &people[0],
            4 | 5 => &people[1],
            6 | 7 => rng.pick(&people[2..4]),
            _ => rng.pick(&people[4..]),
        };
        let shared = owner.role == Role::Subject && rng.chance(15);
        let second = shared.then(|| &people[1]);
        values.push(record(rng, owner, people, second));
        records.push((owner.role, owner.name.clone(), shared));
    }
    let kept = values.clone();
    let mut enclosing = false;
    let value = match rng.below(5) {
        // A favorite card: the setting is the record.
        0 => {
            let mut v = values.swap_remove(0);
            records.truncate(1);
            v["id"] = json!("fav-1");
            v
        }
        1 if rng.chance(15) => {
            enclosing = true;
            json!({"id": "recent-list", "owner": spell_email(rng, &people[0]), "entries": values})
        }
        1 => json!({"name": "recent-list", "entries": values}),
        2 => {
            let map: Map<String, Value> = values
                .into_iter()
                .enumerate()
                .map(|(i, v)| (format!("c{i}"), v))
                .collect();
            json!({"name": "map-of-contacts", "contacts": map})
        }
        3 => {
            let name = if rng.chance(20) {
                enclosing = true;
                format!("Family of {}", spell_email(rng, &people[0]))
            } else {
                "Friends".to_string()
            };
            json!({"id": "cat-1", "categories": [{"name": name, "members": values}]})
        }
        _ => {
            // Not JSON: the records' texts run together.
            let text: Vec<String> = values
                .iter()
                .map(|v| {
                    let mut s = String::new();
                    collect_text(v, &mut s);
                    s
                })
                .collect();
            return Setting {
                text: format!("log: {}", text.join(" | ")),
                records,
                values: Vec::new(),
                enclosing,
            };
        }
    };
    let mut values = kept;
    values.truncate(records.len());
    Setting {
        text: value.to_string(),
        records,
        values,
        enclosing,
    }
}

fn collect_text(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push_str("; ");
        }
        Value::Number(n) => {
            out.push_str(&n.to_string());
            out.push_str("; ");
        }
        Value::Array(items) => items.iter().for_each(|v| collect_text(v, out)),
        Value::Object(m) => m.iter().for_each(|(k, v)| {
            out.push_str(k);
            out.push_str(": ");
            collect_text(v, out);
        }),
        _ => {}
    }
}

fn ids_of(p: &Person) -> Vec<Identifier> {
    [p.email.as_str(), p.phone.as_str()]
        .iter()
        .map(|s| parse_identifier(s, &ParseOptions::default()).unwrap())
        .collect()
}

/// Every text of a JSON value (keys too), but for the times the generator writes as numbers
/// under `lastUsed` (a time, not anybody's phone number).
fn texts(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Array(items) => items.iter().for_each(|v| texts(v, out)),
        Value::Object(m) => m.iter().for_each(|(k, v)| {
            out.push(k.clone());
            if !(k == "lastUsed" && v.is_number()) {
                texts(v, out);
            }
        }),
        _ => {}
    }
}

/// The page's text as a reader reads it (tags dropped, entities undone).
fn page_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push('\n');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Runs one case; `Err` says what went wrong.
fn run_case(seed: u64) -> Result<usize, String> {
    let mut rng = Rng::new(seed);
    let people = people(&mut rng);
    let subject = &people[0];
    let ids = ids_of(subject);
    let matcher = Matcher::new(ids.clone(), None);
    let batch = rng.chance(50);
    let other_request = Matcher::new(ids_of(&people[1]), None);
    let others: Vec<(&Person, Matcher)> = people[1..]
        .iter()
        .map(|p| (p, Matcher::new(ids_of(p), None)))
        .collect();
    let setting = setting(&mut rng, &people);

    let c = cut(
        &setting.text,
        &ids,
        &matcher,
        batch.then_some(&other_request),
    );
    let mut item = ExportItem {
        table: "ks.settings".into(),
        owner_type: OwnerType::User,
        user_id: None,
        user_name: None,
        group: Some("interaction-workspace-recents".into()),
        setting_key: "k".into(),
        column: None,
        found_at: vec![],
        value: Value::Null,
        possible_only: false,
        subject_records: vec![],
        entries_not_shown: 0,
        records_possible_only: 0,
        records_of_another_request: 0,
        others_withheld: 0,
        free_text: vec![],
    };
    c.fill(&mut item);
    let shown: Vec<Value> = item
        .subject_records
        .iter()
        .map(|p| p.value.clone())
        .collect();
    let export = AccessExport::new(
        "ks".into(),
        ids.iter()
            .enumerate()
            .map(|(i, id)| ExportIdentifier {
                index: i + 1,
                kind: if i == 0 { "email" } else { "phone" }.into(),
                normalized: id.normalized().to_string(),
            })
            .collect(),
        ExportScan {
            complete: true,
            tables: vec!["ks.settings".into()],
            ranges: 1,
            rows: 1,
            unread_ranges: 0,
        },
        vec![item],
    );
    let copy = SubjectCopy::from_export(&export, &Default::default());
    let copy_json = serde_json::to_string(&copy).unwrap();
    let page = page_text(&subject_html::render(&copy));

    // 1. Every text the subject reads: the records as cut, the copy, the page.
    let mut all: Vec<String> = Vec::new();
    for v in &shown {
        texts(v, &mut all);
    }
    texts(&serde_json::to_value(&copy).unwrap(), &mut all);
    all.push(page.clone());
    let is_subjects = |token: &str| {
        let mut exact = false;
        matcher.match_text(token, &mut |h| exact |= !h.variant.is_possible());
        exact
    };
    for text in &all {
        let mut bad = None;
        identifier_tokens(text, &mut |t| {
            if bad.is_none() && !is_subjects(t.text) {
                bad = Some(t.text.to_string());
            }
        });
        if let Some(token) = bad {
            return Err(format!("{token:?} (not the subject's) in {text:?}"));
        }
        // Another person's exact spelling anywhere. (Their *possible* matches are not
        // asked for: the subject's own number is a possible match of the stranger whose
        // national number has the same digits; every token is checked above instead.)
        for (p, m) in &others {
            let mut exact = false;
            m.match_text(text, &mut |h| exact |= !h.variant.is_possible());
            if exact {
                return Err(format!("{:?}'s identifier in {text:?}", p.role));
            }
        }
    }
    // 2. No other record's name, and no record shared with the other request of a batch.
    for (role, name, shared) in &setting.records {
        let hidden = *role != Role::Subject || (*shared && batch);
        if hidden && (copy_json.contains(name.as_str()) || page.contains(name.as_str())) {
            let subjects_own = setting
                .records
                .iter()
                .any(|(r, n, s)| *r == Role::Subject && n == name && !(*s && batch));
            if !subjects_own {
                return Err(format!("{role:?}'s record {name:?} shown"));
            }
        }
    }
    // 3. Every exact hit of the subject in a record of theirs alone is shown (in the copy
    //    and on the page).
    let mut checked = 0;
    let must_show = |text: &str, checked: &mut usize| -> Result<(), String> {
        let mut tokens = Vec::new();
        identifier_tokens(text, &mut |t| tokens.push(t.text.to_string()));
        for token in tokens.iter().filter(|t| is_subjects(t)) {
            *checked += 1;
            if !all[..all.len() - 1]
                .iter()
                .any(|t| t.contains(token.as_str()))
            {
                return Err(format!("the subject's {token:?} is not in the copy"));
            }
            if !page.contains(token.as_str()) {
                return Err(format!("the subject's {token:?} is not on the page"));
            }
        }
        Ok(())
    };
    if setting.values.is_empty() {
        let theirs = setting.records.iter().any(|(r, _, _)| *r == Role::Subject);
        if theirs && !(batch && other_request.is_match_text(&setting.text)) {
            must_show(&setting.text, &mut checked)?;
        }
    }
    // A unit around the records that holds the other request too is withheld whole.
    let enclosing_withheld =
        setting.enclosing && batch && other_request.is_match_text(&setting.text);
    for ((role, _, shared), value) in setting.records.iter().zip(&setting.values) {
        if enclosing_withheld {
            break;
        }
        if *role != Role::Subject || (*shared && batch) {
            continue;
        }
        let mut record_texts = Vec::new();
        texts(value, &mut record_texts);
        for text in record_texts {
            must_show(&text, &mut checked)?;
        }
    }
    Ok(checked)
}

#[test]
fn the_subject_copy_of_generated_settings_holds_the_subject_and_nobody_else() {
    let base: u64 = std::env::var("FORGETME_CUT_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_0000);
    let cases: u64 = match std::env::var("FORGETME_CUT_SEED") {
        Ok(_) => 1,
        Err(_) => std::env::var("FORGETME_CUT_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(3000),
    };
    let mut hits = 0;
    let mut failures: HashMap<String, u64> = HashMap::new();
    for seed in base..base + cases {
        match run_case(seed) {
            Ok(n) => hits += n,
            Err(e) => {
                failures.entry(e).or_insert(seed);
            }
        }
    }
    if !failures.is_empty() {
        let mut lines: Vec<String> = failures
            .iter()
            .map(|(e, seed)| format!("FORGETME_CUT_SEED={seed}: {e}"))
            .collect();
        lines.sort();
        lines.truncate(20);
        panic!(
            "{} distinct failure(s) in {cases} cases:\n{}",
            failures.len(),
            lines.join("\n")
        );
    }
    assert!(
        hits > cases as usize / 2,
        "the subject's hits are checked: {hits}"
    );
    println!("{cases} generated settings, {hits} exact hits of the subject checked");
}
