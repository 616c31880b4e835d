//! Glue between the search and the erasure library: turning hits into setting targets,
//! asking for confirmation, and printing what happened.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Write};

use forgetme_cleanup::{SettingResult, SettingTarget, Verification};
use forgetme_scanner::layout::Layout;
use serde_json::{json, Value};

use crate::report::UserNames;
use crate::search::{Found, OwnerType};

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
