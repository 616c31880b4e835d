//! Phone numbers: a small table of regions and normalization to E.164.
//!
//! This is hand-rolled on purpose. Erasure needs to know when two spellings are the *same*
//! number (`+44 (0)20 7946 0958` and `020 7946 0958` in the United Kingdom), not whether a
//! number is allocated, so a full numbering-plan database would only add weight and refuse
//! the fictional numbers used in tests and demos. The table knows, per region, how a number
//! is dialled (international prefix, trunk prefix) and how long its national significant
//! number (NSN) may be, which is enough to normalize and to catch typos in the subject's
//! number.

use std::fmt;
use std::str::FromStr;

/// The most digits a dialled string may have: an international prefix of up to 4 digits
/// in front of the 15 digits E.164 allows. Anything longer cannot be one phone number.
pub(crate) const MAX_DIALLED_DIGITS: usize = 19;

/// The most digits an identifier may be written with: the longest international prefix of
/// the metadata (Australia's carrier-selecting `14xx0011`, 8 digits) in front of 15 digits.
/// Stored runs longer than [`MAX_DIALLED_DIGITS`] are read in parts instead.
const MAX_READ_DIGITS: usize = 23;

// The bounds of a whole international number: the metadata's tables are built with them.
pub use crate::metadata::{MAX_E164_DIGITS, MIN_E164_DIGITS};

/// The international prefix accepted in every region: ITU recommends it, and no region's
/// national numbers start with it, so reading it as "international" never misreads a
/// national number.
const UNIVERSAL_INTERNATIONAL_PREFIX: &str = "00";

/// A region (country) whose dialling conventions the matcher knows.
///
/// The default region says how stored numbers written in national format (without `+`)
/// are to be read, and lets the operator give the subject's number in national format.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    iso: &'static str,
    calling_code: u16,
    international_prefixes: &'static [&'static str],
    trunk_prefix: Option<&'static str>,
    /// Every trunk prefix a national spelling may start with, longest first; the trunk
    /// prefix alone for most regions.
    trunk_prefixes: &'static [&'static str],
    nsn_lengths: &'static [u8],
    nsn_first_digit_not: &'static [u8],
    /// National spellings the metadata rewrites into a national number (Argentina's
    /// `011 15 …` for `9 11 …`), longest prefix first; none for the curated regions.
    national_rewrites: &'static [Rewrite],
}

/// A national spelling rewritten into a national significant number: digits that start
/// with `prefix` and have `rest_min..=rest_max` digits after it are `replacement` followed
/// by those digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct Rewrite {
    pub(crate) prefix: &'static str,
    pub(crate) replacement: &'static str,
    pub(crate) rest_min: u8,
    pub(crate) rest_max: u8,
}

impl Rewrite {
    /// The digits after the prefix, when `digits` is such a spelling.
    pub(crate) fn rest<'d>(&self, digits: &'d [u8]) -> Option<&'d [u8]> {
        digits.strip_prefix(self.prefix.as_bytes()).filter(|rest| {
            (usize::from(self.rest_min)..=usize::from(self.rest_max)).contains(&rest.len())
        })
    }
}

impl Region {
    /// Looks a region up by its ISO 3166-1 alpha-2 code, case-insensitively (`"gb"`, `"GB"`).
    ///
    /// Returns `None` for a code the table does not have; [`Region::all`] lists the ones it has.
    pub fn parse(code: &str) -> Option<Region> {
        let found = |regions: &[Region]| {
            regions
                .iter()
                .find(|r| r.iso.eq_ignore_ascii_case(code.trim()))
                .copied()
        };
        // The curated regions need no metadata: reading it costs a few tenths of a second.
        found(&CURATED).or_else(|| found(&REGIONS))
    }

    /// Every region of the table, so a CLI can list them in its help and errors.
    pub fn all() -> &'static [Region] {
        REGIONS.as_slice()
    }

    /// The first region of the table that uses a country calling code, used to check the
    /// length of an international number (for `1`, the NANP rules shared by US and CA).
    pub fn for_calling_code(calling_code: u16) -> Option<Region> {
        let found = |regions: &[Region]| {
            regions
                .iter()
                .find(|r| r.calling_code == calling_code)
                .copied()
        };
        found(&CURATED).or_else(|| found(&REGIONS))
    }

    /// The regions that use `calling_code`. For a curated region's code, the curated
    /// regions only: the metadata's other regions of these codes (Jersey for `+44`,
    /// Kazakhstan for `+7`) have the same trunk prefixes (a test checks it), and reading
    /// the metadata costs a few tenths of a second.
    pub(crate) fn sharing_calling_code(calling_code: u16) -> impl Iterator<Item = Region> {
        let curated = CURATED.iter().any(|r| r.calling_code == calling_code);
        let regions: &'static [Region] = if curated { &CURATED } else { &REGIONS };
        regions
            .iter()
            .filter(move |r| r.calling_code == calling_code)
            .copied()
    }

    /// The codes of every region of the table, comma-separated, for help and errors: the
    /// curated regions first (the common ones), then the others, see [`REGIONS`].
    pub fn supported_codes() -> String {
        REGIONS.iter().map(|r| r.iso).collect::<Vec<_>>().join(", ")
    }

    /// The ISO 3166-1 alpha-2 code, upper case (`"GB"`).
    pub fn iso_code(&self) -> &'static str {
        self.iso
    }

    /// The country calling code (`44` for GB).
    pub fn calling_code(&self) -> u16 {
        self.calling_code
    }

    /// What a caller in this region dials before a foreign country code (`011` in the US).
    /// `00` is accepted everywhere in addition to these.
    pub fn international_prefixes(&self) -> &'static [&'static str] {
        self.international_prefixes
    }

    /// What a caller in this region dials before a national number (`0` in GB, `1` in the
    /// US), if the region has one.
    pub fn trunk_prefix(&self) -> Option<&'static str> {
        self.trunk_prefix
    }

    /// Every prefix a national spelling may start with in this region, longest first: the
    /// trunk prefix, and the other spellings of it libphonenumber reads (`8 0…`, `0…` and
    /// `8…` in Belarus). Empty when the region has no trunk prefix.
    pub fn trunk_prefixes(&self) -> &'static [&'static str] {
        self.trunk_prefixes
    }

    /// The lengths the national significant number of any type of number (geographic,
    /// mobile, toll-free, premium-rate, shared-cost, VoIP, personal, pager, UAN, voicemail)
    /// may have in this region.
    pub fn nsn_lengths(&self) -> &'static [u8] {
        self.nsn_lengths
    }

    /// The national spellings the metadata rewrites into a national number.
    pub(crate) fn national_rewrites(&self) -> &'static [Rewrite] {
        self.national_rewrites
    }

    /// Calls `f` with each national number a rewrite of the metadata reads `digits` as, that
    /// this region accepts, until `f` returns `true`; returns whether it did.
    pub(crate) fn any_rewritten(&self, digits: &[u8], mut f: impl FnMut(&[u8]) -> bool) -> bool {
        let mut buf = [0u8; 2 * MAX_READ_DIGITS];
        // Sorted by prefix length (longest first), then by prefix: per length, the rewrites
        // whose prefix starts `digits` are found by binary search (Argentina has hundreds,
        // and a scan with its default region reads every run this way).
        let mut rewrites = self.national_rewrites;
        let mut candidates = std::iter::from_fn(move || loop {
            let len = rewrites.first()?.prefix.len();
            let (group, rest) =
                rewrites.split_at(rewrites.partition_point(|r| r.prefix.len() == len));
            rewrites = rest;
            if let Some(head) = digits.get(..len) {
                let start = group.partition_point(|r| r.prefix.as_bytes() < head);
                let end = group.partition_point(|r| r.prefix.as_bytes() <= head);
                if start < end {
                    return Some(&group[start..end]);
                }
            }
        })
        .flatten();
        candidates.any(|rewrite| {
            let Some(rest) = rewrite.rest(digits) else {
                return false;
            };
            let len = rewrite.replacement.len() + rest.len();
            let Some(nsn) = buf.get_mut(..len) else {
                return false;
            };
            nsn[..rewrite.replacement.len()].copy_from_slice(rewrite.replacement.as_bytes());
            nsn[rewrite.replacement.len()..].copy_from_slice(rest);
            self.accepts_nsn(nsn) && f(nsn)
        })
    }

    /// Whether `nsn` (digits after the country code and any trunk prefix) can be a number of
    /// this region. Only the length and the first digit are checked: allocation is not.
    pub fn accepts_nsn(&self, nsn: &[u8]) -> bool {
        let length_ok = u8::try_from(nsn.len()).is_ok_and(|len| self.nsn_lengths.contains(&len));
        let first_ok = nsn
            .first()
            .is_some_and(|d| !self.nsn_first_digit_not.contains(d));
        length_ok && first_ok
    }

    /// The prefixes that mark a dialled string as international in this region: the
    /// region's own and the universal `00`.
    fn all_international_prefixes(self) -> impl Iterator<Item = &'static str> {
        std::iter::once(UNIVERSAL_INTERNATIONAL_PREFIX).chain(
            self.international_prefixes
                .iter()
                .copied()
                .filter(|p| *p != UNIVERSAL_INTERNATIONAL_PREFIX),
        )
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Region({})", self.iso)
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.iso)
    }
}

/// The error of parsing an unknown region code. Region codes are not personal data, so the
/// message repeats the code to help the operator spot a typo.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown region {code:?}; use the ISO 3166-1 alpha-2 code of a supported region: {}",
    Region::supported_codes()
)]
pub struct UnknownRegion {
    /// The code that was given.
    pub code: String,
}

impl FromStr for Region {
    type Err = UnknownRegion;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::parse(s).ok_or_else(|| UnknownRegion {
            code: s.to_string(),
        })
    }
}

/// The trunk prefix of a curated region as the list [`Region::trunk_prefixes`] gives.
const fn trunk_list(trunk_prefix: Option<&'static str>) -> &'static [&'static str] {
    match trunk_prefix {
        Some(t) if t.len() == 1 && t.as_bytes()[0] == b'0' => &["0"],
        Some(t) if t.len() == 1 && t.as_bytes()[0] == b'1' => &["1"],
        Some(t) if t.len() == 1 && t.as_bytes()[0] == b'8' => &["8"],
        Some(_) => panic!("a curated trunk prefix is 0, 1 or 8"),
        None => &[],
    }
}

/// Builds a table row; a function keeps the table below one line per region.
const fn region(
    iso: &'static str,
    calling_code: u16,
    international_prefixes: &'static [&'static str],
    trunk_prefix: Option<&'static str>,
    nsn_lengths: &'static [u8],
    nsn_first_digit_not: &'static [u8],
) -> Region {
    Region {
        iso,
        calling_code,
        international_prefixes,
        trunk_prefix,
        trunk_prefixes: trunk_list(trunk_prefix),
        nsn_lengths,
        nsn_first_digit_not,
        national_rewrites: &[],
    }
}

/// A curated region's row with the rewrites of its national spellings.
const fn with_rewrites(region: Region, national_rewrites: &'static [Rewrite]) -> Region {
    Region {
        national_rewrites,
        ..region
    }
}

/// A rewrite of a curated region that drops `prefix` before `rest_min..=rest_max` digits.
const fn drop_prefix(prefix: &'static str, rest_min: u8, rest_max: u8) -> Rewrite {
    Rewrite {
        prefix,
        replacement: "",
        rest_min,
        rest_max,
    }
}

/// A rewrite of a curated region that keeps the whole number: `prefix` and `rest_min..=
/// rest_max` more digits are a national number as written.
const fn keep_whole(prefix: &'static str, rest_min: u8, rest_max: u8) -> Rewrite {
    Rewrite {
        prefix,
        replacement: prefix,
        rest_min,
        rest_max,
    }
}

/// Brazil: the trunk prefix `0` (or `90`) and a two-digit carrier code before a number of
/// 10 or 11 digits (`0 21 11 92345-6789`), and `90` alone, as the metadata reads them.
const BR_REWRITES: &[Rewrite] = &[
    drop_prefix("9012", 10, 11),
    drop_prefix("9014", 10, 11),
    drop_prefix("9015", 10, 11),
    drop_prefix("9021", 10, 11),
    drop_prefix("9022", 10, 11),
    drop_prefix("9023", 10, 11),
    drop_prefix("9025", 10, 11),
    drop_prefix("9031", 10, 11),
    drop_prefix("9041", 10, 11),
    drop_prefix("9043", 10, 11),
    drop_prefix("9055", 10, 11),
    drop_prefix("9065", 10, 11),
    drop_prefix("9099", 10, 11),
    drop_prefix("012", 10, 11),
    drop_prefix("014", 10, 11),
    drop_prefix("015", 10, 11),
    drop_prefix("021", 10, 11),
    drop_prefix("022", 10, 11),
    drop_prefix("023", 10, 11),
    drop_prefix("025", 10, 11),
    drop_prefix("031", 10, 11),
    drop_prefix("041", 10, 11),
    drop_prefix("043", 10, 11),
    drop_prefix("055", 10, 11),
    drop_prefix("065", 10, 11),
    drop_prefix("099", 10, 11),
    drop_prefix("90", 0, u8::MAX),
];

/// Japan: the `003768` (`0037680`) prefix dropped, and `000[2569]` numbers kept whole.
const JP_REWRITES: &[Rewrite] = &[
    drop_prefix("0037680", 0, u8::MAX),
    drop_prefix("003768", 0, u8::MAX),
    keep_whole("0002", 4, 6),
    keep_whole("0005", 4, 6),
    keep_whole("0006", 4, 6),
    keep_whole("0009", 4, 6),
];

/// Australia: the carrier prefixes `1831` and `1832` dropped.
const AU_REWRITES: &[Rewrite] = &[
    drop_prefix("1831", 0, u8::MAX),
    drop_prefix("1832", 0, u8::MAX),
];

const INTL_00: &[&str] = &["00"];
const TRUNK_0: Option<&str> = Some("0");
/// NANP area codes start with 2–9, so a leading 0 or 1 is a typo or a trunk prefix.
const NANP_NOT_FIRST: &[u8] = b"01";
/// In regions whose trunk prefix is `0`, no NSN starts with `0`.
const ZERO_NOT_FIRST: &[u8] = b"0";

/// Regions whose rules are written out here rather than read from the metadata: the
/// numbering plans most contact centers serve, reviewed by hand (NSN lengths of every type
/// of number the metadata describes: geographic, mobile, toll-free, premium-rate,
/// shared-cost, VoIP, personal, pager, UAN and voicemail; a test checks that they cover the
/// metadata's), and kept
/// where they differ from the metadata's reading (Finland's international prefixes are
/// the common ones; Brazil's carrier-selection prefixes are not read). Every other region
/// comes from libphonenumber's metadata, see [`REGIONS`].
const CURATED: [Region; 31] = [
    region("US", 1, &["011"], Some("1"), &[10], NANP_NOT_FIRST),
    // Canada's 7-digit numbers are its UANs.
    region("CA", 1, &["011"], Some("1"), &[7, 10], NANP_NOT_FIRST),
    region("GB", 44, INTL_00, TRUNK_0, &[7, 9, 10], ZERO_NOT_FIRST),
    region("IE", 353, INTL_00, TRUNK_0, &[7, 8, 9, 10], ZERO_NOT_FIRST),
    region(
        "DE",
        49,
        INTL_00,
        TRUNK_0,
        &[4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
        ZERO_NOT_FIRST,
    ),
    region("FR", 33, INTL_00, TRUNK_0, &[9], ZERO_NOT_FIRST),
    region("ES", 34, INTL_00, None, &[9], b""),
    region("IT", 39, INTL_00, None, &[6, 7, 8, 9, 10, 11, 12], b""),
    region(
        "NL",
        31,
        INTL_00,
        TRUNK_0,
        &[5, 6, 7, 8, 9, 10, 11],
        ZERO_NOT_FIRST,
    ),
    region("BE", 32, INTL_00, TRUNK_0, &[8, 9], ZERO_NOT_FIRST),
    region("CH", 41, INTL_00, TRUNK_0, &[9, 12], ZERO_NOT_FIRST),
    region(
        "AT",
        43,
        INTL_00,
        TRUNK_0,
        &[4, 5, 6, 7, 8, 9, 10, 11, 12, 13],
        ZERO_NOT_FIRST,
    ),
    region(
        "SE",
        46,
        INTL_00,
        TRUNK_0,
        &[6, 7, 8, 9, 10, 12],
        ZERO_NOT_FIRST,
    ),
    region("NO", 47, INTL_00, None, &[5, 8], b""),
    region("DK", 45, INTL_00, None, &[8], b""),
    region(
        "FI",
        358,
        &["00", "990", "994", "999"],
        TRUNK_0,
        &[5, 6, 7, 8, 9, 10, 11, 12],
        ZERO_NOT_FIRST,
    ),
    region("PL", 48, INTL_00, None, &[6, 7, 8, 9, 10], b""),
    region("PT", 351, INTL_00, None, &[9], b""),
    region("CZ", 420, INTL_00, None, &[9, 10, 11, 12], b""),
    with_rewrites(
        region(
            "AU",
            61,
            &["0011"],
            TRUNK_0,
            &[5, 6, 7, 8, 9, 10, 12],
            ZERO_NOT_FIRST,
        ),
        AU_REWRITES,
    ),
    region(
        "NZ",
        64,
        INTL_00,
        TRUNK_0,
        &[5, 6, 7, 8, 9, 10],
        ZERO_NOT_FIRST,
    ),
    region(
        "IN",
        91,
        INTL_00,
        TRUNK_0,
        &[8, 9, 10, 11, 12, 13],
        ZERO_NOT_FIRST,
    ),
    with_rewrites(
        region(
            "JP",
            81,
            &["010"],
            TRUNK_0,
            &[8, 9, 10, 11, 12, 13],
            ZERO_NOT_FIRST,
        ),
        JP_REWRITES,
    ),
    with_rewrites(
        region("BR", 55, INTL_00, TRUNK_0, &[8, 9, 10, 11], ZERO_NOT_FIRST),
        BR_REWRITES,
    ),
    region("MX", 52, INTL_00, None, &[10], b""),
    region(
        "ZA",
        27,
        INTL_00,
        TRUNK_0,
        &[5, 6, 7, 8, 9, 10],
        ZERO_NOT_FIRST,
    ),
    region(
        "SG",
        65,
        &["000", "001", "002", "008"],
        None,
        &[8, 10, 11],
        b"",
    ),
    region(
        "HK",
        852,
        &["001", "002", "009"],
        None,
        &[5, 6, 7, 8, 9, 11],
        b"",
    ),
    region(
        "IL",
        972,
        &["00", "012", "013", "014", "018"],
        TRUNK_0,
        &[7, 8, 9, 10, 11, 12],
        ZERO_NOT_FIRST,
    ),
    region("RU", 7, &["810"], Some("8"), &[10, 14], b""),
    region(
        "CN",
        86,
        INTL_00,
        TRUNK_0,
        &[7, 8, 9, 10, 11, 12],
        ZERO_NOT_FIRST,
    ),
];

/// Set when [`REGIONS`] is built.
static METADATA_LOADED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether libphonenumber's metadata has been read in this process: about 60 ms of start-up
/// that the curated regions (US, GB, DE, FR, ...) are there to spare a search. For tests.
#[doc(hidden)]
pub fn region_metadata_loaded() -> bool {
    METADATA_LOADED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Every region: the curated ones first (so that [`Region::for_calling_code`] finds US for
/// `1`, GB for `44`, RU for `7`), then every other region of libphonenumber's metadata, the
/// main region of a shared calling code before the others, then by ISO code. Built once, on
/// first use; its strings live as long as the process.
static REGIONS: std::sync::LazyLock<Vec<Region>> = std::sync::LazyLock::new(|| {
    METADATA_LOADED.store(true, std::sync::atomic::Ordering::Relaxed);
    let mut out = CURATED.to_vec();
    let mut rest: Vec<crate::metadata::RegionRules> = crate::metadata::all_regions()
        .into_iter()
        .filter(|r| !CURATED.iter().any(|c| c.iso == r.iso))
        .collect();
    rest.sort_by_key(|r| (!r.main_for_code, r.iso));
    fn leak<T>(v: Vec<T>) -> &'static [T] {
        Box::leak(v.into_boxed_slice())
    }
    for r in rest {
        let prefixes: Vec<&'static str> = r
            .international_prefixes
            .into_iter()
            .map(|p| &*Box::leak(p.into_boxed_str()))
            .collect();
        out.push(Region {
            iso: r.iso,
            calling_code: r.calling_code,
            international_prefixes: leak(prefixes),
            trunk_prefix: r.trunk_prefix.map(|t| &*Box::leak(t.into_boxed_str())),
            trunk_prefixes: leak(
                r.trunk_prefixes
                    .into_iter()
                    .map(|t| &*Box::leak(t.into_boxed_str()))
                    .collect(),
            ),
            nsn_lengths: leak(r.nsn_lengths),
            nsn_first_digit_not: leak(r.nsn_first_digit_not),
            national_rewrites: leak(
                r.national_rewrites
                    .into_iter()
                    .map(|w| Rewrite {
                        prefix: Box::leak(w.prefix.into_boxed_str()),
                        replacement: Box::leak(w.replacement.into_boxed_str()),
                        rest_min: w.rest_min,
                        rest_max: w.rest_max,
                    })
                    .collect(),
            ),
        });
    }
    out
});

/// Whether `code` is an assigned (or reserved) ITU-T E.164 country calling code.
///
/// Country codes form a prefix-free code, so an international number splits into country
/// code and NSN in exactly one way; this list is what makes the split possible for regions
/// the table above does not describe.
pub fn is_calling_code(code: u16) -> bool {
    matches!(code,
        1 | 7
        | 20 | 27 | 30..=34 | 36 | 39 | 40 | 41 | 43..=49 | 51..=58 | 60..=66
        | 81 | 82 | 84 | 86 | 90..=95 | 98
        | 211 | 212 | 213 | 216 | 218 | 220..=258 | 260..=269 | 290 | 291 | 297..=299
        | 350..=359 | 370..=383 | 385 | 386 | 387 | 389 | 420 | 421 | 423
        | 500..=509 | 590..=599 | 670 | 672..=683 | 685..=692
        | 800 | 808 | 850 | 852 | 853 | 855 | 856 | 870 | 878 | 880..=883 | 886 | 888
        | 960..=968 | 970..=977 | 979 | 991..=996 | 998)
}

/// Splits international digits (no prefix, no `+`) into the length of the country code,
/// or `None` when they start with no known country code.
pub fn calling_code_len(digits: &[u8]) -> Option<usize> {
    if digits.first() == Some(&b'0') {
        return None;
    }
    (1..=3).filter(|&n| n < digits.len()).find(|&n| {
        let code = digits[..n]
            .iter()
            .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
        is_calling_code(code)
    })
}

/// A phone number in E.164 form, split into country code and NSN.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PhoneNumber {
    /// `+` followed by the digits.
    e164: String,
    calling_code_len: u8,
}

impl PhoneNumber {
    /// The number as `+<digits>`, the one spelling every other spelling normalizes to.
    pub fn e164(&self) -> &str {
        &self.e164
    }

    /// The digits of the E.164 form, without `+`.
    pub fn digits(&self) -> &str {
        &self.e164[1..]
    }

    /// The country calling code (`44` for a UK number).
    pub fn calling_code(&self) -> u16 {
        self.e164[1..1 + usize::from(self.calling_code_len)]
            .parse()
            .expect("calling code is digits")
    }

    /// The national significant number: the digits after the country code, without any
    /// trunk prefix. A national-format spelling is this, possibly behind a trunk prefix.
    pub fn national_significant_number(&self) -> &str {
        &self.e164[1 + usize::from(self.calling_code_len)..]
    }
}

impl PhoneNumber {
    /// What libphonenumber's metadata calls this number: the region it belongs to (of those
    /// sharing its calling code) and its type, for the report to show. The metadata is read
    /// (and its patterns compiled) on the first call, never on the scan path.
    pub fn metadata_reading(&self) -> NumberReading {
        let Ok(parsed) = phonenumber::parse(None, &self.e164) else {
            return NumberReading {
                region: None,
                number_type: NumberType::Unknown,
            };
        };
        let valid = phonenumber::is_valid(&parsed);
        let region = parsed
            .country()
            .id()
            .and_then(|id| Region::parse(id.as_ref()));
        let number_type = if valid {
            NumberType::of(parsed.number_type(&phonenumber::metadata::DATABASE))
        } else {
            NumberType::Unknown
        };
        NumberReading {
            region: region.filter(|_| valid),
            number_type,
        }
    }
}

/// A phone number as libphonenumber's metadata reads it, see
/// [`PhoneNumber::metadata_reading`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NumberReading {
    /// The region the number is valid in; `None` when the metadata knows no such number
    /// (a fictional `+1 555 01xx` number, an unallocated range, a non-geographic code).
    pub region: Option<Region>,
    /// Its type; [`NumberType::Unknown`] when the metadata knows no such number.
    pub number_type: NumberType,
}

impl fmt::Display for NumberReading {
    /// `mobile, IE`; `toll-free, AU`; `not a number the metadata knows`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.number_type, self.region) {
            (NumberType::Unknown, _) => f.write_str("not a number the metadata knows"),
            (t, Some(region)) => write!(f, "{t}, {region}"),
            (t, None) => write!(f, "{t}"),
        }
    }
}

/// The type of a phone number, by libphonenumber's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NumberType {
    /// A geographic (fixed-line) number.
    FixedLine,
    /// A mobile number.
    Mobile,
    /// A number the metadata cannot tell fixed-line from mobile (the NANP's).
    FixedLineOrMobile,
    /// A freephone number.
    TollFree,
    /// A premium-rate number.
    PremiumRate,
    /// A shared-cost number.
    SharedCost,
    /// A personal number, routed to another line.
    Personal,
    /// A VoIP number.
    Voip,
    /// A pager number.
    Pager,
    /// A universal access (company) number.
    Uan,
    /// A voicemail access number.
    Voicemail,
    /// Any other type, or a number the metadata does not know.
    Unknown,
}

impl NumberType {
    fn of(t: phonenumber::Type) -> NumberType {
        use phonenumber::Type;
        match t {
            Type::FixedLine => NumberType::FixedLine,
            Type::Mobile => NumberType::Mobile,
            Type::FixedLineOrMobile => NumberType::FixedLineOrMobile,
            Type::TollFree => NumberType::TollFree,
            Type::PremiumRate => NumberType::PremiumRate,
            Type::SharedCost => NumberType::SharedCost,
            Type::PersonalNumber => NumberType::Personal,
            Type::Voip => NumberType::Voip,
            Type::Pager => NumberType::Pager,
            Type::Uan => NumberType::Uan,
            Type::Voicemail => NumberType::Voicemail,
            _ => NumberType::Unknown,
        }
    }

    /// A stable kebab-case name for reports: `fixed-line`, `toll-free`, `uan`...
    pub fn as_str(self) -> &'static str {
        match self {
            NumberType::FixedLine => "fixed-line",
            NumberType::Mobile => "mobile",
            NumberType::FixedLineOrMobile => "fixed-line-or-mobile",
            NumberType::TollFree => "toll-free",
            NumberType::PremiumRate => "premium-rate",
            NumberType::SharedCost => "shared-cost",
            NumberType::Personal => "personal",
            NumberType::Voip => "voip",
            NumberType::Pager => "pager",
            NumberType::Uan => "uan",
            NumberType::Voicemail => "voicemail",
            NumberType::Unknown => "unknown",
        }
    }
}

impl fmt::Display for NumberType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Never prints the digits: a phone number is personal data.
impl fmt::Debug for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PhoneNumber(<redacted>)")
    }
}

/// Why a string is not a usable phone number. Messages say how to fix the input and never
/// contain it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// Holds characters other than digits, a leading `+` and common punctuation.
    #[error("not a phone number: only digits, a leading +, spaces and . - ( ) / are allowed")]
    NotAPhone,
    /// Too few digits to be any phone number.
    #[error("too few digits for a phone number; give the whole number with its country code, e.g. +44 20 7946 0958")]
    TooFewDigits,
    /// More digits than any phone number has.
    #[error("too many digits for one phone number (at most 15 plus an international prefix); give a single number")]
    TooManyDigits,
    /// A national number but no region to read it in. The hint names only the regions in
    /// which the digits are a valid number (by libphonenumber's metadata), or none: naming
    /// an example region would invite the operator to search someone else's number.
    #[error("a national phone number (no leading + or 00) needs a region: {}", needs_region_hint(.valid_in))]
    NeedsRegion {
        /// The regions of the table in which the number is a valid number, in table order.
        valid_in: RegionList,
    },
    /// International number of the wrong total length.
    #[error("an international phone number has 6 to 15 digits counting the country code, this one has {digits}; check for a missing or extra digit")]
    InternationalLength {
        /// Digits found after `+` or the international prefix.
        digits: usize,
    },
    /// Two international prefixes of the region fit and give different numbers.
    #[error("the digits can be read after more than one international prefix of the region; write the number as +<country code><number>")]
    AmbiguousPrefix,
    /// International number that starts with no country code.
    #[error("the number does not start with a known country calling code; write it as +<country code><number>")]
    UnknownCallingCode,
    /// The trunk prefix was kept after the country code (`+44 020…`).
    #[error("the national trunk prefix {trunk} must not follow the country code +{calling_code}; drop it, or write it as ({trunk})")]
    TrunkAfterCallingCode {
        /// The region's trunk prefix.
        trunk: &'static str,
        /// The country code it followed.
        calling_code: u16,
    },
    /// The NSN has a length or first digit impossible in its region.
    #[error("cannot be a phone number of region {region}: the number after the country code and trunk prefix has {found} digits, {region} numbers have {allowed} and cannot start with {forbidden}; check for a missing or extra digit")]
    NotARegionNumber {
        /// ISO code of the region.
        region: &'static str,
        /// Digits in the NSN that was found.
        found: usize,
        /// Allowed lengths, for the message.
        allowed: LengthList,
        /// Forbidden first digits, for the message.
        forbidden: DigitList,
    },
}

/// ISO codes of regions, for an error message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegionList(pub Vec<&'static str>);

/// The fix for a national number without region, naming the regions it fits.
fn needs_region_hint(valid_in: &RegionList) -> String {
    match valid_in.0.as_slice() {
        [] => "it is not a valid number of any supported region as written; write it as +<country code><number>, or give its region (REGION:number, or --default-region)".to_string(),
        [only] => format!("it is a valid number in {only} only; write {only}:<number> (or --default-region {only}), or write it as +<country code><number>"),
        many => format!(
            "it is a valid number in {}; put the right one in front (e.g. {}:<number>) or give it as --default-region, or write it as +<country code><number>",
            many.join(", "),
            many[0]
        ),
    }
}

/// The regions of the table in which a national spelling (no `+`, no international prefix)
/// is a valid number, by libphonenumber's metadata: the region's reading of the digits must
/// be a number libphonenumber knows to exist, of that very region (`+1` is US or CA).
///
/// This runs only for the refusal's hint, never on the scan path: the metadata is loaded
/// and its patterns are compiled on first use.
pub fn regions_where_valid(input: &str) -> Vec<&'static str> {
    Region::all()
        .iter()
        .filter(|region| {
            matches!(
                normalize_phone_reading(input, Some(**region)),
                Ok((number, Some(_))) if is_valid_number_of(&number, **region)
            )
        })
        .map(|region| region.iso)
        .collect()
}

/// Whether libphonenumber's metadata knows `number` as a valid number of `region` (not only
/// of the right length: in a range that exists). Fictional numbers (`+1 555 010 …`) are not.
/// For input checks only, like [`regions_where_valid`].
pub fn is_valid_number_of(number: &PhoneNumber, region: Region) -> bool {
    phonenumber::parse(None, number.e164()).is_ok_and(|parsed| {
        phonenumber::is_valid(&parsed)
            && parsed
                .country()
                .id()
                .is_some_and(|id| id.as_ref() == region.iso)
    })
}

/// Allowed NSN lengths, displayed as `9 or 10`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LengthList(pub &'static [u8]);

impl fmt::Display for LengthList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, len) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(if i + 1 == self.0.len() { " or " } else { ", " })?;
            }
            write!(f, "{len}")?;
        }
        Ok(())
    }
}

/// Forbidden first digits, displayed as `0 or 1` (`-` when none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DigitList(pub &'static [u8]);

impl fmt::Display for DigitList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("-");
        }
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(" or ")?;
            }
            write!(f, "{}", char::from(*d))?;
        }
        Ok(())
    }
}

/// Whether `c` is punctuation people put inside phone numbers; it is skipped when reading
/// the digits.
pub(crate) fn is_phone_punctuation(c: char) -> bool {
    matches!(
        c,
        ' ' | '.'
            | '-'
            | '('
            | ')'
            | '/'
            | '\u{a0}'
            | '\u{2009}'
            | '\u{202f}'
            | '\u{2010}'
            | '\u{2011}'
            | '\u{2012}'
            | '\u{2013}'
    )
}

/// The digits of a dialled string and whether it started with `+`. Fixed-size so that
/// reading candidates in stored text allocates nothing.
#[derive(Clone, Copy)]
pub(crate) struct Dialled {
    digits: [u8; MAX_READ_DIGITS],
    len: usize,
    plus: bool,
}

impl Dialled {
    /// The ASCII digits read, any `(0)` trunk marker already dropped.
    pub(crate) fn digits(&self) -> &[u8] {
        &self.digits[..self.len]
    }

    /// Whether the string started with `+`.
    pub(crate) fn has_plus(&self) -> bool {
        self.plus
    }

    /// Reads the digits of `s`, which may hold only digits, one leading `+` and
    /// punctuation. `(0)` after some digits of an international spelling (`+44 (0)20…`,
    /// `0044 (0)20…`) is the trunk marker and is dropped.
    pub(crate) fn read(s: &str, region: Option<Region>) -> Result<Dialled, PhoneError> {
        let mut out = Dialled {
            digits: [0; MAX_READ_DIGITS],
            len: 0,
            plus: false,
        };
        let s = s.trim_matches(|c: char| c.is_whitespace());
        let bytes = s.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_digit() {
                if out.len == MAX_READ_DIGITS {
                    return Err(PhoneError::TooManyDigits);
                }
                out.digits[out.len] = b;
                out.len += 1;
                i += 1;
            } else if b == b'+' && out.len == 0 && !out.plus {
                out.plus = true;
                i += 1;
            } else if b == b'(' && bytes[i..].starts_with(b"(0)") && out.is_international(region) {
                i += 3;
            } else {
                let c = s[i..].chars().next().expect("i is a char boundary");
                if !is_phone_punctuation(c) {
                    return Err(PhoneError::NotAPhone);
                }
                i += c.len_utf8();
            }
        }
        Ok(out)
    }

    /// Whether the digits read so far are the start of an international spelling, which is
    /// when a `(0)` is a trunk marker rather than a digit.
    fn is_international(&self, region: Option<Region>) -> bool {
        if self.len == 0 {
            return false;
        }
        if self.plus {
            return true;
        }
        let digits = self.digits();
        match region {
            Some(r) => r
                .all_international_prefixes()
                .any(|p| digits.len() > p.len() && digits.starts_with(p.as_bytes())),
            None => {
                digits.len() > 2 && digits.starts_with(UNIVERSAL_INTERNATIONAL_PREFIX.as_bytes())
            }
        }
    }

    /// Each reading of the digits after an international prefix the dialled string starts
    /// with. Usually none or one; two when prefixes overlap (`000` and `00` in Singapore),
    /// and then both readings are tried.
    pub(crate) fn after_international_prefixes(
        &self,
        region: Option<Region>,
    ) -> impl Iterator<Item = &[u8]> + '_ {
        let digits = self.digits();
        let regional = region
            .into_iter()
            .flat_map(|r| r.international_prefixes.iter().copied());
        std::iter::once(UNIVERSAL_INTERNATIONAL_PREFIX)
            .chain(regional.filter(|p| *p != UNIVERSAL_INTERNATIONAL_PREFIX))
            .filter(move |p| digits.starts_with(p.as_bytes()))
            .map(move |p| &digits[p.len()..])
    }
}

/// Normalizes a phone number given by the operator to E.164, checking that it can be a
/// number of its region so that a typo is caught before a scan that would find nothing.
///
/// `+…` and `00…` (or the region's own international prefix) are international; anything
/// else is national and needs `default_region`.
pub fn normalize_phone(
    input: &str,
    default_region: Option<Region>,
) -> Result<PhoneNumber, PhoneError> {
    normalize_phone_reading(input, default_region).map(|(number, _)| number)
}

/// [`normalize_phone`], and the region a national spelling was read in (`None` when the
/// number was written internationally: with `+`, `00` or the region's international prefix).
/// A national number without a region is refused with the regions it is valid in.
pub fn normalize_phone_reading(
    input: &str,
    default_region: Option<Region>,
) -> Result<(PhoneNumber, Option<Region>), PhoneError> {
    let dialled = Dialled::read(input, default_region)?;
    if dialled.digits().len() < 3 {
        return Err(PhoneError::TooFewDigits);
    }
    if dialled.has_plus() {
        return international(dialled.digits()).map(|n| (n, None));
    }
    if let Some(number) = after_international_prefix(&dialled, default_region) {
        return match (number, default_region) {
            (Ok(number), _) => Ok((number, None)),
            // Two international readings: a national one would be a third guess.
            (Err(PhoneError::AmbiguousPrefix), _) => Err(PhoneError::AmbiguousPrefix),
            // No international reading is possible, but a national one may be: a national
            // number can start with the digits of its region's own international prefix
            // (Finland's 99400, next to the prefix 994). The only possible reading is taken.
            (Err(e), Some(region)) => national(region, dialled.digits())
                .map(|number| (number, Some(region)))
                .map_err(|_| e),
            (Err(e), None) => Err(e),
        };
    }
    let Some(region) = default_region else {
        return Err(PhoneError::NeedsRegion {
            valid_in: RegionList(regions_where_valid(input)),
        });
    };
    national(region, dialled.digits()).map(|number| (number, Some(region)))
}

/// Normalizes the digits of a national spelling in `region`: with or without its trunk
/// prefix, or as the metadata rewrites it.
fn national(region: Region, digits: &[u8]) -> Result<PhoneNumber, PhoneError> {
    let after_trunk = region.trunk_prefixes.iter().find_map(|trunk| {
        digits
            .strip_prefix(trunk.as_bytes())
            .filter(|rest| region.accepts_nsn(rest))
    });
    // The metadata's rewrites of a national spelling (Argentina's `011 15 …`).
    let mut rewritten: Option<Vec<u8>> = None;
    if after_trunk.is_none() {
        region.any_rewritten(digits, |nsn| {
            rewritten = Some(nsn.to_vec());
            true
        });
    }
    let nsn = match (after_trunk, &rewritten) {
        (Some(nsn), _) => nsn,
        (None, Some(nsn)) => nsn.as_slice(),
        (None, None) if region.accepts_nsn(digits) => digits,
        (None, None) => {
            let found = match region.trunk_prefix {
                Some(trunk) if digits.starts_with(trunk.as_bytes()) => digits.len() - trunk.len(),
                _ => digits.len(),
            };
            return Err(not_a_region_number(region, found));
        }
    };
    let mut e164 = String::with_capacity(nsn.len() + 4);
    e164.push('+');
    e164.push_str(&region.calling_code.to_string());
    let calling_code_len = (e164.len() - 1) as u8;
    e164.extend(nsn.iter().map(|&d| char::from(d)));
    check_total_length(e164.len() - 1)?;
    Ok(PhoneNumber {
        e164,
        calling_code_len,
    })
}

/// Reads a dialled string that starts with an international prefix. When prefixes overlap
/// (`00` and Hong Kong's `009`), the readings that give a possible number are kept; two
/// different ones are an error rather than a guess. With no possible reading, the error of
/// the longest prefix (the most specific) is returned.
fn after_international_prefix(
    dialled: &Dialled,
    region: Option<Region>,
) -> Option<Result<PhoneNumber, PhoneError>> {
    let mut readings: Vec<(usize, Result<PhoneNumber, PhoneError>)> = dialled
        .after_international_prefixes(region)
        .map(|rest| (rest.len(), international(rest)))
        .collect();
    readings.sort_by_key(|(rest_len, _)| *rest_len);
    let mut valid = readings.iter().filter_map(|(_, r)| r.as_ref().ok());
    match (valid.next(), valid.next()) {
        (Some(first), Some(second)) if first != second => {
            // Both possible: the one number the metadata knows to exist, if only one is.
            let mut existing = readings
                .iter()
                .filter_map(|(_, r)| r.as_ref().ok())
                .filter(|n| is_valid_number(n));
            match (existing.next(), existing.next()) {
                (Some(only), None) => Some(Ok(only.clone())),
                _ => Some(Err(PhoneError::AmbiguousPrefix)),
            }
        }
        (Some(first), _) => Some(Ok(first.clone())),
        (None, _) => readings.into_iter().next().map(|(_, r)| r),
    }
}

/// Whether the digits after an international prefix (or `+`) can be a number: a known
/// calling code, and a national number of a length and first digit its regions have.
pub(crate) fn is_possible_international(digits: &[u8]) -> bool {
    international(digits).is_ok()
}

/// Whether libphonenumber's metadata knows `number` as a valid number of any region. For
/// input checks only: its patterns are regular expressions.
fn is_valid_number(number: &PhoneNumber) -> bool {
    phonenumber::parse(None, number.e164()).is_ok_and(|parsed| phonenumber::is_valid(&parsed))
}

/// Builds the error for an NSN its region cannot have.
fn not_a_region_number(region: Region, found: usize) -> PhoneError {
    PhoneError::NotARegionNumber {
        region: region.iso,
        found,
        allowed: LengthList(region.nsn_lengths),
        forbidden: DigitList(region.nsn_first_digit_not),
    }
}

/// Checks the E.164 length rule on the count of digits (country code included).
fn check_total_length(digits: usize) -> Result<(), PhoneError> {
    if (MIN_E164_DIGITS..=MAX_E164_DIGITS).contains(&digits) {
        Ok(())
    } else {
        Err(PhoneError::InternationalLength { digits })
    }
}

/// Normalizes the digits of an international spelling (after `+` or the prefix).
fn international(digits: &[u8]) -> Result<PhoneNumber, PhoneError> {
    check_total_length(digits.len())?;
    let cc_len = calling_code_len(digits).ok_or(PhoneError::UnknownCallingCode)?;
    let calling_code: u16 = std::str::from_utf8(&digits[..cc_len])
        .expect("digits are ASCII")
        .parse()
        .expect("at most 3 digits");
    let nsn = &digits[cc_len..];
    // A calling code shared by several regions (`+590`: GP, BL, MF) takes a number any of
    // them can have; the main region's rules explain a refusal.
    // The curated regions answer first; the metadata is read only when they refuse
    // (Svalbard's 5-digit numbers under Norway's `+47`).
    // (`REGIONS` is touched only after the curated regions refused: loading it costs 60 ms
    // of start-up, which every search for a phone number paid when the chain built it.)
    let accepted = || {
        Region::sharing_calling_code(calling_code).any(|r| r.accepts_nsn(nsn))
            || REGIONS
                .iter()
                .any(|r| r.calling_code == calling_code && r.accepts_nsn(nsn))
    };
    if let Some(region) = Region::for_calling_code(calling_code) {
        if !accepted() {
            if let Some(trunk) = region.trunk_prefix {
                if nsn.starts_with(trunk.as_bytes()) && region.accepts_nsn(&nsn[trunk.len()..]) {
                    return Err(PhoneError::TrunkAfterCallingCode {
                        trunk,
                        calling_code,
                    });
                }
            }
            return Err(not_a_region_number(region, nsn.len()));
        }
    }
    let mut e164 = String::with_capacity(digits.len() + 1);
    e164.push('+');
    e164.extend(digits.iter().map(|&d| char::from(d)));
    Ok(PhoneNumber {
        e164,
        calling_code_len: cc_len as u8,
    })
}

/// A run of up to 19 digits as a hash key, so candidate lookups allocate nothing. The
/// length is part of the key because national numbers may start with `0`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct DigitKey {
    len: u8,
    value: u64,
}

/// One word per key, so that [`DigitKeyHasher`] hashes it with one multiplication.
impl std::hash::Hash for DigitKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.value ^ (u64::from(self.len) << 59));
    }
}

/// A multiplicative hasher for [`DigitKey`]s. Every phone-shaped run of every scanned value
/// is looked up, and SipHash would cost more than the rest of the lookup; the maps are built
/// from the operator's identifiers, so there is no flooding to defend against.
#[derive(Default, Clone, Copy)]
pub(crate) struct DigitKeyHasher(u64);

impl std::hash::Hasher for DigitKeyHasher {
    fn finish(&self) -> u64 {
        self.0 ^ (self.0 >> 29)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0 ^ n).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Hash-map builder for [`DigitKey`] maps.
pub(crate) type DigitKeyBuildHasher = std::hash::BuildHasherDefault<DigitKeyHasher>;

impl DigitKey {
    /// The key of the concatenation of `parts`, or `None` above 19 digits.
    pub(crate) fn of(parts: &[&[u8]]) -> Option<DigitKey> {
        let mut key = DigitKey { len: 0, value: 0 };
        for part in parts {
            for &d in *part {
                if usize::from(key.len) == MAX_DIALLED_DIGITS {
                    return None;
                }
                key.len += 1;
                key.value = key.value * 10 + u64::from(d - b'0');
            }
        }
        Some(key)
    }

    /// The key of the last `len` digits of `value` (`len` at most 19, and at most the
    /// number of digits `value` was read from, so that leading zeros count).
    pub(crate) fn last_digits(value: u64, len: usize) -> DigitKey {
        debug_assert!(len <= MAX_DIALLED_DIGITS);
        DigitKey {
            len: len as u8,
            value: value % 10u64.pow(len as u32),
        }
    }

    /// The key of `len` digits read as `value` (below `10^len`), without the division
    /// [`DigitKey::last_digits`] needs.
    pub(crate) fn of_value(value: u64, len: usize) -> DigitKey {
        debug_assert!(len <= MAX_DIALLED_DIGITS && value < 10u64.pow(len as u32));
        DigitKey {
            len: len as u8,
            value,
        }
    }

    /// How many digits the key has.
    pub(crate) fn len(self) -> usize {
        usize::from(self.len)
    }
}

/// Whether `region` reads `digits` (dialled without `+` or international prefix) as a
/// national number other than the international number the same digits spell: behind one
/// of its trunk prefixes, or alone, they are a national significant number the region
/// accepts (its lengths and first digits), and that number is not the digits read
/// internationally. In CN, `15550100001` is an 11-digit mobile number, not `+1 555 010 0001`;
/// in US it is `+1 555 010 0001` either way.
pub(crate) fn reads_as_another_national_number(region: Region, digits: &[u8]) -> bool {
    let mut cc_buf = [0; 3];
    let cc = calling_code_digits(region, &mut cc_buf);
    let other = |nsn: &[u8]| {
        region.accepts_nsn(nsn)
            && !(digits.len() == cc.len() + nsn.len()
                && digits.starts_with(cc)
                && digits.ends_with(nsn))
    };
    region
        .trunk_prefixes()
        .iter()
        .filter_map(|trunk| digits.strip_prefix(trunk.as_bytes()))
        .any(other)
        || other(digits)
        || region.any_rewritten(digits, other)
}

/// The calling code of a region as ASCII digits, for building keys.
pub(crate) fn calling_code_digits(region: Region, buf: &mut [u8; 3]) -> &[u8] {
    let code = region.calling_code;
    let s = [
        (code / 100) as u8,
        ((code / 10) % 10) as u8,
        (code % 10) as u8,
    ];
    let skip = if code >= 100 {
        0
    } else if code >= 10 {
        1
    } else {
        2
    };
    for (slot, d) in buf.iter_mut().zip(s) {
        *slot = b'0' + d;
    }
    &buf[skip..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gb() -> Option<Region> {
        Region::parse("gb")
    }

    fn us() -> Option<Region> {
        Region::parse("US")
    }

    fn norm(s: &str, r: Option<Region>) -> String {
        normalize_phone(s, r).unwrap().e164().to_string()
    }

    #[test]
    fn regions_sharing_a_curated_calling_code_share_its_trunk_prefixes() {
        // What lets `Region::sharing_calling_code` skip the metadata for curated codes.
        for region in Region::all() {
            let curated: Vec<&Region> = CURATED
                .iter()
                .filter(|c| c.calling_code == region.calling_code)
                .collect();
            if curated.is_empty() {
                continue;
            }
            for trunk in region.trunk_prefixes() {
                assert!(
                    curated.iter().any(|c| c.trunk_prefixes().contains(trunk)),
                    "{} {trunk}",
                    region.iso
                );
            }
        }
    }

    #[test]
    fn curated_regions_accept_every_number_the_metadata_describes() {
        // The curated rows are written out so that a search need not read the metadata;
        // they must not refuse what it calls possible: every length of every type, and
        // every example number.
        let metadata = crate::metadata::all_regions();
        for curated in &CURATED {
            let rules = metadata.iter().find(|r| r.iso == curated.iso).unwrap();
            for len in &rules.nsn_lengths {
                assert!(curated.nsn_lengths.contains(len), "{} {len}", curated.iso);
            }
            // (An empty list from the metadata may be a pattern beyond its reading: the
            // examples below check those regions.)
            for &d in curated.nsn_first_digit_not {
                if rules.nsn_first_digit_not.is_empty() {
                    break;
                }
                assert!(
                    rules.nsn_first_digit_not.contains(&d),
                    "{} {d}",
                    curated.iso
                );
            }
            let meta = phonenumber::metadata::DATABASE
                .by_id(curated.iso)
                .expect("a region of the metadata");
            let d = meta.descriptors();
            for descriptor in [
                d.fixed_line(),
                d.mobile(),
                d.toll_free(),
                d.premium_rate(),
                d.shared_cost(),
                d.voip(),
                d.personal_number(),
                d.pager(),
                d.uan(),
                d.voicemail(),
            ]
            .into_iter()
            .flatten()
            {
                if let Some(example) = descriptor.example() {
                    assert!(curated.accepts_nsn(example.as_bytes()), "{}", curated.iso);
                }
            }
        }
    }

    #[test]
    fn the_metadata_reading_names_region_and_type() {
        let reading = |s: &str| normalize_phone(s, None).unwrap().metadata_reading();
        let au = reading("+61 1800 123 456");
        assert_eq!(
            (au.region.map(|r| r.iso_code()), au.number_type),
            (Some("AU"), NumberType::TollFree)
        );
        assert_eq!(au.to_string(), "toll-free, AU");
        let ie = reading("+353 87 123 4567");
        assert_eq!(ie.to_string(), "mobile, IE");
        // A fictional number: no region, no type.
        let fictional = reading("+1 555 010 1234");
        assert_eq!(
            (fictional.region, fictional.number_type),
            (None, NumberType::Unknown)
        );
    }

    #[test]
    fn every_type_of_number_is_accepted() {
        // Toll-free, premium-rate, shared-cost, UAN, pager and voicemail numbers were once
        // refused for lengths their regions' subscriber numbers do not have.
        for (input, region) in [
            ("+61 1800 123 456", None),
            ("1800 123 456", Some("AU")),
            ("+1 310 1234", None),
            ("+98 9990", None),
            ("0800 123 4567", Some("GB")),
        ] {
            let region = region.map(|r| Region::parse(r).unwrap());
            assert!(normalize_phone(input, region).is_ok(), "{input}");
        }
        // A number of no type of its region is still refused, with every length it has.
        let Err(e) = normalize_phone("+61 1800 123 456 7", None) else {
            panic!("refused");
        };
        assert!(e.to_string().contains("5, 6, 7, 8, 9, 10 or 12"), "{e}");
    }

    #[test]
    fn curated_regions_rewrite_national_spellings_as_the_metadata_does() {
        // Written out so that a search need not read the metadata. China's carrier
        // prefixes (several hundred `1xxxx`) are not: its national numbers are read with
        // the trunk prefix only.
        let metadata = crate::metadata::all_regions();
        for curated in CURATED.iter().filter(|c| c.iso != "CN") {
            let rules = metadata.iter().find(|r| r.iso == curated.iso).unwrap();
            let written: Vec<(&str, &str, u8, u8)> = curated
                .national_rewrites
                .iter()
                .map(|w| (w.prefix, w.replacement, w.rest_min, w.rest_max))
                .collect();
            let read: Vec<(&str, &str, u8, u8)> = rules
                .national_rewrites
                .iter()
                .map(|w| {
                    (
                        w.prefix.as_str(),
                        w.replacement.as_str(),
                        w.rest_min,
                        w.rest_max,
                    )
                })
                .collect();
            assert_eq!(written, read, "{}", curated.iso);
        }
        // A Brazilian mobile number behind a carrier code.
        assert_eq!(
            norm("0 21 11 92345-6789", Region::parse("BR")),
            "+5511923456789"
        );
    }

    #[test]
    fn rewritten_readings_are_those_of_every_rewrite_that_fits() {
        // The binary search by prefix finds what trying each rewrite in turn finds.
        for iso in ["AR", "BR", "KN", "GA", "JP", "IM"] {
            let region = Region::parse(iso).unwrap();
            for seed in region.national_rewrites() {
                for tail in ["23456789", "2345678", "234567", "5234567890"] {
                    let digits = format!("{}{tail}", seed.prefix);
                    let mut found = Vec::new();
                    region.any_rewritten(digits.as_bytes(), |nsn| {
                        found.push(nsn.to_vec());
                        false
                    });
                    let linear: Vec<Vec<u8>> = region
                        .national_rewrites()
                        .iter()
                        .filter_map(|r| {
                            let rest = r.rest(digits.as_bytes())?;
                            let nsn = [r.replacement.as_bytes(), rest].concat();
                            region.accepts_nsn(&nsn).then_some(nsn)
                        })
                        .collect();
                    assert_eq!(found, linear, "{iso} {digits}");
                }
            }
        }
        let ar = Region::parse("AR").unwrap();
        let mut first = None;
        ar.any_rewritten(b"0111523456789", |nsn| {
            first = Some(nsn.to_vec());
            true
        });
        assert_eq!(first.as_deref(), Some(&b"91123456789"[..]));
        assert_eq!(
            norm("011 15-2345-6789", Some(ar)),
            "+5491123456789",
            "Argentina's mobile number in its national spelling"
        );
    }

    #[test]
    fn region_parse_is_case_insensitive() {
        assert_eq!(Region::parse("gb").unwrap().iso_code(), "GB");
        assert_eq!(Region::parse(" De ").unwrap().calling_code(), 49);
        assert!(Region::parse("XX").is_none());
        assert!("zz".parse::<Region>().is_err());
        assert_eq!("ca".parse::<Region>().unwrap().trunk_prefix(), Some("1"));
    }

    #[test]
    fn every_required_region_is_in_the_table() {
        for code in [
            "US", "CA", "GB", "IE", "DE", "FR", "ES", "IT", "NL", "BE", "CH", "AT", "SE", "NO",
            "DK", "FI", "PL", "PT", "CZ", "AU", "NZ", "IN", "JP", "BR", "MX", "ZA", "SG", "HK",
            "IL",
        ] {
            let r = Region::parse(code).unwrap_or_else(|| panic!("{code} missing"));
            assert!(is_calling_code(r.calling_code()), "{code}");
        }
    }

    #[test]
    fn calling_codes_are_prefix_free() {
        let codes: Vec<u16> = (1..1000).filter(|&c| is_calling_code(c)).collect();
        for &a in &codes {
            for &b in &codes {
                if a != b {
                    let (sa, sb) = (a.to_string(), b.to_string());
                    assert!(!sb.starts_with(&sa), "{sa} is a prefix of {sb}");
                }
            }
        }
    }

    #[test]
    fn gb_spellings() {
        assert_eq!(norm("+44 (0)20 7946 0958", None), "+442079460958");
        assert_eq!(norm("0044 20 7946 0958", gb()), "+442079460958");
        assert_eq!(norm("0044 (0)20 7946 0958", gb()), "+442079460958");
        assert_eq!(norm("020 7946 0958", gb()), "+442079460958");
        assert_eq!(norm("(020) 7946-0958", gb()), "+442079460958");
        assert_eq!(
            norm("+44\u{a0}20\u{a0}7946\u{a0}0958", None),
            "+442079460958"
        );
    }

    #[test]
    fn nanp_spellings() {
        assert_eq!(norm("+1 (555) 010-1234", None), "+15550101234");
        assert_eq!(norm("1.555.010.1234", us()), "+15550101234");
        assert_eq!(norm("555-010-1234", us()), "+15550101234");
        assert_eq!(norm("011 44 20 7946 0958", us()), "+442079460958");
        assert_eq!(norm("555/010/1234", Region::parse("CA")), "+15550101234");
        assert_eq!(
            norm("000 44 20 7946 0958", Region::parse("SG")),
            "+442079460958"
        );
        assert_eq!(
            norm("0011 44 20 7946 0958", Region::parse("AU")),
            "+442079460958"
        );
    }

    #[test]
    fn national_number_needs_region() {
        assert!(matches!(
            normalize_phone("020 7946 0958", None),
            Err(PhoneError::NeedsRegion { .. })
        ));
        assert!(matches!(
            normalize_phone("555-010-1234", None),
            Err(PhoneError::NeedsRegion { .. })
        ));
    }

    #[test]
    fn a_national_number_without_region_names_only_regions_it_is_valid_in() {
        // An Irish mobile: GB would read it as +44 87 1234 567, which is no number.
        let Err(PhoneError::NeedsRegion { valid_in }) = normalize_phone("087 123 4567", None)
        else {
            panic!("refused without a region");
        };
        assert!(valid_in.0.contains(&"IE"), "{valid_in:?}");
        assert!(!valid_in.0.contains(&"GB"), "{valid_in:?}");
        let msg = PhoneError::NeedsRegion { valid_in }.to_string();
        assert!(msg.contains("IE") && !msg.contains("GB"), "{msg}");
        assert!(
            !msg.contains("4567"),
            "the message repeats no digits: {msg}"
        );
        // A London number: GB is among the regions, and the message says so.
        let Err(PhoneError::NeedsRegion { valid_in }) = normalize_phone("020 7946 0958", None)
        else {
            panic!("refused without a region");
        };
        assert!(valid_in.0.contains(&"GB"), "{valid_in:?}");
        // A number valid nowhere: no region is named. (`0999 9999 9999 99` is one: a
        // Brazilian mobile number behind carrier code 99.)
        let Err(e) = normalize_phone("0100 0000 0000 00", None) else {
            panic!("refused");
        };
        assert_eq!(
            e,
            PhoneError::NeedsRegion {
                valid_in: RegionList(vec![])
            }
        );
        assert!(e.to_string().contains("+<country code><number>"), "{e}");
        // Each region named reads the digits as a number libphonenumber knows in it.
        for region in regions_where_valid("087 123 4567") {
            let n = normalize_phone("087 123 4567", Region::parse(region)).unwrap();
            let parsed = phonenumber::parse(None, n.e164()).unwrap();
            assert!(phonenumber::is_valid(&parsed), "{region}");
        }
    }

    #[test]
    fn validity_in_a_region_follows_the_numbering_plan() {
        let ie = Region::parse("IE").unwrap();
        let gb = Region::parse("GB").unwrap();
        let irish = normalize_phone("087 123 4567", Some(ie)).unwrap();
        assert!(is_valid_number_of(&irish, ie));
        assert!(!is_valid_number_of(&irish, gb));
        let read_in_gb = normalize_phone("087 123 4567", Some(gb)).unwrap();
        assert_eq!(read_in_gb.e164(), "+44871234567");
        assert!(!is_valid_number_of(&read_in_gb, gb));
    }

    #[test]
    fn unknown_region_lists_the_supported_ones() {
        let e = "XX".parse::<Region>().unwrap_err().to_string();
        assert!(
            e.contains("\"XX\"") && e.contains("IE") && e.contains("CN"),
            "{e}"
        );
    }

    #[test]
    fn the_reading_says_where_a_national_number_was_read() {
        let ie = Region::parse("IE");
        let (n, read_in) = normalize_phone_reading("087 123 4567", ie).unwrap();
        assert_eq!((n.e164(), read_in), ("+353871234567", ie));
        let (n, read_in) = normalize_phone_reading("+353 87 123 4567", ie).unwrap();
        assert_eq!((n.e164(), read_in), ("+353871234567", None));
        let (_, read_in) = normalize_phone_reading("00353 87 123 4567", ie).unwrap();
        assert_eq!(read_in, None);
    }

    #[test]
    fn wrong_lengths_are_refused() {
        assert!(matches!(
            normalize_phone("+1 555 010 12345", None),
            Err(PhoneError::NotARegionNumber {
                region: "US",
                found: 11,
                ..
            })
        ));
        assert!(matches!(
            normalize_phone("555-010-123", us()),
            Err(PhoneError::NotARegionNumber { region: "US", .. })
        ));
        assert!(matches!(
            normalize_phone("020 7946 09", gb()),
            Err(PhoneError::NotARegionNumber {
                region: "GB",
                found: 8,
                ..
            })
        ));
        assert!(matches!(
            normalize_phone("+1 055 010 1234", None),
            Err(PhoneError::NotARegionNumber { .. })
        ));
        assert_eq!(
            normalize_phone("+44 020 7946 0958", None),
            Err(PhoneError::TrunkAfterCallingCode {
                trunk: "0",
                calling_code: 44
            })
        );
        assert_eq!(
            normalize_phone("+1234567890123456", None),
            Err(PhoneError::InternationalLength { digits: 16 })
        );
        assert_eq!(normalize_phone("+1 2", None), Err(PhoneError::TooFewDigits));
    }

    #[test]
    fn unknown_regions_only_need_total_length() {
        assert_eq!(norm("+374 10 123456", None), "+37410123456");
        assert_eq!(
            normalize_phone("+259 1234 5678", None),
            Err(PhoneError::UnknownCallingCode)
        );
    }

    #[test]
    fn non_phone_characters_are_refused() {
        assert_eq!(
            normalize_phone("555-010-1234 ext 5", us()),
            Err(PhoneError::NotAPhone)
        );
        assert_eq!(
            normalize_phone("+1 555 +010", us()),
            Err(PhoneError::NotAPhone)
        );
    }

    #[test]
    fn errors_do_not_contain_the_input() {
        for input in [
            "+1 555 010 12345",
            "020 7946 09",
            "5550101234",
            "+44 020 7946 0958",
        ] {
            for region in [None, gb(), us()] {
                if let Err(e) = normalize_phone(input, region) {
                    let msg = e.to_string();
                    assert!(!msg.contains("7946") && !msg.contains("010"), "{msg}");
                }
            }
        }
    }

    #[test]
    fn accessors_split_the_number() {
        let n = normalize_phone("+44 20 7946 0958", None).unwrap();
        assert_eq!(n.calling_code(), 44);
        assert_eq!(n.national_significant_number(), "2079460958");
        assert_eq!(n.digits(), "442079460958");
        assert_eq!(format!("{n:?}"), "PhoneNumber(<redacted>)");
    }

    #[test]
    fn digit_keys_distinguish_leading_zeros() {
        assert_ne!(DigitKey::of(&[b"0123"]), DigitKey::of(&[b"123"]));
        assert_eq!(DigitKey::of(&[b"44", b"20"]), DigitKey::of(&[b"4420"]));
        assert!(DigitKey::of(&[b"12345678901234567890"]).is_none());
        let mut buf = [0; 3];
        assert_eq!(
            calling_code_digits(Region::parse("FI").unwrap(), &mut buf),
            b"358"
        );
        assert_eq!(
            calling_code_digits(Region::parse("US").unwrap(), &mut buf),
            b"1"
        );
        assert_eq!(
            calling_code_digits(Region::parse("GB").unwrap(), &mut buf),
            b"44"
        );
    }
}
