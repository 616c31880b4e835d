//! The pre-filter's scan of a value's raw bytes: what any e-mail or phone hit must leave in
//! pure ASCII text without escapes, looked for in one pass.
//!
//! A value passes when it holds a byte outside ASCII or a backslash (the full path decides
//! those: a character outside ASCII or a JSON escape can hide a character of an
//! identifier), when it holds one of the e-mail identifiers' domains in any letter case,
//! and, when phone numbers are searched, when it holds `(0)` (a reading drops it wherever it
//! is after the start of an international spelling, `+44 20 7946 (0)958` is +44207946958,
//! so the number's digits may not be contiguous in the text) or when its ASCII digits, read as one string with
//! every other byte dropped, hold the last digits of an identifier's national number
//! (punctuation, `(0)`, prefixes only ever come before those). See `Prefilter` in
//! [`crate::matcher`] for why that is all a hit needs.
//!
//! Every stored value a search reads, and every run of text of a node's files the disk check
//! reads, goes through this scan; most of them hold digits. It used to be five passes over
//! each value (the ASCII test, the backslash, the `(0)`, an automaton for the domains, the
//! digits copied out and searched with another automaton), which with a phone number among
//! the identifiers cost the disk check as much as everything else it does (266 MB/s per core
//! against 529 for an address alone). Here every byte that matters is compared sixteen at a
//! time, 64 bytes per step, and only the few places found are looked at more closely: the
//! rarest byte of a domain is compared with the domain around it, and a digit a tail ends with
//! (when the byte before it is not a digit, or is a digit a tail has just before its last) is
//! read back from, over whatever lies between the digits, and compared with the tail; a
//! read-back stops at the first digit that differs.
//!
//! It answers exactly what the five passes answered (the tests below compare the two).

use wide::u8x16;

/// The scan: the domains and number tails it looks for.
#[derive(Debug, Clone)]
pub(crate) struct RawFilter {
    /// The e-mail identifiers' domains (none when no address is searched).
    domains: Vec<Domain>,
    /// Each distinct byte the domains are anchored on, and whether it is a letter (compared
    /// in either case).
    anchors: Vec<(u8x16, bool)>,
    /// The tails of the phone identifiers' national numbers (none when no number is
    /// searched): distinct, each at least one ASCII digit.
    tails: Vec<Vec<u8>>,
    /// Each distinct last digit of the tails, in every lane.
    last_digits: Vec<u8x16>,
    /// Each distinct digit that comes just before a tail's last, in every lane.
    before_last: Vec<u8x16>,
    /// Whether a tail is one digit long (any byte may come before its digit).
    short_tail: bool,
}

/// A domain, ASCII lower case, and where its rarest byte is.
#[derive(Debug, Clone)]
struct Domain {
    bytes: Vec<u8>,
    anchor: usize,
}

/// ASCII letters from the most to the least frequent in English text: a domain is looked for
/// at its least frequent byte (any byte not listed counts as more frequent than all of these:
/// digits, `.` and `-` are everywhere in stored settings).
const LETTERS_BY_FREQUENCY: &[u8] = b"etaoinsrhldcumfpgwybvkxjqz";

impl RawFilter {
    /// `None` when a domain or a tail is empty, or a tail holds something other than ASCII
    /// digits (a filter could rule nothing out).
    pub(crate) fn new(domains: Vec<String>, tails: Vec<String>) -> Option<RawFilter> {
        if domains.iter().any(String::is_empty)
            || tails
                .iter()
                .any(|t| t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()))
        {
            return None;
        }
        let rarity = |b: u8| {
            LETTERS_BY_FREQUENCY
                .iter()
                .position(|&l| l == b.to_ascii_lowercase())
                .map_or(0, |i| i + 1)
        };
        let mut domains: Vec<Domain> = domains
            .into_iter()
            .map(|d| {
                let bytes = d.into_bytes().to_ascii_lowercase();
                let anchor = (0..bytes.len())
                    .max_by_key(|&i| rarity(bytes[i]))
                    .expect("not empty");
                Domain { bytes, anchor }
            })
            .collect();
        domains.sort_by(|a, b| a.bytes.cmp(&b.bytes));
        domains.dedup_by(|a, b| a.bytes == b.bytes);
        let mut anchors: Vec<u8> = domains.iter().map(|d| d.bytes[d.anchor]).collect();
        anchors.sort_unstable();
        anchors.dedup();
        let mut tails: Vec<Vec<u8>> = tails.into_iter().map(String::into_bytes).collect();
        tails.sort();
        tails.dedup();
        let distinct = |mut digits: Vec<u8>| {
            digits.sort_unstable();
            digits.dedup();
            digits.into_iter().map(u8x16::splat).collect()
        };
        let last_digits = distinct(tails.iter().map(|t| t[t.len() - 1]).collect());
        let before_last = distinct(
            tails
                .iter()
                .filter_map(|t| t.len().checked_sub(2).map(|i| t[i]))
                .collect(),
        );
        let short_tail = tails.iter().any(|t| t.len() == 1);
        Some(RawFilter {
            domains,
            anchors: anchors
                .into_iter()
                .map(|b| (u8x16::splat(b), b.is_ascii_lowercase()))
                .collect(),
            tails,
            last_digits,
            before_last,
            short_tail,
        })
    }

    /// Whether `raw` may hold a hit: it holds a byte outside ASCII, a backslash, a domain
    /// (ASCII case-insensitive), or, when numbers are searched, `(0)` or a tail among its
    /// digits.
    pub(crate) fn passes(&self, raw: &[u8]) -> bool {
        // Four vectors at a time: the branches that follow are taken once per 64 bytes.
        let mut blocks = raw.chunks_exact(BLOCK);
        let mut start = 0;
        for block in blocks.by_ref() {
            let block: &[u8; BLOCK] = block.try_into().expect("a whole block");
            if self.block_passes(raw, start, block) {
                return true;
            }
            start += BLOCK;
        }
        let rest = blocks.remainder();
        if rest.is_empty() {
            return false;
        }
        // The last bytes, padded with zeros: in no class the scan looks for.
        let mut padded = [0u8; BLOCK];
        padded[..rest.len()].copy_from_slice(rest);
        self.block_passes(raw, start, &padded)
    }

    /// [`RawFilter::passes`] on the 64 bytes of `raw` at `start` (`block`, padded with zeros
    /// past the end of `raw`).
    fn block_passes(&self, raw: &[u8], start: usize, block: &[u8; BLOCK]) -> bool {
        let vectors: [u8x16; 4] = std::array::from_fn(|i| {
            u8x16::new(block[16 * i..16 * (i + 1)].try_into().expect("16 bytes"))
        });
        let all = vectors[0] | vectors[1] | vectors[2] | vectors[3];
        let backslash = u8x16::splat(b'\\');
        let escapes = vectors[0].cmp_eq(backslash)
            | vectors[1].cmp_eq(backslash)
            | vectors[2].cmp_eq(backslash)
            | vectors[3].cmp_eq(backslash);
        if (all | escapes).move_mask() != 0 {
            return true;
        }
        let anchors = vectors.map(|v| {
            let folded = v | u8x16::splat(0x20);
            self.anchors
                .iter()
                .fold(u8x16::splat(0), |any, &(a, letter)| {
                    any | if letter { folded } else { v }.cmp_eq(a)
                })
        });
        let (ends, parens) = if self.tails.is_empty() {
            ([u8x16::splat(0); 4], [u8x16::splat(0); 4])
        } else {
            let paren = u8x16::splat(b'(');
            (
                vectors.map(|v| {
                    self.last_digits
                        .iter()
                        .fold(u8x16::splat(0), |any, &d| any | v.cmp_eq(d))
                }),
                vectors.map(|v| v.cmp_eq(paren)),
            )
        };
        let any = (0..4).fold(u8x16::splat(0), |any, i| {
            any | anchors[i] | ends[i] | parens[i]
        });
        if any.move_mask() == 0 {
            return false;
        }
        let anchors = mask_of(anchors);
        if anchors != 0 && self.domain_at(raw, start, anchors) {
            return true;
        }
        if bits(mask_of(parens)).any(|bit| raw[start + bit..].starts_with(b"(0)")) {
            return true;
        }
        let ends = mask_of(ends);
        if ends == 0 {
            return false;
        }
        // A tail's last digit comes every few dozen bytes of digit-rich text. Only those right
        // after a byte that is not a digit, or after a digit some tail has just before its
        // last, are read back from: the digit before a tail's last, in the text, is that
        // digit or comes before other bytes.
        let digits = mask_of(vectors.map(|v| in_range(v, b'0', b'9')));
        let before_last = mask_of(vectors.map(|v| {
            self.before_last
                .iter()
                .fold(u8x16::splat(0), |any, &d| any | v.cmp_eq(d))
        }));
        let may_precede = !digits | before_last | if self.short_tail { u64::MAX } else { 0 };
        let carry = match start.checked_sub(1).map(|i| raw[i]) {
            Some(b) => {
                !b.is_ascii_digit()
                    || self.short_tail
                    || self.before_last.iter().any(|d| d.as_array_ref()[0] == b)
            }
            None => true,
        };
        let ends = ends & (may_precede << 1 | u64::from(carry));
        bits(ends).any(|bit| self.tail_ends_at(raw, start + bit))
    }

    /// Whether a domain is written around one of the anchor bytes `mask` marks in the block
    /// at `start`.
    fn domain_at(&self, raw: &[u8], start: usize, mask: u64) -> bool {
        bits(mask).any(|bit| {
            let at = start + bit;
            self.domains.iter().any(|d| {
                at.checked_sub(d.anchor)
                    .and_then(|from| raw.get(from..from + d.bytes.len()))
                    .is_some_and(|written| written.eq_ignore_ascii_case(&d.bytes))
            })
        })
    }

    /// Whether a tail ends at the digit `raw[end]`.
    fn tail_ends_at(&self, raw: &[u8], end: usize) -> bool {
        self.tails
            .iter()
            .any(|tail| tail[tail.len() - 1] == raw[end] && reads_back(raw, end, tail))
    }
}

/// How many bytes are compared at a time.
const BLOCK: usize = 64;

/// The bytes of `v` from `lo` to `hi`, as a vector mask.
fn in_range(v: u8x16, lo: u8, hi: u8) -> u8x16 {
    // `b - lo` wraps every byte below `lo` above the range's width.
    let offset = v - u8x16::splat(lo);
    offset.min(u8x16::splat(hi - lo)).cmp_eq(offset)
}

/// Four vector masks as one bit per byte.
fn mask_of(masks: [u8x16; 4]) -> u64 {
    masks.iter().enumerate().fold(0, |all, (i, m)| {
        all | u64::from(m.move_mask() as u16) << (16 * i)
    })
}

/// The positions of the set bits of a mask.
fn bits(mut mask: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (mask != 0).then(|| {
            let bit = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            bit
        })
    })
}

/// Whether the digits of `raw` before `end`, other bytes skipped, are `tail` but its last
/// digit (which is `raw[end]`).
fn reads_back(raw: &[u8], end: usize, tail: &[u8]) -> bool {
    let mut at = end;
    for &want in tail[..tail.len() - 1].iter().rev() {
        match raw[..at].iter().rposition(u8::is_ascii_digit) {
            Some(digit) if raw[digit] == want => at = digit,
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The five passes this scan replaces, as they were written: `None` builds no filter.
    fn five_passes(domains: &[String], tails: &[String], raw: &[u8]) -> bool {
        if !raw.is_ascii()
            || memchr::memchr(b'\\', raw).is_some()
            || (!tails.is_empty() && memchr::memmem::find(raw, b"(0)").is_some())
        {
            return true;
        }
        if !domains.is_empty() {
            let automaton = aho_corasick::AhoCorasick::builder()
                .ascii_case_insensitive(true)
                .build(domains)
                .unwrap();
            if automaton.is_match(raw) {
                return true;
            }
        }
        let digits: Vec<u8> = raw.iter().copied().filter(u8::is_ascii_digit).collect();
        tails
            .iter()
            .any(|t| digits.windows(t.len()).any(|w| w == t.as_bytes()))
    }

    fn filter(domains: &[&str], tails: &[&str]) -> RawFilter {
        RawFilter::new(
            domains.iter().map(|s| s.to_string()).collect(),
            tails.iter().map(|s| s.to_string()).collect(),
        )
        .unwrap()
    }

    #[test]
    fn digits_are_read_back_over_anything_else() {
        let f = filter(&[], &["0100999"]);
        assert!(f.passes(b"+1 (555) 010-0999"));
        assert!(f.passes(b"x0x1x0x0x9x9x9x"));
        assert!(f.passes(b"010\"},{\"b\":\"0999"));
        assert!(!f.passes(b"+1 555 010 0998"));
        assert!(!f.passes(b"100999"));
        assert!(!f.passes(b""));
        assert!(!f.passes(b"no digits at all 9"));
        assert!(f.passes(b"+44 20 7946 (0)958"));
        assert!(!f.passes(b"+44 20 7946 (1)958"));
    }

    #[test]
    fn domains_in_any_case_at_any_place() {
        let f = filter(&["pizza.com", "example.org"], &[]);
        for yes in [
            "pizza.com",
            "john@PIZZA.Com",
            "{\"e\":\"a@Example.ORG\"}",
            "xxxxxxxxxxxxxxxpizza.com",
            "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxpizza.comxxxxxxxxxxxxxxxxxxxxxxx",
        ] {
            assert!(f.passes(yes.as_bytes()), "{yes}");
        }
        for no in [
            "pizza.co",
            "izza.com",
            "pizza com",
            "pizzA.cOn",
            "(0) 0100999",
            "",
        ] {
            assert!(!f.passes(no.as_bytes()), "{no}");
        }
    }

    #[test]
    fn bytes_outside_ascii_and_escapes_pass() {
        let f = filter(&["pizza.com"], &["0100999"]);
        assert!(f.passes("jöhn".as_bytes()));
        assert!(f.passes(b"a\\u0040b"));
        assert!(f.passes(b"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\xff"));
        assert!(!f.passes(b"nothing to see here at all, really nothing"));
    }

    #[test]
    fn many_last_digits() {
        let f = filter(&[], &["11", "22", "33", "44", "5"]);
        assert!(f.passes(b"a4-4b"));
        assert!(f.passes(b"5"));
        assert!(!f.passes(b"12-13 14 6"));
        assert!(f.passes(b"12-21 34 43"));
    }

    #[test]
    fn empty_or_odd_patterns_build_nothing() {
        assert!(RawFilter::new(vec![String::new()], vec![]).is_none());
        assert!(RawFilter::new(vec![], vec![String::new()]).is_none());
        assert!(RawFilter::new(vec![], vec!["12a".to_string()]).is_none());
    }

    /// Domains over a small alphabet and tails over a few digits, so that the values below
    /// hold them, in part or whole, often.
    fn patterns() -> impl Strategy<Value = (Vec<String>, Vec<String>)> {
        (
            prop::collection::vec("[a-c0-1.-]{1,6}", 0..4),
            prop::collection::vec("[0-2]{1,7}", 0..5),
        )
    }

    /// Bytes of any kind, mostly from the alphabet of the patterns, in either case, with
    /// `(`, `)` and backslashes.
    fn raw() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                4 => prop::sample::select(b"abcABC01.-".to_vec()),
                3 => b'0'..=b'2',
                1 => prop::sample::select(b"()0 \\".to_vec()),
                1 => 0u8..0x80,
                1 => any::<u8>(),
            ],
            0..80,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        /// Exactly the values the five passes let through.
        #[test]
        fn same_answer_as_the_five_passes((domains, tails) in patterns(), raw in raw()) {
            let f = RawFilter::new(domains.clone(), tails.clone()).unwrap();
            prop_assert_eq!(f.passes(&raw), five_passes(&domains, &tails, &raw));
        }

        /// A domain, in any case, or a tail written with anything but digits between its
        /// digits, is found wherever it is.
        #[test]
        fn a_pattern_written_anywhere_is_found(
            (domains, tails) in patterns(),
            pick in any::<prop::sample::Index>(),
            upper in prop::collection::vec(any::<bool>(), 8),
            gaps in prop::collection::vec("[^0-9\\\\]{0,3}", 8),
            before in "[ -~]{0,40}",
            after in "[ -~]{0,40}",
        ) {
            prop_assume!(!domains.is_empty() || !tails.is_empty());
            let mut text = before;
            let all: Vec<&String> = domains.iter().chain(&tails).collect();
            let pattern = pick.get(&all);
            if pick.index(all.len()) < domains.len() {
                text.extend(pattern.chars().zip(upper.iter().cycle()).map(|(c, &up)| {
                    if up { c.to_ascii_uppercase() } else { c }
                }));
            } else {
                for (d, gap) in pattern.chars().zip(&gaps) {
                    text.push(d);
                    text.push_str(gap);
                }
            }
            text.push_str(&after);
            let f = RawFilter::new(domains.clone(), tails.clone()).unwrap();
            prop_assert!(f.passes(text.as_bytes()), "{:?} in {:?}", pattern, text);
        }
    }
}
