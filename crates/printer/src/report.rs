//! Printing what was found: one line per hit and a summary (text), or one JSON document
//! (`docs/output.md` describes its schema).
//!
//! The identifier itself is printed only when stdout is a terminal, i.e. to the operator;
//! when text output is redirected, hits name the identifier by its number (`#1`).

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};

use forgetme_matcher::{Identifier, Reading};

use forgetme_findings::{Found, OwnerType, SearchOutcome};
use forgetme_scanner::routing::Copies;

/// The user names GWS gave for user ids, when `--gws` was reachable.
pub type UserNames = HashMap<String, String>;

/// Above this many identifiers, the summary lists only those that were found.
const MAX_LISTED_IDENTIFIERS: usize = 20;

/// The notes on how the input was read, said on stderr before anything is read: a pasted
/// CSRF pair that is not sent, national numbers (index, region) their region's numbering plan
/// does not know, and how many identifiers were the same as an earlier one. Never the
/// identifiers themselves.
pub fn input_notes(
    pasted_csrf_dropped: bool,
    unknown_in_region: &[(usize, forgetme_matcher::Region)],
    duplicates: usize,
) -> String {
    let mut out = String::new();
    if pasted_csrf_dropped {
        out.push_str("note: the X-CSRF-HEADER/X-CSRF-TOKEN pair in --gws_additional_headers is not sent: the tool does its own CSRF handshake with GWS and uses the fresh token\n");
    }
    for (index, region) in unknown_in_region {
        out.push_str(&format!(
            "note: identifier #{}, read as {region}, is not a number of {region}'s numbering plan (fictional, mistyped, or another country's): check its region, or write it as +<country code><number>\n",
            index + 1
        ));
    }
    if duplicates > 0 {
        out.push_str(&format!(
            "note: {duplicates} identifier(s) were the same as an earlier one once normalized; each is searched once\n"
        ));
    }
    out
}

/// One identifier as the summary and the confirmation show it: its number, its normalized
/// form when the output goes to the operator's terminal, and how the input was read
/// (`#2 = +353871234567 (read as IE)`). When the output is redirected (it may land in a log),
/// the value is left out and the reading stays (`#2 (phone, read as IE)`).
pub fn identifier_line(index: usize, id: &Identifier, show_identifier: bool) -> String {
    let reading = match id.reading() {
        Reading::Email | Reading::Text => id.reading().to_string(),
        other => {
            // What the numbering plan's metadata calls the number (`mobile, GB`,
            // `toll-free, AU`), so a number read in the wrong region shows.
            let plan = id
                .number_reading()
                .map(|r| format!("; {r}"))
                .unwrap_or_default();
            if show_identifier {
                format!("{other}{plan}")
            } else {
                format!("phone, {other}{plan}")
            }
        }
    };
    if show_identifier {
        format!(
            "#{} = {} ({reading})",
            index + 1,
            printable(id.normalized())
        )
    } else {
        format!("#{} ({reading})", index + 1)
    }
}

/// The `Identifiers:` block of the summary: every identifier of a short list, or those found
/// of a long one (a search file of thousands), with a count of the rest.
fn write_identifiers(
    out: &mut dyn Write,
    ids: &[Identifier],
    matched: &BTreeSet<usize>,
    show_identifiers: bool,
) -> io::Result<()> {
    let listed: Vec<usize> = if ids.len() <= MAX_LISTED_IDENTIFIERS {
        (0..ids.len()).collect()
    } else {
        matched
            .iter()
            .copied()
            .take(MAX_LISTED_IDENTIFIERS)
            .collect()
    };
    writeln!(out, "Identifiers:")?;
    for &i in &listed {
        writeln!(out, "  {}", identifier_line(i, &ids[i], show_identifiers))?;
    }
    if listed.len() < ids.len() {
        writeln!(
            out,
            "  ... and {} more, not listed here (the JSON report lists them all)",
            ids.len() - listed.len()
        )?;
    }
    Ok(())
}

/// Writes the text report.
pub fn write_text(
    out: &mut dyn Write,
    outcome: &SearchOutcome,
    ids: &[Identifier],
    names: &UserNames,
    show_identifiers: bool,
) -> io::Result<()> {
    for (i, f) in outcome.found.iter().enumerate() {
        let owner = match f.owner_type {
            OwnerType::User => user_label(f.user_id.as_deref().unwrap_or("?"), names),
            OwnerType::ContactCenter => "contact-center".to_string(),
            OwnerType::Unknown => format!("table {}", printable(&f.table.to_string())),
        };
        let place = match (&f.group, &f.column) {
            (Some(g), _) => format!(
                "group {}  setting {}",
                printable(g),
                printable(&f.setting_key)
            ),
            (None, Some(c)) => {
                format!("row {}  column {}", printable(&f.setting_key), printable(c))
            }
            (None, None) => format!("row {}", printable(&f.setting_key)),
        };
        let path = printable(f.json_path.as_deref().unwrap_or("(text)"));
        let who = if show_identifiers {
            format!("#{} {}", f.identifier + 1, ids[f.identifier].normalized())
        } else {
            format!("#{}", f.identifier + 1)
        };
        let note = match f.owner_type {
            OwnerType::ContactCenter => "  [corporate: owned by the administrator, not erased]",
            OwnerType::Unknown => "  [outside the settings layout: not erased]",
            OwnerType::User if f.possible => {
                "  [POSSIBLE match: a national number that is the subject's only if written in another country than --default-region says (or none is given); not erased unless --erase-possible-matches]"
            }
            OwnerType::User => "",
        };
        writeln!(
            out,
            "{owner}  {place}  at {path}  matched {who} ({}, {} match){note}",
            f.variant,
            if f.possible { "possible" } else { "exact" }
        )?;
        // After a setting's last listed hit: the hits it holds beyond those kept.
        let last_of_setting = outcome
            .found
            .get(i + 1)
            .is_none_or(|next| !same_value(next, f));
        if last_of_setting && !outcome.more_hits.is_empty() {
            if let Some(more) = outcome.more_hits.get(&f.value_key()) {
                writeln!(
                    out,
                    "  ... and {} more hits in this setting (counted, not listed: at most {} are kept per setting; an erasure re-reads and re-matches the whole setting)",
                    thousands(*more),
                    forgetme_findings::search::MAX_HITS_PER_SETTING
                )?;
            }
        }
    }
    let matched_ids: BTreeSet<usize> = outcome.found.iter().map(|f| f.identifier).collect();
    writeln!(
        out,
        "\nScanned {} table(s), {} token range(s), {} row(s) in {:.1} s: {}.",
        outcome.tables.len(),
        outcome.ranges,
        outcome.rows,
        outcome.elapsed.as_secs_f64(),
        if outcome.complete() {
            "complete"
        } else {
            "INCOMPLETE"
        }
    )?;
    writeln!(out, "{}", outcome.coverage.sentence())?;
    if let Some(s) = outcome.coverage.not_searched_sentence() {
        writeln!(out, "{}", terminal_safe(&s))?;
    }
    write_identifiers(out, ids, &matched_ids, show_identifiers)?;
    let totals = &outcome.totals;
    if totals.hits == 0 {
        if outcome.complete() {
            match outcome.coverage.copies {
                Copies::Every => writeln!(
                    out,
                    "No copy of any setting holds any of the {} identifier(s).",
                    ids.len()
                )?,
                Copies::One => writeln!(
                    out,
                    "No setting holds any of the {} identifier(s) in the one copy of each range that was read.",
                    ids.len()
                )?,
            }
        }
    } else if outcome.truncated() {
        writeln!(
            out,
            "Found {} hit(s) in {} setting(s)/row(s) of {} agent(s): far more than one person's data. Only the first {} setting(s)/row(s) are listed above; the rest were counted, not kept.",
            totals.hits, totals.settings, totals.agents, totals.listed_settings
        )?;
        writeln!(
            out,
            "The search is almost certainly too broad (--match text, a shared number, a domain): narrow it. To list more, raise --max-listed; nothing can be erased or exported from a partial listing."
        )?;
    } else {
        let erasable = outcome.found.iter().filter(|f| f.deletable).count();
        let possible = outcome.found.iter().filter(|f| f.possible).count();
        writeln!(
            out,
            "Found {} hit(s) in {} setting(s)/row(s){}, for {} of {} identifier(s); {} hit(s) erasable, {} of them possible match(es).",
            totals.hits,
            totals.settings,
            of_agents(totals.agents),
            matched_ids.len(),
            ids.len(),
            erasable,
            possible
        )?;
    }
    if !outcome.more_hits.is_empty() {
        writeln!(
            out,
            "{} of these hit(s), in {} setting(s)/row(s) holding more than {} each, are counted, not listed (the erasure counts above are of listed hits; an erasure re-reads and re-matches each setting whole).",
            thousands(outcome.more_hits.values().sum()),
            outcome.more_hits.len(),
            forgetme_findings::search::MAX_HITS_PER_SETTING
        )?;
    }
    for (w, n) in &outcome.warnings {
        writeln!(out, "warning: {n} value(s) {w}")?;
    }
    if !outcome.complete() {
        writeln!(
            out,
            "INCOMPLETE: {} token range(s) could not be read, so this is NOT a complete answer:",
            outcome.failed.len()
        )?;
        for u in outcome.failed.iter().take(20) {
            let (table, f) = (&u.table, &u.split);
            let on = f
                .replica
                .as_deref()
                .map(|r| format!(" at ALL (replicas {r})"))
                .unwrap_or_default();
            writeln!(
                out,
                "  {table} {}{on} after {} attempt(s): {}",
                f.range, f.attempts, f.error
            )?;
        }
        if outcome.failed.len() > 20 {
            writeln!(out, "  ... and {} more", outcome.failed.len() - 20)?;
        }
        writeln!(out, "Bring the nodes back and run again.")?;
        if outcome.coverage.copies == Copies::Every {
            writeln!(
                out,
                "Reading every copy (at ALL) needs every replica of every range. While a node is down, --scan-copies one reads one copy of each range instead, and says so; an erasure made that way must be followed by a repair of the node and a --recheck-receipt."
            )?;
        }
    }
    Ok(())
}

/// Whether two hits are in the same stored value (setting, or deep row column).
pub(crate) fn same_value(a: &Found, b: &Found) -> bool {
    a.table == b.table && a.row_key == b.row_key && a.column == b.column
}

/// `54900` as `54,900`.
/// ` of N agent(s)`, or, when no setting is an agent's (corporate favorites only), `, none an
/// agent's`: "of 0 agent(s)" read oddly.
fn of_agents(agents: u64) -> String {
    match agents {
        0 => ", none an agent's".to_string(),
        n => format!(" of {n} agent(s)"),
    }
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `user <id>` with the user name GWS gave, both made printable.
pub fn user_label(id: &str, names: &UserNames) -> String {
    match names.get(id) {
        Some(n) => format!("user {} ({})", printable(id), printable(n)),
        None => format!("user {}", printable(id)),
    }
}

pub use forgetme_matcher::printable;

/// Makes a whole rendered text terminal-safe (its own line breaks and tabs kept), a second
/// line of defence behind [`printable`] on each stored field.
pub fn terminal_safe(text: &str) -> String {
    forgetme_matcher::printable_lines(text)
}
