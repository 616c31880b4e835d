//! A small GWS HTTP client, used by the seeder and by tests.
//!
//! It keeps cookies (the `JSESSIONID` session), performs the CSRF handshake itself (a `GET
//! /api/v2/me`, then the `X-CSRF-HEADER`-named header on every modification), and repeats the
//! handshake once when a modification is refused for CSRF, which is what happens after the
//! server's sessions expire. It is deliberately minimal; the product's own GWS client lives in
//! another crate.

use reqwest::header::HeaderName;
use reqwest::Method;
use serde_json::Value;
use tokio::sync::Mutex;

use crate::api::{CSRF_HEADER_NAME_HEADER, CSRF_MESSAGE, CSRF_TOKEN_HEADER};

/// An answer: HTTP status and the JSON body (`Value::Null` when the body was not JSON).
#[derive(Clone, Debug)]
pub struct ApiResponse {
    pub http: u16,
    pub body: Value,
}

impl ApiResponse {
    /// The GWS `statusCode`, when the body has one.
    pub fn status_code(&self) -> Option<i64> {
        self.body.get("statusCode").and_then(Value::as_i64)
    }

    pub fn status_message(&self) -> &str {
        self.body
            .get("statusMessage")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    /// Whether both the HTTP status and the statusCode say success.
    pub fn is_ok(&self) -> bool {
        self.http == 200 && self.status_code() == Some(0)
    }
}

/// A failed call.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("HTTP error talking to {url}: {source}")]
    Http { url: String, source: reqwest::Error },
    #[error("{method} {path}: HTTP {http}, statusCode {status_code:?}: {message}")]
    Api {
        method: String,
        path: String,
        http: u16,
        status_code: Option<i64>,
        message: String,
    },
}

/// A logged-in (Basic auth) client of one GWS base URL.
pub struct ApiClient {
    http: reqwest::Client,
    base_url: String,
    user: String,
    password: String,
    /// (header name, token) from the last handshake.
    csrf: Mutex<Option<(HeaderName, String)>>,
}

impl ApiClient {
    /// `base_url` is `http://host:port` (with or without a trailing `/`).
    pub fn new(base_url: &str, user: &str, password: &str) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .build()
            .expect("reqwest client builds");
        ApiClient {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            user: user.to_string(),
            password: password.to_string(),
            csrf: Mutex::new(None),
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}/api/v2{}", self.base_url, path)
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
        csrf: Option<&(HeaderName, String)>,
    ) -> Result<ApiResponse, ClientError> {
        let url = self.url(path);
        let mut req = self
            .http
            .request(method, &url)
            .basic_auth(&self.user, Some(&self.password));
        if let Some(body) = body {
            req = req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.to_string());
        }
        if let Some((name, token)) = csrf {
            req = req.header(name.clone(), token.as_str());
        }
        let resp = req.send().await.map_err(|source| ClientError::Http {
            url: url.clone(),
            source,
        })?;
        let http = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp
            .text()
            .await
            .map_err(|source| ClientError::Http { url, source })?;
        // Any GET answer carries the session's token: keep the freshest one.
        if let Some(token) = headers.get(CSRF_TOKEN_HEADER).and_then(|v| v.to_str().ok()) {
            let name = headers
                .get(CSRF_HEADER_NAME_HEADER)
                .and_then(|v| HeaderName::from_bytes(v.as_bytes()).ok())
                .unwrap_or(HeaderName::from_static("x-csrf-token"));
            *self.csrf.lock().await = Some((name, token.to_string()));
        }
        Ok(ApiResponse {
            http,
            body: serde_json::from_str(&text).unwrap_or(Value::Null),
        })
    }

    /// `GET /api/v2/me`: logs in, starts the session and picks up the CSRF token.
    pub async fn handshake(&self) -> Result<ApiResponse, ClientError> {
        let r = self.raw(Method::GET, "/me", None, None).await?;
        expect_ok("GET", "/me", r)
    }

    /// `GET` a path under `/api/v2`; the answer is returned whatever its status.
    pub async fn get(&self, path: &str) -> Result<ApiResponse, ClientError> {
        self.raw(Method::GET, path, None, None).await
    }

    /// Sends a modification (POST/PUT/DELETE) with the CSRF header, handshaking first if
    /// needed and once more if the server refuses the token. The answer is returned whatever
    /// its status. `body` is sent as is; `None` sends no body at all.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
    ) -> Result<ApiResponse, ClientError> {
        if self.csrf.lock().await.is_none() {
            self.handshake().await?;
        }
        let token = self.csrf.lock().await.clone();
        let r = self.raw(method.clone(), path, body, token.as_ref()).await?;
        if r.http == 403 && r.status_message() == CSRF_MESSAGE {
            self.handshake().await?;
            let token = self.csrf.lock().await.clone();
            return self.raw(method, path, body, token.as_ref()).await;
        }
        Ok(r)
    }

    /// Like [`ApiClient::send`] but an answer other than HTTP 200 / statusCode 0 is an error.
    pub async fn send_ok(
        &self,
        method: Method,
        path: &str,
        body: Option<&str>,
    ) -> Result<ApiResponse, ClientError> {
        let r = self.send(method.clone(), path, body).await?;
        expect_ok(method.as_str(), path, r)
    }
}

fn expect_ok(method: &str, path: &str, r: ApiResponse) -> Result<ApiResponse, ClientError> {
    if r.is_ok() {
        Ok(r)
    } else {
        Err(ClientError::Api {
            method: method.to_string(),
            path: path.to_string(),
            http: r.http,
            status_code: r.status_code(),
            message: r.status_message().to_string(),
        })
    }
}
