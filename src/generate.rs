//! `--generate KIND` (hidden): the man page and shell completions, written to standard output
//! from the same clap definitions that parse the command line, so they never drift from it.
//! `scripts/release` runs the shipped binary with it to fill the release folder.

use std::io::Write;
use std::process::ExitCode;

use clap::{CommandFactory, ValueEnum};

use crate::args::Args;

/// What `--generate` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Kind {
    /// The man page, roff (`man ./gdpr_forget_me.1`).
    Man,
    /// The man page of the `requests` commands (`man ./gdpr_forget_me-requests.1`): they are
    /// parsed apart from the main command line, so they have a page of their own.
    ManRequests,
    /// bash completion script.
    CompleteBash,
    /// zsh completion script (a `_gdpr_forget_me` function for a directory on `$fpath`).
    CompleteZsh,
}

pub fn print(kind: Kind) -> ExitCode {
    let mut out = Vec::new();
    let mut cmd = Args::command();
    let name = cmd.get_name().to_string();
    let written = match kind {
        Kind::Man => clap_mangen::Man::new(cmd).render(&mut out),
        Kind::ManRequests => {
            let requests = crate::requests::RequestsArgs::command().name("gdpr_forget_me-requests");
            clap_mangen::Man::new(requests).render(&mut out)
        }
        Kind::CompleteBash => {
            clap_complete::generate(clap_complete::Shell::Bash, &mut cmd, name, &mut out);
            Ok(())
        }
        Kind::CompleteZsh => {
            clap_complete::generate(clap_complete::Shell::Zsh, &mut cmd, name, &mut out);
            Ok(())
        }
    };
    match written.and_then(|()| std::io::stdout().lock().write_all(&out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the generated file: {e}");
            ExitCode::from(1)
        }
    }
}
