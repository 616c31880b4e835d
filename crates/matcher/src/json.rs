//! A streaming JSON walker that visits every object key and string value without building
//! a tree.
//!
//! A scan matches every row of a large table, so parsing a setting into a `serde_json::Value`
//! (one allocation per string) would dominate its cost. This walker borrows unescaped strings
//! straight from the input, decodes escaped ones into one reused buffer, keeps the path as
//! borrowed frames on an explicit stack (no recursion, so deep nesting cannot overflow the
//! thread's stack), and builds a [`JsonPath`] only when the caller asks for one.

use crate::path::{JsonPath, PathSegment};

/// Why the walk stopped before the end of the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WalkError {
    /// The input is not one well-formed JSON value.
    Invalid,
    /// Containers are nested deeper than the limit.
    TooDeep,
}

/// One open container on the way to the current value.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Frame<'a> {
    /// Inside an object, at the member whose key is written (escapes and all) as `key`.
    Object { key: &'a str, escaped: bool },
    /// Inside an array, at element `index`.
    Array { index: usize },
}

/// What the walker hands to its visitor for each scalar worth searching.
pub(crate) struct Visit<'s, 'f, 'a> {
    /// The decoded text of a string, or the digits of an integer.
    pub(crate) text: &'s str,
    /// The containers around it, outermost first.
    pub(crate) frames: &'f [Frame<'a>],
    /// Whether the text is an object key (its frames are its member's).
    pub(crate) key: bool,
}

/// Builds the path of a visited value from its frames, decoding escaped keys.
pub(crate) fn path_of(frames: &[Frame<'_>]) -> JsonPath {
    let segments = frames
        .iter()
        .map(|frame| match *frame {
            Frame::Array { index } => PathSegment::Index(index),
            Frame::Object {
                key,
                escaped: false,
            } => PathSegment::Key(key.to_string()),
            Frame::Object { key, escaped: true } => {
                let mut out = String::with_capacity(key.len());
                decode_escapes(key, &mut out);
                PathSegment::Key(out)
            }
        })
        .collect();
    JsonPath::new(segments)
}

/// Hands an object member's key to the visitor, with the member's frames: a key is searched
/// like a value, at the member's path (`{"byAddress": {"ann@example.org": {…}}}`).
fn visit_key<'a>(
    key: &'a str,
    escaped: bool,
    frames: &[Frame<'a>],
    scratch: &mut String,
    visit: &mut impl FnMut(Visit<'_, '_, 'a>),
) {
    let text = if escaped {
        scratch.clear();
        decode_escapes(key, scratch);
        scratch.as_str()
    } else {
        key
    };
    visit(Visit {
        text,
        frames,
        key: true,
    });
}

/// Walks the JSON value in `src`, calling `visit` for every object key (before the
/// member's value, with the member's frames), every string value and every integer (phone
/// numbers are sometimes stored as numbers). Fails on malformed input or nesting deeper
/// than `max_depth`; the visitor may already have been called then.
pub(crate) fn walk<'a>(
    src: &'a str,
    max_depth: usize,
    mut visit: impl FnMut(Visit<'_, '_, 'a>),
) -> Result<(), WalkError> {
    let mut walker = Walker {
        src,
        bytes: src.as_bytes(),
        pos: 0,
    };
    let mut frames: Vec<Frame<'a>> = Vec::new();
    let mut scratch = String::new();
    'value: loop {
        walker.skip_ws();
        match walker.peek().ok_or(WalkError::Invalid)? {
            b'{' => {
                walker.pos += 1;
                walker.skip_ws();
                if walker.eat(b'}') {
                    // Empty object: a complete value.
                } else {
                    if frames.len() >= max_depth {
                        return Err(WalkError::TooDeep);
                    }
                    let (key, escaped) = walker.member_key()?;
                    frames.push(Frame::Object { key, escaped });
                    visit_key(key, escaped, &frames, &mut scratch, &mut visit);
                    continue 'value;
                }
            }
            b'[' => {
                walker.pos += 1;
                walker.skip_ws();
                if !walker.eat(b']') {
                    if frames.len() >= max_depth {
                        return Err(WalkError::TooDeep);
                    }
                    frames.push(Frame::Array { index: 0 });
                    continue 'value;
                }
            }
            b'"' => {
                let (raw, escaped) = walker.string()?;
                let text = if escaped {
                    scratch.clear();
                    decode_escapes(raw, &mut scratch);
                    scratch.as_str()
                } else {
                    raw
                };
                visit(Visit {
                    text,
                    frames: &frames,
                    key: false,
                });
            }
            b'-' | b'0'..=b'9' => {
                let (raw, integer) = walker.number()?;
                if integer {
                    visit(Visit {
                        text: raw,
                        frames: &frames,
                        key: false,
                    });
                }
            }
            b't' => walker.literal("true")?,
            b'f' => walker.literal("false")?,
            b'n' => walker.literal("null")?,
            _ => return Err(WalkError::Invalid),
        }
        // A value is complete: close containers until one expects another value.
        loop {
            walker.skip_ws();
            match frames.last_mut() {
                None => {
                    return if walker.pos == walker.bytes.len() {
                        Ok(())
                    } else {
                        Err(WalkError::Invalid)
                    };
                }
                Some(Frame::Object { key, escaped }) => match walker.next_byte()? {
                    b',' => {
                        walker.skip_ws();
                        (*key, *escaped) = walker.member_key()?;
                        let (key, escaped) = (*key, *escaped);
                        visit_key(key, escaped, &frames, &mut scratch, &mut visit);
                        continue 'value;
                    }
                    b'}' => {
                        frames.pop();
                    }
                    _ => return Err(WalkError::Invalid),
                },
                Some(Frame::Array { index }) => match walker.next_byte()? {
                    b',' => {
                        *index += 1;
                        continue 'value;
                    }
                    b']' => {
                        frames.pop();
                    }
                    _ => return Err(WalkError::Invalid),
                },
            }
        }
    }
}

/// The cursor over the input.
struct Walker<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Walker<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next_byte(&mut self) -> Result<u8, WalkError> {
        let b = self.peek().ok_or(WalkError::Invalid)?;
        self.pos += 1;
        Ok(b)
    }

    fn eat(&mut self, b: u8) -> bool {
        let found = self.peek() == Some(b);
        if found {
            self.pos += 1;
        }
        found
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    /// Reads `"key"` and the `:` after it.
    fn member_key(&mut self) -> Result<(&'a str, bool), WalkError> {
        if self.peek() != Some(b'"') {
            return Err(WalkError::Invalid);
        }
        let key = self.string()?;
        self.skip_ws();
        if !self.eat(b':') {
            return Err(WalkError::Invalid);
        }
        Ok(key)
    }

    /// Reads a string starting at its opening quote; returns its raw content (between the
    /// quotes, escapes undecoded) and whether it has escapes. Escapes are validated.
    fn string(&mut self) -> Result<(&'a str, bool), WalkError> {
        let start = self.pos + 1;
        let mut i = start;
        let mut escaped = false;
        loop {
            let offset =
                memchr::memchr2(b'"', b'\\', &self.bytes[i..]).ok_or(WalkError::Invalid)?;
            i += offset;
            if self.bytes[i] == b'"' {
                self.pos = i + 1;
                // Both ends are at ASCII quotes, so the slice is on char boundaries.
                return Ok((&self.src[start..i], escaped));
            }
            escaped = true;
            match self.bytes.get(i + 1) {
                Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => i += 2,
                Some(b'u') => {
                    let hex = self.bytes.get(i + 2..i + 6).ok_or(WalkError::Invalid)?;
                    if !hex.iter().all(u8::is_ascii_hexdigit) {
                        return Err(WalkError::Invalid);
                    }
                    i += 6;
                }
                _ => return Err(WalkError::Invalid),
            }
        }
    }

    /// Reads a number; returns its text and whether it is a plain integer.
    fn number(&mut self) -> Result<(&'a str, bool), WalkError> {
        let start = self.pos;
        self.eat(b'-');
        let int_start = self.pos;
        self.digits();
        let int_len = self.pos - int_start;
        if int_len == 0 || (int_len > 1 && self.bytes[int_start] == b'0') {
            return Err(WalkError::Invalid);
        }
        let mut integer = true;
        if self.eat(b'.') {
            integer = false;
            if self.digits() == 0 {
                return Err(WalkError::Invalid);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            integer = false;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if self.digits() == 0 {
                return Err(WalkError::Invalid);
            }
        }
        Ok((&self.src[start..self.pos], integer))
    }

    /// Skips ASCII digits; returns how many.
    fn digits(&mut self) -> usize {
        let start = self.pos;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos += 1;
        }
        self.pos - start
    }

    fn literal(&mut self, word: &str) -> Result<(), WalkError> {
        if self.bytes[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(WalkError::Invalid)
        }
    }
}

/// Appends the decoded form of the raw (already validated) string content `raw` to `out`.
/// Lone surrogates become U+FFFD.
pub(crate) fn decode_escapes(raw: &str, out: &mut String) {
    let mut rest = raw;
    while let Some(backslash) = rest.find('\\') {
        out.push_str(&rest[..backslash]);
        let after = &rest[backslash + 1..];
        let mut chars = after.chars();
        let consumed = match chars.next() {
            Some('u') => {
                let unit = hex4(&after[1..]);
                match unit {
                    Some(hi @ 0xD800..=0xDBFF) => {
                        let low = after[5..].strip_prefix("\\u").and_then(hex4);
                        match low {
                            Some(lo @ 0xDC00..=0xDFFF) => {
                                let c = 0x10000
                                    + ((u32::from(hi) - 0xD800) << 10)
                                    + (u32::from(lo) - 0xDC00);
                                out.push(char::from_u32(c).unwrap_or('\u{FFFD}'));
                                11
                            }
                            _ => {
                                out.push('\u{FFFD}');
                                5
                            }
                        }
                    }
                    Some(unit) => {
                        out.push(char::from_u32(u32::from(unit)).unwrap_or('\u{FFFD}'));
                        5
                    }
                    None => {
                        out.push('\u{FFFD}');
                        1
                    }
                }
            }
            Some(c) => {
                out.push(match c {
                    'b' => '\u{8}',
                    'f' => '\u{c}',
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    other => other,
                });
                c.len_utf8()
            }
            None => 0,
        };
        rest = &after[consumed..];
    }
    out.push_str(rest);
}

/// Parses four hex digits at the start of `s`.
fn hex4(s: &str) -> Option<u16> {
    let digits = s.get(..4)?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(digits, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(src: &str) -> Result<Vec<(String, String)>, WalkError> {
        let mut out = Vec::new();
        walk(src, 128, |v| {
            out.push((path_of(v.frames).to_string(), v.text.to_string()))
        })?;
        Ok(out)
    }

    #[test]
    fn visits_every_key_and_string_value_with_its_path() {
        let got = collect(r#"{"id":"x","phones":[{"number":"1"},{"n":["a","b"]}],"odd key":{"k":"v"},"e":{},"f":[]}"#)
            .unwrap();
        // A key is visited before its value, at the member's path.
        let want = [
            ("$.id", "id"),
            ("$.id", "x"),
            ("$.phones", "phones"),
            ("$.phones[0].number", "number"),
            ("$.phones[0].number", "1"),
            ("$.phones[1].n", "n"),
            ("$.phones[1].n[0]", "a"),
            ("$.phones[1].n[1]", "b"),
            ("$[\"odd key\"]", "odd key"),
            ("$[\"odd key\"].k", "k"),
            ("$[\"odd key\"].k", "v"),
            ("$.e", "e"),
            ("$.f", "f"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn decodes_escapes_in_values_and_keys() {
        let got = collect(r#"{"a\"b":"x\u0040y\n\ud83d\ude00\/"}"#).unwrap();
        assert_eq!(
            got,
            [
                ("$[\"a\\\"b\"]".to_string(), "a\"b".to_string()),
                ("$[\"a\\\"b\"]".to_string(), "x@y\n😀/".to_string())
            ]
        );
        let mut s = String::new();
        decode_escapes(r"\ud800x", &mut s);
        assert_eq!(s, "\u{FFFD}x");
    }

    #[test]
    fn visits_integers_but_not_other_scalars() {
        let got = collect(r#"[15550101234, 1.5, -2e3, true, false, null]"#).unwrap();
        assert_eq!(got, [("$[0]".to_string(), "15550101234".to_string())]);
    }

    #[test]
    fn scalars_at_the_root() {
        assert_eq!(
            collect(r#" "x" "#).unwrap(),
            [("$".to_string(), "x".to_string())]
        );
        assert_eq!(collect("null").unwrap(), []);
    }

    #[test]
    fn rejects_malformed_json() {
        for bad in [
            "",
            "{",
            "[1,]",
            "{\"a\"}",
            "{\"a\":1,}",
            "\"abc",
            "[1 2]",
            "{} {}",
            "01",
            "1.",
            "-",
            "tru",
            "\"\\x\"",
            "\"\\u12g4\"",
            "{1:2}",
            "plain text with john@pizza.com",
        ] {
            assert_eq!(collect(bad), Err(WalkError::Invalid), "{bad}");
        }
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion() {
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(collect(&deep), Err(WalkError::TooDeep));
        let ok = format!("{}\"x\"{}", "[".repeat(128), "]".repeat(128));
        assert_eq!(collect(&ok).unwrap().len(), 1);
        let mut deep_obj = String::new();
        for _ in 0..10_000 {
            deep_obj.push_str("{\"a\":");
        }
        assert_eq!(collect(&deep_obj), Err(WalkError::TooDeep));
    }

    #[test]
    fn matches_serde_json_on_valid_documents() {
        let doc = r#"{"a":[1,{"b":"c\u00e9"}],"d":"\\"}"#;
        let value: serde_json::Value = serde_json::from_str(doc).unwrap();
        assert_eq!(value["a"][1]["b"], "cé");
        // Keys `a`, `b`, `d` come before their values.
        assert_eq!(collect(doc).unwrap()[3].1, "cé");
        assert_eq!(collect(doc).unwrap()[5].1, "\\");
    }
}
