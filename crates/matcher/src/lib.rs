//! The pure matching core of gdpr-forget-me.
//!
//! It answers three questions without doing any I/O:
//!
//! 1. Is this string a usable identifier of the data subject? ([`parse_identifier`])
//! 2. Where in this stored setting does the subject appear? ([`Matcher`])
//! 3. What is the smallest safe change that erases them? ([`plan_erasure`])
//!
//! Identifiers are personal data: no error message or `Debug` output here contains one.
//! The user-facing rules are in `docs/matching.md`.

// Built for the static target (CI), the unit tests allocate as the shipped binary does (mimalloc):
// musl's own allocator doubled their CPU time.
#[cfg(all(test, target_env = "musl"))]
#[global_allocator]
static TEST_ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod email;
mod erasure;
mod identifier;
mod invisible;
mod json;
mod matcher;
mod metadata;
mod path;
mod phone;
mod raw_filter;
mod respell;
mod tail_scan;
mod text;

pub use email::{normalize_email, EmailError};
pub use erasure::{
    identifier_tokens, is_identifier_like, is_label_word, plan_erasure, record_paths,
    redacted_path, subject_records, ErasureOptions, ErasurePlan, PlanContext, ReviewReason, Shape,
    SubjectRecord, Token, CONTACT_NAME_FIELDS,
};
pub use identifier::{
    distinct_identifiers, parse_identifier, search_file_entries, unknown_in_region, Identifier,
    IdentifierError, IdentifierKind, ParseOptions, Reading, MIN_IDENTIFIER_CHARS,
};
pub use invisible::{is_invisible, printable, printable_lines};
pub use matcher::{
    Hit, MatchVariant, Matcher, TextHit, ValueMatches, ValueWarning, MAX_JSON_BYTES, MAX_JSON_DEPTH,
};
pub use path::{JsonPath, PathSegment};
pub use phone::{
    calling_code_len, is_calling_code, is_valid_number_of, normalize_phone,
    normalize_phone_reading, region_metadata_loaded, regions_where_valid, DigitList, LengthList,
    NumberReading, NumberType, PhoneError, PhoneNumber, Region, RegionList, UnknownRegion,
    MAX_E164_DIGITS, MIN_E164_DIGITS,
};
