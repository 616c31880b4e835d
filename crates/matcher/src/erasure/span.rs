//! A JSON tree that remembers where each value sits in the stored text.
//!
//! An erasure removes a contact record from a setting and writes the rest back. Writing the
//! rest through a parse and a re-serialization would change other people's stored bytes:
//! integers past 2^53 lose digits, `-0` becomes `-0.0`, key order and escapes change, and a
//! lone UTF-16 surrogate escape (`"\ud800"`, legal JSON text that no Rust string can hold)
//! makes the whole setting unreadable. So the planner works on this tree instead: every node
//! keeps its byte span, strings are decoded (lossily, for matching only), and an edit cuts
//! spans out of the original text ([`super::edit`]), leaving every other byte as it was.
//!
//! The tree is built only for settings in which the subject was found (a handful per run), so
//! a tree with an allocation per node is fine here, unlike on the scan path
//! (`crate::json`, which builds nothing).

use crate::path::PathSegment;

/// One JSON value and where it is in the text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// Byte offset of the value's first byte.
    pub(crate) start: usize,
    /// Byte offset just past the value's last byte.
    pub(crate) end: usize,
    /// What the value is.
    pub(crate) kind: Kind,
}

/// The kinds of JSON value, containers with their children.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// An object's members, in the order written (duplicate keys kept, each with its span).
    Object(Vec<Member>),
    /// An array's elements.
    Array(Vec<Node>),
    /// A string, decoded; escapes that are no character (lone surrogates) become U+FFFD.
    String(String),
    /// A number, as written.
    Number,
    /// `true`, `false` or `null`.
    Literal,
}

/// One member of an object.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Member {
    /// The key, decoded as a string is.
    pub(crate) key: String,
    /// Byte offset of the key's opening quote: a member's span runs from here to the end of
    /// its value.
    pub(crate) key_start: usize,
    /// The member's value.
    pub(crate) value: Node,
}

impl Node {
    /// The child at `segment`, if this is a container that has it. With duplicate keys, the
    /// last member of that name (the one JSON parsers keep).
    pub(crate) fn child(&self, segment: &PathSegment) -> Option<&Node> {
        match (&self.kind, segment) {
            (Kind::Object(members), PathSegment::Key(key)) => members
                .iter()
                .rev()
                .find(|m| &m.key == key)
                .map(|m| &m.value),
            (Kind::Array(items), PathSegment::Index(i)) => items.get(*i),
            _ => None,
        }
    }

    /// Whether the node is a string, number or literal.
    pub(crate) fn is_scalar(&self) -> bool {
        matches!(self.kind, Kind::String(_) | Kind::Number | Kind::Literal)
    }
}

/// Why the text is not one JSON value the planner can edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpanError {
    /// Not well-formed JSON (or trailing text after the value).
    Invalid,
    /// Nested deeper than the limit.
    TooDeep,
}

/// Parses `text` into a [`Node`] tree; containers may nest `max_depth` deep.
pub(crate) fn parse(text: &str, max_depth: usize) -> Result<Node, SpanError> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        max_depth,
    };
    let node = parser.value(0)?;
    parser.skip_ws();
    if parser.pos != parser.bytes.len() {
        return Err(SpanError::Invalid);
    }
    Ok(node)
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_depth: usize,
}

impl Parser<'_> {
    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), SpanError> {
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(SpanError::Invalid)
        }
    }

    fn value(&mut self, depth: usize) -> Result<Node, SpanError> {
        self.skip_ws();
        let start = self.pos;
        let kind = match self.peek().ok_or(SpanError::Invalid)? {
            b'{' => self.object(depth + 1)?,
            b'[' => self.array(depth + 1)?,
            b'"' => Kind::String(self.string()?),
            b't' => self.literal("true")?,
            b'f' => self.literal("false")?,
            b'n' => self.literal("null")?,
            b'-' | b'0'..=b'9' => self.number()?,
            _ => return Err(SpanError::Invalid),
        };
        Ok(Node {
            start,
            end: self.pos,
            kind,
        })
    }

    fn object(&mut self, depth: usize) -> Result<Kind, SpanError> {
        if depth > self.max_depth {
            return Err(SpanError::TooDeep);
        }
        self.pos += 1;
        let mut members = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(Kind::Object(members));
        }
        loop {
            self.skip_ws();
            let key_start = self.pos;
            if self.peek() != Some(b'"') {
                return Err(SpanError::Invalid);
            }
            let key = self.string()?;
            self.skip_ws();
            self.expect(b':')?;
            let value = self.value(depth)?;
            members.push(Member {
                key,
                key_start,
                value,
            });
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    return Ok(Kind::Object(members));
                }
                _ => return Err(SpanError::Invalid),
            }
        }
    }

    fn array(&mut self, depth: usize) -> Result<Kind, SpanError> {
        if depth > self.max_depth {
            return Err(SpanError::TooDeep);
        }
        self.pos += 1;
        let mut items = Vec::new();
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(Kind::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(Kind::Array(items));
                }
                _ => return Err(SpanError::Invalid),
            }
        }
    }

    fn literal(&mut self, word: &str) -> Result<Kind, SpanError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(Kind::Literal)
        } else {
            Err(SpanError::Invalid)
        }
    }

    fn number(&mut self) -> Result<Kind, SpanError> {
        let digits = |p: &mut Self| {
            let from = p.pos;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.pos += 1;
            }
            p.pos > from
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        if !digits(self) {
            return Err(SpanError::Invalid);
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !digits(self) {
                return Err(SpanError::Invalid);
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !digits(self) {
                return Err(SpanError::Invalid);
            }
        }
        Ok(Kind::Number)
    }

    /// Reads a string at the opening quote and returns it decoded.
    fn string(&mut self) -> Result<String, SpanError> {
        self.pos += 1;
        let mut out = String::new();
        let mut run = self.pos;
        loop {
            let b = self.peek().ok_or(SpanError::Invalid)?;
            match b {
                b'"' => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(&self.text[run..self.pos]);
                    self.pos += 1;
                    self.escape(&mut out)?;
                    run = self.pos;
                }
                0x00..=0x1f => return Err(SpanError::Invalid),
                _ => self.pos += 1,
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), SpanError> {
        let b = self.peek().ok_or(SpanError::Invalid)?;
        self.pos += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let first = self.hex4()?;
                if (0xD800..0xDC00).contains(&first) && self.bytes[self.pos..].starts_with(b"\\u") {
                    let save = self.pos;
                    self.pos += 2;
                    let second = self.hex4()?;
                    if (0xDC00..0xE000).contains(&second) {
                        let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
                        char::from_u32(code).unwrap_or('\u{FFFD}')
                    } else {
                        // A lone high surrogate followed by another escape: read that one
                        // on its own.
                        self.pos = save;
                        '\u{FFFD}'
                    }
                } else {
                    char::from_u32(first).unwrap_or('\u{FFFD}')
                }
            }
            _ => return Err(SpanError::Invalid),
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32, SpanError> {
        let digits = self
            .bytes
            .get(self.pos..self.pos + 4)
            .ok_or(SpanError::Invalid)?;
        let mut value = 0u32;
        for &d in digits {
            let v = (d as char).to_digit(16).ok_or(SpanError::Invalid)?;
            value = value * 16 + v;
        }
        self.pos += 4;
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_cover_the_written_values() {
        let text = r#" {"a" : [1, "x\u00e9", {"b":null}], "c":-0 } "#;
        let root = parse(text, 10).unwrap();
        assert_eq!(&text[root.start..root.end], &text[1..text.len() - 1]);
        let Kind::Object(members) = &root.kind else {
            panic!()
        };
        assert_eq!(members[0].key, "a");
        assert_eq!(
            &text[members[0].key_start..members[0].key_start + 3],
            "\"a\""
        );
        let Kind::Array(items) = &members[0].value.kind else {
            panic!()
        };
        assert_eq!(items[1].kind, Kind::String("xé".into()));
        assert_eq!(&text[items[2].start..items[2].end], r#"{"b":null}"#);
        assert_eq!(&text[members[1].value.start..members[1].value.end], "-0");
    }

    #[test]
    fn lone_surrogates_are_read_not_refused() {
        let root = parse(
            r#"["\ud800", "\udc00x", "\ud83d\ude00", "\ud800\u0041"]"#,
            4,
        )
        .unwrap();
        let Kind::Array(items) = root.kind else {
            panic!()
        };
        let texts: Vec<_> = items
            .iter()
            .map(|n| match &n.kind {
                Kind::String(s) => s.clone(),
                _ => panic!(),
            })
            .collect();
        assert_eq!(texts, ["\u{FFFD}", "\u{FFFD}x", "😀", "\u{FFFD}A"]);
    }

    #[test]
    fn malformed_and_deep_text_is_refused() {
        for bad in [
            "", "{", r#"{"a"}"#, "[1,]", "01x", r#""\x""#, "[1] 2", "\"a\nb\"",
        ] {
            assert_eq!(parse(bad, 10), Err(SpanError::Invalid), "{bad:?}");
        }
        assert_eq!(parse("[[[1]]]", 2), Err(SpanError::TooDeep));
        assert!(parse("[[[1]]]", 3).is_ok());
    }
}
