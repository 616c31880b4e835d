//! The emulator's users: the JSON users file, its validation, and password checks.
//!
//! GWS takes its users from Configuration Server; the emulator takes them from a small JSON
//! file instead, so tests and the demo can say exactly who exists and with which roles:
//!
//! ```json
//! {"users": [{"id": "0123456789abcdef0123456789abcdef", "userName": "admin@pizza.com",
//!             "password": "password", "firstName": "Ada", "lastName": "Admin",
//!             "roles": ["ROLE_ADMIN"], "enabled": true}]}
//! ```
//!
//! A user has either a plain `password` (handy for demos and tests) or a `passwordHash` in the
//! form `pbkdf2-sha256:<iterations>:<salt-hex>:<hash-hex>` (PBKDF2-HMAC-SHA256, 32-byte hash),
//! as produced by [`hash_password`]. Both are compared in constant time.
//!
//! Validation errors name the entry index and the field, and never quote a password: the file
//! is parsed as untyped JSON first and checked field by field, because serde's own messages may
//! quote the offending value.

use std::fmt;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A GWS role, as GWS names them in `GET /api/v2/me`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Role {
    #[serde(rename = "ROLE_ADMIN")]
    Admin,
    #[serde(rename = "ROLE_SUPERVISOR")]
    Supervisor,
    #[serde(rename = "ROLE_AGENT")]
    Agent,
    #[serde(rename = "ROLE_APIUSER")]
    ApiUser,
}

impl Role {
    /// The role's GWS name, e.g. `ROLE_ADMIN`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "ROLE_ADMIN",
            Role::Supervisor => "ROLE_SUPERVISOR",
            Role::Agent => "ROLE_AGENT",
            Role::ApiUser => "ROLE_APIUSER",
        }
    }

    fn parse(s: &str) -> Option<Role> {
        Some(match s {
            "ROLE_ADMIN" => Role::Admin,
            "ROLE_SUPERVISOR" => Role::Supervisor,
            "ROLE_AGENT" => Role::Agent,
            "ROLE_APIUSER" => Role::ApiUser,
            _ => return None,
        })
    }
}

/// One user of the users file.
///
/// `Debug` is written by hand so that a password or hash never reaches a log line.
#[derive(Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct UserEntry {
    /// 32 lower-case hex characters, as GWS documents user ids.
    pub id: String,
    pub user_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_hash: Option<String>,
    pub first_name: String,
    pub last_name: String,
    /// Defaults to `userName` when that looks like an e-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_address: Option<String>,
    pub roles: Vec<Role>,
    pub enabled: bool,
}

impl fmt::Debug for UserEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UserEntry")
            .field("id", &self.id)
            .field("user_name", &self.user_name)
            .field("password", &self.password.as_ref().map(|_| "<redacted>"))
            .field(
                "password_hash",
                &self.password_hash.as_ref().map(|_| "<redacted>"),
            )
            .field("roles", &self.roles)
            .field("enabled", &self.enabled)
            .finish()
    }
}

impl UserEntry {
    /// Whether the user may act on anyone's settings.
    pub fn is_admin(&self) -> bool {
        self.roles.contains(&Role::Admin)
    }

    /// The e-mail address GWS would report for this user.
    pub fn email(&self) -> Option<&str> {
        self.email_address.as_deref().or_else(|| {
            self.user_name
                .contains('@')
                .then_some(self.user_name.as_str())
        })
    }

    /// The user object as `GET /api/v2/me` and `GET /api/v2/users/{id}` return it.
    pub fn to_gws_json(&self) -> Value {
        serde_json::json!({
            "id": self.id,
            "userName": self.user_name,
            "firstName": self.first_name,
            "lastName": self.last_name,
            "emailAddress": self.email(),
            "roles": self.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "enabled": self.enabled,
        })
    }

    /// Checks a password in constant time (for equal lengths of plain passwords).
    pub fn check_password(&self, candidate: &str) -> bool {
        if let Some(plain) = &self.password {
            return bool::from(plain.as_bytes().ct_eq(candidate.as_bytes()));
        }
        match self.password_hash.as_deref().map(PasswordHash::parse) {
            Some(Ok(hash)) => hash.verify(candidate),
            _ => false,
        }
    }
}

/// The users file: `{"users": [...]}`.
#[derive(Clone, Debug, Default, Serialize, PartialEq, Eq)]
pub struct UsersFile {
    pub users: Vec<UserEntry>,
}

/// Why a users file was refused. Names the entry and field; never quotes a password.
#[derive(Debug, thiserror::Error)]
pub enum UsersFileError {
    #[error("cannot read users file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("users file is not valid JSON: {0}")]
    Json(String),
    #[error("users file: {0}")]
    Shape(String),
    #[error("users file entry {index}: field `{field}`: {problem}")]
    Entry {
        index: usize,
        field: &'static str,
        problem: String,
    },
}

fn entry_err(index: usize, field: &'static str, problem: impl Into<String>) -> UsersFileError {
    UsersFileError::Entry {
        index,
        field,
        problem: problem.into(),
    }
}

impl UsersFile {
    /// Reads and validates a users file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, UsersFileError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| UsersFileError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    /// Parses and validates the JSON text of a users file.
    pub fn parse(text: &str) -> Result<Self, UsersFileError> {
        // serde_json's syntax errors give line/column only, never the value: safe to show.
        let root: Value = serde_json::from_str(text).map_err(|e| {
            UsersFileError::Json(format!("line {} column {}", e.line(), e.column()))
        })?;
        let list = root.get("users").and_then(Value::as_array).ok_or_else(|| {
            UsersFileError::Shape("expected an object with a `users` array".into())
        })?;
        let mut users = Vec::with_capacity(list.len());
        for (index, entry) in list.iter().enumerate() {
            users.push(parse_entry(index, entry)?);
        }
        let file = UsersFile { users };
        file.validate()?;
        Ok(file)
    }

    /// Checks the rules a programmatically built file must also follow: id format, unique ids
    /// and user names, exactly one of password / passwordHash, at least one role.
    pub fn validate(&self) -> Result<(), UsersFileError> {
        let mut ids = std::collections::HashSet::new();
        let mut names = std::collections::HashSet::new();
        for (index, u) in self.users.iter().enumerate() {
            if !is_user_id(&u.id) {
                return Err(entry_err(
                    index,
                    "id",
                    "must be 32 lower-case hex characters",
                ));
            }
            if !ids.insert(u.id.as_str()) {
                return Err(entry_err(index, "id", "duplicate id"));
            }
            if u.user_name.trim().is_empty() {
                return Err(entry_err(index, "userName", "must not be empty"));
            }
            if !names.insert(u.user_name.to_lowercase()) {
                return Err(entry_err(
                    index,
                    "userName",
                    format!("duplicate userName {:?}", u.user_name),
                ));
            }
            match (&u.password, &u.password_hash) {
                (Some(_), Some(_)) => {
                    return Err(entry_err(
                        index,
                        "password",
                        "give either password or passwordHash, not both",
                    ))
                }
                (None, None) => {
                    return Err(entry_err(
                        index,
                        "password",
                        "missing (give password or passwordHash)",
                    ))
                }
                (Some(p), None) if p.is_empty() => {
                    return Err(entry_err(index, "password", "must not be empty"))
                }
                (None, Some(h)) => {
                    PasswordHash::parse(h)
                        .map_err(|problem| entry_err(index, "passwordHash", problem))?;
                }
                _ => {}
            }
            if u.roles.is_empty() {
                return Err(entry_err(index, "roles", "at least one role is needed"));
            }
        }
        Ok(())
    }

    /// A deterministic demo users file: `admin@pizza.com` (ROLE_ADMIN) and `agent1@pizza.com` ..
    /// `agentN@pizza.com` (ROLE_AGENT), ids derived from `seed`. With `hashed`, passwords are
    /// written as `passwordHash` (salt derived from the seed, so the output is still the same
    /// on every run) instead of in clear.
    pub fn demo(
        agents: usize,
        seed: u64,
        admin_password: &str,
        agent_password: &str,
        hashed: bool,
    ) -> Self {
        let entry = |user_name: String, first: &str, last: String, password: &str, role: Role| {
            let (password, password_hash) = if hashed {
                let salt =
                    Sha256::digest(format!("gws-emulator-salt:{seed}:{user_name}").as_bytes());
                (
                    None,
                    Some(hash_password(
                        password,
                        &salt[..16],
                        DEFAULT_HASH_ITERATIONS,
                    )),
                )
            } else {
                (Some(password.to_string()), None)
            };
            UserEntry {
                id: derived_user_id(seed, &user_name),
                email_address: None,
                user_name,
                password,
                password_hash,
                first_name: first.to_string(),
                last_name: last,
                roles: vec![role],
                enabled: true,
            }
        };
        let mut users = vec![entry(
            "admin@pizza.com".into(),
            "Pizza",
            "Admin".into(),
            admin_password,
            Role::Admin,
        )];
        for k in 1..=agents {
            users.push(entry(
                format!("agent{k}@pizza.com"),
                "Agent",
                k.to_string(),
                agent_password,
                Role::Agent,
            ));
        }
        UsersFile { users }
    }

    /// Pretty JSON text of the file, as `gws-emulator users` prints it.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("users file serializes")
    }

    pub fn by_id(&self, id: &str) -> Option<&UserEntry> {
        self.users.iter().find(|u| u.id == id)
    }

    /// User names are matched case-insensitively, like e-mail addresses.
    pub fn by_user_name(&self, name: &str) -> Option<&UserEntry> {
        self.users
            .iter()
            .find(|u| u.user_name.eq_ignore_ascii_case(name))
    }
}

fn parse_entry(index: usize, v: &Value) -> Result<UserEntry, UsersFileError> {
    let obj = v
        .as_object()
        .ok_or_else(|| entry_err(index, "(entry)", "must be a JSON object"))?;
    for key in obj.keys() {
        if !matches!(
            key.as_str(),
            "id" | "userName"
                | "password"
                | "passwordHash"
                | "firstName"
                | "lastName"
                | "emailAddress"
                | "roles"
                | "enabled"
        ) {
            // The key is a field name, not a value: safe to name.
            return Err(UsersFileError::Entry {
                index,
                field: "(unknown)",
                problem: format!("unknown field {key:?}"),
            });
        }
    }
    let req_str = |field: &'static str| -> Result<String, UsersFileError> {
        match obj.get(field) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(entry_err(index, field, "must be a string")),
            None => Err(entry_err(index, field, "missing")),
        }
    };
    let opt_str = |field: &'static str| -> Result<Option<String>, UsersFileError> {
        match obj.get(field) {
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Null) | None => Ok(None),
            Some(_) => Err(entry_err(index, field, "must be a string")),
        }
    };
    let roles = match obj.get("roles") {
        Some(Value::Array(list)) => list
            .iter()
            .map(|r| {
                r.as_str().and_then(Role::parse).ok_or_else(|| {
                    entry_err(
                        index,
                        "roles",
                        "each role must be one of ROLE_ADMIN, ROLE_SUPERVISOR, ROLE_AGENT, ROLE_APIUSER",
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?,
        Some(_) => return Err(entry_err(index, "roles", "must be an array")),
        None => return Err(entry_err(index, "roles", "missing")),
    };
    let enabled = match obj.get("enabled") {
        Some(Value::Bool(b)) => *b,
        None => true,
        Some(_) => return Err(entry_err(index, "enabled", "must be true or false")),
    };
    Ok(UserEntry {
        id: req_str("id")?,
        user_name: req_str("userName")?,
        password: opt_str("password")?,
        password_hash: opt_str("passwordHash")?,
        first_name: opt_str("firstName")?.unwrap_or_default(),
        last_name: opt_str("lastName")?.unwrap_or_default(),
        email_address: opt_str("emailAddress")?,
        roles,
        enabled,
    })
}

/// Whether `s` is a GWS user id: 32 lower-case hex characters.
pub fn is_user_id(s: &str) -> bool {
    s.len() == 32
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A deterministic user id derived from a seed and a user name, so generated users files (and
/// the data seeded for them) are the same on every run.
pub fn derived_user_id(seed: u64, user_name: &str) -> String {
    let digest = Sha256::digest(format!("gws-emulator-user:{seed}:{user_name}").as_bytes());
    hex::encode(&digest[..16])
}

/// Default PBKDF2 iterations of [`hash_password`]: high enough to be honest, low enough that a
/// test suite that logs in many times stays fast (sessions also skip re-verification).
pub const DEFAULT_HASH_ITERATIONS: u32 = 10_000;

/// Hashes a password as `pbkdf2-sha256:<iterations>:<salt-hex>:<hash-hex>`.
pub fn hash_password(password: &str, salt: &[u8], iterations: u32) -> String {
    let hash = pbkdf2_sha256(password.as_bytes(), salt, iterations);
    format!(
        "pbkdf2-sha256:{iterations}:{}:{}",
        hex::encode(salt),
        hex::encode(hash)
    )
}

struct PasswordHash {
    iterations: u32,
    salt: Vec<u8>,
    hash: Vec<u8>,
}

impl PasswordHash {
    fn parse(s: &str) -> Result<Self, &'static str> {
        const FORMAT: &str = "must look like pbkdf2-sha256:<iterations>:<salt-hex>:<hash-hex>";
        let mut parts = s.split(':');
        let (Some("pbkdf2-sha256"), Some(it), Some(salt), Some(hash), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(FORMAT);
        };
        let iterations: u32 = it.parse().map_err(|_| FORMAT)?;
        if iterations == 0 {
            return Err("iterations must be at least 1");
        }
        let salt = hex::decode(salt).map_err(|_| FORMAT)?;
        let hash = hex::decode(hash).map_err(|_| FORMAT)?;
        if hash.len() != 32 {
            return Err("hash must be 32 bytes (64 hex characters)");
        }
        Ok(PasswordHash {
            iterations,
            salt,
            hash,
        })
    }

    fn verify(&self, candidate: &str) -> bool {
        let got = pbkdf2_sha256(candidate.as_bytes(), &self.salt, self.iterations);
        bool::from(got.as_slice().ct_eq(&self.hash))
    }
}

/// PBKDF2-HMAC-SHA256 with a 32-byte output (RFC 8018), from the RustCrypto `pbkdf2` crate.
fn pbkdf2_sha256(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_matches_rfc7914_vector() {
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64), first 32 bytes.
        let out = pbkdf2_sha256(b"passwd", b"salt", 1);
        assert_eq!(
            hex::encode(out),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
    }

    #[test]
    fn hashed_password_verifies_and_rejects() {
        let h = hash_password("s3cret", b"pepper", 100);
        let u = UserEntry {
            id: "0".repeat(32),
            user_name: "a@b.c".into(),
            password: None,
            password_hash: Some(h),
            first_name: String::new(),
            last_name: String::new(),
            email_address: None,
            roles: vec![Role::Agent],
            enabled: true,
        };
        assert!(u.check_password("s3cret"));
        assert!(!u.check_password("s3cret "));
    }

    #[test]
    fn errors_name_index_and_field_but_not_password() {
        let text = r#"{"users":[
            {"id":"0123456789abcdef0123456789abcdef","userName":"a","password":"x","roles":["ROLE_AGENT"]},
            {"id":"0123456789abcdef0123456789abcdeF","userName":"b","password":"TOPSECRET","roles":["ROLE_AGENT"]}
        ]}"#;
        let err = UsersFile::parse(text).unwrap_err().to_string();
        assert!(err.contains("entry 1") && err.contains("`id`"), "{err}");
        assert!(!err.contains("TOPSECRET"));

        let text = r#"{"users":[{"id":"0123456789abcdef0123456789abcdef","userName":"a","password":12345,"roles":["ROLE_AGENT"]}]}"#;
        let err = UsersFile::parse(text).unwrap_err().to_string();
        assert!(
            err.contains("entry 0") && err.contains("`password`") && !err.contains("12345"),
            "{err}"
        );
    }
}
