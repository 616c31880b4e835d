//! Errors of GWS calls.

/// A failed GWS call. Messages carry HTTP status and GWS `statusCode`; never a setting value, a
/// password, or GWS's own `statusMessage` (free text from upstream, which an echoing GWS can
/// fill with the very identifier being erased: it must not reach the audit log). The message
/// is kept, escaped, in [`GwsError::Status::message`] for the terminal.
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
    #[error("GWS answered HTTP {http} statusCode {code}")]
    Status {
        /// HTTP status.
        http: u16,
        /// GWS `statusCode`.
        code: i64,
        /// GWS `statusMessage`, shortened and escaped for a terminal. Not part of the
        /// `Display` text: it is upstream free text.
        message: String,
    },
    /// GWS answered with a redirect, which is never followed: it would carry the session
    /// cookie, the CSRF token and the extra headers wherever it points.
    #[error("GWS answered HTTP {http}, a redirect to {target}; redirects are not followed (they would carry the admin session along): give --gws the address GWS itself answers on")]
    Redirect {
        /// HTTP status.
        http: u16,
        /// Where it pointed: origin only (scheme, host, port), escaped, and whether it is
        /// the same origin.
        target: String,
    },
    /// GWS's CSRF handshake named a header that changes framing, routing or authentication.
    #[error("GWS named {name} as its CSRF header; that header changes how requests are framed, routed or authenticated, so it is never sent and nothing was changed. Check that --gws points at GWS itself")]
    UnsafeCsrfHeader {
        /// The header name, escaped.
        name: String,
    },
    /// The answer was larger than the client accepts.
    #[error("GWS's answer is larger than {limit_mib} MiB; it was not read (the limit keeps the tool's memory bounded)")]
    TooLarge {
        /// The limit in MiB.
        limit_mib: usize,
    },
    /// A setting nested deeper than the client parses.
    #[error("the setting GWS returned is nested more than {limit} levels deep; it cannot be changed through this tool")]
    TooDeep {
        /// The limit.
        limit: usize,
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
}
