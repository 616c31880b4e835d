//! `gdpr_forget_me layout discover`: draft a layout file for a real install's keyspace.
//!
//! The sub-command is turned into flags of the main command line ([`rewrite`]), so it takes
//! every connection flag a search takes (hosts, port, TLS, login). The work is the scanner's
//! (`forgetme_scanner::discover`): this file only writes the draft and the coverage table.

use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

use forgetme_scanner::discover::{self, DEFAULT_SAMPLE};
use forgetme_scanner::Session;

use crate::args::Args;
use forgetme_engine::files::{check_output as check_path, write_atomic, Existing};
use forgetme_engine::Failure;

/// `gdpr_forget_me layout discover ARGS` becomes `gdpr_forget_me --layout-discover ARGS`, with
/// `--out` read as the draft's path. Any other command line is returned as it is.
pub fn rewrite(raw: Vec<OsString>) -> Result<Vec<OsString>, String> {
    if raw.get(1).map(|a| a.as_os_str()) != Some("layout".as_ref()) {
        return Ok(raw);
    }
    match raw.get(2).and_then(|a| a.to_str()) {
        Some("discover") => {}
        _ => {
            return Err(
                "unknown layout command: the one there is, is `gdpr_forget_me layout discover --cass_keyspace KS [--sample N] [--out FILE]` (with the connection flags of a search)"
                    .into(),
            )
        }
    }
    let mut out = vec![raw[0].clone(), OsString::from("--layout-discover")];
    for a in &raw[3..] {
        match a.to_str() {
            Some("--out") => out.push(OsString::from("--layout-out")),
            Some(s) if s.starts_with("--out=") => out.push(OsString::from(format!(
                "--layout-out={}",
                &s["--out=".len()..]
            ))),
            _ => out.push(a.clone()),
        }
    }
    Ok(out)
}

/// The draft's path and the sample size, checked before anything is read.
pub fn check_output(args: &Args) -> Result<(), Failure> {
    if let Some(n) = args.sample {
        discover::check_sample(n).map_err(Failure::Input)?;
    }
    if let Some(path) = &args.layout_out {
        check_path("--out", path, Existing::Refuse).map_err(|e| Failure::Input(e.to_string()))?;
    }
    Ok(())
}

/// Samples the keyspace, writes the draft (stdout or `--out`) and the coverage table
/// (stderr). Exit 0 when a settings-like table was found, 1 when none was.
pub async fn discover(session: &Session, args: &Args) -> Result<ExitCode, Failure> {
    let per_table = args.sample.unwrap_or(DEFAULT_SAMPLE);
    let ks = &args.cass_keyspace;
    let shaped = |v: &[u8]| forgetme_matcher::is_identifier_like(&String::from_utf8_lossy(v));
    let found = discover::discover(session, ks, per_table, &shaped)
        .await
        .map_err(Failure::Run)?;
    let draft = found.draft_toml();
    eprint!("{}", found.coverage_table());
    match &args.layout_out {
        Some(path) => {
            write_atomic(path, draft.as_bytes(), Existing::Refuse).map_err(Failure::Run)?;
            eprintln!(
                "Draft layout written to {}: review it, then search with --layout {}.",
                path.display(),
                path.display()
            );
        }
        None => {
            let mut stdout = std::io::stdout().lock();
            let _ = stdout.write_all(draft.as_bytes());
        }
    }
    if found.found() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("No settings-like table in keyspace {ks}: search it with --deep (every text-like column of every table).");
        Ok(ExitCode::from(1))
    }
}
