//! Opening what a run talks to: the passwords are read here (a file, the environment, the
//! terminal), everything else is `forgetme_engine::connect`'s, which opens the Cassandra and
//! GWS sessions and checks the schema, the data centers and the GWS account.

use forgetme_engine::connect::{self, CassandraSettings};
use forgetme_scanner::connect::Credentials;
use forgetme_scanner::Session;
use gws_client::GwsConfig;

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
    let Some(target) = &inputs.gws else {
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
    Ok(Some(
        args.gws_transport().config(target, username, password),
    ))
}

/// The Cassandra session, with the password already read.
pub async fn open_session(
    args: &Args,
    inputs: &Inputs,
    credentials: Option<Credentials>,
) -> Result<Session, Failure> {
    if let (Some(_), Some(key)) = (&args.cass_cert, &args.cass_key) {
        // A private key others can read is as exposed as a password file they can read.
        secrets::warn_if_others_can_read(key, "--cass-key");
    }
    connect::open_session(&CassandraSettings {
        contact_points: inputs.contact_points.clone(),
        credentials,
        tls: args.cassandra_tls(),
        local_dc: args.local_dc.clone(),
        allow_remote_dc: args.allow_remote_dc,
    })
    .await
}
