//! [`GwsClient`]: one authenticated GWS session with CSRF handling and retries.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::header::{HeaderName, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::Mutex;

use crate::error::{status, GwsError};

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
    Done(Value),
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
        let mut builder = reqwest::Client::builder()
            .cookie_store(true)
            .timeout(cfg.timeout)
            .connect_timeout(cfg.timeout.min(Duration::from_secs(10)))
            .danger_accept_invalid_certs(cfg.insecure);
        if let Some(path) = &cfg.ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| transport(format!("cannot read CA file {}: {e}", path.display())))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem)
                .map_err(|e| transport(format!("bad CA file {}: {e}", path.display())))?;
            for c in certs {
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
        let body = self
            .call(Method::GET, &["users", user_id, "settings"], None)
            .await?;
        serde_json::from_value(body.get("settings").cloned().unwrap_or(json!([])))
            .map_err(|_| GwsError::BadBody { http: 200 })
    }

    /// All settings of a user's group. GWS answers an array for custom groups and an object for
    /// system groups; both are accepted.
    pub async fn user_settings(&self, user_id: &str, group: &str) -> Result<Vec<Value>, GwsError> {
        let body = self
            .call(Method::GET, &["users", user_id, "settings", group], None)
            .await?;
        Ok(match body.get("settings") {
            Some(Value::Array(items)) => items.clone(),
            Some(Value::Object(map)) => map.values().cloned().collect(),
            _ => Vec::new(),
        })
    }

    /// One setting of a user's group, found by its key attribute, or `None` when it is gone.
    pub async fn user_setting(
        &self,
        user_id: &str,
        group: &str,
        key_attribute: &str,
        key_value: &str,
    ) -> Result<Option<Value>, GwsError> {
        match self.user_settings(user_id, group).await {
            Ok(all) => Ok(all
                .into_iter()
                .find(|s| key_matches(s.get(key_attribute), key_value))),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
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
            Some(setting),
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
            Some(&Value::Object(body)),
        )
        .await
        .map(|_| ())
    }

    /// One call with retries: transient failures back off and retry; a CSRF refusal (a session
    /// that expired) triggers one fresh handshake.
    async fn call(
        &self,
        method: Method,
        segments: &[&str],
        body: Option<&Value>,
    ) -> Result<Value, GwsError> {
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

    async fn attempt(&self, method: &Method, segments: &[&str], body: Option<&Value>) -> Attempt {
        let modifying = *method != Method::GET;
        if modifying && self.csrf.lock().await.is_none() {
            if let Err(e) = Box::pin(self.handshake()).await {
                return Attempt::Failed(e);
            }
        }
        let url = self.url(segments);
        let mut req = self
            .http
            .request(method.clone(), url)
            .basic_auth(&self.cfg.username, Some(&self.cfg.password));
        for (name, value) in &self.cfg.extra_headers {
            req = req.header(name, value);
        }
        if modifying {
            if let Some((name, value)) = self.csrf.lock().await.clone() {
                req = req.header(name, value);
            }
        }
        if let Some(b) = body {
            req = req.json(b);
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
        if !modifying {
            self.remember_csrf(resp.headers()).await;
        }
        let text = match resp.text().await {
            Ok(t) => t,
            Err(e) => {
                return Attempt::Failed(GwsError::Transport {
                    url: self.cfg.base_url.to_string(),
                    reason: describe_transport(&e),
                    timeout: e.is_timeout(),
                })
            }
        };
        if http == StatusCode::FORBIDDEN && text.to_ascii_lowercase().contains("csrf") {
            return Attempt::CsrfRefused;
        }
        if http == StatusCode::UNAUTHORIZED {
            return Attempt::Failed(GwsError::Unauthorized {
                user: self.cfg.username.clone(),
            });
        }
        let parsed: Option<Value> = serde_json::from_str(&text).ok();
        let code = parsed
            .as_ref()
            .and_then(|v| v.get("statusCode"))
            .and_then(Value::as_i64);
        match (parsed, code) {
            (Some(v), Some(status::OK)) if http.is_success() => Attempt::Done(v),
            (Some(v), Some(code)) => Attempt::Failed(GwsError::Status {
                http: http.as_u16(),
                code,
                message: v
                    .get("statusMessage")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .chars()
                    .take(200)
                    .collect(),
            }),
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

    async fn remember_csrf(&self, headers: &reqwest::header::HeaderMap) {
        let name = headers
            .get("X-CSRF-HEADER")
            .and_then(|v| HeaderName::from_bytes(v.as_bytes()).ok());
        let token = headers.get("X-CSRF-TOKEN").cloned();
        if let (Some(name), Some(mut token)) = (name, token) {
            token.set_sensitive(true);
            *self.csrf.lock().await = Some((name, token));
        }
    }
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

fn user_from(body: &Value) -> Result<GwsUser, GwsError> {
    body.get("user")
        .cloned()
        .and_then(|u| serde_json::from_value(u).ok())
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
    fn debug_hides_the_password() {
        let cfg = GwsConfig::new(Url::parse("http://h/").unwrap(), "admin", "hunter2secret");
        assert!(!format!("{cfg:?}").contains("hunter2secret"));
    }
}
