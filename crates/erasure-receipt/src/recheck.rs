//! The later re-check: has the subject's data come back?
//!
//! Months after an erasure, a restored backup or a replica that missed the delete (and was
//! repaired from an old SSTable) can bring data back. The re-check reads every location the
//! receipt lists, by its primary key, with the same verification the cleanup ran right after
//! erasing ([`forgetme_cleanup::verify_targets`]), against the identifiers given again by the
//! operator (the receipt holds only their HMACs).

use forgetme_cleanup::{verify_targets, SettingTarget};
use forgetme_matcher::Matcher;
use forgetme_scanner::read::RawValue;
use forgetme_scanner::{Consistency, Session, TableName};

use crate::{Location, Receipt};

/// What the re-check found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recheck {
    /// Locations read.
    pub checked: usize,
    /// Locations holding an identifier again (indices into the receipt's locations).
    pub back: Vec<usize>,
    /// Locations that could not be read or named (index, reason).
    pub unreadable: Vec<(usize, String)>,
}

impl Recheck {
    /// Every location read and none holds an identifier.
    pub fn clean(&self) -> bool {
        self.back.is_empty() && self.unreadable.is_empty()
    }
}

/// Reads every location of `receipt` again.
pub async fn recheck(
    session: &Session,
    receipt: &Receipt,
    matcher: &Matcher,
    consistency: Consistency,
) -> Recheck {
    let mut r = Recheck::default();
    let mut targets = Vec::new();
    let mut index = Vec::new();
    for (i, loc) in receipt.locations.iter().enumerate() {
        match target_of(&receipt.keyspace, loc) {
            Ok(t) => {
                targets.push(t);
                index.push(i);
            }
            Err(reason) => r.unreadable.push((i, reason.into())),
        }
    }
    // The whole group of each location is searched: a copy written back under a new key
    // counts as back too (at the location of its group). Possible matches do not count.
    let v = verify_targets(session, &targets, matcher, consistency, false).await;
    r.checked = v.checked;
    r.back = v.still_matching.iter().map(|t| index[*t]).collect();
    r.back.extend(v.elsewhere.iter().map(|(t, _)| index[*t]));
    r.back.sort_unstable();
    r.back.dedup();
    r.unreadable
        .extend(v.unreadable.into_iter().map(|(t, e)| (index[t], e)));
    r.unreadable.sort();
    r
}

/// The location as a verification target: table and row key are all the read needs. The
/// table is named `keyspace.table` in the receipt; the receipt's keyspace says where the
/// keyspace ends (a quoted table name may itself hold a dot).
fn target_of(keyspace: &str, loc: &Location) -> Result<SettingTarget, &'static str> {
    let key = loc
        .row_key
        .as_ref()
        .ok_or("the row key holds an identifier and was not recorded")?;
    let table = loc
        .table
        .strip_prefix(keyspace)
        .and_then(|t| t.strip_prefix('.'))
        .filter(|t| !t.is_empty())
        .ok_or("the table is not in the receipt's keyspace")?;
    let row_key = key
        .iter()
        .map(|(column, h)| hex::decode(h).map(|b| (column.clone(), RawValue(b))))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "malformed row key")?;
    Ok(SettingTarget {
        table: TableName::new(keyspace, table),
        value_column: loc.value_column.clone(),
        user_id: loc.owner_id.clone(),
        group: loc.group.clone(),
        setting_key: loc.setting_key.clone().unwrap_or_default(),
        row_key,
        json_paths: loc.json_paths.clone(),
        identifiers: Vec::new(),
        possible: false,
    })
}
