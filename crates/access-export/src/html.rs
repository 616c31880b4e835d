//! The officer's record as one HTML page: every internal detail (keyspace, table, agent,
//! group, setting key, JSON path, the stored value), for the privacy officer's file. It is not
//! the person's copy ([`crate::subject_html`] is): it names the agents, who are employees.
//! No scripts, no external assets, every piece of data escaped.
//!
//! The data is untrusted (agents typed it), so nothing from it is ever written unescaped: a
//! favorite named `<script>` shows as that text.

use std::fmt::Write;

use crate::{AccessExport, OwnerType};

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Renders the page.
pub fn render(e: &AccessExport) -> String {
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <title>Access request: officer's record (internal)</title>\n<style>\n\
         body{{font-family:sans-serif;margin:2em;max-width:70em}}\
         table{{border-collapse:collapse;margin:1em 0}}td,th{{border:1px solid #999;padding:.3em .6em;text-align:left;vertical-align:top}}\
         pre{{white-space:pre-wrap;margin:0}}.warn{{color:#a00;font-weight:bold}}\n</style>\n</head>\n<body>\n"
    );
    let _ = writeln!(h, "<h1>Access request: officer's record</h1>");
    let _ = writeln!(
        h,
        "<p class=\"warn\" id=\"internal\">Internal: for the privacy officer's file, not for the data subject. It names the agents who stored each record (employees' personal data) and the system's internal places. The person's copy is the .subject.html file written beside this one.</p>"
    );
    let class = if e.scan.complete {
        ""
    } else {
        " class=\"warn\""
    };
    let _ = writeln!(h, "<p{class}>{}</p>", escape(&e.statement));
    let _ = writeln!(
        h,
        "<table>\n<tr><th>Generated</th><td>{}</td></tr>\n<tr><th>Keyspace</th><td>{}</td></tr>\n\
         <tr><th>Tables</th><td>{}</td></tr>\n<tr><th>Rows searched</th><td>{}</td></tr>\n\
         <tr><th>Search complete</th><td>{}</td></tr>\n</table>",
        escape(&e.generated_at.to_string()),
        escape(&e.keyspace),
        escape(&e.scan.tables.join(", ")),
        e.scan.rows,
        if e.scan.complete { "yes" } else { "NO" }
    );
    let _ = writeln!(h, "<h2>Identifiers searched</h2>\n<table>\n<tr><th>#</th><th>Kind</th><th>Identifier</th></tr>");
    for i in &e.identifiers {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            i.index,
            escape(&i.kind),
            escape(&i.normalized)
        );
    }
    let _ = writeln!(
        h,
        "</table>\n<h2>Data held ({} place(s))</h2>",
        e.items.len()
    );
    if !e.items.is_empty() {
        let _ = writeln!(
            h,
            "<table class=\"items\">\n<tr><th>Stored by</th><th>Where</th><th>Found at</th><th>Stored value</th></tr>"
        );
        for item in &e.items {
            let who = match (&item.user_id, &item.user_name, item.owner_type) {
                (_, _, OwnerType::ContactCenter) => "contact center (administrator)".to_string(),
                (Some(id), Some(name), _) => format!("{name} ({id})"),
                (Some(id), None, _) => id.clone(),
                _ => "unknown".to_string(),
            };
            let place = match (&item.group, &item.column) {
                (Some(g), _) => {
                    format!("{} / group {g} / setting {}", item.table, item.setting_key)
                }
                (None, Some(c)) => {
                    format!("{} / row {} / column {c}", item.table, item.setting_key)
                }
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
            let mut notes = String::new();
            if item.entries_not_shown > 0 {
                let _ = write!(
                    notes,
                    "<p class=\"note\">{} other entr{} of this list {} not shown: {} about other people.</p>",
                    item.entries_not_shown,
                    if item.entries_not_shown == 1 { "y" } else { "ies" },
                    if item.entries_not_shown == 1 { "is" } else { "are" },
                    if item.entries_not_shown == 1 { "it is" } else { "they are" },
                );
            }
            if item.possible_only {
                let _ = write!(
                    notes,
                    "<p class=\"note\">POSSIBLE matches only (may be a stranger's): not in the subject's copy. Check whether it is the subject's and answer by hand if so.</p>"
                );
            } else if item.records_possible_only > 0 {
                let _ = write!(
                    notes,
                    "<p class=\"note\">{} record(s) here hold only POSSIBLE matches: shown above, not in the subject's copy.</p>",
                    item.records_possible_only
                );
            }
            if item.records_of_another_request > 0 {
                let _ = write!(
                    notes,
                    "<p class=\"note\">{} record(s) of the subject also hold another request of this batch: withheld from this request's files and the subject's copy; answer both requests together by hand.</p>",
                    item.records_of_another_request
                );
            }
            if item.others_withheld > 0 {
                let _ = write!(
                    notes,
                    "<p class=\"note\">{} identifier(s) of other people withheld from the subject's copy.</p>",
                    item.others_withheld
                );
            }
            if !item.free_text.is_empty() {
                let _ = write!(
                    notes,
                    "<p class=\"note\">Free text in the subject's records that may name other people (their e-mail addresses and phone numbers are withheld from the subject's copy, their names are not): {}.</p>",
                    escape(&item.free_text.join(", "))
                );
            }
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td><pre>{}</pre>{}</td></tr>",
                escape(&who),
                escape(&place),
                escape(&found.join("; ")),
                escape(&value),
                notes
            );
        }
        let _ = writeln!(h, "</table>");
    }
    let _ = writeln!(h, "</body>\n</html>");
    h
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
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
    }
}
