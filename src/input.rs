//! Every check that needs no I/O, run before anything is read or changed.
//!
//! A wrong region, a typo in an address or a malformed header JSON must stop the run with
//! exit code 2 and a message that says how to fix it, not surface halfway through a cleanup.
//! Messages never repeat an identifier or a secret.

use std::path::Path;

use forgetme_matcher::{
    distinct_identifiers, is_valid_number_of, parse_identifier, search_file_entries, Identifier,
    ParseOptions, Reading, Region,
};
use forgetme_scanner::layout::Layout;
use forgetme_scanner::names::check_cql_name;
use gws_client::{parse_additional_headers, parse_gws_url};
use gws_client::{HeaderName, HeaderValue, Url};

use crate::args::{Args, MatchMode};
use forgetme_access_export::words::Language;
use forgetme_audit::CaseRef;
use forgetme_engine::files::{self, Existing};

/// Largest `--search-file`: a million identifiers of 60 characters.
const MAX_SEARCH_FILE: u64 = 64 * 1024 * 1024;
/// Largest `--layout` file.
const MAX_LAYOUT_FILE: u64 = 1024 * 1024;

pub use forgetme_engine::batch::Batch;
pub use forgetme_engine::InputError;

/// `--gws URL` and the extra headers sent with every request.
pub type GwsTarget = (Url, Vec<(HeaderName, HeaderValue)>);

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

/// Largest request file read.
const MAX_REQUESTS_FILE: u64 = 16 * 1024 * 1024;

/// Reads and checks `--requests FILE` and `--out DIR`: every line, and that no request's
/// folder exists yet (an earlier batch's answers are never overwritten).
fn read_batch(
    args: &Args,
    path: &Path,
    region: Option<Region>,
    allow_text: bool,
) -> Result<Batch, InputError> {
    use forgetme_findings::requests::{batch_identifiers, parse_requests, RequestFormat};
    let shown = path.display().to_string();
    let text = files::read_text_limited(path, MAX_REQUESTS_FILE, &format!("--requests {shown}"))?;
    let format = RequestFormat::detect(&shown, &text);
    let requests = parse_requests(&text, format, region, allow_text).map_err(|errors| {
        let lines: Vec<String> = errors.iter().map(|e| format!("  {e}")).collect();
        InputError::new(format!(
            "--requests {shown}: {} bad line(s), nothing was read or changed; fix them and run again (docs/requests.md):\n{}",
            errors.len(),
            lines.join("\n")
        ))
    })?;
    let out = args.out.clone().expect("clap: --requests requires --out");
    match std::fs::symlink_metadata(&out) {
        Ok(m) if !m.is_dir() => {
            return Err(InputError::new(format!(
                "--out {}: not a folder (a symbolic link is refused too); give a folder for the batch's answers",
                out.display()
            )))
        }
        _ => {}
    }
    for r in &requests {
        let folder = out.join(&r.folder);
        if std::fs::symlink_metadata(&folder).is_ok() {
            return Err(InputError::new(format!(
                "--out {}: the folder of request {} (line {}) exists already; an earlier answer is never overwritten: use a new --out folder",
                out.display(),
                r.id,
                r.line
            )));
        }
    }
    let (identifiers, owner) = batch_identifiers(&requests);
    Ok(Batch {
        requests,
        owner,
        identifiers,
        out,
    })
}

/// Longest `--case`.
const MAX_CASE_LEN: usize = forgetme_audit::MAX_REFERENCE_LEN;

/// A `--case` reference goes into the audit log, the receipt and the request ledger, which hold
/// no raw identifier: so it is a short ticket-like string, and one that holds a searched
/// identifier in any spelling (glued to letters too: `DSR5550100001`, `DSRjohn.smith`) is
/// refused.
fn check_case(
    case: &str,
    identifiers: &[Identifier],
    region: Option<Region>,
) -> Result<CaseRef, InputError> {
    let Ok(reference) = CaseRef::new(case) else {
        return Err(InputError::new(format!(
            "--case must be a ticket reference of 1 to {MAX_CASE_LEN} letters, digits and - _ . : / # (e.g. DSR-2026-0042)"
        )));
    };
    use forgetme_findings::requests::{reference_holds_identifier, REFERENCE_HOLDS_IDENTIFIER};
    let matcher = forgetme_matcher::Matcher::new(identifiers.to_vec(), region);
    if matcher.is_match_text(case) || reference_holds_identifier(case, identifiers) {
        return Err(InputError::new(
            REFERENCE_HOLDS_IDENTIFIER.replace("{what}", "--case"),
        ));
    }
    Ok(reference)
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
        Some(path) => Some(read_batch(args, path, region, options.allow_text)?),
        None => None,
    };
    let (identifiers, duplicates) = identifiers(args, &options, batch.as_ref())?;
    let unknown_in_region = unknown_in_region(&identifiers);

    let layout = layout(args)?;
    check_group_name(args)?;

    let contact_points = contact_points(args)?;

    let (gws, pasted_csrf_dropped) = gws(args)?;

    check_combinations(args, gws.is_some())?;
    check_tls_files(args)?;
    check_output_files(args)?;
    // The language of every copy the run writes: the single run's, or each exporting
    // request's, with where it was asked for (for the message).
    let languages: Vec<(Language, String)> = match &batch {
        Some(b) => b
            .requests
            .iter()
            .filter(|r| r.action.exports())
            .map(|r| (r.language, format!("request {} (line {})", r.id, r.line)))
            .collect(),
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
        raw.extend(read_search_file(path)?);
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

/// `--layout FILE`, read and checked; the reference layout without it.
fn layout(args: &Args) -> Result<Layout, InputError> {
    Ok(match &args.layout {
        Some(path) => {
            let shown = path.display().to_string();
            let text =
                files::read_text_limited(path, MAX_LAYOUT_FILE, &format!("--layout {shown}"))?;
            Layout::from_toml(&text, &shown).map_err(|e| InputError::new(e.to_string()))?
        }
        None => Layout::reference(),
    })
}

/// `--group_name` must be a URI-safe group name: it goes into GWS's URLs.
fn check_group_name(args: &Args) -> Result<(), InputError> {
    if let Some(g) = &args.group_name {
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

/// `--cass_hostname` (comma-separated) and `--cass_port` as contact points.
fn contact_points(args: &Args) -> Result<Vec<String>, InputError> {
    let contact_points = args
        .cass_hostname
        .split(',')
        .map(str::trim)
        .filter(|h| !h.is_empty())
        .map(|h| {
            if h.contains(':') && !h.starts_with('[') {
                format!("[{h}]:{}", args.cass_port) // a bare IPv6 address
            } else {
                format!("{h}:{}", args.cass_port)
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

/// `--gws URL` and `--gws_additional_headers`, checked; whether a pasted CSRF pair was dropped.
fn gws(args: &Args) -> Result<(Option<GwsTarget>, bool), InputError> {
    let additional = match &args.gws_additional_headers {
        Some(json) => parse_additional_headers(json).map_err(|e| InputError::new(e.to_string()))?,
        None => Default::default(),
    };
    let pasted_csrf_dropped = additional.dropped_csrf;
    let headers = additional.headers;
    let gws = match &args.gws {
        Some(url) => Some((
            parse_gws_url(url).map_err(|e| InputError::new(e.to_string()))?,
            headers,
        )),
        None if !headers.is_empty() || pasted_csrf_dropped => {
            return Err(InputError::new("--gws_additional_headers needs --gws URL"));
        }
        None => None,
    };
    Ok((gws, pasted_csrf_dropped))
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
    match (&args.cass_cert, &args.cass_key) {
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
    Ok(())
}

/// The TLS files named must be there (and the GWS CA file readable as PEM).
fn check_tls_files(args: &Args) -> Result<(), InputError> {
    for (flag, path) in [
        ("--cass-ca-file", &args.cass_ca_file),
        ("--cass-cert", &args.cass_cert),
        ("--cass-key", &args.cass_key),
        ("--gws-ca-file", &args.gws_ca_file),
    ] {
        if let Some(p) = path {
            if !p.is_file() {
                return Err(InputError::new(format!(
                    "{flag} {}: no such file",
                    p.display()
                )));
            }
        }
    }
    if let Some(p) = &args.gws_ca_file {
        gws_client::load_ca_file(p).map_err(|e| InputError::new(format!("--gws-ca-file: {e}")))?;
    }
    Ok(())
}

/// At most this many national numbers are checked against their region's numbering plan:
/// the check costs tens of microseconds a number, and a request names a few.
const MAX_PLAN_CHECKS: usize = 1000;

/// The national numbers (read in a region, not written internationally) that are no valid
/// number of that region by libphonenumber's metadata: `087 123 4567` read in GB is
/// `+44871234567`, which exists nowhere. Worth a note, not a refusal: fictional test numbers
/// (`555-010-…`) are not valid either.
fn unknown_in_region(identifiers: &[Identifier]) -> Vec<(usize, Region)> {
    identifiers
        .iter()
        .enumerate()
        .filter_map(|(i, id)| match id.reading() {
            Reading::National { region, .. } => Some((i, id, region)),
            _ => None,
        })
        .take(MAX_PLAN_CHECKS)
        .filter(|(_, id, region)| {
            id.phone()
                .is_some_and(|number| !is_valid_number_of(number, *region))
        })
        .map(|(i, _, region)| (i, region))
        .collect()
}

/// The files the run will write, checked before anything is read: an export or receipt that
/// cannot be written after an erasure would lose the proof of data already erased.
fn check_output_files(args: &Args) -> Result<(), InputError> {
    if args.verify_audit_log.is_some() || args.recheck_receipt.is_some() {
        return Ok(());
    }
    if let Some(p) = &args.export {
        let paths = forgetme_engine::export_files::ExportPaths::of(p).map_err(InputError)?;
        for path in paths.all() {
            files::check_output("--export", path, Existing::Replace)?;
        }
    }
    if args.cleanup {
        files::check_output("--audit-log", &args.audit_log, Existing::Append)?;
        match &args.receipt {
            Some(p) => {
                files::check_output("--receipt", p, Existing::Refuse)?;
                files::check_output("--receipt", &p.with_extension("txt"), Existing::Refuse)?;
            }
            // The default receipt is named after the run, beside the audit log: only its
            // folder can be checked now.
            None => files::check_output(
                "--audit-log (the receipt is written beside it)",
                &files::parent_dir(&args.audit_log).join("gdpr_forget_me.receipt.check.json"),
                Existing::Refuse,
            )?,
        }
    }
    Ok(())
}

/// Reads identifiers, one a line; `#` starts a comment line. Origins name the line, not the
/// value.
fn read_search_file(path: &Path) -> Result<Vec<(String, String)>, InputError> {
    let shown = format!("{}", path.display());
    let text = files::read_text_limited(path, MAX_SEARCH_FILE, &format!("--search-file {shown}"))?;
    Ok(search_file_entries(&text, &shown))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_large_list_is_deduplicated_in_order() {
        let options = ParseOptions::default();
        let n = 100_000;
        // Every address twice (once in other case), plus phone numbers spelled two ways.
        let mut inputs = Vec::new();
        for i in 0..n {
            inputs.push(format!("person{i}@example.com"));
        }
        for i in (0..n).rev() {
            inputs.push(format!("PERSON{i}@Example.com"));
        }
        inputs.push("+44 20 7946 0958".into());
        inputs.push("+442079460958".into());
        let parsed = inputs
            .iter()
            .map(|s| parse_identifier(s, &options).unwrap())
            .collect();
        let (ids, duplicates) = distinct_identifiers(parsed);
        assert_eq!(ids.len(), n + 1);
        assert_eq!(duplicates, n + 1);
        assert_eq!(ids[0].normalized(), "person0@example.com");
        assert_eq!(
            ids[n - 1].normalized(),
            format!("person{}@example.com", n - 1)
        );
        let set: std::collections::HashSet<&str> = ids.iter().map(|i| i.normalized()).collect();
        assert_eq!(set.len(), ids.len());
    }
}
