//! From hits to the settings to erase: one [`SettingTarget`] per agent setting that holds the
//! subject, the plan's size (which the binary compares with its limits before anything
//! changes), and the tally of what an erasure did.

use std::collections::{BTreeMap, BTreeSet};

use forgetme_cleanup::{Outcome, SettingResult, SettingTarget, Verification};
use forgetme_scanner::layout::Layout;
use forgetme_scanner::TableName;

use crate::found::{Found, OwnerType};

/// Above these, an erasure plan is refused unless `--max-erase` / `--max-erase-agents` allow
/// it. One data subject's data spans a few favorites and recents of a few agents; a plan
/// touching hundreds of settings or dozens of agents almost always comes from a search that
/// is too broad (`--match text`, a shared switchboard number).
pub const DEFAULT_MAX_SETTINGS: usize = 500;
/// See [`DEFAULT_MAX_SETTINGS`].
pub const DEFAULT_MAX_AGENTS: usize = 50;

/// What the erasure of one target is expected to do, from the text the scan read: shown
/// before the question, so the operator sees what goes and what will not be changed. The
/// erasure plans again from GWS's answer just before the change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Preview {
    /// The whole setting goes, with `also_removes` identifier-shaped texts of the same record
    /// that are not the subject's identifiers.
    DeleteSetting {
        /// See [`forgetme_matcher::ErasurePlan::DeleteSetting`].
        also_removes: usize,
    },
    /// These records are cut out of the setting.
    CutRecords {
        /// The records (paths, identifier-shaped keys redacted).
        records: Vec<String>,
        /// See [`forgetme_matcher::ErasurePlan::DeleteSetting`].
        also_removes: usize,
    },
    /// Nothing will be changed: a person must decide.
    NeedsReview {
        /// Why and what to do.
        reason: String,
    },
    /// The scan's text was not kept or is not readable here; the erasure decides.
    Unknown,
}

/// The expected erasure of `target`, from the stored text the scan read (`None` when it was
/// not kept). The group's key attribute is the setting's top-level member whose value is the
/// setting key.
pub fn preview(
    target: &SettingTarget,
    stored: Option<&str>,
    matcher: &forgetme_matcher::Matcher,
    other_requests: Option<&forgetme_matcher::Matcher>,
    options: forgetme_matcher::ErasureOptions,
) -> Preview {
    use forgetme_matcher::{plan_erasure, redacted_path, ErasurePlan, PlanContext};
    let Some(text) = stored else {
        return Preview::Unknown;
    };
    let Ok(serde_json::Value::Object(top)) = serde_json::from_str::<serde_json::Value>(text) else {
        return Preview::Unknown;
    };
    let key_attribute = top.iter().find_map(|(k, v)| {
        let as_key = match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        };
        (as_key.as_deref() == Some(target.setting_key.as_str())).then(|| k.clone())
    });
    let Some(key_attribute) = key_attribute else {
        return Preview::Unknown;
    };
    let context = PlanContext {
        key_attribute: &key_attribute,
        matcher,
        other_requests,
        options,
    };
    match plan_erasure(text, &context) {
        ErasurePlan::NoMatch => Preview::Unknown,
        ErasurePlan::DeleteSetting { also_removes } => Preview::DeleteSetting { also_removes },
        ErasurePlan::RewriteSetting {
            removed,
            also_removes,
            ..
        } => Preview::CutRecords {
            records: removed.iter().map(redacted_path).collect(),
            also_removes,
        },
        ErasurePlan::NeedsReview { reason, .. } => Preview::NeedsReview {
            reason: reason.explain(),
        },
    }
}

impl Preview {
    /// In plain words, for the confirmation list.
    pub fn describe(&self) -> String {
        let also = |n: usize| {
            if n == 0 {
                String::new()
            } else {
                format!(", also removes {n} other e-mail address(es) or phone number(s) of the same record")
            }
        };
        match self {
            Preview::DeleteSetting { also_removes } => {
                format!("deletes the whole setting{}", also(*also_removes))
            }
            Preview::CutRecords {
                records,
                also_removes,
            } => format!("removes {}{}", records.join(", "), also(*also_removes)),
            Preview::NeedsReview { reason } => {
                format!("NEEDS REVIEW, will not be changed: {reason}")
            }
            Preview::Unknown => "planned again from GWS's answer".to_string(),
        }
    }
}

/// How large an erasure plan is, shown before anything changes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PlanSize {
    /// Settings to change.
    pub settings: usize,
    /// Agents owning them.
    pub agents: usize,
    /// Settings holding only possible matches, left out of the plan.
    pub possible_only: usize,
}

impl PlanSize {
    /// `N setting(s) of M agent(s)`.
    pub fn describe(&self) -> String {
        format!("{} setting(s) of {} agent(s)", self.settings, self.agents)
    }
}

/// One agent setting: table, owner, group, key.
type SettingId = (TableName, String, String, String);

/// The hits the tool may erase: an agent's own setting (never a contact center's, never a
/// deep hit), and a possible match only when `erase_possible`.
fn erasable(found: &[Found], erase_possible: bool) -> impl Iterator<Item = &Found> {
    found
        .iter()
        .filter(move |f| f.deletable && f.owner_type == OwnerType::User)
        .filter(move |f| erase_possible || !f.possible)
}

fn setting_id(f: &Found) -> Option<SettingId> {
    Some((
        f.table.clone(),
        f.user_id.clone()?,
        f.group.clone()?,
        f.setting_key.clone(),
    ))
}

/// The settings to erase, one per agent setting holding an erasable hit, with every JSON
/// path and identifier found in it. A table the layout does not know has no value column to
/// read back, and is left out.
pub fn targets(found: &[Found], layout: &Layout, erase_possible: bool) -> Vec<SettingTarget> {
    let mut by_setting: BTreeMap<SettingId, SettingTarget> = BTreeMap::new();
    for f in erasable(found, erase_possible) {
        let Some(id) = setting_id(f) else {
            continue;
        };
        let Some(value_column) = layout
            .tables
            .iter()
            .find(|t| t.table == f.table.table)
            .map(|t| t.value.column.clone())
        else {
            continue;
        };
        let t = by_setting.entry(id).or_insert_with(|| SettingTarget {
            table: f.table.clone(),
            value_column,
            user_id: f.user_id.clone().unwrap_or_default(),
            group: f.group.clone().unwrap_or_default(),
            setting_key: f.setting_key.clone(),
            row_key: f.row_key.clone(),
            json_paths: Vec::new(),
            identifiers: Vec::new(),
            possible: true,
        });
        t.possible &= f.possible;
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

/// The plan's size, and how many agent settings hold only possible matches and were left
/// out of it (none when they are erased too).
pub fn plan_size(found: &[Found], targets: &[SettingTarget], erase_possible: bool) -> PlanSize {
    let agents: BTreeSet<&str> = targets.iter().map(|t| t.user_id.as_str()).collect();
    let possible_only = if erase_possible {
        0
    } else {
        let candidates: BTreeSet<SettingId> =
            erasable(found, true).filter_map(setting_id).collect();
        let planned: BTreeSet<SettingId> = targets
            .iter()
            .map(|t| {
                (
                    t.table.clone(),
                    t.user_id.clone(),
                    t.group.clone(),
                    t.setting_key.clone(),
                )
            })
            .collect();
        candidates.difference(&planned).count()
    };
    PlanSize {
        settings: targets.len(),
        agents: agents.len(),
        possible_only,
    }
}

/// What an erasure did, counted by outcome.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tally {
    /// Deleted or rewritten without the subject's entries.
    pub erased: usize,
    /// Gone before the tool came, and Cassandra agrees.
    pub already_gone: usize,
    /// No longer holding the identifier when read again: left alone.
    pub skipped_changed: usize,
    /// Still stored, and GWS cannot erase it (it does not show it).
    pub not_erased: usize,
    /// The change failed.
    pub failed: usize,
    /// GWS claimed to delete or rewrite them, yet the verification read them back still
    /// holding an identifier: never counted as erased.
    pub claimed_still_stored: usize,
    /// Not changed: the subject's record holds someone else's data; a person must decide.
    pub needs_review: usize,
    /// Changes after which other settings of the group vanished or could not be re-checked.
    pub collateral_damage: usize,
    /// Changes during which someone else wrote to the same group.
    pub changed_meanwhile: usize,
}

/// Counts the results.
pub fn tally(results: &[SettingResult]) -> Tally {
    let mut t = Tally::default();
    for r in results {
        match r.outcome {
            Outcome::Deleted | Outcome::Rewritten { .. } => t.erased += 1,
            Outcome::AlreadyGone => t.already_gone += 1,
            Outcome::SkippedChanged => t.skipped_changed += 1,
            Outcome::NotErased { .. } => t.not_erased += 1,
            Outcome::Failed(_) => t.failed += 1,
            Outcome::NeedsReview { .. } => t.needs_review += 1,
            Outcome::ClaimedStillStored { .. } => t.claimed_still_stored += 1,
        }
        t.collateral_damage += usize::from(r.collateral.is_damage());
        t.changed_meanwhile += usize::from(!r.collateral.changed_meanwhile.is_empty());
    }
    t
}

/// Whether an erasure run is verified: the one definition behind `run_end.verified`, the
/// receipt's `verified`, the report's "Verified" and the exit status. The search read every
/// token range (`scan_complete`), nothing failed, stayed or needs review, nothing else was
/// damaged, and the verification's re-scan found the subject nowhere it looked.
pub fn erasure_verified(
    results: &[SettingResult],
    verification: &Verification,
    scan_complete: bool,
) -> bool {
    let t = tally(results);
    scan_complete
        && t.failed == 0
        && t.not_erased == 0
        && t.claimed_still_stored == 0
        && t.needs_review == 0
        && t.collateral_damage == 0
        && verification.verified()
}

/// [`erasure_verified`] of a run whose search's completeness is judged apart (the exit status
/// checks it on its own).
pub fn succeeded(results: &[SettingResult], verification: &Verification) -> bool {
    erasure_verified(results, verification, true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use forgetme_scanner::read::RawValue;

    fn hit(owner: Option<&str>, key: &str, path: &str, identifier: usize) -> Found {
        Found {
            table: TableName::new("sipfs", "settings"),
            owner_type: if owner.is_some() {
                OwnerType::User
            } else {
                OwnerType::ContactCenter
            },
            user_id: owner.map(str::to_string),
            group: Some("interaction-workspace-personal-favorites".into()),
            setting_key: key.into(),
            column: None,
            json_path: Some(path.into()),
            identifier,
            variant: "exact",
            possible: false,
            deletable: owner.is_some(),
            row_key: vec![("setting_key".into(), RawValue(key.as_bytes().to_vec()))],
        }
    }

    #[test]
    fn one_target_per_setting_with_every_path_and_identifier() {
        let found = vec![
            hit(Some("a1"), "fav-1", "$.emailAddresses[0]", 0),
            hit(Some("a1"), "fav-1", "$.phoneNumbers[0]", 1),
            hit(Some("a1"), "fav-1", "$.emailAddresses[0]", 0),
            hit(Some("a2"), "fav-2", "$.email", 0),
        ];
        let t = targets(&found, &Layout::reference(), false);
        assert_eq!(t.len(), 2);
        assert_eq!(t[0].table, TableName::new("sipfs", "settings"));
        assert_eq!(
            t[0].json_paths,
            ["$.emailAddresses[0]", "$.phoneNumbers[0]"]
        );
        assert_eq!(t[0].identifiers, [0, 1]);
        assert!(!t[0].possible);
        let size = plan_size(&found, &t, false);
        assert_eq!((size.settings, size.agents, size.possible_only), (2, 2, 0));
    }

    #[test]
    fn a_contact_center_setting_is_never_a_target() {
        let found = vec![hit(None, "corp-1", "$.email", 0)];
        assert!(targets(&found, &Layout::reference(), true).is_empty());
    }

    #[test]
    fn possible_matches_are_counted_and_left_out_unless_asked_for() {
        let mut p = hit(Some("a1"), "fav-9", "$.phone", 0);
        p.possible = true;
        let found = vec![p, hit(Some("a1"), "fav-1", "$.email", 1)];
        let without = targets(&found, &Layout::reference(), false);
        assert_eq!(without.len(), 1);
        assert_eq!(plan_size(&found, &without, false).possible_only, 1);
        let with = targets(&found, &Layout::reference(), true);
        assert_eq!(with.len(), 2);
        assert!(with.iter().any(|t| t.possible && t.setting_key == "fav-9"));
        assert_eq!(plan_size(&found, &with, true).possible_only, 0);
    }

    #[test]
    fn a_table_the_layout_does_not_know_is_left_out() {
        let mut h = hit(Some("a1"), "fav-1", "$.email", 0);
        h.table = TableName::new("sipfs", "not_a_settings_table");
        assert!(targets(&[h], &Layout::reference(), false).is_empty());
    }

    #[test]
    fn the_preview_says_what_goes_with_the_record_and_what_will_not_be_changed() {
        use forgetme_matcher::{parse_identifier, ErasureOptions, Matcher, ParseOptions};
        let m = Matcher::new(
            vec![parse_identifier("zed@example.net", &ParseOptions::default()).unwrap()],
            None,
        );
        let target = |key: &str| {
            let mut t = targets(
                &[hit(Some("u1"), key, "$.entries[0].email", 0)],
                &Layout::reference(),
                false,
            )
            .remove(0);
            t.setting_key = key.into();
            t
        };
        let card = r#"{"name":"zed-card","entries":[{"displayName":"Zed","email":"zed@example.net","mobile":"+1 555 010 3333"}]}"#;
        assert_eq!(
            preview(&target("zed-card"), Some(card), &m, None, ErasureOptions::default()).describe(),
            "removes $.entries[0], also removes 1 other e-mail address(es) or phone number(s) of the same record"
        );
        let shared = r#"{"name":"shared","entries":[{"displayName":"Zed","email":"zed@example.net","related":[{"name":"Ann","email":"ann@example.org"}]}]}"#;
        assert!(preview(
            &target("shared"),
            Some(shared),
            &m,
            None,
            ErasureOptions::default()
        )
        .describe()
        .starts_with("NEEDS REVIEW, will not be changed: "));
        assert_eq!(
            preview(&target("shared"), None, &m, None, ErasureOptions::default()),
            Preview::Unknown
        );
    }
}
