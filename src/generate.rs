//! `--generate KIND` (hidden): the man page and shell completions, written to standard output
//! from the same clap definitions that parse the command line, so they never drift from it.
//! `scripts/release` runs the shipped binary with it to fill the release folder.

use std::io::Write;
use std::process::ExitCode;

use clap::CommandFactory;

use crate::args::{Args, GenerateKind as Kind};

/// Writes the page or script of `kind` on standard output.
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
