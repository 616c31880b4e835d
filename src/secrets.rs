//! Where passwords come from: a file, an environment variable, a prompt without echo, or (with
//! a warning) the command line.
//!
//! A password on the command line is visible to every local user through the process list and
//! stays in shell history, so it still works (the original documented it) but says so.

use std::io::IsTerminal;
use std::path::Path;

use forgetme_engine::InputError;

/// Largest password file read: a password is one line.
const MAX_PASSWORD_FILE: u64 = 64 * 1024;

/// One password's possible sources, in order of preference.
pub struct PasswordSources<'a> {
    /// What it is for, in messages (e.g. "GWS").
    pub what: &'a str,
    /// Given on the command line.
    pub flag: Option<&'a str>,
    /// The flag's name, for the warning.
    pub flag_name: &'a str,
    /// A file holding it.
    pub file: Option<&'a Path>,
    /// The file flag's name, for messages.
    pub file_flag: &'a str,
    /// An environment variable holding it.
    pub env: &'a str,
}

/// Finds the password, or asks for it when stdin is a terminal. `Ok(None)` when there is no
/// source and no terminal; the caller decides whether that is an error.
pub fn resolve(
    src: &PasswordSources<'_>,
    interactive_prompt: bool,
) -> Result<Option<String>, InputError> {
    if let Some(path) = src.file {
        let text = forgetme_engine::files::read_text_limited(
            path,
            MAX_PASSWORD_FILE,
            &format!("{} {} (the password file)", src.file_flag, path.display()),
        )?;
        warn_if_others_can_read(path, src.file_flag);
        let line = text.lines().next().unwrap_or_default().to_string();
        if line.is_empty() {
            return Err(InputError(format!(
                "{} {}: the file is empty",
                src.file_flag,
                path.display()
            )));
        }
        return Ok(Some(line));
    }
    if let Ok(v) = std::env::var(src.env) {
        if !v.is_empty() {
            return Ok(Some(v));
        }
    }
    if let Some(p) = src.flag {
        eprintln!(
            "warning: a password given with {} is visible to other local users and kept in shell history; prefer {}, the {} environment variable or the prompt",
            src.flag_name, src.file_flag, src.env
        );
        return Ok(Some(p.to_string()));
    }
    if interactive_prompt && std::io::stdin().is_terminal() && std::io::stderr().is_terminal() {
        let p = rpassword::prompt_password(format!("{} password: ", src.what)).map_err(|e| {
            InputError(format!(
                "cannot read the {} password from the terminal: {e}",
                src.what
            ))
        })?;
        return Ok(Some(p));
    }
    Ok(None)
}

/// A password file (or a TLS private key) that other local users can read is as exposed as a
/// password on the command line: it is used (refusing it would break a run that worked), but the operator is told how
/// to close it.
pub fn warn_if_others_can_read(path: &Path, flag: &str) {
    use std::os::unix::fs::PermissionsExt;
    if let Ok(meta) = std::fs::metadata(path) {
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            eprintln!(
                "warning: {flag} {}: other local users can read it (mode {mode:o}); run chmod 600 on it",
                path.display()
            );
        }
    }
}

/// Asks for a line of text (a user name) when stdin is a terminal.
pub fn prompt_line(question: &str) -> Option<String> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    eprint!("{question}");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).ok()?;
    let line = line.trim().to_string();
    (!line.is_empty()).then_some(line)
}
