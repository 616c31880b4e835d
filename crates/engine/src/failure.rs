//! How a run stops, and the exit code that tells a script why.
//!
//! The codes are part of the interface (`--help` lists them, docs/usage.md explains them):
//! 0 complete; 1 incomplete or failed while running; 2 bad input, refused before anything was
//! read or changed; 3 the erasure was declined at the prompt; 4 Cassandra could not be reached,
//! so nothing was read. Code 4 is apart from 1 because the operator's next step differs: 1 asks
//! to look at what the run did (unread ranges, failed erasures), 4 only to retry once the
//! cluster answers.

use std::process::ExitCode;

/// Exit code of a run whose erasure the operator declined at the prompt: nothing was erased.
pub const EXIT_DECLINED: u8 = 3;

/// Exit code of a run that could not reach Cassandra: nothing was read or changed.
pub const EXIT_UNREACHABLE: u8 = 4;

/// Why a run stopped.
pub enum Failure {
    /// Bad input: exit 2, nothing read or changed.
    Input(String),
    /// No contact point could be reached (or none speaks CQL): exit 4, nothing read.
    Unreachable(String),
    /// Something failed while running: exit 1.
    Run(String),
}

impl Failure {
    /// The process's exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Input(_) => 2,
            Failure::Unreachable(_) => EXIT_UNREACHABLE,
            Failure::Run(_) => 1,
        }
    }

    /// A stable name for scripts (`--format json`'s `error.kind`).
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Input(_) => "bad_input",
            Failure::Unreachable(_) => "unreachable",
            Failure::Run(_) => "failed",
        }
    }

    /// The message for the operator.
    pub fn message(&self) -> &str {
        match self {
            Failure::Input(m) | Failure::Unreachable(m) | Failure::Run(m) => m,
        }
    }

    /// Reports the failure: the message on stderr always, and with `--format json` also one
    /// JSON document on stdout, so a script never has to parse an empty stdout.
    pub fn report(&self, json: bool) -> ExitCode {
        eprintln!("error: {}", self.message());
        if json {
            print_json_error(self.kind(), self.exit_code(), self.message());
        }
        ExitCode::from(self.exit_code())
    }
}

/// `{"error": {"kind", "exit_code", "message"}}` on stdout. The message is the same text as
/// on stderr, which never holds a raw identifier, value or password.
pub fn print_json_error(kind: &str, exit_code: u8, message: &str) {
    let doc = forgetme_printer::error_report::ErrorReport::new(kind, exit_code, message);
    use std::io::Write as _;
    // A closed stdout drops the document; the message is on stderr too.
    let _ = writeln!(
        std::io::stdout(),
        "{}",
        serde_json::to_string_pretty(&doc).expect("the error document serializes")
    );
}

/// Whether the raw command line asks for `--format json`: used when the arguments themselves
/// cannot be parsed, so the parsed value is not there to ask.
pub fn wants_json(raw: &[std::ffi::OsString]) -> bool {
    let mut it = raw.iter().map(|a| a.to_string_lossy());
    while let Some(a) = it.next() {
        if a == "--format=json" {
            return true;
        }
        if a == "--format" {
            return it.next().is_some_and(|v| v == "json");
        }
    }
    false
}

/// A refused input: exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

impl InputError {
    /// A refusal with this message.
    pub fn new(msg: impl Into<String>) -> Self {
        InputError(msg.into())
    }
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(e.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(args: &[&str]) -> Vec<std::ffi::OsString> {
        args.iter().map(Into::into).collect()
    }

    #[test]
    fn json_is_recognized_in_both_spellings_and_only_as_the_format_value() {
        assert!(wants_json(&os(&["x", "--format", "json"])));
        assert!(wants_json(&os(&["x", "--format=json", "--bogus"])));
        assert!(!wants_json(&os(&["x", "--format", "text"])));
        assert!(!wants_json(&os(&["x", "--search", "json"])));
        assert!(!wants_json(&os(&["x", "--format"])));
    }

    #[test]
    fn each_failure_has_its_own_code() {
        let codes: Vec<u8> = [
            Failure::Input(String::new()),
            Failure::Unreachable(String::new()),
            Failure::Run(String::new()),
        ]
        .iter()
        .map(Failure::exit_code)
        .collect();
        assert_eq!(codes, [2, EXIT_UNREACHABLE, 1]);
    }
}
