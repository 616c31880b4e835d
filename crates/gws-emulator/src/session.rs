//! `JSESSIONID` sessions and their CSRF tokens.
//!
//! GWS keeps a server-side session per client, named by the `JSESSIONID` cookie, and issues one
//! CSRF token per session. A session remembers its user, its token, when it was last used
//! (inactivity timeout, 1800 s by default), and a fingerprint of the `Authorization` header that
//! created it, so that a client sending the same Basic credentials with its cookie is not
//! re-checked against a slow password hash on every request.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Name of the session cookie, as GWS (a Java servlet application) calls it.
pub const COOKIE_NAME: &str = "JSESSIONID";

/// What a session remembers.
#[derive(Clone, Debug)]
pub struct SessionInfo {
    pub id: String,
    pub user_id: String,
    pub csrf_token: String,
    credential_fingerprint: Option<[u8; 32]>,
    last_used: Instant,
}

impl SessionInfo {
    /// Whether `authorization` is the header this session was created with.
    pub fn created_with(&self, authorization: &str) -> bool {
        match &self.credential_fingerprint {
            Some(fp) => bool::from(fp.ct_eq(&fingerprint(authorization))),
            None => false,
        }
    }

    /// Constant-time check of a CSRF token sent by the client.
    pub fn csrf_matches(&self, token: &str) -> bool {
        bool::from(self.csrf_token.as_bytes().ct_eq(token.as_bytes()))
    }
}

/// All live sessions.
pub struct Sessions {
    timeout: Duration,
    map: Mutex<HashMap<String, SessionInfo>>,
}

fn fingerprint(authorization: &str) -> [u8; 32] {
    Sha256::digest(authorization.as_bytes()).into()
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A random version-4 UUID in text form, the shape of GWS's CSRF tokens.
fn random_uuid() -> String {
    let mut b = [0u8; 16];
    rand::thread_rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex::encode(b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

impl Sessions {
    pub fn new(timeout: Duration) -> Self {
        Sessions {
            timeout,
            map: Mutex::new(HashMap::new()),
        }
    }

    /// The live session with this id, touched (its inactivity clock restarts).
    pub fn get(&self, id: &str) -> Option<SessionInfo> {
        let mut map = self.map.lock().expect("sessions lock");
        let now = Instant::now();
        match map.get_mut(id) {
            Some(s) if now.duration_since(s.last_used) <= self.timeout => {
                s.last_used = now;
                Some(s.clone())
            }
            Some(_) => {
                map.remove(id);
                None
            }
            None => None,
        }
    }

    /// Creates a session for a user who just authenticated with `authorization`.
    pub fn create(&self, user_id: &str, authorization: Option<&str>) -> SessionInfo {
        let info = SessionInfo {
            id: random_hex(16).to_uppercase(),
            user_id: user_id.to_string(),
            csrf_token: random_uuid(),
            credential_fingerprint: authorization.map(fingerprint),
            last_used: Instant::now(),
        };
        let mut map = self.map.lock().expect("sessions lock");
        // Clients that keep no cookies create a session per request: sweep now and then so
        // expired ones do not pile up.
        if map.len() % 1024 == 1023 {
            let now = Instant::now();
            let timeout = self.timeout;
            map.retain(|_, s| now.duration_since(s.last_used) <= timeout);
        }
        map.insert(info.id.clone(), info.clone());
        info
    }

    /// Forgets every session, as a GWS restart or a mass expiry would.
    pub fn invalidate_all(&self) {
        self.map.lock().expect("sessions lock").clear();
    }

    /// The id and CSRF token of every session held, for tests that prove a client never
    /// prints them (either one, replayed, acts as the session's user).
    pub fn secrets(&self) -> Vec<(String, String)> {
        let map = self.map.lock().expect("sessions lock");
        map.values()
            .map(|s| (s.id.clone(), s.csrf_token.clone()))
            .collect()
    }

    /// Number of sessions held (live or not yet swept).
    pub fn len(&self) -> usize {
        self.map.lock().expect("sessions lock").len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
