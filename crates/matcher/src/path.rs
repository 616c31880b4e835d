//! JSON paths: where in a setting a hit was found.
//!
//! Paths are structured (a list of keys and indices) so that erasure can navigate to the hit
//! without re-parsing a string, and display in the common `$.phones[0].number` notation so
//! that reports are readable.

use std::fmt;

/// One step from a JSON container to a child.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PathSegment {
    /// The member of an object with this (unescaped) key.
    Key(String),
    /// The element of an array at this index, from 0.
    Index(usize),
}

/// A path from the root of a JSON value to one of its descendants; empty for the root.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JsonPath {
    segments: Vec<PathSegment>,
}

impl JsonPath {
    /// The path made of `segments`, outermost first.
    pub fn new(segments: Vec<PathSegment>) -> JsonPath {
        JsonPath { segments }
    }

    /// The steps of the path, outermost first.
    pub fn segments(&self) -> &[PathSegment] {
        &self.segments
    }

    /// Whether `self` is `other` or one of its ancestors.
    pub fn is_prefix_of(&self, other: &JsonPath) -> bool {
        other.segments.starts_with(&self.segments)
    }
}

impl From<Vec<PathSegment>> for JsonPath {
    fn from(segments: Vec<PathSegment>) -> JsonPath {
        JsonPath::new(segments)
    }
}

/// `$` for the root, `.key` for keys that are identifiers, `["odd key"]` (JSON-escaped)
/// for any other key, `[3]` for indices.
impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for segment in &self.segments {
            match segment {
                PathSegment::Index(i) => write!(f, "[{i}]")?,
                PathSegment::Key(k) if is_plain_key(k) => write!(f, ".{k}")?,
                PathSegment::Key(k) => {
                    f.write_str("[\"")?;
                    write_escaped(f, k)?;
                    f.write_str("\"]")?;
                }
            }
        }
        Ok(())
    }
}

/// Whether a key can be written after a dot: an ASCII identifier.
fn is_plain_key(key: &str) -> bool {
    let mut bytes = key.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b'$')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$')
}

/// Writes `s` with JSON string escapes.
fn write_escaped(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if u32::from(c) < 0x20 => write!(f, "\\u{:04x}", u32::from(c))?,
            c => write!(f, "{c}")?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_in_dollar_notation() {
        let path = JsonPath::new(vec![
            PathSegment::Key("phones".into()),
            PathSegment::Index(0),
            PathSegment::Key("number".into()),
        ]);
        assert_eq!(path.to_string(), "$.phones[0].number");
        assert_eq!(JsonPath::default().to_string(), "$");
        let odd = JsonPath::new(vec![
            PathSegment::Key("odd key".into()),
            PathSegment::Key("a\"b\n".into()),
        ]);
        assert_eq!(odd.to_string(), r#"$["odd key"]["a\"b\n"]"#);
        let digit = JsonPath::new(vec![
            PathSegment::Key("1st".into()),
            PathSegment::Key(String::new()),
        ]);
        assert_eq!(digit.to_string(), r#"$["1st"][""]"#);
    }

    #[test]
    fn prefixes() {
        let a = JsonPath::new(vec![PathSegment::Key("a".into())]);
        let ab = JsonPath::new(vec![PathSegment::Key("a".into()), PathSegment::Index(1)]);
        assert!(a.is_prefix_of(&ab));
        assert!(!ab.is_prefix_of(&a));
        assert!(JsonPath::default().is_prefix_of(&a));
    }
}
