//! `testkit`: shared helpers for the workspace's integration tests.
//!
//! Every integration test talks to one real Cassandra node (started with
//! `scripts/cassandra start`) and, usually, to a `gws-emulator` in front of it. Tests run in
//! parallel, so each one works in its own keyspace: [`unique_keyspace`] names it,
//! [`start_emulator`] creates it with the reference layout and serves it with a fixed set of
//! users whose passwords are the constants below, and [`drop_keyspace`] removes it at the end.
//!
//! # Layout
//!
//! Everything is in this file: the Cassandra address and sessions, keyspace names, the test
//! users, starting an emulator, and seeding a small data set.

use std::sync::atomic::{AtomicU64, Ordering};

use gws_emulator::seed::{agents_of, SeedPlan};
use gws_emulator::users::{hash_password, Role, UserEntry};
pub use gws_emulator::{
    ApiClient, EmulatorConfig, RunningEmulator, SeededData, Subject, UsersFile,
};
use scylla::client::session::Session;

/// Environment variable naming the Cassandra node (`host:port`).
pub const CASSANDRA_ENV: &str = "FORGETME_CASSANDRA";
/// Where the project's node listens unless [`CASSANDRA_ENV`] says otherwise.
pub const DEFAULT_CASSANDRA: &str = "127.0.0.1:9042";

pub const ADMIN_USER: &str = "admin@pizza.com";
pub const ADMIN_PASSWORD: &str = "admin-secret";
pub const SUPERVISOR_USER: &str = "supervisor@pizza.com";
pub const SUPERVISOR_PASSWORD: &str = "supervisor-secret";
/// Password of every test agent (`agent1@pizza.com` .. `agent{AGENT_COUNT}@pizza.com`).
pub const AGENT_PASSWORD: &str = "agent-secret";
/// Number of agents in [`test_users`].
pub const AGENT_COUNT: usize = 6;
/// A user that exists but is disabled (password [`AGENT_PASSWORD`]).
pub const DISABLED_USER: &str = "disabled@pizza.com";

/// The Cassandra node tests use: `$FORGETME_CASSANDRA`, default `127.0.0.1:9042`.
pub fn cassandra_addr() -> String {
    std::env::var(CASSANDRA_ENV)
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_CASSANDRA.to_string())
}

/// A keyspace name unique per process and call: `<prefix>_<pid>_<counter>_<8 random letters>`, lower
/// case, at most 48 characters (Cassandra's limit), a valid unquoted CQL identifier.
pub fn unique_keyspace(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let clean: String = prefix
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .take(20)
        .collect();
    let clean = if clean.starts_with(|c: char| c.is_ascii_alphabetic()) {
        clean
    } else {
        format!("t{clean}")
    };
    // Letters only: eight hex digits were all decimal now and then, and the audit log rightly
    // withholds a run of digits that may be a phone number, so a name-blind comparison of two
    // runs' events saw one keyspace name whole and the other withheld.
    let mut random: u64 = rand::random();
    let letters: String = (0..8)
        .map(|_| {
            let c = char::from(b'a' + (random % 26) as u8);
            random /= 26;
            c
        })
        .collect();
    format!("{clean}_{}_{n}_{letters}", std::process::id())
}

/// The user name of test agent `k` (1-based).
pub fn agent_user(k: usize) -> String {
    format!("agent{k}@pizza.com")
}

/// The fixed test users: an admin, [`AGENT_COUNT`] agents, a supervisor and a disabled agent.
/// Ids are derived from the user names. The last agent's password is stored as a PBKDF2 hash
/// (with few iterations, to stay fast), so both password forms are exercised.
pub fn test_users() -> UsersFile {
    let mut file = UsersFile::demo(AGENT_COUNT, 7, ADMIN_PASSWORD, AGENT_PASSWORD, false);
    if let Some(last) = file.users.last_mut() {
        last.password = None;
        last.password_hash = Some(hash_password(AGENT_PASSWORD, b"testkit-salt", 50));
    }
    let extra = |name: &str, password: &str, role: Role, enabled: bool| UserEntry {
        id: gws_emulator::users::derived_user_id(7, name),
        user_name: name.to_string(),
        password: Some(password.to_string()),
        password_hash: None,
        first_name: "Test".to_string(),
        last_name: name.split('@').next().unwrap_or_default().to_string(),
        email_address: None,
        roles: vec![role],
        enabled,
    };
    file.users.push(extra(
        SUPERVISOR_USER,
        SUPERVISOR_PASSWORD,
        Role::Supervisor,
        true,
    ));
    file.users
        .push(extra(DISABLED_USER, AGENT_PASSWORD, Role::Agent, false));
    file
}

/// The id of a test user by name. Panics for an unknown name (a bug in the test).
pub fn user_id(user_name: &str) -> String {
    test_users()
        .by_user_name(user_name)
        .unwrap_or_else(|| panic!("no test user {user_name}"))
        .id
        .clone()
}

/// The configuration [`start_emulator`] uses: port 0 on 127.0.0.1, the test node, the given
/// keyspace, [`test_users`], CSRF on. Tests that need something else change it and call
/// `gws_emulator::start` themselves.
pub fn emulator_config(keyspace: &str) -> EmulatorConfig {
    let mut config = EmulatorConfig::new(test_users());
    config.listen = "127.0.0.1:0".parse().expect("valid address");
    config.cassandra = vec![cassandra_addr()];
    config.keyspace = keyspace.to_string();
    config
}

/// Starts an emulator on a free port over `keyspace` (created if needed). Panics with the
/// start-up error (which says to run `scripts/cassandra start` when the node is down).
pub async fn start_emulator(keyspace: &str) -> RunningEmulator {
    gws_emulator::start(emulator_config(keyspace))
        .await
        .unwrap_or_else(|e| panic!("gws-emulator did not start: {e}"))
}

/// An [`ApiClient`] logged in as the test admin.
pub fn admin_client(emulator: &RunningEmulator) -> ApiClient {
    ApiClient::new(&emulator.base_url(), ADMIN_USER, ADMIN_PASSWORD)
}

/// Seeds a small data set (the first 4 agents, seed 42) with `subjects` planted, through the
/// API as the admin.
pub async fn seed_small(emulator: &RunningEmulator, subjects: &[Subject]) -> SeededData {
    let agents = agents_of(&test_users(), Some(4));
    let plan = SeedPlan::new(42).with_subjects(subjects.to_vec());
    gws_emulator::seed(
        &emulator.base_url(),
        ADMIN_USER,
        ADMIN_PASSWORD,
        &agents,
        &plan,
    )
    .await
    .unwrap_or_else(|e| panic!("seeding failed: {e}"))
}

/// A CQL session to the test node, using `keyspace` when given.
pub async fn cassandra_session(keyspace: Option<&str>) -> Session {
    let addr = cassandra_addr();
    let session = gws_emulator::store::connect(std::slice::from_ref(&addr), None, None)
        .await
        .unwrap_or_else(|e| {
            panic!("cannot reach Cassandra at {addr} ({e}); run `scripts/cassandra start`")
        });
    if let Some(ks) = keyspace {
        session
            .use_keyspace(ks, false)
            .await
            .unwrap_or_else(|e| panic!("cannot use keyspace {ks}: {e}"));
    }
    session
}

/// Creates a test keyspace (replication factor 1: one test node) and the tables given as CQL
/// `CREATE TABLE` statements, where `{ks}` stands for the keyspace. For tests that build a
/// schema of their own instead of the emulator's.
pub async fn create_keyspace(session: &Session, keyspace: &str, tables: &[&str]) {
    assert!(
        gws_emulator::store::is_valid_keyspace(keyspace),
        "not a keyspace name: {keyspace:?}"
    );
    let mut statements = vec![format!(
        "CREATE KEYSPACE {keyspace} WITH replication = {{'class': 'SimpleStrategy', 'replication_factor': 1}}"
    )];
    statements.extend(tables.iter().map(|t| t.replace("{ks}", keyspace)));
    for cql in statements {
        session
            .query_unpaged(cql.clone(), &[])
            .await
            .unwrap_or_else(|e| panic!("cannot run {cql}: {e}"));
    }
}

/// A test's keyspace, dropped when the guard is: at the end of the test whether it passed or
/// failed, so repeated runs do not pile up schema in the shared node and no test has to
/// remember a cleanup line. `FORGETME_KEEP_KEYSPACES=1` keeps them, to look at a failure.
#[derive(Debug)]
pub struct KeyspaceGuard {
    name: String,
}

impl KeyspaceGuard {
    /// Guards `name`, which must be a test keyspace's name.
    pub fn new(name: &str) -> Self {
        assert!(
            gws_emulator::store::is_valid_keyspace(name),
            "not a keyspace name: {name:?}"
        );
        KeyspaceGuard {
            name: name.to_string(),
        }
    }

    /// The keyspace's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl Drop for KeyspaceGuard {
    fn drop(&mut self) {
        if std::env::var_os("FORGETME_KEEP_KEYSPACES").is_some() {
            return;
        }
        // Drop cannot await, and the test's own runtime may be shutting down: the DROP runs
        // on a thread of its own with a runtime of its own, and is waited for.
        let name = std::mem::take(&mut self.name);
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the keyspace's drop");
            runtime.block_on(drop_keyspace(&name));
        })
        .join();
        if dropped.is_err() && !std::thread::panicking() {
            panic!("the test keyspace could not be dropped (see the message above)");
        }
    }
}

/// Drops a test keyspace, so repeated runs do not pile up schema in the shared node.
pub async fn drop_keyspace(keyspace: &str) {
    assert!(
        gws_emulator::store::is_valid_keyspace(keyspace),
        "not a keyspace name: {keyspace:?}"
    );
    let session = cassandra_session(None).await;
    session
        .query_unpaged(format!("DROP KEYSPACE IF EXISTS {keyspace}"), &[])
        .await
        .unwrap_or_else(|e| panic!("cannot drop keyspace {keyspace}: {e}"));
}

/// Every row of the `settings` table for one owner and group, as (setting_key, value), in
/// clustering order.
pub async fn settings_rows(
    session: &Session,
    keyspace: &str,
    owner: &str,
    group: &str,
) -> Vec<(String, String)> {
    let rows = session
        .query_unpaged(
            format!("SELECT setting_key, value FROM {keyspace}.settings WHERE owner_id = ? AND group_name = ?"),
            (owner, group),
        )
        .await
        .expect("select settings")
        .into_rows_result()
        .expect("rows");
    rows.rows::<(String, String)>()
        .expect("typed rows")
        .collect::<Result<Vec<_>, _>>()
        .expect("row values")
}

/// Headless Chromium for the tests that load a page in a real browser (the subject's copy,
/// the officer's letters and dashboard), or `None` when the developer opted out with
/// `FORGETME_SKIP_BROWSER=1`. `FORGETME_CHROMIUM` names another binary. No browser and no
/// opt-out fails the test, naming the install command: a page never checked in a browser is
/// not reported as checked. `what` says which pages, in the messages.
pub fn chromium(what: &str) -> Option<std::path::PathBuf> {
    use std::path::{Path, PathBuf};
    if std::env::var("FORGETME_SKIP_BROWSER").is_ok_and(|v| v == "1") {
        eprintln!("FORGETME_SKIP_BROWSER=1: {what} NOT checked in a browser");
        return None;
    }
    let name = std::env::var("FORGETME_CHROMIUM").unwrap_or_else(|_| "chromium".into());
    let found = if name.contains('/') {
        Path::new(&name).is_file().then(|| PathBuf::from(&name))
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(&name))
                .find(|p| p.is_file())
        })
    };
    match found {
        Some(p) => Some(p),
        None => panic!(
            "headless Chromium ({name}) is needed to check {what} in a browser: install it with `apt-get update && apt-get install -y chromium` (Debian), point FORGETME_CHROMIUM at it, or set FORGETME_SKIP_BROWSER=1 to skip these checks"
        ),
    }
}
