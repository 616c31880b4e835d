//! Splitting the Murmur3 token ring into ranges that can be read independently.
//!
//! A full scan of a table is a set of `token(pk) > start AND token(pk) <= end` queries whose
//! ranges, taken together, cover the ring exactly once. If two ranges overlapped, rows would
//! be reported twice; if a gap remained, a data subject's record could be missed and the scan
//! would still look clean. The functions here are pure so that this property can be checked by
//! property tests instead of by hoping.

use std::fmt;

/// The smallest token of the Murmur3 partitioner. No partition key hashes to it (Cassandra maps
/// it to the largest token), so the ring is the half-open interval `(MIN, MAX]`.
pub const MIN_TOKEN: i64 = i64::MIN;
/// The largest token of the Murmur3 partitioner.
pub const MAX_TOKEN: i64 = i64::MAX;

/// A half-open token range `(start, end]`.
///
/// The half-open form is what the CQL query `token(pk) > ? AND token(pk) <= ?` expresses, so a
/// range can be sent to Cassandra as it is, and adjacent ranges share a bound without sharing a
/// token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TokenRange {
    /// Exclusive lower bound.
    pub start: i64,
    /// Inclusive upper bound.
    pub end: i64,
}

impl TokenRange {
    /// The whole ring as one range.
    pub const FULL: TokenRange = TokenRange {
        start: MIN_TOKEN,
        end: MAX_TOKEN,
    };

    /// How many tokens the range holds, as `u128` because the full ring holds 2^64 - 1.
    pub fn width(&self) -> u128 {
        (self.end as i128 - self.start as i128) as u128
    }

    /// Whether `token` falls in `(start, end]`.
    pub fn contains(&self, token: i64) -> bool {
        token > self.start && token <= self.end
    }

    /// Cuts the range into `parts` contiguous ranges of nearly equal width (fewer when the
    /// range holds fewer tokens than `parts`).
    pub fn split(&self, parts: usize) -> Vec<TokenRange> {
        let width = self.width();
        let parts = (parts.max(1) as u128).min(width.max(1));
        let mut out = Vec::with_capacity(parts as usize);
        let mut start = self.start;
        for i in 1..=parts {
            let end = if i == parts {
                self.end
            } else {
                (self.start as i128 + (width * i / parts) as i128) as i64
            };
            out.push(TokenRange { start, end });
            start = end;
        }
        out
    }
}

impl fmt::Display for TokenRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {}]", self.start, self.end)
    }
}

/// Turns the tokens that nodes own into the ranges between them.
///
/// A node that owns token `t` owns the range that ends at `t` and starts at the previous token
/// of the ring. The range after the largest token wraps around; it is returned as two ranges,
/// `(last, MAX]` and `(MIN, first]`, because a CQL token restriction cannot wrap. Duplicate and
/// unsorted input is accepted. With no tokens at all (no ring information) the whole ring is one
/// range.
pub fn ranges_between(tokens: &[i64]) -> Vec<TokenRange> {
    let mut sorted: Vec<i64> = tokens.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.is_empty() {
        return vec![TokenRange::FULL];
    }
    let mut ranges = Vec::with_capacity(sorted.len() + 1);
    let first = sorted[0];
    if first > MIN_TOKEN {
        ranges.push(TokenRange {
            start: MIN_TOKEN,
            end: first,
        });
    }
    for pair in sorted.windows(2) {
        ranges.push(TokenRange {
            start: pair[0],
            end: pair[1],
        });
    }
    let last = *sorted.last().expect("not empty");
    if last < MAX_TOKEN {
        ranges.push(TokenRange {
            start: last,
            end: MAX_TOKEN,
        });
    }
    ranges
}

/// The ranges of the ring, each cut into about `splits_per_range` parts, so that a node's share
/// of the ring is read by several concurrent queries.
pub fn splits(tokens: &[i64], splits_per_range: usize) -> Vec<TokenRange> {
    ranges_between(tokens)
        .iter()
        .flat_map(|r| r.split(splits_per_range))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Checks that `ranges`, sorted, tile `(MIN, MAX]` with no gap and no overlap.
    fn assert_tiles_ring(mut ranges: Vec<TokenRange>) {
        ranges.sort();
        assert_eq!(
            ranges.first().unwrap().start,
            MIN_TOKEN,
            "ring start missed"
        );
        assert_eq!(ranges.last().unwrap().end, MAX_TOKEN, "ring end missed");
        for pair in ranges.windows(2) {
            assert_eq!(pair[0].end, pair[1].start, "gap or overlap at {}", pair[0]);
        }
        for r in &ranges {
            assert!(r.start < r.end, "empty range {r}");
        }
        let total: u128 = ranges.iter().map(|r| r.width()).sum();
        assert_eq!(total, TokenRange::FULL.width());
    }

    #[test]
    fn no_tokens_means_one_full_range() {
        assert_eq!(ranges_between(&[]), vec![TokenRange::FULL]);
    }

    #[test]
    fn wrapping_range_is_cut_in_two() {
        let r = ranges_between(&[10, -10]);
        assert_eq!(
            r,
            vec![
                TokenRange {
                    start: MIN_TOKEN,
                    end: -10
                },
                TokenRange {
                    start: -10,
                    end: 10
                },
                TokenRange {
                    start: 10,
                    end: MAX_TOKEN
                },
            ]
        );
    }

    #[test]
    fn extreme_tokens_do_not_create_empty_ranges() {
        assert_tiles_ring(ranges_between(&[MIN_TOKEN, MAX_TOKEN, 0]));
        assert_tiles_ring(splits(&[MAX_TOKEN], 8));
    }

    #[test]
    fn split_of_tiny_range_never_yields_empty_parts() {
        let r = TokenRange { start: 5, end: 7 };
        assert_eq!(
            r.split(10),
            vec![
                TokenRange { start: 5, end: 6 },
                TokenRange { start: 6, end: 7 }
            ]
        );
    }

    #[test]
    fn contains_is_half_open() {
        let r = TokenRange { start: 0, end: 10 };
        assert!(!r.contains(0));
        assert!(r.contains(1));
        assert!(r.contains(10));
        assert!(!r.contains(11));
    }

    proptest! {
        #[test]
        fn splits_cover_the_ring_exactly_once(
            tokens in proptest::collection::vec(any::<i64>(), 0..64),
            per_range in 1usize..20,
        ) {
            assert_tiles_ring(splits(&tokens, per_range));
        }

        #[test]
        fn every_token_lies_in_exactly_one_split(
            tokens in proptest::collection::vec(any::<i64>(), 0..32),
            per_range in 1usize..8,
            probes in proptest::collection::vec(any::<i64>(), 1..32),
        ) {
            let all = splits(&tokens, per_range);
            for p in probes {
                if p == MIN_TOKEN { continue; }
                let owners = all.iter().filter(|r| r.contains(p)).count();
                prop_assert_eq!(owners, 1, "token {} owned by {} ranges", p, owners);
            }
        }
    }
}
