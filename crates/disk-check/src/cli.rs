//! `gdpr_forget_me disk-check`: the command line, checked before anything is read.

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::{Parser, ValueEnum};
use forgetme_matcher::{
    parse_identifier, Identifier, IdentifierKind, Matcher, ParseOptions, Region,
};

use forgetme_audit::signing::{keyfile, SigningKey};

use crate::report::{self, IdentifierRef, Report};
use crate::{check_node, default_commitlog_dir, default_hints_dir, NodeDirs};

/// The largest `--search-file` read.
const MAX_SEARCH_FILE: u64 = 16 << 20;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Physical erasure check: reads the files of a Cassandra node (SSTables, commit log, hints,
/// snapshots, backups) and reports every file that still holds the subject's identifiers, in
/// any spelling the search finds. Reads only; prints, never runs, the commands that purge.
///
/// Exit codes: 0 no file holds an identifier and every file was read; 1 a file holds one, or
/// a file could not be read (not known); 2 bad input, refused before anything was read.
#[derive(Debug, Parser)]
#[command(name = "gdpr_forget_me disk-check", version)]
pub struct DiskCheckArgs {
    /// A node's data folder (its data_file_directories entry, e.g. /var/lib/cassandra/data),
    /// holding a folder per keyspace. Repeat it for several nodes of a cluster whose folders
    /// are at hand: each is reported as a node.
    #[arg(long = "data-dir", value_name = "DIR", required = true)]
    pub data_dir: Vec<PathBuf>,

    /// The keyspace whose tables are read (GWS's is sipfs).
    #[arg(long = "cass_keyspace", alias = "keyspace", value_name = "KS")]
    pub keyspace: String,

    /// An identifier of the subject (e-mail address or phone number); repeatable.
    #[arg(long, value_name = "IDENTIFIER")]
    pub search: Vec<String>,

    /// A file of identifiers, one a line; `#` starts a comment line.
    #[arg(long = "search-file", value_name = "FILE")]
    pub search_file: Option<PathBuf>,

    /// How national-format numbers in stored values are read (ISO 3166-1 code, e.g. GB).
    #[arg(long = "default-region", value_name = "CC")]
    pub default_region: Option<String>,

    /// The node's commitlog_directory. Default: `commitlog` beside the data folder, as
    /// Cassandra lays it out (DIR/../commitlog). Only with a single --data-dir.
    #[arg(long = "commitlog-dir", value_name = "DIR")]
    pub commitlog_dir: Option<PathBuf>,

    /// The node's hints_directory. Default: `hints` beside the data folder (DIR/../hints).
    /// Only with a single --data-dir.
    #[arg(long = "hints-dir", value_name = "DIR")]
    pub hints_dir: Option<PathBuf>,

    /// The audit key (as for a search): the report then names each identifier by its subject
    /// ref too (HMAC-SHA256), as the audit log does. The key must exist. With --format json the
    /// report is also signed with the receipts' Ed25519 signing key kept beside it
    /// (FILE.signing, which must exist too: copy it with the audit key), so that
    /// `verify-receipt` checks it with the public key alone and `--recheck-receipt
    /// --disk-report` takes it as proof.
    #[arg(long = "audit-key", value_name = "FILE")]
    pub audit_key: Option<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,

    /// Files read at once (default: the number of CPUs).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// What was checked before anything was read.
pub struct Checked {
    pub keyspace: String,
    pub nodes: Vec<NodeDirs>,
    pub identifiers: Vec<Identifier>,
    pub refs: Vec<IdentifierRef>,
    pub region: Option<Region>,
    pub threads: usize,
    /// The signing key beside the audit key, for a JSON report.
    pub signer: Option<SigningKey>,
}

/// Checks the arguments; the message says how to fix what is wrong.
pub fn check(args: &DiskCheckArgs) -> Result<Checked, String> {
    let ks = &args.keyspace;
    if ks.is_empty() || ks.len() > 48 || !ks.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    {
        return Err(format!(
            "--cass_keyspace {ks:?}: a keyspace name is 1 to 48 letters, digits and underscores (e.g. sipfs)"
        ));
    }
    let region = match &args.default_region {
        None => None,
        Some(code) => Some(Region::parse(code).ok_or_else(|| {
            format!(
                "--default-region {code:?} is not a supported region; use the ISO 3166-1 alpha-2 code of one of: {}",
                Region::supported_codes()
            )
        })?),
    };
    let mut raw: Vec<(String, String)> = args
        .search
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("--search #{}", i + 1), s.clone()))
        .collect();
    if let Some(path) = &args.search_file {
        raw.extend(read_search_file(path)?);
    }
    if raw.is_empty() {
        return Err(
            "nothing to look for: give --search IDENTIFIER (repeatable) or --search-file FILE"
                .into(),
        );
    }
    let options = ParseOptions {
        default_region: region,
        allow_text: false,
    };
    let parsed = raw
        .iter()
        .map(|(origin, value)| {
            parse_identifier(value, &options).map_err(|e| format!("{origin}: {e}"))
        })
        .collect::<Result<Vec<Identifier>, String>>()?;
    let (identifiers, _) = forgetme_matcher::distinct_identifiers(parsed);
    if args.data_dir.len() > 1 && (args.commitlog_dir.is_some() || args.hints_dir.is_some()) {
        return Err("--commitlog-dir and --hints-dir name one node's folders: give them with a single --data-dir (with several, each node's are taken beside its data folder)".into());
    }
    let mut nodes = Vec::new();
    for data in &args.data_dir {
        if !data.is_dir() {
            return Err(format!(
                "--data-dir {}: no such folder; give a node's data folder (data_file_directories in cassandra.yaml, e.g. /var/lib/cassandra/data)",
                data.display()
            ));
        }
        if !data.join(ks).is_dir() {
            return Err(format!(
                "--data-dir {}: it has no folder {ks}: give the folder that holds a folder per keyspace (data_file_directories, e.g. /var/lib/cassandra/data, not a keyspace or table folder), and the keyspace's name as in CQL",
                data.display()
            ));
        }
        let commitlog = args
            .commitlog_dir
            .clone()
            .unwrap_or_else(|| default_commitlog_dir(data));
        let hints = args
            .hints_dir
            .clone()
            .unwrap_or_else(|| default_hints_dir(data));
        for (flag, dir, key) in [
            ("--commitlog-dir", &commitlog, "commitlog_directory"),
            ("--hints-dir", &hints, "hints_directory"),
        ] {
            if !dir.is_dir() {
                return Err(format!(
                    "{}: no such folder{}: give {flag} DIR ({key} in cassandra.yaml)",
                    dir.display(),
                    if flag == "--commitlog-dir" && args.commitlog_dir.is_none()
                        || flag == "--hints-dir" && args.hints_dir.is_none()
                    {
                        " (Cassandra's default, beside the data folder)"
                    } else {
                        ""
                    }
                ));
            }
        }
        nodes.push(NodeDirs {
            data: data.clone(),
            commitlog,
            hints,
        });
    }
    let key = match &args.audit_key {
        None => None,
        Some(path) => Some(
            forgetme_audit::AuditKey::load_existing(path)
                .map_err(|e| format!("--audit-key: {e}"))?,
        ),
    };
    let refs = identifiers
        .iter()
        .map(|id| IdentifierRef {
            kind: match id.kind() {
                IdentifierKind::Email => "e-mail",
                IdentifierKind::Phone => "phone",
                IdentifierKind::Text => "text",
            },
            subject_ref: key.as_ref().map(|k| k.subject_ref(id.normalized())),
        })
        .collect();
    // A JSON report with subject refs is signed, so that it can stand as proof: the key is
    // loaded now, before anything is read, and never created here (a key made on a node
    // would sign with a public key nobody published).
    let signer = match (&args.audit_key, args.format) {
        (Some(path), Format::Json) => Some(keyfile::load_existing(path).map_err(|e| {
            format!(
                "--audit-key {}: a JSON report is signed with the signing key beside the audit key, and it cannot be used: {e}. Copy {} (the key the erasure runs sign receipts with) beside the audit key on this machine",
                path.display(),
                keyfile::signing_key_path(path).display()
            )
        })?),
        _ => None,
    };
    let threads = match args.threads {
        Some(0) => return Err("--threads 0: give at least 1".into()),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    Ok(Checked {
        keyspace: ks.clone(),
        nodes,
        identifiers,
        refs,
        region,
        threads,
        signer,
    })
}

fn read_search_file(path: &Path) -> Result<Vec<(String, String)>, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("--search-file {shown}: {e}"))?;
    if !meta.is_file() || meta.len() > MAX_SEARCH_FILE {
        return Err(format!(
            "--search-file {shown}: give a text file of identifiers, one a line, at most {} MiB",
            MAX_SEARCH_FILE >> 20
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("--search-file {shown}: {e}"))?;
    Ok(forgetme_matcher::search_file_entries(
        &text,
        &shown.to_string(),
    ))
}

/// Runs the check on checked arguments.
pub fn run(checked: Checked) -> Report {
    let started_at = forgetme_audit::now_rfc3339();
    let matcher = Matcher::new(checked.identifiers, checked.region);
    let nodes = checked
        .nodes
        .iter()
        .map(|dirs| check_node(dirs, &checked.keyspace, &matcher, checked.threads))
        .collect();
    Report {
        keyspace: checked.keyspace,
        started_at,
        finished_at: forgetme_audit::now_rfc3339(),
        identifiers: checked.refs,
        nodes,
    }
}

/// `gdpr_forget_me disk-check ARGS`: `raw` is the whole command line (program name, then
/// `disk-check`, then its arguments). Returns the exit code.
pub fn main(raw: &[OsString]) -> u8 {
    let mut argv: Vec<OsString> = vec![OsString::from("gdpr_forget_me disk-check")];
    argv.extend(raw.iter().skip(2).cloned());
    let json_wanted = argv
        .windows(2)
        .any(|w| w[0] == "--format" && w[1] == "json")
        || argv.iter().any(|a| a == "--format=json");
    let args = match DiskCheckArgs::try_parse_from(&argv) {
        Ok(a) => a,
        Err(e) => {
            if !e.use_stderr() {
                let _ = e.print();
                return 0;
            }
            if json_wanted {
                let text = e.render().to_string();
                let first = text.lines().next().unwrap_or("invalid arguments");
                print_error(first.trim_start_matches("error: "));
            }
            let _ = e.print();
            return 2;
        }
    };
    let mut checked = match check(&args) {
        Ok(c) => c,
        Err(message) => {
            if args.format == Format::Json {
                print_error(&message);
            }
            let _ = writeln!(std::io::stderr(), "error: {message}");
            return 2;
        }
    };
    let signer = checked.signer.take();
    let report = run(checked);
    let out = match (args.format, signer) {
        (Format::Text, _) => report::text(&report).into_bytes(),
        (Format::Json, Some(key)) => crate::proof::sign(&report::json(&report), &key),
        (Format::Json, None) => {
            let mut s =
                serde_json::to_string_pretty(&report::json(&report)).expect("JSON serializes");
            s.push('\n');
            s.into_bytes()
        }
    };
    let _ = std::io::stdout().write_all(&out);
    report.exit_code()
}

fn print_error(message: &str) {
    let doc =
        serde_json::json!({"error": {"kind": "bad_input", "exit_code": 2, "message": message}});
    let _ = writeln!(
        std::io::stdout(),
        "{}",
        serde_json::to_string_pretty(&doc).expect("JSON")
    );
}
