//! `gdpr_forget_me`: the command-line tool. Thin by design: it parses arguments, checks them
//! ([`input`], running the checks the library's types own), reads passwords ([`secrets`]),
//! turns arguments into the library's values, and runs one short function per mode
//! ([`modes`]: a search, single or batch; [`receipt`]: a re-check; the `requests`,
//! `verify-receipt`, `signing-key`, `disk-check` and `layout discover` commands). Connecting
//! is `forgetme_engine::connect`'s ([`connections`] passes it the passwords), a request is
//! answered by the request engine (`forgetme_engine`), and printed by `forgetme_printer`; the
//! `requests` commands ([`requests`], [`recheck_due`]) are clap definitions and dispatch, their
//! work `forgetme_engine::ledger_commands` and `forgetme_engine::recheck_due`.
//!
//! Exit codes (see `forgetme_engine::failure`): 0 the run completed; 1 the scan was incomplete or something
//! failed; 2 bad input, refused before anything was read or changed; 3 the operator declined
//! the erasure at the prompt, so nothing was erased (the report is printed all the same); 4
//! Cassandra could not be reached, so nothing was read.

// No print may panic: std's print macros do when the stream is closed (`... | head -1`, or
// `2>&1 | head`), and a panic after an erasure would skip the audit log's run_end, the
// receipt and the ledger. Every print in this crate goes through these instead, which drop
// what cannot be written; the report itself is written with its error checked
// (`print_report`). Defined before the modules so that they all use them.
macro_rules! println {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}
macro_rules! print {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), $($arg)*);
    }};
}
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
macro_rules! eprint {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

mod args;
mod connections;
mod disk_check_cmd;
mod generate;
mod input;
mod layout_cmd;
mod logging;
mod modes;
mod places;
mod prompt;
mod receipt;
mod recheck_due;
mod requests;
mod secrets;
mod verify_log;
mod verify_receipt;

use std::process::ExitCode;

use forgetme_engine::failure;

use crate::args::{Args, Format};

// musl's allocator is slow for this allocation-heavy work; the static build uses mimalloc
// (docs/install.md, "Allocator"). The glibc build keeps glibc's.
#[cfg(target_env = "musl")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let raw: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if requests::is_requests_command(&raw) {
        return requests::main(&raw);
    }
    if verify_receipt::is_command(&raw) {
        return verify_receipt::main(&raw);
    }
    if disk_check_cmd::is_disk_check(&raw) {
        return disk_check_cmd::main(&raw);
    }
    let raw = match layout_cmd::rewrite(raw) {
        Ok(raw) => raw,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    let args = parse_or_exit::<Args>(&raw);
    let json_errors = args.format == Format::Json;
    if let Some(kind) = args.generate {
        return generate::print(kind);
    }
    block_on(run(args), json_errors)
}

/// Parses a command line, or exits as clap does (2 for a bad one, 0 for --help); a script
/// asking for JSON gets its one document on stdout for a bad command line too.
fn parse_or_exit<T: clap::Parser>(raw: &[std::ffi::OsString]) -> T {
    parse_or_exit_with(raw, T::try_parse_from(raw))
}

/// [`parse_or_exit`] with the parse already tried (a command that explains some errors
/// better than clap, or keeps the matches).
fn parse_or_exit_with<T>(raw: &[std::ffi::OsString], parsed: Result<T, clap::Error>) -> T {
    parsed.unwrap_or_else(|e| {
        // --help and --version are not errors.
        if e.use_stderr() && failure::wants_json(raw) {
            let text = e.render().to_string();
            let first = text.lines().next().unwrap_or("invalid arguments");
            failure::print_json_error("bad_input", 2, first.trim_start_matches("error: "));
        }
        e.exit()
    })
}

/// Logging on, then `work` run to its end on a runtime of its own: its exit code, or its
/// failure reported (with `--format json`, as a JSON document too).
fn block_on(
    work: impl std::future::Future<Output = Result<ExitCode, forgetme_engine::Failure>>,
    json_errors: bool,
) -> ExitCode {
    logging::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(work) {
        Ok(code) => code,
        Err(failure) => failure.report(json_errors),
    }
}

async fn run(args: Args) -> Result<ExitCode, forgetme_engine::Failure> {
    if let Some(path) = &args.verify_audit_log {
        return verify_log::verify_audit_log(path, &args.audit_key);
    }
    modes::search(args).await
}
