//! A client of the GWS settings API for erasing a data subject's settings.
//!
//! # Layout
//!
//! - [`headers`]: validates the operator's `--gws_additional_headers` JSON.
//! - [`client`]: [`GwsClient`], the session: Basic auth, the `JSESSIONID` cookie, the CSRF
//!   handshake (redone when a session expires), retries with back-off, and the settings calls.
//! - [`error`]: [`GwsError`], which keeps GWS's `statusCode` and never carries a setting value.
//!
//! Deleting one setting in GWS is a DELETE *with a body* naming its key; a DELETE without a
//! body removes the whole group. The client has no way to send the latter: every DELETE it
//! builds carries the key body.

pub mod client;
pub mod error;
pub mod headers;

pub use client::{GwsClient, GwsConfig, GwsUser, SettingsGroup};
pub use error::GwsError;
pub use headers::{parse_additional_headers, parse_gws_url, HeaderError};
pub use reqwest::header::{HeaderName, HeaderValue};
pub use reqwest::Url;
