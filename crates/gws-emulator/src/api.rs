//! The HTTP API: routes under `/api/v2`, the gate every request passes (body limit,
//! authentication, session, CSRF, recording, logging), and the handlers.
//!
//! Contact-center settings (`/settings...`), a user's settings (`/users/{id}/settings...`) and
//! the caller's own (`/me/settings...`) share one set of handlers: a [`Target`] extractor says
//! whose settings a request is about, and [`Target::owner`] applies the permission rules.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{FromRequestParts, OriginalUri, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Json, Router};
use base64::Engine;
use serde_json::{json, Map, Value};

use crate::record::{RecordedRequest, Recorder};
use crate::session::{SessionInfo, Sessions, COOKIE_NAME};
use crate::status::{ok, ApiError, GwsStatus};
use crate::store::{GroupRow, Store, CONTACT_CENTER};
use crate::users::{UserEntry, UsersFile};

/// Header that names the CSRF header, and the CSRF header itself, as GWS sends them.
pub const CSRF_HEADER_NAME_HEADER: &str = "X-CSRF-HEADER";
pub const CSRF_TOKEN_HEADER: &str = "X-CSRF-TOKEN";
/// The message of a CSRF refusal, as GWS words it.
pub const CSRF_MESSAGE: &str = "Missing or invalid Csrf token";

/// Everything the handlers share.
pub(crate) struct AppState {
    pub store: Store,
    pub users: UsersFile,
    pub sessions: Sessions,
    pub recorder: Recorder,
    pub csrf: bool,
    pub max_body_bytes: usize,
}

pub(crate) type Shared = Arc<AppState>;

/// The authenticated user of a request, put there by the gate.
#[derive(Clone)]
pub(crate) struct Caller(pub UserEntry);

pub(crate) fn router(app: Shared) -> Router {
    // One set of settings routes, mounted for the three kinds of owner.
    let settings = || {
        Router::new()
            .route("/settings", get(list_groups).post(create_group))
            .route(
                "/settings/{group}",
                get(get_group)
                    .post(post_setting)
                    .put(put_setting)
                    .delete(delete_in_group),
            )
    };
    let api = Router::new()
        .route("/me", get(me))
        .route("/users", get(find_users))
        .route("/users/{id}", get(get_user))
        .merge(settings())
        .nest("/me", settings())
        .nest("/users/{id}", settings());
    Router::new()
        .nest("/api/v2", api)
        .fallback(unknown_path)
        .method_not_allowed_fallback(wrong_method)
        .layer(middleware::from_fn_with_state(app.clone(), gate))
        .with_state(app)
}

async fn unknown_path() -> ApiError {
    ApiError::not_found("Not found: no such resource")
}

async fn wrong_method() -> ApiError {
    ApiError::new(
        GwsStatus::InputValidation,
        "Method not allowed on this resource",
    )
    .with_http(StatusCode::METHOD_NOT_ALLOWED)
}

// ---------------------------------------------------------------------------------------------
// The gate
// ---------------------------------------------------------------------------------------------

fn is_modifying(m: &Method) -> bool {
    !matches!(
        *m,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

fn session_cookie(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE_NAME)
        .map(|(_, v)| v.to_string())
}

fn not_authenticated() -> ApiError {
    ApiError::new(GwsStatus::NotAuthenticated, "Not authenticated")
}

/// Who is calling, and with which session. `cookie_session` is the session the client presented
/// (and which CSRF tokens are bound to); `session` is the one in force after this request.
struct Authenticated {
    user: UserEntry,
    session: SessionInfo,
    new_session: bool,
    cookie_session: Option<SessionInfo>,
}

/// HTTP Basic when an `Authorization` header is present (it is authoritative: wrong
/// credentials are refused even with a valid session); otherwise the `JSESSIONID` session.
fn authenticate(app: &AppState, headers: &HeaderMap) -> Result<Authenticated, ApiError> {
    let cookie_session = session_cookie(headers).and_then(|id| app.sessions.get(&id));
    let authorization = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let user = match authorization {
        Some(authz) => {
            // Fast path: same credentials as the ones that created the presented session.
            if let Some(s) = cookie_session.as_ref().filter(|s| s.created_with(authz)) {
                app.users
                    .by_id(&s.user_id)
                    .cloned()
                    .ok_or_else(not_authenticated)?
            } else {
                let (name, password) = parse_basic(authz).ok_or_else(not_authenticated)?;
                let user = app
                    .users
                    .by_user_name(&name)
                    .ok_or_else(not_authenticated)?;
                if !user.check_password(&password) {
                    return Err(not_authenticated());
                }
                user.clone()
            }
        }
        None => {
            let s = cookie_session.as_ref().ok_or_else(not_authenticated)?;
            app.users
                .by_id(&s.user_id)
                .cloned()
                .ok_or_else(not_authenticated)?
        }
    };
    if !user.enabled {
        return Err(ApiError::new(
            GwsStatus::NotAuthenticated,
            "User is disabled",
        ));
    }
    let (session, new_session) = match cookie_session.as_ref().filter(|s| s.user_id == user.id) {
        Some(s) => (s.clone(), false),
        None => (app.sessions.create(&user.id, authorization), true),
    };
    Ok(Authenticated {
        user,
        session,
        new_session,
        cookie_session,
    })
}

fn parse_basic(authz: &str) -> Option<(String, String)> {
    let (scheme, rest) = authz.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(rest.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_string(), password.to_string()))
}

/// Runs before every handler (and the fallbacks): body limit, authentication, session cookie,
/// CSRF, then records and logs the exchange. Logs carry method, path, status and user only.
async fn gate(State(app): State<Shared>, req: Request, next: Next) -> Response {
    let (parts, body) = req.into_parts();
    let method = parts.method.clone();
    let path = parts.uri.path().to_string();
    let query = parts.uri.query().map(str::to_string);
    let declared_len = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    let too_large = || {
        ApiError::new(GwsStatus::InputValidation, "Request body too large")
            .with_http(StatusCode::PAYLOAD_TOO_LARGE)
            .into_response()
    };
    let bytes = if declared_len.is_some_and(|n| n > app.max_body_bytes) {
        None
    } else {
        axum::body::to_bytes(body, app.max_body_bytes).await.ok()
    };

    let mut user_name = None;
    let response = match &bytes {
        None => too_large(),
        Some(bytes) => match authenticate(&app, &parts.headers) {
            Err(e) => e.into_response(),
            Ok(auth) => {
                user_name = Some(auth.user.user_name.clone());
                let csrf_ok = !app.csrf
                    || !is_modifying(&method)
                    || match (&auth.cookie_session, parts.headers.get(CSRF_TOKEN_HEADER)) {
                        (Some(s), Some(token)) => {
                            s.user_id == auth.user.id
                                && token.to_str().is_ok_and(|t| s.csrf_matches(t))
                        }
                        _ => false,
                    };
                let mut resp = if csrf_ok {
                    let mut req = Request::from_parts(parts, Body::from(bytes.clone()));
                    req.extensions_mut().insert(Caller(auth.user.clone()));
                    next.run(req).await
                } else {
                    ApiError::new(GwsStatus::Forbidden, CSRF_MESSAGE).into_response()
                };
                let h = resp.headers_mut();
                if auth.new_session {
                    let cookie = format!("{COOKIE_NAME}={}; Path=/; HttpOnly", auth.session.id);
                    if let Ok(v) = HeaderValue::from_str(&cookie) {
                        h.append(header::SET_COOKIE, v);
                    }
                }
                if app.csrf && method == Method::GET {
                    h.insert(
                        CSRF_HEADER_NAME_HEADER,
                        HeaderValue::from_static(CSRF_TOKEN_HEADER),
                    );
                    if let Ok(v) = HeaderValue::from_str(&auth.session.csrf_token) {
                        h.insert(CSRF_TOKEN_HEADER, v);
                    }
                }
                resp
            }
        },
    };

    let status = response.status().as_u16();
    tracing::info!(%method, %path, status, user = user_name.as_deref().unwrap_or("-"), "request");
    let body = bytes.as_ref().filter(|b| !b.is_empty());
    app.recorder.push(RecordedRequest {
        method: method.to_string(),
        path,
        query,
        has_body: bytes.is_none() || body.is_some(),
        body: body.map(|b| String::from_utf8_lossy(b).into_owned()),
        user: user_name,
        status,
    });
    response
}

// ---------------------------------------------------------------------------------------------
// Whose settings: the Target extractor and the permission rules
// ---------------------------------------------------------------------------------------------

/// Whose settings a request addresses, and which group (when the path names one).
pub(crate) struct Target {
    scope: Scope,
    group: Option<String>,
    /// The path prefix under `/api/v2` of this owner's settings, e.g. `/users/{id}/settings`.
    base: String,
}

enum Scope {
    ContactCenter,
    Me,
    User(String),
}

/// The request's full path: inside a nested router `parts.uri` has lost its prefix.
fn original_path(parts: &Parts) -> &str {
    parts
        .extensions
        .get::<OriginalUri>()
        .map(|u| u.0.path())
        .unwrap_or_else(|| parts.uri.path())
}

impl<S: Send + Sync> FromRequestParts<S> for Target {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .unwrap_or_else(|_| Path(HashMap::new()));
        let (scope, base) = if let Some(id) = params.get("id") {
            (Scope::User(id.clone()), format!("/users/{id}/settings"))
        } else if original_path(parts).starts_with("/api/v2/me/") {
            (Scope::Me, "/me/settings".to_string())
        } else {
            (Scope::ContactCenter, "/settings".to_string())
        };
        Ok(Target {
            scope,
            group: params.get("group").cloned(),
            base,
        })
    }
}

impl Target {
    /// The `owner_id` to use, after checking the caller may read (or `write`) it: everyone may
    /// read contact-center settings, only admins change them; a non-admin may touch only their
    /// own user settings. Permission is checked before existence, so a refusal reveals nothing.
    fn owner(&self, app: &AppState, caller: &UserEntry, write: bool) -> Result<String, ApiError> {
        match &self.scope {
            Scope::ContactCenter if write && !caller.is_admin() => Err(ApiError::no_permission()),
            Scope::ContactCenter => Ok(CONTACT_CENTER.to_string()),
            Scope::Me => Ok(caller.id.clone()),
            Scope::User(id) if !caller.is_admin() && *id != caller.id => {
                Err(ApiError::no_permission())
            }
            Scope::User(id) if app.users.by_id(id).is_none() => {
                Err(ApiError::not_found("User not found"))
            }
            Scope::User(id) => Ok(id.clone()),
        }
    }

    fn group_name(&self) -> &str {
        self.group.as_deref().unwrap_or_default()
    }

    /// The owner and the (existing) group the request names.
    async fn owner_and_group(
        &self,
        app: &AppState,
        caller: &UserEntry,
        write: bool,
    ) -> Result<(String, GroupRow), ApiError> {
        let owner = self.owner(app, caller, write)?;
        let group = app
            .store
            .get_group(&owner, self.group_name())
            .await
            .map_err(ApiError::internal)?
            .ok_or_else(|| ApiError::not_found("Settings group not found"))?;
        Ok((owner, group))
    }
}

// ---------------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------------

async fn me(Extension(Caller(caller)): Extension<Caller>) -> Response {
    Json(json!({"statusCode": 0, "user": caller.to_gws_json()})).into_response()
}

async fn get_user(
    State(app): State<Shared>,
    Extension(Caller(caller)): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if !caller.is_admin() && id != caller.id {
        return Err(ApiError::no_permission());
    }
    let user = app
        .users
        .by_id(&id)
        .ok_or_else(|| ApiError::not_found("User not found"))?;
    Ok(Json(json!({"statusCode": 0, "user": user.to_gws_json()})).into_response())
}

/// `GET /users?userName=...`: an emulator convenience (GWS's user search is not documented in
/// the sources the project relies on). Without `userName`, an admin gets every user.
async fn find_users(
    State(app): State<Shared>,
    Extension(Caller(caller)): Extension<Caller>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let wanted = q.get("userName");
    if !caller.is_admin() && !wanted.is_some_and(|n| n.eq_ignore_ascii_case(&caller.user_name)) {
        return Err(ApiError::no_permission());
    }
    let users: Vec<Value> = app
        .users
        .users
        .iter()
        .filter(|u| wanted.is_none_or(|n| u.user_name.eq_ignore_ascii_case(n)))
        .map(UserEntry::to_gws_json)
        .collect();
    Ok(Json(json!({"statusCode": 0, "users": users})).into_response())
}

// ---------------------------------------------------------------------------------------------
// Settings groups
// ---------------------------------------------------------------------------------------------

async fn list_groups(
    State(app): State<Shared>,
    Extension(Caller(caller)): Extension<Caller>,
    target: Target,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let owner = target.owner(&app, &caller, false)?;
    let groups = app
        .store
        .list_groups(&owner)
        .await
        .map_err(ApiError::internal)?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let list: Vec<Value> = groups
        .into_iter()
        .map(|g| {
            let path = format!("{}/{}", target.base, g.name);
            json!({
                "name": g.name,
                "displayName": g.display_name,
                "key": g.key_attribute,
                "uri": format!("http://{host}/api/v2{path}"),
                "path": path,
            })
        })
        .collect();
    Ok(Json(json!({"statusCode": 0, "settings": list})).into_response())
}

/// A group name must be usable in a URI path segment as is.
fn is_uri_safe(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'))
}

async fn create_group(
    State(app): State<Shared>,
    Extension(Caller(caller)): Extension<Caller>,
    target: Target,
    body: Bytes,
) -> Result<Response, ApiError> {
    let owner = target.owner(&app, &caller, true)?;
    let obj = json_object(&body)?;
    let field = |name: &str| -> Result<Option<String>, ApiError> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::new(
                GwsStatus::InputValidation,
                format!("`{name}` must be a string"),
            )),
        }
    };
    let missing =
        |name: &str| ApiError::new(GwsStatus::MissingParameter, format!("`{name}` is required"));
    let name = field("name")?.ok_or_else(|| missing("name"))?;
    let key = field("key")?.ok_or_else(|| missing("key"))?;
    if !is_uri_safe(&name) {
        return Err(ApiError::new(
            GwsStatus::InputValidation,
            "`name` must be URI-safe: letters, digits, '-', '_', '.', '~'",
        ));
    }
    let group = GroupRow {
        display_name: field("displayName")?.unwrap_or_else(|| name.clone()),
        name,
        key_attribute: key,
    };
    if !app
        .store
        .create_group(&owner, &group)
        .await
        .map_err(ApiError::internal)?
    {
        return Err(ApiError::new(
            GwsStatus::AlreadyExists,
            "Settings group already exists",
        ));
    }
    Ok(ok())
}

// ---------------------------------------------------------------------------------------------
// Settings in a group
// ---------------------------------------------------------------------------------------------

/// Answers the group's settings with each stored JSON text spliced in as is, so a client sees
/// exactly what is in Cassandra (key order and all). Text that is not valid JSON (written by
/// something else) is answered as a JSON string rather than breaking the whole answer.
async fn get_group(
    State(app): State<Shared>,
    Extension(Caller(caller)): Extension<Caller>,
    target: Target,
) -> Result<Response, ApiError> {
    let (owner, group) = target.owner_and_group(&app, &caller, false).await?;
    let rows = app
        .store
        .list_settings(&owner, &group.name)
        .await
        .map_err(ApiError::internal)?;
    let mut out = String::from(r#"{"statusCode":0,"settings":["#);
    for (i, row) in rows.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        if serde_json::from_str::<serde::de::IgnoredAny>(&row.value).is_ok() {
            out.push_str(&row.value);
        } else {
            out.push_str(&Value::String(row.value.clone()).to_string());
        }
    }
    out.push_str("]}");
    Ok(([(header::CONTENT_TYPE, "application/json")], out).into_response())
}

/// Parses a body that must be a JSON object.
fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            GwsStatus::MissingParameter,
            "A JSON body is required",
        ));
    }
    let parsed = serde_json::from_slice::<Value>(body).or_else(|e| {
        // A lone UTF-16 surrogate escape ("\ud800") is valid JSON text that no Rust string
        // holds. GWS (Java strings are UTF-16) accepts it, so the emulator does too: the body
        // is read with such escapes replaced, and stored as it came (see stored_text).
        let text = std::str::from_utf8(body).map_err(|_| e)?;
        serde_json::from_str::<Value>(&without_lone_surrogates(text))
    });
    match parsed {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err(ApiError::new(
            GwsStatus::InputValidation,
            "The body must be a JSON object",
        )),
        Err(_) => Err(ApiError::new(
            GwsStatus::InputValidation,
            "The body is not valid JSON",
        )),
    }
}

/// `text` with every `\u` escape of a lone UTF-16 surrogate replaced by `\ufffd`.
fn without_lone_surrogates(text: &str) -> String {
    let hex_at = |i: usize| {
        text.get(i..i + 6)
            .filter(|s| s.starts_with("\\u"))
            .and_then(|s| u16::from_str_radix(&s[2..], 16).ok())
    };
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        if bytes[i] == b'\\' {
            match hex_at(i) {
                Some(0xD800..=0xDBFF) if matches!(hex_at(i + 6), Some(0xDC00..=0xDFFF)) => {
                    out.push_str(&text[i..i + 12]);
                    i += 12;
                }
                Some(0xD800..=0xDFFF) => {
                    out.push_str("\\ufffd");
                    i += 6;
                }
                _ => {
                    // Any other escape: copy it whole, so `\\u` is not misread.
                    let len = if bytes.get(i + 1) == Some(&b'u') {
                        6
                    } else {
                        2
                    };
                    out.push_str(text.get(i..i + len).unwrap_or(&text[i..]));
                    i += len;
                }
            }
        } else {
            let c = text[i..].chars().next().unwrap_or('\0');
            out.push(c);
            i += c.len_utf8().max(1);
        }
    }
    out
}

/// The setting key: the key attribute's value, a string as is or a number as its JSON text.
/// Messages name the attribute, never its value.
fn setting_key(obj: &Map<String, Value>, key_attribute: &str) -> Result<String, ApiError> {
    match obj.get(key_attribute) {
        None | Some(Value::Null) => Err(ApiError::new(
            GwsStatus::MissingParameter,
            format!("The setting has no key attribute `{key_attribute}`"),
        )),
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(_) => Err(ApiError::new(
            GwsStatus::InputValidation,
            format!("The key attribute `{key_attribute}` must be a non-empty string or a number"),
        )),
    }
}

/// The JSON text stored in `settings.value`: the body as received, trimmed of surrounding
/// whitespace. Storing the client's own text (not a re-serialization) keeps the row identical
/// to what was sent, which is what a scanner or an auditor expects to find.
fn stored_text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).trim().to_string()
}

async fn post_setting(
    State(app): State<Shared>,
    Extension(Caller(caller)): Extension<Caller>,
    target: Target,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (owner, group) = target.owner_and_group(&app, &caller, true).await?;
    let obj = json_object(&body)?;
    let key = setting_key(&obj, &group.key_attribute)?;
    let inserted = app
        .store
        .insert_setting(&owner, &group.name, &key, &stored_text(&body))
        .await
        .map_err(ApiError::internal)?;
    if !inserted {
        return Err(ApiError::new(
            GwsStatus::AlreadyExists,
            "A setting with this key already exists",
        ));
    }
    Ok(ok())
}

/// Replaces a whole setting (GWS cannot patch nested objects). The key attribute identifies
/// the setting, so it cannot be changed by a PUT.
async fn put_setting(
    State(app): State<Shared>,
    Extension(Caller(caller)): Extension<Caller>,
    target: Target,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (owner, group) = target.owner_and_group(&app, &caller, true).await?;
    let obj = json_object(&body)?;
    let key = setting_key(&obj, &group.key_attribute)?;
    let replaced = app
        .store
        .replace_setting(&owner, &group.name, &key, &stored_text(&body))
        .await
        .map_err(ApiError::internal)?;
    if !replaced {
        return Err(ApiError::not_found("No setting with this key"));
    }
    Ok(ok())
}

/// `DELETE` with a body `{"<key attribute>": "<value>"}` deletes one setting. `DELETE` with no
/// body at all deletes the whole group (inferred GWS behaviour, hence dangerous for a client).
/// A body that is present but names no key is refused, never taken as "the whole group".
async fn delete_in_group(
    State(app): State<Shared>,
    Extension(Caller(caller)): Extension<Caller>,
    target: Target,
    body: Bytes,
) -> Result<Response, ApiError> {
    let (owner, group) = target.owner_and_group(&app, &caller, true).await?;
    if body.is_empty() {
        app.store
            .delete_group(&owner, &group.name)
            .await
            .map_err(ApiError::internal)?;
        tracing::info!(owner = %owner, group = %group.name, "deleted whole settings group");
        return Ok(ok());
    }
    let obj = json_object(&body)?;
    let key = setting_key(&obj, &group.key_attribute)?;
    let deleted = app
        .store
        .delete_setting(&owner, &group.name, &key)
        .await
        .map_err(ApiError::internal)?;
    if !deleted {
        return Err(ApiError::not_found("No setting with this key"));
    }
    Ok(ok())
}
