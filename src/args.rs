//! The command line: the original `gdpr_forget_me.py` flags, spelled as it spelled them (and
//! in kebab-case), plus what a careful erasure needs.
//!
//! Everything here is parsing; checks that need no I/O live in [`crate::input`], which runs
//! before anything is read or changed.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};
use forgetme_access_export::words::Language;
use forgetme_scanner::ConsistencyLevel;

/// Find, report and (with --cleanup true) erase a data subject's e-mail address or phone
/// number from Genesys GWS settings: Workspace personal favorites and recent contacts.
///
/// Searching never changes anything. Erasing goes through the GWS API as an admin user, asks
/// for confirmation, re-checks each setting just before changing it, verifies afterwards and
/// writes a PII-free audit log.
///
/// Requests and their deadlines: `gdpr_forget_me requests --help` (the request ledger, which
/// runs given --case record into).
#[derive(Debug, Parser)]
#[command(
    name = "gdpr_forget_me",
    version = env!("GDPR_FORGET_ME_VERSION"),
    max_term_width = 100,
    after_help = EXIT_CODES
)]
pub struct Args {
    /// Cassandra keyspace of GWS.
    #[arg(
        long = "cass_keyspace",
        alias = "cass-keyspace",
        value_name = "KEYSPACE",
        default_value = "sipfs"
    )]
    pub cass_keyspace: String,

    /// Cassandra host name(s), comma-separated for several contact points.
    #[arg(
        long = "cass_hostname",
        alias = "cass-hostname",
        value_name = "HOST",
        default_value = "localhost"
    )]
    pub cass_hostname: String,

    /// Cassandra CQL native protocol port (9042 by default; the original's Thrift port 9160 is
    /// not served by Cassandra 4 and later).
    #[arg(
        long = "cass_port",
        alias = "cass-port",
        value_name = "PORT",
        default_value_t = 9042,
        value_parser = clap::value_parser!(u16).range(1..)
    )]
    pub cass_port: u16,

    /// The e-mail address or phone number to search for. Repeat it to search for several
    /// identifiers in one pass. A national phone number may name its own region, which
    /// overrides --default-region for it: IE:087 123 4567.
    #[arg(long = "search", value_name = "IDENTIFIER")]
    pub search: Vec<String>,

    /// A file with one identifier a line (blank lines and lines starting with # are skipped).
    #[arg(long = "search-file", alias = "search_file", value_name = "FILE")]
    pub search_file: Option<PathBuf>,

    /// A batch of privacy requests, one a line (JSON Lines or CSV, docs/requests.md): each an
    /// id, one person's identifiers, optionally a region and the date received, and what to
    /// do (search, export or erase). The keyspace is scanned once for all of them; each
    /// request's report, export and receipt go into its own folder under --out, holding that
    /// person's data only. Erasures happen only with --cleanup true.
    #[arg(
        long = "requests",
        value_name = "FILE",
        requires = "out",
        conflicts_with_all = ["search", "search_file", "export", "case", "receipt", "recheck_receipt"]
    )]
    pub requests: Option<PathBuf>,

    /// With --requests: the folder that gets one sub-folder per request (created if missing;
    /// a request folder that exists already is refused, never overwritten).
    #[arg(long = "out", value_name = "DIR", requires = "requests")]
    pub out: Option<PathBuf>,

    /// Only this settings group, e.g. interaction-workspace-personal-favorites.
    #[arg(long = "group_name", alias = "group-name", value_name = "GROUP")]
    pub group_name: Option<String>,

    /// true to erase what was found through GWS (true/false, yes/no, 1/0).
    #[arg(long = "cleanup", value_name = "BOOL", default_value = "false", num_args = 0..=1,
          default_missing_value = "true", value_parser = parse_bool)]
    pub cleanup: bool,

    /// GWS base URL, e.g. http://127.0.0.1:8090 (no user:password@ in it: give the user with
    /// --gws_username and the password as for --gws_user_password).
    #[arg(long = "gws", value_name = "URL")]
    pub gws: Option<String>,

    /// GWS user with admin privileges, used for erasing (asked for when missing).
    #[arg(
        long = "gws_username",
        alias = "gws-username",
        value_name = "USER",
        env = "GWS_USERNAME"
    )]
    pub gws_username: Option<String>,

    /// Password of --gws_username. Visible to other local users: prefer --gws-password-file,
    /// the GWS_PASSWORD environment variable or the prompt.
    #[arg(
        long = "gws_user_password",
        alias = "gws-user-password",
        value_name = "PASSWORD",
        hide_env_values = true
    )]
    pub gws_user_password: Option<String>,

    /// File holding the GWS password (first line).
    #[arg(
        long = "gws-password-file",
        alias = "gws_password_file",
        value_name = "FILE"
    )]
    pub gws_password_file: Option<PathBuf>,

    /// Extra headers for every GWS request, as a JSON object of strings, e.g.
    /// '{"X-Header": "value"}'. The CSRF handshake is done automatically (a pasted
    /// X-CSRF-HEADER/X-CSRF-TOKEN pair is not sent). Headers that change framing, routing or
    /// authentication (Content-Length, Host, Authorization, Cookie, ...) are refused.
    #[arg(
        long = "gws_additional_headers",
        alias = "gws-additional-headers",
        value_name = "JSON"
    )]
    pub gws_additional_headers: Option<String>,

    /// PEM file of certificate authorities to trust for https GWS.
    #[arg(long = "gws-ca-file", value_name = "FILE")]
    pub gws_ca_file: Option<PathBuf>,

    /// Do not verify GWS's TLS certificate. Dangerous: anyone on the path can read the admin
    /// password.
    #[arg(long = "gws-insecure")]
    pub gws_insecure: bool,

    /// Seconds to wait for each GWS answer; a request that times out (or gets HTTP 5xx) is
    /// tried again, up to 4 times in all, with back-off.
    #[arg(long = "gws-timeout", value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub gws_timeout: u64,

    /// Seconds allowed for looking up the agents' user names, all of them together (8 at a
    /// time); past it, the report shows the remaining agents by user id, and says so.
    #[arg(long = "gws-names-budget", value_name = "SECONDS", default_value_t = 60,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub gws_names_budget: u64,

    /// Region for phone numbers written without a country code (ISO code such as US or GB):
    /// the identifiers' (unless one names its own, IE:087 123 4567) and the stored ones.
    #[arg(
        long = "default-region",
        alias = "default_region",
        value_name = "REGION"
    )]
    pub default_region: Option<String>,

    /// How identifiers are read: auto (e-mail or phone) or text (case-insensitive substring,
    /// at least 4 characters).
    #[arg(long = "match", value_enum, default_value = "auto")]
    pub match_mode: MatchMode,

    /// Cassandra role (PasswordAuthenticator); the password comes from --cass-password-file,
    /// CASS_PASSWORD or a prompt.
    #[arg(
        long = "cass-username",
        alias = "cass_username",
        value_name = "ROLE",
        env = "CASS_USERNAME"
    )]
    pub cass_username: Option<String>,

    /// File holding the Cassandra password (first line).
    #[arg(
        long = "cass-password-file",
        alias = "cass_password_file",
        value_name = "FILE"
    )]
    pub cass_password_file: Option<PathBuf>,

    /// Connect to Cassandra with TLS.
    #[arg(long = "cass-tls")]
    pub cass_tls: bool,

    /// PEM file of certificate authorities for Cassandra TLS (implies --cass-tls).
    #[arg(long = "cass-ca-file", value_name = "FILE")]
    pub cass_ca_file: Option<PathBuf>,

    /// PEM client certificate for clusters that require one (mutual TLS); needs --cass-key,
    /// implies --cass-tls.
    #[arg(long = "cass-cert", value_name = "FILE")]
    pub cass_cert: Option<PathBuf>,

    /// PEM private key of --cass-cert (unencrypted; keep it chmod 600); needs --cass-cert.
    #[arg(long = "cass-key", value_name = "FILE")]
    pub cass_key: Option<PathBuf>,

    /// Read consistency of the scan.
    #[arg(
        long = "consistency",
        value_enum,
        default_value = "local-one",
        ignore_case = true
    )]
    pub consistency: ConsistencyArg,

    /// Consistency of the verification read after erasing.
    #[arg(
        long = "verify-consistency",
        value_enum,
        default_value = "quorum",
        ignore_case = true
    )]
    pub verify_consistency: ConsistencyArg,

    /// Rows per page.
    #[arg(long = "page-size", value_name = "ROWS", default_value_t = 2000,
          value_parser = clap::value_parser!(i32).range(1..=100_000))]
    pub page_size: i32,

    /// Token-range splits read at the same time (default: 2 per core).
    #[arg(long = "concurrency", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: Option<u32>,

    /// Cap on rows read per second by the whole scan, all splits and tables together (default:
    /// no cap). On a production cluster, leave the nodes to the agents: docs/usage.md.
    #[arg(long = "max-rows-per-second", value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..))]
    pub max_rows_per_second: Option<u32>,

    /// TOML file describing the settings tables of a real GWS install (docs/layout-file.md).
    #[arg(long = "layout", value_name = "FILE")]
    pub layout: Option<PathBuf>,

    /// Also search every text-like column of every table of the keyspace. Hits outside the
    /// settings layout are reported, never erased.
    #[arg(long = "deep")]
    pub deep: bool,

    /// Scan every row but match nothing (measures the scan alone).
    #[arg(long = "scan-only", hide = true)]
    pub scan_only: bool,

    /// Output format.
    #[arg(long = "format", value_enum, default_value = "text")]
    pub format: Format,

    /// Show no progress (a bar on a terminal, otherwise a plain line on stderr every 10 s).
    #[arg(long = "no-progress")]
    pub no_progress: bool,

    /// Erase without asking for confirmation.
    #[arg(long = "yes", short = 'y')]
    pub yes: bool,

    /// What to erase: record (only the subject's entry of a list when possible) or setting
    /// (always the whole setting, as the original did).
    #[arg(long = "erase", value_enum, default_value = "record")]
    pub erase: EraseMode,

    /// Audit log (JSON Lines, appended).
    #[arg(
        long = "audit-log",
        value_name = "FILE",
        env = "GDPR_FORGET_ME_AUDIT_LOG",
        default_value = "gdpr_forget_me.audit.jsonl"
    )]
    pub audit_log: PathBuf,

    /// Key for the identifiers' HMAC in the audit log (created with mode 0600 when missing).
    #[arg(
        long = "audit-key",
        value_name = "FILE",
        env = "GDPR_FORGET_ME_AUDIT_KEY",
        default_value = "gdpr_forget_me.audit.key"
    )]
    pub audit_key: PathBuf,

    /// A case or ticket reference for this request (e.g. DSR-2026-0042): recorded in the audit
    /// log's run_start event and in the erasure receipt, so both can be found from the ticket.
    /// Letters, digits and - _ . : / # only, at most 64; never the subject's own identifier.
    #[arg(long = "case", value_name = "ID")]
    pub case: Option<String>,

    /// The request ledger (SQLite) where a run given --case records what it did, and that
    /// `gdpr_forget_me requests` reads. Default: gdpr_forget_me.requests.sqlite beside the audit
    /// log.
    #[arg(long = "ledger", value_name = "FILE", env = "GDPR_FORGET_ME_LEDGER")]
    pub ledger: Option<PathBuf>,

    /// Write an access export (GDPR Art. 15) of what was found. Two documents: the officer's
    /// record with every internal detail, FILE as JSON and FILE with the extension .html; and
    /// the data subject's copy in plain words, without employees or internal places, as
    /// FILE with the extension .subject.html (and .subject.json). Both hold the stored values:
    /// treat them as personal data.
    #[arg(long = "export", value_name = "FILE")]
    pub export: Option<PathBuf>,

    /// The controller's information (GDPR Art. 15(1) and (2): purposes, recipients, retention,
    /// source, rights, the right to complain, contact) for the subject's copy, as a TOML file
    /// filled in once (templates/subject-copy.toml is the example). Without it the copy says
    /// NOT FILLED IN where that information goes.
    ///
    /// One template per language: repeat the flag to answer in several (each file says its
    /// `language`; templates/subject-copy.de.toml is the German example). A copy is written
    /// with the template of its language (--language, or a request's `language`).
    #[arg(long = "subject-template", value_name = "FILE", requires = "export")]
    pub subject_template: Vec<PathBuf>,

    /// The language of the subject's copy: en (default) or de. Its headings, labels and
    /// explanations come from that language's template. In a batch, each request's
    /// `language` says it instead.
    #[arg(long = "language", value_name = "LANG", default_value = "en",
          value_parser = parse_language, requires = "export", conflicts_with = "requests")]
    pub language: Language,

    /// Where to write the erasure receipt of a cleanup (JSON; a .txt rendering beside it).
    /// Default: gdpr_forget_me.receipt.<run id>.json beside the audit log.
    #[arg(long = "receipt", value_name = "FILE")]
    pub receipt: Option<PathBuf>,

    /// Re-read every location of an erasure receipt and report whether the identifiers given
    /// with --search have come back (0 clean, 1 data is back or unreadable).
    #[arg(long = "recheck-receipt", value_name = "FILE")]
    pub recheck_receipt: Option<PathBuf>,

    /// With --recheck-receipt: a signed disk report (`gdpr_forget_me disk-check --format json
    /// --audit-key KEY` on a node, after the erasure); repeat it, one per node. Each is checked
    /// before anything is read (its signature with the signing key beside --audit-key, its
    /// keyspace and subject refs against the receipt's); the re-check then states per node
    /// whether any file still holds the subject's identifiers, records a `purged` step in the
    /// request ledger, and exits 1 unless every node is clean.
    #[arg(
        long = "disk-report",
        value_name = "FILE",
        requires = "recheck_receipt"
    )]
    pub disk_report: Vec<PathBuf>,

    /// Verify the hash chain of an audit log and exit (0 intact, 1 broken).
    #[arg(long = "verify-audit-log", value_name = "FILE")]
    pub verify_audit_log: Option<PathBuf>,

    // --- `gdpr_forget_me layout discover` (src/layout_cmd.rs turns the sub-command into these
    //     flags, so that it takes every connection flag a search takes). ---
    /// Draft a layout file for --cass_keyspace from its schema and a sample of its rows.
    #[arg(
        long = "layout-discover",
        hide = true,
        conflicts_with_all = ["search", "search_file", "requests", "cleanup", "export", "receipt", "recheck_receipt", "layout", "deep"]
    )]
    pub layout_discover: bool,

    /// With `layout discover`: rows sampled per table, at most (default 200).
    #[arg(long = "sample", value_name = "N", requires = "layout_discover")]
    pub sample: Option<usize>,

    /// With `layout discover`: write the draft here (a new file) instead of stdout.
    #[arg(
        long = "layout-out",
        value_name = "FILE",
        hide = true,
        requires = "layout_discover"
    )]
    pub layout_out: Option<PathBuf>,

    // --- The erasure plan's limits (docs/usage.md, "Limits of one erasure"). ---
    /// Also erase possible matches: national-format numbers that are the subject's only if
    /// written in another country than --default-region says (or none is given), so they
    /// may belong to someone else. Check them first.
    #[arg(long = "erase-possible-matches")]
    pub erase_possible_matches: bool,

    /// Allow an erasure of more than 500 settings: give the number of settings the plan may
    /// hold at most (the confirmation shows the plan's count first).
    #[arg(long = "max-erase", value_name = "SETTINGS")]
    pub max_erase: Option<usize>,

    /// Allow an erasure touching more than 50 agents: give the number of agents the plan may
    /// touch at most.
    #[arg(long = "max-erase-agents", value_name = "AGENTS")]
    pub max_erase_agents: Option<usize>,

    /// List the hits of at most this many settings (default 10,000, and never fewer than
    /// --max-erase); a broader search is counted, not listed, and nothing is erased or exported
    /// from it. Keeps the tool's memory flat however broad a search is.
    #[arg(long = "max-listed", value_name = "SETTINGS", value_parser = clap::value_parser!(u64).range(1..))]
    pub max_listed: Option<u64>,

    // ---- Clusters: data centers and how many copies a scan reads (docs/scaling.md).
    /// Data center to read from. The fast scan reads each token range from this data center's
    /// replicas only, and requests are coordinated there (point it at the data center that
    /// does not serve agents). Required in effect on a multi-DC cluster.
    #[arg(long = "local-dc", alias = "local_dc", value_name = "DC")]
    pub local_dc: Option<String>,

    /// Let the fast scan read a token range from another data center when no replica of the
    /// --local-dc data center can read it.
    #[arg(long = "allow-remote-dc", alias = "allow_remote_dc")]
    pub allow_remote_dc: bool,

    /// How many copies of each token range the scan reads: every (each replica in every data
    /// center: what a "nothing found" about every copy needs), one (the fast scan: one replica
    /// per range), or auto (every for --export, --cleanup, --recheck-receipt and a batch
    /// (--requests), one for a plain search).
    #[arg(long = "scan-copies", value_enum, default_value = "auto")]
    pub scan_copies: ScanCopies,

    /// Write the man page or a shell completion script to standard output and exit (used by
    /// scripts/release).
    #[arg(long = "generate", value_name = "KIND", value_enum, hide = true)]
    pub generate: Option<GenerateKind>,
}

/// How many copies of each token range the scan reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ScanCopies {
    /// every for --export, --cleanup, --recheck-receipt and --requests, one for a plain search.
    Auto,
    /// One replica per range.
    One,
    /// Every replica of every range.
    Every,
}

impl Args {
    /// The copies the scan reads, with `auto` resolved: statements to a data subject (export)
    /// and erasures (receipt, verification) rest on every copy.
    pub fn copies(&self) -> forgetme_scanner::routing::Copies {
        use forgetme_scanner::routing::Copies;
        match self.scan_copies {
            ScanCopies::One => Copies::One,
            ScanCopies::Every => Copies::Every,
            // A batch (`--requests`) exports and erases from its one scan: every copy too.
            ScanCopies::Auto
                if self.export.is_some()
                    || self.cleanup
                    || self.recheck_receipt.is_some()
                    || self.requests.is_some() =>
            {
                Copies::Every
            }
            ScanCopies::Auto => Copies::One,
        }
    }

    /// `--cass-tls` and its files, as the engine opens a session with them.
    pub fn cassandra_tls(&self) -> forgetme_engine::connect::CassandraTls {
        forgetme_engine::connect::CassandraTls {
            asked: self.cass_tls,
            ca_file: self.cass_ca_file.clone(),
            cert: self.cass_cert.clone(),
            key: self.cass_key.clone(),
        }
    }

    /// `--gws-ca-file`, `--gws-insecure` and `--gws-timeout`, as the GWS client takes them.
    pub fn gws_transport(&self) -> forgetme_engine::connect::GwsTransport {
        forgetme_engine::connect::GwsTransport {
            ca_file: self.gws_ca_file.clone(),
            insecure: self.gws_insecure,
            timeout: std::time::Duration::from_secs(self.gws_timeout),
        }
    }
}

/// How identifiers are classified.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MatchMode {
    /// E-mail addresses and phone numbers; anything else is refused.
    Auto,
    /// Plain case-insensitive substrings (at least 4 characters).
    Text,
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per hit and a summary.
    Text,
    /// One JSON document (docs/output.md).
    Json,
}

/// Erasure granularity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum EraseMode {
    /// Only the subject's record when it is an entry of a list, else the setting.
    Record,
    /// Always the whole setting.
    Setting,
}

/// The exit codes, at the end of `--help` (docs/usage.md says the same).
const EXIT_CODES: &str = "Exit codes:
  0  the run completed: the scan read every token range (and any erasure was verified)
  1  the run is incomplete: a token range unread, an erasure, its verification or a file failed
  2  bad input, refused before anything was read or changed (also a plan above --max-erase)
  3  the erasure was declined at the confirmation prompt; nothing was erased
  4  could not connect to Cassandra (no node answered, spoke CQL or completed TLS); nothing was read
A batch (--requests) ends with its most serious request's code: 1 before 2 before 3.
With --format json, a run that stops with an error prints {\"error\": {kind, exit_code, message}}
on stdout (the message is also on stderr).";

/// Consistency levels offered on the command line, in the tool's spelling (`local-quorum`) or
/// CQL's (`LOCAL_QUORUM`, as cqlsh and DSBulk write it), in any case.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConsistencyArg {
    /// ONE
    One,
    /// LOCAL_ONE
    #[value(alias = "local_one")]
    LocalOne,
    /// QUORUM
    Quorum,
    /// LOCAL_QUORUM
    #[value(alias = "local_quorum")]
    LocalQuorum,
    /// ALL
    All,
}

impl ConsistencyArg {
    /// The level, as reports and receipts name it.
    pub fn level(self) -> ConsistencyLevel {
        match self {
            ConsistencyArg::One => ConsistencyLevel::One,
            ConsistencyArg::LocalOne => ConsistencyLevel::LocalOne,
            ConsistencyArg::Quorum => ConsistencyLevel::Quorum,
            ConsistencyArg::LocalQuorum => ConsistencyLevel::LocalQuorum,
            ConsistencyArg::All => ConsistencyLevel::All,
        }
    }

    /// The driver's value.
    pub fn to_driver(self) -> forgetme_scanner::Consistency {
        self.level().to_driver()
    }
}

/// `--language`: a language the subject's copy has words in.
fn parse_language(s: &str) -> Result<Language, String> {
    Language::parse(s).ok_or_else(|| format!("expected one of {}", Language::codes()))
}

/// The original accepted `--cleanup true`; accept the usual spellings of a boolean.
fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "on" => Ok(true),
        "false" | "no" | "n" | "0" | "off" => Ok(false),
        _ => Err("expected true or false (also yes/no, 1/0)".into()),
    }
}

/// What `--generate` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GenerateKind {
    /// The man page, roff (`man ./gdpr_forget_me.1`).
    Man,
    /// The man page of the `requests` commands (`man ./gdpr_forget_me-requests.1`): they are
    /// parsed apart from the main command line, so they have a page of their own.
    ManRequests,
    /// The man page of `verify-receipt` and `signing-key` (`gdpr_forget_me-verify-receipt.1`).
    ManVerifyReceipt,
    /// The man page of `disk-check` (`gdpr_forget_me-disk-check.1`).
    ManDiskCheck,
    /// bash completion script, every command included.
    CompleteBash,
    /// zsh completion script (a `_gdpr_forget_me` function for a directory on `$fpath`).
    CompleteZsh,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("gdpr_forget_me").chain(args.iter().copied()))
    }

    #[test]
    fn consistency_is_accepted_as_cqlsh_and_dsbulk_spell_it_in_any_case() {
        for (given, want) in [
            ("LOCAL_QUORUM", ConsistencyArg::LocalQuorum),
            ("local_quorum", ConsistencyArg::LocalQuorum),
            ("Local-Quorum", ConsistencyArg::LocalQuorum),
            ("LOCAL_ONE", ConsistencyArg::LocalOne),
            ("QUORUM", ConsistencyArg::Quorum),
            ("all", ConsistencyArg::All),
        ] {
            let a = parse(&["--search", "a@b.com", "--verify-consistency", given]).unwrap();
            assert_eq!(a.verify_consistency, want, "{given}");
            let a = parse(&["--search", "a@b.com", "--consistency", given]).unwrap();
            assert_eq!(a.consistency, want, "{given}");
        }
        assert!(parse(&["--search", "a@b.com", "--consistency", "LOCAL_TWO"]).is_err());
    }

    #[test]
    fn help_ends_with_the_exit_codes() {
        use clap::CommandFactory;
        let help = Args::command().render_help().to_string();
        for code in [
            "0  the run completed",
            "1  the run is incomplete",
            "2  bad input",
            "3  the erasure was declined",
            "4  could not connect to Cassandra",
        ] {
            assert!(help.contains(code), "{code:?} missing from --help");
        }
    }

    #[test]
    fn consistency_is_spelled_as_cql_spells_it() {
        assert_eq!(
            ConsistencyArg::LocalQuorum.level().cql_name(),
            "LOCAL_QUORUM"
        );
        assert_eq!(ConsistencyArg::LocalOne.level().cql_name(), "LOCAL_ONE");
        assert_eq!(ConsistencyArg::Quorum.level().cql_name(), "QUORUM");
    }

    #[test]
    fn exports_erasures_and_rechecks_read_every_copy_unless_told_otherwise() {
        use forgetme_scanner::routing::Copies;
        let base = ["--search", "a@b.com"];
        let with = |extra: &[&str]| {
            let mut v: Vec<&str> = base.to_vec();
            v.extend_from_slice(extra);
            parse(&v).unwrap().copies()
        };
        assert_eq!(with(&[]), Copies::One);
        assert_eq!(with(&["--export", "x.json"]), Copies::Every);
        assert_eq!(with(&["--cleanup", "true"]), Copies::Every);
        assert_eq!(with(&["--recheck-receipt", "r.json"]), Copies::Every);
        assert_eq!(
            with(&["--export", "x.json", "--scan-copies", "one"]),
            Copies::One
        );
        assert_eq!(with(&["--scan-copies", "every"]), Copies::Every);
    }

    #[test]
    fn a_batch_reads_every_copy_unless_told_otherwise() {
        use forgetme_scanner::routing::Copies;
        let batch = ["--requests", "week.jsonl", "--out", "answers"];
        assert_eq!(parse(&batch).unwrap().copies(), Copies::Every);
        let mut one = batch.to_vec();
        one.extend(["--scan-copies", "one"]);
        assert_eq!(parse(&one).unwrap().copies(), Copies::One);
    }

    #[test]
    fn the_originals_first_example_parses() {
        let a = parse(&[
            "--cass_keyspace",
            "sipfs",
            "--cass_hostname",
            "localhost",
            "--cass_port",
            "9042",
            "--search",
            "agent1@pizza.com",
        ])
        .unwrap();
        assert_eq!(a.cass_keyspace, "sipfs");
        assert_eq!(a.search, vec!["agent1@pizza.com"]);
        assert!(!a.cleanup);
    }

    #[test]
    fn kebab_case_spellings_work_too() {
        let a = parse(&[
            "--cass-keyspace",
            "ks",
            "--group-name",
            "g",
            "--cass-port",
            "1",
        ])
        .unwrap();
        assert_eq!(
            (
                a.cass_keyspace.as_str(),
                a.group_name.as_deref(),
                a.cass_port
            ),
            ("ks", Some("g"), 1)
        );
    }

    #[test]
    fn cleanup_accepts_boolean_spellings() {
        for (v, want) in [
            ("true", true),
            ("YES", true),
            ("1", true),
            ("false", false),
            ("no", false),
            ("0", false),
        ] {
            assert_eq!(parse(&["--cleanup", v]).unwrap().cleanup, want, "{v}");
        }
        assert!(parse(&["--cleanup", "maybe"]).is_err());
        assert!(parse(&["--cleanup"]).unwrap().cleanup);
    }

    #[test]
    fn port_zero_is_refused() {
        let err = parse(&["--cass_port", "0"]).unwrap_err();
        assert_eq!(err.exit_code(), 2);
        assert_eq!(parse(&["--cass_port", "1"]).unwrap().cass_port, 1);
    }
}
