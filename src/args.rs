//! The command line: the original `gdpr_forget_me.py` flags, spelled as it spelled them (and
//! in kebab-case), plus what a careful erasure needs.
//!
//! Everything here is parsing; checks that need no I/O live in [`crate::input`], which runs
//! before anything is read or changed.

use std::path::PathBuf;

use clap::{Parser, ValueEnum};

/// Find, report and (with --cleanup true) erase a data subject's e-mail address or phone
/// number from Genesys GWS settings: Workspace personal favorites and recent contacts.
///
/// Searching never changes anything. Erasing goes through the GWS API as an admin user, asks
/// for confirmation, re-checks each setting just before changing it, verifies afterwards and
/// writes a PII-free audit log.
#[derive(Debug, Parser)]
#[command(
    name = "gdpr_forget_me",
    version = env!("GDPR_FORGET_ME_VERSION"),
    max_term_width = 100
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
        default_value_t = 9042
    )]
    pub cass_port: u16,

    /// The e-mail address or phone number to search for. Repeat it to search for several
    /// identifiers in one pass.
    #[arg(long = "search", value_name = "IDENTIFIER")]
    pub search: Vec<String>,

    /// A file with one identifier a line (blank lines and lines starting with # are skipped).
    #[arg(long = "search-file", alias = "search_file", value_name = "FILE")]
    pub search_file: Option<PathBuf>,

    /// Only this settings group, e.g. interaction-workspace-personal-favorites.
    #[arg(long = "group_name", alias = "group-name", value_name = "GROUP")]
    pub group_name: Option<String>,

    /// true to erase what was found through GWS (true/false, yes/no, 1/0).
    #[arg(long = "cleanup", value_name = "BOOL", default_value = "false", num_args = 0..=1,
          default_missing_value = "true", value_parser = parse_bool)]
    pub cleanup: bool,

    /// GWS base URL, e.g. http://127.0.0.1:8090.
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
    /// '{"X-Header": "value"}'. The CSRF handshake is done automatically.
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

    /// Region for phone numbers written without a country code (ISO code such as US or GB).
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

    /// Read consistency of the scan.
    #[arg(long = "consistency", value_enum, default_value = "local-one")]
    pub consistency: ConsistencyArg,

    /// Consistency of the verification read after erasing.
    #[arg(long = "verify-consistency", value_enum, default_value = "quorum")]
    pub verify_consistency: ConsistencyArg,

    /// Rows per page.
    #[arg(long = "page-size", value_name = "ROWS", default_value_t = 2000,
          value_parser = clap::value_parser!(i32).range(1..=100_000))]
    pub page_size: i32,

    /// Token-range splits read at the same time (default: 2 per core).
    #[arg(long = "concurrency", value_name = "N", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: Option<u32>,

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

    /// Do not draw the progress bar.
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
        default_value = "gdpr_forget_me.audit.jsonl"
    )]
    pub audit_log: PathBuf,

    /// Key for the identifiers' HMAC in the audit log (created with mode 0600 when missing).
    #[arg(
        long = "audit-key",
        value_name = "FILE",
        default_value = "gdpr_forget_me.audit.key"
    )]
    pub audit_key: PathBuf,

    /// Write an access export (GDPR Art. 15) of what was found: FILE as JSON and, beside it,
    /// the same as a self-contained HTML page (FILE with the extension .html). It holds the
    /// stored values: treat it as personal data.
    #[arg(long = "export", value_name = "FILE")]
    pub export: Option<PathBuf>,

    /// Where to write the erasure receipt of a cleanup (JSON; a .txt rendering beside it).
    /// Default: gdpr_forget_me.receipt.<run id>.json beside the audit log.
    #[arg(long = "receipt", value_name = "FILE")]
    pub receipt: Option<PathBuf>,

    /// Re-read every location of an erasure receipt and report whether the identifiers given
    /// with --search have come back (0 clean, 1 data is back or unreadable).
    #[arg(long = "recheck-receipt", value_name = "FILE")]
    pub recheck_receipt: Option<PathBuf>,

    /// Verify the hash chain of an audit log and exit (0 intact, 1 broken).
    #[arg(long = "verify-audit-log", value_name = "FILE")]
    pub verify_audit_log: Option<PathBuf>,

    /// Write the man page or a shell completion script to standard output and exit (used by
    /// scripts/release).
    #[arg(long = "generate", value_name = "KIND", value_enum, hide = true)]
    pub generate: Option<crate::generate::Kind>,
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

/// Consistency levels offered on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ConsistencyArg {
    /// ONE
    One,
    /// LOCAL_ONE
    LocalOne,
    /// QUORUM
    Quorum,
    /// LOCAL_QUORUM
    LocalQuorum,
    /// ALL
    All,
}

impl ConsistencyArg {
    /// The driver's value.
    pub fn to_driver(self) -> forgetme_scanner::Consistency {
        use forgetme_scanner::Consistency as C;
        match self {
            ConsistencyArg::One => C::One,
            ConsistencyArg::LocalOne => C::LocalOne,
            ConsistencyArg::Quorum => C::Quorum,
            ConsistencyArg::LocalQuorum => C::LocalQuorum,
            ConsistencyArg::All => C::All,
        }
    }
}

/// The original accepted `--cleanup true`; accept the usual spellings of a boolean.
fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "on" => Ok(true),
        "false" | "no" | "n" | "0" | "off" => Ok(false),
        _ => Err("expected true or false (also yes/no, 1/0)".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Args, clap::Error> {
        Args::try_parse_from(std::iter::once("gdpr_forget_me").chain(args.iter().copied()))
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
}
