//! Checks for keyspace, table and column names before they are placed in CQL text.
//!
//! Names are always double-quoted in the statements the scanner builds, but a name that is not
//! a plain identifier is refused outright: Cassandra itself only allows letters, digits and
//! underscores in keyspace and table names, and refusing early turns an injection attempt (or a
//! typo with a quote in it) into a clear input error instead of a strange query.

/// A name that may not be placed in CQL text.
#[derive(Debug, thiserror::Error)]
#[error("{kind} name {shown:?} is not valid: use 1 to 48 letters, digits or underscores (as Cassandra requires)")]
pub struct NameError {
    kind: &'static str,
    shown: String,
}

/// Accepts `[A-Za-z0-9_]{1,48}`; anything else is a [`NameError`]. The offending name is a
/// schema name, not personal data, so it may be shown (truncated).
pub fn check_cql_name(kind: &'static str, name: &str) -> Result<(), NameError> {
    let ok = !name.is_empty()
        && name.len() <= 48
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(NameError {
            kind,
            shown: name.chars().take(60).collect(),
        })
    }
}

/// Double-quotes a checked name for CQL, keeping its case.
pub fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_names_pass_and_hostile_ones_fail() {
        assert!(check_cql_name("keyspace", "sipfs").is_ok());
        assert!(check_cql_name("keyspace", "Sip_FS_2").is_ok());
        for bad in [
            "",
            "a\"b",
            "a;b",
            "sipfs'; DROP",
            "a b",
            "é",
            &"x".repeat(49),
        ] {
            assert!(check_cql_name("keyspace", bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn quote_keeps_case() {
        assert_eq!(quote("MyTable"), "\"MyTable\"");
    }
}
