//! The audit events gdpr-forget-me writes, as types: one serde struct per event kind, and
//! [`EventKind`] naming them.
//!
//! The writers ([`crate::AuditLog::record`]) build these structs, so a field cannot be
//! misspelled or left out; the verifier ([`crate::verify_log`]) parses every event's `data`
//! back into the struct of its kind; and a test parses the examples of `docs/audit-log.md`
//! and writes them back, so the document shows exactly what the code writes.
//!
//! Fields added in a later version are `Option`s or have defaults, so a log written by an
//! earlier version still parses. Fields a reader does not know are ignored, so a log written
//! by a later version does too; the documentation test is strict the other way (an example
//! must come back byte for byte), so the document cannot name a field the code does not write.
//!
//! Nothing here may hold a raw identifier, a setting value or a password (see the crate
//! documentation): identifiers are subject refs, places are table, owner id, group and
//! setting key (or its HMAC when the key itself holds an identifier).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The kinds of event, in the order a complete run writes them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// A run begins: [`RunStart`].
    RunStart,
    /// The search finished: [`ScanComplete`].
    ScanComplete,
    /// One change, before it is made: [`Planned`].
    Planned,
    /// The outcome of one planned change: [`ChangeResult`].
    Result,
    /// A change after which another setting of the group vanished: [`CollateralDamage`].
    CollateralDamage,
    /// The re-read of the touched groups after the changes: [`Verification`].
    Verification,
    /// The run ended: [`RunEnd`].
    RunEnd,
}

impl EventKind {
    /// Every kind, in the order a complete run writes them.
    pub const ALL: [EventKind; 7] = [
        EventKind::RunStart,
        EventKind::ScanComplete,
        EventKind::Planned,
        EventKind::Result,
        EventKind::CollateralDamage,
        EventKind::Verification,
        EventKind::RunEnd,
    ];

    /// The name written in the `kind` field.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::RunStart => "run_start",
            EventKind::ScanComplete => "scan_complete",
            EventKind::Planned => "planned",
            EventKind::Result => "result",
            EventKind::CollateralDamage => "collateral_damage",
            EventKind::Verification => "verification",
            EventKind::RunEnd => "run_end",
        }
    }

    /// The kind named `name`, if it is one.
    pub fn from_name(name: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event's `data`, typed: which kind it is written as.
pub trait AuditEvent: Serialize + DeserializeOwned {
    /// The `kind` of the line.
    const KIND: EventKind;
}

/// `run_start`: who ran the tool, where, with what (identifiers only as subject refs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunStart {
    /// Always `gdpr_forget_me`.
    pub tool: String,
    /// The tool's version.
    pub version: String,
    /// The GWS user name the run logged in as (empty without GWS).
    pub operator: String,
    /// The machine's host name.
    pub host: String,
    /// The arguments that say what was searched and how, without secrets or identifiers.
    pub arguments: RunArguments,
    /// Subject refs of the identifiers handled.
    pub subjects: Vec<String>,
    /// The ticket or case reference the run was made for (`--case`, a batch's request id),
    /// when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case: Option<crate::CaseRef>,
}

impl AuditEvent for RunStart {
    const KIND: EventKind = EventKind::RunStart;
}

/// The arguments recorded in [`RunStart`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunArguments {
    /// `--cass_keyspace`.
    pub cass_keyspace: String,
    /// `--cass_hostname`.
    pub cass_hostname: String,
    /// `--cass_port`.
    pub cass_port: u16,
    /// `--group_name`.
    pub group_name: Option<String>,
    /// `--layout` (the file's path).
    pub layout: Option<String>,
    /// `--deep`.
    pub deep: bool,
    /// `--erase` (`record` or `setting`).
    pub erase: String,
    /// `--gws` (the base URL).
    pub gws: String,
    /// `--default-region`.
    pub default_region: Option<String>,
    /// How many identifiers were given (their refs are in [`RunStart::subjects`]).
    pub identifiers: usize,
}

/// `scan_complete`: what the search read and how much it found, without values.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanComplete {
    /// Every token range of every table was read.
    pub complete: bool,
    /// Tables scanned, `keyspace.table`.
    pub tables: Vec<String>,
    /// Token-range splits planned.
    pub ranges: usize,
    /// Rows read.
    pub rows: u64,
    /// Splits left unread.
    pub unread_ranges: usize,
    /// Hits.
    pub hits: u64,
    /// Settings holding a hit.
    pub settings: u64,
    /// Those of them listed (the rest only counted).
    pub listed_settings: u64,
}

impl AuditEvent for ScanComplete {
    const KIND: EventKind = EventKind::ScanComplete;
}

/// Where a setting is, for `planned`, `result` and `collateral_damage`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SettingPlace {
    /// `keyspace.table`.
    pub table: String,
    /// The agent's user id.
    pub owner_id: String,
    /// Settings group.
    pub group: String,
    /// The setting's key; `null` when it holds an identifier itself (then see
    /// `setting_key_ref`).
    pub setting_key: Option<String>,
    /// HMAC of the setting key when it holds an identifier, else `null`.
    pub setting_key_ref: Option<String>,
    /// Subject refs found in the setting by the scan.
    pub subjects: Vec<String>,
}

/// `planned`: one change, written (and synced) before it is made. What was done is in the
/// [`ChangeResult`] that follows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Planned {
    /// The setting.
    pub setting: SettingPlace,
    /// JSON paths of the subject's entries found by the scan (empty when the value is not
    /// JSON).
    pub json_paths: Vec<String>,
}

impl AuditEvent for Planned {
    const KIND: EventKind = EventKind::Planned;
}

/// What happened to one setting, as written in `result.outcome` (and in receipts).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SettingOutcome {
    /// The whole setting was deleted.
    Deleted,
    /// The setting was written back without the subject's entries.
    Rewritten,
    /// GWS does not show it and Cassandra agrees it is gone.
    AlreadyGone,
    /// The subject's record holds someone else's data (other records, another request's
    /// identifier): nothing was changed, a person must decide.
    NeedsReview,
    /// It no longer held an identifier when read again; left alone.
    SkippedChanged,
    /// GWS does not show it but Cassandra still holds it with the identifier.
    NotErased,
    /// The change failed.
    Failed,
}

/// What happened next to a setting across its change (setting keys, never values).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollateralRecord {
    /// Other settings of the group that vanished (keys; an HMAC for a key holding an
    /// identifier).
    pub vanished: Vec<String>,
    /// Other settings of the group written by someone else meanwhile.
    pub changed_meanwhile: Vec<String>,
    /// Whether the group could not be re-read after the change.
    pub unchecked: bool,
}

/// `result`: the outcome of one planned change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeResult {
    /// The setting.
    pub setting: SettingPlace,
    /// What happened.
    pub outcome: SettingOutcome,
    /// For `rewritten`: the entries removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_paths: Option<Vec<String>>,
    /// For `failed`: the error (GWS's or Cassandra's message, without values).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// For `not_erased`: why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// When something happened to the other settings of the group across the change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collateral: Option<CollateralRecord>,
}

impl AuditEvent for ChangeResult {
    const KIND: EventKind = EventKind::Result;
}

/// `collateral_damage`: after a change, another setting of the group vanished, or the group
/// could not be re-read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CollateralDamage {
    /// The setting that was changed.
    pub setting: SettingPlace,
    /// What happened next to it.
    pub collateral: CollateralRecord,
}

impl AuditEvent for CollateralDamage {
    const KIND: EventKind = EventKind::CollateralDamage;
}

/// A group, for the verification's findings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupPlace {
    /// `keyspace.table`.
    pub table: String,
    /// The agent's user id.
    pub owner_id: String,
    /// Settings group.
    pub group: String,
}

/// `verification`: the re-read of every touched group after the changes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    /// Targets whose group was read.
    pub checked: usize,
    /// Groups (partitions) read.
    pub partitions: usize,
    /// Settings (rows) read in them.
    pub rows: u64,
    /// Nothing left, everything read.
    pub verified: bool,
    /// Groups of targets that still hold an identifier.
    pub still_matching: Vec<GroupPlace>,
    /// Groups where another setting holds an identifier.
    pub found_elsewhere: Vec<GroupPlace>,
    /// Groups that could not be read.
    pub unreadable: Vec<GroupPlace>,
}

impl AuditEvent for Verification {
    const KIND: EventKind = EventKind::Verification;
}

/// How a run ended, as written in `run_end.outcome`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunOutcome {
    /// Settings were handled and verified.
    Done,
    /// Nothing erasable was found.
    NothingToErase,
    /// The operator did not confirm.
    NotConfirmed,
    /// The plan was larger than the limits allow; nothing changed.
    RefusedTooLarge,
}

/// Counts of the settings' outcomes in [`RunEnd`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeCounts {
    /// Deleted or rewritten.
    pub erased: usize,
    /// GWS and Cassandra agree they were gone.
    pub already_gone: usize,
    /// No longer holding an identifier when read again.
    pub skipped_changed: usize,
    /// GWS does not show them, Cassandra still holds them (absent in logs written before
    /// this outcome existed).
    #[serde(default)]
    pub not_erased: usize,
    /// Not changed because the subject's record holds someone else's data (absent when 0,
    /// and in logs written before this outcome existed).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub needs_review: usize,
    /// Failed.
    pub failed: usize,
    /// Whether the verification found nothing left.
    pub verified: bool,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The plan's size and the limits, in [`RunEnd`] when a plan was refused as too large.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefusedPlan {
    /// Settings the plan would change.
    pub planned_settings: usize,
    /// Agents owning them.
    pub planned_agents: usize,
    /// `--max-erase` or its default.
    pub max_settings: usize,
    /// `--max-erase-agents` or its default.
    pub max_agents: usize,
}

/// `run_end`: the run's overall outcome. Which fields are present depends on the outcome:
/// the counts for `done` and `nothing_to_erase` (with `collateral_damage` and
/// `changed_meanwhile` for `done`), the plan and limits for `refused_too_large`, neither for
/// `not_confirmed`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunEnd {
    /// How the run ended.
    pub outcome: RunOutcome,
    /// Whether the search read every token range.
    pub complete: bool,
    /// Counts of the outcomes.
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub counts: Option<OutcomeCounts>,
    /// Changes after which another setting of the group vanished (`done` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collateral_damage: Option<usize>,
    /// Changes during which another setting of the group changed (`done` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed_meanwhile: Option<usize>,
    /// The refused plan (`refused_too_large` only).
    #[serde(default, flatten, skip_serializing_if = "Option::is_none")]
    pub refused: Option<RefusedPlan>,
}

impl AuditEvent for RunEnd {
    const KIND: EventKind = EventKind::RunEnd;
}

/// An event's data parsed by its kind.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypedEvent {
    /// `run_start`.
    RunStart(RunStart),
    /// `scan_complete`.
    ScanComplete(ScanComplete),
    /// `planned`.
    Planned(Planned),
    /// `result`.
    Result(ChangeResult),
    /// `collateral_damage`.
    CollateralDamage(CollateralDamage),
    /// `verification`.
    Verification(Verification),
    /// `run_end`.
    RunEnd(RunEnd),
}

impl TypedEvent {
    /// Parses `data` as the event of kind `kind`. The error names the kind and what does
    /// not fit (serde's message: field names and types, never values).
    pub fn parse(kind: &str, data: &Map<String, Value>) -> Result<TypedEvent, String> {
        let Some(kind) = EventKind::from_name(kind) else {
            return Err(format!(
                "kind {kind:?} is not one this tool writes (docs/audit-log.md lists them)"
            ));
        };
        fn typed<E: AuditEvent>(data: &Map<String, Value>) -> Result<E, String> {
            E::deserialize(Value::Object(data.clone())).map_err(|e| {
                format!(
                    "its data does not follow the contract of {}: {e}",
                    E::KIND.as_str()
                )
            })
        }
        Ok(match kind {
            EventKind::RunStart => TypedEvent::RunStart(typed(data)?),
            EventKind::ScanComplete => TypedEvent::ScanComplete(typed(data)?),
            EventKind::Planned => TypedEvent::Planned(typed(data)?),
            EventKind::Result => TypedEvent::Result(typed(data)?),
            EventKind::CollateralDamage => TypedEvent::CollateralDamage(typed(data)?),
            EventKind::Verification => TypedEvent::Verification(typed(data)?),
            EventKind::RunEnd => TypedEvent::RunEnd(typed(data)?),
        })
    }

    /// Its kind.
    pub fn kind(&self) -> EventKind {
        match self {
            TypedEvent::RunStart(_) => EventKind::RunStart,
            TypedEvent::ScanComplete(_) => EventKind::ScanComplete,
            TypedEvent::Planned(_) => EventKind::Planned,
            TypedEvent::Result(_) => EventKind::Result,
            TypedEvent::CollateralDamage(_) => EventKind::CollateralDamage,
            TypedEvent::Verification(_) => EventKind::Verification,
            TypedEvent::RunEnd(_) => EventKind::RunEnd,
        }
    }

    /// The data as the code writes it.
    pub fn to_data(&self) -> Value {
        let v = match self {
            TypedEvent::RunStart(e) => serde_json::to_value(e),
            TypedEvent::ScanComplete(e) => serde_json::to_value(e),
            TypedEvent::Planned(e) => serde_json::to_value(e),
            TypedEvent::Result(e) => serde_json::to_value(e),
            TypedEvent::CollateralDamage(e) => serde_json::to_value(e),
            TypedEvent::Verification(e) => serde_json::to_value(e),
            TypedEvent::RunEnd(e) => serde_json::to_value(e),
        };
        v.expect("audit events always serialize")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn kinds_round_trip_through_their_names() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::from_name(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), json!(k.as_str()));
        }
        assert_eq!(EventKind::from_name("plannex"), None);
    }

    #[test]
    fn run_end_writes_only_the_fields_of_its_outcome() {
        let refused = RunEnd {
            outcome: RunOutcome::RefusedTooLarge,
            complete: true,
            counts: None,
            collateral_damage: None,
            changed_meanwhile: None,
            refused: Some(RefusedPlan {
                planned_settings: 600,
                planned_agents: 3,
                max_settings: 500,
                max_agents: 50,
            }),
        };
        assert_eq!(
            serde_json::to_value(&refused).unwrap(),
            json!({"outcome": "refused_too_large", "complete": true, "planned_settings": 600,
                   "planned_agents": 3, "max_settings": 500, "max_agents": 50})
        );
        let not_confirmed = json!({"outcome": "not_confirmed", "complete": false});
        let parsed: RunEnd = serde_json::from_value(not_confirmed.clone()).unwrap();
        assert_eq!(parsed.counts, None);
        assert_eq!(parsed.refused, None);
        assert_eq!(serde_json::to_value(&parsed).unwrap(), not_confirmed);
    }

    #[test]
    fn a_run_end_written_before_not_erased_existed_still_parses() {
        let old = json!({"outcome": "done", "complete": true, "erased": 2, "already_gone": 0,
            "skipped_changed": 0, "failed": 0, "collateral_damage": 0, "changed_meanwhile": 0,
            "verified": true});
        let Value::Object(map) = old else {
            unreachable!()
        };
        let TypedEvent::RunEnd(e) = TypedEvent::parse("run_end", &map).unwrap() else {
            panic!("not a run_end")
        };
        assert_eq!(e.counts.unwrap().not_erased, 0);
        assert_eq!(e.counts.unwrap().erased, 2);
    }

    #[test]
    fn a_missing_field_or_wrong_type_is_named() {
        let Value::Object(map) = json!({"setting": {"table": "ks.settings"}, "json_paths": []})
        else {
            unreachable!()
        };
        let err = TypedEvent::parse("planned", &map).unwrap_err();
        assert!(err.contains("planned") && err.contains("owner_id"), "{err}");
        let Value::Object(map) = json!({"outcome": "vanished", "complete": true}) else {
            unreachable!()
        };
        assert!(TypedEvent::parse("run_end", &map).is_err());
        assert!(TypedEvent::parse("plannex", &Map::new())
            .unwrap_err()
            .contains("not one this tool writes"));
    }
}
