//! TLS towards Cassandra: the client configuration (trusted CAs, a client certificate for
//! mutual TLS), a one-exchange TLS probe of a contact point, and the translation of TLS
//! failures into what the operator should change.
//!
//! A TLS handshake fails in few ways an operator can act on (a plain-text port, a node that
//! wants a client certificate, a certificate one side does not trust), but the driver reports
//! them as raw rustls messages deep in a connection-pool error, and not always the same one:
//! when the node rejects a certificate, the driver's setup request may see only a closed
//! channel. So the tool speaks TLS to each contact point itself first, where rustls' typed
//! error is always at hand.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use scylla::errors::{
    BrokenConnectionError, BrokenConnectionErrorKind, ConnectionError, ConnectionPoolError,
    ConnectionSetupRequestErrorKind, FrameHeaderParseError, MetadataError, NewSessionError,
};

use crate::connect_error::{ConnectError, TlsFailure};
use crate::probe::ProbeError;

/// TLS towards Cassandra.
#[derive(Clone, Debug, Default)]
pub struct TlsOptions {
    /// PEM file of the certificate authorities to trust. Without it, the platform's web PKI
    /// roots are used.
    pub ca_file: Option<PathBuf>,
    /// The client certificate, for nodes that require one (mutual TLS).
    pub client_cert: Option<ClientCertificate>,
}

/// A client certificate and its private key, both PEM files. Only the paths are kept here (and
/// shown in `Debug`): the key is read when the TLS configuration is built, never stored or
/// printed.
#[derive(Clone, Debug)]
pub struct ClientCertificate {
    /// PEM certificate chain, the client's own certificate first.
    pub cert_file: PathBuf,
    /// PEM private key (PKCS#8, PKCS#1 or SEC1).
    pub key_file: PathBuf,
}

/// The rustls client configuration: the CA file's roots (or the web PKI's), and the client
/// certificate when one is given. Reads the files; makes no connection.
pub(crate) fn client_config(tls: &TlsOptions) -> Result<Arc<rustls::ClientConfig>, ConnectError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;

    let mut roots = rustls::RootCertStore::empty();
    match &tls.ca_file {
        Some(path) => {
            let shown = path.display().to_string();
            let ca_err = |reason: String| ConnectError::CaFile {
                path: shown.clone(),
                reason,
            };
            let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| ca_err(e.to_string()))?
                .collect::<Result<_, _>>()
                .map_err(|e| ca_err(e.to_string()))?;
            if certs.is_empty() {
                return Err(ca_err("no PEM certificate in it".into()));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| ca_err(e.to_string()))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    // Several crypto providers are compiled in (the driver, the GWS client and rustls' own
    // default each pull one), so rustls cannot pick one by itself and
    // `ClientConfig::builder()` would panic: name one, unless the process installed its own.
    let provider = rustls::crypto::CryptoProvider::get_default()
        .cloned()
        .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("the provider supports the default TLS versions")
        .with_root_certificates(roots);
    let config = match &tls.client_cert {
        None => builder.with_no_client_auth(),
        Some(client) => {
            let (chain, key) = load_client_certificate(client)?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                ConnectError::ClientCert(match e {
                    rustls::Error::InconsistentKeys(_) => format!(
                        "the key in --cass-key {} does not belong to the certificate in --cass-cert {}",
                        client.key_file.display(),
                        client.cert_file.display()
                    ),
                    // rustls' words about a key it cannot use name the algorithm, never the key.
                    e => format!("--cass-key {}: {e}", client.key_file.display()),
                })
            })?
        }
    };
    Ok(Arc::new(config))
}

/// Reads the client certificate chain and its key. Errors name the file and what is wrong with
/// it, never its content: a PEM parser's message could quote a line of the key.
fn load_client_certificate(
    client: &ClientCertificate,
) -> Result<
    (
        Vec<rustls::pki_types::CertificateDer<'static>>,
        rustls::pki_types::PrivateKeyDer<'static>,
    ),
    ConnectError,
> {
    use rustls::pki_types::pem::{Error as PemError, PemObject};
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let cert_path = client.cert_file.display();
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&client.cert_file)
        .and_then(|certs| certs.collect::<Result<_, _>>())
        .map_err(|e| ConnectError::ClientCert(format!("--cass-cert {cert_path}: {e}")))?;
    if chain.is_empty() {
        return Err(ConnectError::ClientCert(format!(
            "--cass-cert {cert_path}: no PEM certificate (-----BEGIN CERTIFICATE-----) in it"
        )));
    }
    let key_path = client.key_file.display();
    let key = PrivateKeyDer::from_pem_file(&client.key_file).map_err(|e| {
        ConnectError::ClientCert(match e {
            PemError::Io(io) => format!("--cass-key {key_path}: {io}"),
            PemError::NoItemsFound => format!(
                "--cass-key {key_path}: no PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY) in it; an encrypted key must be decrypted first (openssl pkey -in KEY -out KEY.pem)"
            ),
            _ => format!("--cass-key {key_path}: not a readable PEM private key"),
        })
    })?;
    Ok((chain, key))
}

/// Speaks TLS to one contact point as the driver will (the node is named by its IP address),
/// then sends a CQL OPTIONS frame through it and reads the answer's header. Every failure comes
/// back as rustls' typed error where rustls saw one, so it can be put in words: a plain-text
/// port fails the handshake; a missing or refused client certificate shows as the node's alert
/// after the handshake (with TLS 1.3 the client sends its certificate last).
///
/// That alert can be lost: a node that refuses the certificate closes the connection with the
/// OPTIONS frame unread, so the kernel answers with a reset, which discards the alert waiting to
/// be read. When the connection ends that way, the probe is made once more, this time listening
/// before it sends anything, so the alert is read before the node closes.
pub(crate) async fn probe(
    host: &str,
    config: Arc<rustls::ClientConfig>,
    tls: &TlsOptions,
    timeout: Duration,
) -> Result<(), ConnectError> {
    let addr = tokio::net::lookup_host(host)
        .await
        .map_err(|e| ProbeError::Resolve {
            host: host.into(),
            reason: e.to_string(),
        })?
        .next()
        .ok_or_else(|| ProbeError::Resolve {
            host: host.into(),
            reason: "no address".into(),
        })?;
    let mut outcome = exchange(addr, config.clone(), timeout, false).await;
    if let Err(Exchange::AfterHandshake(e)) = &outcome {
        if in_io_error(e).is_none() {
            tracing::debug!(contact_point = %host, error = %e, "connection ended after the TLS handshake with no alert; probing again, listening first");
            outcome = exchange(addr, config, timeout, true).await;
        }
    }
    if let Err(Exchange::Handshake(e) | Exchange::AfterHandshake(e)) = &outcome {
        tracing::debug!(contact_point = %host, error = ?e, "TLS probe failed");
    }
    let other = |reason: String| {
        ConnectError::Tls(TlsFailure::Other {
            host: host.into(),
            reason,
        })
    };
    match outcome {
        Ok(header) if crate::probe::is_cql_response(&header) => Ok(()),
        Ok(_) => Err(ProbeError::NotCql { host: host.into() }.into()),
        Err(Exchange::Connect(reason)) => Err(ProbeError::NoAnswer {
            host: host.into(),
            reason,
        }
        .into()),
        Err(Exchange::TimedOut) => Err(other(format!("no TLS answer within {timeout:?}"))),
        Err(Exchange::Handshake(e)) => Err(match in_io_error(&e).and_then(|r| classify(r, host, tls, false)) {
            Some(failure) => ConnectError::Tls(failure),
            None => other(e.to_string()),
        }),
        Err(Exchange::AfterHandshake(e)) => Err(match in_io_error(&e).and_then(|r| classify(r, host, tls, true)) {
            Some(failure) => ConnectError::Tls(failure),
            // No alert came: the node closed (or reset) the connection once the handshake was
            // done. That is how a node refuses a client certificate when its alert is lost,
            // but it is not proof, so the message says what it may be.
            None if tls.client_cert.is_some() => other(format!("{e}; the node closed the connection right after the handshake, which is how it refuses a client certificate it does not trust (check --cass-cert)")),
            None => other(format!("{e}; the node closed the connection right after the handshake, which is how it refuses a client that gives no certificate (give --cass-cert and --cass-key)")),
        }),
    }
}

/// How one TLS exchange with a contact point ended, when it did not end with an answer.
enum Exchange {
    /// No TCP connection.
    Connect(String),
    /// The TLS handshake failed.
    Handshake(std::io::Error),
    /// The handshake completed, then the connection failed.
    AfterHandshake(std::io::Error),
    /// The whole exchange took longer than the connect time-out.
    TimedOut,
}

/// One TLS connection: handshake, OPTIONS, the answer's header. With `listen_first`, waits a
/// moment for an alert after the handshake before sending anything.
async fn exchange(
    addr: std::net::SocketAddr,
    config: Arc<rustls::ClientConfig>,
    timeout: Duration,
    listen_first: bool,
) -> Result<[u8; 9], Exchange> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let run = async {
        let tcp = tokio::net::TcpStream::connect(addr)
            .await
            .map_err(|e| Exchange::Connect(e.to_string()))?;
        let server_name = rustls::pki_types::ServerName::IpAddress(addr.ip().into());
        let mut stream = tokio_rustls::TlsConnector::from(config)
            .connect(server_name, tcp)
            .await
            .map_err(Exchange::Handshake)?;
        let mut header = [0u8; 9];
        if listen_first {
            // A node that accepts the client sends nothing the stream returns (session tickets
            // are taken by rustls), so the wait ends by the time-out; one that refuses it sends
            // an alert, which the read returns as an error.
            // This is the second try, made only after a failure, so it can afford to wait
            // for a loaded node.
            let wait = (timeout / 2).min(Duration::from_secs(5));
            match tokio::time::timeout(wait, stream.read(&mut header)).await {
                Ok(Ok(0)) => {
                    return Err(Exchange::AfterHandshake(std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the node closed the connection right after the TLS handshake",
                    )))
                }
                Ok(Err(e)) => return Err(Exchange::AfterHandshake(e)),
                Ok(Ok(_)) | Err(_) => {}
            }
        }
        // CQL v4 OPTIONS: version 4 request, no flags, stream 0, opcode 0x05, empty body.
        let sent = async {
            stream.write_all(&[0x04, 0, 0, 0, 0x05, 0, 0, 0, 0]).await?;
            stream.flush().await?;
            stream.read_exact(&mut header).await
        };
        sent.await.map_err(Exchange::AfterHandshake)?;
        Ok(header)
    };
    match tokio::time::timeout(timeout, run).await {
        Err(_) => Err(Exchange::TimedOut),
        Ok(r) => r,
    }
}

/// The TLS failure behind a session error, in the operator's terms, or `None` when the error
/// is not about TLS (the probe has usually caught it before the driver saw it).
///
/// The match is on types where the driver keeps rustls' own error in its error tree. Only where
/// the tree holds no rustls error (the driver reports some broken connections as a bare closed
/// channel, or words them into a string) is the text searched, for rustls' name of the one
/// failure that tells a plain-text node: `InvalidContentType`.
pub(crate) fn session_failure(
    e: &NewSessionError,
    hosts: &str,
    tls: &TlsOptions,
) -> Option<TlsFailure> {
    match rustls_error(e) {
        Some(err) => classify(err, hosts, tls, false),
        None => format!("{e} {e:?}")
            .contains("InvalidContentType")
            .then(|| TlsFailure::NotTls {
                host: hosts.to_string(),
            }),
    }
}

/// What a rustls error means for the operator, given what was configured and whether the
/// handshake had completed when it came.
fn classify(
    err: &rustls::Error,
    host: &str,
    tls: &TlsOptions,
    after_handshake: bool,
) -> Option<TlsFailure> {
    use rustls::{AlertDescription as A, CertificateError as C, Error as R, InvalidMessage};

    let host = host.to_string();
    let has_cert = tls.client_cert.is_some();
    match err {
        R::InvalidMessage(InvalidMessage::InvalidContentType) => Some(TlsFailure::NotTls { host }),
        R::InvalidCertificate(c) => {
            let reason = match c {
                C::UnknownIssuer => "signed by a CA that is not trusted".to_string(),
                C::NotValidForName | C::NotValidForNameContext { .. } => {
                    "it does not name the address connected to".to_string()
                }
                C::Expired | C::ExpiredContext { .. } => "it has expired".to_string(),
                C::NotValidYet | C::NotValidYetContext { .. } => "it is not valid yet".to_string(),
                C::Revoked => "it is revoked".to_string(),
                C::BadSignature | C::BadEncoding => "it is malformed or badly signed".to_string(),
                other => format!("{other:?}"),
            };
            Some(TlsFailure::ServerCertUntrusted {
                host,
                reason,
                ca_given: tls.ca_file.is_some(),
            })
        }
        // TLS 1.3 names the missing certificate; over TLS 1.2 a Java node sends a handshake
        // failure or bad-certificate alert for it.
        R::AlertReceived(A::CertificateRequired | A::HandshakeFailure | A::BadCertificate)
            if !has_cert =>
        {
            Some(TlsFailure::ClientCertRequired { host })
        }
        R::AlertReceived(
            alert @ (A::CertificateRequired
            | A::HandshakeFailure
            | A::BadCertificate
            | A::CertificateUnknown
            | A::UnknownCA
            | A::CertificateExpired
            | A::CertificateRevoked
            | A::UnsupportedCertificate
            | A::AccessDenied
            | A::DecryptError),
        ) if has_cert => Some(TlsFailure::ClientCertRejected {
            host,
            alert: format!("{alert:?}"),
        }),
        // A node on netty's OpenSSL engine (Cassandra's default) answers a client certificate
        // its trust manager refuses with internal_error. Once the handshake is done, the client
        // certificate is the only thing left for the node to refuse.
        R::AlertReceived(alert @ A::InternalError) if has_cert && after_handshake => {
            Some(TlsFailure::ClientCertRejected {
                host,
                alert: format!("{alert:?}"),
            })
        }
        _ => None,
    }
}

/// The rustls error somewhere in a session error's tree. The driver's errors do not all chain
/// through `source()` (a broken pool keeps its last connection's error in a plain field, an
/// I/O error is transparent), so each known layer is opened by type.
fn rustls_error(e: &NewSessionError) -> Option<&rustls::Error> {
    match e {
        NewSessionError::MetadataError(MetadataError::ConnectionPoolError(
            ConnectionPoolError::Broken {
                last_connection_error,
            },
        )) => in_connection_error(last_connection_error),
        _ => None,
    }
}

fn in_connection_error(e: &ConnectionError) -> Option<&rustls::Error> {
    match e {
        ConnectionError::IoError(io) => in_io_error(io),
        ConnectionError::BrokenConnection(b) => in_broken(b),
        ConnectionError::ConnectionSetupRequestError(s) => match s.get_error() {
            ConnectionSetupRequestErrorKind::BrokenConnection(b) => in_broken(b),
            _ => None,
        },
        _ => None,
    }
}

fn in_broken(b: &BrokenConnectionError) -> Option<&rustls::Error> {
    if let Some(r) = b.downcast_ref::<rustls::Error>() {
        return Some(r);
    }
    if let Some(io) = b.downcast_ref::<std::io::Error>() {
        return in_io_error(io);
    }
    match b.downcast_ref::<BrokenConnectionErrorKind>()? {
        BrokenConnectionErrorKind::WriteError(io)
        | BrokenConnectionErrorKind::FrameHeaderParseError(
            FrameHeaderParseError::HeaderIoError(io)
            | FrameHeaderParseError::BodyChunkIoError(_, io),
        ) => in_io_error(io),
        _ => None,
    }
}

/// tokio-rustls hands rustls' error up inside an `io::Error`; the driver may wrap that once
/// more in its own `TlsError`.
fn in_io_error(io: &std::io::Error) -> Option<&rustls::Error> {
    let inner = io.get_ref()?;
    if let Some(r) = inner.downcast_ref::<rustls::Error>() {
        return Some(r);
    }
    if let Some(scylla::errors::TlsError::Rustls023(r)) =
        inner.downcast_ref::<scylla::errors::TlsError>()
    {
        return Some(r);
    }
    inner.downcast_ref::<std::io::Error>().and_then(in_io_error)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::{AlertDescription as A, CertificateError as C, Error as R, InvalidMessage};

    fn opts(ca: bool, cert: bool) -> TlsOptions {
        TlsOptions {
            ca_file: ca.then(|| PathBuf::from("ca.pem")),
            client_cert: cert.then(|| ClientCertificate {
                cert_file: PathBuf::from("client.pem"),
                key_file: PathBuf::from("client.key"),
            }),
        }
    }

    #[test]
    fn a_plain_text_answer_means_the_port_does_not_speak_tls() {
        let e = R::InvalidMessage(InvalidMessage::InvalidContentType);
        let f = classify(&e, "h:9042", &opts(false, false), false).unwrap();
        assert_eq!(
            f,
            TlsFailure::NotTls {
                host: "h:9042".into()
            }
        );
        assert!(f.to_string().contains("does not speak TLS on this port"));
        assert!(f.to_string().contains("drop --cass-tls"));
    }

    #[test]
    fn alerts_about_certificates_depend_on_whether_one_was_given() {
        for alert in [
            A::CertificateRequired,
            A::HandshakeFailure,
            A::BadCertificate,
        ] {
            let e = R::AlertReceived(alert);
            assert_eq!(
                classify(&e, "h:1", &opts(true, false), true),
                Some(TlsFailure::ClientCertRequired { host: "h:1".into() })
            );
            assert!(matches!(
                classify(&e, "h:1", &opts(true, true), true),
                Some(TlsFailure::ClientCertRejected { .. })
            ));
        }
        // internal_error is a refusal of the certificate only once the handshake is done.
        let e = R::AlertReceived(A::InternalError);
        assert!(matches!(
            classify(&e, "h:1", &opts(true, true), true),
            Some(TlsFailure::ClientCertRejected { .. })
        ));
        assert_eq!(classify(&e, "h:1", &opts(true, true), false), None);
        assert_eq!(classify(&e, "h:1", &opts(true, false), true), None);
    }

    #[test]
    fn an_untrusted_node_certificate_points_at_the_ca_file() {
        let e = R::InvalidCertificate(C::UnknownIssuer);
        let without = classify(&e, "h:1", &opts(false, false), false).unwrap();
        assert!(without
            .to_string()
            .contains("give the CA that signed it with --cass-ca-file"));
        let with = classify(&e, "h:1", &opts(true, false), false).unwrap();
        assert!(with
            .to_string()
            .contains("the CA in --cass-ca-file did not sign it"));
    }

    #[test]
    fn rustls_errors_are_found_inside_io_errors() {
        let io = std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            R::AlertReceived(A::CertificateRequired),
        );
        assert_eq!(
            in_io_error(&io),
            Some(&R::AlertReceived(A::CertificateRequired))
        );
        let plain = std::io::Error::from(std::io::ErrorKind::ConnectionReset);
        assert_eq!(in_io_error(&plain), None);
    }
}
