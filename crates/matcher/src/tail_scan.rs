//! The candidate pass's search for phone numbers: where can a phone run end, and do its last
//! digits end one of the identifiers' numbers?
//!
//! A search for many identifiers reads every stored value that holds a digit, and most
//! values hold many (timestamps, ids, hashes, other people's numbers). Reading them one byte
//! at a time cost as much as the rest of the scan. Here sixteen bytes are classified at a
//! time with vector compares, and only the ends of digit groups are looked at more closely.
//!
//! The pass may find more than the walk ([`crate::matcher`]'s `for_each_phone_run` and
//! `match_phone_run`) would (it is only a reason to walk the value), never less: every run
//! the walk looks up ends with a digit that is not followed by a digit, a letter or `_`
//! unless an extension starts there ([`extension_after`]; the pass reads back before every
//! `x` and `e`), nor by punctuation and a digit, except in a run too long to be one number,
//! which is also read in parts that end before a space; and its last digits are read back
//! from there over the same punctuation the run is made of. Such a space is looked at only
//! in a run that may hold more digits than one number has ([`in_long_stretches`],
//! [`LongRuns`]): most numbers are written in groups (`+44 20 7946 0958`), and reading back
//! at every group cost a read-back and a lookup per group (+35% for 1,000 identifiers in
//! the matcher's benchmark).
//! Whatever it cannot decide as cheaply (a `(0)` that a reading may drop, a character
//! outside ASCII that may be phone punctuation) it leaves to the exact pass.

use wide::u8x16;

use crate::metadata::MAX_E164_DIGITS;

/// What [`find_tail`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TailScan {
    /// A run whose last digits are one of the tails.
    Found,
    /// No run of the text can end with one of the tails.
    NotFound,
    /// A run could not be read back here; the exact pass must decide.
    Unsure,
}

/// Whether some phone run of `text` may end with `tail` digits for which `is_tail` holds
/// (the digits read as one number). `tail` is at most 19.
pub(crate) fn find_tail(text: &[u8], tail: usize, is_tail: impl Fn(u64) -> bool) -> TailScan {
    let mut unsure = false;
    let mut long_runs = LongRuns::default();
    let mut start = 0;
    while start < text.len() {
        let Classes {
            digits,
            word,
            punctuation,
            space,
            non_ascii,
        } = classify(&text[start..]);
        // The last digit of each group of digits in these 64 bytes that may end a run: not
        // followed by a word character (`word` leaves out `x` and `e`, where an extension
        // may start), nor by punctuation and a digit, unless the punctuation is a space in a
        // run too long to be one number (`split`). The masks see the next two bytes only up
        // to the block's end; the last two bits are looked at byte by byte.
        let inside =
            digits & !(word >> 1) & !((punctuation >> 1) & (digits >> 2)) & (u64::MAX >> 2);
        let mut split = digits & (space >> 1) & (digits >> 2) & (u64::MAX >> 2);
        if split != 0 && !non_ascii {
            // Most space-grouped numbers are short: their spaces are ruled out here, all at
            // once. A byte outside ASCII may be phone punctuation that carries a run on (a
            // no-break space): in such a block, every space is left to `long_runs`.
            split &= in_long_stretches(digits | punctuation);
        }
        let mut ends = inside | split | (digits & !(u64::MAX >> 2));
        while ends != 0 {
            let bit = ends.trailing_zeros();
            let end = start + bit as usize;
            ends &= ends - 1;
            let at_split = if bit >= 62 {
                match run_end(text, end) {
                    RunEnd::No => continue,
                    RunEnd::Yes => false,
                    RunEnd::BeforeSpace => true,
                }
            } else {
                split >> bit & 1 == 1
            };
            if at_split
                && !long_runs.holds_a_long_run(text, end, start, (digits, digits | punctuation))
            {
                continue;
            }
            match read_back(text, end, tail) {
                Back::Tail(value) if is_tail(value) => return TailScan::Found,
                Back::Tail(_) | Back::Short => {}
                Back::Unsure => unsure = true,
            }
        }
        start += BLOCK;
    }
    if unsure {
        TailScan::Unsure
    } else {
        TailScan::NotFound
    }
}

/// How many bytes are classified at a time: four vectors, so that the branches that follow
/// are taken once per 64 bytes (a branch on each vector's digits mispredicted most of the
/// time, and cost more than the compares).
const BLOCK: usize = 64;

/// One bit per byte of the first 64 bytes of a text (fewer at its end) for each class of byte
/// the pass looks at.
#[derive(Debug, Default)]
struct Classes {
    /// ASCII digits.
    digits: u64,
    /// ASCII letters, digits and `_` (what glues a digit group to a word), but for `x` and
    /// `e` in either case: an extension glued to a number starts with one of them
    /// (`…0001x23`, `…0001ext.23`). A digit before one is looked at as a run's end, as if
    /// an extension followed: telling those apart (`3e4f` in a hex id) cost more than
    /// reading back the few digits before.
    word: u64,
    /// The ASCII punctuation of a phone run.
    punctuation: u64,
    /// ASCII spaces, where a run too long to be one number is cut into parts.
    space: u64,
    /// Whether the block holds a byte outside ASCII (only looked at when it holds a digit).
    non_ascii: bool,
}

fn classify(bytes: &[u8]) -> Classes {
    let block: [u8; BLOCK] = match bytes.get(..BLOCK) {
        Some(whole) => whole.try_into().expect("a whole block"),
        None => {
            // The last few bytes, padded with zeros (in no class).
            let mut padded = [0u8; BLOCK];
            padded[..bytes.len()].copy_from_slice(bytes);
            padded
        }
    };
    let vectors: [u8x16; 4] = std::array::from_fn(|i| {
        u8x16::new(
            block[16 * i..16 * (i + 1)]
                .try_into()
                .expect("sixteen bytes"),
        )
    });
    let digits = vectors.map(|v| in_range(v, b'0', b'9'));
    let digit_mask = mask_of(digits);
    if digit_mask == 0 {
        // Words and punctuation matter only next to digits: most blocks of notes stop here.
        return Classes::default();
    }
    let word = std::array::from_fn(|i| {
        let v = vectors[i];
        // Setting the 0x20 bit folds upper case onto lower case, and no other byte onto a
        // letter.
        let lower = v | u8x16::splat(0x20);
        let extension = lower.cmp_eq(u8x16::splat(b'x')) | lower.cmp_eq(u8x16::splat(b'e'));
        digits[i] | (in_range(lower, b'a', b'z') & !extension) | v.cmp_eq(u8x16::splat(b'_'))
    });
    let space = vectors.map(|v| v.cmp_eq(u8x16::splat(b' ')));
    // ' ', '(' ')', '-' '.' '/'.
    let punctuation = std::array::from_fn(|i| {
        let v = vectors[i];
        space[i] | in_range(v, b'(', b')') | in_range(v, b'-', b'/')
    });
    Classes {
        digits: digit_mask,
        word: mask_of(word),
        punctuation: mask_of(punctuation),
        space: mask_of(space),
        non_ascii: (vectors[0] | vectors[1] | vectors[2] | vectors[3]).move_mask() != 0,
    }
}

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

/// Whether a digit may be the last digit of a run (or of a part of one) the walk looks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RunEnd {
    /// No: the run is glued to a letter, digit or `_`, or goes on into more digits.
    No,
    /// Yes.
    Yes,
    /// Only if the run is too long to be one number: a space and more digits follow, and
    /// such a run is also read in parts that end before a space.
    BeforeSpace,
}

/// Whether the digit at `end` may be the last digit of a run the walk looks up: not when the
/// run would be glued to a following letter, digit or `_` (other than an extension), or go
/// on over punctuation into more digits (unless over a space in a run too long to be one
/// number). The byte-by-byte twin of the masks of [`find_tail`].
// Not inlined, like `LongRuns::holds_a_long_run`: both are rare, and inlined into
// `find_tail` they made its loop spill its masks.
#[inline(never)]
fn run_end(text: &[u8], end: usize) -> RunEnd {
    let yes_if = |yes: bool| if yes { RunEnd::Yes } else { RunEnd::No };
    match text.get(end + 1) {
        None => RunEnd::Yes,
        Some(&next) if next.is_ascii_alphanumeric() || next == b'_' => {
            yes_if(extension_after(text, end + 1).is_some())
        }
        Some(&next) if is_run_punctuation(next) => {
            if !text.get(end + 2).is_some_and(u8::is_ascii_digit) {
                RunEnd::Yes
            } else if next == b' ' {
                RunEnd::BeforeSpace
            } else {
                RunEnd::No
            }
        }
        // Anything else ends the run; a character outside ASCII may be a letter (the run
        // is then skipped by the walk) or punctuation: both are looked at.
        Some(_) => RunEnd::Yes,
    }
}

/// The bytes of a block that may lie in a run of more than [`MAX_E164_DIGITS`] digits, from
/// the block's run bytes `run` (its digits and run punctuation): those in a stretch of at
/// least 16 run bytes, or in one that reaches the block's first or last byte (it may go on
/// in the block before or after). Bytes outside ASCII are not looked at: a block that holds
/// one is not sorted this way.
fn in_long_stretches(run: u64) -> u64 {
    const _: () = assert!(MAX_E164_DIGITS + 1 == 16, "the windows below are 16 bytes");
    // Bit i: bytes i to i + 15 are run bytes.
    let mut window = run & (run >> 1);
    window &= window >> 2;
    window &= window >> 4;
    window &= window >> 8;
    // Bit i: byte i is in such a window.
    let mut covered = window | (window << 1);
    covered |= covered << 2;
    covered |= covered << 4;
    covered |= covered << 8;
    let first = run & !run.wrapping_add(1);
    let last = u64::MAX
        .checked_shl(64 - (!run).leading_zeros())
        .unwrap_or(0);
    covered | first | last
}

/// The walk reads a run in parts only when it holds more digits than one number can have
/// ([`MAX_E164_DIGITS`], or more behind `00` or with a `(0)`): whether the run around a
/// space between digits is such a run, remembered for the run's other spaces.
#[derive(Debug, Default)]
struct LongRuns {
    /// The bytes of the last run measured, and whether it may be read in parts.
    last: Option<(std::ops::Range<usize>, bool)>,
}

impl LongRuns {
    /// Whether the run of ASCII digits and run punctuation around the digit at `at` may hold
    /// more than [`MAX_E164_DIGITS`] digits. `masks` are the digits, and the digits and run
    /// punctuation, of the block of 64 bytes that starts at `block`. The walk's run may go
    /// on over phone punctuation outside ASCII (a no-break space): a run next to a byte
    /// outside ASCII may be long. Over-counting (a run the walk reads from a `+` inside it,
    /// or cuts at an extension) only reads back more.
    #[inline(never)]
    fn holds_a_long_run(
        &mut self,
        text: &[u8],
        at: usize,
        block: usize,
        masks: (u64, u64),
    ) -> bool {
        if let Some((bytes, long)) = &self.last {
            if bytes.contains(&at) {
                return *long;
            }
        }
        let (bytes, digits) = run_around(text, at, block, masks);
        let outside_ascii =
            |i: Option<usize>| i.and_then(|i| text.get(i)).is_some_and(|b| !b.is_ascii());
        let long = digits > MAX_E164_DIGITS
            || outside_ascii(bytes.start.checked_sub(1))
            || outside_ascii(Some(bytes.end));
        self.last = Some((bytes, long));
        long
    }
}

/// The bytes of the run of ASCII digits and run punctuation around `at`, and how many digits
/// it holds: from the block's masks when the run lies inside the block, byte by byte when it
/// reaches one of the block's ends.
fn run_around(
    text: &[u8],
    at: usize,
    block: usize,
    (digit_bits, run_bytes): (u64, u64),
) -> (std::ops::Range<usize>, usize) {
    let bit = at - block;
    // Run bytes from `bit` up (`above`) and down (`below`), `bit` included.
    let above = (!run_bytes >> bit).trailing_zeros() as usize;
    let below = ((!run_bytes << (63 - bit)).leading_zeros() as usize).min(bit + 1);
    let (lo, hi) = (bit + 1 - below, bit + above);
    let inside = (lo > 0 || block == 0) && (hi < BLOCK || block + BLOCK >= text.len());
    if inside {
        let hi = hi.min(BLOCK);
        let range = (u64::MAX >> (BLOCK - (hi - lo))) << lo;
        let digits = (digit_bits & range).count_ones() as usize;
        return (block + lo..block + hi, digits);
    }
    run_around_bytes(text, at)
}

/// [`run_around`], byte by byte.
fn run_around_bytes(text: &[u8], at: usize) -> (std::ops::Range<usize>, usize) {
    let is_run = |b: &u8| b.is_ascii_digit() || is_run_punctuation(*b);
    let start = at - text[..at].iter().rev().take_while(|b| is_run(b)).count();
    let end = at + text[at..].iter().take_while(|b| is_run(b)).count();
    let digits = text[start..end]
        .iter()
        .filter(|b| b.is_ascii_digit())
        .count();
    (start..end, digits)
}

/// The ASCII punctuation a phone run may hold: `for_each_phone_run` (the walk's runs) and
/// this pass read runs with this one set, which is what lets the pass stand for the walk.
pub(crate) fn is_run_punctuation(b: u8) -> bool {
    matches!(b, b' ' | b'.' | b'-' | b'(' | b')' | b'/')
}

/// Where the extension that follows a phone number ends, when one starts at byte `at` (right
/// after the number's last digit): ASCII spaces, then `x`, `ext`, `ext.`, `extension` (in
/// any letter case) or `#`, spaces, and 1 to 6 digits not followed by an ASCII letter, digit or `_`
/// (`+15550100001x23`, `… ext. 23`). `None` otherwise. The walk (`for_each_phone_run`) and
/// this pass read extensions with this one function.
pub(crate) fn extension_after(text: &[u8], at: usize) -> Option<usize> {
    let skip_spaces = |mut i: usize| {
        while text.get(i) == Some(&b' ') {
            i += 1;
        }
        i
    };
    let mut i = skip_spaces(at);
    let rest = text.get(i..)?;
    // Every keyword starts with `x`, `e` or `#` (which the 0x20 bit leaves alone).
    if !matches!(rest.first()? | 0x20, b'x' | b'e' | b'#') {
        return None;
    }
    let keyword = [&b"extension"[..], b"ext.", b"ext", b"x", b"#"]
        .into_iter()
        .find(|k| rest.len() >= k.len() && rest[..k.len()].eq_ignore_ascii_case(k))?;
    i = skip_spaces(i + keyword.len());
    let digits = text[i..].iter().take_while(|b| b.is_ascii_digit()).count();
    let end = i + digits;
    let glued = text
        .get(end)
        .is_some_and(|&b| b.is_ascii_alphanumeric() || b == b'_');
    ((1..=6).contains(&digits) && !glued).then_some(end)
}

/// What reading a run back from its last digit gave.
enum Back {
    /// The last `tail` digits, as one number.
    Tail(u64),
    /// The run has fewer digits.
    Short,
    /// Only the exact pass can read this run.
    Unsure,
}

/// Reads the last `tail` digits of the run whose last digit is at `end`, backwards over the
/// run's punctuation, up to the run's start (a `+` or any other character).
fn read_back(text: &[u8], end: usize, tail: usize) -> Back {
    let mut value = 0u64;
    let mut scale = 1u64;
    let mut n = 0;
    for i in (0..=end).rev() {
        let b = text[i];
        if b.is_ascii_digit() {
            value += u64::from(b - b'0') * scale;
            n += 1;
            if n == tail {
                return Back::Tail(value);
            }
            scale *= 10;
        } else if (b == b')' && text[..=i].ends_with(b"(0)"))
            || (b == b'(' && text[i..].starts_with(b"(0)"))
        {
            // A reading may drop this `(0)`, and then other digits are the last ones. Seen
            // from its `)`: its `0` may be the last of the tail's digits (`… (0)456789`).
            return Back::Unsure;
        } else if is_run_punctuation(b) {
            continue;
        } else if !b.is_ascii() {
            // Phone punctuation outside ASCII (a no-break space, a dash) goes on with the run.
            return Back::Unsure;
        } else {
            return Back::Short;
        }
    }
    Back::Short
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tails found, each once, by reading the text the slow way: every group end, every
    /// read back, no vector.
    fn tails(text: &str, tail: usize) -> Vec<u64> {
        let found = std::cell::RefCell::new(Vec::new());
        let scan = find_tail(text.as_bytes(), tail, |v| {
            found.borrow_mut().push(v);
            false
        });
        assert_ne!(scan, TailScan::Found);
        found.into_inner()
    }

    #[test]
    fn reads_the_last_digits_of_each_run_end() {
        assert_eq!(tails("call +1 (555) 010-1234 now", 7), [101_234]);
        // Digits followed by punctuation and more digits are not a run end; before a space
        // they may end a part of a run too long to be one number, and only of such a run.
        assert_eq!(tails("+44-20-7946-0958", 4), [958]);
        assert_eq!(tails("+44 20 7946 0958", 4), [958]);
        assert_eq!(tails("5550100001 5550100002 1", 4), [1, 2, 21]);
        // An extension glued to the digits ends the run; other letters glue. Before `x` and
        // `e` the pass reads back whatever follows (the walk tells extensions apart).
        assert_eq!(tails("5550100001x23 5550100002y", 7), [100_001]);
        assert_eq!(tails("5550100001xy 5550100002e4f", 7), [100_001, 100_002]);
        assert_eq!(tails("5550100001 Ext.23", 7), [100_001]);
        // Glued to letters or digits: not a run end.
        assert_eq!(
            tails("id5550101234y and 2025-10-11T04", 7),
            Vec::<u64>::new()
        );
        // A run end 15 bytes in, whose next byte is in the next sixteen.
        assert_eq!(tails("aaaaaaaaa5550101234 ", 7), [101_234]);
        assert_eq!(tails("aaaaaaaaa555010123y", 7), Vec::<u64>::new());
    }

    #[test]
    fn the_classes_are_the_byte_tests_they_stand_for() {
        for b in 0..=255u8 {
            for at in 0..BLOCK {
                // Beside a digit: a block without one is classified no further.
                let mut bytes = [b'!'; BLOCK];
                bytes[(at + 1) % BLOCK] = b'5';
                bytes[at] = b;
                let c = classify(&bytes);
                let bit = |mask: u64| mask >> at & 1 == 1;
                assert_eq!(bit(c.digits), b.is_ascii_digit(), "{b:#x}");
                let extension = matches!(b.to_ascii_lowercase(), b'x' | b'e');
                assert_eq!(
                    bit(c.word),
                    (b.is_ascii_alphanumeric() || b == b'_') && !extension,
                    "{b:#x}"
                );
                assert_eq!(bit(c.punctuation), is_run_punctuation(b), "{b:#x}");
                assert_eq!(bit(c.space), b == b' ', "{b:#x}");
                // A short tail is padded with bytes of no class.
                let short = classify(&bytes[..at + 1]);
                assert_eq!(bit(short.digits), b.is_ascii_digit());
                assert_eq!(short.digits.checked_shr(at as u32 + 1).unwrap_or(0), 0);
            }
        }
    }

    #[test]
    fn a_run_is_read_at_its_spaces_only_when_it_is_too_long_to_be_one_number() {
        let long = "5550100001 5550100002";
        let short = "+1 555 010 0001";
        // Anywhere in a block, across blocks, at the text's ends, next to other runs.
        for pad in [0, 1, 30, 48, 50, 55, 60, 62, 63, 64, 65, 100] {
            let before = "a".repeat(pad);
            for (after, found) in [
                ("", &[1, 2, 1][..]),
                (" b", &[1, 2, 1]),
                ("\"", &[1, 2, 1]),
                // The run goes on: `2 1-2` is its end.
                (" 1-2", &[1, 2, 212, 1]),
            ] {
                let text = format!("{before}{long}{after} {short}");
                assert_eq!(tails(&text, 4), found, "{text:?}");
            }
            // Fifteen digits in groups are one number as written: read at the end only.
            let text = format!("{before}555 010 0001 23456 x");
            assert_eq!(tails(&text, 4), [3456], "{text:?}");
            // Sixteen are not (the first group has fewer digits than the tail).
            let text = format!("{before}555 010 0001 234567 x");
            assert_eq!(tails(&text, 4), [5010, 1, 4567], "{text:?}");
        }
        // A run next to a character outside ASCII may go on over phone punctuation there
        // (a no-break space): it is read at its spaces.
        assert_eq!(tails("555 010\u{a0}0001 2", 4), [5010, 1, 12]);
    }

    #[test]
    fn long_stretches_are_the_stretches_of_16_run_bytes_or_at_a_block_end() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut masks = vec![0, u64::MAX, 1, 1 << 63, 0xFFFF, 0x7FFF << 1, 0xFFFF << 24];
        for _ in 0..20_000 {
            // xorshift; an OR of two draws gives longer stretches.
            let mut draw = || {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state
            };
            masks.push(draw() | draw() | draw());
        }
        for run in masks {
            let mut expected = 0u64;
            let mut bit = 0;
            while bit < 64 {
                if run >> bit & 1 == 0 {
                    bit += 1;
                    continue;
                }
                let len = (run >> bit).trailing_ones();
                if len >= 16 || bit == 0 || bit + len == 64 {
                    expected |= (u64::MAX >> (64 - len)) << bit;
                }
                bit += len;
            }
            assert_eq!(in_long_stretches(run), expected, "{run:#066b}");
        }
    }

    #[test]
    fn a_run_is_measured_alike_from_the_masks_and_byte_by_byte() {
        let text =
            b"id 1 2 3-4 +5 (6) 7.8/9 a12 34 5 67 89012345678 9 0 1 x 9 9 9 9 9 9 9 9 9 9 9 9 9";
        for start in [0, BLOCK] {
            let Classes {
                digits,
                punctuation,
                ..
            } = classify(&text[start..]);
            let block = start..text.len().min(start + BLOCK);
            for at in block.filter(|&i| text[i].is_ascii_digit()) {
                assert_eq!(
                    run_around(text, at, start, (digits, digits | punctuation)),
                    run_around_bytes(text, at),
                    "{at}"
                );
            }
        }
    }

    #[test]
    fn extensions_are_read_as_the_walk_reads_them() {
        for (text, end) in [
            ("x23", Some(3)),
            ("X 23 ", Some(4)),
            ("  ext. 23", Some(9)),
            ("ext23,", Some(5)),
            ("EXTENSION 1234567", None),
            ("extension 123456", Some(16)),
            ("x", None),
            ("xy", None),
            ("x23y", None),
            ("x23_", None),
            ("e23", None),
            (" - x23", None),
            (" #23", Some(4)),
            ("#", None),
        ] {
            assert_eq!(extension_after(text.as_bytes(), 0), end, "{text:?}");
        }
    }

    #[test]
    fn leaves_what_it_cannot_read_to_the_exact_pass() {
        let never = |_| false;
        assert_eq!(find_tail(b"+44 20 7946 (0)958", 7, never), TailScan::Unsure);
        // The `(0)`'s own digit would complete the tail.
        assert_eq!(
            find_tail(b"+54 91123 (0)456789", 7, never),
            TailScan::Unsure
        );
        assert_eq!(
            find_tail("+1 555 010\u{a0}1234".as_bytes(), 7, never),
            TailScan::Unsure
        );
        // Outside the last digits, such a character changes nothing.
        assert_eq!(
            find_tail("+1 555\u{a0}010-1234".as_bytes(), 7, never),
            TailScan::NotFound
        );
        assert_eq!(
            find_tail(b"+1 555 010 1234", 7, |v| v == 5_551_234),
            TailScan::NotFound
        );
        assert_eq!(
            find_tail(b"+1 555 010 1234", 7, |v| v == 101_234),
            TailScan::Found
        );
    }
}
