//! What an erasure did, as the report shows it: a line per setting in text, the `cleanup`
//! object in JSON. Values never appear; paths and keys are made printable.

use std::io::Write;

use forgetme_cleanup::{SettingResult, SettingTarget, Verification};
use forgetme_findings::erasure_plan::tally;
use serde_json::{json, Value};

use crate::report::{printable, user_label, UserNames};

/// The agent a setting belongs to, named when GWS gave the name.
pub fn owner(t: &SettingTarget, names: &UserNames) -> String {
    user_label(&t.user_id, names)
}

/// A line per setting of the erasure, then its counts and the verification, in plain text.
pub fn write_text(
    out: &mut dyn Write,
    results: &[SettingResult],
    verification: &Verification,
    names: &UserNames,
    scan_complete: bool,
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
            Outcome::NeedsReview { reason, records } => format!(
                "NEEDS REVIEW, not changed: {reason} (records {})",
                records.join(", ")
            ),
            Outcome::SkippedChanged => "skipped: it no longer holds the identifier".to_string(),
            Outcome::NotErased { reason, .. } => format!("NOT ERASED: {reason}"),
            Outcome::Failed(e) => format!("FAILED: {e}"),
            Outcome::ClaimedStillStored { claimed } => format!(
                "claimed erased, still stored: GWS answered that it {claimed} this setting, yet the verification read it back holding an identifier"
            ),
        };
        writeln!(
            out,
            "{}  group {}  setting {}  {}",
            owner(t, names),
            printable(&t.group),
            printable(&t.setting_key),
            printable(&what)
        )?;
        if let Outcome::NotErased { delete_cql, .. } = &r.outcome {
            // The statement is exact and already terminal-safe (see forgetme_cleanup::cql);
            // escaping it again would change what it deletes.
            match delete_cql {
                Ok(cql) => writeln!(out, "  to remove this one row from Cassandra: {cql}")?,
                Err(e) => writeln!(
                    out,
                    "  no CQL statement could be written for this row: {}",
                    printable(e)
                )?,
            }
        }
        let c = &r.collateral;
        for k in &c.vanished {
            writeln!(
                out,
                "  COLLATERAL DAMAGE: setting {} of the same group vanished with this change",
                printable(k)
            )?;
        }
        if let Some(e) = &c.unchecked {
            writeln!(out, "  COLLATERAL NOT CHECKED: {}", printable(e))?;
        }
        for k in &c.changed_meanwhile {
            writeln!(
                out,
                "  note: setting {} of the same group changed meanwhile (written by someone else during the change)",
                printable(k)
            )?;
        }
    }
    let s = tally(results);
    writeln!(
        out,
        "Cleanup: {} erased, {} already gone, {} skipped as changed, {} not erased, {} failed{}.",
        s.erased,
        s.already_gone,
        s.skipped_changed,
        s.not_erased,
        s.failed,
        if s.claimed_still_stored > 0 {
            format!(", {} claimed erased, still stored", s.claimed_still_stored)
        } else {
            String::new()
        }
    )?;
    if s.claimed_still_stored > 0 {
        writeln!(
            out,
            "CLAIMED ERASED, STILL STORED: GWS answered that it erased {} setting(s), yet Cassandra still holds them with an identifier. They are not erased: check GWS and anything in front of it, then run the cleanup again.",
            s.claimed_still_stored
        )?;
    }
    if s.not_erased > 0 {
        writeln!(
            out,
            "NOT ERASED: {} setting(s) that GWS does not show are still stored in Cassandra; GWS cannot erase them. Check each with the row's owner, then remove it with the CQL statement printed above it.",
            s.not_erased
        )?;
    }
    if s.collateral_damage > 0 {
        writeln!(
            out,
            "COLLATERAL DAMAGE: after {} change(s), other settings of the group vanished or could not be re-checked. GWS did more than it was asked; check its version and any proxy in front of it before erasing again.",
            s.collateral_damage
        )?;
    }
    if forgetme_findings::erasure_plan::erasure_verified(results, verification, scan_complete) {
        writeln!(
            out,
            "Verified: {} group(s) re-scanned from Cassandra ({} setting(s)); none holds the identifier(s).",
            verification.partitions, verification.rows
        )?;
    } else {
        if verification.verified() {
            // The re-scan was clean, and something else stands in the way of "verified".
            writeln!(
                out,
                "NOT VERIFIED: the re-scan of the touched groups found nothing, but {}.",
                if !scan_complete {
                    "the search missed token ranges, so data may sit where it did not look"
                } else {
                    "a change failed, needs review, or damaged other settings (see above)"
                }
            )?;
        } else {
            writeln!(
                out,
                "NOT VERIFIED: {} setting(s) still hold an identifier, {} other setting(s) of the same groups hold it, {} could not be read.",
                verification.still_matching.len(),
                verification.elsewhere.len(),
                verification.unreadable.len()
            )?;
        }
        for (i, e) in &verification.unreadable {
            writeln!(
                out,
                "  unreadable: {}  setting {}: {}",
                owner(&results[*i].target, names),
                printable(&results[*i].target.setting_key),
                printable(e)
            )?;
        }
        for i in &verification.still_matching {
            let t = &results[*i].target;
            writeln!(
                out,
                "  still there: {}  group {}  setting {}",
                owner(t, names),
                printable(&t.group),
                printable(&t.setting_key)
            )?;
        }
        for (i, key) in &verification.elsewhere {
            let t = &results[*i].target;
            writeln!(
                out,
                "  found again: {}  group {}  setting {}",
                owner(t, names),
                printable(&t.group),
                printable(key)
            )?;
        }
    }
    Ok(())
}

/// The `cleanup` object of the JSON report.
pub fn to_json(
    results: &[SettingResult],
    verification: &Verification,
    scan_complete: bool,
) -> Value {
    let s = tally(results);
    json!({
        "erased": s.erased,
        "already_gone": s.already_gone,
        "skipped_changed": s.skipped_changed,
        "not_erased": s.not_erased,
        "failed": s.failed,
        "claimed_still_stored": s.claimed_still_stored,
        "collateral_damage": s.collateral_damage,
        "changed_meanwhile": s.changed_meanwhile,
        "verified": forgetme_findings::erasure_plan::erasure_verified(results, verification, scan_complete),
        "verification": {
            "partitions": verification.partitions,
            "rows": verification.rows,
            "found_elsewhere": verification.elsewhere.iter().map(|(i, key)| json!({
                "table": results[*i].target.table.to_string(),
                "user_id": results[*i].target.user_id,
                "group": results[*i].target.group,
                "setting_key": key,
            })).collect::<Vec<_>>(),
        },
        "settings": results.iter().enumerate().map(|(i, r)| {
            let mut v = json!({
                "table": r.target.table.to_string(),
                "user_id": r.target.user_id,
                "group": r.target.group,
                "setting_key": r.target.setting_key,
                "outcome": r.outcome.as_str(),
                "still_matching": verification.still_matching.contains(&i),
                "possible_match": r.target.possible,
            });
            if !r.collateral.is_empty() {
                v["collateral"] = json!(r.collateral);
            }
            match &r.outcome {
                forgetme_cleanup::Outcome::Rewritten { removed } => v["removed_paths"] = json!(removed),
                forgetme_cleanup::Outcome::Failed(e) => v["error"] = json!(e),
                forgetme_cleanup::Outcome::ClaimedStillStored { claimed } => {
                    v["claimed"] = json!(claimed);
                    v["reason"] = json!("GWS answered that it erased this setting, yet the verification read it back holding an identifier: still stored");
                }
                forgetme_cleanup::Outcome::NeedsReview { reason, records } => {
                    v["reason"] = json!(reason);
                    v["records"] = json!(records);
                }
                forgetme_cleanup::Outcome::NotErased { reason, delete_cql } => {
                    v["reason"] = json!(reason);
                    match delete_cql {
                        Ok(cql) => v["cql"] = json!(cql),
                        Err(e) => v["cql_error"] = json!(e),
                    }
                }
                _ => {}
            }
            v
        }).collect::<Vec<_>>(),
    })
}
