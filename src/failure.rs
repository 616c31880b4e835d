//! How a run stops: bad input (exit 2) or a failure while running (exit 1).

use crate::input::InputError;

/// Why a run stopped.
pub enum Failure {
    /// Bad input: exit 2, nothing read or changed.
    Input(String),
    /// Something failed while running: exit 1.
    Run(String),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(e.0)
    }
}
