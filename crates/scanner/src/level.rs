//! The consistency levels the tool reads at, as a type of their own: reports, the access
//! export's statement and receipts name the level, and a name is only ever one of these.

use std::fmt;

use scylla::statement::Consistency;
use serde::Serialize;

/// A consistency level a scan or a verification reads at, written as CQL spells it
/// (`LOCAL_QUORUM`), the spelling every report and receipt has always used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ConsistencyLevel {
    /// `ONE`.
    One,
    /// `LOCAL_ONE`: the fast scan's default.
    #[default]
    LocalOne,
    /// `QUORUM`.
    Quorum,
    /// `LOCAL_QUORUM`.
    LocalQuorum,
    /// `ALL`: what the every-copy scan reads at.
    All,
}

impl ConsistencyLevel {
    /// The level as CQL spells it.
    pub fn cql_name(self) -> &'static str {
        match self {
            ConsistencyLevel::One => "ONE",
            ConsistencyLevel::LocalOne => "LOCAL_ONE",
            ConsistencyLevel::Quorum => "QUORUM",
            ConsistencyLevel::LocalQuorum => "LOCAL_QUORUM",
            ConsistencyLevel::All => "ALL",
        }
    }

    /// The driver's value.
    pub fn to_driver(self) -> Consistency {
        match self {
            ConsistencyLevel::One => Consistency::One,
            ConsistencyLevel::LocalOne => Consistency::LocalOne,
            ConsistencyLevel::Quorum => Consistency::Quorum,
            ConsistencyLevel::LocalQuorum => Consistency::LocalQuorum,
            ConsistencyLevel::All => Consistency::All,
        }
    }
}

impl fmt::Display for ConsistencyLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.cql_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_level_serializes_as_cql_spells_it() {
        for level in [
            ConsistencyLevel::One,
            ConsistencyLevel::LocalOne,
            ConsistencyLevel::Quorum,
            ConsistencyLevel::LocalQuorum,
            ConsistencyLevel::All,
        ] {
            assert_eq!(
                serde_json::to_string(&level).unwrap(),
                format!("\"{}\"", level.cql_name())
            );
        }
    }
}
