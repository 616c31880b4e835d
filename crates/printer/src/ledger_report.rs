//! The request ledger as the `requests` commands print it: the list as a table, one request
//! as a page, what is due, the re-checks run; and the JSON documents of the same, as typed
//! structures so that their shape is written down once. Subjects appear as HMAC subject refs
//! only; free text is made printable.

use forgetme_matcher::printable;
use forgetme_request_ledger::{
    Details, Due, DueKind, Outcome, RequestType, State, Status, Summary,
};
use serde::Serialize;

/// `requests list --format json`.
#[derive(Debug, Serialize)]
pub struct ListDocument<'a> {
    /// The ledger file.
    pub ledger: String,
    /// Today (YYYY-MM-DD, UTC): days left count from it.
    pub today: String,
    /// `--state`, when the list was filtered by it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<State>,
    /// `--type`, when the list was filtered by it (serialized as `type`).
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub request_type: Option<RequestType>,
    /// The requests, overdue first, then by deadline.
    pub requests: &'a [Summary],
}

/// `requests due --format json`.
#[derive(Debug, Serialize)]
pub struct DueDocument<'a> {
    /// The ledger file.
    pub ledger: String,
    /// Today (YYYY-MM-DD, UTC).
    pub today: String,
    /// `--within`.
    pub within_days: u32,
    /// What falls due, overdue first.
    pub due: &'a [Due],
    /// How many of them are overdue.
    pub overdue: usize,
}

/// `requests show ID --format json`: the request, with its whole history, and where it was
/// read.
#[derive(Debug, Serialize)]
pub struct ShowDocument<'a> {
    /// The ledger file.
    pub ledger: String,
    /// Today (YYYY-MM-DD, UTC).
    pub today: String,
    /// The request.
    #[serde(flatten)]
    pub request: &'a Details,
}

/// One receipt re-check that `requests recheck-due` ran.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RecheckLine {
    /// The request.
    pub id: String,
    /// The receipt re-checked (its path).
    pub receipt: String,
    /// The erasure run the receipt proves.
    pub erasure_run: String,
    /// Locations read again.
    pub checked: usize,
    /// Locations holding an identifier again.
    pub back: usize,
    /// Locations that could not be read.
    pub unreadable: usize,
    /// Every location read and none holds an identifier.
    pub clean: bool,
    /// Recorded in the ledger as a `re-checked` step.
    pub recorded: bool,
}

/// `requests recheck-due --format json`.
#[derive(Debug, Serialize)]
pub struct RecheckDueDocument<'a> {
    /// The ledger file.
    pub ledger: String,
    /// Today (YYYY-MM-DD, UTC).
    pub today: String,
    /// One per receipt re-checked.
    pub rechecks: &'a [RecheckLine],
    /// How many were clean.
    pub clean: usize,
    /// How many found data back or could not read a location.
    pub not_clean: usize,
}

/// The day of an RFC 3339 time, as the ledger's lines show it.
fn day(at: &str) -> &str {
    at.get(..10).unwrap_or(at)
}

/// A step's status as the ledger's lines say it.
pub fn status_text(status: Status, outcome: Outcome) -> String {
    match (status, outcome) {
        (Status::Purged, Outcome::Ok) => return "physically purged".to_string(),
        (Status::Purged, Outcome::Failed) => return "purge: still ON DISK".to_string(),
        (Status::Purged, Outcome::Partial) => return "purge NOT KNOWN".to_string(),
        _ => {}
    }
    match outcome {
        Outcome::Ok => status.as_str().to_string(),
        other => format!("{} {}", status.as_str(), other.as_str().to_uppercase()),
    }
}

/// How many days a request has left, or that it is closed (and how), answered or overdue.
pub fn days_text(s: &Summary) -> String {
    if let Some(c) = &s.closed {
        format!("{} {}", s.state.as_str(), day(&c.at))
    } else if let Some(on) = &s.answered_on {
        format!("answered {on}")
    } else if s.overdue {
        format!("OVERDUE by {} day(s)", -s.days_left)
    } else {
        format!("{} day(s) left", s.days_left)
    }
}

/// The list as a table.
pub fn list_text(list: &[Summary]) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    if list.is_empty() {
        t.push_str("No requests in the ledger.\n");
        return t;
    }
    let width = list.iter().map(|s| s.id.len()).max().unwrap_or(2).max(2);
    let _ = writeln!(
        t,
        "{:width$}  {:10}  {:10}  {:13}  {:11}  {:22}  {:20}  {:10}  NEXT RE-CHECK",
        "ID", "RECEIVED", "DEADLINE", "TYPE", "STATE", "DAYS LEFT", "STATUS", "PURGE"
    );
    for s in list {
        let _ = writeln!(
            t,
            "{:width$}  {:10}  {:10}  {:13}  {:11}  {:22}  {:20}  {:10}  {}",
            s.id,
            s.received,
            s.deadline,
            s.kind.as_str(),
            s.state.as_str(),
            days_text(s),
            if s.physically_purged {
                "physically purged".to_string()
            } else {
                status_text(s.status, s.outcome)
            },
            s.purge_after
                .as_deref()
                .map(|p| p.get(..10).unwrap_or(p))
                .unwrap_or("-"),
            s.next_recheck_due.as_deref().unwrap_or("-"),
        );
    }
    let overdue = list.iter().filter(|s| s.overdue).count();
    if overdue > 0 {
        let _ = writeln!(t, "{overdue} request(s) OVERDUE.");
    }
    t
}

/// One request as a page.
pub fn show_text(d: &Details) -> String {
    use std::fmt::Write;
    let s = &d.summary;
    let mut t = String::new();
    let _ = writeln!(t, "Request {}", s.id);
    let _ = writeln!(
        t,
        "received {}  deadline {}  ({}){}",
        s.received,
        s.deadline,
        days_text(s),
        if d.created_by == "run" {
            "  [added by a run: received is the day of that run]"
        } else {
            ""
        }
    );
    let _ = writeln!(
        t,
        "type {} ({})  state {}",
        s.kind.as_str(),
        s.kind.article(),
        s.state.as_str()
    );
    if s.kind == RequestType::Unspecified {
        let _ = writeln!(
            t,
            "  (no type recorded: give it with `gdpr_forget_me requests add {} --received {} --type TYPE`)",
            s.id, s.received
        );
    }
    if let Some(c) = &s.closed {
        let _ = writeln!(
            t,
            "closed as {} on {}: {}",
            c.closed_as.as_str(),
            day(&c.at),
            printable(&c.reason)
        );
    }
    for e in &d.extensions {
        let _ = writeln!(
            t,
            "extended by {} month(s) on {}: {}",
            e.months,
            e.recorded_at.get(..10).unwrap_or(&e.recorded_at),
            printable(&e.reason)
        );
    }
    let _ = writeln!(t, "status {}", status_text(s.status, s.outcome));
    if s.physically_purged {
        let _ = writeln!(
            t,
            "physically purged: signed disk reports show every node given clean (see the last purged step)"
        );
    }
    let _ = writeln!(
        t,
        "purge date {}  next re-check due {}",
        s.purge_after.as_deref().unwrap_or("-"),
        s.next_recheck_due.as_deref().unwrap_or("-")
    );
    let _ = writeln!(t, "subjects ({}):", d.subject_refs.len());
    for r in &d.subject_refs {
        let _ = writeln!(t, "  {}  (audit key {})", r.subject_ref, r.key_fingerprint);
    }
    let _ = writeln!(t, "history:");
    if d.history.is_empty() {
        let _ = writeln!(t, "  (no run yet)");
    }
    for e in &d.history {
        let _ = writeln!(
            t,
            "  {}  {:20}  {}{}",
            e.at,
            status_text(e.status, e.outcome),
            printable(&e.detail),
            e.run_id
                .as_deref()
                .map(|r| format!("  [run {}]", printable(r)))
                .unwrap_or_default()
        );
        for (what, p) in [("receipt", &e.receipt), ("export", &e.export)] {
            if let Some(p) = p {
                let _ = writeln!(t, "      {what} {}", printable(p));
            }
        }
        for r in &e.disk_reports {
            let _ = writeln!(t, "      disk report {}", printable(r));
        }
    }
    t
}

/// `requests due`: one line per thing due, overdue first, and what to do about it.
pub fn due_text(items: &[Due], within: u32) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    if items.is_empty() {
        let _ = writeln!(t, "Nothing is due in the next {within} day(s).");
        return t;
    }
    let width = items.iter().map(|d| d.id.len()).max().unwrap_or(2).max(2);
    let type_width = items
        .iter()
        .map(|d| d.request_type.as_str().len())
        .max()
        .unwrap_or(0);
    for d in items {
        let when = if d.overdue() {
            format!("OVERDUE by {} day(s)", -d.days_left)
        } else if d.days_left == 0 {
            "today".to_string()
        } else {
            format!("in {} day(s)", d.days_left)
        };
        let what = match d.kind {
            DueKind::Deadline => "answer the request (deadline)",
            DueKind::ExtensionDecision => {
                "deadline, end of the first month: answer, or extend and tell the person why (requests extend)"
            }
            DueKind::Recheck => "re-check the erasure receipt (--recheck-receipt)",
            DueKind::PurgeCheck => "purgeable from disk: check the nodes (disk-check) and purge",
        };
        let _ = writeln!(
            t,
            "{:width$}  {}  {:22}  {:type_width$}  {what}",
            printable(&d.id),
            d.date,
            when,
            d.request_type.as_str()
        );
    }
    let overdue = items.iter().filter(|d| d.overdue()).count();
    let _ = writeln!(
        t,
        "{} item(s) due in the next {within} day(s), {overdue} of them OVERDUE.",
        items.len()
    );
    t
}

/// `requests recheck-due`: one line per receipt re-checked, and the count.
pub fn recheck_due_text(lines: &[RecheckLine]) -> String {
    use std::fmt::Write;
    let mut t = String::new();
    if lines.is_empty() {
        let _ = writeln!(t, "No receipt re-check is due.");
        return t;
    }
    let width = lines.iter().map(|l| l.id.len()).max().unwrap_or(2).max(2);
    for l in lines {
        let verdict = if l.clean {
            format!("clean: {} location(s) read again", l.checked)
        } else if l.back > 0 {
            format!(
                "DATA BACK at {} of {} location(s): erase again (--case {} --cleanup true), then re-check",
                l.back,
                l.checked,
                printable(&l.id)
            )
        } else {
            format!(
                "NOT COMPLETE: {} location(s) could not be read; run it again",
                l.unreadable
            )
        };
        let _ = writeln!(
            t,
            "{:width$}  erasure {}  {verdict}{}",
            printable(&l.id),
            printable(&l.erasure_run),
            if l.recorded {
                ""
            } else {
                "  (NOT recorded in the ledger)"
            }
        );
    }
    let clean = lines.iter().filter(|l| l.clean).count();
    let _ = writeln!(
        t,
        "{} re-check(s): {clean} clean, {} NOT clean.",
        lines.len(),
        lines.len() - clean
    );
    t
}
