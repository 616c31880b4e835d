//! The matcher on raw bytes: a file's (decompressed) byte stream cut into runs of text, each
//! run searched with the search's own [`Matcher`], with bounded memory whatever the file size.
//!
//! Cassandra writes a text value as a length and then its UTF-8 bytes, contiguous (a partition
//! key as a 2-byte length and its bytes). Between values sit binary fields: lengths, flags,
//! timestamps. A *run* is a stretch of bytes that are neither ASCII control characters (tab,
//! line feed and carriage return excepted) nor DEL; invalid UTF-8 inside a run cuts it too.
//! Every run is searched as a stored value is ([`Matcher::match_value`], what
//! [`Matcher::match_bytes`] does with valid UTF-8: as JSON when it is JSON, so escaped
//! spellings are found, as text otherwise).
//!
//! Nearly every run holds nothing of the subject, and most of the check's time went to
//! telling so: validating each run's UTF-8, then the search's own checks. So each piece of
//! valid UTF-8 is first shown to [`Matcher::could_match_bytes`], one pass over its bytes that
//! answers for the piece and every slice of it, and only the pieces it lets through are
//! searched.
//!
//! A binary byte next to a value can be a printable character (a length of 106 is the byte
//! `j`, a row flag can be `4`) and would glue onto an address or a number at the start or the
//! end of the run. So a run whose first or last byte is a printable ASCII character (other
//! than the brackets and quotes JSON values start and end with) is searched again without it,
//! and without both. The price: a stored address that is the subject's with one more
//! character at the very start or end of a run (`xjohn.smith@...`) is reported too, which errs
//! on the side of "still held".
//!
//! A run is counted once per identifier it holds. Runs longer than [`MAX_RUN`] are searched in
//! pieces that overlap by [`OVERLAP`] bytes, so memory stays bounded; the identifiers found in
//! any piece are counted once for the run.

use forgetme_matcher::Matcher;

/// The longest run searched at once; longer runs are searched in overlapping pieces.
pub const MAX_RUN: usize = 1 << 20;

/// How many bytes consecutive pieces of a long run share: longer than any spelling of an
/// identifier (an e-mail address is at most 254 characters; escapes can make it six times
/// longer in JSON).
pub const OVERLAP: usize = 2048;

/// Bytes that end a run: ASCII control characters other than tab, LF and CR, and DEL. Bytes
/// that can never appear in UTF-8 (0xC0, 0xC1, 0xF5..=0xFF) end a run too.
const fn separators() -> [bool; 256] {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = (c < 0x20 && c != b'\t' && c != b'\n' && c != b'\r')
            || c == 0x7f
            || c == 0xc0
            || c == 0xc1
            || c >= 0xf5;
        b += 1;
    }
    t
}
static SEPARATOR: [bool; 256] = separators();

/// Searches a byte stream pushed to it in pieces of any size.
pub struct StreamMatcher<'m> {
    matcher: &'m Matcher,
    /// The shortest run that can hold an identifier, in bytes.
    min_run: usize,
    /// An unfinished run carried from one piece to the next (at most [`MAX_RUN`] bytes).
    carry: Vec<u8>,
    /// Identifiers already found in the current long run (searched in pieces).
    long_run: Option<Vec<bool>>,
    /// Per identifier: how many runs hold it.
    counts: Vec<u64>,
    /// Bytes pushed.
    bytes: u64,
}

impl<'m> StreamMatcher<'m> {
    pub fn new(matcher: &'m Matcher) -> StreamMatcher<'m> {
        StreamMatcher {
            matcher,
            // An identifier has at least MIN_IDENTIFIER_CHARS characters; its spellings in a
            // stored value cannot be shorter than that many bytes, less one for a phone
            // number's leading `+` or trunk digit left out.
            min_run: forgetme_matcher::MIN_IDENTIFIER_CHARS - 1,
            carry: Vec::new(),
            long_run: None,
            counts: vec![0; matcher.identifiers().len()],
            bytes: 0,
        }
    }

    /// Per identifier (in the matcher's order): how many runs of the stream held it.
    pub fn counts(&self) -> &[u64] {
        &self.counts
    }

    /// Bytes searched so far.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Searches the next piece of the stream.
    pub fn push(&mut self, data: &[u8]) {
        self.bytes += data.len() as u64;
        let mut i = 0;
        if !self.carry.is_empty() || self.long_run.is_some() {
            // The run left unfinished by the last piece goes on.
            let end = find_separator(data, 0);
            self.extend_carry(&data[..end]);
            if end == data.len() {
                return;
            }
            self.finish_run();
            i = end;
        }
        loop {
            // Skip separators.
            while i < data.len() && SEPARATOR[data[i] as usize] {
                i += 1;
            }
            if i == data.len() {
                return;
            }
            let end = find_separator(data, i);
            if end == data.len() {
                self.extend_carry(&data[i..]);
                return;
            }
            if end - i >= self.min_run {
                self.search_run(&data[i..end]);
            }
            i = end;
        }
    }

    /// Ends the stream: the last run is searched.
    pub fn finish(&mut self) {
        if !self.carry.is_empty() || self.long_run.is_some() {
            self.finish_run();
        }
    }

    fn extend_carry(&mut self, bytes: &[u8]) {
        let mut bytes = bytes;
        while self.carry.len() + bytes.len() > MAX_RUN {
            let take = MAX_RUN - self.carry.len();
            self.carry.extend_from_slice(&bytes[..take]);
            bytes = &bytes[take..];
            // A piece of a long run: search it, keep its tail for the next piece.
            let mut found = self
                .long_run
                .take()
                .unwrap_or_else(|| vec![false; self.counts.len()]);
            let carry = std::mem::take(&mut self.carry);
            self.each_hit(&carry, &mut |id| found[id] = true);
            self.carry = carry[carry.len() - OVERLAP..].to_vec();
            self.long_run = Some(found);
        }
        self.carry.extend_from_slice(bytes);
    }

    fn finish_run(&mut self) {
        let carry = std::mem::take(&mut self.carry);
        match self.long_run.take() {
            None => {
                if carry.len() >= self.min_run {
                    self.search_run(&carry);
                }
            }
            Some(mut found) => {
                self.each_hit(&carry, &mut |id| found[id] = true);
                for (id, hit) in found.into_iter().enumerate() {
                    self.counts[id] += u64::from(hit);
                }
            }
        }
        self.carry = carry;
        self.carry.clear();
    }

    /// Searches one complete run and counts what it holds.
    fn search_run(&mut self, run: &[u8]) {
        // Allocates only when something is found.
        let mut found: Vec<usize> = Vec::new();
        self.each_hit(run, &mut |id| {
            if !found.contains(&id) {
                found.push(id);
            }
        });
        for id in found {
            self.counts[id] += 1;
        }
    }

    /// Calls `hit` for each identifier found in `run` (maybe more than once), in every
    /// reading: the run as it is, and without a printable first or last byte.
    fn each_hit(&self, run: &[u8], hit: &mut impl FnMut(usize)) {
        // Invalid UTF-8 cuts the run into valid pieces: a length or a flag next to a value is
        // often a byte above 0x7F that no character starts with. Each piece is shown to the
        // matcher's one-pass pre-filter before anything else ([`Matcher::could_match_bytes`],
        // which answers for every slice of the piece, so for every reading below too): nearly
        // every piece is ruled out there, without its UTF-8 being validated again to hand it
        // over as text.
        let mut rest = run;
        while rest.len() >= self.min_run {
            // An ASCII prefix is valid as it is: only what follows is validated.
            let ascii = ascii_prefix(rest);
            let (valid, skip) = if ascii == rest.len() {
                (ascii, 0)
            } else {
                match simdutf8::compat::from_utf8(&rest[ascii..]) {
                    Ok(_) => (rest.len(), 0),
                    Err(e) => {
                        let valid = ascii + e.valid_up_to();
                        (valid, e.error_len().map_or(rest.len() - valid, usize::from))
                    }
                }
            };
            let piece = &rest[..valid];
            if piece.len() >= self.min_run && self.matcher.could_match_bytes(piece) {
                let text = std::str::from_utf8(piece).expect("valid up to the first error");
                self.each_hit_valid(text, hit);
            }
            rest = &rest[valid + skip..];
        }
    }

    fn each_hit_valid(&self, text: &str, hit: &mut impl FnMut(usize)) {
        self.each_reading(text, &mut |reading| {
            for h in self.matcher.match_value(reading).hits {
                hit(h.identifier);
            }
        });
    }

    /// Calls `search` with each reading of a valid piece of a run that is long enough to
    /// hold an identifier: the piece as it is, and without a printable first or last byte
    /// that may be a binary field's.
    fn each_reading(&self, text: &str, search: &mut impl FnMut(&str)) {
        let run = text.as_bytes();
        let n = run.len();
        // A binary byte at an edge matters only when it glues onto what follows it (an
        // address or a number), or when, without it, the run is a JSON value whose escapes
        // the JSON walk would decode (without escapes, the text search of the whole run finds
        // every spelling the walk finds: quotes bound a candidate as a string's ends do).
        let escapes = || memchr::memchr(b'\\', run).is_some();
        let strip_first = n > 1
            && may_be_binary(run[0], b"{[\"")
            && (glues(run[1]) || (matches!(run[1], b'{' | b'[') && escapes()));
        let strip_last = n > 1
            && may_be_binary(run[n - 1], b"}]\"")
            && (glues(run[n - 2]) || (matches!(run[n - 2], b'}' | b']') && escapes()));
        // Only ASCII bytes are stripped, so every slice is a `str` too.
        let mut read = |reading: &str| {
            if reading.len() >= self.min_run {
                search(reading);
            }
        };
        read(text);
        if strip_first {
            read(&text[1..]);
        }
        if strip_last {
            read(&text[..n - 1]);
        }
        if strip_first && strip_last && n > 2 {
            read(&text[1..n - 1]);
        }
    }
}

/// Whether `b`, at the edge of a run, may be a binary byte that looks like a character.
fn may_be_binary(b: u8, value_edges: &[u8]) -> bool {
    (0x21..0x7f).contains(&b) && !value_edges.contains(&b)
}

/// Whether a character can be part of an e-mail address or a phone number's spelling, so
/// that a binary byte next to it would glue onto it: letters, digits, the local part's
/// symbols (braces aside), a phone number's punctuation, and any non-ASCII character (an
/// internationalized address).
fn glues(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b >= 0x80 || b"!#$%&'*+-/=?^_`|~.()@".contains(&b)
}

/// How many bytes `bytes` starts with that are ASCII.
fn ascii_prefix(bytes: &[u8]) -> usize {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    while let Some(word) = bytes.get(i..i + 8) {
        if u64::from_le_bytes(word.try_into().expect("8 bytes")) & HIGH != 0 {
            break;
        }
        i += 8;
    }
    bytes[i..]
        .iter()
        .position(|b| !b.is_ascii())
        .map_or(bytes.len(), |p| i + p)
}

/// The index of the first separator at or after `from`, or `data.len()`.
fn find_separator(data: &[u8], from: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut i = from;
    // Eight bytes at a time: all printable ASCII (0x20..=0x7E), which no separator is, is
    // most of a value's text. Eight bytes with another byte (a tab, a byte outside ASCII) are
    // looked up one by one, and the search goes on eight at a time after them: a run that
    // holds one byte outside ASCII (a stray length byte before a value, an accented name)
    // is not read byte by byte to its end.
    while let Some(word) = data.get(i..i + 8) {
        let x = u64::from_le_bytes(word.try_into().expect("8 bytes"));
        // Bytes below 0x20, DEL and bytes above 0x7F (and maybe a printable byte after one
        // of them, never fewer).
        let below_space = x.wrapping_sub(ONES * 0x20) & !x & HIGH;
        let del_or_high = (x.wrapping_add(ONES) | x) & HIGH;
        if below_space | del_or_high != 0 {
            if let Some(p) = word.iter().position(|&b| SEPARATOR[b as usize]) {
                return i + p;
            }
        }
        i += 8;
    }
    data[i..]
        .iter()
        .position(|&b| SEPARATOR[b as usize])
        .map_or(data.len(), |p| i + p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use forgetme_matcher::{parse_identifier, ParseOptions};
    use proptest::prelude::*;

    fn matcher(ids: &[&str]) -> Matcher {
        let ids = ids
            .iter()
            .map(|s| parse_identifier(s, &ParseOptions::default()).unwrap())
            .collect();
        Matcher::new(ids, None)
    }

    fn counts(m: &Matcher, pieces: &[&[u8]]) -> Vec<u64> {
        let mut s = StreamMatcher::new(m);
        for p in pieces {
            s.push(p);
        }
        s.finish();
        s.counts().to_vec()
    }

    #[test]
    fn a_value_between_binary_fields_is_found_in_its_spellings() {
        let m = matcher(&["john.smith@pizza.com", "+15550100001"]);
        let data = b"\x00\x14John.Smith@PIZZA.com\x08\x00\x00{\"p\":\"+1 (555) 010-0001\"}\x01";
        assert_eq!(counts(&m, &[data]), vec![1, 1]);
    }

    #[test]
    fn a_printable_length_byte_or_flag_does_not_hide_a_value() {
        let m = matcher(&["john.smith@pizza.com", "+15550100001"]);
        // A 106-byte value's length is the byte `j`; a row flag after a value can be `4`.
        let data = b"\x00jjohn.smith@pizza.com\x00\x00+155501000014\x00";
        assert_eq!(counts(&m, &[data]), vec![1, 1]);
    }

    #[test]
    fn a_value_cut_between_pieces_is_found_once() {
        let m = matcher(&["john.smith@pizza.com"]);
        let data =
            b"\x00\x01{\"email\":\"john.smith@pizza.com\"}\x00\x02 and john.smith@pizza.com\x00";
        for cut in 0..data.len() {
            assert_eq!(
                counts(&m, &[&data[..cut], &data[cut..]]),
                vec![2],
                "cut {cut}"
            );
        }
        let bytes: Vec<&[u8]> = data.chunks(1).collect();
        assert_eq!(counts(&m, &bytes), vec![2]);
    }

    #[test]
    fn a_run_longer_than_the_window_is_searched_in_overlapping_pieces() {
        let m = matcher(&["john.smith@pizza.com"]);
        let mut data = vec![b'a'; MAX_RUN - 5];
        data.extend_from_slice(b" john.smith@pizza.com ");
        data.extend(vec![b'b'; MAX_RUN * 2]);
        data.extend_from_slice(b" john.smith@pizza.com");
        data.push(0);
        assert_eq!(counts(&m, &[&data]), vec![1], "one run, counted once");
        let pieces: Vec<&[u8]> = data.chunks(4096).collect();
        assert_eq!(counts(&m, &pieces), vec![1]);
    }

    #[test]
    fn nothing_is_found_in_other_data() {
        let m = matcher(&["john.smith@pizza.com", "+15550100001"]);
        let data = b"\x00\x14jane.smith@pizza.com\x08+15550100002\x00john.smith@pizza.co\x01";
        assert_eq!(counts(&m, &[data]), vec![0, 0]);
    }

    /// What the stream counts, worked out the plain way: the runs cut at separators, each
    /// cut into its valid UTF-8 (`utf8_chunks`), each reading searched without any
    /// pre-filter. The oracle of the stream's own pre-filter and UTF-8 handling.
    fn unfiltered_counts(m: &Matcher, data: &[u8]) -> Vec<u64> {
        let stream = StreamMatcher::new(m);
        let mut counts = vec![0; m.identifiers().len()];
        for run in data.split(|&b| SEPARATOR[b as usize]) {
            let mut found = vec![false; counts.len()];
            for chunk in run.utf8_chunks() {
                if chunk.valid().len() >= stream.min_run {
                    stream.each_reading(chunk.valid(), &mut |reading| {
                        for h in m.match_value_without_prefilter(reading).hits {
                            found[h.identifier] = true;
                        }
                    });
                }
            }
            for (count, hit) in counts.iter_mut().zip(found) {
                *count += u64::from(hit);
            }
        }
        counts
    }

    /// Spellings of the identifiers of [`oracle_matchers`] the matcher finds, and near misses.
    const SPELLINGS: &[&str] = &[
        "john.smith@pizza.com",
        "John.Smith@PIZZA.COM",
        "John <JOHN.SMITH@pizza.com>",
        "john.smith%40pizza.com",
        "john.smith&#64;pizza.com",
        "john.sm\u{200b}ith@pizza.com",
        "ｊｏｈｎ.smith＠ｐｉｚｚａ.com",
        "john.smith@pizza.co",
        "jane.smith@pizza.com",
        "+1 (555) 010-0001",
        "+1.555.010.0001",
        "001 555 010 0001",
        "15550100001",
        "555-010-0001",
        "＋１ ５５５ ０１０ ０００１",
        "+1 555\u{2060} 010 0001",
        "+1 555 010 0002",
        "+44 20 7946 (0)958",
        "+44 (0)20 7946 0958",
        "020 7946 0958",
        "+44 20 7946 0959",
    ];

    fn oracle_matchers() -> Vec<Matcher> {
        let ids = ["john.smith@pizza.com", "+15550100001", "+442079460958"];
        vec![
            matcher(&ids),
            matcher(&ids[1..]),
            matcher(&["+44207946958"]),
            Matcher::new(
                ids.iter()
                    .map(|s| parse_identifier(s, &ParseOptions::default()).unwrap())
                    .collect(),
                Some(forgetme_matcher::Region::parse("GB").unwrap()),
            ),
        ]
    }

    /// One piece of a stream: binary fields, a spelling alone, or in JSON (written as it is
    /// or with JSON escapes), or printable noise that may glue to its neighbours.
    fn segment() -> impl Strategy<Value = Vec<u8>> {
        let spelling = || prop::sample::select(SPELLINGS).prop_map(str::to_string);
        prop_oneof![
            3 => prop::collection::vec(any::<u8>(), 0..6),
            2 => prop::collection::vec(0u8..0x20, 1..3),
            3 => spelling().prop_map(String::into_bytes),
            2 => (spelling(), any::<bool>()).prop_map(|(s, escape)| {
                let s = if escape {
                    s.replace('@', "\\u0040").replace('5', "\\u0035")
                } else {
                    s
                };
                format!("{{\"e\":\"{s}\",\"n\":1}}").into_bytes()
            }),
            1 => "[ -~]{1,4}".prop_map(String::into_bytes),
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// The stream counts what the plain search of every run counts, however the stream
        /// is cut into pushes: its pre-filter hides nothing, its UTF-8 handling cuts runs as
        /// `utf8_chunks` does.
        #[test]
        fn the_stream_counts_what_the_unfiltered_search_counts(
            segments in prop::collection::vec(segment(), 1..12),
            cut in any::<prop::sample::Index>(),
        ) {
            let data = segments.concat();
            let cut = cut.index(data.len() + 1);
            thread_local! {
                static MATCHERS: Vec<Matcher> = oracle_matchers();
            }
            MATCHERS.with(|matchers| -> Result<(), TestCaseError> {
                for m in matchers {
                    let want = unfiltered_counts(m, &data);
                    prop_assert_eq!(counts(m, &[&data]), want.clone(), "{:?}", data);
                    prop_assert_eq!(counts(m, &[&data[..cut], &data[cut..]]), want, "{:?}", data);
                }
                Ok(())
            })?;
        }
    }

    /// The oracle above is not vacuous: its streams hold every identifier often.
    #[test]
    fn the_stream_oracle_sees_every_identifier() {
        use proptest::strategy::ValueTree;
        use proptest::test_runner::TestRunner;
        let matchers = oracle_matchers();
        let mut runner = TestRunner::deterministic();
        let strategy = prop::collection::vec(segment(), 1..12);
        let mut held = vec![0u64; 3];
        for _ in 0..300 {
            let data = strategy.new_tree(&mut runner).unwrap().current().concat();
            let found = unfiltered_counts(&matchers[0], &data);
            for (total, n) in held.iter_mut().zip(found) {
                *total += u64::from(n > 0);
            }
        }
        assert!(held.iter().all(|&n| n > 30), "{held:?}");
    }

    #[test]
    fn escaped_json_is_decoded() {
        let m = matcher(&["john.smith@pizza.com"]);
        let data = b"\x00\x30{\"e\":\"john.smith\\u0040pizza.com\"}\x00";
        assert_eq!(counts(&m, &[data]), vec![1]);
    }
}
