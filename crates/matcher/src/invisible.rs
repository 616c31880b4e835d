//! Invisible characters: Unicode format characters (category Cf) and their kin.
//!
//! They matter twice. Stored data may hide them *inside* an identifier (a zero-width space in
//! an e-mail address copied from a web page, a right-to-left mark before a phone number), so
//! the matcher skips them; and stored data may use them to *disguise* what a report shows (a
//! right-to-left override reversing a setting key, a newline starting a fake line), so every
//! human-readable output escapes them with [`printable`].

use std::borrow::Cow;

/// Whether `c` is invisible: a Unicode format character (zero-width space, joiners, word
/// joiner, BOM, soft hyphen, the bidirectional marks, embeddings, overrides and isolates,
/// invisible operators, interlinear annotation, tag characters) or a variation selector.
pub fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}' | '\u{FEFF}'
        | '\u{FFA0}' | '\u{FFF0}'..='\u{FFFB}' | '\u{E0000}'..='\u{E007F}')
}

/// One stored field (a setting key, a group, an owner id, a JSON path, a user name) as it may
/// be shown to a person: every control character (newlines included) and every invisible
/// character is replaced by a visible `\u{..}` escape, so a stored key can neither start a
/// fake line ("Verified: ...") nor reorder, recolour or hide the text around it.
pub fn printable(field: &str) -> Cow<'_, str> {
    if !field.chars().any(|c| c.is_control() || is_invisible(c)) {
        return Cow::Borrowed(field);
    }
    let mut out = String::with_capacity(field.len() + 8);
    for c in field.chars() {
        if c.is_control() || is_invisible(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Like [`printable`] for a whole rendered text whose own line breaks and tabs are kept: a
/// second line of defence behind [`printable`] on each field.
pub fn printable_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c.is_control() && c != '\n' && c != '\t') || is_invisible(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_never_break_a_line_or_hide_text() {
        assert_eq!(
            printable("fav\nVerified: 0 setting(s)"),
            "fav\\u{a}Verified: 0 setting(s)"
        );
        assert_eq!(
            printable("a\u{202e}b\u{200b}c\u{1b}]8;;x\u{7}"),
            "a\\u{202e}b\\u{200b}c\\u{1b}]8;;x\\u{7}"
        );
        assert!(matches!(printable("Zoë Müller"), Cow::Borrowed(_)));
    }

    #[test]
    fn whole_texts_keep_their_lines() {
        assert_eq!(
            printable_lines("fav-1\u{1b}[2J\r\n"),
            "fav-1\\u{1b}[2J\\u{d}\n"
        );
        assert_eq!(printable_lines("Zoë\tok\u{202e}"), "Zoë\tok\\u{202e}");
    }
}
