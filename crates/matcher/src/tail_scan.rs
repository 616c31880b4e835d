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
//! unless an extension starts there ([`extension_after`]), nor by punctuation other than a
//! space and a digit (a run too long to be one number is also read in parts that end before
//! a space), and its last digits are read back from there over the same punctuation the
//! run is made of.
//! Whatever it cannot decide as cheaply (a `(0)` that a reading may drop, a character
//! outside ASCII that may be phone punctuation) it leaves to the exact pass.

use wide::u8x16;

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
    let mut start = 0;
    while start < text.len() {
        let Classes {
            digits,
            word,
            punctuation,
            space,
            extension,
        } = classify(&text[start..]);
        // The last digit of each group of digits in these 64 bytes that may end a run: not
        // followed by a letter, a digit or `_` (unless an extension starts there), nor by
        // punctuation other than a space and a digit. The masks see the next two bytes only
        // up to the block's end; the last two bits are looked at byte by byte.
        let inside = digits
            & !(word >> 1)
            & !((punctuation & !space) >> 1 & (digits >> 2))
            & (u64::MAX >> 2);
        let before_extension = digits & (extension >> 1) & (u64::MAX >> 2);
        let mut ends = inside | before_extension | (digits & !(u64::MAX >> 2));
        while ends != 0 {
            let bit = ends.trailing_zeros();
            let end = start + bit as usize;
            ends &= ends - 1;
            if bit >= 62 && !may_end_a_run(text, end) {
                continue;
            }
            if bit < 62
                && before_extension >> bit & 1 == 1
                && extension_after(text, end + 1).is_none()
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
    /// ASCII letters, digits and `_`: what glues a digit group to a word.
    word: u64,
    /// The ASCII punctuation of a phone run.
    punctuation: u64,
    /// ASCII spaces, where a run too long to be one number is cut into parts.
    space: u64,
    /// `x` and `e` in either case: where an extension glued to a number may start.
    extension: u64,
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
        digits[i] | in_range(v | u8x16::splat(0x20), b'a', b'z') | v.cmp_eq(u8x16::splat(b'_'))
    });
    let space = vectors.map(|v| v.cmp_eq(u8x16::splat(b' ')));
    // ' ', '(' ')', '-' '.' '/'.
    let punctuation = std::array::from_fn(|i| {
        let v = vectors[i];
        space[i] | in_range(v, b'(', b')') | in_range(v, b'-', b'/')
    });
    let extension = vectors.map(|v| {
        let lower = v | u8x16::splat(0x20);
        lower.cmp_eq(u8x16::splat(b'x')) | lower.cmp_eq(u8x16::splat(b'e'))
    });
    Classes {
        digits: digit_mask,
        word: mask_of(word),
        punctuation: mask_of(punctuation),
        space: mask_of(space),
        extension: mask_of(extension),
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

/// Whether the digit at `end` may be the last digit of a run the walk looks up: not when the
/// run would be glued to a following letter, digit or `_` (other than an extension), or go
/// on over punctuation other than a space into more digits.
fn may_end_a_run(text: &[u8], end: usize) -> bool {
    match text.get(end + 1) {
        None => true,
        Some(&next) if next.is_ascii_alphanumeric() || next == b'_' => {
            extension_after(text, end + 1).is_some()
        }
        Some(&b' ') => true,
        Some(&next) if is_run_punctuation(next) => {
            !text.get(end + 2).is_some_and(u8::is_ascii_digit)
        }
        // Anything else ends the run; a character outside ASCII may be a letter (the run
        // is then skipped by the walk) or punctuation: both are looked at.
        Some(_) => true,
    }
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
        } else if b == b'(' && text[i..].starts_with(b"(0)") {
            // A reading may drop this `(0)`, and then other digits are the last ones.
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
        // Digits followed by punctuation other than a space and more digits are not a run
        // end; before a space they may end a part of a run too long to be one number.
        assert_eq!(tails("+44-20-7946-0958", 4), [958]);
        assert_eq!(tails("+44 20 7946 0958", 4), [4420, 7946, 958]);
        // An extension glued to the digits ends the run; other letters glue.
        assert_eq!(tails("5550100001x23 5550100002xy", 7), [100_001]);
        assert_eq!(tails("5550100001 Ext.23", 7), [100_001]);
        // Glued to letters or digits: not a run end.
        assert_eq!(
            tails("id5550101234x and 2025-10-11T04", 7),
            Vec::<u64>::new()
        );
        // A run end 15 bytes in, whose next byte is in the next sixteen.
        assert_eq!(tails("aaaaaaaaa5550101234 ", 7), [101_234]);
        assert_eq!(tails("aaaaaaaaa555010123x", 7), Vec::<u64>::new());
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
                assert_eq!(
                    bit(c.word),
                    b.is_ascii_alphanumeric() || b == b'_',
                    "{b:#x}"
                );
                assert_eq!(bit(c.punctuation), is_run_punctuation(b), "{b:#x}");
                // A short tail is padded with bytes of no class.
                let short = classify(&bytes[..at + 1]);
                assert_eq!(bit(short.digits), b.is_ascii_digit());
                assert_eq!(short.digits.checked_shr(at as u32 + 1).unwrap_or(0), 0);
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
