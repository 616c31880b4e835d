//! A one-frame check that a host:port speaks the CQL native protocol, so that a wrong port gets
//! a precise error instead of a driver time-out.
//!
//! The original tool spoke Thrift on port 9160. Thrift was removed in Cassandra 4.0, and every
//! Cassandra since 2.0 serves CQL on 9042, so operators who copy the original's command lines
//! will often point the tool at 9160. The probe tells apart "nothing listens there", "something
//! listens but it is not CQL (Thrift answers like this)" and "CQL is here".

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// What the probe found at an address.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    /// The name does not resolve.
    #[error("cannot resolve Cassandra host {host}: {reason}; check --cass_hostname")]
    Resolve {
        /// host:port as given.
        host: String,
        /// Resolver message.
        reason: String,
    },
    /// TCP connection refused or timed out.
    #[error("nothing answers at {host} ({reason}). Is Cassandra running? The CQL native protocol listens on port 9042 by default (the original tool's port 9160 was Thrift, which Cassandra 4.0 and later no longer serve): try --cass_port 9042")]
    NoAnswer {
        /// host:port as given.
        host: String,
        /// Why.
        reason: String,
    },
    /// Something accepted the connection but did not answer a CQL OPTIONS frame.
    #[error("the server at {host} accepted a connection but does not speak the CQL native protocol (a Thrift port such as 9160 answers like this). Use the native protocol port, usually --cass_port 9042; if the node requires client encryption on this port, add --cass-tls")]
    NotCql {
        /// host:port as given.
        host: String,
    },
}

/// Sends a CQL v4 OPTIONS frame and expects a response frame back.
pub async fn probe_cql(host: &str, timeout: Duration) -> Result<(), ProbeError> {
    let addrs: Vec<_> = tokio::net::lookup_host(host)
        .await
        .map_err(|e| ProbeError::Resolve {
            host: host.into(),
            reason: e.to_string(),
        })?
        .collect();
    let Some(addr) = addrs.first().copied() else {
        return Err(ProbeError::Resolve {
            host: host.into(),
            reason: "no address".into(),
        });
    };
    let no_answer = |reason: String| ProbeError::NoAnswer {
        host: host.into(),
        reason,
    };
    let mut stream = match tokio::time::timeout(timeout, TcpStream::connect(addr)).await {
        Err(_) => return Err(no_answer(format!("no TCP answer within {timeout:?}"))),
        Ok(Err(e)) => return Err(no_answer(e.to_string())),
        Ok(Ok(s)) => s,
    };
    // version 4 request, no flags, stream 0, opcode OPTIONS (0x05), empty body.
    const OPTIONS_V4: [u8; 9] = [0x04, 0, 0, 0, 0x05, 0, 0, 0, 0];
    let exchange = async {
        stream.write_all(&OPTIONS_V4).await?;
        let mut header = [0u8; 9];
        stream.read_exact(&mut header).await?;
        Ok::<_, std::io::Error>(header)
    };
    match tokio::time::timeout(timeout, exchange).await {
        Ok(Ok(header)) if is_cql_response(&header) => Ok(()),
        _ => Err(ProbeError::NotCql { host: host.into() }),
    }
}

/// A CQL response frame has the direction bit set on a known protocol version and a response
/// opcode (SUPPORTED = 0x06, or ERROR = 0x00 for an unsupported version).
pub(crate) fn is_cql_response(header: &[u8; 9]) -> bool {
    let version = header[0];
    version & 0x80 != 0 && (1..=6).contains(&(version & 0x7f)) && matches!(header[4], 0x00 | 0x06)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_cql_frames_only() {
        assert!(is_cql_response(&[0x84, 0, 0, 0, 0x06, 0, 0, 0, 10]));
        assert!(is_cql_response(&[0x83, 0, 0, 0, 0x00, 0, 0, 0, 10]));
        assert!(!is_cql_response(&[0x04, 0, 0, 0, 0x06, 0, 0, 0, 10]));
        assert!(!is_cql_response(b"HTTP/1.1 "));
    }

    #[tokio::test]
    async fn closed_port_says_no_answer_and_suggests_9042() {
        // Bind and drop to get a port that is very likely closed.
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let err = probe_cql(&format!("127.0.0.1:{port}"), Duration::from_secs(2))
            .await
            .unwrap_err();
        assert!(matches!(err, ProbeError::NoAnswer { .. }));
        assert!(err.to_string().contains("9042"));
    }

    #[tokio::test]
    async fn a_non_cql_server_is_named_as_such() {
        // A server that reads and closes, like Thrift does with an oversized frame.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut buf = [0u8; 9];
            let _ = s.read_exact(&mut buf).await;
        });
        let err = probe_cql(&addr.to_string(), Duration::from_secs(2))
            .await
            .unwrap_err();
        assert!(matches!(err, ProbeError::NotCql { .. }), "{err}");
        assert!(err.to_string().contains("Thrift"));
    }
}
