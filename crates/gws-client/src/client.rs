//! [`GwsClient`]: one authenticated GWS session with CSRF handling and retries.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::error::{status, GwsError};
use crate::headers::{escape_upstream, is_forbidden_header, redact_upstream};

/// Largest GWS answer read, by default: a settings group of a busy agent is a few MiB at most;
/// a bigger answer is refused rather than allowed to take the tool's memory.
pub const DEFAULT_MAX_ANSWER: usize = 64 * 1024 * 1024;

/// Largest CA file read for `--gws-ca-file`.
const MAX_CA_FILE: u64 = 4 * 1024 * 1024;

/// How to reach GWS and as whom.
#[derive(Clone)]
pub struct GwsConfig {
    /// Base URL, e.g. `http://127.0.0.1:8090/` (without `/api/v2`).
    pub base_url: Url,
    /// User name of an account with admin rights.
    pub username: String,
    /// Its password.
    pub password: String,
    /// Headers added to every request (`--gws_additional_headers`).
    pub extra_headers: Vec<(HeaderName, HeaderValue)>,
    /// Per-request time-out.
    pub timeout: Duration,
    /// Attempts for transient failures (time-outs, 5xx, statusCode 4).
    pub attempts: u32,
    /// First back-off; doubles after each failed attempt.
    pub backoff: Duration,
    /// PEM file of CAs to trust for https (the platform roots otherwise).
    pub ca_file: Option<PathBuf>,
    /// Accept any certificate. Dangerous; the caller must warn.
    pub insecure: bool,
    /// Largest answer read, in bytes.
    pub max_answer: usize,
}

impl fmt::Debug for GwsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GwsConfig")
            .field("base_url", &self.base_url.as_str())
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("extra_headers", &self.extra_headers.len())
            .field("timeout", &self.timeout)
            .field("attempts", &self.attempts)
            .finish()
    }
}

impl GwsConfig {
    /// A configuration with the usual defaults (30 s time-out, 4 attempts, 250 ms back-off).
    pub fn new(base_url: Url, username: impl Into<String>, password: impl Into<String>) -> Self {
        GwsConfig {
            base_url,
            username: username.into(),
            password: password.into(),
            extra_headers: Vec::new(),
            timeout: Duration::from_secs(30),
            attempts: 4,
            backoff: Duration::from_millis(250),
            ca_file: None,
            insecure: false,
            max_answer: DEFAULT_MAX_ANSWER,
        }
    }
}

/// A GWS user, as `GET /api/v2/me` and `GET /api/v2/users/{id}` describe it.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct GwsUser {
    /// 32-hex id.
    pub id: String,
    /// Login name.
    #[serde(default)]
    pub user_name: String,
    /// Roles such as `ROLE_ADMIN`.
    #[serde(default)]
    pub roles: Vec<String>,
}

impl GwsUser {
    /// Whether the user may change other users' settings.
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r == "ROLE_ADMIN")
    }
}

/// A settings group's name and key attribute.
#[derive(Clone, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SettingsGroup {
    /// URI-safe group name.
    pub name: String,
    /// The attribute that identifies a setting in the group.
    #[serde(default)]
    pub key: String,
}

/// An authenticated GWS session.
pub struct GwsClient {
    http: reqwest::Client,
    cfg: GwsConfig,
    csrf: Mutex<Option<(HeaderName, HeaderValue)>>,
}

impl fmt::Debug for GwsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GwsClient").field("cfg", &self.cfg).finish()
    }
}

/// A failure of one attempt, before retry decisions.
enum Attempt {
    /// The answer's body (a GWS JSON object with statusCode 0), unparsed beyond its top level.
    Done(String),
    Failed(GwsError),
    CsrfRefused,
}

impl GwsClient {
    /// Builds the HTTP client (cookie store on, TLS verified unless `insecure`).
    pub fn new(cfg: GwsConfig) -> Result<GwsClient, GwsError> {
        let transport = |reason: String| GwsError::Transport {
            url: cfg.base_url.to_string(),
            reason,
            timeout: false,
        };
        // Redirects are never followed: one would carry the cookie, the CSRF token and the
        // extra headers to wherever it points.
        let mut builder = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .danger_accept_invalid_certs(cfg.insecure);
        if let Some(path) = &cfg.ca_file {
            for c in load_ca_file(path).map_err(transport)? {
                builder = builder.add_root_certificate(c);
            }
        }
        let http = builder.build().map_err(|e| transport(e.to_string()))?;
        Ok(GwsClient {
            http,
            cfg,
            csrf: Mutex::new(None),
        })
    }

    /// The configured base URL.
    pub fn base_url(&self) -> &Url {
        &self.cfg.base_url
    }

    /// The user name the session logs in with (an operator account).
    pub fn username(&self) -> &str {
        &self.cfg.username
    }

    fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.cfg.base_url.clone();
        {
            let mut path = url.path_segments_mut().expect("http URL has a path");
            path.pop_if_empty().extend(["api", "v2"]).extend(segments);
        }
        url
    }

    /// `GET /api/v2/me`: who we are. Also performs the CSRF handshake.
    pub async fn me(&self) -> Result<GwsUser, GwsError> {
        let body = self.call(Method::GET, &["me"], None).await?;
        user_from(&body)
    }

    /// `GET /api/v2/users/{id}`.
    pub async fn user(&self, id: &str) -> Result<GwsUser, GwsError> {
        let body = self.call(Method::GET, &["users", id], None).await?;
        user_from(&body)
    }

    /// The groups of a user's settings, with their key attributes.
    pub async fn user_groups(&self, user_id: &str) -> Result<Vec<SettingsGroup>, GwsError> {
        #[derive(Deserialize)]
        struct Groups {
            #[serde(default)]
            settings: Vec<SettingsGroup>,
        }
        let body = self
            .call(Method::GET, &["users", user_id, "settings"], None)
            .await?;
        serde_json::from_str::<Groups>(&body)
            .map(|g| g.settings)
            .map_err(|_| GwsError::BadBody { http: 200 })
    }

    /// One setting's stored text, exactly as GWS answered it (no parse and re-serialization:
    /// other people's numbers, escapes and key order inside it must survive an edit), with its
    /// key attribute's value; `None` when it is gone.
    pub async fn user_setting_text(
        &self,
        user_id: &str,
        group: &str,
        key_attribute: &str,
        key_value: &str,
    ) -> Result<Option<SettingText>, GwsError> {
        let body = match self
            .call(Method::GET, &["users", user_id, "settings", group], None)
            .await
        {
            Ok(b) => b,
            Err(e) if e.is_not_found() => return Ok(None),
            Err(e) => return Err(e),
        };
        for raw in raw_settings(&body)? {
            if let Some(key) =
                key_of(raw, key_attribute).filter(|k| key_matches(Some(k), key_value))
            {
                return Ok(Some(SettingText {
                    text: raw.get().to_string(),
                    key,
                }));
            }
        }
        Ok(None)
    }

    /// Replaces a whole setting (`PUT`) with `text`, sent byte for byte as given: a setting
    /// edited in place (the erasure planner cuts records out of the stored text).
    /// The text must carry the key attribute.
    pub async fn put_user_setting_text(
        &self,
        user_id: &str,
        group: &str,
        text: &str,
    ) -> Result<(), GwsError> {
        self.call(
            Method::PUT,
            &["users", user_id, "settings", group],
            Some(Body::Text(text)),
        )
        .await
        .map(|_| ())
    }

    /// Replaces a whole setting (`PUT`); the setting carries its key attribute.
    pub async fn put_user_setting(
        &self,
        user_id: &str,
        group: &str,
        setting: &Value,
    ) -> Result<(), GwsError> {
        self.call(
            Method::PUT,
            &["users", user_id, "settings", group],
            Some(Body::Json(setting)),
        )
        .await
        .map(|_| ())
    }

    /// Deletes ONE setting: a DELETE whose body names the key (`{"<key attribute>": "<key>"}`).
    /// There is no way to send a DELETE without a body through this client, because GWS reads
    /// that as "delete the whole group".
    pub async fn delete_user_setting(
        &self,
        user_id: &str,
        group: &str,
        key_attribute: &str,
        key_value: &Value,
    ) -> Result<(), GwsError> {
        let mut body = serde_json::Map::new();
        body.insert(key_attribute.to_string(), key_value.clone());
        self.call(
            Method::DELETE,
            &["users", user_id, "settings", group],
            Some(Body::Json(&Value::Object(body))),
        )
        .await
        .map(|_| ())
    }

    /// Whether anything answers HTTP at the base URL: one `GET /api/v2/me` without
    /// credentials, where any HTTP status (a 401 most likely) counts as an answer. For a run
    /// that was given `--gws` but no account, so that a wrong URL is not silently ignored.
    pub async fn answers(&self) -> Result<(), GwsError> {
        match self.http.get(self.url(&["me"])).send().await {
            Ok(_) => Ok(()),
            Err(e) => Err(GwsError::Transport {
                url: self.cfg.base_url.to_string(),
                reason: describe_transport(&e),
                timeout: e.is_timeout(),
            }),
        }
    }

    /// One call with retries: transient failures back off and retry; a CSRF refusal (a session
    /// that expired) triggers one fresh handshake.
    async fn call(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<Body<'_>>,
    ) -> Result<String, GwsError> {
        let mut attempt = 0;
        let mut handshakes = 0;
        loop {
            attempt += 1;
            match self.attempt(&method, segments, body).await {
                Attempt::Done(v) => return Ok(v),
                Attempt::CsrfRefused if handshakes == 0 => {
                    handshakes += 1;
                    tracing::info!("GWS refused the CSRF token; establishing a new session");
                    *self.csrf.lock().await = None;
                    self.handshake().await?;
                }
                Attempt::CsrfRefused => return Err(GwsError::Csrf),
                Attempt::Failed(e) if e.is_transient() && attempt < self.cfg.attempts.max(1) => {
                    let wait = self.cfg.backoff * 2u32.pow(attempt - 1);
                    tracing::warn!(error = %e, ?wait, "transient GWS failure; retrying");
                    tokio::time::sleep(wait).await;
                }
                Attempt::Failed(e) => return Err(e),
            }
        }
    }

    /// `GET /api/v2/me`, which opens the session and hands out the CSRF header.
    async fn handshake(&self) -> Result<(), GwsError> {
        match self.attempt(&Method::GET, &["me"], None).await {
            Attempt::Done(_) => Ok(()),
            Attempt::Failed(e) => Err(e),
            Attempt::CsrfRefused => Err(GwsError::Csrf),
        }
    }

    async fn attempt(&self, method: &Method, segments: &[&str], body: Option<Body<'_>>) -> Attempt {
        let modifying = *method != Method::GET;
        if modifying && self.csrf.lock().await.is_none() {
            if let Err(e) = Box::pin(self.handshake()).await {
                return Attempt::Failed(e);
            }
        }
        let url = self.url(segments);
        // One value per header name: the CSRF token of the tool's own handshake replaces any
        // header of the same name the operator gave, so nothing is sent twice.
        let mut headers = HeaderMap::new();
        for (name, value) in &self.cfg.extra_headers {
            if !is_forbidden_header(name.as_str()) {
                headers.insert(name.clone(), value.clone());
            }
        }
        if modifying {
            if let Some((name, value)) = self.csrf.lock().await.clone() {
                headers.insert(name, value);
            }
        }
        let mut req = self
            .http
            .request(method.clone(), url)
            .headers(headers)
            .basic_auth(&self.cfg.username, Some(&self.cfg.password));
        match body {
            Some(Body::Json(value)) => req = req.json(value),
            Some(Body::Text(text)) => {
                req = req
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(text.to_string())
            }
            None => {}
        }
        let resp = match req.send().await {
            Ok(r) => r,
            Err(e) => {
                return Attempt::Failed(GwsError::Transport {
                    url: self.cfg.base_url.to_string(),
                    reason: describe_transport(&e),
                    timeout: e.is_timeout(),
                })
            }
        };
        let http = resp.status();
        if http.is_redirection() {
            let target = redirect_target(resp.url(), resp.headers());
            return Attempt::Failed(GwsError::Redirect {
                http: http.as_u16(),
                target,
            });
        }
        if !modifying {
            if let Err(e) = self.remember_csrf(resp.headers()).await {
                return Attempt::Failed(e);
            }
        }
        let text = match read_bounded(resp, self.cfg.max_answer).await {
            Ok(t) => t,
            Err(e) => return Attempt::Failed(e),
        };
        if http == StatusCode::FORBIDDEN && text.to_ascii_lowercase().contains("csrf") {
            return Attempt::CsrfRefused;
        }
        if http == StatusCode::UNAUTHORIZED {
            return Attempt::Failed(GwsError::Unauthorized {
                user: self.cfg.username.clone(),
            });
        }
        // Only the envelope is parsed here; the rest stays text for the caller to parse as
        // far as it needs (a deep setting must not fail the whole answer).
        let envelope: Option<Envelope> = serde_json::from_str(&text).ok();
        let code = envelope.as_ref().and_then(|e| e.status_code);
        match (envelope, code) {
            (Some(_), Some(status::OK)) if http.is_success() => Attempt::Done(text),
            (Some(envelope), Some(code)) => {
                let message = envelope
                    .status_message
                    .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok())
                    .map(|m| redact_upstream(&m, 200))
                    .unwrap_or_default();
                if !message.is_empty() {
                    // On the terminal only, redacted and escaped: the error itself, which
                    // may be recorded in the audit log, never carries upstream text.
                    tracing::warn!(
                        "GWS answered HTTP {} statusCode {code} with the message: {message}",
                        http.as_u16()
                    );
                }
                Attempt::Failed(GwsError::Status {
                    http: http.as_u16(),
                    code,
                    message,
                })
            }
            _ if http.is_server_error() => Attempt::Failed(GwsError::Status {
                http: http.as_u16(),
                code: status::INTERNAL,
                message: "server error without GWS body".into(),
            }),
            _ => Attempt::Failed(GwsError::BadBody {
                http: http.as_u16(),
            }),
        }
    }

    /// Keeps the CSRF header GWS names, unless it is one that changes framing, routing or
    /// authentication (a `Content-Length: 0` "token" would strip every DELETE of its body,
    /// and a body-less DELETE erases the whole group).
    async fn remember_csrf(&self, headers: &HeaderMap) -> Result<(), GwsError> {
        let Some(named) = headers.get("X-CSRF-HEADER") else {
            return Ok(());
        };
        let shown = || escape_upstream(&String::from_utf8_lossy(named.as_bytes()), 60);
        let name = HeaderName::from_bytes(named.as_bytes().trim_ascii())
            .map_err(|_| GwsError::UnsafeCsrfHeader { name: shown() })?;
        if is_forbidden_header(name.as_str()) {
            *self.csrf.lock().await = None;
            return Err(GwsError::UnsafeCsrfHeader { name: shown() });
        }
        let token = headers.get("X-CSRF-TOKEN").cloned();
        if let Some(mut token) = token {
            token.set_sensitive(true);
            *self.csrf.lock().await = Some((name, token));
        }
        Ok(())
    }
}

/// The top level of every GWS answer.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "statusCode")]
    status_code: Option<i64>,
    #[serde(rename = "statusMessage")]
    status_message: Option<Box<RawValue>>,
}

/// Reads an answer's body, refusing one larger than `max` bytes without holding more than
/// that in memory.
async fn read_bounded(mut resp: reqwest::Response, max: usize) -> Result<String, GwsError> {
    let too_large = || GwsError::TooLarge {
        limit_mib: max.div_ceil(1024 * 1024),
    };
    if resp.content_length().is_some_and(|n| n > max as u64) {
        return Err(too_large());
    }
    let http = resp.status().as_u16();
    let url = resp.url().clone();
    let mut body = Vec::new();
    loop {
        match resp.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > max {
                    return Err(too_large());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                return Err(GwsError::Transport {
                    url: url.origin().ascii_serialization(),
                    reason: describe_transport(&e),
                    timeout: e.is_timeout(),
                })
            }
        }
    }
    String::from_utf8(body).map_err(|_| GwsError::BadBody { http })
}

/// Where a redirect points, for the error: its origin only (a path or query could hold
/// anything), escaped, and whether it leaves GWS's origin.
fn redirect_target(from: &Url, headers: &HeaderMap) -> String {
    let Some(location) = headers
        .get(reqwest::header::LOCATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    else {
        return "nowhere (no Location header)".into();
    };
    match from.join(&location) {
        Ok(to) if to.origin() == from.origin() => "the same origin".into(),
        Ok(to) => format!(
            "another origin, {}",
            escape_upstream(&to.origin().ascii_serialization(), 100)
        ),
        Err(_) => "an address that is not a URL".into(),
    }
}

/// The settings of a group answer as raw JSON, one per setting, parsed no deeper.
fn raw_settings(body: &str) -> Result<Vec<&RawValue>, GwsError> {
    #[derive(Deserialize)]
    struct Answer<'a> {
        #[serde(borrow)]
        settings: Option<&'a RawValue>,
    }
    let bad = || GwsError::BadBody { http: 200 };
    let answer: Answer<'_> = serde_json::from_str(body).map_err(|_| bad())?;
    let Some(settings) = answer.settings else {
        return Ok(Vec::new());
    };
    let text = settings.get().trim_start();
    if text.starts_with('[') {
        serde_json::from_str::<Vec<&RawValue>>(settings.get()).map_err(|_| bad())
    } else if text.starts_with('{') {
        serde_json::from_str::<std::collections::BTreeMap<String, &RawValue>>(settings.get())
            .map(|m| m.into_values().collect())
            .map_err(|_| bad())
    } else {
        Ok(Vec::new())
    }
}

/// A request body: a value serialized here, or a JSON text sent as it is.
#[derive(Clone, Copy)]
enum Body<'a> {
    Json(&'a Value),
    Text(&'a str),
}

/// A setting as GWS stores it: its text, untouched, and its key attribute's value.
#[derive(Clone, Debug, PartialEq)]
pub struct SettingText {
    /// The setting's JSON text, exactly as GWS answered it.
    pub text: String,
    /// The value of the group's key attribute in it (for a DELETE's body).
    pub key: Value,
}

/// A setting's key attribute, reading the setting no deeper than its top level.
fn key_of(setting: &RawValue, key_attribute: &str) -> Option<Value> {
    let text = setting.get().trim_start();
    if !text.starts_with('{') {
        return None;
    }
    // Duplicate keys: the last one wins, as in serde_json's own maps.
    let top: Vec<(String, &RawValue)> = serde_json::from_str::<TopLevel<'_>>(text).ok()?.0;
    let raw = top.into_iter().rev().find(|(k, _)| k == key_attribute)?.1;
    serde_json::from_str(raw.get()).ok()
}

/// An object's members in order, values left raw.
struct TopLevel<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for TopLevel<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Members<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> serde::de::Visitor<'de> for Members<'a> {
            type Value = TopLevel<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<M: serde::de::MapAccess<'de>>(
                self,
                mut m: M,
            ) -> Result<Self::Value, M::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = m.next_entry::<String, &'a RawValue>()? {
                    out.push((k, v));
                }
                Ok(TopLevel(out))
            }
        }
        d.deserialize_map(Members(std::marker::PhantomData))
    }
}

/// Reads a PEM file of certificate authorities; a file that is not PEM, or holds no
/// certificate, is refused (silently trusting nothing would only fail later, confusingly).
pub fn load_ca_file(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, String> {
    use std::io::Read;
    let shown = path.display();
    let file =
        std::fs::File::open(path).map_err(|e| format!("cannot read CA file {shown}: {e}"))?;
    let mut pem = Vec::new();
    file.take(MAX_CA_FILE + 1)
        .read_to_end(&mut pem)
        .map_err(|e| format!("cannot read CA file {shown}: {e}"))?;
    if pem.len() as u64 > MAX_CA_FILE {
        return Err(format!(
            "CA file {shown} is larger than {} MiB; give a PEM file of CA certificates",
            MAX_CA_FILE / (1024 * 1024)
        ));
    }
    if memchr::memmem::find(&pem, b"-----BEGIN CERTIFICATE-----").is_none() {
        return Err(format!(
            "CA file {shown} holds no PEM certificate (-----BEGIN CERTIFICATE-----); give the CA certificate(s) in PEM format"
        ));
    }
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("CA file {shown} is not valid PEM: {e}"))?;
    if certs.is_empty() {
        return Err(format!(
            "CA file {shown} holds no PEM certificate; give the CA certificate(s) in PEM format"
        ));
    }
    Ok(certs)
}

/// Whether a setting's key attribute equals the key as stored in Cassandra (text there; a
/// string or a number in the JSON).
pub fn key_matches(attr: Option<&Value>, key_value: &str) -> bool {
    match attr {
        Some(Value::String(s)) => s == key_value,
        Some(Value::Number(n)) => n.to_string() == key_value,
        _ => false,
    }
}

fn user_from(body: &str) -> Result<GwsUser, GwsError> {
    #[derive(Deserialize)]
    struct Answer {
        user: Option<GwsUser>,
    }
    serde_json::from_str::<Answer>(body)
        .ok()
        .and_then(|a| a.user)
        .ok_or(GwsError::BadBody { http: 200 })
}

/// A transport error's text without the request URL's query (none is sent) or body.
fn describe_transport(e: &reqwest::Error) -> String {
    let mut msg = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    msg.chars().take(400).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn urls_are_built_under_api_v2_with_escaped_segments() {
        let c = GwsClient::new(GwsConfig::new(
            Url::parse("http://h:8090/").unwrap(),
            "a",
            "b",
        ))
        .unwrap();
        assert_eq!(
            c.url(&["users", "ab/c", "settings"]).as_str(),
            "http://h:8090/api/v2/users/ab%2Fc/settings"
        );
    }

    #[test]
    fn key_matches_strings_and_numbers() {
        assert!(key_matches(Some(&json!("fav-1")), "fav-1"));
        assert!(key_matches(Some(&json!(17)), "17"));
        assert!(!key_matches(Some(&json!("fav-2")), "fav-1"));
        assert!(!key_matches(None, "fav-1"));
    }

    #[test]
    fn a_deep_setting_elsewhere_in_the_group_does_not_stop_finding_the_target() {
        let deep = format!("{}1{}", "[".repeat(400), "]".repeat(400));
        let body = format!(
            r#"{{"statusCode":0,"settings":[{{"id":"deep","v":{deep}}},{{"id":"fav-1","e":["a@b.c"]}},{{"id":7}}]}}"#
        );
        assert!(
            serde_json::from_str::<Value>(&body).is_err(),
            "serde_json's default limit"
        );
        let raws = raw_settings(&body).unwrap();
        assert_eq!(raws.len(), 3);
        let keys: Vec<Option<Value>> = raws.iter().map(|r| key_of(r, "id")).collect();
        assert_eq!(
            keys,
            [Some(json!("deep")), Some(json!("fav-1")), Some(json!(7))]
        );
        // The setting is handed on as its text, untouched.
        assert_eq!(raws[1].get(), r#"{"id":"fav-1","e":["a@b.c"]}"#);
    }

    #[test]
    fn a_file_that_is_not_pem_is_refused_as_a_ca_file() {
        let dir = std::env::temp_dir().join(format!("gws-client-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ca.der");
        std::fs::write(&path, b"\x30\x82\x01\x0a not pem at all").unwrap();
        let err = load_ca_file(&path).unwrap_err();
        assert!(err.contains("PEM"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn debug_hides_the_password() {
        let cfg = GwsConfig::new(Url::parse("http://h/").unwrap(), "admin", "hunter2secret");
        assert!(!format!("{cfg:?}").contains("hunter2secret"));
    }
}
