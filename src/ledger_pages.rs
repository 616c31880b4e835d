//! `gdpr_forget_me requests letter` and `requests report`: the ledger's records turned into
//! a letter to the person and the officer's dashboard. What a letter may say, and the pages
//! themselves, are `forgetme_officer_pages`'; this is reading the ledger and writing the file.

use std::path::Path;

use forgetme_engine::files::{check_output, write_atomic, Existing};
use forgetme_engine::ledger::failure;
use forgetme_engine::Failure;
use forgetme_officer_pages::from_ledger::{dashboard_input, letter_facts, LetterAsked};
use forgetme_officer_pages::{dashboard, letter, ControllerInfo, LetterWords};
use forgetme_request_ledger::{Date, Ledger};

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
    let template = forgetme_engine::export_files::load_template(template)?;
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
