//! Every check that needs no I/O, run before anything is read or changed.
//!
//! A wrong region, a typo in an address or a malformed header JSON must stop the run with
//! exit code 2 and a message that says how to fix it, not surface halfway through a cleanup.
//! Messages never repeat an identifier or a secret.
//!
//! A check about one value is that value's, in the library that uses it (contact points, the
//! GWS target, the group name and TLS files in `forgetme_engine::connect`, the files a run
//! reads and writes in `forgetme_engine::files`, a batch in `forgetme_engine::batch`, `--case`
//! in `forgetme_engine::request`, national numbers in `forgetme_matcher`); [`check`] runs them
//! in order, and keeps the checks of flags taken together.

use forgetme_matcher::{
    distinct_identifiers, parse_identifier, unknown_in_region, Identifier, ParseOptions, Region,
};
use forgetme_scanner::layout::Layout;
use forgetme_scanner::names::check_cql_name;

use crate::args::{Args, MatchMode};
use forgetme_audit::CaseRef;
use forgetme_engine::connect::{self, GwsTarget};
use forgetme_engine::export_files::ExportPaths;
use forgetme_engine::files;
use forgetme_engine::request::check_case;

pub use forgetme_engine::batch::Batch;
pub use forgetme_engine::InputError;

/// The run, checked.
#[derive(Debug)]
pub struct Inputs {
    /// Distinct identifiers, normalized, in the order given.
    pub identifiers: Vec<Identifier>,
    /// How many inputs were dropped as duplicates of an earlier one after normalization.
    pub duplicates: usize,
    /// National numbers that their region's numbering plan does not know (index, region):
    /// fictional, mistyped, or another country's number read in the wrong region.
    pub unknown_in_region: Vec<(usize, Region)>,
    /// `--default-region`.
    pub region: Option<Region>,
    /// Tables to scan.
    pub layout: Layout,
    /// `host:port` contact points.
    pub contact_points: Vec<String>,
    /// `--group_name`.
    pub group: Option<String>,
    /// GWS URL and extra headers, when `--gws` is given.
    pub gws: Option<GwsTarget>,
    /// Whether a pasted CSRF handshake was dropped from `--gws_additional_headers`.
    pub pasted_csrf_dropped: bool,
    /// `--case`: the request's ticket reference, checked.
    pub case: Option<CaseRef>,
    /// `--requests`: the batch, checked (its identifiers are [`Inputs::identifiers`]).
    pub batch: Option<Batch>,
    /// `--subject-template`: the controller's information for the subject's copy, one per
    /// language, checked; and that every copy's language has one when any was given.
    pub subject_templates: forgetme_access_export::template::Templates,
}

/// Checks the arguments and reads the small local files they name (search file, layout).
pub fn check(args: &Args) -> Result<Inputs, InputError> {
    check_cql_name("keyspace", &args.cass_keyspace)
        .map_err(|e| InputError::new(format!("--cass_keyspace: {e}")))?;
    let region = match &args.default_region {
        None => None,
        Some(code) => Some(Region::parse(code).ok_or_else(|| {
            InputError::new(format!(
                "--default-region {code:?} is not a supported region; use the ISO 3166-1 alpha-2 code of one of: {}",
                Region::supported_codes()
            ))
        })?),
    };
    let options = ParseOptions {
        default_region: region,
        allow_text: args.match_mode == MatchMode::Text,
    };

    let batch = match &args.requests {
        Some(path) => {
            let out = args.out.clone().expect("clap: --requests requires --out");
            Some(Batch::read(path, out, region, options.allow_text)?)
        }
        None => None,
    };
    let (identifiers, duplicates) = identifiers(args, &options, batch.as_ref())?;
    let unknown_in_region = unknown_in_region(&identifiers);

    let layout = files::read_layout(args.layout.as_deref())?;
    connect::check_group_name(args.group_name.as_deref())?;

    let contact_points = connect::contact_points(&args.cass_hostname, args.cass_port)?;

    let (gws, pasted_csrf_dropped) =
        GwsTarget::parse(args.gws.as_deref(), args.gws_additional_headers.as_deref())?;

    check_combinations(args, gws.is_some())?;
    args.cassandra_tls().check()?;
    args.gws_transport().check_ca_file()?;
    check_output_files(args)?;
    // The language of every copy the run writes: the single run's, or each exporting
    // request's, with where it was asked for (for the message).
    let languages = match &batch {
        Some(b) => b.export_languages(),
        None => vec![(args.language, format!("--language {}", args.language))],
    };
    let subject_templates =
        forgetme_engine::export_files::load_templates(&args.subject_template, languages)?;
    let case = match &args.case {
        Some(case) => Some(check_case(case, &identifiers, region)?),
        None => None,
    };

    Ok(Inputs {
        case,
        batch,
        identifiers,
        duplicates,
        unknown_in_region,
        region,
        layout,
        contact_points,
        group: args.group_name.clone(),
        gws,
        pasted_csrf_dropped,
        subject_templates,
    })
}

/// The identifiers of `--search` and `--search-file` (or the batch's), parsed, distinct, with
/// how many were the same as an earlier one once normalized.
fn identifiers(
    args: &Args,
    options: &ParseOptions,
    batch: Option<&Batch>,
) -> Result<(Vec<Identifier>, usize), InputError> {
    let mut raw: Vec<(String, String)> = args
        .search
        .iter()
        .enumerate()
        .map(|(i, s)| (format!("--search #{}", i + 1), s.clone()))
        .collect();
    if let Some(path) = &args.search_file {
        raw.extend(files::read_search_file(path)?);
    }
    if raw.is_empty() && batch.is_none() && !args.layout_discover {
        return Err(InputError::new(
            "nothing to search for: give --search IDENTIFIER (repeatable) or --search-file FILE",
        ));
    }
    let parsed = raw
        .iter()
        .map(|(origin, value)| {
            parse_identifier(value, options).map_err(|e| InputError::new(format!("{origin}: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(match batch {
        Some(b) => (b.identifiers.clone(), 0),
        None => distinct_identifiers(parsed),
    })
}

/// Flags that do not go together.
fn check_combinations(args: &Args, has_gws: bool) -> Result<(), InputError> {
    if args.cleanup {
        if !has_gws {
            return Err(InputError::new(
                "--cleanup true erases through the GWS API: give --gws URL (e.g. --gws http://127.0.0.1:8090) and --gws_username of an admin",
            ));
        }
        if args.match_mode == MatchMode::Text {
            return Err(InputError::new(
                "--cleanup is refused with --match text: substring hits are too loose to erase. Search with --match text, then erase by e-mail address or phone number",
            ));
        }
        if args.scan_only {
            return Err(InputError::new(
                "--cleanup cannot be combined with --scan-only",
            ));
        }
    }
    if args.gws_insecure && args.gws_ca_file.is_some() {
        return Err(InputError::new(
            "--gws-insecure and --gws-ca-file contradict each other; drop one",
        ));
    }
    Ok(())
}

/// The files the run will write, checked before anything is read: an export or receipt that
/// cannot be written after an erasure would lose the proof of data already erased.
fn check_output_files(args: &Args) -> Result<(), InputError> {
    if args.verify_audit_log.is_some() || args.recheck_receipt.is_some() {
        return Ok(());
    }
    if let Some(p) = &args.export {
        ExportPaths::check(p)?;
    }
    if args.cleanup {
        files::check_erasure_outputs(&args.audit_log, args.receipt.as_deref())?;
    }
    Ok(())
}
