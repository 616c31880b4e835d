//! The one clock format of the project's records: the audit log's `time`, the receipt's
//! `started_at` and `finished_at`, the access export's `generated_at`. A [`Timestamp`] is an
//! instant held as a time until it is written, and written one way only.

use std::fmt;

use serde::{Serialize, Serializer};
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::OffsetDateTime;

/// RFC 3339 in UTC with millisecond precision, fixed width so that lines line up and times
/// compare as text: `2026-11-29T22:43:05.123Z`.
const TIME_FORMAT: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// The day of a [`Timestamp`], as it begins its text: `2026-11-29`.
const DATE_FORMAT: &[BorrowedFormatItem<'static>] = format_description!("[year]-[month]-[day]");

/// An instant in UTC, to the millisecond: what it holds is exactly what it writes, so two
/// documents that print the same timestamp print the same text.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(OffsetDateTime);

impl Timestamp {
    /// Now.
    pub fn now() -> Timestamp {
        Timestamp::at(OffsetDateTime::now_utc())
    }

    /// `instant`, in UTC, with what is finer than a millisecond dropped (the written form
    /// has three digits of fraction; the time crate drops the rest too when it formats).
    pub fn at(instant: OffsetDateTime) -> Timestamp {
        let utc = instant.to_offset(time::UtcOffset::UTC);
        let millis = utc.nanosecond() / 1_000_000 * 1_000_000;
        Timestamp(
            utc.replace_nanosecond(millis)
                .expect("a whole number of milliseconds is a valid nanosecond"),
        )
    }

    /// The instant.
    pub fn instant(self) -> OffsetDateTime {
        self.0
    }

    /// The UTC day, written `YYYY-MM-DD` (the first ten characters of the timestamp's text).
    pub fn day(self) -> String {
        self.0
            .format(DATE_FORMAT)
            .expect("a UTC date between years 0 and 9999 always formats")
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self
            .0
            .format(TIME_FORMAT)
            .expect("a UTC time between years 0 and 9999 always formats");
        f.write_str(&text)
    }
}

/// Read from RFC 3339 text (any offset; kept in UTC, to the millisecond): for tests and for
/// documents read back.
impl std::str::FromStr for Timestamp {
    type Err = time::error::Parse;

    fn from_str(text: &str) -> Result<Timestamp, Self::Err> {
        OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
            .map(Timestamp::at)
    }
}

/// Written as its text: RFC 3339, UTC, three digits of fraction, `Z`.
impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timestamp_is_written_in_utc_with_milliseconds_and_z() {
        let t = Timestamp::at(time::macros::datetime!(2026-11-29 23:43:05.123456789 +01:00));
        assert_eq!(t.to_string(), "2026-11-29T22:43:05.123Z");
        assert_eq!(
            serde_json::to_string(&t).unwrap(),
            "\"2026-11-29T22:43:05.123Z\""
        );
        assert_eq!(t.day(), "2026-11-29");
        let whole = Timestamp::at(time::macros::datetime!(2026-01-02 03:04:05 UTC));
        assert_eq!(whole.to_string(), "2026-01-02T03:04:05.000Z");
    }

    #[test]
    fn what_is_held_is_what_is_written() {
        let t = Timestamp::now();
        let text = t.to_string();
        let again = Timestamp::at(t.instant());
        assert_eq!(again, t);
        assert_eq!(again.to_string(), text);
        assert_eq!(t.day(), text[..10]);
    }
}
