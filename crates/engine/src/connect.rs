//! Opening what a run talks to, with the checks that turn wrong settings into bad input: the
//! Cassandra session, its schema and data centers, the GWS session and its rights.
//!
//! Every failure here comes before anything is read or changed, so it is said in terms of
//! what to fix: a CA file, a password, a keyspace or a non-admin account is bad input (exit
//! 2), no node answering is its own code (exit 4). Nothing here reads a password or asks at a
//! terminal: the binary does (a file, the environment, the prompt) and passes the result in.

use std::path::PathBuf;
use std::time::Duration;

use forgetme_scanner::connect::{
    connect, ClientCertificate, ConnectError, ConnectOptions, Credentials, TlsOptions,
};
use forgetme_scanner::layout::{Layout, TableLayout};
use forgetme_scanner::routing::{datacenters, Copies};
use forgetme_scanner::{schema, Session};
use gws_client::{parse_additional_headers, parse_gws_url};
use gws_client::{GwsClient, GwsConfig, GwsError, HeaderName, HeaderValue, Url};

use crate::failure::{Failure, InputError};

/// Where the cluster is and how to log in, as a session is opened with it.
#[derive(Clone, Debug)]
pub struct CassandraSettings {
    /// `host:port` contact points ([`contact_points`]).
    pub contact_points: Vec<String>,
    /// The login, password already read.
    pub credentials: Option<Credentials>,
    /// TLS towards the nodes.
    pub tls: CassandraTls,
    /// `--local-dc`: the data center whose nodes coordinate requests.
    pub local_dc: Option<String>,
    /// `--allow-remote-dc`: requests may leave that data center when none of its nodes answer.
    pub allow_remote_dc: bool,
}

/// TLS towards Cassandra: asked for with `--cass-tls`, or implied by any of its files.
#[derive(Clone, Debug, Default)]
pub struct CassandraTls {
    /// `--cass-tls`.
    pub asked: bool,
    /// `--cass-ca-file`.
    pub ca_file: Option<PathBuf>,
    /// `--cass-cert`: the client certificate.
    pub cert: Option<PathBuf>,
    /// `--cass-key`: its private key.
    pub key: Option<PathBuf>,
}

impl CassandraTls {
    /// A client certificate comes with its key, and every file named is there: said before
    /// anything is read, not at the handshake.
    pub fn check(&self) -> Result<(), InputError> {
        match (&self.cert, &self.key) {
            (Some(_), None) => {
                return Err(InputError::new(
                    "--cass-cert needs --cass-key: give the client certificate's private key (PEM) too",
                ))
            }
            (None, Some(_)) => return Err(InputError::new(
                "--cass-key needs --cass-cert: give the client certificate (PEM) the key belongs to",
            )),
            _ => {}
        }
        check_files_exist(&[
            ("--cass-ca-file", &self.ca_file),
            ("--cass-cert", &self.cert),
            ("--cass-key", &self.key),
        ])
    }

    /// The driver's TLS options, or `None` when TLS is neither asked for nor implied.
    pub fn options(&self) -> Option<TlsOptions> {
        let wanted =
            self.asked || self.ca_file.is_some() || self.cert.is_some() || self.key.is_some();
        if !wanted {
            return None;
        }
        let client_cert = match (&self.cert, &self.key) {
            (Some(cert), Some(key)) => Some(ClientCertificate {
                cert_file: cert.clone(),
                key_file: key.clone(),
            }),
            _ => None,
        };
        Some(TlsOptions {
            ca_file: self.ca_file.clone(),
            client_cert,
        })
    }
}

/// Each file named must be there.
fn check_files_exist(files: &[(&str, &Option<PathBuf>)]) -> Result<(), InputError> {
    for (flag, path) in files {
        if let Some(p) = path {
            if !p.is_file() {
                return Err(InputError::new(format!(
                    "{flag} {}: no such file",
                    p.display()
                )));
            }
        }
    }
    Ok(())
}

/// `--cass_hostname` (comma-separated) and `--cass_port` as contact points.
pub fn contact_points(hosts: &str, port: u16) -> Result<Vec<String>, InputError> {
    let contact_points = hosts
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| {
            if h.contains(':') && !h.starts_with('[') {
                format!("[{h}]:{port}") // a bare IPv6 address
            } else {
                format!("{h}:{port}")
            }
        })
        .collect::<Vec<_>>();
    if contact_points.is_empty() {
        return Err(InputError::new(
            "--cass_hostname is empty; give a Cassandra host name such as localhost",
        ));
    }
    Ok(contact_points)
}

/// Opens the session. A CA file that cannot be used, a client certificate or key that cannot
/// be read, or refused credentials, is bad input (exit 2), as for GWS: nothing was read yet.
/// No node answering, none speaking CQL, or a TLS handshake that fails (a plain-text node, a
/// refused or missing certificate) has its own code (exit 4): nothing was read, and the next
/// step is to fix the address or the TLS setup, or retry.
pub async fn open_session(settings: &CassandraSettings) -> Result<Session, Failure> {
    let tls = settings.tls.options();
    if settings.allow_remote_dc && settings.local_dc.is_none() {
        return Err(Failure::Input(
            "--allow-remote-dc needs --local-dc DC: it lets the scan leave that data center".into(),
        ));
    }
    let opts = ConnectOptions {
        contact_points: settings.contact_points.clone(),
        credentials: settings.credentials.clone(),
        tls,
        local_dc: settings.local_dc.clone(),
        allow_remote_dc: settings.allow_remote_dc,
        ..ConnectOptions::new("")
    };
    connect(&opts).await.map_err(|e| match e {
        ConnectError::CaFile { .. } | ConnectError::ClientCert(_) | ConnectError::Auth(_) => {
            Failure::Input(e.to_string())
        }
        e @ (ConnectError::Probe(_) | ConnectError::Tls(_) | ConnectError::Session { .. }) => {
            Failure::Unreachable(e.to_string())
        }
    })
}

/// Unknown keyspace, a layout that does not fit the schema, or an unknown group: bad input.
///
/// Returns the layout's tables to scan. With `deep`, a layout table the keyspace does not
/// have is left out with a note (every table is searched anyway, and nothing outside a layout
/// table is ever erased); without it, it is bad input.
pub async fn check_schema(
    session: &Session,
    keyspace: &str,
    layout: &Layout,
    deep: bool,
    group: Option<&str>,
) -> Result<Vec<TableLayout>, Failure> {
    let ks = keyspace;
    if !schema::keyspace_exists(session, ks) {
        return Err(Failure::Input(format!(
            "keyspace {ks} does not exist in this cluster; check --cass_keyspace (GWS uses sipfs by default)"
        )));
    }
    let mut layout = layout.clone();
    if deep {
        let (present, missing): (Vec<_>, Vec<_>) = layout
            .tables
            .into_iter()
            .partition(|t| schema::table_columns(session, ks, &t.table).is_some());
        for t in &missing {
            eprintln!(
                "note: table {ks}.{} named by the layout does not exist; --deep searches every table of the keyspace, and reports what it finds there without erasing it (`gdpr_forget_me layout discover` drafts a layout for this keyspace)",
                t.table
            );
        }
        layout.tables = present;
    }
    layout
        .check_against(ks, &schema::table_names(session, ks), |table| {
            schema::table_columns(session, ks, table)
        })
        .map_err(|e| Failure::Input(e.to_string()))?;
    if let Some(group) = group {
        if let Some(known) = schema::group_known(session, ks, group).await {
            if !known {
                return Err(Failure::Input(format!(
                    "no settings group named {group} exists in keyspace {ks}; check --group_name (e.g. interaction-workspace-personal-favorites)"
                )));
            }
        }
    }
    Ok(layout.tables)
}

/// A `local_dc` the cluster does not have is bad input. On a cluster of several data centers
/// without one, says which were found and what a scan reading `copies` does about it.
pub fn check_datacenters(
    session: &Session,
    local_dc: Option<&str>,
    copies: Copies,
) -> Result<(), Failure> {
    let dcs = datacenters(session);
    let listed = dcs
        .iter()
        .map(|(dc, nodes)| format!("{dc} ({} node(s))", nodes.len()))
        .collect::<Vec<_>>()
        .join(", ");
    match local_dc {
        Some(dc) if !dcs.contains_key(dc) => Err(Failure::Input(format!(
            "--local-dc {dc}: this cluster has no data center of that name; it has {listed}"
        ))),
        Some(_) => Ok(()),
        None if dcs.len() > 1 => {
            let what = match copies {
                Copies::Every => "the scan reads every replica in every data center",
                Copies::One => "the fast scan reads each token range from one replica, in whichever data center the driver picks; give --local-dc to keep it in one (e.g. the data center that does not serve agents)",
            };
            eprintln!("note: the cluster has {} data centers: {listed}; no --local-dc was given, so {what}", dcs.len());
            Ok(())
        }
        None => Ok(()),
    }
}

/// `--gws URL` and the extra headers sent with every request, checked.
#[derive(Clone, Debug)]
pub struct GwsTarget {
    /// The base URL.
    pub url: Url,
    /// `--gws_additional_headers`, without a pasted CSRF handshake.
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl GwsTarget {
    /// `--gws URL` and `--gws_additional_headers` JSON, checked; and whether a pasted CSRF
    /// pair was dropped from the headers (the client does its own handshake).
    pub fn parse(
        url: Option<&str>,
        headers_json: Option<&str>,
    ) -> Result<(Option<GwsTarget>, bool), InputError> {
        let additional = match headers_json {
            Some(json) => {
                parse_additional_headers(json).map_err(|e| InputError::new(e.to_string()))?
            }
            None => Default::default(),
        };
        let pasted_csrf_dropped = additional.dropped_csrf;
        let headers = additional.headers;
        let target = match url {
            Some(url) => Some(GwsTarget {
                url: parse_gws_url(url).map_err(|e| InputError::new(e.to_string()))?,
                headers,
            }),
            None if !headers.is_empty() || pasted_csrf_dropped => {
                return Err(InputError::new("--gws_additional_headers needs --gws URL"));
            }
            None => None,
        };
        Ok((target, pasted_csrf_dropped))
    }
}

/// `--group_name` must be a URI-safe group name: it goes into GWS's URLs.
pub fn check_group_name(group: Option<&str>) -> Result<(), InputError> {
    if let Some(g) = group {
        let ok = !g.is_empty()
            && g.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b));
        if !ok {
            return Err(InputError::new(
                "--group_name must be a URI-safe group name (letters, digits, - _ . ~), e.g. interaction-workspace-personal-favorites",
            ));
        }
    }
    Ok(())
}

/// How the GWS client talks to any URL: whom it trusts, and how long it waits.
#[derive(Clone, Debug)]
pub struct GwsTransport {
    /// `--gws-ca-file`: CAs to trust for https.
    pub ca_file: Option<PathBuf>,
    /// `--gws-insecure`: no certificate check at all.
    pub insecure: bool,
    /// `--gws-timeout`, per request.
    pub timeout: Duration,
}

impl GwsTransport {
    /// The CA file named is there and holds PEM certificates.
    pub fn check_ca_file(&self) -> Result<(), InputError> {
        check_files_exist(&[("--gws-ca-file", &self.ca_file)])?;
        if let Some(p) = &self.ca_file {
            gws_client::load_ca_file(p)
                .map_err(|e| InputError::new(format!("--gws-ca-file: {e}")))?;
        }
        Ok(())
    }

    /// The client's settings for `target`, logged in as `username`.
    pub fn config(&self, target: &GwsTarget, username: String, password: String) -> GwsConfig {
        let mut cfg = self.config_for(&target.url, username, password);
        cfg.extra_headers = target.headers.clone();
        cfg
    }

    fn config_for(&self, url: &Url, username: String, password: String) -> GwsConfig {
        let mut cfg = GwsConfig::new(url.clone(), username, password);
        cfg.ca_file = self.ca_file.clone();
        cfg.insecure = self.insecure;
        cfg.timeout = self.timeout;
        cfg
    }
}

/// `--gws` given without an account (a search that will show user ids only): checks that
/// something answers at the URL all the same, so a typo in it is said now (exit 2), not
/// discovered at the first cleanup.
pub async fn check_gws_answers(url: &Url, transport: &GwsTransport) -> Result<(), Failure> {
    let cfg = transport.config_for(url, String::new(), String::new());
    let client = GwsClient::new(cfg).map_err(|e| Failure::Input(e.to_string()))?;
    client.answers().await.map_err(|e| {
        Failure::Input(format!(
            "{e}. Check --gws, or leave it out: a search does not need GWS (it only adds the agents' user names)"
        ))
    })
}

/// Logs in to GWS; an erasure (`cleanup`) needs an administrator.
pub async fn open_gws(cfg: GwsConfig, cleanup: bool) -> Result<GwsClient, Failure> {
    let url = cfg.base_url.to_string();
    let client = GwsClient::new(cfg).map_err(|e| Failure::Input(e.to_string()))?;
    match client.me().await {
        Ok(me) if cleanup && !me.is_admin() => Err(Failure::Input(format!(
            "the GWS user {} is not an administrator (ROLE_ADMIN), so it cannot erase other users' settings; use an admin account",
            me.user_name
        ))),
        Ok(_) => Ok(client),
        // An answer that tries to take the session elsewhere, strip requests of their body,
        // or flood the tool is GWS (or something in front of it) misbehaving: a failure, not
        // a typo of the operator's.
        Err(
            e @ (GwsError::Redirect { .. }
            | GwsError::UnsafeCsrfHeader { .. }
            | GwsError::TooLarge { .. }),
        ) => Err(Failure::Run(format!("GWS at {url} cannot be used: {e}"))),
        Err(e) => Err(Failure::Input(format!("GWS at {url} cannot be used: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_points_take_the_port_and_bracket_bare_ipv6() {
        assert_eq!(
            contact_points(" a, ::1 ,[::2],", 9042).unwrap(),
            ["a:9042", "[::1]:9042", "[::2]:9042"]
        );
        assert!(contact_points(" , ", 9042).is_err());
    }

    #[test]
    fn tls_is_implied_by_any_of_its_files() {
        assert!(CassandraTls::default().options().is_none());
        let tls = CassandraTls {
            key: Some("k.pem".into()),
            ..CassandraTls::default()
        };
        assert!(tls.options().is_some_and(|o| o.client_cert.is_none()));
    }
}
