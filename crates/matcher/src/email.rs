//! E-mail addresses: normalization of the subject's address and discovery of candidate
//! addresses inside arbitrary stored text.
//!
//! Addresses are compared whole and case-insensitively, with the domain in its ASCII
//! (punycode) form, because that is how mail systems treat them in practice: `John@Pizza.com`
//! reaches the same mailbox as `john@pizza.com`, and `bücher.de` is `xn--bcher-kva.de` on
//! the wire. Sub-addresses (`john+news@…`) and dots in the local part are *not* folded:
//! they may be different mailboxes, and erasing someone else's data is worse than a miss.

use std::borrow::Cow;

/// The longest local part RFC 5321 allows.
pub const MAX_LOCAL_LEN: usize = 64;

/// The longest domain RFC 1035 allows.
pub const MAX_DOMAIN_LEN: usize = 253;

/// Size of the stack buffer that lower-cases an ASCII candidate without allocating.
const CANDIDATE_BUF_LEN: usize = MAX_LOCAL_LEN + 1 + MAX_DOMAIN_LEN;

/// Why a string is not a usable e-mail address. Messages never contain the input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Not exactly one `@`.
    #[error("an e-mail address has exactly one @ between the local part and the domain")]
    AtSign,
    /// Nothing before `@`.
    #[error("the e-mail address has nothing before the @")]
    EmptyLocalPart,
    /// Local part longer than 64 bytes.
    #[error("the part before the @ is longer than 64 characters")]
    LocalPartTooLong,
    /// Quoted or otherwise unusual local part.
    #[error("the part before the @ holds a space, quote, bracket or other character addresses cannot have unquoted, or has a leading, trailing or double dot; quoted local parts are not supported, use --match text")]
    InvalidLocalPart,
    /// Domain is not a valid (internationalized) host name with a dot.
    #[error("the part after the @ is not a domain name such as example.com")]
    InvalidDomain,
}

/// Whether `c` may appear in a local part and usually does (letters, digits, `._%+-`).
/// A candidate address never starts in the middle of a run of these.
fn is_local_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '.' | '_' | '%' | '+' | '-')
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// Characters RFC 5322 allows in a local part (atext) but that text also uses as delimiters
/// (`mailto:?to=john@…`, `'john@…'`). They are part of the local part: the address in
/// `o'neil@…` is `o'neil@…`, not `neil@…`. An address that is only found by dropping the
/// text up to one of them is another candidate, marked [`Candidate::after_symbol`].
fn is_weak_local_char(c: char) -> bool {
    matches!(
        c,
        '!' | '#' | '$' | '&' | '\'' | '*' | '/' | '=' | '?' | '^' | '`' | '{' | '|' | '}' | '~'
    )
}

/// Whether `c` may appear in a domain as found in text; `_` is included so that
/// `pizza.com_old` is one token rather than `pizza.com` followed by junk.
fn is_domain_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '-' | '.' | '_')
        || (!c.is_ascii() && (c.is_alphanumeric() || is_unicode_dot(c)))
}

/// The dots UTS-46 maps to `.` in a domain: the ideographic full stop (U+3002), the
/// fullwidth full stop (U+FF0E) and the halfwidth ideographic full stop (U+FF61). Text
/// written in Chinese or Japanese puts them between labels (`pizza。com`) and after a
/// sentence; IDNA reads them as dots.
fn is_unicode_dot(c: char) -> bool {
    matches!(c, '\u{3002}' | '\u{ff0e}' | '\u{ff61}')
}

/// What ends a domain read in text without being part of it: sentence punctuation, in any
/// of the dots [`is_unicode_dot`] accepts.
const DOMAIN_TRAILERS: [char; 5] = ['.', '-', '\u{3002}', '\u{ff0e}', '\u{ff61}'];

/// Normalizes an address the operator gave: local part Unicode lower-cased, domain IDNA to
/// ASCII (lower case, punycode). Only the common unquoted form is accepted.
pub fn normalize_email(input: &str) -> Result<String, EmailError> {
    let input = input.trim();
    let (local, domain) = input.split_once('@').ok_or(EmailError::AtSign)?;
    if domain.contains('@') {
        return Err(EmailError::AtSign);
    }
    if local.is_empty() {
        return Err(EmailError::EmptyLocalPart);
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(EmailError::LocalPartTooLong);
    }
    let local_ok = local
        .chars()
        .all(|c| is_local_char(c) || is_weak_local_char(c))
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..");
    if !local_ok {
        return Err(EmailError::InvalidLocalPart);
    }
    let domain = normalize_domain(domain).ok_or(EmailError::InvalidDomain)?;
    let mut out = local.to_lowercase();
    out.push('@');
    out.push_str(&domain);
    Ok(out)
}

/// IDNA-to-ASCII and host-name checks: at least two labels, each 1–63 letters, digits or
/// inner hyphens, and a top-level label that is not all digits.
fn normalize_domain(domain: &str) -> Option<String> {
    if domain.is_empty() || domain.len() > MAX_DOMAIN_LEN * 4 {
        return None;
    }
    let ascii = idna::domain_to_ascii(domain).ok()?;
    if ascii.len() > MAX_DOMAIN_LEN {
        return None;
    }
    let labels: Vec<&str> = ascii.split('.').collect();
    let labels_ok = labels.len() >= 2
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
        && !labels.last()?.bytes().all(|b| b.is_ascii_digit());
    labels_ok.then_some(ascii)
}

/// An address-shaped piece of text: the local part and domain exactly as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Candidate<'t> {
    pub(crate) local: &'t str,
    pub(crate) domain: &'t str,
    /// The local part starts right after a character that may be part of a local part
    /// (`'`, `=`, `/`...): the address written is longer (`o'neil@…` for `neil@…`), and
    /// this one is only read by guessing that the character was a delimiter.
    pub(crate) after_symbol: bool,
}

/// How a candidate's spelling relates to its normalized form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spelling {
    /// Already normalized.
    Normalized,
    /// Differs only in letter case.
    CaseDiffers,
    /// The domain was written in Unicode and converted to punycode.
    UnicodeDomain,
}

/// Calls `f` with every candidate address in `text`: for each `@` (found with memchr), the
/// run of domain characters after it and the whole run of local-part characters (RFC 5322
/// atext and dots) before it, plus each shorter local part that starts after one of the
/// atext characters text also uses as delimiters (`=`, `'`, `/`…), marked
/// [`Candidate::after_symbol`]. Candidates whose local part or domain are empty or too long
/// are skipped.
pub(crate) fn for_each_candidate<'t>(text: &'t str, mut f: impl FnMut(Candidate<'t>)) {
    for at in memchr::memchr_iter(b'@', text.as_bytes()) {
        let domain = domain_after(&text[at + 1..]);
        if domain.is_empty() || domain.len() > MAX_DOMAIN_LEN * 4 {
            continue;
        }
        let before = &text[..at];
        let mut start = at;
        let mut chars = 0;
        let mut full_run_ok = true;
        let mut next_is_ascii = false;
        for (i, c) in before.char_indices().rev() {
            // An ideograph, kana or hangul right before ASCII may be a word written without
            // a space (`邮箱john@…`, "mailbox john@…") or part of an internationalized local
            // part: the address after it is only read by guessing, like after a symbol.
            if is_weak_local_char(c) || (next_is_ascii && crate::text::is_unspaced_script(c)) {
                emit_local(&before[i + c.len_utf8()..], domain, true, &mut f);
            }
            if !is_local_char(c) && !is_weak_local_char(c) {
                break;
            }
            next_is_ascii = c.is_ascii();
            chars += 1;
            start = i;
            if chars > MAX_LOCAL_LEN {
                full_run_ok = false;
                break;
            }
        }
        if full_run_ok {
            emit_local(&before[start..], domain, false, &mut f);
        }
    }
}

/// Emits one candidate if the local part is plausible.
fn emit_local<'t>(
    local: &'t str,
    domain: &'t str,
    after_symbol: bool,
    f: &mut impl FnMut(Candidate<'t>),
) {
    let local = local.trim_start_matches('.');
    if !local.is_empty() && local.len() <= MAX_LOCAL_LEN {
        f(Candidate {
            local,
            domain,
            after_symbol,
        });
    }
}

/// The domain that starts `after` (the text after an `@`): the run of domain characters,
/// without trailing dots (in any spelling [`is_unicode_dot`] accepts) or hyphens (sentence
/// punctuation).
pub(crate) fn domain_after(after: &str) -> &str {
    // Byte by byte while the domain is ASCII (nearly always: every `@` of every value a
    // search for many addresses reads comes here), character by character from the first
    // byte outside ASCII, which is a char boundary.
    let bytes = after.as_bytes();
    let ascii_end = bytes
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')))
        .unwrap_or(bytes.len());
    let end = if bytes.get(ascii_end).is_some_and(|b| !b.is_ascii()) {
        after[ascii_end..]
            .char_indices()
            .find(|&(_, c)| !is_domain_char(c))
            .map_or(after.len(), |(i, _)| ascii_end + i)
    } else {
        ascii_end
    };
    after[..end].trim_end_matches(DOMAIN_TRAILERS)
}

/// Normalizes a candidate the way [`normalize_email`] normalizes the subject's address, so
/// that equal forms mean the same address. ASCII candidates (nearly all) are lower-cased into
/// `buf` without allocating; others allocate.
pub(crate) fn normalize_candidate<'b>(
    candidate: Candidate<'_>,
    buf: &'b mut [u8; CANDIDATE_BUF_LEN],
) -> Option<(Cow<'b, str>, Spelling)> {
    let Candidate { local, domain, .. } = candidate;
    if local.is_ascii() && domain.is_ascii() {
        if domain.len() > MAX_DOMAIN_LEN {
            return None;
        }
        let total = local.len() + 1 + domain.len();
        let out = &mut buf[..total];
        out[..local.len()].copy_from_slice(local.as_bytes());
        out[local.len()] = b'@';
        out[local.len() + 1..].copy_from_slice(domain.as_bytes());
        let mut changed = false;
        for b in out.iter_mut() {
            if b.is_ascii_uppercase() {
                *b = b.to_ascii_lowercase();
                changed = true;
            }
        }
        let spelling = if changed {
            Spelling::CaseDiffers
        } else {
            Spelling::Normalized
        };
        let s = std::str::from_utf8(&buf[..total]).expect("ASCII stays UTF-8");
        return Some((Cow::Borrowed(s), spelling));
    }
    let ascii_domain = if domain.is_ascii() {
        domain.to_ascii_lowercase()
    } else {
        idna::domain_to_ascii(domain).ok()?
    };
    let lower_local = local.to_lowercase();
    let spelling = if !domain.is_ascii() {
        Spelling::UnicodeDomain
    } else if lower_local != local || ascii_domain != domain {
        Spelling::CaseDiffers
    } else {
        Spelling::Normalized
    };
    let mut out = lower_local;
    out.push('@');
    out.push_str(&ascii_domain);
    Some((Cow::Owned(out), spelling))
}

/// A fresh buffer for [`normalize_candidate`].
pub(crate) fn candidate_buf() -> [u8; CANDIDATE_BUF_LEN] {
    [0; CANDIDATE_BUF_LEN]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_after_reads_as_the_character_rule_does() {
        let by_chars = |after: &str| {
            let end = after
                .char_indices()
                .find(|&(_, c)| !is_domain_char(c))
                .map_or(after.len(), |(i, _)| i);
            after[..end].trim_end_matches(DOMAIN_TRAILERS).to_string()
        };
        for after in [
            "pizza.com",
            "pizza.com>",
            "pizza.com.\" there",
            "b\u{fc}cher.de, x",
            "pizza.c\u{f6}m",
            "\u{65e5}\u{672c}.jp",
            "a_b.c-",
            "x.com\u{a0}y",
            "x.com\u{2014}y",
            "",
            "-.",
            "PIZZA.COM\"",
            "pizza\u{3002}com\u{3002} x",
            "pizza\u{ff0e}com\u{ff61}",
        ] {
            assert_eq!(domain_after(after), by_chars(after), "{after:?}");
        }
    }

    fn candidates(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        for_each_candidate(text, |c| out.push(format!("{}@{}", c.local, c.domain)));
        out
    }

    #[test]
    fn normalizes_case_and_idna() {
        assert_eq!(normalize_email("John@Pizza.COM").unwrap(), "john@pizza.com");
        assert_eq!(
            normalize_email(" jöhn@bücher.de ").unwrap(),
            "jöhn@xn--bcher-kva.de"
        );
        assert_eq!(
            normalize_email("JÖHN@XN--BCHER-KVA.DE").unwrap(),
            "jöhn@xn--bcher-kva.de"
        );
        assert_eq!(
            normalize_email("o'brien+tag@example.co.uk").unwrap(),
            "o'brien+tag@example.co.uk"
        );
    }

    #[test]
    fn normalization_is_idempotent() {
        for s in ["John@Pizza.COM", "jöhn@bücher.de", "ÅSA@Exämple.se"] {
            let once = normalize_email(s).unwrap();
            assert_eq!(normalize_email(&once).unwrap(), once);
        }
    }

    #[test]
    fn refuses_malformed_addresses() {
        assert_eq!(normalize_email("john.pizza.com"), Err(EmailError::AtSign));
        assert_eq!(normalize_email("a@b@c.com"), Err(EmailError::AtSign));
        assert_eq!(
            normalize_email("@pizza.com"),
            Err(EmailError::EmptyLocalPart)
        );
        assert_eq!(
            normalize_email("jo hn@pizza.com"),
            Err(EmailError::InvalidLocalPart)
        );
        assert_eq!(
            normalize_email(".john@pizza.com"),
            Err(EmailError::InvalidLocalPart)
        );
        assert_eq!(
            normalize_email("jo..hn@pizza.com"),
            Err(EmailError::InvalidLocalPart)
        );
        assert_eq!(
            normalize_email("john@pizza"),
            Err(EmailError::InvalidDomain)
        );
        assert_eq!(
            normalize_email("john@pizza..com"),
            Err(EmailError::InvalidDomain)
        );
        assert_eq!(
            normalize_email("john@-pizza.com"),
            Err(EmailError::InvalidDomain)
        );
        assert_eq!(
            normalize_email("john@1.2.3.4"),
            Err(EmailError::InvalidDomain)
        );
        assert_eq!(
            normalize_email(&format!("{}@pizza.com", "a".repeat(65))),
            Err(EmailError::LocalPartTooLong)
        );
    }

    #[test]
    fn finds_addresses_with_boundaries() {
        assert_eq!(candidates("John <JOHN@Pizza.com>"), ["JOHN@Pizza.com"]);
        assert_eq!(candidates("xjohn@pizza.com"), ["xjohn@pizza.com"]);
        assert_eq!(candidates("john@pizza.com.au"), ["john@pizza.com.au"]);
        assert_eq!(candidates("john@pizza.comx"), ["john@pizza.comx"]);
        assert_eq!(candidates("write to john@pizza.com."), ["john@pizza.com"]);
        assert_eq!(
            candidates("mailto:john@pizza.com?subject=x"),
            ["john@pizza.com"]
        );
        assert_eq!(
            candidates("?to=john@pizza.com"),
            ["john@pizza.com", "to=john@pizza.com", "?to=john@pizza.com"]
        );
        assert_eq!(
            candidates("'o'brien@x.ie'"),
            ["brien@x.ie", "o'brien@x.ie", "'o'brien@x.ie"]
        );
        assert_eq!(candidates("@ a@ @b"), Vec::<String>::new());
        assert_eq!(candidates("john@pizza.com_old"), ["john@pizza.com_old"]);
    }

    #[test]
    fn only_the_whole_local_part_is_not_after_a_symbol() {
        let mut out = Vec::new();
        for_each_candidate("x o'neil@pizza.com", |c| {
            out.push((c.local, c.after_symbol))
        });
        assert_eq!(out, [("neil", true), ("o'neil", false)]);
        assert_eq!(domain_after("pizza\u{3002}com\u{3002}"), "pizza\u{3002}com");
    }

    #[test]
    fn long_runs_are_not_candidates_but_their_tails_are() {
        let text = format!("{}=john@pizza.com", "x".repeat(100));
        assert_eq!(candidates(&text), ["john@pizza.com"]);
    }

    #[test]
    fn candidate_normalization() {
        let mut buf = candidate_buf();
        let c = Candidate {
            local: "JOHN",
            domain: "Pizza.com",
            after_symbol: false,
        };
        let (s, sp) = normalize_candidate(c, &mut buf).unwrap();
        assert_eq!((s.as_ref(), sp), ("john@pizza.com", Spelling::CaseDiffers));
        let c = Candidate {
            local: "jöhn",
            domain: "bücher.de",
            after_symbol: false,
        };
        let (s, sp) = normalize_candidate(c, &mut buf).unwrap();
        assert_eq!(
            (s.as_ref(), sp),
            ("jöhn@xn--bcher-kva.de", Spelling::UnicodeDomain)
        );
        let c = Candidate {
            local: "jöhn",
            domain: "xn--bcher-kva.de",
            after_symbol: false,
        };
        let (s, sp) = normalize_candidate(c, &mut buf).unwrap();
        assert_eq!(
            (s.as_ref(), sp),
            ("jöhn@xn--bcher-kva.de", Spelling::Normalized)
        );
    }
}
