//! The erasure of each target, one at a time, through GWS.

use std::collections::HashMap;

use forgetme_audit::contract::{
    ChangeResult, CollateralDamage, CollateralRecord, Planned, SettingOutcome, SettingPlace,
};
use forgetme_audit::{AuditKey, AuditLog};
use forgetme_matcher::{
    plan_erasure, redacted_path, ErasureOptions, ErasurePlan, Matcher, PlanContext,
};
use forgetme_scanner::{Consistency, Session};
use gws_client::GwsClient;

use crate::partition::{snapshot, Collateral};
use crate::ports::{SettingsApi, SettingsStore};
use crate::target::SettingTarget;

/// What happened to one setting.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// The whole setting was deleted.
    Deleted,
    /// The setting was written back without the subject's entries (JSON paths removed).
    Rewritten {
        /// The removed entries.
        removed: Vec<String>,
    },
    /// The setting (or its group) no longer exists.
    AlreadyGone,
    /// The subject's record cannot be removed without someone else's data (it holds other
    /// people's records, or another request's identifier): nothing was changed, and a person
    /// must decide.
    NeedsReview {
        /// Why and what to do, without values.
        reason: String,
        /// The records that hold the subject (JSON paths, identifier-shaped keys redacted).
        records: Vec<String>,
    },
    /// The setting no longer holds any identifier; it was left alone.
    SkippedChanged,
    /// GWS does not show the setting (its re-read lacks it, or GWS answered "not found"), yet
    /// Cassandra still holds it with the identifier: nothing GWS can do erases it. Typically a
    /// row written by something other than GWS, whose value GWS's GET does not return.
    NotErased {
        /// Why, without values (for the report and the audit log).
        reason: String,
        /// The CQL statement that removes exactly this row, for the operator's report only
        /// (never logged: see [`crate::cql`]); or why none could be written.
        delete_cql: Result<String, String>,
    },
    /// The change failed (GWS's error, without values).
    Failed(String),
    /// GWS answered that it deleted (or rewrote) the setting, yet the verification read it
    /// back still holding an identifier: a claim, not an erasure. Set by
    /// [`demote_claims_verification_refutes`] after the verification.
    ClaimedStillStored {
        /// What GWS claimed: `deleted` or `rewritten`.
        claimed: &'static str,
    },
}

impl Outcome {
    /// A stable name for reports and the audit log.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Deleted => "deleted",
            Outcome::Rewritten { .. } => "rewritten",
            Outcome::AlreadyGone => "already_gone",
            Outcome::NeedsReview { .. } => "needs_review",
            Outcome::SkippedChanged => "skipped_changed",
            Outcome::NotErased { .. } => "not_erased",
            Outcome::Failed(_) => "failed",
            Outcome::ClaimedStillStored { .. } => "claimed_erased_still_stored",
        }
    }

    /// The outcome as the audit log records it.
    pub fn recorded(&self) -> SettingOutcome {
        match self {
            Outcome::Deleted => SettingOutcome::Deleted,
            Outcome::Rewritten { .. } => SettingOutcome::Rewritten,
            Outcome::AlreadyGone => SettingOutcome::AlreadyGone,
            Outcome::NeedsReview { .. } => SettingOutcome::NeedsReview,
            Outcome::SkippedChanged => SettingOutcome::SkippedChanged,
            Outcome::NotErased { .. } => SettingOutcome::NotErased,
            Outcome::Failed(_) => SettingOutcome::Failed,
            // The audit log's result event records GWS's answer; the verification event
            // records that the setting is still stored.
            Outcome::ClaimedStillStored {
                claimed: "rewritten",
            } => SettingOutcome::Rewritten,
            Outcome::ClaimedStillStored { .. } => SettingOutcome::Deleted,
        }
    }

    /// Whether the setting counts as erased by this run.
    pub fn erased(&self) -> bool {
        matches!(self, Outcome::Deleted | Outcome::Rewritten { .. })
    }
}

/// Turns every "deleted" or "rewritten" the verification found still holding an identifier
/// into [`Outcome::ClaimedStillStored`]: a setting still stored is never reported, counted or
/// receipted as erased. Returns how many were turned.
pub fn demote_claims_verification_refutes(
    results: &mut [SettingResult],
    verification: &crate::Verification,
) -> usize {
    let mut n = 0;
    for &i in &verification.still_matching {
        let Some(r) = results.get_mut(i) else {
            continue;
        };
        let claimed = match r.outcome {
            Outcome::Deleted => "deleted",
            Outcome::Rewritten { .. } => "rewritten",
            _ => continue,
        };
        r.outcome = Outcome::ClaimedStillStored { claimed };
        n += 1;
    }
    n
}

/// One target and what happened to it.
#[derive(Clone, Debug)]
pub struct SettingResult {
    /// The setting.
    pub target: SettingTarget,
    /// What happened.
    pub outcome: Outcome,
    /// What happened to the other settings of the same group across the change (empty when
    /// nothing was changed).
    pub collateral: Collateral,
}

/// Everything an erasure run needs. GWS and Cassandra are behind [`SettingsApi`] and
/// [`SettingsStore`]; the tool runs with the GWS client and the CQL session (the defaults).
pub struct Eraser<'a, G = GwsClient, S = Session> {
    /// Admin session on GWS.
    pub gws: &'a G,
    /// The run's identifiers.
    pub matcher: &'a Matcher,
    /// The identifiers of the other requests of the same batch (none for a single run): a
    /// record that holds one of them is never erased for this request.
    pub other_requests: Option<&'a Matcher>,
    /// Where each step is recorded.
    pub audit: &'a mut AuditLog,
    /// HMAC key for identifiers in the audit log.
    pub audit_key: &'a AuditKey,
    /// Whole-setting or record-level erasure.
    pub options: ErasureOptions,
    /// Cassandra, to read each touched group before and after its change.
    pub store: &'a S,
    /// Consistency of those reads (the verification's, QUORUM by default).
    pub consistency: Consistency,
}

/// Erases every target in order. An audit failure stops the run (nothing may change
/// unrecorded); a GWS failure marks that target failed and the run goes on.
pub async fn erase_all<G: SettingsApi, S: SettingsStore>(
    eraser: &mut Eraser<'_, G, S>,
    targets: &[SettingTarget],
) -> Result<Vec<SettingResult>, String> {
    let mut key_attributes: HashMap<(String, String), Option<String>> = HashMap::new();
    let mut results = Vec::with_capacity(targets.len());
    for target in targets {
        let place = audit_place(eraser, target);
        eraser
            .audit
            .record(&Planned {
                setting: place.clone(),
                json_paths: target.json_paths.clone(),
            })
            .map_err(|e| format!("audit log: {e}"))?;

        let (outcome, collateral) = erase_one(eraser, target, &mut key_attributes).await;
        let collateral_record =
            (!collateral.is_empty()).then(|| collateral_record(eraser, &collateral));
        eraser
            .audit
            .record(&ChangeResult {
                setting: place.clone(),
                outcome: outcome.recorded(),
                removed_paths: match &outcome {
                    Outcome::Rewritten { removed } => Some(removed.clone()),
                    _ => None,
                },
                error: match &outcome {
                    Outcome::Failed(e) => Some(e.clone()),
                    _ => None,
                },
                reason: match &outcome {
                    Outcome::NotErased { reason, .. } | Outcome::NeedsReview { reason, .. } => {
                        Some(reason.clone())
                    }
                    _ => None,
                },
                collateral: collateral_record.clone(),
            })
            .map_err(|e| format!("audit log: {e}"))?;
        if collateral.is_damage() {
            eraser
                .audit
                .record(&CollateralDamage {
                    setting: place,
                    collateral: collateral_record.unwrap_or_default(),
                })
                .map_err(|e| format!("audit log: {e}"))?;
        }
        results.push(SettingResult {
            target: target.clone(),
            outcome,
            collateral,
        });
    }
    Ok(results)
}

/// A setting's place for the audit log. The setting key is a name chosen by Workspace; in the
/// rare case it holds an identifier itself, it is recorded as an HMAC like the identifiers.
fn audit_place<G, S>(eraser: &Eraser<'_, G, S>, t: &SettingTarget) -> SettingPlace {
    let key_is_personal = eraser.matcher.is_match_text(&t.setting_key);
    SettingPlace {
        table: t.table.to_string(),
        owner_id: t.user_id.clone(),
        group: t.group.clone(),
        setting_key: (!key_is_personal).then(|| t.setting_key.clone()),
        setting_key_ref: key_is_personal.then(|| eraser.audit_key.subject_ref(&t.setting_key)),
        subjects: t
            .identifiers
            .iter()
            .map(|i| {
                eraser
                    .audit_key
                    .subject_ref(eraser.matcher.identifiers()[*i].normalized())
            })
            .collect(),
    }
}

/// Collateral findings for the audit log: setting keys only (an HMAC for a key that holds an
/// identifier), never values.
fn collateral_record<G, S>(eraser: &Eraser<'_, G, S>, c: &Collateral) -> CollateralRecord {
    let name = |k: &String| {
        if eraser.matcher.is_match_text(k) {
            eraser.audit_key.subject_ref(k)
        } else {
            k.clone()
        }
    };
    CollateralRecord {
        vanished: c.vanished.iter().map(name).collect(),
        changed_meanwhile: c.changed_meanwhile.iter().map(name).collect(),
        unchecked: c.unchecked.is_some(),
    }
}

/// Erases one target; returns the outcome and, when a change was sent, what happened to the
/// rest of its group.
async fn erase_one<G: SettingsApi, S: SettingsStore>(
    eraser: &Eraser<'_, G, S>,
    t: &SettingTarget,
    key_attributes: &mut HashMap<(String, String), Option<String>>,
) -> (Outcome, Collateral) {
    // The group as Cassandra holds it, before anything is sent.
    let before = match snapshot(eraser.store, t, eraser.consistency).await {
        Ok(s) => s,
        Err(e) => {
            return (
                Outcome::Failed(format!(
                    "cannot read the group from Cassandra before the change, so collateral damage could not be ruled out; nothing was changed ({e})"
                )),
                Collateral::default(),
            )
        }
    };
    let outcome = match change_one(eraser, t, key_attributes).await {
        Outcome::AlreadyGone => confirm_gone(eraser, t).await,
        outcome => outcome,
    };
    if outcome == Outcome::SkippedChanged {
        return (outcome, Collateral::default());
    }
    // After every request that may have changed something, failures and "not found"
    // included: a change may have been made even though its answer was lost or wrong.
    let collateral = match snapshot(eraser.store, t, eraser.consistency).await {
        Ok(after) => before.compare(&after),
        Err(e) => Collateral {
            unchecked: Some(format!("cannot re-read the group from Cassandra: {e}")),
            ..Collateral::default()
        },
    };
    (outcome, collateral)
}

async fn change_one<G: SettingsApi, S: SettingsStore>(
    eraser: &Eraser<'_, G, S>,
    t: &SettingTarget,
    key_attributes: &mut HashMap<(String, String), Option<String>>,
) -> Outcome {
    let cache_key = (t.user_id.clone(), t.group.clone());
    let key_attribute = match key_attributes.get(&cache_key) {
        Some(k) => k.clone(),
        None => match eraser.gws.user_groups(&t.user_id).await {
            Ok(groups) => {
                let k = groups
                    .into_iter()
                    .find(|g| g.name == t.group)
                    .map(|g| g.key);
                key_attributes.insert(cache_key, k.clone());
                k
            }
            Err(e) if e.is_not_found() => None,
            Err(e) => return Outcome::Failed(describe(&e)),
        },
    };
    let Some(key_attribute) = key_attribute.filter(|k| !k.is_empty()) else {
        return Outcome::AlreadyGone;
    };

    // Re-read just before the change: the scan may be minutes old. A write that another
    // writer undoes (an agent's client, a second run) is seen by the re-read after it, and the
    // change is planned again from that fresh text, a few times at most.
    let mut outcome = Outcome::SkippedChanged;
    for attempt in 0..MAX_EDIT_ATTEMPTS {
        let current = match eraser
            .gws
            .user_setting_text(&t.user_id, &t.group, &key_attribute, &t.setting_key)
            .await
        {
            Ok(Some(v)) => v,
            Ok(None) if attempt == 0 => return Outcome::AlreadyGone,
            Ok(None) => return outcome,
            Err(e) => return Outcome::Failed(describe(&e)),
        };
        let context = PlanContext {
            key_attribute: &key_attribute,
            matcher: eraser.matcher,
            other_requests: eraser.other_requests,
            options: eraser.options,
        };
        let plan = match plan_erasure(&current.text, &context) {
            // GWS's answer no longer holds the identifier. The stored text may still: the
            // stored text is what the scan matched and what the verification reads, so it is
            // planned on its own (a value GWS answers differently from what Cassandra holds).
            ErasurePlan::NoMatch if attempt == 0 => match stored_text(eraser, t).await {
                Ok(Some(stored)) => match plan_erasure(&stored, &context) {
                    ErasurePlan::NoMatch => return Outcome::SkippedChanged,
                    delete @ ErasurePlan::DeleteSetting { .. } => delete,
                    review @ ErasurePlan::NeedsReview { .. } => review,
                    ErasurePlan::RewriteSetting { removed, .. } => ErasurePlan::NeedsReview {
                        reason: forgetme_matcher::ReviewReason::EditLeftAMatch,
                        records: removed,
                    },
                },
                Ok(None) => return Outcome::SkippedChanged,
                Err(e) => return Outcome::Failed(e),
            },
            // A later pass: our change holds.
            ErasurePlan::NoMatch => return outcome,
            plan => plan,
        };
        match plan {
            ErasurePlan::NoMatch => return Outcome::SkippedChanged,
            ErasurePlan::NeedsReview { reason, records } => {
                return Outcome::NeedsReview {
                    reason: reason.explain(),
                    records: records.iter().map(redacted_path).collect(),
                }
            }
            ErasurePlan::DeleteSetting { .. } => {
                return match eraser
                    .gws
                    .delete_user_setting(&t.user_id, &t.group, &key_attribute, &current.key)
                    .await
                {
                    Ok(()) => Outcome::Deleted,
                    Err(e) if e.is_not_found() => Outcome::AlreadyGone,
                    Err(e) => Outcome::Failed(describe(&e)),
                };
            }
            ErasurePlan::RewriteSetting {
                new_text, removed, ..
            } => {
                match eraser
                    .gws
                    .put_user_setting_text(&t.user_id, &t.group, &new_text)
                    .await
                {
                    Ok(()) => {}
                    Err(e) if e.is_not_found() => return Outcome::AlreadyGone,
                    Err(e) => return Outcome::Failed(describe(&e)),
                }
                let mut all_removed = match outcome {
                    Outcome::Rewritten { removed } => removed,
                    _ => Vec::new(),
                };
                all_removed.extend(removed.iter().map(redacted_path));
                outcome = Outcome::Rewritten {
                    removed: all_removed,
                };
                // The next pass re-reads what GWS now holds and plans again: nothing to do
                // when the write held.
            }
        }
    }
    match outcome {
        Outcome::Rewritten { .. } => Outcome::Failed(format!(
            "the setting was rewritten {MAX_EDIT_ATTEMPTS} times and another writer put the subject back each time; stop the agent's client or the other run, then run the cleanup again"
        )),
        other => other,
    }
}

/// How many times a rewrite is planned again after the re-read shows the subject back.
const MAX_EDIT_ATTEMPTS: usize = 3;

/// GWS says the setting is gone (its re-read lacks it, or it answered "not found"). Only
/// Cassandra can confirm that: a row GWS does not show (a value that is not JSON, written by
/// something else) is still there, and calling it gone would be a false erasure.
async fn confirm_gone<G, S: SettingsStore>(
    eraser: &Eraser<'_, G, S>,
    t: &SettingTarget,
) -> Outcome {
    match stored_text_matches(eraser, t).await {
        Ok(StoredText::Absent) => Outcome::AlreadyGone,
        Ok(StoredText::NoMatch) => Outcome::SkippedChanged,
        Ok(StoredText::Matches) => Outcome::NotErased {
            reason: "GWS does not show this setting; it is still stored in Cassandra with the identifier, so it could not be erased through GWS".into(),
            delete_cql: eraser.store.delete_row_statement(&t.table, &t.row_key),
        },
        Err(e) => Outcome::Failed(format!(
            "GWS does not show this setting, and Cassandra could not be read to confirm it is gone: {e}"
        )),
    }
}

/// The setting's stored value, read from Cassandra now at the verification's consistency
/// (`None` when the row or its value is gone).
async fn read_stored<G, S: SettingsStore>(
    eraser: &Eraser<'_, G, S>,
    t: &SettingTarget,
) -> Result<Option<Vec<u8>>, String> {
    eraser
        .store
        .stored_value(t, eraser.consistency)
        .await
        .map_err(|e| format!("cannot read the stored setting from Cassandra: {e}"))
}

/// [`read_stored`] as text, for the planner.
async fn stored_text<G, S: SettingsStore>(
    eraser: &Eraser<'_, G, S>,
    t: &SettingTarget,
) -> Result<Option<String>, String> {
    Ok(read_stored(eraser, t)
        .await?
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned()))
}

/// What Cassandra holds for a setting now.
enum StoredText {
    /// No such row (or no value in it).
    Absent,
    /// A value without the identifier.
    NoMatch,
    /// A value holding the identifier.
    Matches,
}

/// Whether the setting's stored text, read from Cassandra now, holds an identifier (possible
/// matches counted only when they are to be erased).
async fn stored_text_matches<G, S: SettingsStore>(
    eraser: &Eraser<'_, G, S>,
    t: &SettingTarget,
) -> Result<StoredText, String> {
    Ok(match read_stored(eraser, t).await? {
        None => StoredText::Absent,
        Some(bytes)
            if eraser
                .matcher
                .match_bytes(&bytes)
                .hits
                .iter()
                .any(|h| eraser.options.erase_possible || !h.variant.is_possible()) =>
        {
            StoredText::Matches
        }
        Some(_) => StoredText::NoMatch,
    })
}

fn describe(e: &crate::ports::ApiError) -> String {
    e.describe().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reports and receipts use `as_str`, the audit log the typed outcome: the same names.
    #[test]
    fn reported_and_recorded_outcomes_have_the_same_names() {
        for o in [
            Outcome::Deleted,
            Outcome::Rewritten { removed: vec![] },
            Outcome::AlreadyGone,
            Outcome::NeedsReview {
                reason: String::new(),
                records: vec![],
            },
            Outcome::SkippedChanged,
            Outcome::NotErased {
                reason: String::new(),
                delete_cql: Err(String::new()),
            },
            Outcome::Failed(String::new()),
        ] {
            assert_eq!(
                serde_json::to_value(o.recorded()).unwrap(),
                serde_json::Value::String(o.as_str().into())
            );
        }
    }
}
