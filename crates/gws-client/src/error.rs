//! Errors of GWS calls.

/// A failed GWS call. Messages carry HTTP status, GWS `statusCode` and GWS's own message (cut
/// short); never a setting value or a password.
#[derive(Debug, thiserror::Error)]
pub enum GwsError {
    /// Could not reach GWS, or it did not answer in time.
    #[error("cannot reach GWS at {url}: {reason}")]
    Transport {
        /// Base URL.
        url: String,
        /// Why.
        reason: String,
        /// Whether it was a time-out (worth retrying).
        timeout: bool,
    },
    /// 401: the user name or password is wrong.
    #[error(
        "GWS refused the credentials of {user} (HTTP 401); check --gws_username and the password"
    )]
    Unauthorized {
        /// The user name tried (an operator account, not a data subject).
        user: String,
    },
    /// 403 with the CSRF message, after a fresh handshake.
    #[error("GWS refused the CSRF token (HTTP 403 \"Missing or invalid Csrf token\") even after a new handshake")]
    Csrf,
    /// The call failed with a GWS status code.
    #[error("GWS answered HTTP {http} statusCode {code}: {message}")]
    Status {
        /// HTTP status.
        http: u16,
        /// GWS `statusCode`.
        code: i64,
        /// GWS `statusMessage`, shortened.
        message: String,
    },
    /// The answer was not the JSON GWS sends.
    #[error("GWS answered HTTP {http} with a body that is not GWS JSON")]
    BadBody {
        /// HTTP status.
        http: u16,
    },
}

/// GWS `statusCode` values the client acts on.
pub mod status {
    /// Success.
    pub const OK: i64 = 0;
    /// Forbidden.
    pub const FORBIDDEN: i64 = 3;
    /// Internal error, Cassandra errors included: worth a retry.
    pub const INTERNAL: i64 = 4;
    /// The user lacks permission.
    pub const NO_PERMISSION: i64 = 5;
    /// Not found.
    pub const NOT_FOUND: i64 = 6;
    /// Not authenticated.
    pub const NOT_AUTHENTICATED: i64 = 20;
}

impl GwsError {
    /// Whether a retry may succeed: time-outs, transport errors, 5xx and statusCode 4.
    pub fn is_transient(&self) -> bool {
        match self {
            GwsError::Transport { .. } => true,
            GwsError::Status { http, code, .. } => *http >= 500 || *code == status::INTERNAL,
            _ => false,
        }
    }

    /// Whether GWS said the thing does not exist (statusCode 6 or HTTP 404).
    pub fn is_not_found(&self) -> bool {
        matches!(self, GwsError::Status { code, http, .. } if *code == status::NOT_FOUND || *http == 404)
    }

    /// Whether the user lacks the rights (statusCode 3/5 or HTTP 403 other than CSRF).
    pub fn is_permission(&self) -> bool {
        matches!(self, GwsError::Status { code, http, .. }
            if *code == status::NO_PERMISSION || *code == status::FORBIDDEN || *http == 403)
    }
}
