//! The officer's record as one HTML page: every internal detail (keyspace, table, agent,
//! group, setting key, JSON path, the stored value), for the privacy officer's file. It is not
//! the person's copy ([`crate::subject_html`] is): it names the agents, who are employees.
//! No scripts, no external assets.
//!
//! The data is untrusted (agents typed it), so the page is a `maud` template: every value it
//! is given is escaped, and markup is only what the template itself writes. A favorite named
//! `<script>` shows as that text.

use maud::{html, Markup, PreEscaped, DOCTYPE};

use crate::{AccessExport, ExportItem, OwnerType};

/// The page's only style sheet.
const STYLE: &str = "body{font-family:sans-serif;margin:2em;max-width:70em}\
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}\
pre{white-space:pre-wrap;margin:0}.warn{color:#a00;font-weight:bold}";

/// The page's Content-Security-Policy: no script and no resource, inline style only. The
/// page stays in the officer's file; the subject's copy, which leaves the controller, has the
/// stricter policy that names its style sheet by hash.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'";

/// Renders the page.
pub fn render(e: &AccessExport) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta http-equiv="Content-Security-Policy" content=(CONTENT_SECURITY_POLICY);
                title { "Access request: officer's record (internal)" }
                style { (PreEscaped(STYLE)) }
            }
            body {
                h1 { "Access request: officer's record" }
                p.warn #internal {
                    "Internal: for the privacy officer's file, not for the data subject. It names the agents who stored each record (employees' personal data) and the system's internal places. The person's copy is the .subject.html file written beside this one."
                }
                p class=[(!e.scan.complete).then_some("warn")] { (e.statement) }
                table {
                    tr { th { "Generated" } td { (e.generated_at) } }
                    tr { th { "Keyspace" } td { (e.keyspace) } }
                    tr { th { "Tables" } td { (e.scan.tables.join(", ")) } }
                    tr { th { "Rows searched" } td { (e.scan.rows) } }
                    tr { th { "Search complete" } td { (if e.scan.complete { "yes" } else { "NO" }) } }
                }
                h2 { "Identifiers searched" }
                table {
                    tr { th { "#" } th { "Kind" } th { "Identifier" } }
                    @for i in &e.identifiers {
                        tr { td { (i.index) } td { (i.kind) } td { (i.normalized) } }
                    }
                }
                h2 { "Data held (" (e.items.len()) " place(s))" }
                @if !e.items.is_empty() {
                    table.items {
                        tr { th { "Stored by" } th { "Where" } th { "Found at" } th { "Stored value" } }
                        @for item in &e.items {
                            (row(item))
                        }
                    }
                }
            }
        }
    }
    .into_string()
}

/// One place holding the subject's data: who stored it, where, what was found where in it,
/// the value as stored, and what the officer must know before answering.
fn row(item: &ExportItem) -> Markup {
    let who = match (&item.user_id, &item.user_name, item.owner_type) {
        (_, _, OwnerType::ContactCenter) => "contact center (administrator)".to_string(),
        (Some(id), Some(name), _) => format!("{name} ({id})"),
        (Some(id), None, _) => id.clone(),
        _ => "unknown".to_string(),
    };
    let place = match (&item.group, &item.column) {
        (Some(g), _) => format!("{} / group {g} / setting {}", item.table, item.setting_key),
        (None, Some(c)) => format!("{} / row {} / column {c}", item.table, item.setting_key),
        (None, None) => format!("{} / row {}", item.table, item.setting_key),
    };
    let found: Vec<String> = item
        .found_at
        .iter()
        .map(|f| {
            format!(
                "{} (#{}, {}{})",
                f.json_path.as_deref().unwrap_or("text"),
                f.identifier,
                f.variant,
                if f.possible {
                    ", POSSIBLE match: check it"
                } else {
                    ""
                }
            )
        })
        .collect();
    let value = serde_json::to_string_pretty(&item.value).unwrap_or_default();
    html! {
        tr {
            td { (who) }
            td { (place) }
            td { (found.join("; ")) }
            td {
                pre { (value) }
                @for note in notes(item) {
                    p.note { (note) }
                }
            }
        }
    }
}

/// What the officer must know about a place before answering: what the subject's copy
/// leaves out of it, and why.
fn notes(item: &ExportItem) -> Vec<String> {
    let mut notes = Vec::new();
    if item.entries_not_shown > 0 {
        let one = item.entries_not_shown == 1;
        notes.push(format!(
            "{} other entr{} of this list {} not shown: {} about other people.",
            item.entries_not_shown,
            if one { "y" } else { "ies" },
            if one { "is" } else { "are" },
            if one { "it is" } else { "they are" },
        ));
    }
    if item.possible_only {
        notes.push("POSSIBLE matches only (may be a stranger's): not in the subject's copy. Check whether it is the subject's and answer by hand if so.".to_string());
    } else if item.records_possible_only > 0 {
        notes.push(format!(
            "{} record(s) here hold only POSSIBLE matches: shown above, not in the subject's copy.",
            item.records_possible_only
        ));
    }
    if item.records_of_another_request > 0 {
        notes.push(format!(
            "{} record(s) of the subject also hold another request of this batch: withheld from this request's files and the subject's copy; answer both requests together by hand.",
            item.records_of_another_request
        ));
    }
    if item.others_withheld > 0 {
        notes.push(format!(
            "{} identifier(s) of other people withheld from the subject's copy.",
            item.others_withheld
        ));
    }
    if !item.free_text.is_empty() {
        notes.push(format!(
            "Free text in the subject's records that may name other people (their e-mail addresses and phone numbers are withheld from the subject's copy, their names are not): {}.",
            item.free_text.join(", ")
        ));
    }
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_says_it_is_the_officers_record_not_the_subjects_copy() {
        let e = AccessExport::new(
            "sipfs".into(),
            vec![],
            crate::ExportScan {
                complete: true,
                tables: vec!["sipfs.settings".into()],
                ranges: 1,
                rows: 1,
                unread_ranges: 0,
            },
            vec![],
        );
        let page = render(&e);
        assert!(page.contains("<title>Access request: officer's record (internal)</title>"));
        assert!(page.contains("not for the data subject"), "{page}");
    }

    #[test]
    fn stored_markup_is_text() {
        let hostile = r#"<script>alert("x")</script> & 'y'"#;
        let e = AccessExport::new(
            hostile.into(),
            vec![],
            crate::ExportScan {
                complete: false,
                tables: vec![hostile.into()],
                ranges: 1,
                rows: 1,
                unread_ranges: 1,
            },
            vec![],
        );
        // `generated_at` is a timestamp, never stored text: the keyspace and a table name
        // carry the markup.
        let page = render(&e);
        assert!(!page.contains("<script"), "{page}");
        assert_eq!(
            page.matches("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 'y'")
                .count(),
            2,
            "{page}"
        );
        assert!(
            page.contains("<p class=\"warn\">The search was INCOMPLETE"),
            "{page}"
        );
    }
}
