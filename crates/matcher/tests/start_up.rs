//! A search for numbers of the curated regions starts without reading libphonenumber's
//! metadata (about 60 ms, which every search for a phone number once paid). Its own test
//! binary, so that no other test has read the metadata in the same process first.

use forgetme_matcher::{parse_identifier, region_metadata_loaded, Matcher, ParseOptions};

#[test]
fn curated_numbers_are_searched_without_the_metadata() {
    let options = ParseOptions {
        default_region: None,
        allow_text: false,
    };
    let ids = [
        "+1 212 555 0113",
        "+44 20 7946 0958",
        "+49 30 90012345",
        "+33 6 12 34 56 78",
        "+353 87 123 4567",
        "someone@example.com",
    ]
    .iter()
    .map(|id| parse_identifier(id, &options).expect("a valid identifier"))
    .collect();
    let matcher = Matcher::new(ids, None);
    let hits = matcher.match_value(r#"{"phone":"+44 20 7946 0958"}"#).hits;
    assert_eq!(hits.len(), 1);
    assert!(!region_metadata_loaded(), "the metadata was read");

    // And the flag does say when it is read: a number of a region outside the curated ones.
    parse_identifier("+590 590 27 12 34", &options).expect("Guadeloupe");
    assert!(region_metadata_loaded());
}
