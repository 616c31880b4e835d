//! The error document of `--format json`: a run that stops on an error still prints one JSON
//! document on stdout, so a script never has to parse an empty stdout.

use serde::Serialize;

/// `{"error": {"exit_code", "kind", "message"}}`.
#[derive(Debug, Serialize)]
pub struct ErrorReport<'a> {
    pub error: ErrorJson<'a>,
}

/// What went wrong. Fields in alphabetical order, as in every document the tool prints (see
/// [`crate::search_json`]).
#[derive(Debug, Serialize)]
pub struct ErrorJson<'a> {
    /// The process's exit code.
    pub exit_code: u8,
    /// A stable name for scripts: `bad_input`, `unreachable` or `failed`.
    pub kind: &'a str,
    /// The message on stderr (never a raw identifier, value or password).
    pub message: &'a str,
}

impl<'a> ErrorReport<'a> {
    /// The document of an error.
    pub fn new(kind: &'a str, exit_code: u8, message: &'a str) -> ErrorReport<'a> {
        ErrorReport {
            error: ErrorJson {
                exit_code,
                kind,
                message,
            },
        }
    }
}
