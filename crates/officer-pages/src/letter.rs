//! The privacy officer's letters to the person who made a request, as a page and as text.
//!
//! Four letters, each short, dated and naming the request's reference:
//!
//! - an **acknowledgement**: we received your request on this day, we answer by that day;
//! - an **extension** (GDPR Art. 12(3)): the month we have is extended, by how much, to when,
//!   and why; it must reach the person within the first month;
//! - **completed**: what was done, by what was asked (erased, with when the remaining copies
//!   are purged; a copy enclosed; corrected...);
//! - **nothing held**: we searched on this day and hold nothing under the details given.
//!
//! A letter addresses "you" and names the reference: [`LetterFacts`] has no field for an
//! e-mail address, a phone number or a name, so none can end up in a letter. The dates are
//! written as given: the ledger computes deadlines, a letter only states them.
//!
//! The controller's name, contact, data protection officer and supervisory authority come from
//! the officer's template for the subject's copy ([`ControllerInfo::from_template`]), which
//! refuses the example's values before a letter is made.

use forgetme_access_export::template::SubjectTemplate;
use forgetme_access_export::words::fill;
use maud::{html, Markup};
use time::Date;

use crate::page::page;
use crate::plain::{wrap, WIDTH};
use crate::request::RequestType;
use crate::words::LetterWords;

/// The controller, as a letter names it: who writes, and where the person turns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControllerInfo {
    /// The controller's name and postal address: the letter's sender.
    pub controller: String,
    /// How the person reaches the controller about the request.
    pub contact: String,
    /// The data protection officer's contact, when there is one.
    pub dpo: Option<String>,
    /// The right to complain, and to which supervisory authority.
    pub complaint: String,
}

impl ControllerInfo {
    /// The parts of the officer's template a letter shows (the template was checked when it
    /// was read: complete, and none of the example's values left).
    pub fn from_template(t: &SubjectTemplate) -> ControllerInfo {
        ControllerInfo {
            controller: t.controller.clone(),
            contact: t.contact.clone(),
            dpo: t.dpo.clone(),
            complaint: t.complaint.clone(),
        }
    }
}

/// What a letter says. Deliberately without the person's identifiers: a letter says "you".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LetterFacts {
    /// The request's reference (the ledger's request id), which the person quotes back.
    pub reference: String,
    /// What was asked.
    pub request_type: RequestType,
    /// When the request was received.
    pub received: Date,
    /// The letter's date.
    pub written_on: Date,
    /// Which letter, with what only it says.
    pub kind: LetterKind,
}

/// The four letters.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LetterKind {
    /// We received the request and answer by `deadline`.
    Acknowledgement {
        /// The deadline (received + one month, or later when extended already).
        deadline: Date,
    },
    /// The deadline is extended (Art. 12(3)); sent before `original_deadline`.
    Extension {
        /// The deadline the law gives: received + one month.
        original_deadline: Date,
        /// The extended deadline.
        new_deadline: Date,
        /// By how many months `original_deadline` is extended (1 or 2).
        months: u32,
        /// Why: Art. 12(3) asks for the reasons to be told.
        reason: String,
    },
    /// The request is done.
    Completed {
        /// When it was done (erased, the copy made, corrected...).
        done_on: Date,
        /// For an erasure: after which day the copies left in backups and the database's
        /// files are purged (compaction). Shown for an erasure only.
        purge_after: Option<Date>,
    },
    /// We hold nothing about the person under the details given.
    NothingHeld {
        /// When the search ran.
        searched_on: Date,
    },
}

impl LetterKind {
    /// Every kind's name, as the command line writes it.
    pub const NAMES: [&'static str; 4] =
        ["acknowledgement", "extension", "completed", "nothing-held"];

    /// Its name: `acknowledgement`, `extension`, `completed`, `nothing-held`.
    pub fn name(&self) -> &'static str {
        match self {
            LetterKind::Acknowledgement { .. } => "acknowledgement",
            LetterKind::Extension { .. } => "extension",
            LetterKind::Completed { .. } => "completed",
            LetterKind::NothingHeld { .. } => "nothing-held",
        }
    }
}

/// A letter in both forms.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// A standalone page: printable on A4, readable on a phone.
    pub html: String,
    /// Plain text wrapped at 72 columns, for an e-mail.
    pub text: String,
}

/// The letter's only style sheet; the page's policy names its hash.
///
/// On paper (A4) the page's own margins give way to the printer's; on a phone the margins
/// shrink. Long words (a web address in the controller's text) break rather than widen the
/// page.
const STYLE: &str = "@page{size:A4;margin:20mm 22mm}\
body{font-family:sans-serif;margin:2em auto;max-width:40em;padding:0 1em;line-height:1.5;color:#222}\
.from p{margin:0;color:#444}.meta{margin:1.6em 0}.meta p{margin:0}\
h1{font-size:1.4em;margin:1.4em 0 .8em}p,dd{overflow-wrap:break-word}\
.reason{border-left:3px solid #888;padding-left:.8em}.sign{margin-top:1.8em}\
footer{margin-top:2.5em;border-top:1px solid #bbb;padding-top:.5em;font-size:.92em;color:#333}\
footer dt{font-weight:bold;margin-top:.6em}footer dd{margin:0}footer dd p{margin:0 0 .3em}\
@media print{body{margin:0;max-width:none;padding:0;font-size:11pt}footer{break-inside:avoid}}\
@media (max-width:36em){body{margin:1em auto}h1{font-size:1.2em}}";

/// One paragraph of a letter's body.
struct Paragraph {
    text: String,
    /// The extension's reason stands out.
    reason: bool,
}

/// A letter's words, before either form is made.
struct Letter {
    title: String,
    date: String,
    reference: String,
    body: Vec<Paragraph>,
}

/// Writes the letter in `words`' language.
pub fn render(letter: &LetterFacts, controller: &ControllerInfo, words: &LetterWords) -> Rendered {
    let l = compose(letter, words);
    Rendered {
        html: html_form(&l, controller, words),
        text: text_form(&l, controller, words),
    }
}

/// What in the facts would make a wrong letter, one sentence each; empty when none. The
/// letter is written either way: the caller decides (the extension is the case in point: sent
/// after the first month, it is too late to extend).
pub fn problems(letter: &LetterFacts) -> Vec<String> {
    let mut out = Vec::new();
    let reference = &letter.reference;
    if letter.written_on < letter.received {
        out.push(format!(
            "{reference}: the letter is dated before the request was received"
        ));
    }
    match &letter.kind {
        LetterKind::Acknowledgement { deadline } if *deadline < letter.received => {
            out.push(format!(
                "{reference}: the deadline is before the request was received"
            ));
        }
        LetterKind::Extension {
            original_deadline,
            new_deadline,
            months,
            reason,
        } => {
            if !(1..=2).contains(months) {
                out.push(format!(
                    "{reference}: an extension is by one or two months (Art. 12(3)), not {months}"
                ));
            }
            if new_deadline <= original_deadline {
                out.push(format!(
                    "{reference}: the new deadline is not after the original one"
                ));
            }
            if letter.written_on > *original_deadline {
                out.push(format!(
                    "{reference}: an extension must reach the person within the first month (Art. 12(3)); the original deadline has passed"
                ));
            }
            if reason.trim().is_empty() {
                out.push(format!(
                    "{reference}: an extension states its reason (Art. 12(3))"
                ));
            }
        }
        LetterKind::Completed {
            done_on,
            purge_after,
        } => {
            if *done_on < letter.received {
                out.push(format!(
                    "{reference}: it was done before the request was received"
                ));
            }
            if purge_after.is_some() && letter.request_type != RequestType::Erasure {
                out.push(format!(
                    "{reference}: a purge date is for an erasure; this is a request of type {}",
                    letter.request_type
                ));
            }
        }
        LetterKind::NothingHeld { searched_on } if *searched_on < letter.received => {
            out.push(format!(
                "{reference}: the search ran before the request was received"
            ));
        }
        _ => {}
    }
    out
}

/// The letter's sentences.
fn compose(f: &LetterFacts, words: &LetterWords) -> Letter {
    let w = &words.letter;
    let day = |d: Date| words.day(d);
    let plain = |text: String| Paragraph {
        text,
        reason: false,
    };
    let request = match f.request_type {
        RequestType::Access => &w.request_access,
        RequestType::Erasure => &w.request_erasure,
        RequestType::Rectification => &w.request_rectification,
        RequestType::Restriction => &w.request_restriction,
        RequestType::Objection => &w.request_objection,
        RequestType::Unspecified => &w.request_unspecified,
    };
    let received = fill(
        &w.received,
        &[("request", request), ("received", &day(f.received))],
    );
    let (title, body) = match &f.kind {
        LetterKind::Acknowledgement { deadline } => (
            &w.acknowledgement_title,
            vec![plain(format!(
                "{received} {}",
                fill(
                    &w.acknowledgement_deadline,
                    &[("deadline", &day(*deadline))]
                )
            ))],
        ),
        LetterKind::Extension {
            original_deadline,
            new_deadline,
            months,
            reason,
        } => (
            &w.extension_title,
            vec![
                plain(format!(
                    "{received} {}",
                    fill(
                        &w.extension_original,
                        &[("original_deadline", &day(*original_deadline))]
                    )
                )),
                plain(fill(
                    &w.extension_new,
                    &[
                        ("months", &words.months(*months)),
                        ("new_deadline", &day(*new_deadline)),
                    ],
                )),
                Paragraph {
                    text: fill(&w.extension_reason, &[("reason", &sentence(reason))]),
                    reason: true,
                },
            ],
        ),
        LetterKind::Completed {
            done_on,
            purge_after,
        } => {
            let done = match f.request_type {
                RequestType::Access => &w.done_access,
                RequestType::Erasure => &w.done_erasure,
                RequestType::Rectification => &w.done_rectification,
                RequestType::Restriction => &w.done_restriction,
                RequestType::Objection => &w.done_objection,
                RequestType::Unspecified => &w.done_unspecified,
            };
            let mut text = format!("{received} {}", fill(done, &[("date", &day(*done_on))]));
            if let (RequestType::Erasure, Some(purge)) = (f.request_type, purge_after) {
                text.push(' ');
                text.push_str(&fill(&w.done_erasure_purge, &[("date", &day(*purge))]));
            }
            (&w.completed_title, vec![plain(text)])
        }
        LetterKind::NothingHeld { searched_on } => (
            &w.nothing_held_title,
            vec![plain(format!(
                "{received} {}",
                fill(&w.nothing_held, &[("searched_on", &day(*searched_on))])
            ))],
        ),
    };
    let mut body = body;
    body.push(plain(fill(
        &w.quote_reference,
        &[("reference", &f.reference)],
    )));
    Letter {
        title: title.clone(),
        date: fill(&w.date, &[("date", &day(f.written_on))]),
        reference: fill(&w.reference, &[("reference", &f.reference)]),
        body,
    }
}

/// A text as the end of a sentence: trimmed, with a full stop unless it ends with one (or
/// with `!`, `?`).
fn sentence(text: &str) -> String {
    let t = text.trim();
    if t.ends_with(['.', '!', '?']) {
        t.to_string()
    } else {
        format!("{t}.")
    }
}

/// The controller's information a letter ends with: (label, text), the DPO only when there
/// is one.
fn footer(c: &ControllerInfo, words: &LetterWords) -> Vec<(String, String)> {
    let t = &words.template;
    let mut out = vec![(t.info_contact.clone(), c.contact.clone())];
    if let Some(dpo) = &c.dpo {
        out.push((t.info_dpo.clone(), dpo.clone()));
    }
    out.push((t.info_complaint.clone(), c.complaint.clone()));
    out
}

/// The letter as a page.
fn html_form(l: &Letter, c: &ControllerInfo, words: &LetterWords) -> String {
    let w = &words.letter;
    let body = html! {
        header {
            div.from id="from" { (paragraphs(&c.controller)) }
            div.meta {
                p id="date" { (l.date) }
                p id="reference" { (l.reference) }
            }
        }
        main {
            h1 { (l.title) }
            p { (w.greeting) }
            @for p in &l.body {
                @if p.reason {
                    p.reason id="reason" { (p.text) }
                } @else {
                    p { (p.text) }
                }
            }
            p.sign { (w.closing) br; (w.signature) }
        }
        footer {
            dl {
                @for (label, text) in footer(c, words) {
                    dt { (label) }
                    dd { (paragraphs(&text)) }
                }
            }
        }
    };
    page(words.language.code(), &l.title, STYLE, body)
}

/// The controller's text as paragraphs: a blank line starts a new one, a line break stays.
fn paragraphs(text: &str) -> Markup {
    html! {
        @for para in text.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
            p {
                @for (i, line) in para.lines().enumerate() {
                    @if i > 0 { br; }
                    (line)
                }
            }
        }
    }
}

/// The letter as text.
fn text_form(l: &Letter, c: &ControllerInfo, words: &LetterWords) -> String {
    let w = &words.letter;
    let mut parts = vec![
        wrap(c.controller.trim(), WIDTH),
        format!("{}\n{}", l.date, l.reference),
        format!("{}\n{}", l.title, "=".repeat(l.title.chars().count())),
        w.greeting.clone(),
    ];
    parts.extend(l.body.iter().map(|p| wrap(&p.text, WIDTH)));
    parts.push(format!("{}\n{}", w.closing, w.signature));
    let footer = footer(c, words)
        .into_iter()
        .map(|(label, text)| format!("{label}:\n{}", wrap(text.trim(), WIDTH)))
        .collect::<Vec<_>>()
        .join("\n\n");
    parts.push(format!("--\n{footer}"));
    parts.join("\n\n") + "\n"
}

#[cfg(test)]
mod tests;
