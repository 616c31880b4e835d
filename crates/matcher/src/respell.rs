//! Spellings that hide an identifier from a plain reading, undone before a second look.
//!
//! Stored text sometimes writes an address or a number in a way no person would type but
//! every screen shows (or a link decodes) as the same thing:
//!
//! - the at-sign encoded: `%40` (a `mailto:` link), `&#64;`, `&#x40;`, `&commat;` (HTML);
//! - invisible characters inside (a zero-width space or joiner, a word joiner, a BOM, a
//!   bidirectional mark or override), often from a copy and paste out of a web page;
//! - fullwidth forms (`＋４４`, `ｊｏｈｎ＠…`) and Arabic-Indic or Extended Arabic-Indic
//!   digits (`٠١٢`, `۰۱۲`).
//!
//! [`respelled`] returns a copy with all of these undone, or `None` when the text holds none
//! of them, which is checked without allocating: the usual text costs a few byte scans.

use crate::invisible::is_invisible;

/// Whether `text` may hold a spelling [`respelled`] undoes.
pub(crate) fn needs_respelling(text: &str) -> bool {
    let bytes = text.as_bytes();
    if memchr::memchr2(b'%', b'&', bytes).is_some() && has_encoded_at(text) {
        return true;
    }
    // Every character undone outside ASCII is in U+00AD..U+E007F: its UTF-8 form starts with
    // a byte of 0xC2 or above. Pure ASCII text (the usual case) is ruled out at once.
    !text.is_ascii()
        && text
            .chars()
            .any(|c| !c.is_ascii() && respell_char(c) != Some(c))
}

fn has_encoded_at(text: &str) -> bool {
    text.match_indices(['%', '&'])
        .any(|(i, _)| encoded_at_len(&text[i..]).is_some())
}

/// The length of an encoded at-sign at the start of `s`, if there is one.
fn encoded_at_len(s: &str) -> Option<usize> {
    if s.starts_with("%40") {
        return Some(3);
    }
    if s.starts_with("&commat;") {
        return Some(8);
    }
    let rest = s.strip_prefix("&#")?;
    let (digits, radix, skip) = match rest.strip_prefix(['x', 'X']) {
        Some(hex) => (hex, 16, 3),
        None => (rest, 10, 2),
    };
    let end = digits.find(';')?;
    if end == 0 || end > 8 {
        return None;
    }
    let value = u32::from_str_radix(&digits[..end], radix).ok()?;
    (value == 0x40).then_some(skip + end + 1)
}

/// What a character becomes: `None` to drop it (invisible), itself when unchanged.
fn respell_char(c: char) -> Option<char> {
    match c {
        c if is_invisible(c) => None,
        // Fullwidth ASCII: U+FF01..U+FF5E are U+0021..U+007E.
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFF01 + 0x21),
        '\u{0660}'..='\u{0669}' => char::from_u32(c as u32 - 0x0660 + u32::from(b'0')),
        '\u{06F0}'..='\u{06F9}' => char::from_u32(c as u32 - 0x06F0 + u32::from(b'0')),
        c => Some(c),
    }
}

/// `text` with encoded at-signs decoded, invisible characters dropped and fullwidth and
/// Arabic-Indic forms replaced by ASCII; `None` when nothing changes.
pub(crate) fn respelled(text: &str) -> Option<String> {
    if !needs_respelling(text) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        if let Some(len) = encoded_at_len(rest) {
            out.push('@');
            i += len;
            continue;
        }
        let c = rest.chars().next().expect("i is a char boundary");
        if let Some(r) = respell_char(c) {
            out.push(r);
        }
        i += c.len_utf8();
    }
    (out != text).then_some(out)
}

/// Whether raw stored bytes may hold a respelled at-sign or digit, for the cheap checks the
/// scan makes before parsing a value: an encoded at-sign needs `%` or `&`; fullwidth and
/// Arabic-Indic digits start with one of three UTF-8 lead bytes.
pub(crate) fn may_hide_at(bytes: &[u8]) -> bool {
    memchr::memchr2(b'%', b'&', bytes).is_some() || memchr::memchr(0xEF, bytes).is_some()
}

/// See [`may_hide_at`]: fullwidth digits (lead byte 0xEF), Arabic-Indic (0xD9) and Extended
/// Arabic-Indic (0xDB) digits.
pub(crate) fn may_hide_digits(bytes: &[u8]) -> bool {
    memchr::memchr3(0xEF, 0xD9, 0xDB, bytes).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undoes_each_spelling() {
        for (given, want) in [
            ("john.smith%40pizza.com", "john.smith@pizza.com"),
            ("john.smith&#64;pizza.com", "john.smith@pizza.com"),
            ("john.smith&#x40;pizza.com", "john.smith@pizza.com"),
            ("john.smith&#X0040;pizza.com", "john.smith@pizza.com"),
            ("john.smith&commat;pizza.com", "john.smith@pizza.com"),
            (
                "john.sm\u{200b}ith@pizza\u{2060}.com\u{feff}",
                "john.smith@pizza.com",
            ),
            ("\u{202e}+1 555\u{200d} 010 0001", "+1 555 010 0001"),
            ("＋１ ５５５ ０１０ ０００１", "+1 555 010 0001"),
            ("+١ ٥٥٥ ٠١٠ ٠٠٠١", "+1 555 010 0001"),
            ("+۱ ۵۵۵ ۰۱۰ ۰۰۰۱", "+1 555 010 0001"),
            ("ｊｏｈｎ＠ｐｉｚｚａ．ｃｏｍ", "john@pizza.com"),
        ] {
            assert_eq!(respelled(given).as_deref(), Some(want), "{given}");
        }
    }

    #[test]
    fn leaves_ordinary_text_alone() {
        for text in [
            "john@pizza.com",
            "100% sure & done",
            "&#65; %41 &#x41;",
            "Zoë Müller, 東京",
            "&#;&#x;&#99999999999;",
        ] {
            assert_eq!(respelled(text), None, "{text}");
        }
    }
}
