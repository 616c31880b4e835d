//! The subject's copy as one HTML page a person can read and keep.
//!
//! Self-contained and inert: no script, no external resource (fonts, images, styles), every
//! stored value escaped, and a Content-Security-Policy that allows nothing but the page's own
//! style sheet, by its hash. Were a stored value ever written unescaped, the browser would
//! still refuse to run a script, load an image or apply an injected style.

use std::fmt::Write;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::html::escape;
use crate::subject::{plural, RecordKind, SubjectCopy};
use crate::template::SubjectTemplate;

/// The page's only style sheet; the CSP names its hash.
const STYLE: &str = "body{font-family:sans-serif;margin:2em auto;max-width:48em;padding:0 1em;line-height:1.45;color:#222}\
h1{font-size:1.6em}h2{margin-top:1.8em;border-bottom:1px solid #bbb}h3{margin-bottom:.3em}\
.record{border:1px solid #ccc;border-radius:4px;padding:.6em 1em;margin:.8em 0}\
dl{display:grid;grid-template-columns:12em 1fr;gap:.2em 1em;margin:.3em 0}dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}\
.what,.note,.when{color:#555}.draft{border:3px solid #b00;background:#fee;color:#900;padding:.6em 1em;font-weight:bold}\
.missing{color:#b00;font-weight:bold}.info dd p{margin:0 0 .5em 0}";

/// The Content-Security-Policy of the page.
pub fn content_security_policy() -> String {
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE.as_bytes()));
    format!(
        "default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; font-src 'none'; base-uri 'none'; form-action 'none'"
    )
}

/// What the page says in place of each piece of the controller's information when no
/// template was given: the officer must see that the copy is not ready.
pub const NOT_FILLED_IN: &str = "NOT FILLED IN: the controller's information was not given to this run (--subject-template FILE). Do not send this copy as it is.";

/// Where a heading's text comes from in the template (`None`: an optional field left out).
type FromTemplate = fn(&SubjectTemplate) -> Option<&str>;

/// Renders the page.
pub fn render(c: &SubjectCopy) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Your personal data: a copy for you</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        content_security_policy()
    );
    if c.information.is_none() {
        let _ = writeln!(
            h,
            "<p class=\"draft\" id=\"not-filled-in\">DRAFT, NOT READY TO SEND: the controller's information about this processing is not filled in (give the controller's template with --subject-template FILE).</p>"
        );
    }
    if !c.search_complete {
        let _ = writeln!(
            h,
            "<p class=\"draft\" id=\"incomplete\">INCOMPLETE: the search could not read every stored record. This copy is not a complete answer; search again before sending it.</p>"
        );
    }
    let _ = writeln!(h, "<h1>Your personal data: a copy for you</h1>");
    if let Some(t) = &c.information {
        let _ = writeln!(h, "<p>From {}.</p>", escape(&t.controller));
    }
    let _ = writeln!(
        h,
        "<p>You asked us what personal data we hold about you (Article 15 of the General Data Protection Regulation). We searched for:</p>\n<ul class=\"asked\">"
    );
    for a in &c.asked_about {
        let _ = writeln!(h, "<li>{}: {}</li>", escape(&a.kind), escape(&a.value));
    }
    let _ = writeln!(h, "</ul>\n<p class=\"summary\">{}</p>", escape(&c.summary));
    let _ = writeln!(
        h,
        "<p class=\"when\">Made on {}.</p>",
        escape(&date_only(&c.generated_at))
    );

    let _ = writeln!(h, "<h2>What we hold about you</h2>");
    if c.records.is_empty() {
        let _ = writeln!(h, "<p>No record.</p>");
    }
    let mut kind: Option<RecordKind> = None;
    for r in &c.records {
        if kind != Some(r.kind) {
            kind = Some(r.kind);
            let n = c.records.iter().filter(|x| x.kind == r.kind).count();
            let _ = writeln!(
                h,
                "<h3>{} ({})</h3>\n<p class=\"what\">{}</p>",
                escape(r.kind.heading()),
                n,
                escape(r.kind.description())
            );
        }
        let _ = writeln!(h, "<section class=\"record\">\n<dl>");
        if r.details.is_empty() {
            let _ = writeln!(h, "<dt>Details</dt><dd>none that can be shown</dd>");
        }
        for d in r.details.iter().chain(&r.dates) {
            let _ = writeln!(
                h,
                "<dt>{}</dt><dd>{}</dd>",
                escape(&d.label),
                d.values
                    .iter()
                    .map(|v| escape(v))
                    .collect::<Vec<_>>()
                    .join("<br>")
            );
        }
        let _ = writeln!(h, "</dl>");
        if r.withheld > 0 {
            let _ = writeln!(
                h,
                "<p class=\"note\">{} withheld: {} another person's data.</p>",
                escape(&crate::subject::plural(
                    r.withheld,
                    "other person's detail",
                    "other people's details"
                )),
                if r.withheld == 1 { "it is" } else { "they are" }
            );
        }
        if r.in_shared_list {
            let _ = writeln!(
                h,
                "<p class=\"note\">This is one entry of a list that also holds other people's contacts; those are not shown.</p>"
            );
        }
        let _ = writeln!(h, "</section>");
    }

    let _ = writeln!(h, "<h2>About this processing</h2>\n<dl class=\"info\">");
    let kinds = if c.kinds_of_data.is_empty() {
        "None found.".to_string()
    } else {
        let mut s = c.kinds_of_data.join(", ");
        if let Some(first) = s.get(..1) {
            s = first.to_uppercase() + &s[1..];
        }
        s + "."
    };
    // (label, the template's text, or None for the kinds of data, which the records give)
    let rows: [(&str, Option<FromTemplate>); 12] = [
        ("Who is responsible", Some(|t| Some(&t.controller))),
        ("How to reach us", Some(|t| Some(&t.contact))),
        ("Data protection officer", Some(|t| t.dpo.as_deref())),
        ("Why we hold it", Some(|t| Some(&t.purposes))),
        ("What kinds of data", None),
        ("Who receives it", Some(|t| Some(&t.recipients))),
        (
            "Transfers outside the country",
            Some(|t| Some(&t.transfers)),
        ),
        ("How long we keep it", Some(|t| Some(&t.retention))),
        ("Where it came from", Some(|t| Some(&t.source))),
        (
            "Automated decisions",
            Some(|t| Some(&t.automated_decisions)),
        ),
        ("Your rights", Some(|t| Some(&t.rights))),
        ("Your right to complain", Some(|t| Some(&t.complaint))),
    ];
    for (label, from_template) in rows {
        let text = match (from_template, &c.information) {
            (None, _) => Some(kinds.clone()),
            (Some(get), Some(t)) => match get(t) {
                Some(text) => Some(text.to_string()),
                // An optional field the template leaves out (no DPO): no line.
                None => continue,
            },
            (Some(_), None) => None,
        };
        match text {
            Some(text) => {
                let _ = writeln!(
                    h,
                    "<dt>{}</dt><dd>{}</dd>",
                    escape(label),
                    paragraphs(&text)
                );
            }
            None => {
                let _ = writeln!(
                    h,
                    "<dt>{}</dt><dd class=\"missing\">{}</dd>",
                    escape(label),
                    escape(NOT_FILLED_IN)
                );
            }
        }
    }
    let _ = writeln!(h, "</dl>\n</body>\n</html>");
    h
}

/// Text as paragraphs: a blank line starts a new one, a line break stays one.
fn paragraphs(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| format!("<p>{}</p>", escape(p).replace('\n', "<br>")))
        .collect()
}

/// `2026-11-30T01:32:30.657Z` -> `30 November 2026`; anything else as it is.
fn date_only(rfc3339: &str) -> String {
    let v = serde_json::Value::String(rfc3339.to_string());
    let full = crate::subject::readable_date(&v);
    match full.split_once(',') {
        Some((day, _)) if full != rfc3339 => day.to_string(),
        _ => rfc3339.to_string(),
    }
}

/// How many records, in words, for a caller's message.
pub fn count(c: &SubjectCopy) -> String {
    plural(c.records.len(), "record", "records")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subject::{Detail, Record};

    fn copy(information: Option<SubjectTemplate>, value: &str) -> SubjectCopy {
        SubjectCopy {
            schema: crate::subject::SUBJECT_SCHEMA,
            generated_at: "2026-11-30T01:32:30.657Z".into(),
            search_complete: true,
            asked_about: vec![],
            summary: "s".into(),
            kinds_of_data: vec!["name".into()],
            records: vec![Record {
                kind: RecordKind::PersonalFavorite,
                details: vec![Detail {
                    label: "Name".into(),
                    values: vec![value.into()],
                }],
                dates: vec![],
                in_shared_list: false,
                withheld: 0,
                latest: None,
            }],
            records_under_review: 0,
            information,
        }
    }

    fn template() -> SubjectTemplate {
        SubjectTemplate::parse(include_str!("../../../templates/subject-copy.toml")).unwrap()
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
            "ul", "li", "section", "dl", "dt", "dd", "br",
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
        assert_eq!(page.matches(&escape(NOT_FILLED_IN)).count(), 11, "{page}");
        let page = render(&copy(Some(template()), "x"));
        assert!(!page.contains("NOT FILLED IN"));
        assert!(!page.contains("not-filled-in"));
        let t = template();
        for text in [&t.controller, &t.retention, &t.complaint] {
            let first_line = text.lines().next().unwrap();
            assert!(page.contains(&escape(first_line)), "{first_line}");
        }
        // A template without a DPO shows no DPO line at all.
        let mut t = template();
        t.dpo = None;
        let page = render(&copy(Some(t), "x"));
        assert!(!page.contains("Data protection officer"));
    }
}
