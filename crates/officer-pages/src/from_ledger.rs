//! The pages' facts, taken from the request ledger's records.
//!
//! A letter states facts to a person: each must be true of the request at the time it is
//! written. So a letter the ledger cannot back is refused here, with what to record first:
//! an extension letter for a request never extended, a "completed" letter for a request not
//! answered, a "nothing held" letter without a complete search that found nothing, or any
//! letter but the acknowledgement for a request withdrawn or rejected.

use forgetme_request_ledger::dates::date_of_rfc3339;
use forgetme_request_ledger::{add_months, parse_date, CloseAs, Details, RequestType, Summary};
use time::Date;

use crate::dashboard::{DashboardInput, DatedRow, RequestRow};
use crate::letter::{LetterFacts, LetterKind};

/// Which letter the officer asks for (`requests letter --kind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LetterAsked {
    /// The request arrived.
    Acknowledgement,
    /// Its deadline was extended.
    Extension,
    /// It was answered.
    Completed,
    /// A complete search found nothing.
    NothingHeld,
}

/// The facts of the letter `asked` for the request `d`, written on `today`; or why the
/// ledger does not back that letter (what to do is in the message).
pub fn letter_facts(d: &Details, asked: LetterAsked, today: Date) -> Result<LetterFacts, String> {
    let s = &d.summary;
    let id = &s.id;
    let received = day(&s.received, "received date")?;
    let deadline = day(&s.deadline, "deadline")?;
    if asked != LetterAsked::Acknowledgement {
        if let Some(c) = &s.closed {
            if c.closed_as != CloseAs::Done {
                return Err(format!(
                    "request {id} was closed as {}: no letter but the acknowledgement is written for it",
                    c.closed_as.as_str()
                ));
            }
        }
    }
    // The request's latest search, whatever it found: what a completed or nothing-held
    // letter must agree with.
    let last_search = d
        .history
        .iter()
        .rev()
        .find(|e| e.status == forgetme_request_ledger::Status::Searched);
    let kind = match asked {
        LetterAsked::Acknowledgement => LetterKind::Acknowledgement { deadline },
        LetterAsked::Extension => {
            if d.extensions.is_empty() {
                return Err(format!(
                    "request {id} has no extension recorded: record it first with `gdpr_forget_me requests extend {id} --months N --reason TEXT` (within one month of receipt), then write its letter"
                ));
            }
            // Art. 12(3): the person is told the reasons; every extension's, in order.
            let reasons: Vec<&str> = d.extensions.iter().map(|e| e.reason.trim()).collect();
            LetterKind::Extension {
                original_deadline: add_months(received, 1),
                new_deadline: deadline,
                months: s.extended_months,
                reason: reasons.join("; "),
            }
        }
        LetterAsked::Completed => {
            let Some(done) = s.answered_on.as_deref() else {
                return Err(format!(
                    "request {id} is not answered yet ({}): {}",
                    s.state.as_str(),
                    what_answers(s.kind, id)
                ));
            };
            // An erasure or access request answered by a search that found nothing erased or
            // exported nothing: "your data was erased" would not be true.
            if matches!(s.kind, RequestType::Erasure | RequestType::Access)
                && last_search.is_some_and(|e| e.found_nothing())
            {
                return Err(format!(
                    "request {id}: its last search was complete and found nothing of the person, so nothing was {}: write the nothing-held letter instead (--kind nothing-held)",
                    if s.kind == RequestType::Erasure { "erased" } else { "exported" }
                ));
            }
            LetterKind::Completed {
                done_on: day(done, "answer date")?,
                purge_after: match (s.kind, &s.purge_after) {
                    (RequestType::Erasure, Some(p)) => date_of_rfc3339(p),
                    _ => None,
                },
            }
        }
        LetterAsked::NothingHeld => {
            // The last search is what is known now: an earlier one that found nothing does
            // not stand once a later one found something.
            let search = match last_search {
                Some(e) if e.found_nothing() => e,
                Some(e) if d.history.iter().any(|e| e.found_nothing()) => {
                    return Err(format!(
                        "request {id}: a search after the one that found nothing did not find nothing ({}): a \"nothing held\" letter would not be true",
                        e.detail
                    ));
                }
                _ => {
                    return Err(format!(
                        "request {id} has no complete search that found nothing: a \"nothing held\" letter must rest on one (run the search with --case {id}; an incomplete scan does not count)"
                    ));
                }
            };
            LetterKind::NothingHeld {
                searched_on: date_of_rfc3339(&search.at)
                    .ok_or_else(|| format!("request {id}: its search has no readable date"))?,
            }
        }
    };
    Ok(LetterFacts {
        reference: id.clone(),
        request_type: s.kind,
        received,
        written_on: today,
        kind,
    })
}

/// What answers a request of this type, said to the officer.
fn what_answers(kind: RequestType, id: &str) -> String {
    match kind {
        RequestType::Erasure => format!(
            "an erasure is answered by a verified erasure (a run with --case {id} --cleanup true)"
        ),
        RequestType::Access => format!(
            "an access request is answered by an access export from a complete scan (a run with --case {id} --export DIR)"
        ),
        RequestType::Unspecified => format!(
            "give it its type first (`gdpr_forget_me requests add {id} --received DATE --type TYPE`)"
        ),
        _ => format!(
            "{} is answered when you close it as done (`gdpr_forget_me requests close {id} --reason TEXT`)",
            kind.a_name()
        ),
    }
}

/// The dashboard's input: every request, the receipt re-checks scheduled, and the purge dates
/// of erased data not yet shown gone from disk.
pub fn dashboard_input(
    list: &[Summary],
    today: Date,
    due_soon_days: i64,
) -> Result<DashboardInput, String> {
    let mut requests = Vec::with_capacity(list.len());
    let mut rechecks = Vec::new();
    let mut purges = Vec::new();
    for s in list {
        requests.push(RequestRow {
            reference: s.id.clone(),
            request_type: s.kind,
            state: s.state,
            received: day(&s.received, "received date")?,
            deadline: day(&s.deadline, "deadline")?,
            answered_on: s.answered_on.as_deref().and_then(parse_date),
        });
        if let Some(due) = s.next_recheck_due.as_deref().and_then(parse_date) {
            rechecks.push(DatedRow {
                reference: s.id.clone(),
                date: due,
            });
        }
        if !s.physically_purged {
            if let Some(p) = s.purge_after.as_deref().and_then(date_of_rfc3339) {
                purges.push(DatedRow {
                    reference: s.id.clone(),
                    date: p,
                });
            }
        }
    }
    Ok(DashboardInput {
        today,
        due_soon_days,
        requests,
        rechecks,
        purges,
    })
}

/// A ledger date (YYYY-MM-DD); one that does not read is a damaged ledger, said as such.
fn day(text: &str, what: &str) -> Result<Date, String> {
    parse_date(text).ok_or_else(|| {
        format!("the ledger's {what} {text:?} is not a date (YYYY-MM-DD): the file is damaged")
    })
}
