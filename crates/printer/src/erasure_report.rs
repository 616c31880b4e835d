//! What an erasure did, as the report shows it: a line per setting in text, the `cleanup`
//! object in JSON. Values never appear; paths and keys are made printable.

use std::io::Write;

use forgetme_cleanup::{Collateral, Outcome, SettingResult, SettingTarget, Verification};
use forgetme_findings::erasure_plan::{tally, PlanSize};
use forgetme_scanner::TableName;
use serde::Serialize;

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

/// The `cleanup` object of the JSON report (`docs/output.md`): what the run's cleanup did,
/// or why it changed nothing.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum CleanupReport<'a> {
    /// The plan was larger than the limits: nothing changed.
    Refused(RefusedJson),
    /// The cleanup ran (or had nothing to do, or was declined).
    Ran(CleanupJson<'a>),
}

/// Why a cleanup changed nothing, in `cleanup.refused`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Refusal {
    /// The plan exceeded `--max-erase` or `--max-erase-agents`.
    TooLarge,
}

/// The `cleanup` object of a refused plan. Fields in alphabetical order, as in every object
/// of the report (see [`crate::search_json`]).
#[derive(Debug, Serialize)]
pub struct RefusedJson {
    /// Always 0: nothing changed.
    pub erased: usize,
    pub planned_agents: usize,
    pub planned_settings: usize,
    pub possible_only_settings: usize,
    pub refused: Refusal,
}

impl RefusedJson {
    /// The refusal of a plan of this size.
    pub fn too_large(size: &PlanSize) -> RefusedJson {
        RefusedJson {
            erased: 0,
            planned_agents: size.agents,
            planned_settings: size.settings,
            possible_only_settings: size.possible_only,
            refused: Refusal::TooLarge,
        }
    }
}

/// The `cleanup` object of a cleanup that ran. Fields in alphabetical order, as in every
/// object of the report (see [`crate::search_json`]).
#[derive(Debug, Serialize)]
pub struct CleanupJson<'a> {
    pub already_gone: usize,
    pub changed_meanwhile: usize,
    pub claimed_still_stored: usize,
    pub collateral_damage: usize,
    /// `true` when the operator declined at the prompt; absent otherwise.
    #[serde(skip_serializing_if = "is_false")]
    pub declined: bool,
    pub erased: usize,
    pub failed: usize,
    pub not_erased: usize,
    pub settings: Vec<SettingJson<'a>>,
    pub skipped_changed: usize,
    pub verification: VerificationJson<'a>,
    /// [`Verdict::Verified`] as `true`: every change read back, nothing left, nothing else
    /// damaged, the search complete.
    pub verified: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// What the verification read.
#[derive(Debug, Serialize)]
pub struct VerificationJson<'a> {
    pub found_elsewhere: Vec<PlaceJson<'a>>,
    pub partitions: usize,
    pub rows: u64,
}

/// A place of a setting, as the reports name it (no value).
#[derive(Debug, Serialize)]
pub struct PlaceJson<'a> {
    pub group: &'a str,
    pub setting_key: &'a str,
    pub table: &'a TableName,
    pub user_id: &'a str,
}

/// What happened to one setting, as `cleanup.settings[].outcome` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeJson {
    Deleted,
    Rewritten,
    AlreadyGone,
    NeedsReview,
    SkippedChanged,
    NotErased,
    Failed,
    /// GWS claimed the change, and the verification read the setting back holding an
    /// identifier.
    #[serde(rename = "claimed_erased_still_stored")]
    ClaimedStillStored,
}

impl From<&Outcome> for OutcomeJson {
    fn from(o: &Outcome) -> Self {
        match o {
            Outcome::Deleted => OutcomeJson::Deleted,
            Outcome::Rewritten { .. } => OutcomeJson::Rewritten,
            Outcome::AlreadyGone => OutcomeJson::AlreadyGone,
            Outcome::NeedsReview { .. } => OutcomeJson::NeedsReview,
            Outcome::SkippedChanged => OutcomeJson::SkippedChanged,
            Outcome::NotErased { .. } => OutcomeJson::NotErased,
            Outcome::Failed(_) => OutcomeJson::Failed,
            Outcome::ClaimedStillStored { .. } => OutcomeJson::ClaimedStillStored,
        }
    }
}

/// What happened next to a setting across its change (setting keys, never values).
#[derive(Debug, Serialize)]
pub struct CollateralJson<'a> {
    pub changed_meanwhile: &'a [String],
    /// Why the group could not be re-read, when it could not.
    pub unchecked: Option<&'a str>,
    pub vanished: &'a [String],
}

impl<'a> From<&'a Collateral> for CollateralJson<'a> {
    fn from(c: &'a Collateral) -> Self {
        CollateralJson {
            changed_meanwhile: &c.changed_meanwhile,
            unchecked: c.unchecked.as_deref(),
            vanished: &c.vanished,
        }
    }
}

/// One setting of the erasure and what happened to it. The place's fields are its own (not a
/// flattened [`PlaceJson`]): they sort among the others.
#[derive(Debug, Serialize)]
pub struct SettingJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claimed: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub collateral: Option<CollateralJson<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cql: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cql_error: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
    pub group: &'a str,
    pub outcome: OutcomeJson,
    pub possible_match: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub records: Option<&'a [String]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub removed_paths: Option<&'a [String]>,
    pub setting_key: &'a str,
    pub still_matching: bool,
    pub table: &'a TableName,
    pub user_id: &'a str,
}

/// What an erasure proves, in one word: the same verdict the report, the audit log's
/// `run_end` and the receipt give (`forgetme_findings::erasure_plan::erasure_verified`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Every change read back gone, nothing left, nothing else damaged, the search complete.
    Verified,
    /// A setting still holds an identifier, one could not be read, a change failed, other
    /// data was damaged, or the search missed a range.
    NotVerified,
    /// Nothing failed, and a person must decide on records that also hold someone else.
    NeedsReview,
}

impl Verdict {
    /// The verdict of these results.
    pub fn of(
        results: &[SettingResult],
        verification: &Verification,
        scan_complete: bool,
    ) -> Verdict {
        if forgetme_findings::erasure_plan::erasure_verified(results, verification, scan_complete) {
            Verdict::Verified
        } else if results
            .iter()
            .all(|r| matches!(r.outcome, Outcome::NeedsReview { .. }) || r.outcome.erased())
            && verification.verified()
            && scan_complete
        {
            Verdict::NeedsReview
        } else {
            Verdict::NotVerified
        }
    }
}

const CLAIMED_REASON: &str = "GWS answered that it erased this setting, yet the verification read it back holding an identifier: still stored";

impl<'a> CleanupJson<'a> {
    /// The `cleanup` object of these results.
    pub fn new(
        results: &'a [SettingResult],
        verification: &'a Verification,
        scan_complete: bool,
    ) -> CleanupJson<'a> {
        let s = tally(results);
        CleanupJson {
            already_gone: s.already_gone,
            changed_meanwhile: s.changed_meanwhile,
            claimed_still_stored: s.claimed_still_stored,
            collateral_damage: s.collateral_damage,
            declined: false,
            erased: s.erased,
            failed: s.failed,
            not_erased: s.not_erased,
            settings: results
                .iter()
                .enumerate()
                .map(|(i, r)| setting_json(r, verification.still_matching.contains(&i)))
                .collect(),
            skipped_changed: s.skipped_changed,
            verification: VerificationJson {
                found_elsewhere: verification
                    .elsewhere
                    .iter()
                    .map(|(i, key)| {
                        let t = &results[*i].target;
                        PlaceJson {
                            group: &t.group,
                            setting_key: key,
                            table: &t.table,
                            user_id: &t.user_id,
                        }
                    })
                    .collect(),
                partitions: verification.partitions,
                rows: verification.rows,
            },
            verified: Verdict::of(results, verification, scan_complete) == Verdict::Verified,
        }
    }

    /// The `cleanup` object of a run that changed nothing: nothing to erase, or declined.
    pub fn nothing_changed(declined: bool, scan_complete: bool) -> CleanupJson<'static> {
        static NOTHING: Verification = Verification {
            checked: 0,
            partitions: 0,
            rows: 0,
            still_matching: Vec::new(),
            elsewhere: Vec::new(),
            unreadable: Vec::new(),
        };
        CleanupJson {
            declined,
            ..CleanupJson::new(&[], &NOTHING, scan_complete)
        }
    }
}

fn setting_json(r: &SettingResult, still_matching: bool) -> SettingJson<'_> {
    let t = &r.target;
    let mut v = SettingJson {
        claimed: None,
        collateral: (!r.collateral.is_empty()).then(|| (&r.collateral).into()),
        cql: None,
        cql_error: None,
        error: None,
        group: &t.group,
        outcome: (&r.outcome).into(),
        possible_match: t.possible,
        reason: None,
        records: None,
        removed_paths: None,
        setting_key: &t.setting_key,
        still_matching,
        table: &t.table,
        user_id: &t.user_id,
    };
    match &r.outcome {
        Outcome::Rewritten { removed } => v.removed_paths = Some(removed),
        Outcome::Failed(e) => v.error = Some(e),
        Outcome::ClaimedStillStored { claimed } => {
            v.claimed = Some(claimed);
            v.reason = Some(CLAIMED_REASON);
        }
        Outcome::NeedsReview { reason, records } => {
            v.reason = Some(reason);
            v.records = Some(records);
        }
        Outcome::NotErased { reason, delete_cql } => {
            v.reason = Some(reason);
            match delete_cql {
                Ok(cql) => v.cql = Some(cql),
                Err(e) => v.cql_error = Some(e),
            }
        }
        _ => {}
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_needs_a_complete_search_and_a_clean_read_back() {
        let clean = Verification::default();
        assert_eq!(Verdict::of(&[], &clean, true), Verdict::Verified);
        assert_eq!(Verdict::of(&[], &clean, false), Verdict::NotVerified);
        let unreadable = Verification {
            unreadable: vec![(0, "timeout".into())],
            ..Verification::default()
        };
        assert_eq!(Verdict::of(&[], &unreadable, true), Verdict::NotVerified);
        let doc = CleanupJson::new(&[], &clean, true);
        assert!(doc.verified);
        assert!(doc.settings.is_empty());
    }
}
