//! A table's full name, kept as its two parts.

use std::fmt;

/// A table's keyspace and name. Reports print it as `keyspace.table`; code keeps the parts
/// apart, so nothing has to split a joined name again (a quoted Cassandra name may itself
/// hold a dot, and a split would then name the wrong table).
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TableName {
    /// Keyspace.
    pub keyspace: String,
    /// Table within it.
    pub table: String,
}

impl TableName {
    /// A table of a keyspace.
    pub fn new(keyspace: impl Into<String>, table: impl Into<String>) -> Self {
        TableName {
            keyspace: keyspace.into(),
            table: table.into(),
        }
    }
}

impl fmt::Display for TableName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.keyspace, self.table)
    }
}

/// Written as `keyspace.table`, the form every report and receipt already uses.
impl serde::Serialize for TableName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prints_and_serializes_as_keyspace_dot_table() {
        let t = TableName::new("sipfs", "settings");
        assert_eq!(t.to_string(), "sipfs.settings");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"sipfs.settings\"");
    }

    #[test]
    fn a_dot_in_a_name_stays_in_its_part() {
        let t = TableName::new("ks", "a.b");
        assert_eq!(t.keyspace, "ks");
        assert_eq!(t.table, "a.b");
    }
}
