//! The census: which pieces of a text look like *somebody's* e-mail address or phone number.
//!
//! The matcher answers "is the subject here?"; the census answers the question an erasure
//! must ask before it removes or shows anything: "who else is here?". It knows nothing of the
//! subject: any e-mail-shaped or phone-shaped text counts, so that a unit of erasure (or an
//! export, or a line of a file that promises no personal data) holding another person's
//! identifier is seen, whatever spelling that person's identifier has. It errs on the side
//! of "looks like an identifier": a false alarm costs a review, a miss costs someone else's
//! data.

/// The smallest number of digits a phone-shaped run needs (the shortest international
/// numbers, Niue's, have 7 with their country code).
pub const MIN_PHONE_DIGITS: usize = 7;

/// One identifier-shaped piece of a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The piece, as written.
    pub text: &'a str,
    /// Byte offset in the text searched.
    pub start: usize,
    /// E-mail-shaped or phone-shaped.
    pub shape: Shape,
}

/// What a [`Token`] looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// Something `@` a domain with a dot.
    Email,
    /// A run of at least [`MIN_PHONE_DIGITS`] digits with phone punctuation.
    Phone,
}

/// Whether `text` holds anything identifier-shaped.
pub fn is_identifier_like(text: &str) -> bool {
    let mut any = false;
    tokens(text, &mut |_| any = true);
    any
}

/// Calls `sink` for each identifier-shaped piece of `text`, in order.
pub fn tokens<'a>(text: &'a str, sink: &mut impl FnMut(Token<'a>)) {
    email_tokens(text, sink);
    phone_tokens(text, sink);
}

/// Characters an address's local part may hold (RFC 5322 atext, dots, and any letter).
fn is_local_char(c: char) -> bool {
    c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c)
}

/// Characters of a domain: letters, digits, `-`, `_` and the dots UTS-46 maps to `.`.
fn is_domain_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_') || is_dot(c)
}

fn is_dot(c: char) -> bool {
    matches!(c, '.' | '\u{3002}' | '\u{FF0E}' | '\u{FF61}')
}

/// At-signs as stored: `@`, the fullwidth one, and the URL and HTML encodings.
const AT_SIGNS: [&str; 5] = ["@", "\u{FF20}", "%40", "&#64;", "&#x40;"];

fn email_tokens<'a>(text: &'a str, sink: &mut impl FnMut(Token<'a>)) {
    let mut search_from = 0;
    while search_from < text.len() {
        let next = AT_SIGNS
            .iter()
            .filter_map(|at| {
                text[search_from..]
                    .find(at)
                    .map(|i| (search_from + i, at.len()))
            })
            .min();
        let Some((at, at_len)) = next else { return };
        let local_start = text[..at]
            .char_indices()
            .rev()
            .take_while(|(_, c)| is_local_char(*c))
            .last()
            .map_or(at, |(i, _)| i);
        let after = at + at_len;
        let domain_end = text[after..]
            .char_indices()
            .find(|(_, c)| !is_domain_char(*c))
            .map_or(text.len(), |(i, _)| after + i);
        let domain = text[after..domain_end].trim_end_matches(is_dot);
        let has_dot = domain.chars().any(is_dot)
            && domain
                .split(is_dot)
                .all(|label| !label.is_empty() && label.chars().any(char::is_alphanumeric));
        if local_start < at && has_dot {
            let end = after + domain.len();
            sink(Token {
                text: &text[local_start..end],
                start: local_start,
                shape: Shape::Email,
            });
            search_from = end;
        } else {
            search_from = after;
        }
    }
}

/// Punctuation inside a phone run: what people type between digit groups.
fn is_phone_punct(c: char) -> bool {
    matches!(
        c,
        ' ' | '.' | '-' | '(' | ')' | '/' | '+' | '\u{A0}' | '\u{2009}' | '\u{202F}' | '\u{2010}'
            ..='\u{2015}'
                | '\u{2212}'
                | '\u{3000}'
                | '\u{30FC}'
                | '\u{FF08}'
                | '\u{FF09}'
                | '\u{FF0B}'
                | '\u{FF0D}'
    )
}

fn phone_tokens<'a>(text: &'a str, sink: &mut impl FnMut(Token<'a>)) {
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if !(c.is_numeric() || c == '+' || c == '\u{FF0B}' || c == '(') {
            continue;
        }
        let mut digits = usize::from(c.is_numeric());
        let mut end = start + c.len_utf8();
        let mut last_digit_end = if c.is_numeric() { end } else { start };
        while let Some(&(i, next)) = chars.peek() {
            if next.is_numeric() {
                digits += 1;
                last_digit_end = i + next.len_utf8();
            } else if !is_phone_punct(next) {
                break;
            }
            end = i + next.len_utf8();
            chars.next();
        }
        let _ = end;
        if digits >= MIN_PHONE_DIGITS
            && !looks_like_a_date(&text[start..last_digit_end])
            && !inside_a_word(text, start, last_digit_end)
        {
            sink(Token {
                text: &text[start..last_digit_end],
                start,
                shape: Shape::Phone,
            });
        }
    }
}

/// Whether the digits at `start..end` are part of a longer word of ASCII letters and digits
/// (a GWS user id `0123456789abcdef…`, a UUID, `a5550101234`): an id, not a number. A letter
/// glued on the right is an id too, except an extension (`x23`, `ext23`).
fn inside_a_word(text: &str, start: usize, end: usize) -> bool {
    let before = text[..start].chars().next_back();
    if before.is_some_and(|c| c.is_ascii_alphanumeric()) {
        return true;
    }
    let after = &text[end..];
    match after.chars().next() {
        Some(c) if c.is_ascii_alphabetic() => {
            let lower = after.to_ascii_lowercase();
            let rest = ["extension", "ext", "x"]
                .iter()
                .find_map(|e| lower.strip_prefix(e));
            !rest.is_some_and(|r| {
                r.trim_start_matches(['.', ' '])
                    .starts_with(|c: char| c.is_ascii_digit())
            })
        }
        _ => false,
    }
}

/// `2024-01-05` and `2024/01/05` (with whatever follows): a date, not a number.
fn looks_like_a_date(run: &str) -> bool {
    let b = run.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && (b[4] == b'-' || b[4] == b'/')
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b[4]
        && b[8..10].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<(&str, Shape)> {
        let mut out = Vec::new();
        tokens(text, &mut |t| out.push((t.text, t.shape)));
        out
    }

    #[test]
    fn e_mail_shapes() {
        assert_eq!(
            found("Ann <ann@x.org>, o'neil@pizza.com; bob%40b.co, x@localhost, @a.b, c@d."),
            [
                ("ann@x.org", Shape::Email),
                ("o'neil@pizza.com", Shape::Email),
                ("bob%40b.co", Shape::Email),
            ]
        );
        assert_eq!(
            found("john@pizza。com"),
            [("john@pizza。com", Shape::Email)]
        );
    }

    #[test]
    fn phone_shapes() {
        assert_eq!(
            found("call +1 (555) 010-0001 or 020 7946 0958x12 at 2024-01-05 10:00, id 123456"),
            [
                ("+1 (555) 010-0001", Shape::Phone),
                ("020 7946 0958", Shape::Phone),
            ]
        );
        assert_eq!(found("电话15550100001号"), [("15550100001", Shape::Phone)]);
        assert_eq!(found("电话+1555010000号"), [("+1555010000", Shape::Phone)]);
        assert!(found("DSR5550100001 0123456789abcdef0123456789abcdef a5550101234").is_empty());
        assert_eq!(found("+15550100001x23"), [("+15550100001", Shape::Phone)]);
        assert_eq!(found("5550100001 ext. 4"), [("5550100001", Shape::Phone)]);
        assert!(!is_identifier_like("Mobile"));
        assert!(is_identifier_like("12345678901234567890"));
    }
}
