//! The subject's copy as one HTML page a person can read and keep.
//!
//! Self-contained and inert: no script, no external resource (fonts, images, styles), and a
//! Content-Security-Policy that allows nothing but the page's own style sheet, by its hash.
//! The page is a `maud` template, so every stored value, word and text of the controller's
//! template it is given is escaped (all of them are untrusted: agents typed the values, and a
//! controller's template may change any word); were one ever written unescaped, the browser
//! would still refuse to run a script, load an image or apply an injected style.

use base64::Engine as _;
use maud::{html, Markup, PreEscaped, DOCTYPE};
use sha2::{Digest, Sha256};

use serde_json::Value;

use crate::subject::{plural, readable_day, Record, SubjectCopy};
use crate::template::SubjectTemplate;
use crate::words::{fill, Words};

/// The page's only style sheet; the CSP names its hash.
///
/// On a wide screen a record's labels stand in a column beside their values; on a narrow one
/// (a phone, up to 36em) above them, so the values get the whole width. A value (an address,
/// a number, a name, a date) is never broken across lines: a value wider than its cell
/// scrolls in that cell, the page itself never scrolls sideways. Prose (a note, the
/// controller's text) wraps between words, and inside a word only when the word alone is
/// wider than the screen.
const STYLE: &str = "body{font-family:sans-serif;margin:2em auto;max-width:48em;padding:0 1em;line-height:1.45;color:#222}\
h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #bbb}h3{margin-bottom:.3em}\
.record{border:1px solid #ccc;border-radius:4px;padding:.6em 1em;margin:.8em 0}\
dl{display:grid;grid-template-columns:minmax(6em,12em) minmax(0,1fr);gap:.2em 1em;margin:.3em 0}dt{font-weight:bold}dd{margin:0;min-width:0}\
.record dd{overflow-x:auto}.v{white-space:nowrap}.t,.info dd{overflow-wrap:break-word}\
.what,.note,.when,.reference{color:#555}.draft{border:3px solid #b00;background:#fee;color:#900;padding:.6em 1em;font-weight:bold}\
.missing{color:#b00;font-weight:bold}.info dd p{margin:0 0 .5em 0}\
@media (max-width:36em){body{margin:1em auto}h1{font-size:1.35em}.record{padding:.5em .7em}dl{display:block}dt{margin-top:.45em}}";

/// The Content-Security-Policy of the page.
pub fn content_security_policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'"
    )
}

/// Where a heading's text comes from in the template (`None`: an optional field left out).
type FromTemplate = fn(&SubjectTemplate) -> Option<&str>;

/// Renders the page, in the copy's language.
pub fn render(c: &SubjectCopy) -> String {
    let w = &c.words;
    let answered_on = fill(
        &w.answered_on,
        &[(
            "date",
            &readable_day(&Value::String(c.generated_at.to_string()), w),
        )],
    );
    html! {
        (DOCTYPE)
        html lang=(c.language.code()) {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(content_security_policy());
                meta name="referrer" content="no-referrer";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (w.title) }
                // Byte for byte as `STYLE`: the policy names it by the hash of these bytes.
                style { (PreEscaped(STYLE)) }
            }
            body {
                @if c.information.is_none() {
                    p.draft #not-filled-in { (w.draft_banner) }
                }
                @if !c.search_complete {
                    p.draft #incomplete { (w.incomplete_banner) }
                }
                h1 { (w.title) }
                @if let Some(reference) = &c.reference {
                    p.reference #reference { (fill(&w.reference, &[("reference", reference)])) }
                }
                p.when #answered-on { (answered_on) }
                @if let Some(t) = &c.information {
                    p { (fill(&w.from, &[("controller", &t.controller)])) }
                }
                p { (w.asked) }
                ul.asked {
                    @for a in &c.asked_about {
                        li { (a.kind) ": " (a.value) }
                    }
                }
                p.summary { (c.summary) }
                h2 { (w.held_heading) }
                @if c.records.is_empty() {
                    p { (w.no_record) }
                }
                // A heading wherever the kind changes (the records come grouped by kind),
                // counting every record of that kind.
                @for of_a_kind in c.records.chunk_by(|a, b| a.kind == b.kind) {
                    @let kind = of_a_kind[0].kind;
                    h3 { (kind.heading(w)) " (" (c.records.iter().filter(|r| r.kind == kind).count()) ")" }
                    p.what { (kind.description(w)) }
                    @for r in of_a_kind {
                        (record(r, w))
                    }
                }
                h2 { (w.processing_heading) }
                dl.info {
                    @for (label, text) in information(c) {
                        dt { (label) }
                        @match text {
                            Some(text) => dd { (paragraphs(&text)) },
                            None => dd.missing { (w.not_filled_in) },
                        }
                    }
                }
            }
        }
    }
    .into_string()
}

/// One record: its details and dates under their labels, then what it leaves out.
fn record(r: &Record, w: &Words) -> Markup {
    html! {
        section.record {
            dl {
                @if r.details.is_empty() {
                    dt { (w.details) }
                    dd { span.t { (w.no_details) } }
                }
                @for d in r.details.iter().chain(&r.dates) {
                    dt { (d.label) }
                    dd {
                        @for (i, v) in d.values.iter().enumerate() {
                            @if i > 0 { br; }
                            // Prose may wrap between words; a value never breaks.
                            span class=(if d.prose { "t" } else { "v" }) { (v) }
                        }
                    }
                }
            }
            @if r.withheld > 0 {
                p.note { (Words::count(r.withheld, &w.record_withheld_one, &w.record_withheld_many)) }
            }
            @if r.in_shared_list {
                p.note { (w.shared_list) }
            }
        }
    }
}

/// The controller's Art. 15(1)/(2) information, line by line: each label with its text, or
/// `None` where no template filled it in. An optional field the template leaves out (no
/// DPO) has no line at all.
fn information(c: &SubjectCopy) -> Vec<(&str, Option<String>)> {
    let w = &c.words;
    let kinds = if c.kinds_of_data.is_empty() {
        w.none_found.clone()
    } else {
        let s = c.kinds_of_data.join(", ");
        let mut chars = s.chars();
        let first = chars.next().map(|f| f.to_uppercase().collect::<String>());
        first.unwrap_or_default() + chars.as_str() + "."
    };
    // (label, the template's text, or None for the kinds of data, which the records give)
    let rows: [(&str, Option<FromTemplate>); 12] = [
        (&w.info_controller, Some(|t| Some(&t.controller))),
        (&w.info_contact, Some(|t| Some(&t.contact))),
        (&w.info_dpo, Some(|t| t.dpo.as_deref())),
        (&w.info_purposes, Some(|t| Some(&t.purposes))),
        (&w.info_kinds, None),
        (&w.info_recipients, Some(|t| Some(&t.recipients))),
        (&w.info_transfers, Some(|t| Some(&t.transfers))),
        (&w.info_retention, Some(|t| Some(&t.retention))),
        (&w.info_source, Some(|t| Some(&t.source))),
        (
            &w.info_automated_decisions,
            Some(|t| Some(&t.automated_decisions)),
        ),
        (&w.info_rights, Some(|t| Some(&t.rights))),
        (&w.info_complaint, Some(|t| Some(&t.complaint))),
    ];
    rows.into_iter()
        .filter_map(
            |(label, from_template)| match (from_template, &c.information) {
                (None, _) => Some((label, Some(kinds.clone()))),
                (Some(get), Some(t)) => get(t).map(|text| (label, Some(text.to_string()))),
                (Some(_), None) => Some((label, None)),
            },
        )
        .collect()
}

/// Text as paragraphs: a blank line starts a new one, a line break stays one.
fn paragraphs(text: &str) -> Markup {
    html! {
        @for p in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
            p {
                @for (i, line) in p.split('\n').enumerate() {
                    @if i > 0 { br; }
                    (line)
                }
            }
        }
    }
}

/// How many records, in words, for a caller's message.
pub fn count(c: &SubjectCopy) -> String {
    plural(c.records.len(), "record", "records")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subject::{Detail, Record, RecordKind};
    use crate::words::Language;

    /// `text` as the page writes it.
    fn escaped(text: &str) -> String {
        html! { (text) }.into_string()
    }

    fn copy(information: Option<SubjectTemplate>, value: &str) -> SubjectCopy {
        let language = information.as_ref().map_or(Language::En, |t| t.language);
        SubjectCopy {
            schema: crate::subject::SUBJECT_SCHEMA,
            generated_at: "2026-11-30T01:32:30.657Z".parse().unwrap(),
            reference: Some("DSR-2026-0042".into()),
            answered_on: "2026-11-30".into(),
            language,
            search_complete: true,
            asked_about: vec![],
            summary: "s".into(),
            kinds_of_data: vec!["name".into()],
            records: vec![Record {
                kind: RecordKind::PersonalFavorite,
                details: vec![Detail {
                    label: "Name".into(),
                    values: vec![value.into()],
                    prose: false,
                }],
                dates: vec![],
                in_shared_list: false,
                withheld: 0,
                latest: None,
            }],
            records_under_review: 0,
            words: Words::shipped(language).clone(),
            information,
        }
    }

    fn template() -> SubjectTemplate {
        SubjectTemplate::parse_allowing_example(include_str!(
            "../../../templates/subject-copy.toml"
        ))
        .unwrap()
    }

    #[test]
    fn stored_markup_is_text_and_the_page_loads_nothing() {
        let hostile = r#""><script>alert(1)</script><img src=x onerror=alert(2)><link rel=stylesheet href=https://evil.example/x.css>"#;
        let page = render(&copy(Some(template()), hostile));
        assert!(!page.contains("<script"), "{page}");
        assert!(!page.contains("<img"));
        assert!(!page.contains("<link"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        // Only the page's own elements, none of them with a URL.
        let known = [
            "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "p", "h1", "h2", "h3",
            "ul", "li", "section", "dl", "dt", "dd", "br", "span",
        ];
        for tag in page.split('<').skip(1) {
            let name: String = tag
                .trim_start_matches('/')
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '!')
                .collect();
            let name = if name.starts_with('!') {
                "!DOCTYPE".to_string()
            } else {
                name
            };
            assert!(known.contains(&name.as_str()), "<{name} on the page");
        }
        for attr in ["url(", "@import"] {
            assert!(!page.contains(attr), "{attr} on the page");
        }
    }

    #[test]
    fn the_controllers_text_is_escaped_too() {
        let mut t = template();
        t.purposes = "<script>alert(1)</script>\n\nSecond paragraph".into();
        let page = render(&copy(Some(t), "x"));
        assert!(!page.contains("<script"));
        assert!(
            page.contains("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><p>Second paragraph</p>")
        );
    }

    #[test]
    fn the_policy_names_the_style_sheet_by_its_hash_and_allows_nothing_else() {
        let csp = content_security_policy();
        assert!(
            csp.starts_with("default-src 'none'; style-src 'sha256-"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe"), "{csp}");
        let page = render(&copy(None, "x"));
        assert_eq!(page.matches("<style>").count(), 1);
        assert!(page.contains(&format!("<style>{STYLE}</style>")));
        // The style sheet's hash, computed apart from the code above.
        let want = "sha256-".to_string()
            + &base64::engine::general_purpose::STANDARD.encode(Sha256::digest(
                page.split("<style>")
                    .nth(1)
                    .unwrap()
                    .split("</style>")
                    .next()
                    .unwrap(),
            ));
        assert!(csp.contains(&want));
    }

    #[test]
    fn without_a_template_every_field_says_not_filled_in() {
        let page = render(&copy(None, "x"));
        assert!(page.contains("id=\"not-filled-in\""));
        // Every field of the template but the derived kinds of data, the DPO included.
        let not_filled_in = &Words::shipped(Language::En).not_filled_in;
        assert_eq!(page.matches(&escaped(not_filled_in)).count(), 11, "{page}");
        let page = render(&copy(Some(template()), "x"));
        assert!(!page.contains("NOT FILLED IN"));
        assert!(!page.contains("not-filled-in"));
        let t = template();
        for text in [&t.controller, &t.retention, &t.complaint] {
            let first_line = text.lines().next().unwrap();
            assert!(page.contains(&escaped(first_line)), "{first_line}");
        }
        // A template without a DPO shows no DPO line at all.
        let mut t = template();
        t.dpo = None;
        let page = render(&copy(Some(t), "x"));
        assert!(!page.contains("Data protection officer"));
    }

    #[test]
    fn the_page_names_the_request_and_the_day_it_answers_on() {
        let page = render(&copy(Some(template()), "x"));
        assert!(
            page.contains(
                "<p class=\"reference\" id=\"reference\">Your request: DSR-2026-0042</p>"
            ),
            "{page}"
        );
        assert!(
            page.contains(">Answered on 30 November 2026.</p>"),
            "{page}"
        );
        let mut c = copy(Some(template()), "x");
        c.reference = None;
        let page = render(&c);
        assert!(!page.contains("id=\"reference\""), "{page}");
    }

    /// Every word of the German page is the German template's: none of the English words is
    /// left (the stored values and the controller's text aside).
    #[test]
    fn a_german_page_has_german_words_only() {
        let de = SubjectTemplate::parse_allowing_example(include_str!(
            "../../../templates/subject-copy.de.toml"
        ))
        .unwrap();
        let mut c = copy(Some(de), "Hans Muster");
        c.search_complete = false;
        c.records[0].withheld = 2;
        c.records[0].in_shared_list = true;
        let page = render(&c);
        assert!(page.contains("<html lang=\"de\">"));
        assert!(page.contains("Beantwortet am 30. November 2026."), "{page}");
        assert!(page.contains("Ihre Anfrage: DSR-2026-0042"), "{page}");
        assert!(page.contains("Persönliche Favoriten unserer Mitarbeitenden (1)"));
        let en = Words::shipped(Language::En);
        let de = Words::shipped(Language::De);
        for (english, german) in [
            (&en.title, &de.title),
            (&en.held_heading, &de.held_heading),
            (&en.processing_heading, &de.processing_heading),
            (&en.shared_list, &de.shared_list),
            (&en.incomplete_banner, &de.incomplete_banner),
            (&en.info_complaint, &de.info_complaint),
        ] {
            assert!(page.contains(&escaped(german)), "{german}");
            assert!(!page.contains(&escaped(english)), "{english}");
        }
        for english in [
            "Your ",
            "What we hold",
            "Answered",
            "withheld",
            "Who ",
            "How ",
        ] {
            assert!(!page.contains(english), "{english} on the German page");
        }
    }

    /// Labels above values on a narrow screen, values never broken mid-value: the style says
    /// so (tests/it/subject_copy.rs measures it in a browser at 375 px).
    #[test]
    fn values_do_not_break_and_labels_go_above_them_on_a_phone() {
        assert!(!STYLE.contains("anywhere"), "{STYLE}");
        assert!(STYLE.contains(".v{white-space:nowrap}"));
        assert!(STYLE.contains("@media (max-width:36em){") && STYLE.contains("dl{display:block}"));
        let page = render(&copy(Some(template()), "john.smith@pizza.com"));
        assert!(
            page.contains("<dd><span class=\"v\">john.smith@pizza.com</span></dd>"),
            "{page}"
        );
    }
}
