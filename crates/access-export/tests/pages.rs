//! The two pages of an access export, pinned: the officer's record and the subject's copy
//! (English, German, and a draft), each from a sample that takes every branch of its page
//! and holds stored values, words and controller's text at their most hostile (markup,
//! quotes, `&`, entities, control characters, right-to-left marks, a very long value).
//!
//! Two golden files per page under `tests/golden/`:
//!
//! - `NAME.html`, the page byte for byte: any change of the markup shows in its diff;
//! - `NAME.dom.txt`, the document a browser's parser builds from it (HTML5 parsing, as
//!   `scraper` does it): one node a line, text with every control and invisible character
//!   spelt out. Line breaks between tags, which no browser shows on these pages, are left
//!   out, and so are the ones around a style sheet. A change of the bytes that leaves this
//!   file alone changed nothing a reader or the browser sees; a value that escaped its
//!   element would show here as an element of its own.
//!
//! `FORGETME_BLESS=1` writes both anew from this run (then review the diff).

use std::path::Path;

use forgetme_access_export::subject::{CopyFor, Detail, SubjectCopy};
use forgetme_access_export::template::SubjectTemplate;
use forgetme_access_export::words::Language;
use forgetme_access_export::{
    html, subject_html, AccessExport, ExportIdentifier, ExportItem, ExportScan, FoundAt, OwnerType,
    SubjectPart,
};
use scraper::{ElementRef, Html, Node};
use serde_json::{json, Value};

/// Markup that would run, load or restyle something if it were written unescaped, in element
/// content and in a double- or single-quoted attribute.
const MARKUP: &str = "<script>alert('x')</script><img src=x onerror=\"alert(1)\"> ' onmouseover='alert(2)' </style></title></pre></dd></dl><!-- ]]>";
/// Text that looks like markup already escaped: must show as written, not decoded.
const ENTITIES: &str = "&amp; &lt;b&gt; &#39; &quot; &#x3C;script&#x3E; & && &; AT&T";
/// Control characters (no NUL: the parser drops it) and a carriage return.
const CONTROLS: &str = "bell\u{7} esc\u{1b}[31m del\u{7f} c1\u{85}\u{9b} tab\tcr\rlf\nend";
/// Right-to-left marks and overrides, a zero-width joiner, a byte order mark, and text in
/// three scripts.
const BIDI: &str =
    "\u{200f}\u{202e}moc.elpmaxe@nhoj\u{202c}\u{2066}x\u{2069} a\u{200d}b \u{feff}Zoë Ünal 李 שלום";

/// A value wider than any screen, with nowhere to break it.
fn long_value() -> String {
    format!("{}@example.com", "a".repeat(3000))
}

/// All of the hostile texts in one.
fn hostile() -> String {
    format!("{MARKUP} {ENTITIES} {CONTROLS} {BIDI}")
}

/// The golden file `tests/golden/NAME`, compared with `actual`.
fn assert_golden(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("FORGETME_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (FORGETME_BLESS=1 writes it from this run)",
            path.display()
        )
    });
    if want != actual {
        let line = want
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| want.lines().count().min(actual.lines().count()));
        panic!(
            "{} differs from this run, first at line {}:\n want: {:?}\n have: {:?}\nif on purpose, run with FORGETME_BLESS=1 and review the diff",
            path.display(),
            line + 1,
            want.lines().nth(line),
            actual.lines().nth(line)
        );
    }
}

/// The document a browser builds from `page`, one node a line, indented by depth.
fn dom(page: &str) -> String {
    let doc = Html::parse_document(page);
    let mut out = String::new();
    for node in doc.tree.root().children() {
        if let Node::Doctype(d) = node.value() {
            out.push_str(&format!("<!DOCTYPE {}>\n", d.name()));
        }
    }
    element(doc.root_element(), 0, &mut out);
    out
}

fn element(e: ElementRef, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    let mut attrs: Vec<(&str, &str)> = e.value().attrs().collect();
    attrs.sort();
    out.push_str(&format!("{indent}<{}", e.value().name()));
    for (name, value) in attrs {
        out.push_str(&format!(" {name}={value:?}"));
    }
    out.push_str(">\n");
    for child in e.children() {
        match child.value() {
            Node::Element(_) => element(ElementRef::wrap(child).unwrap(), depth + 1, out),
            Node::Text(t) => {
                let text: &str = t;
                // Line breaks the markup puts between tags, and around the style sheet.
                let text = if e.value().name() == "style" {
                    text.trim_matches('\n')
                } else {
                    text
                };
                if !text.chars().all(|c| c == '\n') {
                    out.push_str(&format!("{indent}  {text:?}\n"));
                }
            }
            Node::Comment(c) => {
                let text: &str = c;
                out.push_str(&format!("{indent}  <!--{text:?}-->\n"));
            }
            other => out.push_str(&format!("{indent}  {other:?}\n")),
        }
    }
}

/// Pins `page` as `NAME.html` and `NAME.dom.txt`.
fn assert_page(name: &str, page: &str) {
    assert_golden(&format!("{name}.dom.txt"), &dom(page));
    assert_golden(&format!("{name}.html"), page);
}

fn found(path: Option<&str>, identifier: usize, possible: bool) -> FoundAt {
    FoundAt {
        json_path: path.map(str::to_string),
        identifier,
        variant: if possible {
            "phone-digits".into()
        } else {
            "case-insensitive".into()
        },
        possible,
    }
}

fn item(owner_type: OwnerType, group: Option<&str>, value: Value) -> ExportItem {
    ExportItem {
        table: "sipfs.settings".into(),
        owner_type,
        user_id: Some("2fabcff5bb132f1d2b4d7bf954e8a713".into()),
        user_name: Some("agent1".into()),
        group: group.map(str::to_string),
        setting_key: "fav-8b94d123".into(),
        column: None,
        found_at: vec![found(Some("$.emailAddresses[0]"), 1, false)],
        subject_records: vec![SubjectPart {
            value: value.clone(),
            withheld: 0,
        }],
        value,
        possible_only: false,
        entries_not_shown: 0,
        records_possible_only: 0,
        records_of_another_request: 0,
        others_withheld: 0,
        free_text: vec![],
    }
}

fn identifiers() -> Vec<ExportIdentifier> {
    vec![
        ExportIdentifier {
            index: 1,
            kind: "email".into(),
            normalized: "john.smith@pizza.com".into(),
        },
        ExportIdentifier {
            index: 2,
            kind: "phone".into(),
            normalized: "+15550100001".into(),
        },
        ExportIdentifier {
            index: 3,
            kind: "text".into(),
            normalized: hostile(),
        },
    ]
}

fn scan(complete: bool) -> ExportScan {
    ExportScan {
        complete,
        tables: vec!["sipfs.settings".into(), format!("sipfs.{MARKUP}")],
        ranges: 68,
        rows: 12345,
        unread_ranges: usize::from(!complete) * 3,
    }
}

/// The officer's record: every kind of owner and place, every note, hostile text in every
/// field the page shows.
fn officer_export() -> AccessExport {
    let mut items = vec![
        // An agent with a name, a favorite holding every hostile text.
        item(
            OwnerType::User,
            Some("interaction-workspace-personal-favorites"),
            json!({"displayName": MARKUP, "notes": hostile(), "firstName": ENTITIES,
                   "lastName": CONTROLS, "category": BIDI, "emailAddresses": [long_value()]}),
        ),
        // The contact center's, with one other entry not shown and possible matches.
        item(
            OwnerType::ContactCenter,
            Some("interaction-workspace-corporate-favorites"),
            json!({"entries": [{"displayName": "John Smith", "emailAddress": "john.smith@pizza.com"}]}),
        ),
        // An agent known by id alone, a deep hit in a column, several entries not shown.
        item(OwnerType::User, None, json!(format!("plain text {MARKUP}"))),
        // Nobody known, a deep hit in a row, POSSIBLE matches only.
        item(OwnerType::Unknown, None, json!("555 010 0001")),
    ];
    items[0].user_name = Some(format!("agent {MARKUP}"));
    items[0].setting_key = format!("key {ENTITIES}");
    items[0].group = Some(format!("group {BIDI}"));
    items[0].found_at = vec![
        found(Some("$.emailAddresses[0]"), 1, false),
        found(Some(&format!("$[\"{MARKUP}\"]")), 3, false),
        found(None, 2, true),
    ];
    items[0].others_withheld = 2;
    items[0].free_text = vec!["$.notes".into(), format!("$[\"{MARKUP}\"]")];
    items[0].records_of_another_request = 1;
    items[1].entries_not_shown = 1;
    items[1].records_possible_only = 2;
    items[1].user_id = None;
    items[1].user_name = None;
    items[2].user_name = None;
    items[2].column = Some(format!("value {CONTROLS}"));
    items[2].entries_not_shown = 3;
    items[2].table = format!("{BIDI}.table");
    items[3].user_id = None;
    items[3].user_name = None;
    items[3].possible_only = true;
    items[3].found_at = vec![found(None, 2, true)];
    let mut e = AccessExport::new("sipfs".into(), identifiers(), scan(false), items);
    e.generated_at = "2026-11-30T01:32:30.657Z".parse().unwrap();
    e.keyspace = format!("sipfs {MARKUP}");
    e
}

#[test]
fn the_officers_record_with_everything_on_it() {
    assert_page("officer", &html::render(&officer_export()));
}

#[test]
fn the_officers_record_of_nothing_held() {
    let mut e = AccessExport::new("sipfs".into(), identifiers(), scan(true), vec![]);
    e.generated_at = "2026-11-30T01:32:30.657Z".parse().unwrap();
    assert_page("officer-nothing-held", &html::render(&e));
}

fn template(text: &str) -> SubjectTemplate {
    SubjectTemplate::parse_allowing_example(text).unwrap()
}

/// A copy of every kind of record, with hostile values, from the export the officer's page
/// shows; `information` filled in with hostile text of the controller's too.
fn subject_copy(information: Option<&SubjectTemplate>) -> SubjectCopy {
    let items = vec![
        item(
            OwnerType::User,
            Some("interaction-workspace-personal-favorites"),
            json!({"displayName": "John Smith", "emailAddresses": ["john.smith@pizza.com"],
                   "phoneNumbers": ["+1 555 010 0001", "(555) 010-0001"],
                   "notes": "Call back on Friday", "created": 1_700_000_000_000_i64}),
        ),
        item(
            OwnerType::User,
            Some("interaction-workspace-recent-contacts"),
            json!({"displayName": "John", "phoneNumber": "555.010.0001", "mediaType": "voice",
                   "lastUsed": "2025-03-04T10:20:00Z"}),
        ),
        item(
            OwnerType::ContactCenter,
            Some("interaction-workspace-corporate-favorites"),
            json!({"displayName": "John Smith (key account)", "emailAddresses": ["john.smith@pizza.com"]}),
        ),
        item(
            OwnerType::Unknown,
            None,
            json!({"emailAddress": "john.smith@pizza.com"}),
        ),
    ];
    let mut e = AccessExport::new("sipfs".into(), identifiers(), scan(true), items);
    e.generated_at = "2026-11-30T01:32:30.657Z".parse().unwrap();
    let mut c = SubjectCopy::from_export(
        &e,
        &CopyFor {
            reference: Some("DSR-2026-0042"),
            language: Language::En,
            information,
        },
    );
    assert_eq!(c.records.len(), 4, "{:#?}", c.records);
    // Hostile values in every kind of detail: a value, several, prose, a date.
    let first = &mut c.records[0];
    first.details.insert(
        0,
        Detail {
            label: format!("Name {MARKUP}"),
            values: vec![MARKUP.into(), ENTITIES.into(), BIDI.into(), long_value()],
            prose: false,
        },
    );
    first.details.push(Detail {
        label: "Note".into(),
        values: vec![hostile(), format!("{CONTROLS}\n\nsecond paragraph")],
        prose: true,
    });
    first.withheld = 1;
    let second = &mut c.records[1];
    second.in_shared_list = true;
    second.withheld = 3;
    // A record with no detail but its date.
    let mut bare = c.records[1].clone();
    bare.details.clear();
    bare.in_shared_list = false;
    bare.withheld = 0;
    c.records.insert(2, bare);
    c.asked_about[2].value = hostile();
    c.summary = format!("Summary {}", hostile());
    c.kinds_of_data.push(MARKUP.into());
    // The controller may change every word of the copy: its words are as untrusted as its
    // text.
    c.words.title = format!("Your data {ENTITIES}");
    c.words.reference = format!("Your request {MARKUP}: {{reference}}");
    c.words.shared_list = format!("Shared {BIDI}");
    c.words.info_rights = format!("Rights {CONTROLS}");
    c
}

fn hostile_template(text: &str) -> SubjectTemplate {
    let mut t = template(text);
    t.controller = format!("Acme {MARKUP}\nLine two of the address");
    t.purposes = format!("{ENTITIES}\n\n\n{CONTROLS}\n\n  {BIDI}  \n\n");
    t.retention = long_value();
    t
}

#[test]
fn the_subjects_copy_with_everything_on_it() {
    let t = hostile_template(include_str!("../../../templates/subject-copy.toml"));
    let mut c = subject_copy(Some(&t));
    c.reference = Some(format!("DSR {MARKUP}"));
    assert_page("subject", &subject_html::render(&c));
}

#[test]
fn the_subjects_copy_in_german_without_a_dpo() {
    let mut t = hostile_template(include_str!("../../../templates/subject-copy.de.toml"));
    t.dpo = None;
    let c = subject_copy(Some(&t));
    assert_eq!(c.language, Language::De);
    assert_page("subject.de", &subject_html::render(&c));
}

#[test]
fn a_draft_of_the_subjects_copy_from_an_incomplete_search_that_found_nothing() {
    let mut e = AccessExport::new("sipfs".into(), identifiers(), scan(false), vec![]);
    e.generated_at = "2026-11-30T01:32:30.657Z".parse().unwrap();
    let c = SubjectCopy::from_export(&e, &CopyFor::default());
    assert!(c.reference.is_none() && c.information.is_none() && c.records.is_empty());
    assert!(!c.search_complete);
    assert_page("subject.draft", &subject_html::render(&c));
}

/// The samples take the branches they are meant to, and nothing hostile became markup.
#[test]
fn the_samples_cover_every_section_and_nothing_escapes_its_element() {
    let officer = html::render(&officer_export());
    for text in [
        "contact center (administrator)",
        "(2fabcff5bb132f1d2b4d7bf954e8a713)",
        ">unknown<",
        "/ group ",
        "/ column ",
        "/ row ",
        "POSSIBLE match: check it",
        "1 other entry of this list is not shown: it is about other people",
        "3 other entries of this list are not shown: they are about other people",
        "POSSIBLE matches only",
        "hold only POSSIBLE matches",
        "also hold another request",
        "identifier(s) of other people withheld",
        "Free text in the subject's records",
        "class=\"warn\"",
    ] {
        assert!(officer.contains(text), "{text}");
    }
    let t = hostile_template(include_str!("../../../templates/subject-copy.toml"));
    let subject = subject_html::render(&subject_copy(Some(&t)));
    for text in [
        "id=\"reference\"",
        "id=\"answered-on\"",
        "class=\"asked\"",
        "<section class=\"record\">",
        "class=\"t\"",
        "class=\"v\"",
        "none that can be shown",
        "class=\"note\"",
        "Data protection officer",
    ] {
        assert!(subject.contains(text), "{text} on the subject's page");
    }
    let all = [
        officer.as_str(),
        &subject,
        &html::render(&AccessExport::new("k".into(), vec![], scan(true), vec![])),
    ];
    for page in all {
        let doc = Html::parse_document(page);
        let bad = scraper::Selector::parse(
            "script, img, link, iframe, object, style ~ style, [onerror], [onmouseover]",
        )
        .unwrap();
        assert_eq!(doc.select(&bad).count(), 0, "{page}");
        // Nothing hostile left the text: the markup shows as written.
        let text: String = doc.root_element().text().collect();
        assert!(text.contains(MARKUP), "{text}");
    }
}
