//! Opening a CQL session to the settings keyspace: contact points, credentials and TLS.
//!
//! Connection problems are the most common first-run failure of a tool like this (a Thrift
//! port copied from old command lines, a node that is down, a missing password), so every
//! failure is turned into a message that says what to change. Passwords live in
//! [`Credentials`], whose `Debug` never shows them.

use std::fmt;
use std::time::Duration;

use scylla::client::execution_profile::ExecutionProfile;
use scylla::client::session::Session;
use scylla::client::session_builder::SessionBuilder;
use scylla::policies::load_balancing::DefaultPolicy;

pub use crate::connect_error::{ConnectError, TlsFailure};
use crate::probe::{probe_cql, ProbeError};
pub use crate::tls::{ClientCertificate, TlsOptions};

/// A Cassandra login. `Debug` hides the password.
#[derive(Clone)]
pub struct Credentials {
    /// Role name.
    pub username: String,
    /// Password.
    pub password: String,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// Everything needed to open a session.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Contact points as `host:port`.
    pub contact_points: Vec<String>,
    /// Login, when the cluster uses PasswordAuthenticator.
    pub credentials: Option<Credentials>,
    /// TLS, when the cluster requires client encryption.
    pub tls: Option<TlsOptions>,
    /// How long to wait for a node to answer.
    pub connect_timeout: Duration,
    /// The data center whose nodes coordinate requests (`--local-dc`). `None`: any node.
    pub local_dc: Option<String>,
    /// Whether requests may go to another data center's nodes when none of the local one
    /// answers (`--allow-remote-dc`).
    pub allow_remote_dc: bool,
}

impl ConnectOptions {
    /// Plain options for one contact point.
    pub fn new(contact_point: impl Into<String>) -> Self {
        ConnectOptions {
            contact_points: vec![contact_point.into()],
            credentials: None,
            tls: None,
            connect_timeout: Duration::from_secs(10),
            local_dc: None,
            allow_remote_dc: false,
        }
    }
}

/// Opens a session after probing the contact points: a plain CQL exchange (for a clear
/// wrong-port error) or, with TLS, a TLS handshake and a CQL exchange through it (for a clear
/// TLS error, see [`crate::tls`]).
///
/// A contact point that does not answer is not fatal while another one does: on a cluster, the
/// first address given is just as likely to be the node that is down. Only when none answers
/// does the first one's error stand for all. Something that answers but is not CQL (a Thrift
/// port), or a TLS handshake that fails, is always an error: every contact point shares the
/// port and the TLS settings.
pub async fn connect(opts: &ConnectOptions) -> Result<Session, ConnectError> {
    // The client certificate and CA files are read before any connection is made.
    let tls_config = match &opts.tls {
        Some(tls) => Some(crate::tls::client_config(tls)?),
        None => None,
    };
    let mut first_error = None;
    for (i, point) in opts.contact_points.iter().enumerate() {
        let more_to_try = i + 1 < opts.contact_points.len();
        let probed = match (&opts.tls, &tls_config) {
            (Some(tls), Some(config)) => {
                crate::tls::probe(point, config.clone(), tls, opts.connect_timeout).await
            }
            _ => probe_cql(point, opts.connect_timeout)
                .await
                .map_err(ConnectError::from),
        };
        match probed {
            Ok(()) => {
                first_error = None;
                break;
            }
            Err(ConnectError::Probe(
                e @ (ProbeError::NoAnswer { .. } | ProbeError::Resolve { .. }),
            )) => {
                // Said only when there is a next one: the last failure is the run's error.
                if more_to_try {
                    tracing::warn!(contact_point = %point, error = %e, "contact point does not answer; trying the next");
                }
                first_error.get_or_insert(e);
            }
            Err(e) => return Err(e),
        }
    }
    if let Some(e) = first_error {
        return Err(e.into());
    }
    let mut builder = SessionBuilder::new()
        .known_nodes(&opts.contact_points)
        .connection_timeout(opts.connect_timeout)
        .default_execution_profile_handle(routing_profile(opts).into_handle());
    if let Some(c) = &opts.credentials {
        builder = builder.user(c.username.clone(), c.password.clone());
    }
    if let Some(config) = tls_config {
        builder = builder.tls_context(Some(config));
    }
    let hosts = opts.contact_points.join(", ");
    builder.build().await.map_err(|e| {
        tracing::debug!(error = ?e, "the driver could not open a session");
        if let Some(tls) = &opts.tls {
            if let Some(failure) = crate::tls::session_failure(&e, &hosts, tls) {
                return ConnectError::Tls(failure);
            }
        }
        let reason = e.to_string();
        if is_login_failure(&e) {
            ConnectError::Auth(first_line(&reason))
        } else {
            ConnectError::Session {
                hosts: hosts.clone(),
                reason: first_line(&reason),
            }
        }
    })
}

/// Whether the driver failed because the cluster refused the login, or required one and got
/// none. Matched on the driver's typed errors (the setup request of the control connection),
/// not on its message, which may change wording or mention a password for other reasons.
fn is_login_failure(e: &scylla::errors::NewSessionError) -> bool {
    use scylla::errors::{
        ConnectionError, ConnectionPoolError, ConnectionSetupRequestErrorKind as Setup, DbError,
        MetadataError, NewSessionError,
    };
    let NewSessionError::MetadataError(MetadataError::ConnectionPoolError(
        ConnectionPoolError::Broken {
            last_connection_error: ConnectionError::ConnectionSetupRequestError(setup),
        },
    )) = e
    else {
        return false;
    };
    matches!(
        &setup.error,
        Setup::MissingAuthentication
            | Setup::DbError(DbError::AuthenticationError, _)
            | Setup::StartAuthSessionError(_)
            | Setup::AuthChallengeEvaluationError(_)
            | Setup::AuthFinishError(_)
    )
}

/// Token-aware routing; with a local data center, requests are coordinated there and go to
/// another data center only when the operator allowed it.
fn routing_profile(opts: &ConnectOptions) -> ExecutionProfile {
    let mut policy = DefaultPolicy::builder().token_aware(true);
    if let Some(dc) = &opts.local_dc {
        policy = policy
            .prefer_datacenter(dc.clone())
            .permit_dc_failover(opts.allow_remote_dc);
    }
    ExecutionProfile::builder()
        .load_balancing_policy(policy.build())
        .build()
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(300)
        .collect()
}
