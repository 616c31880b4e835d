//! `gdpr_forget_me`: the command-line tool. Thin by design: it parses arguments, checks them
//! ([`input`], running the checks the library's types own), reads passwords ([`secrets`]),
//! turns arguments into the library's values, and runs one short function per mode
//! ([`modes`]: a search, single or batch; [`receipt`]: a re-check; the `requests`,
//! `verify-receipt`, `signing-key`, `disk-check` and `layout discover` commands). Connecting
//! is `forgetme_engine::connect`'s ([`connections`] passes it the passwords), a request is
//! answered by the request engine (`forgetme_engine`), and printed by `forgetme_printer`.
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
mod ledger_pages;
mod logging;
mod modes;
mod places;
mod progress;
mod prompt;
mod receipt;
mod recheck_due;
mod requests;
mod secrets;
mod verify_log;
mod verify_receipt;

use std::process::ExitCode;

use clap::Parser as _;
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
    let args = match Args::try_parse_from(&raw) {
        Ok(args) => args,
        Err(e) => {
            // --help and --version are not errors; a script asking for JSON gets its one
            // document on stdout for a bad command line too.
            if e.use_stderr() && failure::wants_json(&raw) {
                let text = e.render().to_string();
                let first = text.lines().next().unwrap_or("invalid arguments");
                failure::print_json_error("bad_input", 2, first.trim_start_matches("error: "));
            }
            e.exit();
        }
    };
    let json_errors = args.format == Format::Json;
    if let Some(kind) = args.generate {
        return generate::print(kind);
    }
    logging::init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(args)) {
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
