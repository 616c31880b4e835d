//! The `requests` commands of the request ledger (`add`, `extend`, `close`, `list`, `due`,
//! `show`, `letter`, `report`): each opens the ledger at a path the binary resolved, does its
//! one thing, and returns what it prints on stdout, so that the binary only parses and prints.
//! The rules themselves (deadlines, closing, what is due) are `forgetme_request_ledger`'s,
//! the texts and JSON documents `forgetme_printer::ledger_report`'s, and the letters and the
//! dashboard `forgetme_officer_pages`'.
//!
//! Notes for the operator (where a letter was written) go to stderr here, as every note of the
//! engine does.

use std::path::Path;

use forgetme_officer_pages::from_ledger::{dashboard_input, letter_facts, LetterAsked};
use forgetme_officer_pages::{dashboard, letter, ControllerInfo, LetterWords};
use forgetme_printer::ledger_report::{self, DueDocument, ListDocument, ShowDocument};
use forgetme_request_ledger::{format_date, Added, CloseAs, Date, Ledger, RequestType, State};

use crate::failure::Failure;
use crate::files::{check_output, write_atomic, Existing};
use crate::ledger::{check_ledger_place, failure};

/// `requests add`: records the request (or its real received date, or its type).
pub fn add(
    path: &Path,
    id: &str,
    received: Date,
    kind: RequestType,
    today: Date,
) -> Result<String, Failure> {
    check_ledger_place(path)?;
    let mut ledger = Ledger::open(path).map_err(failure)?;
    let added = ledger.add(id, received, kind, today).map_err(failure)?;
    let s = ledger
        .show(id, today)
        .map_err(failure)?
        .expect("just added")
        .summary;
    Ok(format!(
        "Request {id} {} in {}: {} request ({}), received {}, deadline {} ({}).\n",
        match added {
            Added::New => "recorded",
            Added::Corrected => "corrected",
            Added::Typed => "given its type",
        },
        path.display(),
        s.kind.as_str(),
        s.kind.article(),
        s.received,
        s.deadline,
        ledger_report::days_text(&s)
    ))
}

/// `requests extend`: the deadline moved by `months`, with the reason the person is told.
pub fn extend(
    path: &Path,
    id: &str,
    months: u32,
    reason: &str,
    today: Date,
) -> Result<String, Failure> {
    let mut ledger = Ledger::open_existing(path).map_err(failure)?;
    let deadline = ledger.extend(id, months, reason, today).map_err(failure)?;
    Ok(format!(
        "Request {id}: deadline extended by {months} month(s) to {}. Tell the person, with the reason, within one month of receipt (GDPR Art. 12(3)).\n",
        format_date(deadline)
    ))
}

/// `requests close`: the officer's word that nothing more is to be done, with the reason.
pub fn close(
    path: &Path,
    id: &str,
    reason: &str,
    how: CloseAs,
    today: Date,
) -> Result<String, Failure> {
    let mut ledger = Ledger::open_existing(path).map_err(failure)?;
    let s = ledger.close(id, how, reason, today).map_err(failure)?;
    Ok(format!(
        "Request {id} ({} request) closed as {}{}. Nothing more is done for it; if the person asks again, record a new request.\n",
        s.kind.as_str(),
        how.as_str(),
        match &s.answered_on {
            Some(on) => format!(", answered {on} (received {})", s.received),
            None => ", not answered".to_string(),
        }
    ))
}

/// `requests list`, filtered by state and type: a table, or one JSON document.
pub fn list(
    path: &Path,
    state: Option<State>,
    kind: Option<RequestType>,
    json: bool,
    today: Date,
) -> Result<String, Failure> {
    let ledger = Ledger::open_existing(path).map_err(failure)?;
    let mut list = ledger.list(today).map_err(failure)?;
    list.retain(|s| {
        state.is_none_or(|want| s.state == want) && kind.is_none_or(|want| s.kind == want)
    });
    Ok(if json {
        json_text(&ListDocument {
            ledger: path.display().to_string(),
            today: format_date(today),
            state,
            request_type: kind,
            requests: &list,
        })
    } else if list.is_empty() && (state.is_some() || kind.is_some()) {
        "No request in the ledger is of that state and type.\n".to_string()
    } else {
        ledger_report::list_text(&list)
    })
}

/// `requests due`: what falls due within `within` days (deadlines, extension decisions,
/// receipt re-checks, purge checks), overdue first, and whether anything is: a cron job
/// mails the output then (exit 1).
pub fn due(path: &Path, within: u32, json: bool, today: Date) -> Result<(String, bool), Failure> {
    let ledger = Ledger::open_existing(path).map_err(failure)?;
    let list = ledger.list(today).map_err(failure)?;
    let items = forgetme_request_ledger::due(&list, today, i64::from(within));
    let text = if json {
        json_text(&DueDocument {
            ledger: path.display().to_string(),
            today: format_date(today),
            within_days: within,
            due: &items,
            overdue: items.iter().filter(|d| d.overdue()).count(),
        })
    } else {
        ledger_report::due_text(&items, within)
    };
    Ok((text, !items.is_empty()))
}

/// `requests show`: one request and its whole history.
pub fn show(path: &Path, id: &str, json: bool, today: Date) -> Result<String, Failure> {
    let ledger = Ledger::open_existing(path).map_err(failure)?;
    let Some(details) = ledger.show(id, today).map_err(failure)? else {
        return Err(failure(ledger.unknown(id)));
    };
    Ok(if json {
        json_text(&ShowDocument {
            ledger: path.display().to_string(),
            today: format_date(today),
            request: &details,
        })
    } else {
        ledger_report::show_text(&details)
    })
}

/// A ledger document as printed: pretty JSON and a newline.
fn json_text(doc: &impl serde::Serialize) -> String {
    format!(
        "{}\n",
        serde_json::to_string_pretty(doc).expect("a ledger document serializes")
    )
}

/// `requests letter ID --kind K --out FILE`: the letter, written when the ledger backs every
/// fact of it and the template is the controller's own.
pub fn write_letter(
    ledger_file: &Path,
    id: &str,
    asked: LetterAsked,
    template: &Path,
    out: &Path,
    text: bool,
    today: Date,
) -> Result<(), Failure> {
    check_output("--out", out, Existing::Replace)?;
    let template = crate::export_files::load_template(template)?;
    let ledger = Ledger::open_existing(ledger_file).map_err(failure)?;
    let Some(details) = ledger.show(id, today).map_err(failure)? else {
        return Err(failure(ledger.unknown(id)));
    };
    let facts = letter_facts(&details, asked, today).map_err(Failure::Input)?;
    let problems = letter::problems(&facts);
    if !problems.is_empty() {
        return Err(Failure::Input(format!(
            "the {} letter of request {id} would be wrong: {}; nothing was written",
            facts.kind.name(),
            problems.join("; ")
        )));
    }
    let rendered = letter::render(
        &facts,
        &ControllerInfo::from_template(&template),
        &LetterWords::for_template(&template),
    );
    let page = if text { rendered.text } else { rendered.html };
    write_atomic(out, page.as_bytes(), Existing::Replace).map_err(Failure::Input)?;
    eprintln!(
        "The {} letter of request {id} is written to {} ({}). It names no e-mail address or phone number: address it yourself.",
        facts.kind.name(),
        out.display(),
        if text { "text" } else { "HTML" }
    );
    Ok(())
}

/// `requests report --html FILE`: the dashboard of every request as of today.
pub fn write_report(
    ledger_file: &Path,
    out: &Path,
    within: u32,
    today: Date,
) -> Result<(), Failure> {
    check_output("--html", out, Existing::Replace)?;
    let ledger = Ledger::open_existing(ledger_file).map_err(failure)?;
    let list = ledger.list(today).map_err(failure)?;
    let input = dashboard_input(&list, today, i64::from(within)).map_err(Failure::Run)?;
    write_atomic(out, dashboard::render(&input).as_bytes(), Existing::Replace)
        .map_err(Failure::Input)?;
    eprintln!(
        "The dashboard of {} request(s) as of {today} is written to {}: references, types, states, dates and counts only.",
        list.len(),
        out.display()
    );
    Ok(())
}
