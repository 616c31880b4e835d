//! A client of the GWS settings API for erasing a data subject's settings.
//!
//! # Layout
//!
//! - [`headers`]: validates the operator's `--gws_additional_headers` JSON and `--gws` URL,
//!   and names the headers nobody may set (framing, routing, authentication).
//! - [`client`]: [`GwsClient`], the session: Basic auth, the `JSESSIONID` cookie, the CSRF
//!   handshake (redone when a session expires), retries with back-off, and the settings calls.
//! - [`error`]: [`GwsError`], which keeps GWS's `statusCode` and never carries a setting value.
//!
//! Deleting one setting in GWS is a DELETE *with a body* naming its key; a DELETE without a
//! body removes the whole group. The client has no way to send the latter: every DELETE it
//! builds carries the key body, and no header that could strip it (Content-Length,
//! Transfer-Encoding and the like) is ever sent, whether the operator or GWS names it.
//! Redirects are never followed, and every answer is read up to a size limit.

pub mod client;
pub mod error;
pub mod headers;

pub use client::{load_ca_file, GwsClient, GwsConfig, GwsUser, SettingText, SettingsGroup};
pub use error::GwsError;
pub use headers::{
    escape_upstream, is_forbidden_header, parse_additional_headers, parse_gws_url, redact_upstream,
    AdditionalHeaders, HeaderError,
};
pub use reqwest::header::{HeaderName, HeaderValue};
pub use reqwest::Url;
