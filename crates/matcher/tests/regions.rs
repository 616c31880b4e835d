//! Cross-check of the matcher's phone normalization against libphonenumber (the
//! `phonenumber` crate) on numbers of every region its metadata knows: each region's example
//! fixed-line and mobile numbers, written internationally and nationally as libphonenumber
//! formats them, must normalize to libphonenumber's E.164, both as an identifier and when
//! found in a stored value read with that region as the default region.

// Built for the static target (CI), the tests allocate as the shipped binary does (mimalloc):
// musl's own allocator doubled their CPU time.
#[cfg(target_env = "musl")]
#[global_allocator]
static TEST_ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use forgetme_matcher::{normalize_phone, parse_identifier, Matcher, ParseOptions, Region};
use phonenumber::metadata::DATABASE;
use phonenumber::Mode;

/// One example number of a region, as libphonenumber parses and formats it.
struct Example {
    region: &'static str,
    kind: &'static str,
    e164: String,
    international: String,
    national: String,
}

fn examples() -> Vec<Example> {
    let mut out = Vec::new();
    for meta in DATABASE.iter() {
        let id = meta.id();
        if id.len() != 2 {
            continue;
        }
        let descriptors = meta.descriptors();
        for (kind, descriptor) in [
            ("fixed-line", descriptors.fixed_line()),
            ("mobile", descriptors.mobile()),
        ] {
            let Some(example) = descriptor.and_then(|d| d.example()) else {
                continue;
            };
            // An example is a national significant number: its E.164 form is the calling
            // code and the example, which libphonenumber then formats.
            let e164 = format!("+{}{example}", meta.country_code());
            let parsed = phonenumber::parse(None, &e164).expect("examples parse");
            assert_eq!(parsed.format().mode(Mode::E164).to_string(), e164);
            out.push(Example {
                region: id,
                kind,
                e164: parsed.format().mode(Mode::E164).to_string(),
                international: parsed.format().mode(Mode::International).to_string(),
                national: parsed.format().mode(Mode::National).to_string(),
            });
        }
    }
    out
}

#[test]
fn every_region_of_the_metadata_is_a_region_of_the_matcher() {
    let mut missing = Vec::new();
    for meta in DATABASE.iter() {
        if meta.id().len() == 2 && Region::parse(meta.id()).is_none() {
            missing.push(meta.id());
        }
    }
    assert!(missing.is_empty(), "regions missing: {missing:?}");
    assert!(Region::all().len() > 240, "{}", Region::all().len());
    for meta in DATABASE.iter().filter(|m| m.id().len() == 2) {
        let region = Region::parse(meta.id()).unwrap();
        assert_eq!(region.calling_code(), meta.country_code(), "{}", meta.id());
    }
}

#[test]
fn example_numbers_of_every_region_normalize_as_libphonenumber_does() {
    let examples = examples();
    assert!(examples.len() > 400, "{}", examples.len());
    let mut failures = Vec::new();
    for ex in &examples {
        let region = Region::parse(ex.region).expect("every region is known");
        // The international spelling, as an identifier, without a region.
        match normalize_phone(&ex.international, None) {
            Ok(n) if n.e164() == ex.e164 => {}
            other => failures.push(format!(
                "{} {} international {:?}: {:?}, libphonenumber {}",
                ex.region,
                ex.kind,
                ex.international,
                other.map(|n| n.e164().to_string()),
                ex.e164
            )),
        }
        // The national spelling, read in its region.
        match normalize_phone(&ex.national, Some(region)) {
            Ok(n) if n.e164() == ex.e164 => {}
            other => failures.push(format!(
                "{} {} national {:?}: {:?}, libphonenumber {}",
                ex.region,
                ex.kind,
                ex.national,
                other.map(|n| n.e164().to_string()),
                ex.e164
            )),
        }
        // Both spellings found in a stored value by a search for the E.164 number, with the
        // region as default region: as the subject's number, not as a possible match.
        let options = ParseOptions {
            default_region: Some(region),
            allow_text: false,
        };
        let Ok(identifier) = parse_identifier(&ex.e164, &options) else {
            continue; // reported above
        };
        let matcher = Matcher::new(vec![identifier], Some(region));
        for spelling in [&ex.international, &ex.national] {
            let raw = serde_json::json!({ "phoneNumbers": [spelling] }).to_string();
            let hits = matcher.match_value(&raw).hits;
            let exact = hits.len() == 1 && !hits[0].variant.is_possible();
            if !exact {
                failures.push(format!(
                    "{} {} stored {:?}: {:?}",
                    ex.region,
                    ex.kind,
                    spelling,
                    hits.iter().map(|h| h.variant).collect::<Vec<_>>()
                ));
            }
        }
    }
    // Argentina's national spelling of a mobile number puts `15` after the area code where
    // the international one has `9` before it (`011 15-2345-6789` is +54 9 11 2345 6789):
    // the metadata's rewrite of national spellings, which the matcher reads.
    assert!(
        failures.is_empty(),
        "{} of {} examples differ:\n{}",
        failures.len(),
        examples.len(),
        failures.join("\n")
    );
}
