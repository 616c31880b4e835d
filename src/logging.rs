//! The tool's log lines (`GDPR_FORGET_ME_LOG`), with the HTTP crates' own lines kept out.
//!
//! reqwest, its cookie store, hyper, h2 and http log request and response headers at debug
//! and trace: the GWS session cookie (`JSESSIONID`, which alone reads every agent's
//! contacts), the CSRF token and the `Authorization` header with the admin password. No
//! directive can bring them back: the filter below sits on the only output, after the
//! operator's filter, and lets those crates say no more than warnings and errors (the cookie
//! store, whose lines are cookies, nothing at all). The GWS client's own lines (retries,
//! session renewals) say what happened without any header.

use std::io::IsTerminal;

use tracing::{Level, Metadata};
use tracing_subscriber::filter::{filter_fn, EnvFilter};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::Layer;

/// Crates whose debug and trace lines carry HTTP headers (cookies, tokens, credentials).
const HTTP_CRATES: &[&str] = &["reqwest", "hyper", "hyper_util", "h2", "http", "tower_http"];
/// Crates whose every line is a cookie.
const COOKIE_CRATES: &[&str] = &["cookie_store", "cookie"];

fn of_crate(target: &str, crates: &[&str]) -> bool {
    crates.iter().any(|c| {
        target == *c
            || target
                .strip_prefix(c)
                .is_some_and(|rest| rest.starts_with("::"))
    })
}

/// Whether a log line (or span) may be written at all, whatever the operator's filter says.
pub fn allowed(meta: &Metadata<'_>) -> bool {
    let target = meta.target();
    if of_crate(target, COOKIE_CRATES) {
        return false;
    }
    if of_crate(target, HTTP_CRATES) {
        return *meta.level() <= Level::WARN;
    }
    true
}

/// Installs the subscriber: the operator's `GDPR_FORGET_ME_LOG` filter (the driver's own lines
/// stay off unless asked for), then [`allowed`], on stderr.
pub fn init() {
    // The driver's own log lines stay off unless asked for (GDPR_FORGET_ME_LOG=debug, or
    // scylla=warn): every connection failure they report reaches the operator once, as one
    // error that says what to do, and a raw TLS or socket message beside it only confuses.
    let filter = EnvFilter::try_from_env("GDPR_FORGET_ME_LOG")
        .unwrap_or_else(|_| EnvFilter::new("warn,scylla=off"));
    tracing_subscriber::registry()
        .with(filter)
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(std::io::stderr().is_terminal())
                .with_writer(std::io::stderr)
                .with_filter(filter_fn(allowed)),
        )
        .init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_crates_are_named_by_crate_not_by_prefix() {
        for (target, http) in [
            ("reqwest", true),
            ("reqwest::connect", true),
            ("hyper_util::client::legacy::pool", true),
            ("h2::codec", true),
            ("hyperloglog", false),
            ("httparse_extra", false),
            ("gws_client::client", false),
            ("scylla::network", false),
        ] {
            assert_eq!(of_crate(target, HTTP_CRATES), http, "{target}");
        }
        assert!(of_crate("cookie_store::cookie_store", COOKIE_CRATES));
        assert!(!of_crate("cookies_of_mine", COOKIE_CRATES));
    }
}
