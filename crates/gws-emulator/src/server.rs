//! Starting and stopping the emulator: configuration, start-up checks, the background server
//! task, and the handle tests use to inspect it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::api::{router, AppState, Shared};
use crate::fault::{FaultPlan, Faults};
use crate::record::{RecordedRequest, Recorder};
use crate::session::Sessions;
use crate::store::{self, Store};
use crate::users::{UsersFile, UsersFileError};

/// Everything `start` needs. [`EmulatorConfig::new`] fills in the defaults.
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Where to listen; port 0 picks a free port (see [`RunningEmulator::addr`]).
    pub listen: SocketAddr,
    /// Cassandra contact points, `host:port`.
    pub cassandra: Vec<String>,
    pub cassandra_user: Option<String>,
    pub cassandra_password: Option<String>,
    /// Keyspace holding the reference layout; created if missing. Default `sipfs`, as GWS's.
    pub keyspace: String,
    pub users: UsersFile,
    /// GWS's `enableCsrfProtection`. Default true.
    pub csrf: bool,
    /// Replication factor of the keyspace when the emulator creates it. Default 1.
    pub replication_factor: u32,
    /// Session inactivity timeout. Default 1800 s, as GWS's.
    pub session_timeout: Duration,
    /// Largest request body accepted; larger ones get HTTP 413. Default 1 MiB.
    pub max_body_bytes: usize,
    /// Keep every request in memory for [`RunningEmulator::recorded_requests`]. Default true;
    /// a long-running demo server may turn it off.
    pub record_requests: bool,
    /// Faults to inject from the start (tests; `--fault-*` flags). Empty by default; tests
    /// usually change faults while running with [`RunningEmulator::faults`].
    pub faults: FaultPlan,
    /// The data center that coordinates every request, on a cluster of several (see
    /// [`store::connect_in`]). Default none: any node coordinates.
    pub local_dc: Option<String>,
    /// The Cassandra schema the settings are stored in. Default the reference layout.
    pub storage_layout: crate::store::StorageLayout,
}

impl EmulatorConfig {
    /// Defaults: listen on 127.0.0.1:8090 (GWS's default port), Cassandra at 127.0.0.1:9042,
    /// keyspace `sipfs`, CSRF on, RF 1, 1800 s sessions, 1 MiB bodies, recording on.
    pub fn new(users: UsersFile) -> Self {
        EmulatorConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8090)),
            cassandra: vec!["127.0.0.1:9042".to_string()],
            cassandra_user: None,
            cassandra_password: None,
            keyspace: "sipfs".to_string(),
            users,
            csrf: true,
            replication_factor: 1,
            session_timeout: Duration::from_secs(1800),
            max_body_bytes: 1024 * 1024,
            record_requests: true,
            faults: FaultPlan::default(),
            local_dc: None,
            storage_layout: crate::store::StorageLayout::Reference,
        }
    }
}

impl Default for EmulatorConfig {
    fn default() -> Self {
        Self::new(UsersFile::default())
    }
}

/// Why the emulator did not start. Messages say what to do about it.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("{0}")]
    Users(#[from] UsersFileError),
    #[error(
        "cannot connect to Cassandra at {nodes}: {detail}. Is it running? Start the project's node with `scripts/cassandra start`"
    )]
    CassandraUnreachable { nodes: String, detail: String },
    #[error(
        "Cassandra at {nodes} refused the login: {detail}. Give --cassandra-user and --cassandra-password (the project's auth node: cassandra/cassandra on 9142)"
    )]
    CassandraAuth { nodes: String, detail: String },
    #[error("cannot prepare keyspace {keyspace:?} in Cassandra: {detail}")]
    Schema { keyspace: String, detail: String },
    #[error("cannot listen on {addr}: {error} (is another gws-emulator or GWS already using this port?)")]
    Bind {
        addr: SocketAddr,
        error: std::io::Error,
    },
    #[error("invalid configuration: {0}")]
    Config(String),
}

/// A running emulator. Dropping it leaves the server running until the runtime ends; call
/// [`RunningEmulator::shutdown`] to stop it gracefully.
pub struct RunningEmulator {
    addr: SocketAddr,
    state: Shared,
    faults: Arc<Faults>,
    keyspace_name: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl RunningEmulator {
    /// The address actually bound (useful with port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port>` (no trailing slash, no `/api/v2`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request received so far, in arrival order (of completion).
    pub fn recorded_requests(&self) -> Vec<RecordedRequest> {
        self.state.recorder.snapshot()
    }

    /// Forgets the recorded requests, e.g. after seeding and before the step under test.
    pub fn clear_recorded_requests(&self) {
        self.state.recorder.clear();
    }

    /// Ends every session at once, as a GWS restart would: clients must log in again and
    /// fetch a new CSRF token.
    pub fn invalidate_sessions(&self) {
        self.state.sessions.invalidate_all();
    }

    /// The live fault injection: add rules, set a random share, read what was injected.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The `JSESSIONID` value and CSRF token of every session the server holds (tests check
    /// that no client output holds them).
    pub fn session_secrets(&self) -> Vec<(String, String)> {
        self.state.sessions.secrets()
    }

    /// Number of sessions the server holds.
    pub fn session_count(&self) -> usize {
        self.state.sessions.len()
    }

    /// The users the emulator serves.
    pub fn users(&self) -> &UsersFile {
        &self.state.users
    }

    /// The keyspace the emulator stores settings in.
    pub fn keyspace(&self) -> &str {
        &self.keyspace_name
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits for the server.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            match task.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "server ended with an error"),
                Err(e) => tracing::warn!(error = %e, "server task failed"),
            }
        }
    }

    /// Waits until the server ends on its own (it does not, unless it fails) or `signal`
    /// completes, then shuts down gracefully. Used by the binary with Ctrl-C / SIGTERM.
    pub async fn run_until(self, signal: impl std::future::Future<Output = ()>) {
        signal.await;
        self.shutdown().await;
    }
}

/// Connects to Cassandra, creates the keyspace and tables if needed, binds, and serves in a
/// background task.
pub async fn start(config: EmulatorConfig) -> Result<RunningEmulator, StartError> {
    config.users.validate()?;
    if !store::is_valid_keyspace(&config.keyspace) {
        return Err(StartError::Config(format!(
            "keyspace {:?} is not a plain CQL identifier (letters, digits, _; starting with a letter)",
            config.keyspace
        )));
    }
    if config.cassandra.is_empty() {
        return Err(StartError::Config(
            "no Cassandra contact point given".into(),
        ));
    }
    let session = store::connect_in(
        &config.cassandra,
        config.cassandra_user.as_deref(),
        config.cassandra_password.as_deref(),
        config.local_dc.as_deref(),
    )
    .await
    .map_err(|e| {
        let nodes = config.cassandra.join(", ");
        // The driver reports a refused login as a failed connection; tell the two apart, since
        // the remedies differ.
        if e.0.contains("Authentication") || e.0.contains("AUTH") {
            StartError::CassandraAuth { nodes, detail: e.0 }
        } else {
            StartError::CassandraUnreachable { nodes, detail: e.0 }
        }
    })?;
    let store = Store::open_in(
        session,
        &config.keyspace,
        config.replication_factor,
        config.storage_layout,
    )
    .await
    .map_err(|e| StartError::Schema {
        keyspace: config.keyspace.clone(),
        detail: e.0,
    })?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|error| StartError::Bind {
            addr: config.listen,
            error,
        })?;
    let addr = listener.local_addr().map_err(|error| StartError::Bind {
        addr: config.listen,
        error,
    })?;

    let state = Arc::new(AppState {
        store,
        users: config.users,
        sessions: Sessions::new(config.session_timeout),
        recorder: Recorder::new(config.record_requests),
        csrf: config.csrf,
        max_body_bytes: config.max_body_bytes,
    });
    let faults = Arc::new(Faults::new(config.faults));
    let app = router(state.clone()).layer(axum::middleware::from_fn_with_state(
        (faults.clone(), state.clone()),
        crate::fault::layer,
    ));
    let (stop_tx, stop_rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = stop_rx.await;
            })
            .await
    });
    tracing::info!(%addr, keyspace = %config.keyspace, csrf = config.csrf, "gws-emulator listening");
    Ok(RunningEmulator {
        addr,
        state,
        faults,
        stop: Some(stop_tx),
        task: Some(task),
        keyspace_name: config.keyspace,
    })
}
