//! The request ledger on the command line: `gdpr_forget_me requests
//! add|extend|close|list|due|show|recheck-due|letter|report`, and what a run given `--case` records in the
//! ledger.
//!
//! The `requests` word is recognized only as the first argument ([`is_requests_command`]), so
//! every command line of the original tool (all flags) parses exactly as before. The ledger
//! itself is `crates/request-ledger`, and what each command does is
//! `forgetme_engine::ledger_commands` (`recheck-due`: `forgetme_engine::recheck_due`); this
//! module is the command line's side: the clap definitions (the man page is generated from
//! them), where the file is, the choices turned into the ledger's values, and printing.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use forgetme_engine::ledger::{
    case_of_run, kind_of_run, ledger_path, open_for_request, LedgerPlace, RunLedger,
};
use forgetme_engine::ledger_commands as commands;
use forgetme_engine::Failure;
use forgetme_officer_pages::from_ledger::LetterAsked;
use forgetme_request_ledger::{
    check_request_id, parse_date, today_utc, CloseAs, Date, RequestType, State,
};

use crate::args::Args;
use crate::input::Inputs;

/// Whether the command line is a `requests` command: the word as the first argument, and
/// only there (`--search requests` or `--case requests` stay ordinary runs).
pub fn is_requests_command(raw: &[OsString]) -> bool {
    raw.get(1).is_some_and(|a| a == "requests")
}

/// The request ledger: requests received, their type and deadline, what the runs did for
/// them, and where each stands (received, in-progress, answered, closed, withdrawn,
/// rejected).
///
/// Runs given --case ID record their search, export, erasure and re-check here; these
/// commands add requests, extend deadlines, close requests, show them and run the re-checks
/// that are due. The ledger holds no e-mail address or phone number: subjects appear as the
/// audit log's HMAC subject refs.
#[derive(Debug, Parser)]
#[command(
    name = "gdpr_forget_me requests",
    bin_name = "gdpr_forget_me requests",
    max_term_width = 100,
    after_help = "Exit codes: 0 done; 2 bad input or a ledger that cannot be used (nothing changed); 1 the ledger could not be read or written (due: something is due; recheck-due: a re-check found data back or could not read a location); 4 (recheck-due) Cassandra could not be reached."
)]
pub struct RequestsArgs {
    /// The ledger file (SQLite). Default: gdpr_forget_me.requests.sqlite beside the audit log.
    #[arg(
        long = "ledger",
        value_name = "FILE",
        env = "GDPR_FORGET_ME_LEDGER",
        global = true
    )]
    pub ledger: Option<PathBuf>,

    /// The audit log whose folder holds the ledger when --ledger is not given.
    #[arg(
        long = "audit-log",
        value_name = "FILE",
        env = "GDPR_FORGET_ME_AUDIT_LOG",
        default_value = "gdpr_forget_me.audit.jsonl",
        global = true
    )]
    pub audit_log: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Record a request: its id (the ticket reference runs get as --case), the date it was
    /// received and what the person asked for; the deadline is one month later (GDPR Art.
    /// 12(3)). Also gives a request a run added its real received date, and a request of no
    /// known type its type; a recorded type is never changed.
    Add {
        /// The request id: 1 to 64 letters, digits and - _ . : / #.
        #[arg(value_name = "ID", value_parser = parse_id)]
        id: String,
        /// The day the request was received, YYYY-MM-DD.
        #[arg(long = "received", value_name = "YYYY-MM-DD", value_parser = parse_date_arg)]
        received: Date,
        /// What the person asked for: it decides what answers the request (an erasure: a
        /// verified erasure; access: an access export; rectification, restriction, objection:
        /// closing it as done).
        #[arg(long = "type", value_name = "TYPE", value_enum, required = true)]
        kind: TypeArg,
    },
    /// Extend a request's deadline by one or two further months (at most two in all), with the
    /// reason to tell the person; only within the first month after receipt.
    Extend {
        /// The request id.
        #[arg(value_name = "ID", value_parser = parse_id)]
        id: String,
        /// Months to add: 1 or 2.
        #[arg(long = "months", value_name = "N",
              value_parser = clap::value_parser!(u32).range(1..=2))]
        months: u32,
        /// Why (its complexity, the number of requests). No e-mail address or phone number.
        #[arg(long = "reason", value_name = "TEXT")]
        reason: String,
    },
    /// Close a request: done (answered: an erasure needs its verified erasure and a clean
    /// re-check when one is due, an access request its access export; a rectification,
    /// restriction or objection is answered by this closing), withdrawn by the person, or
    /// rejected. Once only; nothing is done for a closed request any more.
    Close {
        /// The request id.
        #[arg(value_name = "ID", value_parser = parse_id)]
        id: String,
        /// Why, or what was done (e.g. "processing restricted in the CRM"). No e-mail address
        /// or phone number.
        #[arg(long = "reason", value_name = "TEXT")]
        reason: String,
        /// How the request ends.
        #[arg(long = "as", value_name = "HOW", value_enum, default_value = "done")]
        how: CloseArg,
    },
    /// List every request, overdue ones first, then by deadline.
    List {
        /// Only the requests in this state.
        #[arg(long = "state", value_name = "STATE", value_enum)]
        state: Option<StateArg>,
        /// Only the requests of this type.
        #[arg(long = "type", value_name = "TYPE", value_enum)]
        kind: Option<ListTypeArg>,
        /// Output format.
        #[arg(long = "format", value_enum, default_value = "text")]
        format: LedgerFormat,
    },
    /// What falls due within the next days: deadlines (overdue first), the end of the first
    /// month (tell the person of an extension by then), receipt re-checks, purge checks. Exit
    /// 0 when nothing is due, 1 when something is (for a cron job).
    Due {
        /// How many days ahead to look.
        #[arg(long = "within", value_name = "DAYS", default_value_t = 7)]
        within: u32,
        /// Output format.
        #[arg(long = "format", value_enum, default_value = "text")]
        format: LedgerFormat,
    },
    /// One request and its whole history.
    Show {
        /// The request id.
        #[arg(value_name = "ID", value_parser = parse_id)]
        id: String,
        /// Output format.
        #[arg(long = "format", value_enum, default_value = "text")]
        format: LedgerFormat,
    },
    /// Run every receipt re-check that `requests due` lists as due today or overdue (the
    /// same checks as --recheck-receipt FILE), record each in the ledger, and print one line
    /// per re-check. Exit 0 when all are clean, 1 when one found data back or could not read
    /// a location, 2 for bad input (nothing read), 4 when Cassandra cannot be reached.
    #[command(name = "recheck-due")]
    RecheckDue {
        /// The options of a search that the re-checks need: the subjects' identifiers
        /// (--search-file FILE or --search ID..., --default-region; the ledger holds only
        /// their HMACs, and each receipt is re-checked with the ones that are its subjects),
        /// the connection (--cass_hostname, --cass_port, TLS and login options, --local-dc),
        /// --audit-key, --verify-consistency, --scan-copies, --format json.
        #[arg(
            value_name = "SEARCH_OPTIONS",
            trailing_var_arg = true,
            allow_hyphen_values = true,
            num_args = 0..
        )]
        options: Vec<OsString>,
    },
    /// Write a letter to the person who made the request, from the ledger's facts:
    /// acknowledgement (it arrived, the deadline), extension (Art. 12(3): by how long and
    /// why; due within the first month), completed (what was done, by type) or nothing-held
    /// (a complete search found nothing). A letter the ledger does not back is refused. It
    /// names the reference, never an e-mail address or phone number.
    Letter {
        /// The request id.
        #[arg(value_name = "ID", value_parser = parse_id)]
        id: String,
        /// Which letter.
        #[arg(long = "kind", value_name = "KIND", value_enum)]
        kind: LetterArg,
        /// The controller's template of the subject's copy (name, address, contact, DPO,
        /// supervisory authority, language), filled in: see docs/export-and-receipt.md.
        #[arg(long = "subject-template", value_name = "FILE")]
        template: PathBuf,
        /// Where to write the letter (replaced if it exists).
        #[arg(long = "out", value_name = "FILE")]
        out: PathBuf,
        /// A page to print (html) or the body of an e-mail (text).
        #[arg(long = "format", value_enum, default_value = "html")]
        format: PageFormat,
    },
    /// Write the dashboard: one static HTML page of every request (overdue and due soon,
    /// re-checks due, purge dates, counts by type and state, median days to answer per
    /// month). No script, nothing loaded from elsewhere, no identifier.
    Report {
        /// Where to write the page (replaced if it exists).
        #[arg(long = "html", value_name = "FILE")]
        html: PathBuf,
        /// How many days ahead "due soon" looks.
        #[arg(long = "within", value_name = "DAYS", default_value_t = 14)]
        within: u32,
    },
}

/// `--kind` of `letter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LetterArg {
    /// The request arrived; when it will be answered.
    Acknowledgement,
    /// The deadline is extended, and why (Art. 12(3)).
    Extension,
    /// The request was answered.
    Completed,
    /// A complete search found no data about the person.
    NothingHeld,
}

impl LetterArg {
    fn asked(self) -> LetterAsked {
        match self {
            LetterArg::Acknowledgement => LetterAsked::Acknowledgement,
            LetterArg::Extension => LetterAsked::Extension,
            LetterArg::Completed => LetterAsked::Completed,
            LetterArg::NothingHeld => LetterAsked::NothingHeld,
        }
    }
}

/// `--format` of `letter`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum PageFormat {
    /// A standalone page (print it, or save it as PDF).
    Html,
    /// Plain text, wrapped at 72 columns.
    Text,
}

/// `--type` of `add`: what the person asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum TypeArg {
    /// A copy of their data (Art. 15).
    Access,
    /// Erase their data (Art. 17).
    Erasure,
    /// Correct their data (Art. 16).
    Rectification,
    /// Restrict the processing (Art. 18).
    Restriction,
    /// Stop processing (Art. 21).
    Objection,
}

/// `--type` of `list`: a type, or the requests of no known type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ListTypeArg {
    /// Access (Art. 15).
    Access,
    /// Erasure (Art. 17).
    Erasure,
    /// Rectification (Art. 16).
    Rectification,
    /// Restriction (Art. 18).
    Restriction,
    /// Objection (Art. 21).
    Objection,
    /// No type recorded yet.
    Unspecified,
}

/// `--state` of `list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StateArg {
    /// Recorded, no run yet.
    Received,
    /// A run did something, not answered yet.
    InProgress,
    /// Answered, not closed.
    Answered,
    /// Closed as done.
    Closed,
    /// Closed: withdrawn by the person.
    Withdrawn,
    /// Closed: rejected.
    Rejected,
}

/// `--as` of `close`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum CloseArg {
    /// Answered; nothing more to do.
    Done,
    /// The person withdrew the request.
    Withdrawn,
    /// Refused, and the person told why (Art. 12(4)).
    Rejected,
}

/// Output formats of `list` and `show`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LedgerFormat {
    /// A table (list) or a page (show).
    Text,
    /// One JSON document.
    Json,
}

fn parse_id(text: &str) -> Result<String, String> {
    check_request_id(text).map(|_| text.to_string())
}

fn parse_date_arg(text: &str) -> Result<Date, String> {
    parse_date(text).ok_or_else(|| {
        "expected a date as YYYY-MM-DD, e.g. 2026-11-29 (a real calendar day)".to_string()
    })
}

/// `gdpr_forget_me requests ...`: parses (the word `requests` stands for the program name),
/// runs the command and reports like every run (exit 2 for bad input, nothing changed).
pub fn main(raw: &[OsString]) -> ExitCode {
    let json = forgetme_engine::failure::wants_json(raw);
    let parsed = RequestsArgs::command()
        .try_get_matches_from(&raw[1..])
        .and_then(|m| RequestsArgs::from_arg_matches(&m).map(|a| (a, m)))
        .map_err(explain_missing_type);
    let (args, matches) = crate::parse_or_exit_with(raw, parsed);
    if let Command::RecheckDue { options } = &args.command {
        let sub = matches
            .subcommand_matches("recheck-due")
            .expect("the command parsed");
        return crate::recheck_due::main(forwarded_options(&args, sub, options));
    }
    match run(&args, today_utc()) {
        Ok(code) => code,
        Err(f) => f.report(json),
    }
}

/// One command, on the ledger the options name: what it prints, and its exit code (`due`: 1
/// when something is due, for a cron job).
fn run(args: &RequestsArgs, today: Date) -> Result<ExitCode, Failure> {
    let path = ledger_path(args.ledger.as_deref(), &args.audit_log);
    let out = match &args.command {
        Command::Add { id, received, kind } => {
            commands::add(&path, id, *received, lib(*kind, RequestType::parse), today)?
        }
        Command::Extend { id, months, reason } => {
            commands::extend(&path, id, *months, reason, today)?
        }
        Command::Close { id, reason, how } => {
            commands::close(&path, id, reason, lib(*how, CloseAs::parse), today)?
        }
        Command::List {
            state,
            kind,
            format,
        } => {
            let state = state.map(|s| lib(s, State::parse));
            let kind = kind.map(|k| lib(k, RequestType::parse));
            commands::list(&path, state, kind, *format == LedgerFormat::Json, today)?
        }
        Command::Due { within, format } => {
            let (out, due) = commands::due(&path, *within, *format == LedgerFormat::Json, today)?;
            print!("{out}");
            return Ok(ExitCode::from(u8::from(due)));
        }
        Command::Show { id, format } => {
            commands::show(&path, id, *format == LedgerFormat::Json, today)?
        }
        Command::Letter {
            id,
            kind,
            template,
            out,
            format,
        } => {
            let text = *format == PageFormat::Text;
            commands::write_letter(&path, id, kind.asked(), template, out, text, today)?;
            String::new()
        }
        Command::Report { html, within } => {
            commands::write_report(&path, html, *within, today)?;
            String::new()
        }
        Command::RecheckDue { .. } => unreachable!("answered by recheck_due::main()"),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

/// The library's value of a clap choice that mirrors it: the same names, so one conversion
/// serves every mirror (the mirrors stay for their help texts, written for the command line).
fn lib<A: ValueEnum, T>(arg: A, parse: fn(&str) -> Option<T>) -> T {
    let value = arg.to_possible_value().expect("no choice is skipped");
    parse(value.get_name()).expect("a mirror's names are the library's")
}

/// clap says only that `--type` is missing; the officer needs the choices and what each
/// means, so `add` without it says them.
fn explain_missing_type(e: clap::Error) -> clap::Error {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if e.kind() != ErrorKind::MissingRequiredArgument {
        return e;
    }
    let missing: Vec<String> = match e.get(ContextKind::InvalidArg) {
        Some(ContextValue::Strings(list)) => list.clone(),
        Some(ContextValue::String(one)) => vec![one.clone()],
        _ => return e,
    };
    if !missing.iter().any(|m| m.starts_with("--type")) {
        return e;
    }
    let mut cmd = RequestsArgs::command();
    cmd.build();
    let add = cmd.find_subcommand_mut("add").expect("the add command");
    add.error(
        ErrorKind::MissingRequiredArgument,
        format!(
            "requests add needs {}. --type says what the person asked for, one of {}: it decides what answers the request. E.g. requests add DSR-2026-0042 --received 2026-11-02 --type erasure",
            missing.join(" and "),
            RequestType::choices_text()
        ),
    )
}

/// The command line `recheck-due` hands to the search's parser: `--ledger` and
/// `--audit-log` given to `requests` itself (before the word `recheck-due`, or before its
/// first search option), then the search options. Taken from the environment or left to their
/// defaults, they are left out: the search's parser reads the same variables and defaults.
fn forwarded_options(
    args: &RequestsArgs,
    sub: &clap::ArgMatches,
    options: &[OsString],
) -> Vec<OsString> {
    let mut out: Vec<OsString> = vec!["gdpr_forget_me requests recheck-due".into()];
    let given = |id: &str| sub.value_source(id) == Some(ValueSource::CommandLine);
    if given("ledger") {
        if let Some(l) = &args.ledger {
            out.extend(["--ledger".into(), l.clone().into_os_string()]);
        }
    }
    if given("audit_log") {
        out.extend([
            "--audit-log".into(),
            args.audit_log.clone().into_os_string(),
        ]);
    }
    out.extend(options.iter().cloned());
    out
}

/// Where the command line puts the ledger and the audit key.
pub fn ledger_place(args: &Args) -> LedgerPlace {
    LedgerPlace {
        ledger: args.ledger.clone(),
        audit_log: args.audit_log.clone(),
        audit_key: args.audit_key.clone(),
        key_must_exist: args.recheck_receipt.is_some(),
    }
}

/// With `--case` (or a re-checked receipt that names its case), the run's request opened in
/// the ledger before anything is read (`forgetme_engine::ledger::open_for_request`); the
/// receipt's audit log, `receipt_log`, is where a re-check's ledger is when no `--ledger`
/// pins it.
pub fn open_for_run(
    args: &Args,
    inputs: &Inputs,
    receipt_case: Option<&str>,
    receipt_log: Option<&Path>,
) -> Result<Option<RunLedger>, Failure> {
    let Some(id) = case_of_run(inputs.case.as_deref(), receipt_case)? else {
        return Ok(None);
    };
    let kind = kind_of_run(
        args.cleanup,
        args.export.is_some(),
        args.recheck_receipt.is_some(),
    );
    let outputs = [
        ("--export", &args.export),
        ("--receipt", &args.receipt),
        ("--recheck-receipt", &args.recheck_receipt),
    ];
    let (identifiers, region) = (&inputs.identifiers, inputs.region);
    open_for_request(
        &ledger_place(args),
        id,
        kind,
        identifiers,
        region,
        &outputs,
        receipt_log,
    )
    .map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<OsString> {
        args.iter().map(Into::into).collect()
    }

    /// The original's command lines, and ones with the word `requests` as a value, are not
    /// `requests` commands and parse into the same arguments as without the ledger.
    #[test]
    fn ordinary_command_lines_are_not_requests_commands_and_parse_as_before() {
        let search = [
            "gdpr_forget_me",
            "--cass_keyspace",
            "sipfs",
            "--cass_hostname",
            "localhost",
            "--cass_port",
            "9042",
            "--search",
            "requests",
            "--group_name",
            "interaction-workspace-personal-favorites",
            "--cleanup",
            "false",
            "--case",
            "requests",
        ];
        assert!(!is_requests_command(&os(&search)));
        let a = Args::try_parse_from(search).unwrap();
        assert_eq!(a.cass_keyspace, "sipfs");
        assert_eq!(a.cass_hostname, "localhost");
        assert_eq!(a.cass_port, 9042);
        assert_eq!(a.search, vec!["requests"]);
        assert_eq!(
            a.group_name.as_deref(),
            Some("interaction-workspace-personal-favorites")
        );
        assert!(!a.cleanup);
        assert_eq!(a.case.as_deref(), Some("requests"));
        assert_eq!(a.ledger, None);
        // Every field but the new --ledger is what the same line gave before it existed:
        // compared through Debug, with the ledger field the only difference allowed.
        let shown = format!("{a:?}");
        assert!(shown.contains("ledger: None"), "{shown}");

        // A bare `requests` anywhere but first is still an unknown positional: refused as
        // before, never taken for the command.
        let err = Args::try_parse_from(["gdpr_forget_me", "--search", "a@b.com", "requests"])
            .unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert!(!is_requests_command(&os(&[
            "gdpr_forget_me",
            "--search",
            "a@b.com",
            "requests"
        ])));
        assert!(is_requests_command(&os(&[
            "gdpr_forget_me",
            "requests",
            "list"
        ])));
        assert!(!is_requests_command(&os(&["gdpr_forget_me"])));
    }

    #[test]
    fn requests_commands_parse_and_refuse_bad_input_with_exit_2() {
        let parse = |v: &[&str]| RequestsArgs::try_parse_from(v.iter().copied());
        let a = parse(&[
            "requests",
            "add",
            "DSR-1",
            "--received",
            "2026-11-02",
            "--type",
            "erasure",
        ])
        .unwrap();
        assert!(
            matches!(a.command, Command::Add { ref id, kind: TypeArg::Erasure, .. } if id == "DSR-1")
        );
        let a = parse(&[
            "requests",
            "list",
            "--format",
            "json",
            "--ledger",
            "/x/l.sqlite",
        ])
        .unwrap();
        assert_eq!(a.ledger.as_deref(), Some(Path::new("/x/l.sqlite")));
        for (bad, hint) in [
            (
                &[
                    "requests",
                    "add",
                    "DSR 1",
                    "--received",
                    "2026-11-02",
                    "--type",
                    "access",
                ][..],
                "ticket reference",
            ),
            (
                &[
                    "requests",
                    "add",
                    "DSR-1",
                    "--received",
                    "02.11.2026",
                    "--type",
                    "access",
                ][..],
                "YYYY-MM-DD",
            ),
            (
                &[
                    "requests",
                    "add",
                    "DSR-1",
                    "--received",
                    "2026-11-02",
                    "--type",
                    "unspecified",
                ][..],
                "rectification",
            ),
            (
                &[
                    "requests", "close", "DSR-1", "--reason", "x", "--as", "maybe",
                ][..],
                "withdrawn",
            ),
            (&["requests", "close", "DSR-1"][..], "--reason"),
            (&["requests", "list", "--state", "open"][..], "in-progress"),
            (&["requests", "add", "DSR-1"][..], "--received"),
            (
                &[
                    "requests",
                    "add",
                    "ann.lee@customer.test",
                    "--received",
                    "2026-11-02",
                ][..],
                "never use it as the case or request id",
            ),
            (
                &[
                    "requests", "extend", "DSR-1", "--months", "3", "--reason", "x",
                ][..],
                "1..=2",
            ),
            (&["requests", "frobnicate"][..], "frobnicate"),
        ] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.exit_code(), 2, "{bad:?}");
            assert!(err.to_string().contains(hint), "{bad:?}: {err}");
        }
    }

    /// `add` without `--type` says the choices, what the type decides and an example; other
    /// missing arguments keep clap's message.
    #[test]
    fn add_without_a_type_says_the_choices() {
        let parse = |v: &[&str]| RequestsArgs::try_parse_from(v.iter().copied());
        let err = explain_missing_type(
            parse(&["requests", "add", "DSR-1", "--received", "2026-11-02"]).unwrap_err(),
        );
        assert_eq!(err.exit_code(), 2);
        let text = err.to_string();
        for want in [
            "requests add needs --type",
            "access (Art. 15)",
            "erasure (Art. 17)",
            "objection (Art. 21)",
            "--type erasure",
        ] {
            assert!(text.contains(want), "{want}: {text}");
        }
        let err = explain_missing_type(parse(&["requests", "add", "DSR-1"]).unwrap_err());
        let text = err.to_string();
        assert!(
            text.contains("--received") && text.contains("--type"),
            "{text}"
        );
        let err = explain_missing_type(
            parse(&["requests", "extend", "DSR-1", "--months", "1"]).unwrap_err(),
        );
        assert!(!err.to_string().contains("Art. 15"), "{err}");
    }

    /// Every choice of the mirrors converts to the library's value of the same name: a
    /// variant added on one side only fails here, not in an officer's command.
    #[test]
    fn every_mirrored_choice_is_the_librarys() {
        for a in TypeArg::value_variants() {
            let t = lib(*a, RequestType::parse);
            assert!(RequestType::CHOICES.contains(&t), "{a:?}");
        }
        for a in ListTypeArg::value_variants() {
            lib(*a, RequestType::parse);
        }
        assert_eq!(
            lib(ListTypeArg::Unspecified, RequestType::parse),
            RequestType::Unspecified
        );
        let states: Vec<State> = StateArg::value_variants()
            .iter()
            .map(|a| lib(*a, State::parse))
            .collect();
        assert_eq!(states, State::ALL);
        assert_eq!(lib(StateArg::InProgress, State::parse), State::InProgress);
        for (a, want) in [
            (CloseArg::Done, CloseAs::Done),
            (CloseArg::Withdrawn, CloseAs::Withdrawn),
            (CloseArg::Rejected, CloseAs::Rejected),
        ] {
            assert_eq!(lib(a, CloseAs::parse), want);
        }
    }

    #[test]
    fn close_list_filters_and_recheck_due_parse() {
        let parse = |v: &[&str]| RequestsArgs::try_parse_from(v.iter().copied()).unwrap();
        let a = parse(&["requests", "close", "DSR-1", "--reason", "sent"]);
        assert!(matches!(
            a.command,
            Command::Close {
                how: CloseArg::Done,
                ..
            }
        ));
        let a = parse(&[
            "requests",
            "close",
            "DSR-1",
            "--reason",
            "gone",
            "--as",
            "withdrawn",
        ]);
        assert!(matches!(
            a.command,
            Command::Close {
                how: CloseArg::Withdrawn,
                ..
            }
        ));
        let a = parse(&[
            "requests",
            "list",
            "--state",
            "in-progress",
            "--type",
            "unspecified",
        ]);
        assert!(matches!(
            a.command,
            Command::List {
                state: Some(StateArg::InProgress),
                kind: Some(ListTypeArg::Unspecified),
                ..
            }
        ));

        // recheck-due hands the search's options on, with --ledger and --audit-log given to
        // `requests` before them; their defaults are left to the search's parser.
        let forwarded = |v: &[&str]| {
            let m = RequestsArgs::command()
                .try_get_matches_from(v.iter().copied())
                .unwrap();
            let a = RequestsArgs::from_arg_matches(&m).unwrap();
            let Command::RecheckDue { options } = &a.command else {
                panic!("not recheck-due")
            };
            let sub = m.subcommand_matches("recheck-due").unwrap();
            forwarded_options(&a, sub, options)
                .into_iter()
                .map(|o| o.into_string().unwrap())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            forwarded(&[
                "requests",
                "--ledger",
                "/x/l.sqlite",
                "recheck-due",
                "--cass_hostname",
                "cass1",
                "--search-file",
                "subjects.txt",
                "--format",
                "json",
            ]),
            [
                "gdpr_forget_me requests recheck-due",
                "--ledger",
                "/x/l.sqlite",
                "--cass_hostname",
                "cass1",
                "--search-file",
                "subjects.txt",
                "--format",
                "json"
            ]
        );
        let got = forwarded(&[
            "requests",
            "recheck-due",
            "--audit-log",
            "/srv/a.jsonl",
            "--search",
            "x",
        ]);
        assert_eq!(got[1..], ["--audit-log", "/srv/a.jsonl", "--search", "x"]);
        assert_eq!(forwarded(&["requests", "recheck-due"]).len(), 1);
        let args = Args::try_parse_from(forwarded(&[
            "requests",
            "recheck-due",
            "--cass_port",
            "9043",
            "--search",
            "x",
        ]))
        .unwrap();
        assert_eq!(args.cass_port, 9043);
    }
}
