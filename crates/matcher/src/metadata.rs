//! Dialling rules of every region libphonenumber knows, read from its metadata (the
//! `phonenumber` crate) once, on first use.
//!
//! The scan needs, per region, plain strings it can compare digits with: the international
//! prefixes, the trunk prefix, the lengths a national significant number (NSN) may have and
//! the digits one cannot start with. The metadata gives international prefixes and number
//! patterns as regular expressions; they are expanded here, once, into those strings and
//! sets, so that reading a stored number stays a few byte comparisons and allocates nothing.

use regex_syntax::hir::{Class, Hir, HirKind};

/// The fewest digits of a whole international number (country code included): Iran's
/// UANs have 4 digits after the 2-digit country code (Niue's, Tokelau's and Saint Helena's
/// numbers have 4 after a 3-digit one).
pub const MIN_E164_DIGITS: usize = 6;

/// The most digits of a whole international number (country code included), set by E.164.
pub const MAX_E164_DIGITS: usize = 15;

/// More expansions of a prefix pattern than this, and the pattern is not expanded (the
/// region's preferred prefix and `00` are used instead).
const MAX_PREFIXES: usize = 256;

/// What the metadata says about one region, in the form the matcher's table uses.
pub(crate) struct RegionRules {
    pub(crate) iso: &'static str,
    pub(crate) calling_code: u16,
    pub(crate) international_prefixes: Vec<String>,
    pub(crate) trunk_prefix: Option<String>,
    /// Every trunk prefix a national spelling may start with: the trunk prefix, and the
    /// other spellings libphonenumber strips when it reads a national number (Belarus writes
    /// `8 0152…`, and also `0152…`), when they are plain prefixes (no carrier code captured,
    /// no rewriting rule).
    pub(crate) trunk_prefixes: Vec<String>,
    pub(crate) nsn_lengths: Vec<u8>,
    pub(crate) nsn_first_digit_not: Vec<u8>,
    /// Whether the region is the main one of a calling code shared by several (US for `1`).
    pub(crate) main_for_code: bool,
    /// The national spellings libphonenumber rewrites before they are a national number
    /// (other than the plain prefixes of `trunk_prefixes`), see [`national_rewrites`].
    pub(crate) national_rewrites: Vec<NationalRewrite>,
}

/// A national spelling the metadata rewrites into a national significant number: digits
/// that start with `prefix`, followed by `rest_min..=rest_max` more digits, are the number
/// `replacement` followed by those digits. Argentina's `011 15 2345-6789` is `01115` →
/// `911`; Brazil's carrier code `0 21 …` is `021` → nothing; Saint Kitts' seven-digit local
/// number `236 1234` is `2` → `8692`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NationalRewrite {
    pub(crate) prefix: String,
    pub(crate) replacement: String,
    pub(crate) rest_min: u8,
    pub(crate) rest_max: u8,
}

/// The rules of every geographic region of the metadata (two-letter ids; the non-geographic
/// entities `001` have no national spelling), sorted by ISO code.
pub(crate) fn all_regions() -> Vec<RegionRules> {
    let mut out: Vec<RegionRules> = phonenumber::metadata::DATABASE
        .iter()
        .filter(|m| m.id().len() == 2 && m.id().bytes().all(|b| b.is_ascii_uppercase()))
        .map(|m| {
            let descriptors = m.descriptors();
            // Every type of number the metadata describes (a data subject's number may be
            // any of them: a toll-free line of a sole trader, a UAN, a pager).
            let personal = [
                descriptors.fixed_line(),
                descriptors.mobile(),
                descriptors.toll_free(),
                descriptors.premium_rate(),
                descriptors.shared_cost(),
                descriptors.voip(),
                descriptors.personal_number(),
                descriptors.pager(),
                descriptors.uan(),
                descriptors.voicemail(),
            ];
            let mut nsn_lengths: Vec<u8> = personal
                .iter()
                .flatten()
                .flat_map(|d| d.possible_length().iter())
                .filter_map(|&len| u8::try_from(len).ok())
                .collect();
            let cc_len = m.country_code().to_string().len();
            // A whole number has 6 to 15 digits (Iran's 4-digit UANs after `98` are the
            // shortest valid numbers of the metadata): Nigeria's metadata also lists longer
            // ones, Iran's shorter ones (short codes, never dialled from abroad).
            nsn_lengths.retain(|&len| {
                (MIN_E164_DIGITS..=MAX_E164_DIGITS).contains(&(usize::from(len) + cc_len))
            });
            nsn_lengths.sort_unstable();
            nsn_lengths.dedup();
            if nsn_lengths.is_empty() {
                nsn_lengths = (4..=(15 - cc_len) as u8).collect();
            }
            let mut first = [false; 10];
            let mut known = true;
            for d in personal.iter().flatten() {
                match first_digits(d.national_number().as_str()) {
                    Some(digits) => {
                        for (slot, can) in first.iter_mut().zip(digits) {
                            *slot |= can;
                        }
                    }
                    None => known = false,
                }
            }
            let nsn_first_digit_not = if known && first.iter().any(|&c| c) {
                (0..10u8)
                    .filter(|&d| !first[usize::from(d)])
                    .map(|d| b'0' + d)
                    .collect()
            } else {
                Vec::new()
            };
            let preferred = m
                .preferred_international_prefix()
                .map(|p| p.chars().filter(char::is_ascii_digit).collect::<String>());
            let mut international_prefixes = m
                .international_prefix()
                .and_then(|p| expand(p.as_str()))
                .unwrap_or_default();
            if international_prefixes.is_empty() {
                international_prefixes.extend(preferred.filter(|p| !p.is_empty()));
            }
            international_prefixes.sort();
            international_prefixes.dedup();
            let trunk_prefix = m
                .national_prefix()
                .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
                .map(str::to_string);
            let mut trunk_prefixes: Vec<String> = trunk_prefix.iter().cloned().collect();
            if m.national_prefix_transform_rule().is_none() {
                if let Some(more) = m
                    .national_prefix_for_parsing()
                    .and_then(|p| parse(p.as_str()))
                    .filter(|hir| !has_capture(hir))
                    .and_then(|hir| expand_hir(&hir))
                {
                    trunk_prefixes.extend(
                        more.into_iter()
                            .filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())),
                    );
                }
            }
            // Longest first: `80` before `8` in Belarus.
            trunk_prefixes.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
            trunk_prefixes.dedup();
            let mut national_rewrites = national_rewrites(m);
            national_rewrites.retain(|r| {
                !(r.replacement.is_empty()
                    && r.rest_min == 0
                    && r.rest_max == u8::MAX
                    && (r.prefix.is_empty() || trunk_prefixes.contains(&r.prefix)))
            });
            RegionRules {
                iso: m.id(),
                trunk_prefixes,
                calling_code: m.country_code(),
                international_prefixes,
                trunk_prefix,
                nsn_lengths,
                nsn_first_digit_not,
                main_for_code: m.is_main_country_for_code(),
                national_rewrites,
            }
        })
        .collect();
    out.sort_by_key(|r| r.iso);
    out
}

/// More alternatives than this in a national prefix pattern, and it is not read.
const MAX_REWRITES: usize = 8192;

/// One way a pattern can match: its digits (`T` standing for a run of any digits at the end,
/// `tail` its bounds) and what each capture group holds.
#[derive(Clone, Debug)]
struct Alternative {
    text: String,
    groups: Vec<Option<String>>,
    tail: Option<(u8, u8)>,
}

/// The rewrites of a region's national prefix for parsing and transform rule, as
/// libphonenumber applies them: the pattern matched at the start of the national digits is
/// replaced by the transform rule (its `$n` the groups) when the pattern's last group
/// matched, and dropped otherwise. Patterns beyond this reading give no rewrites.
pub(crate) fn national_rewrites(m: &phonenumber::metadata::Metadata) -> Vec<NationalRewrite> {
    let Some(hir) = m
        .national_prefix_for_parsing()
        .and_then(|p| parse(p.as_str()))
    else {
        return Vec::new();
    };
    let groups = hir.properties().explicit_captures_len();
    let Some(alternatives) = alternatives_of(&hir, groups) else {
        return Vec::new();
    };
    let rule = m.national_prefix_transform_rule();
    let mut out: Vec<NationalRewrite> = Vec::new();
    for alt in alternatives {
        let (prefix, rest) = match alt.text.strip_suffix('T') {
            Some(prefix) => (prefix, alt.tail),
            None => (alt.text.as_str(), None),
        };
        if prefix.contains('T') {
            continue;
        }
        let last_matched = groups > 0 && alt.groups.get(groups).is_some_and(Option::is_some);
        let replacement = match rule {
            Some(rule) if last_matched => substitute(rule, &alt.groups),
            _ => String::new(),
        };
        let replacement = match (rest, replacement.strip_suffix('T')) {
            (Some(_), Some(r)) => r.to_string(),
            // The rest was dropped by the rule: not a reading this table can express.
            (Some(_), None) if !replacement.is_empty() => continue,
            (_, _) => replacement,
        };
        if replacement.contains('T') || !replacement.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let (rest_min, rest_max) = rest.unwrap_or((0, u8::MAX));
        if prefix == replacement && rest.is_none() {
            continue;
        }
        let rewrite = NationalRewrite {
            prefix: prefix.to_string(),
            replacement,
            rest_min,
            rest_max,
        };
        if !out.contains(&rewrite) {
            out.push(rewrite);
        }
    }
    // Longest prefix first, as a reader tries the most specific spelling first; by prefix
    // within a length, so that a reading finds the rewrites of its digits by binary search.
    out.sort_by(|a, b| {
        b.prefix
            .len()
            .cmp(&a.prefix.len())
            .then_with(|| a.prefix.cmp(&b.prefix))
    });
    out
}

/// A transform rule with `$n` replaced by group `n` (empty when it did not match).
fn substitute(rule: &str, groups: &[Option<String>]) -> String {
    let mut out = String::new();
    let mut chars = rule.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' {
            if let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                chars.next();
                if let Some(Some(g)) = groups.get(d as usize) {
                    out.push_str(g);
                }
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Every way `hir` can match, as [`Alternative`]s; `None` when there are more than
/// [`MAX_REWRITES`] or the pattern holds what they cannot express.
fn alternatives_of(hir: &Hir, groups: usize) -> Option<Vec<Alternative>> {
    let one = |text: String| Alternative {
        text,
        groups: vec![None; groups + 1],
        tail: None,
    };
    let out = match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![one(String::new())],
        HirKind::Literal(lit) => vec![one(String::from_utf8(lit.0.to_vec()).ok()?)],
        HirKind::Class(class) => class_bytes(class)?
            .into_iter()
            .map(|b| one(char::from(b).to_string()))
            .collect(),
        HirKind::Capture(capture) => {
            let mut subs = alternatives_of(&capture.sub, groups)?;
            for alt in &mut subs {
                *alt.groups.get_mut(capture.index as usize)? = Some(alt.text.clone());
            }
            subs
        }
        HirKind::Repetition(rep) => {
            let any_digit = matches!(rep.sub.kind(), HirKind::Class(c)
                if class_bytes(c).is_some_and(|b| b == b"0123456789"));
            let max = rep.max.unwrap_or(u32::MAX);
            if any_digit && max > 2 {
                // Any digits, as many as the rest of the number: the tail.
                let min = u8::try_from(rep.min).ok()?;
                let max = u8::try_from(max).unwrap_or(u8::MAX);
                vec![Alternative {
                    text: "T".to_string(),
                    groups: vec![None; groups + 1],
                    tail: Some((min, max)),
                }]
            } else {
                let sub = alternatives_of(&rep.sub, groups)?;
                let mut out = Vec::new();
                let mut level = vec![one(String::new())];
                let max = rep.max?;
                for count in 0..=max {
                    if count >= rep.min {
                        out.extend(level.iter().cloned());
                    }
                    if count < max {
                        level = concat(&level, &sub)?;
                    }
                }
                out
            }
        }
        HirKind::Concat(parts) => {
            let mut out = vec![one(String::new())];
            for part in parts {
                out = concat(&out, &alternatives_of(part, groups)?)?;
            }
            out
        }
        HirKind::Alternation(alternatives) => {
            let mut out = Vec::new();
            for alternative in alternatives {
                out.extend(alternatives_of(alternative, groups)?);
            }
            out
        }
    };
    (out.len() <= MAX_REWRITES).then_some(out)
}

/// Every alternative of `left` followed by one of `right`; a tail must stay last.
fn concat(left: &[Alternative], right: &[Alternative]) -> Option<Vec<Alternative>> {
    if left.len() * right.len() > MAX_REWRITES {
        return None;
    }
    let mut out = Vec::with_capacity(left.len() * right.len());
    for l in left {
        for r in right {
            if l.tail.is_some() && !r.text.is_empty() {
                continue;
            }
            let mut groups = l.groups.clone();
            for (slot, g) in groups.iter_mut().zip(&r.groups) {
                if g.is_some() {
                    slot.clone_from(g);
                }
            }
            out.push(Alternative {
                text: format!("{}{}", l.text, r.text),
                groups,
                tail: l.tail.or(r.tail),
            });
        }
    }
    Some(out)
}

fn parse(pattern: &str) -> Option<Hir> {
    regex_syntax::ParserBuilder::new()
        .unicode(false)
        .ignore_whitespace(true)
        .build()
        .parse(pattern)
        .ok()
}

/// Every digit string a finite pattern such as `00|99(?:[01469]|5(?:[14]1|3[23]))` matches,
/// or `None` when it matches unboundedly many or more than [`MAX_PREFIXES`].
pub(crate) fn expand(pattern: &str) -> Option<Vec<String>> {
    let out = expand_hir(&parse(pattern)?)?;
    out.iter()
        .all(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then_some(out)
}

/// Whether a pattern captures part of the number (a carrier code), which is then not a
/// plain prefix.
fn has_capture(hir: &Hir) -> bool {
    match hir.kind() {
        HirKind::Capture(_) => true,
        HirKind::Repetition(rep) => has_capture(&rep.sub),
        HirKind::Concat(parts) | HirKind::Alternation(parts) => parts.iter().any(has_capture),
        _ => false,
    }
}

fn expand_hir(hir: &Hir) -> Option<Vec<String>> {
    let out = match hir.kind() {
        HirKind::Empty => vec![String::new()],
        HirKind::Literal(lit) => vec![String::from_utf8(lit.0.to_vec()).ok()?],
        HirKind::Class(class) => class_bytes(class)?
            .into_iter()
            .map(|b| char::from(b).to_string())
            .collect(),
        HirKind::Look(_) => return None,
        HirKind::Capture(capture) => expand_hir(&capture.sub)?,
        HirKind::Repetition(rep) => {
            let max = rep.max?;
            let sub = expand_hir(&rep.sub)?;
            let mut out = Vec::new();
            let mut level = vec![String::new()];
            for count in 0..=max {
                if count >= rep.min {
                    out.extend(level.iter().cloned());
                }
                level = product(&level, &sub)?;
            }
            out
        }
        HirKind::Concat(parts) => {
            let mut out = vec![String::new()];
            for part in parts {
                out = product(&out, &expand_hir(part)?)?;
            }
            out
        }
        HirKind::Alternation(alternatives) => {
            let mut out = Vec::new();
            for alternative in alternatives {
                out.extend(expand_hir(alternative)?);
            }
            out
        }
    };
    (out.len() <= MAX_PREFIXES).then_some(out)
}

fn product(left: &[String], right: &[String]) -> Option<Vec<String>> {
    if left.len() * right.len() > MAX_PREFIXES {
        return None;
    }
    Some(
        left.iter()
            .flat_map(|l| right.iter().map(move |r| format!("{l}{r}")))
            .collect(),
    )
}

/// The ASCII bytes of a class, or `None` when it holds anything else.
fn class_bytes(class: &Class) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    match class {
        Class::Bytes(bytes) => {
            for range in bytes.iter() {
                out.extend(range.start()..=range.end());
            }
        }
        Class::Unicode(unicode) => {
            for range in unicode.iter() {
                let (start, end) = (u32::from(range.start()), u32::from(range.end()));
                if end > 0x7f {
                    return None;
                }
                out.extend((start as u8)..=(end as u8));
            }
        }
    }
    Some(out)
}

/// Which digits a number matched by `pattern` can start with, or `None` when the pattern is
/// beyond this reading (it then restricts nothing).
pub(crate) fn first_digits(pattern: &str) -> Option<[bool; 10]> {
    let (digits, can_be_empty) = first_of(&parse(pattern)?)?;
    (!can_be_empty).then_some(digits)
}

/// The digits `hir` can start with, and whether it can match the empty string.
fn first_of(hir: &Hir) -> Option<([bool; 10], bool)> {
    let mut digits = [false; 10];
    let empty = match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => true,
        HirKind::Literal(lit) => {
            let first = *lit.0.first()?;
            if !first.is_ascii_digit() {
                return None;
            }
            digits[usize::from(first - b'0')] = true;
            false
        }
        HirKind::Class(class) => {
            for b in class_bytes(class)? {
                if !b.is_ascii_digit() {
                    return None;
                }
                digits[usize::from(b - b'0')] = true;
            }
            false
        }
        HirKind::Capture(capture) => return first_of(&capture.sub),
        HirKind::Repetition(rep) => {
            let (sub, sub_empty) = first_of(&rep.sub)?;
            return Some((sub, sub_empty || rep.min == 0));
        }
        HirKind::Concat(parts) => {
            for part in parts {
                let (sub, sub_empty) = first_of(part)?;
                for (slot, can) in digits.iter_mut().zip(sub) {
                    *slot |= can;
                }
                if !sub_empty {
                    return Some((digits, false));
                }
            }
            true
        }
        HirKind::Alternation(alternatives) => {
            let mut empty = false;
            for alternative in alternatives {
                let (sub, sub_empty) = first_of(alternative)?;
                for (slot, can) in digits.iter_mut().zip(sub) {
                    *slot |= can;
                }
                empty |= sub_empty;
            }
            empty
        }
    };
    Some((digits, empty))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finite_prefix_patterns_expand_to_every_prefix() {
        assert_eq!(expand("00").unwrap(), ["00"]);
        assert_eq!(expand("0(?:0|161)").unwrap(), ["00", "0161"]);
        assert_eq!(expand("00[89]").unwrap(), ["008", "009"]);
        assert_eq!(expand("00(?:1\\d)?").unwrap().len(), 11);
        let finland = expand("00|99(?:[01469]|5(?:[14]1|3[23]|5[59]|77|88|9[09]))").unwrap();
        assert!(finland.contains(&"990".to_string()) && finland.contains(&"99599".to_string()));
        assert!(expand("0\\d+").is_none());
    }

    #[test]
    fn first_digits_of_number_patterns() {
        let nanp = first_digits("[2-9]\\d{9}").unwrap();
        assert_eq!(
            nanp,
            [false, false, true, true, true, true, true, true, true, true]
        );
        let gb = first_digits("(?:1\\d|2[0-9])\\d{7}|7\\d{9}").unwrap();
        assert_eq!(nanp.len(), gb.len());
        assert!(gb[1] && gb[2] && gb[7] && !gb[0] && !gb[3]);
        assert!(first_digits("\\d?").is_none());
    }

    fn rewrites_of(iso: &str) -> Vec<NationalRewrite> {
        national_rewrites(phonenumber::metadata::DATABASE.by_id(iso).unwrap())
    }

    fn rewrite(prefix: &str, replacement: &str, rest: (u8, u8)) -> NationalRewrite {
        NationalRewrite {
            prefix: prefix.to_string(),
            replacement: replacement.to_string(),
            rest_min: rest.0,
            rest_max: rest.1,
        }
    }

    #[test]
    fn national_prefix_rewrites_are_read_from_the_metadata() {
        // Argentina: `0 11 15 …` and `11 15 …` are `9 11 …`.
        let ar = rewrites_of("AR");
        assert!(
            ar.contains(&rewrite("01115", "911", (0, u8::MAX))),
            "{ar:?}"
        );
        assert!(ar.contains(&rewrite("1115", "911", (0, u8::MAX))));
        assert!(ar.len() > 100, "{}", ar.len());
        // Brazil: `0`, a carrier code, then 10 or 11 digits.
        let br = rewrites_of("BR");
        assert!(br.contains(&rewrite("021", "", (10, 11))), "{br:?}");
        assert!(br.contains(&rewrite("9021", "", (10, 11))), "{br:?}");
        // Saint Kitts: a seven-digit local number takes the area code.
        let kn = rewrites_of("KN");
        assert!(kn.contains(&rewrite("2", "8692", (6, 6))), "{kn:?}");
        // Gabon: the trunk prefix is dropped only before some numbers.
        let ga = rewrites_of("GA");
        assert!(ga.contains(&rewrite("011", "11", (6, 6))), "{ga:?}");
        assert!(rewrites_of("FR").is_empty());
    }

    #[test]
    fn every_region_of_the_metadata_has_rules() {
        let regions = all_regions();
        assert!(regions.len() > 240, "{}", regions.len());
        for r in &regions {
            assert!(!r.international_prefixes.is_empty(), "{}", r.iso);
            assert!(!r.nsn_lengths.is_empty(), "{}", r.iso);
            let cc_len = r.calling_code.to_string().len();
            assert!(
                r.nsn_lengths
                    .iter()
                    .all(|&l| (6..=15).contains(&(usize::from(l) + cc_len))),
                "{}",
                r.iso
            );
        }
        let us = regions.iter().find(|r| r.iso == "US").unwrap();
        assert_eq!(us.international_prefixes, ["011"]);
        assert_eq!(us.trunk_prefix.as_deref(), Some("1"));
        assert_eq!(us.nsn_first_digit_not, b"01");
        let by = regions.iter().find(|r| r.iso == "BY").unwrap();
        assert_eq!(by.trunk_prefixes, ["80", "0", "8"]);
        let kz = regions.iter().find(|r| r.iso == "KZ").unwrap();
        assert_eq!(
            (kz.calling_code, kz.trunk_prefix.as_deref()),
            (7, Some("8"))
        );
    }
}
