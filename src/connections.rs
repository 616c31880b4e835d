//! Opening what a run talks to, with the checks that turn wrong settings into bad input:
//! credentials, the Cassandra session and its schema, the GWS session and its rights.

use forgetme_scanner::connect::{
    connect, ClientCertificate, ConnectOptions, Credentials, TlsOptions,
};
use forgetme_scanner::routing::{datacenters, Copies};
use forgetme_scanner::{schema, Session};
use gws_client::{GwsClient, GwsConfig};

use crate::args::Args;
use crate::input::Inputs;
use forgetme_engine::Failure;

use crate::secrets::{self, PasswordSources};

pub fn cassandra_credentials(args: &Args) -> Result<Option<Credentials>, Failure> {
    let Some(username) = &args.cass_username else {
        if args.cass_password_file.is_some() {
            return Err(Failure::Input(
                "--cass-password-file needs --cass-username".into(),
            ));
        }
        return Ok(None);
    };
    let sources = PasswordSources {
        what: "Cassandra",
        flag: None,
        flag_name: "",
        file: args.cass_password_file.as_deref(),
        file_flag: "--cass-password-file",
        env: "CASS_PASSWORD",
    };
    let password = secrets::resolve(&sources, true)?.ok_or_else(|| {
        Failure::Input(
            "--cass-username needs a password: give --cass-password-file FILE or set CASS_PASSWORD (no terminal to ask on)".into(),
        )
    })?;
    Ok(Some(Credentials {
        username: username.clone(),
        password,
    }))
}

/// GWS settings when `--gws` is given: for cleanup, credentials are required (asked for at the
/// terminal); for a search, they are used when available, to show user names.
pub fn gws_config(args: &Args, inputs: &Inputs) -> Result<Option<GwsConfig>, Failure> {
    let Some((url, headers)) = &inputs.gws else {
        return Ok(None);
    };
    let username = match &args.gws_username {
        Some(u) => Some(u.clone()),
        None if args.cleanup => secrets::prompt_line("GWS admin user name: "),
        None => None,
    };
    let Some(username) = username else {
        if args.cleanup {
            return Err(Failure::Input(
                "--cleanup needs a GWS admin account: give --gws_username (or GWS_USERNAME)".into(),
            ));
        }
        eprintln!("note: --gws is given without --gws_username, so GWS is not asked for the agents' user names: the report shows user ids only");
        return Ok(None);
    };
    let sources = PasswordSources {
        what: "GWS",
        flag: args.gws_user_password.as_deref(),
        flag_name: "--gws_user_password",
        file: args.gws_password_file.as_deref(),
        file_flag: "--gws-password-file",
        env: "GWS_PASSWORD",
    };
    let Some(password) = secrets::resolve(&sources, true)? else {
        if args.cleanup {
            return Err(Failure::Input(
                "--cleanup needs the GWS password: give --gws-password-file FILE or set GWS_PASSWORD (no terminal to ask on)".into(),
            ));
        }
        eprintln!("note: no GWS password (--gws-password-file, GWS_PASSWORD or the prompt), so GWS is not asked for the agents' user names: the report shows user ids only");
        return Ok(None);
    };
    if args.gws_insecure {
        eprintln!("WARNING: --gws-insecure: GWS's TLS certificate is NOT verified; the admin password can be read by anyone on the network path");
    }
    let mut cfg = GwsConfig::new(url.clone(), username, password);
    cfg.extra_headers = headers.clone();
    cfg.ca_file = args.gws_ca_file.clone();
    cfg.insecure = args.gws_insecure;
    cfg.timeout = std::time::Duration::from_secs(args.gws_timeout);
    Ok(Some(cfg))
}

/// TLS towards Cassandra: asked for with --cass-tls, or implied by any of its files.
fn cassandra_tls(args: &Args) -> Option<TlsOptions> {
    let wanted = args.cass_tls
        || args.cass_ca_file.is_some()
        || args.cass_cert.is_some()
        || args.cass_key.is_some();
    if !wanted {
        return None;
    }
    let client_cert = match (&args.cass_cert, &args.cass_key) {
        (Some(cert), Some(key)) => {
            // A private key others can read is as exposed as a password file they can read.
            secrets::warn_if_others_can_read(key, "--cass-key");
            Some(ClientCertificate {
                cert_file: cert.clone(),
                key_file: key.clone(),
            })
        }
        _ => None,
    };
    Some(TlsOptions {
        ca_file: args.cass_ca_file.clone(),
        client_cert,
    })
}

pub async fn open_session(
    args: &Args,
    inputs: &Inputs,
    credentials: Option<Credentials>,
) -> Result<Session, Failure> {
    let tls = cassandra_tls(args);
    if args.allow_remote_dc && args.local_dc.is_none() {
        return Err(Failure::Input(
            "--allow-remote-dc needs --local-dc DC: it lets the scan leave that data center".into(),
        ));
    }
    let opts = ConnectOptions {
        contact_points: inputs.contact_points.clone(),
        credentials,
        tls,
        local_dc: args.local_dc.clone(),
        allow_remote_dc: args.allow_remote_dc,
        ..ConnectOptions::new("")
    };
    connect(&opts).await.map_err(|e| match e {
        // A CA file that cannot be used, or refused credentials, is bad input (exit 2), as for
        // GWS: nothing was read yet; likewise a client certificate or key that cannot be read.
        // No node answering, none speaking CQL, or a TLS handshake that fails (a plain-text
        // node, a refused or missing certificate) has its own code (exit 4): nothing was read,
        // and the next step is to fix the address or the TLS setup, or retry.
        forgetme_scanner::connect::ConnectError::CaFile { .. }
        | forgetme_scanner::connect::ConnectError::ClientCert(_)
        | forgetme_scanner::connect::ConnectError::Auth(_) => Failure::Input(e.to_string()),
        e @ (forgetme_scanner::connect::ConnectError::Probe(_)
        | forgetme_scanner::connect::ConnectError::Tls(_)
        | forgetme_scanner::connect::ConnectError::Session { .. }) => {
            Failure::Unreachable(e.to_string())
        }
    })
}

/// Unknown keyspace, a layout that does not fit the schema, or an unknown group: bad input.
///
/// Returns the layout's tables to scan. With `--deep`, a layout table the keyspace does not
/// have is left out with a note (every table is searched anyway, and nothing outside a layout
/// table is ever erased); without it, it is bad input.
pub async fn check_schema(
    session: &Session,
    args: &Args,
    inputs: &Inputs,
) -> Result<Vec<forgetme_scanner::layout::TableLayout>, Failure> {
    let ks = &args.cass_keyspace;
    if !schema::keyspace_exists(session, ks) {
        return Err(Failure::Input(format!(
            "keyspace {ks} does not exist in this cluster; check --cass_keyspace (GWS uses sipfs by default)"
        )));
    }
    let mut layout = inputs.layout.clone();
    if args.deep {
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
    if let Some(group) = &inputs.group {
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

/// A `--local-dc` the cluster does not have is bad input. On a cluster of several data
/// centers without `--local-dc`, says which were found and what the scan does about it.
pub fn check_datacenters(session: &Session, args: &Args) -> Result<(), Failure> {
    let dcs = datacenters(session);
    let listed = dcs
        .iter()
        .map(|(dc, nodes)| format!("{dc} ({} node(s))", nodes.len()))
        .collect::<Vec<_>>()
        .join(", ");
    match &args.local_dc {
        Some(dc) if !dcs.contains_key(dc) => Err(Failure::Input(format!(
            "--local-dc {dc}: this cluster has no data center of that name; it has {listed}"
        ))),
        Some(_) => Ok(()),
        None if dcs.len() > 1 => {
            let what = match args.copies() {
                Copies::Every => "the scan reads every replica in every data center",
                Copies::One => "the fast scan reads each token range from one replica, in whichever data center the driver picks; give --local-dc to keep it in one (e.g. the data center that does not serve agents)",
            };
            eprintln!("note: the cluster has {} data centers: {listed}; no --local-dc was given, so {what}", dcs.len());
            Ok(())
        }
        None => Ok(()),
    }
}

/// `--gws` given without an account (a search that will show user ids only): checks that
/// something answers at the URL all the same, so a typo in it is said now (exit 2), not
/// discovered at the first cleanup.
pub async fn check_gws_answers(args: &Args, url: &gws_client::Url) -> Result<(), Failure> {
    let mut cfg = GwsConfig::new(url.clone(), "", "");
    cfg.ca_file = args.gws_ca_file.clone();
    cfg.insecure = args.gws_insecure;
    cfg.timeout = std::time::Duration::from_secs(args.gws_timeout);
    let client = GwsClient::new(cfg).map_err(|e| Failure::Input(e.to_string()))?;
    client.answers().await.map_err(|e| {
        Failure::Input(format!(
            "{e}. Check --gws, or leave it out: a search does not need GWS (it only adds the agents' user names)"
        ))
    })
}

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
            e @ (gws_client::GwsError::Redirect { .. }
            | gws_client::GwsError::UnsafeCsrfHeader { .. }
            | gws_client::GwsError::TooLarge { .. }),
        ) => Err(Failure::Run(format!("GWS at {url} cannot be used: {e}"))),
        Err(e) => Err(Failure::Input(format!("GWS at {url} cannot be used: {e}"))),
    }
}
