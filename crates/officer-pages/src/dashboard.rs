//! The accountability dashboard: one static page of every request in the ledger, for the
//! privacy officer's morning and for the report to management (GDPR Art. 5(2): the controller
//! must be able to show that requests are answered in time).
//!
//! It shows, as of a day: what is overdue and what falls due soon, the receipt re-checks due,
//! the purge dates of erased data, the requests counted by type and by state, and the median
//! days to answer per month with a bar chart. It is a file, not a server: no script, nothing
//! loaded, the same policy as the letters.
//!
//! The rows carry references, types, states, dates and counts only: there is no field for
//! the person's identifiers, so the page can go to management as it is.

use maud::{html, Markup};
use time::Date;

use crate::chart::{bars, days_text, month_name};
use crate::median::per_month;
use crate::page::page;
use crate::request::{RequestState, RequestType};

/// How many calendar months the days-to-answer report covers, the current one included.
pub const MONTHS_REPORTED: u32 = 12;

/// The line the chart draws: about the one month the law gives (Art. 12(3)).
pub const ONE_MONTH_DAYS: i64 = 30;

/// What the dashboard shows, as of one day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DashboardInput {
    /// The day the page is made for: days left and the months reported count from it.
    pub today: Date,
    /// An open request whose deadline is at most this many days away is due soon; a re-check
    /// due within it is listed.
    pub due_soon_days: i64,
    /// Every request in the ledger.
    pub requests: Vec<RequestRow>,
    /// The next receipt re-check of each request that has one scheduled.
    pub rechecks: Vec<DatedRow>,
    /// The purge date of each request whose erased data is not yet known to be purged from
    /// disk (after it, compaction may have removed it: the nodes' files are to be checked).
    pub purges: Vec<DatedRow>,
}

/// One request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestRow {
    /// The request's reference.
    pub reference: String,
    /// What was asked.
    pub request_type: RequestType,
    /// Where it stands.
    pub state: RequestState,
    /// When it was received.
    pub received: Date,
    /// Its deadline, extensions included.
    pub deadline: Date,
    /// When the person was answered, once they were.
    pub answered_on: Option<Date>,
}

/// A request's reference with one date (a re-check, a purge).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DatedRow {
    /// The request's reference.
    pub reference: String,
    /// The date.
    pub date: Date,
}

/// The dashboard's only style sheet; the page's policy names its hash.
///
/// Tables scroll sideways in their own box on a phone rather than widen the page; the chart
/// scales to the width it has.
const STYLE: &str = "body{font-family:sans-serif;margin:1.5em auto;max-width:64em;padding:0 1em;line-height:1.4;color:#222}\
h1{font-size:1.6em;margin-bottom:.1em}.asof{color:#555;margin-top:0}\
h2{margin-top:1.6em;border-bottom:1px solid #bbb;font-size:1.25em}\
.tiles{display:flex;flex-wrap:wrap;gap:.8em;margin:1em 0}\
.tile{border:1px solid #ccc;border-radius:4px;padding:.4em 1em;min-width:7em}\
.tile b{display:block;font-size:1.8em}.tile.bad{border-color:#b00;color:#900}\
.scroll{overflow-x:auto}table{border-collapse:collapse;margin:.4em 0}\
th,td{padding:.25em .8em;text-align:left;border-bottom:1px solid #ddd;white-space:nowrap}\
thead th{border-bottom:2px solid #999}.n{text-align:right;font-variant-numeric:tabular-nums}\
tr.late td,tr.late th{color:#900}tfoot th,tfoot td{border-bottom:none;font-weight:bold}\
.counts{display:flex;flex-wrap:wrap;gap:0 3em}.none,.note{color:#555}\
.chart{display:block;width:100%;max-width:48em;height:auto;margin:.6em 0}\
.chart text{font-size:11px;fill:#333}.bar{fill:#4a6fa5}.bar.late{fill:#b33}\
.axis{stroke:#888}.limit{stroke:#b00;stroke-dasharray:4 3}.chart .limit-label{fill:#900}\
@media (max-width:36em){body{margin:1em auto}h1{font-size:1.3em}.tile{min-width:5em}}\
@media print{body{margin:0;max-width:none}section{break-inside:avoid}}";

/// The page.
pub fn render(input: &DashboardInput) -> String {
    let today = input.today;
    let body = html! {
        header {
            h1 { "Data subject requests" }
            p.asof id="today" { "As of " (iso(today)) "." }
        }
        @if input.requests.is_empty() {
            p.none id="no-requests" {
                "No requests yet: the ledger holds none. A request appears here once it is recorded."
            }
        } @else {
            (report(input))
        }
    };
    page("en", "Data subject requests", STYLE, body)
}

/// Everything but the header, for a ledger with requests.
fn report(input: &DashboardInput) -> Markup {
    let today = input.today;
    let soon = input.due_soon_days;
    let days_left = |d: Date| (d - today).whole_days();
    let mut open: Vec<&RequestRow> = input
        .requests
        .iter()
        .filter(|r| r.state.is_open())
        .collect();
    open.sort_by_key(|r| (r.deadline, &r.reference));
    let overdue: Vec<&RequestRow> = open
        .iter()
        .copied()
        .filter(|r| days_left(r.deadline) < 0)
        .collect();
    let due_soon: Vec<&RequestRow> = open
        .iter()
        .copied()
        .filter(|r| (0..=soon).contains(&days_left(r.deadline)))
        .collect();
    let mut rechecks: Vec<&DatedRow> = input
        .rechecks
        .iter()
        .filter(|r| days_left(r.date) <= soon)
        .collect();
    rechecks.sort_by_key(|r| (r.date, &r.reference));
    let later = input.rechecks.len() - rechecks.len();
    let mut purges: Vec<&DatedRow> = input.purges.iter().collect();
    purges.sort_by_key(|r| (r.date, &r.reference));
    let purges_passed = purges.iter().filter(|p| p.date <= today).count();

    html! {
        div.tiles id="tiles" {
            (tile("total", "Requests", input.requests.len(), false))
            (tile("open", "Open", open.len(), false))
            (tile("overdue-count", "Overdue", overdue.len(), !overdue.is_empty()))
            (tile("due-soon-count", &format!("Due in {soon} days"), due_soon.len(), false))
            (tile("rechecks-count", "Re-checks due", rechecks.len(), false))
            (tile("purges-count", "Purge dates passed", purges_passed, false))
        }
        section id="overdue" {
            h2 { "Overdue" }
            @if overdue.is_empty() {
                p.none { "No open request is past its deadline." }
            } @else {
                p.note { "Open requests past their deadline: answer them now, and tell the person why it is late." }
                (request_table(&overdue, today))
            }
        }
        section id="due-soon" {
            h2 { "Due in the next " (soon) " days" }
            @if due_soon.is_empty() {
                p.none { "No open request falls due in the next " (soon) " days." }
            } @else {
                (request_table(&due_soon, today))
            }
        }
        section id="rechecks" {
            h2 { "Receipt re-checks due" }
            @if rechecks.is_empty() {
                p.none { "No receipt re-check is due in the next " (soon) " days." }
            } @else {
                p.note { "Each erased request's receipt is re-checked: the erased data must still be gone." }
                (dated_table("Re-check due", &rechecks, today))
            }
            @if later > 0 {
                p.note { (later) " more re-check" @if later > 1 { "s" } " scheduled later." }
            }
        }
        section id="purges" {
            h2 { "Purge dates" }
            @if purges.is_empty() {
                p.none { "No erased data waits to be purged from disk." }
            } @else {
                p.note {
                    "After its purge date, the database may have removed the erased data from its files; once the date has passed, check the nodes' files (disk-check)."
                }
                (dated_table("Purge after", &purges, today))
            }
        }
        section id="counts" {
            h2 { "Requests by type and state" }
            div.counts {
                (count_table("by-type", "Type", RequestType::ALL.iter().map(|t| {
                    (type_label(*t), input.requests.iter().filter(|r| r.request_type == *t).count())
                })))
                (count_table("by-state", "State", RequestState::ALL.iter().map(|s| {
                    (state_label(*s), input.requests.iter().filter(|r| r.state == *s).count())
                })))
            }
        }
        (days_to_answer(input))
    }
}

/// The median days to answer per month, as a chart and a table.
fn days_to_answer(input: &DashboardInput) -> Markup {
    let answered: Vec<&RequestRow> = input
        .requests
        .iter()
        .filter(|r| r.answered_on.is_some())
        .collect();
    let pairs: Vec<(Date, Date)> = answered
        .iter()
        .filter_map(|r| r.answered_on.map(|a| (r.received, a)))
        .collect();
    let months = per_month(&pairs, input.today, MONTHS_REPORTED);
    let late_in = |year: i32, month: time::Month| {
        answered
            .iter()
            .filter(|r| {
                r.answered_on
                    .is_some_and(|a| a.year() == year && a.month() == month && a > r.deadline)
            })
            .count()
    };
    html! {
        section id="days-to-answer" {
            h2 { "Days to answer" }
            p.note {
                "The median number of days from receipt to answer of the requests answered in each month, over the last "
                (MONTHS_REPORTED) " months: half of them were answered in fewer days. A red bar is a month whose median is past "
                (ONE_MONTH_DAYS) " days."
            }
            (bars(&months, ONE_MONTH_DAYS))
            div.scroll {
                table id="per-month" {
                    thead { tr { th { "Month answered" } th.n { "Answered" } th.n { "Median days" } th.n { "Past deadline" } } }
                    tbody {
                        @for m in &months {
                            tr {
                                th scope="row" { (month_name(m)) }
                                td.n { (m.answered) }
                                td.n { @match m.median_days { Some(d) => (days_text(d)), None => "–" } }
                                td.n { (late_in(m.year, m.month)) }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A figure in a box.
fn tile(id: &str, label: &str, n: usize, bad: bool) -> Markup {
    html! {
        div.tile.bad[bad] id=(id) { b { (n) } (label) }
    }
}

/// Requests with their deadlines.
fn request_table(rows: &[&RequestRow], today: Date) -> Markup {
    html! {
        div.scroll {
            table {
                thead { tr {
                    th { "Reference" } th { "Type" } th { "State" } th { "Received" } th { "Deadline" } th.n { "Days left" }
                } }
                tbody {
                    @for r in rows {
                        @let left = (r.deadline - today).whole_days();
                        tr class=[(left < 0).then_some("late")] {
                            th scope="row" { (r.reference) }
                            td { (type_label(r.request_type)) }
                            td { (state_label(r.state)) }
                            td { (iso(r.received)) }
                            td { (iso(r.deadline)) }
                            td.n { (left) }
                        }
                    }
                }
            }
        }
    }
}

/// References with one date each.
fn dated_table(heading: &str, rows: &[&DatedRow], today: Date) -> Markup {
    html! {
        div.scroll {
            table {
                thead { tr { th { "Reference" } th { (heading) } th.n { "Days left" } } }
                tbody {
                    @for r in rows {
                        @let left = (r.date - today).whole_days();
                        tr class=[(left < 0).then_some("late")] {
                            th scope="row" { (r.reference) }
                            td { (iso(r.date)) }
                            td.n { (left) }
                        }
                    }
                }
            }
        }
    }
}

/// Counts under a heading, with their total.
fn count_table(
    id: &str,
    heading: &str,
    rows: impl Iterator<Item = (&'static str, usize)>,
) -> Markup {
    let rows: Vec<(&str, usize)> = rows.collect();
    let total: usize = rows.iter().map(|(_, n)| n).sum();
    html! {
        table id=(id) {
            thead { tr { th { (heading) } th.n { "Requests" } } }
            tbody {
                @for (label, n) in &rows {
                    tr { th scope="row" { (label) } td.n { (n) } }
                }
            }
            tfoot { tr { th scope="row" { "Total" } td.n { (total) } } }
        }
    }
}

/// A type as the page names it, with its article of the GDPR.
pub fn type_label(t: RequestType) -> &'static str {
    match t {
        RequestType::Access => "Access (Art. 15)",
        RequestType::Erasure => "Erasure (Art. 17)",
        RequestType::Rectification => "Rectification (Art. 16)",
        RequestType::Restriction => "Restriction (Art. 18)",
        RequestType::Objection => "Objection (Art. 21)",
        RequestType::Unspecified => "Not specified",
    }
}

/// A state as the page names it.
pub fn state_label(s: RequestState) -> &'static str {
    match s {
        RequestState::Received => "Received",
        RequestState::InProgress => "In progress",
        RequestState::Answered => "Answered",
        RequestState::Closed => "Closed",
        RequestState::Withdrawn => "Withdrawn",
        RequestState::Rejected => "Rejected",
    }
}

/// `YYYY-MM-DD`: the officer's dates, as the ledger and the command line write them.
fn iso(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

#[cfg(test)]
mod tests;
