//! `gdpr_forget_me`: the command-line tool. Thin by design: it parses arguments, checks them,
//! wires the library crates together (scanner, matcher, GWS client) and prints.
//!
//! Exit codes: 0 the run completed; 1 the scan was incomplete or something failed; 2 bad
//! input, refused before anything was read or changed.

mod args;
mod cleanup;
mod export;
mod input;
mod progress;
mod receipt;
mod report;
mod search;
mod secrets;

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use forgetme_audit::{AuditKey, AuditLog};
use forgetme_cleanup::{erase_all, verify_targets, Eraser};
use forgetme_matcher::{ErasureOptions, Matcher};
use forgetme_scanner::connect::{connect, ConnectOptions, Credentials, TlsOptions};
use forgetme_scanner::scan::{ScanOptions, ScanProgress};
use forgetme_scanner::{schema, Session};
use gws_client::{GwsClient, GwsConfig};
use serde_json::json;

use crate::args::{Args, EraseMode, Format};
use crate::input::{InputError, Inputs};
use crate::report::UserNames;
use crate::search::{search, SearchPlan};
use crate::secrets::PasswordSources;

/// Why a run stopped.
enum Failure {
    /// Bad input: exit 2, nothing read or changed.
    Input(String),
    /// Something failed while running: exit 1.
    Run(String),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure::Input(e.0)
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("GDPR_FORGET_ME_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(run(args)) {
        Ok(code) => code,
        Err(Failure::Input(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(2)
        }
        Err(Failure::Run(msg)) => {
            eprintln!("error: {msg}");
            ExitCode::from(1)
        }
    }
}

async fn run(args: Args) -> Result<ExitCode, Failure> {
    if let Some(path) = &args.verify_audit_log {
        return verify_audit_log(path);
    }
    let inputs = input::check(&args)?;
    if args.cleanup && !args.yes && !std::io::stdin().is_terminal() {
        return Err(Failure::Input(
            "--cleanup asks for confirmation at the terminal, and there is none: review a search first, then add --yes to erase without asking".into(),
        ));
    }
    if inputs.duplicates > 0 {
        eprintln!(
            "note: {} identifier(s) were the same as an earlier one once normalized; each is searched once",
            inputs.duplicates
        );
    }
    let cass_credentials = cassandra_credentials(&args)?;
    let gws_config = gws_config(&args, &inputs)?;

    let session = Arc::new(open_session(&args, &inputs, cass_credentials).await?);
    if let Some(path) = &args.recheck_receipt {
        return recheck_receipt(&session, &args, &inputs, path).await;
    }
    check_schema(&session, &args, &inputs).await?;

    // GWS is checked before the scan so that a wrong password or a non-admin account fails
    // in seconds, not after a long scan.
    let gws = match gws_config {
        Some(cfg) => Some(open_gws(cfg, args.cleanup).await?),
        None => None,
    };

    let matcher = Arc::new(Matcher::new(inputs.identifiers.clone(), inputs.region));
    // The audit log is opened (and its chain checked) before the scan, so a tampered or
    // locked log stops the run before it has done anything.
    let mut audit_started = (String::new(), 0);
    let mut audit = match (&gws, args.cleanup) {
        (Some(client), true) => {
            let (key, log, started) = open_audit(&args, &inputs, client)?;
            audit_started = started;
            Some((key, log))
        }
        _ => None,
    };
    let progress = Arc::new(ScanProgress::default());
    let plan = SearchPlan {
        keyspace: &args.cass_keyspace,
        layout_tables: &inputs.layout.tables,
        group: inputs.group.as_deref(),
        deep: args.deep,
        scan_only: args.scan_only,
        capture_values: args.export.is_some(),
        scan: ScanOptions {
            consistency: args.consistency.to_driver(),
            page_size: args.page_size,
            concurrency: args
                .concurrency
                .map(|c| c as usize)
                .unwrap_or_else(forgetme_scanner::scan::default_concurrency),
            ..ScanOptions::default()
        },
    };
    let display = progress::ProgressDisplay::start(progress.clone(), !args.no_progress);
    let outcome = search(session.clone(), &plan, matcher.clone(), progress).await;
    display.finish();
    let outcome = outcome.map_err(Failure::Run)?;
    if let Some((_, log)) = &mut audit {
        let settings: std::collections::BTreeSet<_> = outcome
            .found
            .iter()
            .map(|f| (&f.table, &f.user_id, &f.group, &f.setting_key))
            .collect();
        log.append(
            "scan_complete",
            json!({
                "complete": outcome.complete(),
                "tables": outcome.tables,
                "ranges": outcome.ranges,
                "rows": outcome.rows,
                "unread_ranges": outcome.failed.len(),
                "hits": outcome.found.len(),
                "settings": settings.len(),
            }),
        )
        .map_err(|e| Failure::Run(format!("audit log: {e}")))?;
    }

    let names = match &gws {
        Some(client) => user_names(client, &outcome).await,
        None => UserNames::new(),
    };

    let cleanup_done = match (&gws, &mut audit) {
        (Some(client), Some((key, log))) => {
            let targets = cleanup::targets(&outcome.found, &inputs.layout);
            if targets.is_empty() {
                None
            } else if !args.yes && !cleanup::confirm(&targets, &names, client.base_url().as_str()) {
                eprintln!("Nothing erased: not confirmed.");
                log.append("run_end", json!({"outcome": "not_confirmed"}))
                    .map_err(|e| Failure::Run(format!("audit log: {e}")))?;
                return Ok(ExitCode::SUCCESS);
            } else {
                let mut eraser = Eraser {
                    gws: client,
                    matcher: &matcher,
                    audit: log,
                    audit_key: key,
                    options: ErasureOptions {
                        force_whole_setting: args.erase == EraseMode::Setting,
                    },
                };
                let results = erase_all(&mut eraser, &targets)
                    .await
                    .map_err(Failure::Run)?;
                let verification = verify_targets(
                    &session,
                    &targets,
                    &matcher,
                    args.verify_consistency.to_driver(),
                )
                .await;
                log.append(
                    "verification",
                    cleanup::verification_event(&targets, &verification),
                )
                .map_err(|e| Failure::Run(format!("audit log: {e}")))?;
                Some((results, verification))
            }
        }
        _ => None,
    };
    if let Some((_, log)) = &mut audit {
        let t = cleanup_done
            .as_ref()
            .map(|(r, _)| cleanup::tally(r))
            .unwrap_or_default();
        log.append(
            "run_end",
            json!({
                "complete": outcome.complete(),
                "erased": t.erased,
                "already_gone": t.already_gone,
                "skipped_changed": t.skipped_changed,
                "failed": t.failed,
                "verified": cleanup_done.as_ref().map(|(_, v)| v.verified()).unwrap_or(true),
            }),
        )
        .map_err(|e| Failure::Run(format!("audit log: {e}")))?;
    }

    // The receipt summarizes the run's audit segment, so it is written after run_end.
    if let (Some((key, log)), Some((results, verification)), Some(client)) =
        (&audit, &cleanup_done, &gws)
    {
        let facts = receipt::RunFacts {
            started_at: audit_started.0.clone(),
            first_seq: audit_started.1,
            operator: client.username().to_string(),
            keyspace: args.cass_keyspace.clone(),
            consistency: format!("{:?}", args.verify_consistency).to_uppercase(),
        };
        let r = receipt::build(&session, &facts, log, key, &matcher, results, verification)
            .await
            .map_err(Failure::Run)?;
        let path = args
            .receipt
            .clone()
            .unwrap_or_else(|| receipt::default_path(&args.audit_log, log.run_id()));
        let text = receipt::write(&r, &path).map_err(Failure::Run)?;
        eprintln!(
            "Erasure receipt written to {} (readable copy {}).",
            path.display(),
            text.display()
        );
    }

    if let Some(path) = &args.export {
        let e = export::build(&args.cass_keyspace, &outcome, &inputs.identifiers, &names);
        let html = export::write(&e, path).map_err(Failure::Run)?;
        eprintln!(
            "Access export written to {} and {}.",
            path.display(),
            html.display()
        );
    }

    let mut stdout = std::io::stdout().lock();
    match args.format {
        Format::Text => {
            // Rendered first, then made terminal-safe: stored data may hold control characters.
            let mut text = Vec::new();
            report::write_text(
                &mut text,
                &outcome,
                &inputs.identifiers,
                &names,
                std::io::stdout().is_terminal(),
            )
            .and_then(|_| match &cleanup_done {
                Some((results, verification)) => {
                    cleanup::write_text(&mut text, results, verification, &names)
                }
                None if args.cleanup => writeln!(text, "Cleanup: nothing to erase."),
                None => Ok(()),
            })
            .and_then(|_| {
                stdout.write_all(report::terminal_safe(&String::from_utf8_lossy(&text)).as_bytes())
            })
            .map_err(|e| Failure::Run(format!("cannot write the report: {e}")))?;
        }
        Format::Json => {
            let mut doc = report::to_json(&outcome, &inputs.identifiers, &names);
            if let Some((results, verification)) = &cleanup_done {
                doc["cleanup"] = cleanup::to_json(results, verification);
            } else if args.cleanup {
                doc["cleanup"] = json!({"erased": 0, "already_gone": 0, "skipped_changed": 0, "failed": 0, "verified": true, "settings": []});
            }
            serde_json::to_writer_pretty(&mut stdout, &doc)
                .map_err(|e| Failure::Run(format!("cannot write the report: {e}")))?;
            println!();
        }
    }
    let cleanup_ok = cleanup_done
        .as_ref()
        .map(|(r, v)| cleanup::tally(r).failed == 0 && v.verified())
        .unwrap_or(true);
    Ok(if outcome.complete() && cleanup_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// `--recheck-receipt FILE`: 0 clean, 1 data is back (or a location could not be read).
async fn recheck_receipt(
    session: &Session,
    args: &Args,
    inputs: &Inputs,
    path: &std::path::Path,
) -> Result<ExitCode, Failure> {
    let r = receipt::read(path).map_err(Failure::Input)?;
    // The receipt holds HMACs only; with the audit key at hand, make sure the identifiers
    // given are the receipt's subjects, so a typo cannot produce a false "clean".
    if args.audit_key.is_file() {
        let key =
            AuditKey::load_or_create(&args.audit_key).map_err(|e| Failure::Input(e.to_string()))?;
        if key.fingerprint() == r.audit.key_fingerprint {
            let unknown = inputs
                .identifiers
                .iter()
                .filter(|i| !r.subjects.contains(&key.subject_ref(i.normalized())))
                .count();
            if unknown > 0 {
                return Err(Failure::Input(format!(
                    "{unknown} identifier(s) given with --search are not subjects of this receipt (their HMACs differ); give the identifiers of the original request"
                )));
            }
        } else {
            eprintln!("note: --audit-key is not the key of this receipt; the identifiers cannot be checked against its subjects");
        }
    } else {
        eprintln!("note: no audit key at {}; the identifiers cannot be checked against the receipt's subjects", args.audit_key.display());
    }
    let matcher = Matcher::new(inputs.identifiers.clone(), inputs.region);
    let result = forgetme_erasure_receipt::recheck::recheck(
        session,
        &r,
        &matcher,
        args.verify_consistency.to_driver(),
    )
    .await;
    for i in &result.back {
        let l = &r.locations[*i];
        let line = format!(
            "DATA IS BACK: {}  owner {}  group {}  setting {}",
            l.table,
            l.owner_id,
            l.group,
            l.setting_key
                .as_deref()
                .or(l.setting_key_ref.as_deref())
                .unwrap_or("")
        );
        println!("{}", report::terminal_safe(&line));
    }
    for (i, e) in &result.unreadable {
        println!("UNREADABLE: location {} of the receipt: {e}", i + 1);
    }
    if result.clean() {
        println!(
            "clean: {} location(s) of receipt {} re-read; none holds the identifier(s).",
            result.checked, r.run_id
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!(
            "NOT CLEAN: {} location(s) hold the identifier(s) again, {} could not be read.",
            result.back.len(),
            result.unreadable.len()
        );
        Ok(ExitCode::from(1))
    }
}

/// `--verify-audit-log FILE`: 0 intact, 1 broken, 2 unreadable.
fn verify_audit_log(path: &std::path::Path) -> Result<ExitCode, Failure> {
    match forgetme_audit::verify_chain(path) {
        Ok(Ok(report)) => {
            println!(
                "audit log {} is intact: {} event(s), {} run(s), head {}",
                path.display(),
                report.events,
                report.runs.len(),
                report.head
            );
            Ok(ExitCode::SUCCESS)
        }
        Ok(Err(broken)) => {
            println!("audit log {} is BROKEN at {broken}", path.display());
            Ok(ExitCode::from(1))
        }
        Err(e) => Err(Failure::Input(e.to_string())),
    }
}

/// Opens the key and the log, and records the run's start: who, where, what (identifiers as
/// HMAC only), and the arguments without secrets.
fn open_audit(
    args: &Args,
    inputs: &Inputs,
    gws: &GwsClient,
) -> Result<(AuditKey, AuditLog, (String, u64)), Failure> {
    let key =
        AuditKey::load_or_create(&args.audit_key).map_err(|e| Failure::Input(e.to_string()))?;
    let mut log = AuditLog::open(&args.audit_log, &forgetme_audit::new_run_id())
        .map_err(|e| Failure::Input(e.to_string()))?;
    let started = (forgetme_erasure_receipt::now_rfc3339(), log.head().1 + 1);
    let subjects: Vec<String> = inputs
        .identifiers
        .iter()
        .map(|i| key.subject_ref(i.normalized()))
        .collect();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_default();
    log.append(
        "run_start",
        json!({
            "tool": "gdpr_forget_me",
            "version": env!("CARGO_PKG_VERSION"),
            "operator": gws.username(),
            "host": host,
            "arguments": {
                "cass_keyspace": args.cass_keyspace,
                "cass_hostname": args.cass_hostname,
                "cass_port": args.cass_port,
                "group_name": args.group_name,
                "layout": args.layout.as_ref().map(|p| p.display().to_string()),
                "deep": args.deep,
                "erase": format!("{:?}", args.erase).to_lowercase(),
                "gws": gws.base_url().as_str(),
                "default_region": args.default_region,
                "identifiers": inputs.identifiers.len(),
            },
            "subjects": subjects,
        }),
    )
    .map_err(|e| Failure::Run(format!("audit log: {e}")))?;
    Ok((key, log, started))
}

fn cassandra_credentials(args: &Args) -> Result<Option<Credentials>, Failure> {
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
fn gws_config(args: &Args, inputs: &Inputs) -> Result<Option<GwsConfig>, Failure> {
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

async fn open_session(
    args: &Args,
    inputs: &Inputs,
    credentials: Option<Credentials>,
) -> Result<Session, Failure> {
    let tls = (args.cass_tls || args.cass_ca_file.is_some()).then(|| TlsOptions {
        ca_file: args.cass_ca_file.clone(),
    });
    let opts = ConnectOptions {
        contact_points: inputs.contact_points.clone(),
        credentials,
        tls,
        ..ConnectOptions::new("")
    };
    connect(&opts).await.map_err(|e| match e {
        // A CA file that cannot be used, or refused credentials, is bad input (exit 2), as for
        // GWS: nothing was read yet. A node that does not answer is a failure (exit 1).
        forgetme_scanner::connect::ConnectError::CaFile { .. }
        | forgetme_scanner::connect::ConnectError::Auth(_) => Failure::Input(e.to_string()),
        e => Failure::Run(e.to_string()),
    })
}

/// Unknown keyspace, a layout that does not fit the schema, or an unknown group: bad input.
async fn check_schema(session: &Session, args: &Args, inputs: &Inputs) -> Result<(), Failure> {
    let ks = &args.cass_keyspace;
    if !schema::keyspace_exists(session, ks) {
        return Err(Failure::Input(format!(
            "keyspace {ks} does not exist in this cluster; check --cass_keyspace (GWS uses sipfs by default)"
        )));
    }
    inputs
        .layout
        .check_against(ks, |table| schema::table_columns(session, ks, table))
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
    Ok(())
}

async fn open_gws(cfg: GwsConfig, cleanup: bool) -> Result<GwsClient, Failure> {
    let url = cfg.base_url.to_string();
    let client = GwsClient::new(cfg).map_err(|e| Failure::Input(e.to_string()))?;
    match client.me().await {
        Ok(me) if cleanup && !me.is_admin() => Err(Failure::Input(format!(
            "the GWS user {} is not an administrator (ROLE_ADMIN), so it cannot erase other users' settings; use an admin account",
            me.user_name
        ))),
        Ok(_) => Ok(client),
        Err(e) => Err(Failure::Input(format!("GWS at {url} cannot be used: {e}"))),
    }
}

/// Looks up the user names of the owners found (best effort: a failure leaves ids only).
async fn user_names(client: &GwsClient, outcome: &search::SearchOutcome) -> UserNames {
    let mut names = UserNames::new();
    let ids: std::collections::BTreeSet<&String> = outcome
        .found
        .iter()
        .filter_map(|f| f.user_id.as_ref())
        .collect();
    for id in ids {
        match client.user(id).await {
            Ok(u) => {
                names.insert(id.clone(), u.user_name);
            }
            Err(e) => tracing::debug!(error = %e, "user name lookup failed"),
        }
    }
    names
}
