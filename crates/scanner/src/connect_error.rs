//! Why a session could not be opened: the errors of [`crate::connect`] and [`crate::tls`], in
//! a module of their own so that neither of the two imports the other's types.

use std::fmt;

use crate::probe::ProbeError;

/// Why a session could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// The address does not serve CQL.
    #[error(transparent)]
    Probe(#[from] ProbeError),
    /// The CA file could not be used.
    #[error("cannot use the Cassandra CA file {path}: {reason}")]
    CaFile {
        /// Path as given.
        path: String,
        /// Why.
        reason: String,
    },
    /// The client certificate or its key could not be used.
    #[error("cannot use the Cassandra client certificate: {0}")]
    ClientCert(String),
    /// The TLS handshake with the node failed in a way the operator can act on.
    #[error("{0}")]
    Tls(TlsFailure),
    /// Login refused or required.
    #[error("Cassandra refused the login: {0}. Give a role with --cass-username and a password via --cass-password-file, the CASS_PASSWORD environment variable or the prompt")]
    Auth(String),
    /// Any other driver failure while connecting.
    #[error("cannot open a CQL session to {hosts}: {reason}")]
    Session {
        /// Contact points.
        hosts: String,
        /// Driver message.
        reason: String,
    },
}

/// Why a TLS connection to a node failed, in the operator's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsFailure {
    /// The node answered the TLS greeting with something that is not TLS: it speaks plain CQL
    /// on that port.
    NotTls {
        /// host:port tried.
        host: String,
    },
    /// The node requires a client certificate and none was given.
    ClientCertRequired {
        /// host:port tried.
        host: String,
    },
    /// The node's certificate is not signed by a CA the tool trusts (or does not name it).
    ServerCertUntrusted {
        /// host:port tried.
        host: String,
        /// What rustls found wrong with it.
        reason: String,
        /// Whether a CA file was given (the advice differs).
        ca_given: bool,
    },
    /// The node refused the client certificate that was given.
    ClientCertRejected {
        /// host:port tried.
        host: String,
        /// The alert the node sent.
        alert: String,
    },
    /// Any other TLS failure, in rustls' words (which never hold key material).
    Other {
        /// host:port tried.
        host: String,
        /// What failed.
        reason: String,
    },
}

impl fmt::Display for TlsFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsFailure::NotTls { host } => write!(
                f,
                "the node at {host} does not speak TLS on this port: drop --cass-tls (and --cass-ca-file, --cass-cert, --cass-key), or use the node's TLS port"
            ),
            TlsFailure::ClientCertRequired { host } => write!(
                f,
                "the node at {host} requires a client certificate (mutual TLS): give --cass-cert FILE and --cass-key FILE, a certificate signed by a CA the node trusts and its private key (PEM)"
            ),
            TlsFailure::ServerCertUntrusted {
                host,
                reason,
                ca_given: false,
            } => write!(
                f,
                "the TLS certificate of the node at {host} is not trusted ({reason}): give the CA that signed it with --cass-ca-file FILE (PEM)"
            ),
            TlsFailure::ServerCertUntrusted {
                host,
                reason,
                ca_given: true,
            } => write!(
                f,
                "the TLS certificate of the node at {host} is not trusted ({reason}): the CA in --cass-ca-file did not sign it, or the certificate does not name the address given; give the CA that signed the node's certificate, and the host name or address the certificate names"
            ),
            TlsFailure::ClientCertRejected { host, alert } => write!(
                f,
                "the node at {host} refused the client certificate of --cass-cert (TLS alert {alert}): it is not signed by a CA in the node's truststore, or it has expired; use a certificate the cluster's CA signed"
            ),
            TlsFailure::Other { host, reason } => write!(
                f,
                "TLS with the node at {host} failed: {reason}. Check that the port is the node's CQL port with client encryption on (GDPR_FORGET_ME_LOG=debug shows more)"
            ),
        }
    }
}
