//! Glue between the search and the erasure library: turning hits into setting targets,
//! asking for confirmation, and printing what happened.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use forgetme_audit::{AuditKey, AuditLog};
use forgetme_cleanup::{
    erase_all, verify_targets, Eraser, SettingResult, SettingTarget, Verification,
};
use forgetme_matcher::{ErasureOptions, Matcher};
use forgetme_scanner::layout::Layout;
use forgetme_scanner::{Consistency, Session};
use gws_client::GwsClient;
use serde_json::{json, Value};

use crate::audit_trail::append;
use crate::failure::Failure;
use crate::report::UserNames;
use crate::search::{Found, OwnerType, SearchOutcome};

/// What the erasure phase did.
pub enum CleanupRun {
    /// Nothing erasable was found.
    NothingToErase,
    /// The operator did not confirm.
    NotConfirmed,
    /// Settings were handled and verified.
    Done(Vec<SettingResult>, Verification),
}

/// Everything the erasure phase needs.
pub struct CleanupContext<'a> {
    /// Cassandra, for the verification read.
    pub session: &'a Session,
    /// GWS admin session.
    pub gws: &'a GwsClient,
    /// The run's identifiers.
    pub matcher: &'a Matcher,
    /// HMAC key.
    pub key: &'a AuditKey,
    /// Layout, to find each table's value column.
    pub layout: &'a Layout,
    /// User names for messages.
    pub names: &'a UserNames,
    /// Skip the question.
    pub yes: bool,
    /// Whole settings only.
    pub options: ErasureOptions,
    /// Verification consistency.
    pub verify_consistency: Consistency,
}

/// Lists, confirms, erases, verifies, and records each step, then writes `run_end`.
pub async fn run(
    ctx: &CleanupContext<'_>,
    log: &mut AuditLog,
    outcome: &SearchOutcome,
) -> Result<CleanupRun, Failure> {
    let targets = targets(&outcome.found, ctx.layout);
    let run = if targets.is_empty() {
        CleanupRun::NothingToErase
    } else if !ctx.yes && !confirm(&targets, ctx.names, ctx.gws.base_url().as_str()) {
        eprintln!("Nothing erased: not confirmed.");
        CleanupRun::NotConfirmed
    } else {
        let mut eraser = Eraser {
            gws: ctx.gws,
            matcher: ctx.matcher,
            audit: log,
            audit_key: ctx.key,
            options: ctx.options,
        };
        let results = erase_all(&mut eraser, &targets)
            .await
            .map_err(Failure::Run)?;
        let verification =
            verify_targets(ctx.session, &targets, ctx.matcher, ctx.verify_consistency).await;
        append(
            log,
            "verification",
            verification_event(&targets, &verification),
        )?;
        CleanupRun::Done(results, verification)
    };
    let end = match &run {
        CleanupRun::NotConfirmed => {
            json!({"outcome": "not_confirmed", "complete": outcome.complete()})
        }
        CleanupRun::NothingToErase => {
            json!({"outcome": "nothing_to_erase", "complete": outcome.complete(),
            "erased": 0, "already_gone": 0, "skipped_changed": 0, "failed": 0, "verified": true})
        }
        CleanupRun::Done(results, v) => {
            let t = tally(results);
            json!({"outcome": "done", "complete": outcome.complete(), "erased": t.erased,
                "already_gone": t.already_gone, "skipped_changed": t.skipped_changed,
                "failed": t.failed, "verified": v.verified()})
        }
    };
    append(log, "run_end", end)?;
    Ok(run)
}

/// The erasable settings among the hits, one target per setting.
pub fn targets(found: &[Found], layout: &Layout) -> Vec<SettingTarget> {
    let mut by_setting: BTreeMap<(String, String, String, String), SettingTarget> = BTreeMap::new();
    for f in found
        .iter()
        .filter(|f| f.deletable && f.owner_type == OwnerType::User)
    {
        let (Some(user), Some(group)) = (&f.user_id, &f.group) else {
            continue;
        };
        let (keyspace, table) = f.table.split_once('.').unwrap_or(("", &f.table));
        let Some(value_column) = layout
            .tables
            .iter()
            .find(|t| t.table == table)
            .map(|t| t.value.column.clone())
        else {
            continue;
        };
        let key = (
            f.table.clone(),
            user.clone(),
            group.clone(),
            f.setting_key.clone(),
        );
        let t = by_setting.entry(key).or_insert_with(|| SettingTarget {
            keyspace: keyspace.to_string(),
            table: table.to_string(),
            value_column,
            user_id: user.clone(),
            group: group.clone(),
            setting_key: f.setting_key.clone(),
            row_key: f.row_key.clone(),
            json_paths: Vec::new(),
            identifiers: Vec::new(),
        });
        if let Some(p) = &f.json_path {
            if !t.json_paths.contains(p) {
                t.json_paths.push(p.clone());
            }
        }
        if !t.identifiers.contains(&f.identifier) {
            t.identifiers.push(f.identifier);
        }
    }
    by_setting.into_values().collect()
}

fn owner(t: &SettingTarget, names: &UserNames) -> String {
    match names.get(&t.user_id) {
        Some(n) => format!("user {} ({n})", t.user_id),
        None => format!("user {}", t.user_id),
    }
}

/// Lists the plan on stderr and asks. `true` to go on.
pub fn confirm(targets: &[SettingTarget], names: &UserNames, gws: &str) -> bool {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(
        err,
        "\nAbout to erase the data subject from {} setting(s) through GWS at {gws}:",
        targets.len()
    );
    for t in targets {
        let line = format!(
            "  {}  group {}  setting {}  (found at {})",
            owner(t, names),
            t.group,
            t.setting_key,
            t.json_paths.join(", ")
        );
        let _ = writeln!(err, "{}", crate::report::terminal_safe(&line));
    }
    let _ = writeln!(
        err,
        "Each setting is read again first; an entry of a list of contacts is removed alone, anything else deletes the whole setting."
    );
    if !std::io::stdin().is_terminal() {
        return false;
    }
    let _ = write!(err, "Type yes to erase: ");
    let _ = err.flush();
    let mut answer = String::new();
    if std::io::stdin().read_line(&mut answer).is_err() {
        return false;
    }
    answer.trim().eq_ignore_ascii_case("yes")
}

/// Counts of outcomes.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    /// Deleted or rewritten.
    pub erased: usize,
    /// Not found any more.
    pub already_gone: usize,
    /// No longer matching at re-read.
    pub skipped_changed: usize,
    /// Failed.
    pub failed: usize,
}

/// Counts outcomes.
pub fn tally(results: &[SettingResult]) -> Tally {
    use forgetme_cleanup::Outcome::*;
    let mut t = Tally::default();
    for r in results {
        match r.outcome {
            Deleted | Rewritten { .. } => t.erased += 1,
            AlreadyGone => t.already_gone += 1,
            SkippedChanged => t.skipped_changed += 1,
            Failed(_) => t.failed += 1,
        }
    }
    t
}

/// The text lines about the cleanup.
pub fn write_text(
    out: &mut dyn Write,
    results: &[SettingResult],
    verification: &Verification,
    names: &UserNames,
) -> std::io::Result<()> {
    use forgetme_cleanup::Outcome;
    writeln!(out)?;
    for r in results {
        let t = &r.target;
        let what = match &r.outcome {
            Outcome::Deleted => "erased: whole setting deleted".to_string(),
            Outcome::Rewritten { removed } => {
                format!("erased: entries {} removed", removed.join(", "))
            }
            Outcome::AlreadyGone => "already gone".to_string(),
            Outcome::SkippedChanged => "skipped: it no longer holds the identifier".to_string(),
            Outcome::Failed(e) => format!("FAILED: {e}"),
        };
        writeln!(
            out,
            "{}  group {}  setting {}  {what}",
            owner(t, names),
            t.group,
            t.setting_key
        )?;
    }
    let s = tally(results);
    writeln!(
        out,
        "Cleanup: {} erased, {} already gone, {} skipped as changed, {} failed.",
        s.erased, s.already_gone, s.skipped_changed, s.failed
    )?;
    if verification.verified() {
        writeln!(
            out,
            "Verified: {} setting(s) re-read from Cassandra; none holds the identifier(s).",
            verification.checked
        )?;
    } else {
        writeln!(
            out,
            "NOT VERIFIED: {} setting(s) still hold an identifier, {} could not be read.",
            verification.still_matching.len(),
            verification.unreadable.len()
        )?;
        for (i, e) in &verification.unreadable {
            writeln!(
                out,
                "  unreadable: {}  setting {}: {e}",
                owner(&results[*i].target, names),
                results[*i].target.setting_key
            )?;
        }
        for i in &verification.still_matching {
            let t = &results[*i].target;
            writeln!(
                out,
                "  still there: {}  group {}  setting {}",
                owner(t, names),
                t.group,
                t.setting_key
            )?;
        }
    }
    Ok(())
}

/// The `cleanup` object of the JSON report.
pub fn to_json(results: &[SettingResult], verification: &Verification) -> Value {
    let s = tally(results);
    json!({
        "erased": s.erased,
        "already_gone": s.already_gone,
        "skipped_changed": s.skipped_changed,
        "failed": s.failed,
        "verified": verification.verified(),
        "settings": results.iter().enumerate().map(|(i, r)| {
            let mut v = json!({
                "table": r.target.table_name(),
                "user_id": r.target.user_id,
                "group": r.target.group,
                "setting_key": r.target.setting_key,
                "outcome": r.outcome.as_str(),
                "still_matching": verification.still_matching.contains(&i),
            });
            match &r.outcome {
                forgetme_cleanup::Outcome::Rewritten { removed } => v["removed_paths"] = json!(removed),
                forgetme_cleanup::Outcome::Failed(e) => v["error"] = json!(e),
                _ => {}
            }
            v
        }).collect::<Vec<_>>(),
    })
}

/// Verification summary for the audit log: counts and places, no values.
pub fn verification_event(targets: &[SettingTarget], v: &Verification) -> Value {
    let place = |i: &usize| {
        let t = &targets[*i];
        json!({"table": t.table_name(), "owner_id": t.user_id, "group": t.group})
    };
    json!({
        "checked": v.checked,
        "verified": v.verified(),
        "still_matching": v.still_matching.iter().map(place).collect::<Vec<_>>(),
        "unreadable": v.unreadable.iter().map(|(i, _)| place(i)).collect::<Vec<_>>(),
    })
}
