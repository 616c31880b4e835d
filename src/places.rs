//! One audit key, one audit log and one request ledger per user, unless the user chooses
//! another: a run in a new shell without `GDPR_FORGET_ME_AUDIT_LOG` would otherwise create a
//! second key and ledger in whatever folder it was started from, and split the request
//! history in two without a word.
//!
//! The first place a run creates its audit key in by default (nothing pinned) is remembered in a one-line file
//! (`GDPR_FORGET_ME_PLACES`, else `$XDG_CONFIG_HOME/gdpr-forget-me/place`, else
//! `~/.config/gdpr-forget-me/place`). A later run that would create a new key at the default
//! place (no `--audit-log`/`--audit-key` and no environment variable naming one) while the
//! remembered key still exists elsewhere is refused before anything is read, and says where
//! the first one is. A place given on purpose is used as given.

use std::path::{Path, PathBuf};

use forgetme_engine::Failure;

use crate::args::Args;

/// `--audit-log`'s default: a file in the working folder.
const DEFAULT_AUDIT_LOG: &str = "gdpr_forget_me.audit.jsonl";
/// `--audit-key`'s default.
const DEFAULT_AUDIT_KEY: &str = "gdpr_forget_me.audit.key";

/// Where the remembered place is written; `None` without a home to keep it in.
fn record_file() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GDPR_FORGET_ME_PLACES").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let config = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|p| !p.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(config.join("gdpr-forget-me").join("place"))
}

/// Whether the audit files are at the defaults, chosen by nobody.
fn at_default_place(args: &Args) -> bool {
    args.audit_log == Path::new(DEFAULT_AUDIT_LOG)
        && args.audit_key == Path::new(DEFAULT_AUDIT_KEY)
        && std::env::var_os("GDPR_FORGET_ME_AUDIT_LOG").is_none()
        && std::env::var_os("GDPR_FORGET_ME_AUDIT_KEY").is_none()
        && args.ledger.is_none()
}

/// Before anything is read: refuses a run that would create a second audit key (and ledger)
/// at the default place while the user's first one exists elsewhere; remembers the place of
/// a first key.
pub fn check(args: &Args) -> Result<(), Failure> {
    let uses_key = args.cleanup || args.case.is_some() || args.requests.is_some();
    if !uses_key || args.recheck_receipt.is_some() || args.audit_key.exists() {
        return Ok(());
    }
    let Some(record) = record_file() else {
        return Ok(());
    };
    let here = std::path::absolute(&args.audit_key).unwrap_or_else(|_| args.audit_key.clone());
    let remembered = std::fs::read_to_string(&record)
        .ok()
        .map(|t| PathBuf::from(t.trim()))
        .filter(|p| !p.as_os_str().is_empty());
    match remembered {
        Some(first) if first != here && first.is_file() && at_default_place(args) => {
            let dir = first
                .parent()
                .unwrap_or(Path::new("/"))
                .display()
                .to_string();
            Err(Failure::Input(format!(
                "this run would create a second audit key and request ledger in the current folder, splitting the request history in two: your first ones are in {dir} (audit key {}). Run from that folder, or pin it for every run (export GDPR_FORGET_ME_AUDIT_LOG={dir}/{DEFAULT_AUDIT_LOG} GDPR_FORGET_ME_AUDIT_KEY={}); to start a separate history on purpose, give --audit-log and --audit-key",
                first.display(),
                first.display()
            )))
        }
        Some(first) if first.is_file() => Ok(()),
        // A place given on purpose is the user's choice for that run, not their default.
        _ if !at_default_place(args) => Ok(()),
        // The first key this user makes at the default place (or the remembered one is gone):
        // remember where.
        _ => {
            if let Some(parent) = record.parent() {
                let _ = std::fs::create_dir_all(parent);
            }
            let _ = std::fs::write(&record, format!("{}\n", here.display()));
            Ok(())
        }
    }
}
