//! `--generate KIND` (hidden; docs/install.md names it): the man pages and shell completions,
//! written to standard output from the same clap definitions that parse the command lines, so
//! they never drift from them. `scripts/release` runs the shipped binary with it to fill the
//! release folder.
//!
//! The main page's synopsis is written here, not derived: clap lists every flag without its
//! value, while an operator needs the forms of the command (a search, a batch, a re-check and
//! the commands beside the search), each with its values. The completions know every command,
//! `requests`, `verify-receipt`, `signing-key` and `disk-check` included.

use std::io::Write;
use std::process::ExitCode;

use clap::{Command, CommandFactory};

use crate::args::{Args, GenerateKind as Kind};

/// The forms of the command line, for the main page's SYNOPSIS.
const SYNOPSIS: &[&str] = &[
    "--cass_keyspace KS --cass_hostname HOST[,HOST...] --search ID [--search ID...] [--export FILE.json] [options]",
    "--cass_keyspace KS ... --search ID --cleanup true --gws URL --gws_username ADMIN [--case ID] [--receipt FILE.json] [options]",
    "--cass_keyspace KS ... --requests FILE --out DIR [--cleanup true --gws URL --gws_username ADMIN] [options]",
    "--cass_keyspace KS ... --recheck-receipt FILE.json --search ID [--search ID...] [options]",
    "--verify-audit-log FILE [--audit-key FILE]",
    "layout discover --cass_keyspace KS [--sample N] [--out FILE] [connection options]",
    "requests add|extend|close|list|due|show|recheck-due ... (gdpr_forget_me-requests(1))",
    "verify-receipt FILE --public-key KEY...; signing-key public|rotate (gdpr_forget_me-verify-receipt(1))",
    "disk-check --data-dir DIR --cass_keyspace KS --search ID ... (gdpr_forget_me-disk-check(1))",
];

/// The pages shipped beside the main one.
const SEE_ALSO: &str = "gdpr_forget_me-requests(1), gdpr_forget_me-verify-receipt(1), gdpr_forget_me-disk-check(1); docs/usage.md in the release folder's documentation";

/// Writes the page or script of `kind` on standard output.
pub fn print(kind: Kind) -> ExitCode {
    let mut out = Vec::new();
    let written = match kind {
        Kind::Man => main_page(&mut out),
        Kind::ManRequests => page(
            crate::requests::RequestsArgs::command().name("gdpr_forget_me-requests"),
            &mut out,
        ),
        Kind::ManVerifyReceipt => page(
            crate::verify_receipt::command().name("gdpr_forget_me-verify-receipt"),
            &mut out,
        ),
        Kind::ManDiskCheck => page(
            forgetme_disk_check::cli::DiskCheckArgs::command().name("gdpr_forget_me-disk-check"),
            &mut out,
        ),
        Kind::CompleteBash => complete(clap_complete::Shell::Bash, &mut out),
        Kind::CompleteZsh => complete(clap_complete::Shell::Zsh, &mut out),
    };
    match written.and_then(|()| std::io::stdout().lock().write_all(&out)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the generated file: {e}");
            ExitCode::from(1)
        }
    }
}

fn page(cmd: Command, out: &mut Vec<u8>) -> std::io::Result<()> {
    clap_mangen::Man::new(cmd).render(out)
}

/// The main page: clap's sections, with the synopsis of the command's forms and a SEE ALSO
/// naming the pages that ship beside it.
fn main_page(out: &mut Vec<u8>) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(Args::command());
    man.render_title(out)?;
    man.render_name_section(out)?;
    writeln!(out, ".SH SYNOPSIS")?;
    for form in SYNOPSIS {
        writeln!(out, "\\fBgdpr_forget_me\\fR {}", roff_text(form))?;
        writeln!(out, ".br")?;
    }
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    man.render_extra_section(out)?;
    man.render_version_section(out)?;
    writeln!(out, ".SH \"SEE ALSO\"")?;
    writeln!(out, "{}", roff_text(SEE_ALSO))
}

/// Text for a roff line: backslashes and hyphens escaped, no line starting with a dot.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    match escaped.strip_prefix('.') {
        Some(rest) => format!("\\&.{rest}"),
        None => escaped,
    }
}

/// Completions for every command: the search's flags, and the commands parsed apart from it
/// as sub-commands.
fn complete(shell: clap_complete::Shell, out: &mut Vec<u8>) -> std::io::Result<()> {
    let mut cmd = full_command();
    let name = cmd.get_name().to_string();
    clap_complete::generate(shell, &mut cmd, name, out);
    Ok(())
}

/// The main command with every command beside the search as a sub-command: what a shell
/// completes. (The binary itself dispatches those before parsing the search's flags.)
fn full_command() -> Command {
    let mut cmd = Args::command().args_conflicts_with_subcommands(true);
    cmd = cmd.subcommand(crate::requests::RequestsArgs::command().name("requests"));
    for sub in crate::verify_receipt::command().get_subcommands() {
        cmd = cmd.subcommand(sub.clone());
    }
    cmd.subcommand(forgetme_disk_check::cli::DiskCheckArgs::command().name("disk-check"))
        .subcommand(
            Command::new("layout")
                .about("Draft a layout file for a real install's keyspace")
                .subcommand(Command::new("discover").about(
                    "Read the keyspace's schema and a bounded sample; write the draft (--out FILE) and the coverage table",
                )),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_main_page_has_the_forms_with_values_and_names_only_shipped_pages() {
        let mut out = Vec::new();
        main_page(&mut out).unwrap();
        let page = String::from_utf8(out).unwrap();
        assert!(page.contains("\\-\\-requests FILE \\-\\-out DIR"), "{page}");
        assert!(page.contains("\\-\\-recheck\\-receipt FILE.json"));
        for shipped in ["requests", "verify\\-receipt", "disk\\-check"] {
            assert!(
                page.contains(&format!("gdpr_forget_me\\-{shipped}(1)")),
                "{shipped}"
            );
        }
        // Only the pages scripts/release writes are named.
        let release = include_str!("../scripts/release");
        for kind in ["man-requests", "man-verify-receipt", "man-disk-check"] {
            assert!(release.contains(&format!("--generate {kind}")), "{kind}");
        }
    }

    #[test]
    fn completions_cover_every_command() {
        let mut out = Vec::new();
        complete(clap_complete::Shell::Bash, &mut out).unwrap();
        let script = String::from_utf8(out).unwrap();
        for command in [
            "requests",
            "verify-receipt",
            "signing-key",
            "disk-check",
            "layout",
        ] {
            assert!(script.contains(command), "{command}");
        }
        assert!(script.contains("--cass_keyspace"));
    }
}
