//! The later re-check: has the subject's data come back?
//!
//! Months after an erasure, a restored backup or a replica that missed the delete (and was
//! repaired from an old SSTable) can bring data back. The re-check reads every location the
//! receipt lists, by its primary key, and matches it against the identifiers given again by
//! the operator (the receipt holds only their HMACs).

use forgetme_matcher::Matcher;
use forgetme_scanner::read::{read_column, RawValue};
use forgetme_scanner::{Consistency, Session};

use crate::Receipt;

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
    for (i, loc) in receipt.locations.iter().enumerate() {
        let Some(key) = &loc.row_key else {
            r.unreadable.push((
                i,
                "the row key holds an identifier and was not recorded".into(),
            ));
            continue;
        };
        let Some((ks, table)) = loc.table.split_once('.') else {
            r.unreadable.push((i, "malformed table name".into()));
            continue;
        };
        let decoded: Result<Vec<(String, RawValue)>, _> = key
            .iter()
            .map(|(column, h)| hex::decode(h).map(|b| (column.clone(), RawValue(b))))
            .collect();
        let Ok(row_key) = decoded else {
            r.unreadable.push((i, "malformed row key".into()));
            continue;
        };
        match read_column(session, ks, table, &loc.value_column, &row_key, consistency).await {
            Ok(None) => r.checked += 1,
            Ok(Some(bytes)) => {
                r.checked += 1;
                if matcher.match_bytes(&bytes).is_match() {
                    r.back.push(i);
                }
            }
            Err(e) => r.unreadable.push((i, e)),
        }
    }
    r
}
