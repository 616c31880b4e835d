//! Proof after the fact: every target re-read from Cassandra, not from GWS.
//!
//! GWS answering "OK" is not proof. The rows are read straight from the table at a strong
//! consistency (QUORUM by default), so a replica that missed the change or a GWS cache cannot
//! hide a remaining copy.

use forgetme_matcher::Matcher;
use forgetme_scanner::read::read_column;
use forgetme_scanner::{Consistency, Session};

use crate::target::SettingTarget;

/// What the verification found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verification {
    /// Targets read back.
    pub checked: usize,
    /// Targets whose row still holds an identifier (indices into the targets).
    pub still_matching: Vec<usize>,
    /// Targets that could not be read, with the error.
    pub unreadable: Vec<(usize, String)>,
}

impl Verification {
    /// True when every target was read and none holds an identifier.
    pub fn verified(&self) -> bool {
        self.still_matching.is_empty() && self.unreadable.is_empty()
    }
}

/// Re-reads each target's value column by primary key and matches it again.
pub async fn verify_targets(
    session: &Session,
    targets: &[SettingTarget],
    matcher: &Matcher,
    consistency: Consistency,
) -> Verification {
    let mut v = Verification::default();
    for (i, t) in targets.iter().enumerate() {
        match read_column(
            session,
            &t.keyspace,
            &t.table,
            &t.value_column,
            &t.row_key,
            consistency,
        )
        .await
        {
            Ok(None) => v.checked += 1,
            Ok(Some(bytes)) => {
                v.checked += 1;
                if matcher.match_bytes(&bytes).is_match() {
                    v.still_matching.push(i);
                }
            }
            Err(e) => v.unreadable.push((i, e)),
        }
    }
    v
}
