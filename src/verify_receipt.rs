//! `gdpr_forget_me verify-receipt` and `gdpr_forget_me signing-key`: checking a signed
//! erasure receipt with public keys alone, and publishing and rotating the signing key.
//!
//! Thin: the signatures, the canonical form and the key files are `forgetme_audit::signing`'s,
//! what is said of them `forgetme_printer::verify_report`'s. These commands need no Cassandra,
//! no GWS, no audit log and, for `verify-receipt`, no secret at all.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use forgetme_audit::signing::{self, keyfile};
use forgetme_printer::verify_report;

use forgetme_engine::files::{write_atomic, Existing};
use forgetme_engine::Failure;

/// Whether the command line is one of these commands.
pub fn is_command(raw: &[OsString]) -> bool {
    raw.get(1)
        .is_some_and(|a| a == "verify-receipt" || a == "signing-key")
}

/// Signed erasure receipts: check one with the public key alone, publish the public key,
/// rotate the signing key.
#[derive(Debug, Parser)]
#[command(
    name = "gdpr_forget_me",
    bin_name = "gdpr_forget_me",
    max_term_width = 100,
    after_help = "Exit codes of verify-receipt: 0 valid; 1 invalid (signature mismatch, key mismatch, unsigned, changed); 2 bad input (a file that cannot be read, a key in the wrong format). Of signing-key: 0 done; 2 bad input or a key file that cannot be used."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The command line of `verify-receipt` and `signing-key`, for the man page and completions.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check a signed erasure receipt, or a signed disk report (`disk-check --format json
    /// --audit-key`), with public key(s) alone: no secret, no Cassandra, no audit log. Valid
    /// means: signed by one of the keys given, and not a byte of the file changed since.
    VerifyReceipt {
        /// The receipt (the .json file the erasure run wrote) or disk report.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// A published public key: a file as `signing-key public` writes it (one or more
        /// keys), or the key itself (`gdpr-forget-me-ed25519:...`). Repeat it to give keys
        /// of earlier years: the receipt names the key that signed it.
        #[arg(long = "public-key", value_name = "KEY", required = true)]
        public_key: Vec<String>,
    },
    /// The receipt signing key kept beside the audit key (FILE.signing).
    SigningKey {
        #[command(subcommand)]
        action: KeyAction,
    },
}

#[derive(Debug, Subcommand)]
enum KeyAction {
    /// Print the public keys to publish: the current signing key's and every retired one's.
    Public {
        /// The audit key the signing key sits beside.
        #[arg(
            long = "audit-key",
            value_name = "FILE",
            env = "GDPR_FORGET_ME_AUDIT_KEY",
            default_value = "gdpr_forget_me.audit.key"
        )]
        audit_key: PathBuf,
        /// Write them to FILE instead of stdout.
        #[arg(long = "out", value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// Make a new signing key (or the first); the old key's public half is kept as retired,
    /// so receipts it signed still verify. Publish the keys again afterwards.
    Rotate {
        /// The audit key the signing key sits beside.
        #[arg(
            long = "audit-key",
            value_name = "FILE",
            env = "GDPR_FORGET_ME_AUDIT_KEY",
            default_value = "gdpr_forget_me.audit.key"
        )]
        audit_key: PathBuf,
    },
}

/// Runs `verify-receipt` or `signing-key` (clap's own errors exit 2).
pub fn main(raw: &[OsString]) -> ExitCode {
    let cli = match Cli::try_parse_from(raw) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let done = match cli.command {
        Command::VerifyReceipt { file, public_key } => verify(&file, &public_key),
        Command::SigningKey {
            action: KeyAction::Public { audit_key, out },
        } => public(&audit_key, out.as_deref()),
        Command::SigningKey {
            action: KeyAction::Rotate { audit_key },
        } => rotate(&audit_key),
    };
    done.unwrap_or_else(|f| f.report(false))
}

/// `verify-receipt FILE --public-key KEY...`: 0 valid, 1 invalid, 2 bad input.
fn verify(file: &Path, public_keys: &[String]) -> Result<ExitCode, Failure> {
    let result = signing::verify_file(file, public_keys).map_err(Failure::Input)?;
    print!("{}", verify_report::verdict(file, &result));
    Ok(match result {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    })
}

/// `signing-key public`: the keys to publish, on stdout or in `--out`.
fn public(audit_key: &Path, out: Option<&Path>) -> Result<ExitCode, Failure> {
    let keys = keyfile::keys_to_publish(audit_key).map_err(|e| Failure::Input(e.to_string()))?;
    match out {
        None => print!("{}", keys.to_text()),
        Some(path) => {
            write_atomic(path, keys.to_text().as_bytes(), Existing::Replace)
                .map_err(Failure::Input)?;
            eprint!("{}", verify_report::published(path, keys.all().len()));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `signing-key rotate`: a new key beside an existing audit key.
fn rotate(audit_key: &Path) -> Result<ExitCode, Failure> {
    let r = keyfile::rotate_beside_audit_key(audit_key, &forgetme_audit::now_rfc3339())
        .map_err(Failure::Input)?;
    print!("{}", verify_report::rotated(&r, audit_key));
    Ok(ExitCode::SUCCESS)
}
