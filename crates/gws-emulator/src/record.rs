//! In-memory recording of every request, so tests can prove what a client sent (for example
//! that it never sent a DELETE without a body, which would delete a whole group).
//!
//! Bodies are kept in memory only, never logged: they hold the very personal data the project
//! is about.

use std::sync::Mutex;

/// One request as the emulator received it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, `PUT`, `DELETE`, ...
    pub method: String,
    /// The URI path, without the query string.
    pub path: String,
    /// The query string, if any (e.g. `userName=...`).
    pub query: Option<String>,
    /// Whether the request had a non-empty body.
    pub has_body: bool,
    /// The body as text (lossy UTF-8), when it had one.
    pub body: Option<String>,
    /// The authenticated user name; `None` when authentication failed or was absent.
    pub user: Option<String>,
    /// The HTTP status answered.
    pub status: u16,
}

/// The recorder shared by all requests.
#[derive(Default)]
pub struct Recorder {
    enabled: bool,
    list: Mutex<Vec<RecordedRequest>>,
}

impl Recorder {
    pub fn new(enabled: bool) -> Self {
        Recorder {
            enabled,
            list: Mutex::new(Vec::new()),
        }
    }

    pub fn push(&self, r: RecordedRequest) {
        if self.enabled {
            self.list.lock().expect("recorder lock").push(r);
        }
    }

    pub fn snapshot(&self) -> Vec<RecordedRequest> {
        self.list.lock().expect("recorder lock").clone()
    }

    pub fn clear(&self) {
        self.list.lock().expect("recorder lock").clear();
    }
}
